//! The Logs tab: the runs, one run's records with their reasons filtered by
//! status, object type or kind (record outcomes or the SIS read's source
//! problems), and their export as CSV or JSON in the CLI's formats.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use maud::html;
use rostersync_core::Entity;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, ProblemKind, RecordKind, RunId, RunSourceProblem, SourceFilter,
};
use serde::Deserialize;

use super::{Shared, SignedIn, local, page};

fn store_failed(error: &rostersync_ports::PortError) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the state store could not be read: {error}"),
    )
        .into_response()
}

/// `GET /logs`: the runs, newest first.
pub(crate) async fn runs(axum::extract::State(console): Shared, signed: SignedIn) -> Response {
    let runs = match console.store.runs(200).await {
        Ok(runs) => runs,
        Err(error) => return store_failed(&error),
    };
    let ids: Vec<RunId> = runs.iter().map(|run| run.id).collect();
    let reads = match console.store.source_summaries(&ids).await {
        Ok(reads) => reads,
        Err(error) => return store_failed(&error),
    };
    page(
        "Logs",
        Some(signed.csrf()),
        html! {
            p { a href="/logs/export?format=csv" { "Export every record (CSV)" } " · " a href="/logs/export?format=json" { "(JSON)" } }
            @if runs.is_empty() { p { "No sync has run yet." } }
            @else {
                table {
                    thead { tr { th { "run" } th { "started" } th { "trigger" } th { "scope" } th { "status" } th { "planned writes" } th { "warnings" } th { "SIS records" } th { "acting user" } } }
                    tbody {
                        @for run in &runs {
                            @let counts = run.summary.0.values();
                            @let writes: u64 = counts.clone().map(|c| c.create + c.update + c.link + c.remove).sum();
                            @let warnings: u64 = counts.map(|c| c.warnings).sum();
                            tr {
                                td data-label="run" { a href={ "/logs/" (run.id) } { (run.id) } }
                                td data-label="started" { (local(run.started_at, &console)) }
                                td data-label="trigger" { (run.trigger.as_str()) }
                                td data-label="scope" { (run.scope.to_string()) }
                                td data-label="status" { (run.status.as_str()) }
                                td data-label="planned writes" { (writes) }
                                td data-label="warnings" { (warnings) }
                                td data-label="SIS records" {
                                    @match reads.get(&run.id) {
                                        Some(read) => { (read.read) " read, " (read.unreadable + read.left_out) " not read" }
                                        None => "-",
                                    }
                                }
                                td data-label="acting user" { (run.acting_user) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// The filters of a run's records and of an export.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogFilter {
    /// "outcomes" (the default) or "source".
    #[serde(default)]
    kind: Option<String>,
    /// An outcome status, or a source problem kind.
    #[serde(default)]
    status: Option<String>,
    /// An object type, or a kind of SIS record.
    #[serde(default)]
    entity: Option<String>,
    /// The run (exports only; a run's page has it in its path).
    #[serde(default)]
    run: Option<RunId>,
    /// "csv" (the default) or "json" (exports only).
    #[serde(default)]
    format: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// What the filter selects, once its names are checked.
enum Selected {
    Outcomes(OutcomeFilter),
    Source(SourceFilter),
}

impl LogFilter {
    fn source(&self) -> bool {
        given(&self.kind) == Some("source")
    }

    /// The store's filter; a name that is not one is refused with the
    /// names that are.
    fn select(&self, run: Option<RunId>) -> Result<Selected, String> {
        fn pick<T: Copy>(
            name: Option<&str>,
            what: &str,
            all: &[T],
            name_of: fn(T) -> &'static str,
        ) -> Result<Option<T>, String> {
            let Some(name) = name else { return Ok(None) };
            all.iter()
                .copied()
                .find(|value| name_of(*value) == name)
                .map(Some)
                .ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|v| name_of(*v)).collect();
                    format!("{name:?} is not {what}: use one of {}", names.join(", "))
                })
        }
        if self.source() {
            Ok(Selected::Source(SourceFilter {
                run,
                kind: pick(
                    given(&self.status),
                    "a kind of source problem",
                    &ProblemKind::ALL,
                    ProblemKind::as_str,
                )?,
                record: pick(
                    given(&self.entity),
                    "a kind of SIS record",
                    &RecordKind::ALL,
                    RecordKind::as_str,
                )?,
            }))
        } else {
            let entity = match given(&self.entity) {
                Some(name) => Some(Entity::parse(name).ok_or_else(|| {
                    format!("{name:?} is not an object type: use grading_period, user, course, section, enrollment or guardian_link")
                })?),
                None => None,
            };
            Ok(Selected::Outcomes(OutcomeFilter {
                run,
                status: pick(
                    given(&self.status),
                    "a status",
                    &OutcomeStatus::ALL,
                    OutcomeStatus::as_str,
                )?,
                entity,
            }))
        }
    }

    /// The query string of these filters for `run`, in `format`.
    fn export_query(&self, run: RunId, format: &str) -> String {
        let mut query = format!("run={run}&format={format}");
        for (name, value) in [
            ("kind", &self.kind),
            ("status", &self.status),
            ("entity", &self.entity),
        ] {
            if let Some(value) = given(value) {
                query.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        query
    }
}

/// Percent-encodes a query value (the names are plain words; this keeps
/// anything else from breaking the link).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `GET /logs/{run}`: one run, and its records filtered.
pub(crate) async fn run(
    axum::extract::State(console): Shared,
    signed: SignedIn,
    Path(run): Path<RunId>,
    Query(filter): Query<LogFilter>,
) -> Response {
    let record = match console.store.runs(usize::MAX).await {
        Ok(runs) => runs.into_iter().find(|r| r.id == run),
        Err(error) => return store_failed(&error),
    };
    let Some(record) = record else {
        return (
            StatusCode::NOT_FOUND,
            page(
                "No such run",
                Some(signed.csrf()),
                html! { p { "There is no run " (run) ". " a href="/logs" { "The runs" } } },
            ),
        )
            .into_response();
    };
    let selected = filter.select(Some(run));
    let (outcomes, problems) = match &selected {
        Ok(Selected::Outcomes(f)) => match console.store.outcomes(f).await {
            // Without a status asked for, what an administrator should read.
            Ok(found) => (
                found
                    .into_iter()
                    .filter(|o| f.status.is_some() || o.status != OutcomeStatus::Done)
                    .collect(),
                Vec::new(),
            ),
            Err(error) => return store_failed(&error),
        },
        Ok(Selected::Source(f)) => match console.store.source_problems(f).await {
            Ok(found) => (Vec::new(), found),
            Err(error) => return store_failed(&error),
        },
        Err(_) => (Vec::new(), Vec::new()),
    };
    let status = if selected.is_err() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let markup = page(
        &format!("Run {run}"),
        Some(signed.csrf()),
        html! {
            p {
                (record.trigger.as_str()) " " (record.scope.to_string()) " sync as " (record.acting_user)
                ": " strong.status { (record.status.as_str()) } ", started " (local(record.started_at, &console))
                @if let Some(finished) = record.finished_at { ", finished " (local(finished, &console)) }
            }
            @if let Some(message) = &record.message { p.problem { (message) } }
            form.filters method="get" action={ "/logs/" (run) } {
                label { "records " select name="kind" {
                    option value="outcomes" selected[!filter.source()] { "record outcomes" }
                    option value="source" selected[filter.source()] { "source problems (SIS read)" }
                } }
                label { "status or kind " input name="status" value=(given(&filter.status).unwrap_or_default()) placeholder="failed, warning, unreadable…"; }
                label { "object " input name="entity" value=(given(&filter.entity).unwrap_or_default()) placeholder="user, section…"; }
                button type="submit" { "Filter" }
            }
            p.exports {
                "Export these records: "
                a.export-csv href={ "/logs/export?" (filter.export_query(run, "csv")) } { "CSV" }
                " · "
                a.export-json href={ "/logs/export?" (filter.export_query(run, "json")) } { "JSON" }
            }
            @if let Err(problem) = &selected { p.problem role="alert" { (problem) } }
            @else if filter.source() {
                @if problems.is_empty() { p { "The SIS read of this run met no such problem." } }
                @else { (source_table(&problems)) }
            } @else if outcomes.is_empty() {
                p { "No record of this run matches." }
            } @else {
                table {
                    thead { tr { th { "status" } th { "object" } th { "key" } th { "reason" } } }
                    tbody {
                        @for o in &outcomes {
                            tr {
                                td data-label="status" { (o.status.as_str()) }
                                td data-label="object" { (o.entity.to_string()) }
                                td data-label="key" { (o.key) }
                                td data-label="reason" { (o.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    );
    (status, markup).into_response()
}

fn source_table(problems: &[RunSourceProblem]) -> maud::Markup {
    html! {
        table {
            thead { tr { th { "kind" } th { "record" } th { "where" } th { "key" } th { "what is wrong" } } }
            tbody {
                @for found in problems {
                    @let p = &found.problem;
                    tr {
                        td { (p.kind.as_str()) }
                        td { (p.record.map_or("", RecordKind::as_str)) }
                        td { (p.location) }
                        td { (p.key.as_deref().unwrap_or("")) }
                        td { (p.message) }
                    }
                }
            }
        }
    }
}

/// `GET /logs/export`: the records selected, as CSV or JSON, in the format
/// of `rostersync logs export`.
pub(crate) async fn run_export(
    axum::extract::State(console): Shared,
    _signed: SignedIn,
    Query(filter): Query<LogFilter>,
) -> Response {
    let json = match given(&filter.format) {
        None | Some("csv") => false,
        Some("json") => true,
        Some(other) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("format {other:?} is not one: use csv or json"),
            )
                .into_response();
        }
    };
    let selected = match filter.select(filter.run) {
        Ok(selected) => selected,
        Err(problem) => return (StatusCode::UNPROCESSABLE_ENTITY, problem).into_response(),
    };
    let text = match selected {
        Selected::Outcomes(f) => match console.store.outcomes(&f).await {
            Ok(found) if json => rostersync_store::outcomes_json(&found).map_err(|e| e.to_string()),
            Ok(found) => Ok(rostersync_store::outcomes_csv(&found)),
            Err(error) => return store_failed(&error),
        },
        Selected::Source(f) => match console.store.source_problems(&f).await {
            Ok(found) if json => {
                rostersync_store::source_problems_json(&found).map_err(|e| e.to_string())
            }
            Ok(found) => Ok(rostersync_store::source_problems_csv(&found)),
            Err(error) => return store_failed(&error),
        },
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => return (StatusCode::INTERNAL_SERVER_ERROR, error).into_response(),
    };
    let name = match filter.run {
        Some(run) => format!("rostersync-run-{run}"),
        None => "rostersync-records".to_owned(),
    };
    let (kind, extension) = if json {
        ("application/json", "json")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    (
        [
            (CONTENT_TYPE, kind.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        text,
    )
        .into_response()
}
