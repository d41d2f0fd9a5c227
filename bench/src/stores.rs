//! Scenario `stores`: the SQLite store beside the PostgreSQL store, on the
//! three figures M15 asks for: link saves per second in batches of 50 (as
//! the applier saves them), the time to load a district's links, and jobs
//! taken per second by 4 workers.
//!
//! The links are those of the district of the given size synced in full
//! (the initial plan simulated as applied). PostgreSQL is a private server
//! this scenario starts (`initdb` and `pg_ctl` from Debian's `postgresql`
//! package, fsync off, on loopback); the SQLite store is a file in a
//! temporary folder. On SQLite, jobs are the store's own queue (one file,
//! one district, one taker: head, dequeue); on PostgreSQL, the queue
//! shared by all districts (`SharedQueue`: 4 workers, each on its own pool,
//! over 1000 jobs of 100 districts, each taken once and finished).

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use rostersync_core::model::links::LinkChanges;
use rostersync_core::plan::{IdSource, plan, simulate_apply};
use rostersync_core::{Links, MappingConfig, SyncScope};
use rostersync_ports::{StateStore, Trigger};
use rostersync_sim::district::{DistrictSize, generate, lms_snapshot_empty};
use rostersync_store::SqliteStore;
use rostersync_store_postgres::test_server::Server;
use rostersync_store_postgres::{JobOutcome, SharedQueue};
use serde_json::{Value, json};

/// The time now.
fn now() -> DateTime<Utc> {
    DateTime::from(std::time::SystemTime::now())
}

/// The scenario's name.
pub(crate) const NAME: &str = "stores";

/// Links per saved batch, as the applier saves them.
const BATCH: usize = 50;
/// Jobs in the queue figure, and the districts they are of.
const JOBS: usize = 1000;
const DISTRICTS: usize = 100;
/// Workers taking jobs at once.
const WORKERS: usize = 4;

/// Runs the scenario and returns its JSON report.
pub(crate) fn run(size: DistrictSize) -> Result<Value, String> {
    super::runtime()?.block_on(measure(size))
}

/// The links of the district synced in full.
fn synced_links(size: DistrictSize) -> Result<Links, String> {
    let district = generate(size, 1, 2026);
    let mapping = MappingConfig::new(district.mapping.clone()).map_err(|e| e.to_string())?;
    let mut lms = lms_snapshot_empty(&district);
    let mut links = Links::default();
    let initial = plan(&super::input(
        &district,
        &lms,
        &links,
        &mapping,
        district.as_of,
    ));
    simulate_apply(&initial, &mut lms, &mut links, &mut IdSource::default());
    Ok(links)
}

/// `links` cut in batches of [`BATCH`] links each, every kind in turn.
fn batches(links: &Links) -> Vec<LinkChanges> {
    let mut out: Vec<LinkChanges> = Vec::new();
    let mut current = LinkChanges::default();
    let mut count = 0;
    let push = |current: &mut LinkChanges, count: &mut usize, out: &mut Vec<LinkChanges>| {
        *count += 1;
        if *count == BATCH {
            out.push(std::mem::take(current));
            *count = 0;
        }
    };
    for (key, link) in &links.grading_periods {
        current
            .upsert
            .grading_periods
            .insert(key.clone(), link.clone());
        push(&mut current, &mut count, &mut out);
    }
    for (key, link) in &links.users {
        current.upsert.users.insert(key.clone(), link.clone());
        push(&mut current, &mut count, &mut out);
    }
    for (key, link) in &links.courses {
        current.upsert.courses.insert(key.clone(), link.clone());
        push(&mut current, &mut count, &mut out);
    }
    for (key, link) in &links.sections {
        current.upsert.sections.insert(key.clone(), link.clone());
        push(&mut current, &mut count, &mut out);
    }
    for (key, origin) in &links.enrollments {
        current.upsert.enrollments.insert(key.clone(), *origin);
        push(&mut current, &mut count, &mut out);
    }
    for (key, origin) in &links.guardian_links {
        current.upsert.guardian_links.insert(key.clone(), *origin);
        push(&mut current, &mut count, &mut out);
    }
    if count > 0 {
        out.push(current);
    }
    out
}

/// How many links `links` holds.
fn count(links: &Links) -> usize {
    links.grading_periods.len()
        + links.users.len()
        + links.courses.len()
        + links.sections.len()
        + links.enrollments.len()
        + links.guardian_links.len()
}

/// Saves the batches and loads the links back: (links saved per second,
/// load milliseconds); the load must give back every link.
async fn links_figures(
    store: &dyn StateStore,
    batches: &[LinkChanges],
    total: usize,
) -> Result<(f64, f64), String> {
    let started = Instant::now();
    for batch in batches {
        store
            .apply_link_changes(batch)
            .await
            .map_err(|e| format!("save links: {e}"))?;
    }
    let per_second = total as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let loaded = store
        .links()
        .await
        .map_err(|e| format!("load links: {e}"))?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    if count(&loaded) != total {
        return Err(format!("{} links loaded of {total} saved", count(&loaded)));
    }
    Ok((per_second, load_ms))
}

/// Jobs taken per second from the SQLite store's own queue: one taker, as
/// the service takes them (the file's queue is one district's, and its
/// dequeue is not a claim two takers could share).
async fn sqlite_jobs(store: &SqliteStore) -> Result<f64, String> {
    let at = now();
    for _ in 0..JOBS {
        store
            .enqueue(SyncScope::All, Trigger::Scheduled, at)
            .await
            .map_err(|e| format!("enqueue: {e}"))?;
    }
    let started = Instant::now();
    let mut taken = 0;
    while let Some(job) = store.queue_head().await.map_err(|e| e.to_string())? {
        store.dequeue(job.id).await.map_err(|e| e.to_string())?;
        taken += 1;
    }
    if taken != JOBS {
        return Err(format!("{taken} jobs taken of {JOBS}"));
    }
    Ok(taken as f64 / started.elapsed().as_secs_f64())
}

/// Jobs taken and finished per second from the shared queue by 4 workers,
/// each on its own pool; every job must be taken exactly once.
async fn shared_jobs(server: &Server) -> Result<f64, String> {
    let queue = SharedQueue::open(server.options("bench-queue"))
        .await
        .map_err(|e| format!("open the shared queue: {e}"))?;
    let at = now();
    for job in 0..JOBS {
        queue
            .put(
                &format!("district-{:03}", job % DISTRICTS),
                SyncScope::All,
                Trigger::Scheduled,
                at,
            )
            .await
            .map_err(|e| format!("put: {e}"))?;
    }
    let mut workers = Vec::new();
    for n in 0..WORKERS {
        workers.push(
            SharedQueue::open(server.options("bench-queue"))
                .await
                .map_err(|e| format!("open worker {n}: {e}"))?,
        );
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, queue) in workers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let worker = format!("worker-{n}");
            let mut taken = 0usize;
            while let Some(job) = queue
                .take(&worker, now(), Duration::minutes(5))
                .await
                .map_err(|e| e.to_string())?
            {
                queue
                    .finish(job.id, &worker, &JobOutcome::Done)
                    .await
                    .map_err(|e| e.to_string())?;
                taken += 1;
            }
            Ok::<usize, String>(taken)
        }));
    }
    let mut taken = 0;
    for task in tasks {
        taken += task.await.map_err(|e| e.to_string())??;
    }
    let per_second = taken as f64 / started.elapsed().as_secs_f64();
    if taken != JOBS {
        return Err(format!("{taken} jobs taken of {JOBS}"));
    }
    Ok(per_second)
}

async fn measure(size: DistrictSize) -> Result<Value, String> {
    let links = synced_links(size)?;
    let total = count(&links);
    let batches = batches(&links);
    drop(links);
    let started = Instant::now();

    let dir = std::env::temp_dir().join(format!("rostersync-bench-stores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let sqlite =
        Arc::new(SqliteStore::open(dir.join("links.db")).map_err(|e| format!("open SQLite: {e}"))?);
    let (sqlite_save, sqlite_load) = links_figures(&*sqlite, &batches, total).await?;
    let queue_store =
        SqliteStore::open(dir.join("queue.db")).map_err(|e| format!("open SQLite: {e}"))?;
    let sqlite_jobs = sqlite_jobs(&queue_store).await?;

    let server = Server::start().await;
    let postgres = server.store("bench-links").await;
    let (pg_save, pg_load) = links_figures(&postgres, &batches, total).await?;
    let pg_jobs = shared_jobs(&server).await?;
    let _ = std::fs::remove_dir_all(&dir);

    let round = |x: f64| (x * 10.0).round() / 10.0;
    Ok(json!({
        "scenario": NAME,
        "size": size.as_str(),
        "wall_ms": round(started.elapsed().as_secs_f64() * 1e3),
        "peak_rss_mib": super::peak_rss_mib(),
        "target": "recorded beside each other (no target)",
        "met": true,
        "details": {
            "links": total,
            "batches_of": BATCH,
            "link_saves_per_s": { "sqlite": round(sqlite_save), "postgres": round(pg_save) },
            "links_load_ms": { "sqlite": round(sqlite_load), "postgres": round(pg_load) },
            "jobs_taken_per_s": {
                "sqlite_own_queue_1_taker": round(sqlite_jobs),
                "postgres_shared_queue_4_workers": round(pg_jobs),
            },
            "jobs": JOBS,
            "districts": DISTRICTS,
        },
    }))
}
