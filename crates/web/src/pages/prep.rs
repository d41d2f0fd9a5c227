//! The Data prep tab: the match report (summary first, then every record
//! filtered by outcome and object type), Apply, and the CSV download.

use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use maud::html;
use rostersync_core::prep::{CSV_HEADER, OutcomeKind, report_rows};
use serde::Deserialize;

use super::{Posted, Said, Shared, SignedIn, page, unavailable};
use crate::Console;

/// The filters of the report's records.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PrepFilter {
    /// An outcome (`matched`, `ambiguous`, ...); every one when absent.
    #[serde(default)]
    outcome: Option<String>,
    /// `user`, `course` or `section`; every one when absent.
    #[serde(default)]
    entity: Option<String>,
}

/// The records shown at most on the page (the CSV holds every one).
const SHOWN: usize = 500;

async fn prep_page(console: &Console, csrf: &str, filter: &PrepFilter, said: &Said) -> Response {
    let view = match console.actions.prep_report().await {
        Ok(view) => view,
        Err(error) => return unavailable("Data prep", csrf, &error),
    };
    let outcome = filter.outcome.as_deref().filter(|o| !o.is_empty());
    let entity = filter.entity.as_deref().filter(|e| !e.is_empty());
    let rows: Vec<[String; 8]> = report_rows(&view.report)
        .into_iter()
        .filter(|row| outcome.is_none_or(|o| row[3] == o))
        .filter(|row| entity.is_none_or(|e| row[0] == e))
        .collect();
    let markup = page(
        "Data prep",
        Some(csrf),
        html! {
            (said.render())
            @for line in &view.source { p { (line) } }
            pre.summary { (view.summary) }
            form method="post" action="/prep/apply" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Apply" }
                " links every matched record to its LMS record (a run in the log); ambiguous and conflicting ones are left for you to resolve."
            }
            p { a href="/prep.csv" download="rostersync-prep.csv" { "Download the report as CSV" } }
            h2 { "Records" }
            form.filters method="get" action="/prep" {
                label { "outcome " select name="outcome" {
                    option value="" selected[outcome.is_none()] { "every outcome" }
                    @for kind in OutcomeKind::ALL {
                        option value=(kind.as_str()) selected[outcome == Some(kind.as_str())] { (kind.heading()) }
                    }
                } }
                label { "object " select name="entity" {
                    option value="" selected[entity.is_none()] { "every object" }
                    @for name in ["user", "course", "section"] {
                        option value=(name) selected[entity == Some(name)] { (name) }
                    }
                } }
                button type="submit" { "Filter" }
            }
            p { (rows.len()) " record(s)" @if rows.len() > SHOWN { "; the first " (SHOWN) " are shown, the CSV holds every one" } }
            table {
                thead { tr { @for column in CSV_HEADER { th { (column) } } } }
                tbody {
                    @for row in rows.iter().take(SHOWN) {
                        tr { @for (column, field) in CSV_HEADER.iter().zip(row) { td data-label=(column) { (field) } } }
                    }
                }
            }
        },
    );
    (said.status(), markup).into_response()
}

/// `GET /prep`.
pub(crate) async fn prep(
    State(console): Shared,
    signed: SignedIn,
    Query(filter): Query<PrepFilter>,
) -> Response {
    prep_page(&console, signed.csrf(), &filter, &Said::default()).await
}

/// `POST /prep/apply`.
pub(crate) async fn prep_apply(State(console): Shared, Posted { signed, .. }: Posted) -> Response {
    let said = Said::of(console.actions.prep_apply().await);
    prep_page(&console, signed.csrf(), &PrepFilter::default(), &said).await
}

/// `GET /prep.csv`: the report as `prep report --format csv` writes it.
pub(crate) async fn prep_csv(State(console): Shared, signed: SignedIn) -> Response {
    match console.actions.prep_report().await {
        Ok(view) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    CONTENT_DISPOSITION,
                    "attachment; filename=\"rostersync-prep.csv\"",
                ),
            ],
            view.csv,
        )
            .into_response(),
        Err(error) => unavailable("Data prep", signed.csrf(), &error),
    }
}
