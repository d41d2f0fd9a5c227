//! `prep report|apply` and `sync`.

use rostersync_core::SyncScope;
use rostersync_core::plan::PlanSummary;
use rostersync_core::prep::{render_csv, render_text};
use rostersync_engine::{EngineError, RunOptions, RunReport};
use rostersync_ports::{RunStatus, Trigger};

use crate::cli::{PrepCommand, ReportFormat, ScopeArg, SyncArgs};
use crate::config::Config;
use crate::output::{Out, table, with_spinner};
use crate::wire;
use crate::{EXIT_FAILURES, EXIT_OK, EXIT_THRESHOLD};

/// `prep report|apply`.
pub(crate) async fn prep(command: &PrepCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    let now = wire::now();
    let wired = wire::engine(config, now)?;
    let read = wired
        .sis
        .closing(with_spinner(
            "reading both ends and matching records",
            wired.engine.prep_read(now),
        ))
        .await?;
    let report = &read.report;
    match command {
        PrepCommand::Report { format } => {
            let format = if out.json {
                ReportFormat::Json
            } else {
                *format
            };
            match format {
                ReportFormat::Table => {
                    out.line(crate::source::summary_line(&read.source));
                    crate::source::print_groups(out, &read.source_problems);
                    out.text(&render_text(report));
                }
                ReportFormat::Csv => out.text(&render_csv(report)),
                ReportFormat::Json => out.json(&serde_json::json!({
                    "matches": report,
                    "source": read.source,
                    "source_problems": read.source_problems,
                }))?,
            }
            Ok(EXIT_OK)
        }
        PrepCommand::Apply => {
            crate::output::start(&wired.progress, "linking matched records");
            let outcome = wired.engine.prep_apply(report, now).await;
            wired.progress.finish_and_clear();
            let outcome = outcome?;
            if out.json {
                out.json(&serde_json::json!({
                    "run": outcome.run,
                    "linked": outcome.linked,
                    "failures": outcome.failures,
                }))?;
            } else {
                out.line(format!(
                    "data prep applied as run {}: {} record(s) linked, {} failed",
                    outcome.run,
                    outcome.linked,
                    outcome.failures.len()
                ));
                for failure in &outcome.failures {
                    out.line(format!(
                        "  {} {}: {}",
                        failure.entity,
                        failure.key,
                        failure.reason.as_deref().unwrap_or("failed")
                    ));
                }
            }
            Ok(if outcome.failures.is_empty() {
                EXIT_OK
            } else {
                EXIT_FAILURES
            })
        }
    }
}

/// The core scope of a command-line scope.
pub(crate) fn scope(arg: ScopeArg) -> SyncScope {
    match arg {
        ScopeArg::Users => SyncScope::Users,
        ScopeArg::Courses => SyncScope::Courses,
        ScopeArg::Sections => SyncScope::Sections,
        ScopeArg::All => SyncScope::All,
    }
}

/// `sync SCOPE [--dry-run] [--force]`.
pub(crate) async fn sync(args: &SyncArgs, config: &Config, out: Out) -> anyhow::Result<u8> {
    let now = wire::now();
    let wired = wire::engine(config, now)?;
    let mut options = RunOptions::at(now);
    options.dry_run = args.dry_run;
    options.force = args.force;
    let scope = scope(args.scope);
    let what = if args.dry_run {
        format!("planning a {scope} sync (dry run)")
    } else {
        format!("syncing {scope}")
    };
    crate::output::start(&wired.progress, what);
    let result = wired
        .sis
        .closing(wired.engine.run(scope, Trigger::Manual, options))
        .await;
    wired.progress.finish_and_clear();
    finish(result, out)
}

/// Prints a run's result; the exit code follows its status.
pub(crate) fn finish(result: Result<RunReport, EngineError>, out: Out) -> anyhow::Result<u8> {
    let report = match result {
        Ok(report) => report,
        Err(EngineError::ThresholdExceeded { report }) => {
            print_report(&report, out)?;
            return Ok(EXIT_THRESHOLD);
        }
        Err(error) => return Err(error.into()),
    };
    print_report(&report, out)?;
    Ok(match report.status {
        RunStatus::CompletedWithFailures => EXIT_FAILURES,
        RunStatus::StoppedByThreshold => EXIT_THRESHOLD,
        _ => EXIT_OK,
    })
}

/// A run report as text or JSON.
pub(crate) fn print_report(report: &RunReport, out: Out) -> anyhow::Result<()> {
    if out.json {
        return out.json(report);
    }
    if let Some(text) = &report.dry_run_text {
        out.text(text);
    }
    out.line(format!(
        "run {}: {} {} sync as {} — {}{}",
        report.run,
        report.trigger.as_str(),
        report.scope,
        report.acting_user,
        status_words(report.status),
        if report.forced { " (forced)" } else { "" }
    ));
    out.text(&summary_table(&report.summary));
    out.line(format!(
        "{} record(s) written, {} failed, {} skipped, {} warning(s) (reasons: `rostersync logs show {}`)",
        report.done,
        report.failures.len(),
        report.skips,
        report.warnings.len(),
        report.run
    ));
    for breach in &report.breaches {
        out.line(format!("threshold: {breach}"));
    }
    if report.status == RunStatus::StoppedByThreshold {
        out.line(
            "nothing was written; check the SIS data, then run again with --force to apply anyway",
        );
    }
    out.line(crate::source::summary_line(&report.source));
    if !report.source_problems.is_empty() {
        crate::source::print_groups(out, &report.source_problems);
        out.line(format!(
            "  (every one, with where it is and why: `rostersync logs show {}`)",
            report.run
        ));
    }
    for note in &report.notes {
        out.line(format!("note: {note}"));
    }
    // The words are the statuses' names, for `--status`.
    for (word, outcomes) in [("warning", &report.warnings), ("failed", &report.failures)] {
        for outcome in outcomes.iter().take(SHOWN) {
            out.line(format!(
                "{word}: {} {}: {}",
                outcome.entity,
                outcome.key,
                outcome.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        if outcomes.len() > SHOWN {
            out.line(format!(
                "... and {} more (`rostersync logs export --run {} --status {word}`)",
                outcomes.len() - SHOWN,
                report.run,
            ));
        }
    }
    Ok(())
}

/// How many warnings and failures a report prints; the log has them all.
const SHOWN: usize = 20;

/// What a run status means.
pub(crate) fn status_words(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::CompletedWithFailures => "completed with record failures",
        RunStatus::StoppedByThreshold => "stopped by a safety threshold",
        RunStatus::Failed => "failed",
        RunStatus::DryRun => "dry run (nothing written)",
    }
}

/// Counts per object type.
pub(crate) fn summary_table(summary: &PlanSummary) -> String {
    let rows: Vec<Vec<String>> = summary
        .0
        .iter()
        .map(|(entity, c)| {
            vec![
                entity.to_string(),
                c.create.to_string(),
                c.update.to_string(),
                c.link.to_string(),
                c.remove.to_string(),
                c.unchanged.to_string(),
                c.skipped.to_string(),
                c.warnings.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "object",
            "create",
            "update",
            "link",
            "remove",
            "unchanged",
            "skipped",
            "warnings",
        ],
        &rows,
    )
}
