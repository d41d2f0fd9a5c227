//! The console's actions that run the engine: data prep's report and apply,
//! a dry run, and a sync reporting its progress to the console.

use std::sync::Arc;

use rostersync_core::SyncScope;
use rostersync_core::plan::{EXAMPLES, RenderOptions, render_listing};
use rostersync_core::prep::{render_csv, render_summary};
use rostersync_engine::{EngineError, Progress, RunOptions, RunReport};
use rostersync_ports::{RunStatus, Trigger};
use rostersync_web::{ActionError, GradesRequest, GradesView, PlanView, PrepView, Saved, SyncEnd};

use super::failed;
use crate::cli::{GradesArgs, GradesCommand};
use crate::commands::grades::{passback, write_grade_report};
use crate::commands::sync::{Listing, status_words, write_report};
use crate::config::Config;
use crate::output::Gathered;
use crate::wire;

fn engine_failed(error: EngineError) -> ActionError {
    ActionError::Failed(error.to_string())
}

/// `prep report`: the summary, every record, and the CSV.
pub(super) async fn prep_report(config: &Config) -> Result<PrepView, ActionError> {
    let now = wire::now();
    let wired = wire::engine(config, now).await.map_err(failed)?;
    let read = wired
        .sis
        .closing(wired.engine.prep_read(now))
        .await
        .map_err(engine_failed)?;
    let gathered = Gathered::default();
    crate::source::print_groups(&gathered, &read.source_problems);
    let mut source = vec![crate::source::summary_line(&read.source)];
    source.extend(gathered.into_text().lines().map(str::to_owned));
    Ok(PrepView {
        source,
        summary: render_summary(&read.report, EXAMPLES),
        csv: render_csv(&read.report),
        report: read.report,
    })
}

/// `prep apply`: links what data prep matched, as a run in the log.
pub(super) async fn prep_apply(config: &Config) -> Result<Saved, ActionError> {
    let now = wire::now();
    let wired = wire::engine(config, now).await.map_err(failed)?;
    let outcome = wired
        .sis
        .closing(async {
            let read = wired.engine.prep_read(now).await?;
            wired.engine.prep_apply(&read.report, now).await
        })
        .await
        .map_err(engine_failed)?;
    Ok(Saved {
        message: format!(
            "Data prep applied as run {}: {} record(s) linked, {} failed.",
            outcome.run,
            outcome.linked,
            outcome.failures.len()
        ),
        warnings: outcome
            .failures
            .iter()
            .map(|failure| {
                format!(
                    "{} {}: {}",
                    failure.entity,
                    failure.key,
                    failure.reason.as_deref().unwrap_or("failed")
                )
            })
            .collect(),
    })
}

/// The report of a run, or of one a threshold stopped.
fn reported(result: Result<RunReport, EngineError>) -> Result<RunReport, EngineError> {
    match result {
        Err(EngineError::ThresholdExceeded { report }) => Ok(*report),
        other => other,
    }
}

/// `sync SCOPE --dry-run`: the plan, nothing written.
pub(super) async fn dry_run(config: &Config, scope: SyncScope) -> Result<PlanView, ActionError> {
    let now = wire::now();
    let wired = wire::engine(config, now).await.map_err(failed)?;
    let mut options = RunOptions::at(now);
    options.dry_run = true;
    let report = reported(
        wired
            .sis
            .closing(wired.engine.run(scope, Trigger::Manual, options))
            .await,
    )
    .map_err(engine_failed)?;
    let gathered = Gathered::default();
    write_report(&report, &gathered, Listing::Summary);
    Ok(PlanView {
        summary: gathered.into_text(),
        changes: report.plan.as_ref().map_or_else(
            || "the plan holds no change".to_owned(),
            |plan| render_listing(plan, RenderOptions::full()),
        ),
    })
}

/// `sync SCOPE`, by hand, reporting to `progress`.
pub(super) async fn sync(
    config: &Config,
    scope: SyncScope,
    progress: Arc<dyn Progress>,
) -> SyncEnd {
    let now = wire::now();
    let wired = match wire::engine(config, now).await {
        Ok(wired) => wired,
        Err(error) => {
            return SyncEnd {
                run: None,
                status: format!("not started: {}", failed(error)),
                ok: false,
            };
        }
    };
    let engine = wired.engine.with_progress(progress);
    let result = wired
        .sis
        .closing(engine.run(scope, Trigger::Manual, RunOptions::at(now)))
        .await;
    match reported(result) {
        Ok(report) => SyncEnd {
            run: report.run,
            status: status_words(report.status).to_owned(),
            ok: report.status == RunStatus::Succeeded,
        },
        Err(error) => SyncEnd {
            run: None,
            status: format!("failed: {error}"),
            ok: false,
        },
    }
}

/// `grades check|sync`: for a teacher's sections, or one section.
pub(super) async fn grades(
    config: &Config,
    request: GradesRequest,
) -> Result<GradesView, ActionError> {
    let given = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let target = GradesArgs {
        section: given(&request.section),
        teacher: given(&request.teacher),
        period: given(&request.period),
    };
    let command = if request.pass_back {
        GradesCommand::Sync {
            target,
            dry_run: false,
            overwrite: request.overwrite,
        }
    } else {
        GradesCommand::Check(target)
    };
    let reports = passback(&command, config).await.map_err(failed)?;
    let gathered = Gathered::default();
    for report in &reports {
        write_grade_report(report, &gathered);
    }
    Ok(GradesView {
        text: gathered.into_text(),
        failed: reports
            .iter()
            .any(|report| report.status == RunStatus::CompletedWithFailures),
    })
}
