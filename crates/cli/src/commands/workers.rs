//! `run --districts DIR` (a worker of the queue shared by many districts on
//! one PostgreSQL database) and `status --districts DIR` (the pool).

mod folder;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use rostersync_core::schedule::{self, Decision};
use rostersync_engine::{EngineError, RunOptions, RunReport};
use rostersync_store_postgres::{
    DistrictJobs, JobOutcome, MAX_ATTEMPTS, PgStoreError, SharedJob, SharedQueue,
};
use serde_json::json;

use crate::commands::schedule::Shutdown;
use crate::config::Config;
use crate::output::{Out, eprint_line};
use crate::wire::{self, Wired};
use crate::{EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK};
use folder::{Change, DistrictConfig, Folder, load_districts};

/// The lease a worker takes a job under unless `--lease` says otherwise.
pub(crate) const LEASE_SECONDS: u64 = 120;

/// A worker is listed alive when seen within this many seconds.
const ALIVE_SECONDS: i64 = 300;

/// `run --districts DIR`'s settings.
#[derive(Debug)]
pub(crate) struct WorkerArgs<'a> {
    /// The folder of district configurations.
    pub(crate) dir: &'a Path,
    /// This worker's id (default: host name and process id).
    pub(crate) worker: Option<&'a str>,
    /// Enqueue what is due, work until nothing is left to take, then exit.
    pub(crate) once: bool,
    /// Seconds between two checks.
    pub(crate) interval: u64,
    /// Seconds a job is leased for (renewed every third of it).
    pub(crate) lease: u64,
}

/// The shared queue of the districts' database.
async fn open_queue(districts: &[DistrictConfig], dir: &Path) -> anyhow::Result<SharedQueue> {
    let Some(first) = districts.first() else {
        anyhow::bail!(
            "no usable district configuration (*.toml with [store] url and district) in {}",
            dir.display()
        );
    };
    SharedQueue::open(first.options.clone())
        .await
        .map_err(|error| {
            anyhow::anyhow!(
                "cannot open the shared queue on {}: {error}",
                first.options.target()
            )
        })
}

/// The default worker id: the host name and the process id.
fn default_worker() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

/// A district with its engine.
struct District {
    id: String,
    config: Config,
    wired: Wired,
}

/// `run --districts DIR`: puts each district's due scheduled sync on the
/// shared queue, takes jobs and runs them under a renewed lease, until
/// SIGINT or SIGTERM (after the job in hand), or with `--once` until nothing
/// is left to take.
pub(crate) async fn run(args: &WorkerArgs<'_>, out: Out) -> anyhow::Result<u8> {
    let mut shutdown = Shutdown::install()?;
    let mut folder = Folder::new(args.dir);
    let loaded = folder::loaded(folder.changes(None, &[])?);
    let queue = open_queue(&loaded, args.dir).await?;
    let target = loaded
        .first()
        .map(|district| district.options.target())
        .unwrap_or_default();
    let worker = args.worker.map_or_else(default_worker, str::to_owned);
    let mut lease = seconds(least_lease(&loaded, args.lease));
    // A worker name the queue refuses is said once, before any work.
    queue
        .seen(&worker, wire::now())
        .await
        .map_err(|error| anyhow::anyhow!("worker {worker:?} cannot join the pool: {error}"))?;
    let mut districts = Vec::new();
    serve(
        &mut districts,
        loaded
            .into_iter()
            .map(|district| Change::Loaded(Box::new(district)))
            .collect(),
        lease,
    )
    .await;
    eprint_line(format!(
        "rostersync worker {worker} started on {} for {} districts; stop with Ctrl-C or SIGTERM",
        queue_target(&districts),
        districts.len()
    ));
    let mut code = EXIT_OK;
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            let served: Vec<(String, PathBuf)> = districts
                .iter()
                .map(|district| (district.id.clone(), district.config.path.clone()))
                .collect();
            match folder.changes(Some(&target), &served) {
                Ok(changes) => {
                    // A district added with a longer rate-limit window
                    // lengthens the lease of the jobs taken from now on.
                    let longest = changes.iter().filter_map(|change| match change {
                        Change::Loaded(district) => {
                            Some(least_lease_of(&district.config, args.lease))
                        }
                        Change::Removed(_) => None,
                    });
                    lease = longest.map(seconds).fold(lease, Duration::max);
                    serve(&mut districts, changes, lease).await;
                }
                Err(error) => eprint_line(format!("{error}; serving the districts as they were")),
            }
        }
        let now = wire::now();
        if let Err(error) = queue.seen(&worker, now).await {
            eprint_line(format!("the heartbeat could not be recorded: {error}"));
        }
        for district in &districts {
            if let Err(error) = enqueue_due(&queue, district, now).await {
                eprint_line(format!(
                    "district {}: scheduler check failed: {error}",
                    district.id
                ));
                code = EXIT_ERROR;
            }
        }
        loop {
            let job = match queue.take(&worker, wire::now(), lease).await {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(error) => {
                    eprint_line(format!("the shared queue could not be read: {error}"));
                    code = EXIT_ERROR;
                    break;
                }
            };
            let Some(district) = districts.iter().find(|d| d.id == job.district) else {
                let reason = format!("no configuration of district {} here", job.district);
                eprint_line(format!("job {}: {reason}", job.id));
                let _ = queue
                    .finish(job.id, &worker, &JobOutcome::Failed(reason))
                    .await;
                continue;
            };
            let work = work_job(&queue, district, &job, &worker, lease, out);
            tokio::pin!(work);
            tokio::select! {
                () = &mut work => {}
                () = shutdown.recv() => {
                    eprint_line("stopping: letting the job in hand finish (signal again to stop now; another worker resumes it)");
                    tokio::select! {
                        () = &mut work => {
                            eprint_line("stopped");
                            return Ok(code);
                        }
                        () = shutdown.recv() => {}
                    }
                    match district.wired.engine.abandon(wire::now()).await {
                        Ok(_) => eprint_line(format!(
                            "stopped during job {} of district {}: its run is marked interrupted; another worker resumes it when the lease ends",
                            job.id, district.id
                        )),
                        Err(error) => eprint_line(format!(
                            "stopped during job {}; the run could not be closed ({error})",
                            job.id
                        )),
                    }
                    return Ok(EXIT_INTERRUPTED);
                }
            }
            district.wired.sis.close().await;
        }
        if args.once {
            return Ok(code);
        }
        let pause = StdDuration::from_secs(args.interval.max(1));
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.recv() => {
                eprint_line("stopped");
                return Ok(code);
            }
        }
    }
}

/// The lease jobs are taken under: `asked`, but at least 3 seconds and two
/// of any district's rate-limit windows. A worker renews its lease every
/// third of it, so a worker that dies made its last call at least two
/// thirds of a lease (over a window) before another can take its job: the
/// calls it made after it last kept them in the store (at the end of its
/// run) never share a window with the next worker's.
fn least_lease(districts: &[DistrictConfig], asked: u64) -> u64 {
    districts
        .iter()
        .map(|district| least_lease_of(&district.config, asked))
        .max()
        .unwrap_or(asked.max(3))
}

/// The longest lease a worker takes a job under: a week.
const MOST_LEASE_SECONDS: u64 = 7 * 24 * 3600;

/// A lease of `count` seconds, at most [`MOST_LEASE_SECONDS`].
fn seconds(count: u64) -> Duration {
    Duration::seconds(i64::try_from(count.min(MOST_LEASE_SECONDS)).unwrap_or(0))
}

/// [`least_lease`] for one district.
fn least_lease_of(config: &Config, asked: u64) -> u64 {
    asked
        .max(3)
        .max(config.schoology.rate_per.as_secs().saturating_mul(2))
}

/// Applies the folder's `changes` to the districts served: a district
/// added or changed is wired (a changed one keeps its last configuration
/// when it cannot be), a removed one is served no more.
async fn serve(districts: &mut Vec<District>, changes: Vec<Change>, lease: Duration) {
    for change in changes {
        match change {
            Change::Removed(path) => {
                if let Some(at) = districts.iter().position(|d| d.config.path == path) {
                    let gone = districts.remove(at);
                    eprint_line(format!(
                        "{}: removed; district {} is served no more",
                        path.display(),
                        gone.id
                    ));
                }
            }
            Change::Loaded(loaded) => {
                let at = districts
                    .iter()
                    .position(|d| d.config.path == loaded.config.path);
                let path = loaded.config.path.display().to_string();
                match wire::engine_leased(&loaded.config, wire::now(), lease).await {
                    Ok(wired) => {
                        let district = District {
                            id: loaded.id,
                            config: loaded.config,
                            wired,
                        };
                        match at {
                            Some(at) => {
                                eprint_line(format!(
                                    "{path}: reloaded; district {} is served as it now says",
                                    district.id
                                ));
                                districts[at] = district;
                            }
                            None => districts.push(district),
                        }
                    }
                    Err(error) => eprint_line(match at {
                        Some(_) => format!(
                            "{path}: changed but cannot be used ({error:#}); its district keeps the configuration it had"
                        ),
                        None => format!("{path}: skipped: {error:#}"),
                    }),
                }
            }
        }
    }
}

fn queue_target(districts: &[District]) -> String {
    districts
        .first()
        .map_or_else(String::new, |d| d.config.store.describe())
}

/// Puts the district's scheduled sync on the shared queue when its schedule
/// says one is due, once per window, and records the enqueue.
async fn enqueue_due(
    queue: &SharedQueue,
    district: &District,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let store = &district.wired.store;
    let mut state = store.schedule_state().await?;
    let decision = schedule::decide(&district.config.schedule, &state, now);
    let Decision::Enqueue { occurrence, .. } = decision else {
        return Ok(());
    };
    let since = occurrence.start.with_timezone(&Utc);
    let put = queue
        .put_once(
            &district.id,
            rostersync_core::SyncScope::All,
            rostersync_ports::Trigger::Scheduled,
            now,
            since,
        )
        .await?;
    if let Some(job) = put {
        eprint_line(format!(
            "district {}: scheduled sync put on the shared queue as job {job}",
            district.id
        ));
    }
    state.last_scheduled_enqueue = Some(now);
    store.save_schedule_state(&state).await?;
    Ok(())
}

/// Runs `job` with the district's engine, renewing the lease every third
/// of it; a refused renewal stops the run (another worker owns the job
/// now). Finishes the job with the outcome.
async fn work_job(
    queue: &SharedQueue,
    district: &District,
    job: &SharedJob,
    worker: &str,
    lease: Duration,
    out: Out,
) {
    eprint_line(format!(
        "job {} (district {}, {}, attempt {}) taken by {worker}",
        job.id, district.id, job.scope, job.attempts
    ));
    let engine = &district.wired.engine;
    // Boxed, so that dropping it when the lease is lost stops the run.
    let mut run = Box::pin(engine.run(job.scope, job.trigger, RunOptions::at(wire::now())));
    let every = lease
        .to_std()
        .unwrap_or(StdDuration::from_secs(LEASE_SECONDS))
        / 3;
    let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let result = loop {
        tokio::select! {
            result = &mut run => break result,
            _ = renewals.tick() => match queue.renew(job.id, worker, wire::now(), lease).await {
                Ok(_) => {}
                Err(PgStoreError::NotHeld { .. }) => {
                    eprint_line(format!(
                        "job {}: the lease was lost to another worker; stopping the run",
                        job.id
                    ));
                    drop(run);
                    if let Err(error) = engine.abandon(wire::now()).await {
                        eprint_line(format!("job {}: the run could not be closed ({error})", job.id));
                    }
                    return;
                }
                Err(error) => eprint_line(format!("job {}: the lease could not be renewed ({error}); trying again", job.id)),
            },
        }
    };
    match &result {
        Ok(report) => {
            eprint_line(format!(
                "job {} (district {}): {}, {} records written",
                job.id,
                district.id,
                report.status.as_str(),
                report.done
            ));
            if !out.json {
                let _ = crate::commands::sync::print_report(report, out);
            }
        }
        Err(error) => eprint_line(format!(
            "job {} (district {}) failed: {error}",
            job.id, district.id
        )),
    }
    let outcome = job_outcome(&result, job, wire::now());
    if let JobOutcome::Later { not_before, .. } = &outcome {
        eprint_line(format!(
            "job {} (district {}) goes back on the queue until {}",
            job.id,
            district.id,
            crate::output::local_time(*not_before, chrono_tz::UTC)
        ));
    }
    if let Err(error) = queue.finish(job.id, worker, &outcome).await {
        eprint_line(format!("job {} could not be finished: {error}", job.id));
    }
}

/// How long a job waits when the district's lock is held by another run.
const LOCK_WAIT_SECONDS: i64 = 60;

/// What becomes of `job` after its run ended with `result` at `now`: done;
/// back on the queue for a minute, its take not counted, when another run
/// held the district's lock; back on the queue a minute per attempt so far
/// when it failed for a reason that may pass (the SIS or LMS unavailable or
/// rate limiting, the lock lost), until its last attempt fails it; failed
/// otherwise.
fn job_outcome(
    result: &Result<RunReport, EngineError>,
    job: &SharedJob,
    now: DateTime<Utc>,
) -> JobOutcome {
    match result {
        Ok(_) => JobOutcome::Done,
        Err(error @ EngineError::AlreadyRunning { .. }) => JobOutcome::Later {
            not_before: now + Duration::seconds(LOCK_WAIT_SECONDS),
            reason: format!("waits: {}", in_full(error)),
            counted: false,
        },
        Err(error) if error.is_transient() && job.attempts < MAX_ATTEMPTS => JobOutcome::Later {
            not_before: now + Duration::seconds(LOCK_WAIT_SECONDS * i64::from(job.attempts)),
            reason: format!(
                "attempt {} of {MAX_ATTEMPTS} failed: {}",
                job.attempts,
                in_full(error)
            ),
            counted: true,
        },
        Err(error) if error.is_transient() => JobOutcome::Failed(format!(
            "gave up after {} attempts: {}",
            job.attempts,
            in_full(error)
        )),
        Err(error) => JobOutcome::Failed(in_full(error)),
    }
}

/// An error with each of its causes, as `status` shows why a job waits or
/// failed.
fn in_full(error: &EngineError) -> String {
    anyhow::Chain::new(error)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// `status --districts DIR`: the workers and each district's jobs.
pub(crate) async fn status(dir: &Path, out: Out) -> anyhow::Result<u8> {
    let districts = load_districts(dir)?;
    let queue = open_queue(&districts, dir).await?;
    let now = wire::now();
    let mut pool = queue.pool(now, Duration::seconds(ALIVE_SECONDS)).await?;
    for district in &districts {
        pool.districts.entry(district.id.clone()).or_default();
    }
    if out.json {
        let jobs: BTreeMap<&String, serde_json::Value> = pool
            .districts
            .iter()
            .map(|(id, jobs)| (id, district_json(jobs)))
            .collect();
        out.json(&json!({
            "workers": pool.workers.iter().map(|w| json!({
                "worker": w.worker,
                "seen": w.seen,
                "alive": w.alive,
            })).collect::<Vec<_>>(),
            "districts": jobs,
        }))?;
        return Ok(EXIT_OK);
    }
    let alive = pool.workers.iter().filter(|w| w.alive).count();
    out.line(format!("workers alive: {alive} of {}", pool.workers.len()));
    let rows: Vec<Vec<String>> = pool
        .workers
        .iter()
        .map(|w| {
            vec![
                w.worker.clone(),
                crate::output::local_time(w.seen, chrono_tz::UTC),
                if w.alive { "alive" } else { "gone" }.to_owned(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.table(&["worker", "last seen", "state"], &rows);
    }
    let rows: Vec<Vec<String>> = pool
        .districts
        .iter()
        .map(|(id, jobs)| {
            vec![
                id.clone(),
                jobs.queued.to_string(),
                jobs.running
                    .iter()
                    .map(|r| format!("job {} on {}", r.job, r.worker))
                    .collect::<Vec<_>>()
                    .join(", "),
                jobs.stalled.to_string(),
                jobs.done.to_string(),
                jobs.failed.to_string(),
                jobs.last_failure.clone().unwrap_or_default(),
                jobs.waiting.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.table(
        &[
            "district",
            "queued",
            "running",
            "stalled",
            "done",
            "failed",
            "last failure",
            "waiting",
        ],
        &rows,
    );
    Ok(EXIT_OK)
}

fn district_json(jobs: &DistrictJobs) -> serde_json::Value {
    json!({
        "queued": jobs.queued,
        "running": jobs.running.iter().map(|r| json!({
            "job": r.job,
            "worker": r.worker,
            "lease_until": r.lease_until,
        })).collect::<Vec<_>>(),
        "stalled": jobs.stalled,
        "done": jobs.done,
        "failed": jobs.failed,
        "last_failure": jobs.last_failure,
        "waiting": jobs.waiting,
    })
}

#[cfg(test)]
mod tests;
