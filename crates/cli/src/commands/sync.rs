//! `prep report|apply` and `sync`.

use rostersync_core::SyncScope;
use rostersync_core::plan::{EXAMPLES, PlanSummary, RenderOptions, render_listing};
use rostersync_core::prep::{render_csv, render_listing as prep_listing, render_summary};
use rostersync_engine::{EngineError, LmsRead, RunOptions, RunReport};
use rostersync_ports::{RunStatus, Trigger};

use crate::cli::{PrepCommand, ReportFormat, ScopeArg, SyncArgs};
use crate::config::Config;
use crate::output::{Lines, Out, table, with_spinner};
use crate::wire;
use crate::{EXIT_FAILURES, EXIT_OK, EXIT_THRESHOLD};

/// `prep report|apply`.
pub(crate) async fn prep(command: &PrepCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    let now = wire::now();
    let wired = wire::engine(config, now).await?;
    let read = wired
        .sis
        .closing(with_spinner(
            "reading both ends and matching records",
            wired.engine.prep_read(now),
        ))
        .await?;
    let report = &read.report;
    match command {
        PrepCommand::Report { format, full } => {
            // `--json` beside another `--format` was refused before.
            let format = if out.json {
                ReportFormat::Json
            } else {
                format.unwrap_or(ReportFormat::Table)
            };
            match format {
                ReportFormat::Table => {
                    out.line(crate::source::summary_line(&read.source));
                    crate::source::print_groups(out, &read.source_problems);
                    out.text(&render_summary(report, EXAMPLES));
                    if *full {
                        out.text(&prep_listing(report));
                    } else {
                        out.line(
                            "\nevery record: `rostersync prep report --full` (or --format csv, --json)",
                        );
                    }
                }
                ReportFormat::Csv => out.text(&render_csv(report)),
                ReportFormat::Json => out.json(&serde_json::json!({
                    "counts": report.counts(),
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
            if crate::output::quiet() && outcome.failures.is_empty() {
                // Nothing to say when all is well.
            } else if out.json {
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

/// `sync SCOPE [--dry-run] [--force] [--full] [--queue]`.
pub(crate) async fn sync(args: &SyncArgs, config: &Config, out: Out) -> anyhow::Result<u8> {
    let now = wire::now();
    let wired = wire::engine(config, now).await?;
    if args.queue {
        let job = wired
            .engine
            .enqueue(scope(args.scope), Trigger::Manual, now)
            .await?;
        if out.json {
            out.json(&job)?;
        } else {
            out.line(format!(
                "queued job {}: a {} sync; the service (`rostersync run`) runs it when no other sync holds the lock",
                job.id, job.scope
            ));
        }
        return Ok(EXIT_OK);
    }
    let mut options = RunOptions::at(now);
    options.dry_run = args.dry_run;
    options.force = args.force;
    options.read = if args.full_read {
        LmsRead::Full
    } else if args.incremental {
        LmsRead::Incremental
    } else {
        LmsRead::Auto
    };
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
    let listing = if args.full {
        Listing::Full
    } else {
        Listing::Summary
    };
    finish_with(result, out, listing)
}

/// How much of a run a report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Counts, reasons grouped with a few examples, the first warnings and failures.
    Summary,
    /// The summary, then every planned change (a dry run) or every warning
    /// and failure.
    Full,
}

/// Prints a run's result in brief; the exit code follows its status.
pub(crate) fn finish(result: Result<RunReport, EngineError>, out: Out) -> anyhow::Result<u8> {
    finish_with(result, out, Listing::Summary)
}

/// Prints a run's result; the exit code follows its status.
fn finish_with(
    result: Result<RunReport, EngineError>,
    out: Out,
    listing: Listing,
) -> anyhow::Result<u8> {
    let report = match result {
        Ok(report) => report,
        Err(EngineError::ThresholdExceeded { report }) => {
            print(&report, out, listing)?;
            return Ok(EXIT_THRESHOLD);
        }
        Err(error) => return Err(error.into()),
    };
    print(&report, out, listing)?;
    Ok(match report.status {
        RunStatus::CompletedWithFailures => EXIT_FAILURES,
        RunStatus::StoppedByThreshold => EXIT_THRESHOLD,
        _ => EXIT_OK,
    })
}

/// A run report in brief, as text or JSON.
pub(crate) fn print_report(report: &RunReport, out: Out) -> anyhow::Result<()> {
    print(report, out, Listing::Summary)
}

/// A run report as text (summary first, the full listing when asked) or
/// JSON (the report with its plan, structured). With `--quiet`, a run that
/// succeeded prints nothing.
fn print(report: &RunReport, out: Out, listing: Listing) -> anyhow::Result<()> {
    if crate::output::quiet() && report.status == RunStatus::Succeeded {
        return Ok(());
    }
    if out.json {
        return out.json(report);
    }
    write_report(report, out, listing);
    Ok(())
}

/// A run report as text: what `sync` prints (the console shows the same).
pub(crate) fn write_report(report: &RunReport, out: impl Lines + Copy, listing: Listing) {
    let dry = report.status == RunStatus::DryRun;
    let name = report
        .run
        .map_or_else(|| "dry run".to_owned(), |id| format!("run {id}"));
    out.line(format!(
        "{name}: {} {} sync as {} — {}{}",
        report.trigger.as_str(),
        report.scope,
        report.acting_user,
        status_words(report.status),
        if report.forced { " (forced)" } else { "" }
    ));
    out.text(&summary_table(&report.summary));
    // Where to read every record: the log of a run, the listing of a dry run.
    let every = match report.run {
        Some(id) => format!("`rostersync logs show {id}`"),
        None => format!("`rostersync sync {} --dry-run --full`", report.scope),
    };
    // The plan's warnings (a dry run records none; a run records them first).
    let planned: u64 = report.digest.warnings.iter().map(|g| g.count).sum();
    if dry {
        out.line(format!(
            "{} skipped, {planned} warning(s); a dry run is not recorded and takes no run number",
            report.skips,
        ));
    } else {
        out.line(format!(
            "{} record(s) written, {} failed, {} skipped, {} warning(s) (each with its reason: {every})",
            report.done,
            report.failures.len(),
            report.skips,
            report.warnings.len(),
        ));
    }
    if !report.digest.is_empty() {
        out.line(String::new());
        out.text(&report.digest.to_text());
    }
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
        if let Some(id) = report.run {
            out.line(format!(
                "  (every one, with where it is and why: `rostersync logs show {id}`)"
            ));
        }
    }
    if let Some(calls) = report.lms_calls.filter(|_| !dry) {
        out.line(lms_calls_line(&calls));
    }
    for note in &report.notes {
        out.line(format!("note: {note}"));
    }
    let shown = match listing {
        Listing::Summary => SHOWN,
        Listing::Full => usize::MAX,
    };
    // The plan's warnings are grouped above; those the LMS added follow them.
    let added = report
        .warnings
        .get(usize::try_from(planned).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    // The words are the statuses' names, for `--status`.
    for (word, outcomes) in [("warning", added), ("failed", report.failures.as_slice())] {
        for outcome in outcomes.iter().take(shown) {
            out.line(format!(
                "{word}: {} {}: {}",
                outcome.entity,
                outcome.key,
                outcome.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        if let (true, Some(id)) = (outcomes.len() > shown, report.run) {
            out.line(format!(
                "... and {} more (`rostersync logs export --run {id} --status {word}`)",
                outcomes.len() - shown,
            ));
        }
    }
    match (&report.plan, listing) {
        (Some(plan), Listing::Full) => {
            out.text(&render_listing(plan, RenderOptions::full()));
        }
        (Some(_), Listing::Summary) => out.line(format!(
            "\nevery planned change with its fields: {every} (or --json)"
        )),
        (None, _) => {}
    }
}

/// The LMS calls of a run: how many, how many the LMS refused for its rate
/// limit, and the rate achieved against the configured limit.
fn lms_calls_line(calls: &rostersync_engine::LmsCalls) -> String {
    let mut line = format!(
        "LMS: {} call(s), {} refused for the rate limit (each retried), {:.1} calls/s while busy ({:.0} % of the configured {:.1}/s)",
        calls.calls,
        calls.rate_limited,
        calls.calls_per_second,
        calls.share_of_limit * 100.0,
        calls.limit_per_second,
    );
    if calls.pace_per_second < calls.limit_per_second {
        line.push_str(&format!(
            "; the LMS allowed less, the pace ended at {:.1}/s",
            calls.pace_per_second
        ));
    }
    line
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
        RunStatus::Interrupted => "interrupted (the next run resumes its work)",
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
