//! Scenario `daily-sync`: the LMS calls of a day's sync against the shadow
//! of the LMS, beside those of a sync that reads the LMS in full.
//!
//! A district of the given size is synced in full into the Schoology
//! simulator (through the real engine, Schoology adapter and SQLite store;
//! the SIS is read in memory, since only LMS calls are counted), which keeps
//! a shadow of the LMS. The generator's next-day mutation then changes the
//! SIS, and the day is planned twice: once with a full read of the LMS (a dry
//! run, counting its GETs and the writes its plan holds) and once as the
//! service's scheduled sync does, against the shadow, writing the changes.
//! The simulator counts every call; the implied time is the calls at the
//! default limit of 50 calls per 5 s.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rostersync_core::{PlanSummary, SyncScope};
use rostersync_engine::{LmsRead, RunOptions};
use rostersync_ports::{SisRead, Trigger};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_store::SqliteStore;
use serde_json::{Value, json};

/// The scenario's name.
pub(crate) const NAME: &str = "daily-sync";

/// The default limit the implied times are at: calls per second.
const CALLS_PER_SECOND: f64 = 50.0 / 5.0;

/// Runs the scenario and returns its JSON report.
pub(crate) fn run(size: DistrictSize) -> Result<Value, String> {
    super::runtime()?.block_on(measure(size))
}

/// GETs and writes the simulator has answered.
fn calls(sim: &rostersync_sim::schoology::RunningSchoology) -> (u64, u64) {
    let counters = sim.counters();
    let gets = counters
        .requests
        .iter()
        .filter(|(route, _)| route.starts_with("GET "))
        .map(|(_, n)| n)
        .sum::<u64>();
    (gets, counters.total_requests() - gets)
}

/// Records a plan writes, by entity: creates, updates, links, removals.
fn writes(summary: &PlanSummary) -> BTreeMap<String, [u64; 4]> {
    summary
        .0
        .iter()
        .map(|(entity, c)| (entity.to_string(), [c.create, c.update, c.link, c.remove]))
        .filter(|(_, counts)| counts.iter().any(|n| *n > 0))
        .collect()
}

fn minutes(calls: u64) -> f64 {
    (calls as f64 / CALLS_PER_SECOND / 6.0).round() / 10.0
}

async fn measure(size: DistrictSize) -> Result<Value, String> {
    let started = Instant::now();
    let mut district = generate(size, 1, 2026);
    let dir = std::env::temp_dir().join(format!("rostersync-bench-daily-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let store = Arc::new(
        SqliteStore::open(dir.join("state.sqlite")).map_err(|e| format!("the store: {e}"))?,
    );
    let super::synced::Synced { sim, sis, engine } = super::synced::start(&district, store).await?;
    let noon = super::synced::midday;
    let first = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(noon(district.as_of)),
        )
        .await
        .map_err(|e| format!("the first sync: {e}"))?;
    let initial_s = started.elapsed().as_secs_f64();
    let (initial_gets, initial_writes) = calls(&sim);

    // The next day: the SIS changes.
    let next = district.as_of + chrono::Duration::days(1);
    let changes = district.advance(2, next);
    sis.set(SisRead {
        snapshot: district.sis.clone(),
        problems: Vec::new(),
    });
    let at = noon(next);
    // A sync that reads the LMS in full: its GETs, and the writes of its plan.
    let before = calls(&sim);
    let full_started = Instant::now();
    let dry = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions {
                read: LmsRead::Full,
                ..RunOptions::at(at).dry()
            },
        )
        .await
        .map_err(|e| format!("the full read: {e}"))?;
    let full_read_s = full_started.elapsed().as_secs_f64();
    let full_gets = calls(&sim).0 - before.0;
    // The scheduled sync against the shadow.
    let before = calls(&sim);
    let daily_started = Instant::now();
    let daily = engine
        .run(SyncScope::All, Trigger::Scheduled, RunOptions::at(at))
        .await
        .map_err(|e| format!("the daily sync: {e}"))?;
    let daily_s = daily_started.elapsed().as_secs_f64();
    let (after_gets, after_writes) = calls(&sim);
    let (daily_gets, daily_writes) = (after_gets - before.0, after_writes - before.1);
    let full_writes = writes(&PlanSummary::of(
        dry.plan.as_deref().ok_or("the dry run has no plan")?,
    ));
    let same_plan = full_writes == writes(&daily.summary);
    // The writes a full sync of the day makes are the daily sync's when the
    // plans agree: the same changes, written the same way.
    let bound = daily_writes as f64 + 0.01 * full_gets as f64;
    let daily_calls = daily_gets + daily_writes;
    let met = same_plan && (daily_calls as f64) <= bound;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "scenario": NAME,
        "size": size.as_str(),
        "wall_ms": (daily_s * 1e4).round() / 10.0,
        "peak_rss_mib": super::peak_rss_mib(),
        "target": "daily calls <= the day's writes + 1 % of a full read's GETs",
        "met": met,
        "details": {
            "initial_sync": {
                "status": first.status.as_str(),
                "gets": initial_gets,
                "writes": initial_writes,
                "wall_s": (initial_s * 10.0).round() / 10.0,
            },
            "day_changes": {
                "added_people": changes.added_people.len(),
                "added_enrollments": changes.added_enrollments.len(),
                "dropped_enrollments": changes.dropped_enrollments().len(),
                "renamed": changes.renamed.len(),
                "moved": changes.moved.len(),
            },
            "full_sync": {
                "gets": full_gets,
                "records_written_by_entity": format!("{full_writes:?}"),
                "read_wall_s": (full_read_s * 10.0).round() / 10.0,
                "api_minutes_at_50_per_5s": minutes(full_gets + daily_writes),
            },
            "daily_sync": {
                "status": daily.status.as_str(),
                "gets": daily_gets,
                "writes": daily_writes,
                "wall_s": (daily_s * 10.0).round() / 10.0,
                "api_minutes_at_50_per_5s": minutes(daily_calls),
                "notes": daily.notes,
            },
            "same_plan_as_full_read": same_plan,
            "bound_calls": bound.round(),
        },
    }))
}
