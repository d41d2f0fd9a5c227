//! `logs list|show|export`: the run log kept in the state store, with every
//! record's outcome (done, warning, skipped, failed) and what each run's SIS
//! read could not read, left out or warned about.

use rostersync_core::Entity;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, ProblemKind, RecordKind, SourceFilter, SourceProblem,
};
use serde_json::json;

use crate::EXIT_OK;
use crate::cli::{ExportFormat, ExportKind, LogsCommand, UsageError};
use crate::commands::sync::{status_words, summary_table};
use crate::config::Config;
use crate::output::{Out, local_time};
use crate::wire;

/// `logs list|show|export`.
pub(crate) async fn logs(command: &LogsCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    let store = wire::store(config).await?;
    match command {
        LogsCommand::List { limit } => {
            let runs = store.runs(*limit).await?;
            let ids: Vec<i64> = runs.iter().map(|run| run.id).collect();
            let reads = store.source_summaries(&ids).await?;
            if out.json {
                let listed: Vec<serde_json::Value> = runs
                    .iter()
                    .map(|run| json!({ "run": run, "source": reads.get(&run.id) }))
                    .collect();
                out.json(&listed)?;
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|run| {
                    let counts = run.summary.0.values();
                    let writes: u64 = counts
                        .clone()
                        .map(|c| c.create + c.update + c.link + c.remove)
                        .sum();
                    let warnings: u64 = counts.map(|c| c.warnings).sum();
                    let read = reads.get(&run.id).map_or("-".to_owned(), |read| {
                        format!(
                            "{} read, {} not read",
                            read.read,
                            read.unreadable + read.left_out
                        )
                    });
                    vec![
                        run.id.to_string(),
                        local_time(run.started_at, config.zone),
                        run.trigger.as_str().to_owned(),
                        run.scope.to_string(),
                        run.status.as_str().to_owned(),
                        writes.to_string(),
                        warnings.to_string(),
                        read,
                        run.acting_user.clone(),
                    ]
                })
                .collect();
            out.table(
                &[
                    "run",
                    "started",
                    "trigger",
                    "scope",
                    "status",
                    "planned writes",
                    "warnings",
                    "SIS records",
                    "acting user",
                ],
                &rows,
            );
            Ok(EXIT_OK)
        }
        LogsCommand::Show { run, status } => {
            let status = status_filter(status.as_deref())?;
            let Some(record) = wire::run(store.as_ref(), *run).await? else {
                let ids: Vec<i64> = store
                    .runs(usize::MAX)
                    .await?
                    .iter()
                    .map(|run| run.id)
                    .collect();
                return Err(no_such_run(*run, &ids).into());
            };
            let filter = OutcomeFilter {
                run: Some(*run),
                status,
                ..OutcomeFilter::default()
            };
            let outcomes = store.outcomes(&filter).await?;
            let source_filter = SourceFilter {
                run: Some(*run),
                ..SourceFilter::default()
            };
            let problems: Vec<SourceProblem> = store
                .source_problems(&source_filter)
                .await?
                .into_iter()
                .map(|found| found.problem)
                .collect();
            let read = store.source_summaries(&[*run]).await?.remove(run);
            if out.json {
                out.json(&json!({
                    "run": record,
                    "outcomes": outcomes,
                    "source": read,
                    "source_problems": problems,
                }))?;
                return Ok(EXIT_OK);
            }
            out.line(format!(
                "run {}: {} {} sync as {} — {}{}",
                record.id,
                record.trigger.as_str(),
                record.scope,
                record.acting_user,
                status_words(record.status),
                if record.forced { " (forced)" } else { "" }
            ));
            out.line(format!(
                "started {}, finished {}",
                local_time(record.started_at, config.zone),
                record
                    .finished_at
                    .map_or("-".to_owned(), |at| local_time(at, config.zone))
            ));
            if let Some(message) = &record.message {
                out.line(format!("message: {message}"));
            }
            out.text(&summary_table(&record.summary));
            // Without a status asked for, what an administrator should read.
            let rows: Vec<Vec<String>> = outcomes
                .iter()
                .filter(|o| status.is_some() || o.status != OutcomeStatus::Done)
                .map(|o| {
                    vec![
                        o.status.as_str().to_owned(),
                        o.entity.to_string(),
                        o.key.clone(),
                        o.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            out.table(&["status", "object", "key", "reason"], &rows);
            if let Some(read) = read {
                out.line(String::new());
                out.line(format!(
                    "What the SIS read found: {}",
                    crate::source::summary_line(&read)
                ));
                if !problems.is_empty() {
                    crate::source::print_groups(out, &problems);
                    out.table(&crate::source::COLUMNS, &crate::source::rows(&problems));
                }
            }
            Ok(EXIT_OK)
        }
        LogsCommand::Export {
            format,
            run,
            status,
            entity,
            kind: ExportKind::Source,
        } => {
            let format = export_format(*format, out);
            let filter = SourceFilter {
                run: *run,
                kind: problem_kind_filter(status.as_deref())?,
                record: record_filter(entity.as_deref())?,
            };
            let found = store.source_problems(&filter).await?;
            let text = match format {
                ExportFormat::Csv => rostersync_store::source_problems_csv(&found),
                ExportFormat::Json => rostersync_store::source_problems_json(&found)?,
            };
            out.text(&text);
            Ok(EXIT_OK)
        }
        LogsCommand::Export {
            format,
            run,
            status,
            entity,
            kind: ExportKind::Outcomes,
        } => {
            let status = status_filter(status.as_deref())?;
            let entity = match entity {
                Some(name) => Some(Entity::parse(name.trim()).ok_or_else(|| {
                    UsageError::new(format!(
                        "--entity {name:?} is not an object type: use grading_period, user, course, section, enrollment or guardian_link"
                    ))
                })?),
                None => None,
            };
            let filter = OutcomeFilter {
                run: *run,
                status,
                entity,
            };
            let format = export_format(*format, out);
            let outcomes = store.outcomes(&filter).await?;
            let text = match format {
                ExportFormat::Csv => rostersync_store::outcomes_csv(&outcomes),
                ExportFormat::Json => rostersync_store::outcomes_json(&outcomes)?,
            };
            out.text(&text);
            Ok(EXIT_OK)
        }
    }
}

/// The format of `logs export`: `--json` is `--format json` (the two
/// contradicting each other was refused before), csv by default.
fn export_format(format: Option<ExportFormat>, out: Out) -> ExportFormat {
    if out.json {
        ExportFormat::Json
    } else {
        format.unwrap_or(ExportFormat::Csv)
    }
}

/// `logs show RUN` of a run that is not recorded: which runs are.
fn no_such_run(run: i64, ids: &[i64]) -> UsageError {
    if ids.is_empty() {
        return UsageError::new(format!(
            "there is no run {run}: no run is recorded yet (a sync records one; a dry run does not)"
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    // Consecutive ids as ranges: "1-4, 6, 8-12".
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for id in ids {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == id => *end = id,
            _ => ranges.push((id, id)),
        }
    }
    let ranges: Vec<String> = ranges
        .iter()
        .map(|&(start, end)| {
            if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            }
        })
        .collect();
    UsageError::new(format!(
        "there is no run {run}; the recorded runs are {}",
        ranges.join(", ")
    ))
    .hint("`rostersync logs list` shows them, newest first")
}

/// The value of `values` whose name (`name_of`) a filter flag gives, if
/// the flag is given; otherwise the flag's values listed in the refusal.
fn named_filter<T: Copy>(
    name: Option<&str>,
    flag: &str,
    what: &str,
    values: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<Option<T>, UsageError> {
    let Some(name) = name else {
        return Ok(None);
    };
    values
        .iter()
        .copied()
        .find(|value| name_of(*value) == name.trim())
        .map(Some)
        .ok_or_else(|| {
            let names: Vec<&str> = values.iter().map(|value| name_of(*value)).collect();
            UsageError::new(format!(
                "{flag} {name:?} is not {what}: use one of {}",
                names.join(", ")
            ))
        })
}

/// The problem kind `--status` names for `--kind source`, if any.
fn problem_kind_filter(name: Option<&str>) -> Result<Option<ProblemKind>, UsageError> {
    named_filter(
        name,
        "--status",
        "a kind of source problem",
        &ProblemKind::ALL,
        ProblemKind::as_str,
    )
}

/// The kind of record `--entity` names for `--kind source`, if any.
fn record_filter(name: Option<&str>) -> Result<Option<RecordKind>, UsageError> {
    named_filter(
        name,
        "--entity",
        "a kind of SIS record",
        &RecordKind::ALL,
        RecordKind::as_str,
    )
}

/// The outcome status `--status` names, if any.
fn status_filter(name: Option<&str>) -> Result<Option<OutcomeStatus>, UsageError> {
    named_filter(
        name,
        "--status",
        "a status",
        &OutcomeStatus::ALL,
        OutcomeStatus::as_str,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_run_names_the_recorded_ones_as_ranges() {
        let error = no_such_run(99, &[12, 11, 10, 9, 8, 6, 4, 3, 2, 1]);
        assert_eq!(
            error.to_string(),
            "there is no run 99; the recorded runs are 1-4, 6, 8-12"
        );
        assert!(
            error
                .next_step()
                .is_some_and(|hint| hint.contains("logs list"))
        );
        assert!(
            no_such_run(1, &[])
                .to_string()
                .contains("no run is recorded yet")
        );
    }
}
