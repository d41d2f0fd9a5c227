//! `schedule show|set` and `run`, the long-running service.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rostersync_core::schedule::ScheduleMode;
use rostersync_engine::{Engine, NextJob};
use serde_json::json;

use crate::cli::{ScheduleCommand, ScheduleSet, UsageError};
use crate::commands::sync::print_report;
use crate::config::{self, Config, ScheduleSection};
use crate::output::{Out, eprint_line, local_time};
use crate::wire;
use crate::{EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK};

/// `schedule show|set`.
pub(crate) async fn schedule(
    command: &ScheduleCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    let now = wire::now();
    let wired = wire::offline_engine(config, now).await?;
    match command {
        ScheduleCommand::Show => show(&wired.engine, &config.schedule, config, now, out).await,
        ScheduleCommand::Set(set) => {
            let section = match set {
                ScheduleSet::Manual => ScheduleSection {
                    mode: "manual".to_owned(),
                    window: None,
                    time_zone: None,
                    drift_check: config.schedule_section.drift_check.clone(),
                },
                ScheduleSet::Daily { window, time_zone } => ScheduleSection {
                    mode: "daily".to_owned(),
                    window: Some(window.clone()),
                    time_zone: time_zone.clone(),
                    drift_check: config.schedule_section.drift_check.clone(),
                },
            };
            let mode = config::schedule_mode(&section, config.zone.name()).map_err(|message| {
                // The flags were wrong, not the file: say it in their words.
                UsageError::new(
                    message
                        .replace("schedule.window", "--window")
                        .replace("schedule.mode", "the mode"),
                )
            })?;
            config::save_managed(&config.path, &section, config.mapping.spec())?;
            wired.engine.record_settings_saved(now).await?;
            if crate::output::quiet() {
                return Ok(EXIT_OK);
            }
            if !out.json {
                out.line(format!(
                    "sync timing saved in {}; the next scheduled sync waits at least 24 hours (grace rule)",
                    config.path.display()
                ));
            }
            show(&wired.engine, &mode, config, now, out).await
        }
    }
}

async fn show(
    engine: &Engine,
    mode: &ScheduleMode,
    config: &Config,
    now: DateTime<Utc>,
    out: Out,
) -> anyhow::Result<u8> {
    let next = engine.next_run(mode, now).await?;
    let state = engine.schedule_state().await?;
    let timing = match mode {
        ScheduleMode::Manual => "manual: syncs run only when started by hand".to_owned(),
        ScheduleMode::Daily(window) => format!(
            "daily, enqueued between {} and {} {}",
            window.start().format("%H:%M"),
            window.end().format("%H:%M"),
            window.zone()
        ),
    };
    let local = |at: DateTime<Utc>| local_time(at, config.zone);
    if out.json {
        out.json(&json!({
            "timing": timing,
            "next_run": next.map(|n| n.at),
            "reason": next.map(|n| n.reason.to_string()),
            "state": state,
        }))?;
        return Ok(EXIT_OK);
    }
    out.line(format!("timing: {timing}"));
    match next {
        Some(next) => out.line(format!(
            "next scheduled sync: {} — {}",
            local(next.at),
            next.reason
        )),
        None => out.line("next scheduled sync: none (manual mode)"),
    }
    for (what, at) in [
        ("last manual sync", state.last_manual_sync),
        ("timing last saved", state.last_settings_save),
        ("last scheduled sync enqueued", state.last_scheduled_enqueue),
    ] {
        if let Some(at) = at {
            out.line(format!("{what}: {}", local(at)));
        }
    }
    Ok(EXIT_OK)
}

/// `run`: checks the schedule every `interval` seconds and works the queue,
/// until SIGINT or SIGTERM. A signal during a sync lets it finish; a second
/// signal stops at once: the run is marked interrupted, its lock released,
/// and the exit code is [`EXIT_INTERRUPTED`] (the next run resumes the
/// interrupted work from the journal). A change to the configuration file (a new schedule or mapping
/// written by another command) takes effect at the next check; a change
/// that does not validate is reported and the previous configuration kept.
pub(crate) async fn service(config: &Config, interval: u64, out: Out) -> anyhow::Result<u8> {
    let now = wire::now();
    let mut config = config.clone();
    let mut wired = wire::engine(&config, now).await?;
    let mut watched = Watched::new(&config.path);
    let mut shutdown = Shutdown::install()?;
    eprint_line(format!(
        "rostersync service started (store {}); stop with Ctrl-C or SIGTERM",
        config.store.describe()
    ));
    let mut code = EXIT_OK;
    loop {
        let now = wire::now();
        if let Some(reloaded) = watched.changed() {
            match wire::engine(&reloaded, now).await {
                Ok(rewired) => {
                    wired = rewired;
                    config = reloaded;
                    eprint_line(format!(
                        "configuration reloaded from {}",
                        config.path.display()
                    ));
                }
                Err(error) => eprint_line(format!(
                    "{} changed but cannot be used ({error}); keeping the previous configuration",
                    config.path.display()
                )),
            }
        }
        let engine = &wired.engine;
        match engine.scheduler_tick(&config.schedule, now).await {
            Ok(tick) => {
                if let Some(job) = tick.job {
                    tracing::info!(job = job.id, "scheduled sync enqueued");
                }
            }
            Err(error) => {
                eprint_line(format!("scheduler check failed: {error}"));
                code = EXIT_ERROR;
            }
        }
        // Work the queue until it is empty or its head must wait.
        loop {
            let work = engine.run_next(wire::now());
            tokio::pin!(work);
            let next = tokio::select! {
                next = &mut work => next,
                () = shutdown.recv() => {
                    eprint_line("stopping: letting the work in hand finish (signal again to stop now; the next run resumes its work)");
                    tokio::select! {
                        next = &mut work => {
                            report_job(next, out);
                            eprint_line("stopped");
                            return Ok(code);
                        }
                        () = shutdown.recv() => {}
                    }
                    // A second signal: the work in hand is not polled again;
                    // its run is closed as interrupted and its lock released,
                    // so the next run starts at once and resumes it.
                    match engine.abandon(wire::now()).await {
                        Ok(Some(run)) => eprint_line(format!(
                            "stopped during run {run}: marked interrupted and the sync lock released; the next run resumes its work"
                        )),
                        Ok(None) => eprint_line("stopped during a sync; the next run resumes its work"),
                        Err(error) => eprint_line(format!(
                            "stopped during a sync; the run could not be closed ({error}); the next run closes it and resumes its work"
                        )),
                    }
                    return Ok(EXIT_INTERRUPTED);
                }
            };
            match report_job(next, out) {
                Some(true) => {}
                Some(false) | None => break,
            }
        }
        // The queue is worked off: end the SIS session until the next job.
        wired.sis.close().await;
        let pause = Duration::from_secs(interval.max(1));
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.recv() => {
                eprint_line("stopped");
                return Ok(code);
            }
        }
    }
}

/// The configuration file as last read, to notice when another command (or
/// an administrator) changes it.
struct Watched {
    path: std::path::PathBuf,
    text: Option<String>,
}

impl Watched {
    fn new(path: &std::path::Path) -> Self {
        Watched {
            path: path.to_owned(),
            text: std::fs::read_to_string(path).ok(),
        }
    }

    /// The configuration, when the file's text differs from the last read
    /// and validates; a change that does not validate is reported once.
    fn changed(&mut self) -> Option<Config> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        if self.text.as_deref() == Some(text.as_str()) {
            return None;
        }
        self.text = Some(text);
        let text = self.text.as_deref().unwrap_or_default();
        match crate::config::parse(&self.path, text, &|name| std::env::var(name).ok()) {
            Ok(config) => Some(config),
            Err(error) => {
                // One log line: the problems follow each other.
                let problems = error.to_string().replace("\n  - ", " - ");
                eprint_line(format!(
                    "{} changed but is not valid, keeping the previous configuration: {problems}",
                    self.path.display()
                ));
                None
            }
        }
    }
}

/// Prints what the worker did; `Some(true)` when another job may follow.
fn report_job(next: Result<NextJob, rostersync_engine::EngineError>, out: Out) -> Option<bool> {
    match next {
        Ok(NextJob::Empty) => Some(false),
        Ok(NextJob::Waiting {
            job,
            error,
            failed_attempts,
        }) => {
            let tried = if failed_attempts > 0 {
                format!(
                    ", failed {failed_attempts} of {} attempts; it runs again at the next check",
                    rostersync_engine::MAX_JOB_ATTEMPTS
                )
            } else {
                String::new()
            };
            eprint_line(format!(
                "job {} ({}) waits{tried}: {error}",
                job.id, job.scope
            ));
            Some(false)
        }
        Ok(NextJob::Ran { job, result }) => {
            match result {
                Ok(report) => {
                    let _ = print_report(&report, out);
                }
                Err(error) => {
                    eprint_line(format!("job {} ({}) stopped: {error}", job.id, job.scope))
                }
            }
            Some(true)
        }
        Err(error) => {
            eprint_line(format!("the queue could not be read: {error}"));
            None
        }
    }
}

/// SIGINT (Ctrl-C) and, on Unix, SIGTERM, listened to from the moment it is
/// installed, so a signal that comes early is never lost.
pub(crate) struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Starts listening.
    pub(crate) fn install() -> std::io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Shutdown {})
        }
    }

    /// Resolves on the next signal.
    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
