//! Scenario `initial-sync`: the LMS write calls of a first sync of a
//! generated district, against the fewest the Schoology API allows.
//!
//! The real engine and Schoology adapter sync the seeded district of the
//! size asked for (the SIS served from memory, the state in the in-memory
//! store) into the Schoology simulator, whose rate limit is set out of the
//! way: the scenario counts calls, it does not wait for them. The
//! simulator counts every request by method and route.
//!
//! The minimum, from the plan's counts (records written per kind): one
//! `POST gradingperiods` per grading period created (the API has no bulk
//! create), ceil(users / 50) user bulks, ceil(courses / 50) course bulks
//! with the new courses' sections nested, ceil(enrollments / 50) enrollment
//! imports and ceil(guardian links / 50) association imports. The ratio is
//! the write calls measured over that; the time is what the calls take at
//! Schoology's documented 50 calls per 5 s. Reads (the snapshot, the
//! read-back of nested sections) are counted apart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rostersync_core::{Entity, SyncScope};
use rostersync_engine::RunOptions;
use rostersync_engine::fakes::MemStore;
use rostersync_ports::{RunStatus, Trigger};
use rostersync_sim::district::{DistrictSize, generate};
use serde_json::{Value, json};

/// The scenario's name.
pub(crate) const NAME: &str = "initial-sync";

/// Schoology's documented pace: calls per second (50 per 5 s).
const CALLS_PER_SECOND: f64 = 10.0;

/// The target: measured write calls over the minimum.
const TARGET_RATIO: f64 = 1.02;

/// Runs the scenario and returns its JSON report.
pub(crate) fn run(size: DistrictSize) -> Result<Value, String> {
    super::runtime()?.block_on(measure(size))
}

async fn measure(size: DistrictSize) -> Result<Value, String> {
    let setup = Instant::now();
    let district = generate(size, 1, 2026);
    let super::synced::Synced { sim, engine, .. } =
        super::synced::start(&district, Arc::new(MemStore::new())).await?;
    let now = super::synced::midday(district.as_of);
    let setup_ms = super::ms(setup);

    let start = Instant::now();
    let report = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .map_err(|e| format!("the first sync failed: {e}"))?;
    let wall_ms = super::ms(start);
    let counters = sim.counters();

    // What the plan wrote, per kind (a first sync creates; updates and
    // removals count too should the generator ever plan them).
    let written = |entity: Entity| {
        let counts = report.summary.entity(entity);
        counts.create + counts.update + counts.remove
    };
    let periods = written(Entity::GradingPeriod);
    let users = written(Entity::User);
    let courses = written(Entity::Course);
    let sections = written(Entity::Section);
    let enrollments = written(Entity::Enrollment);
    let guardian_links = written(Entity::GuardianLink);
    let minimum = BTreeMap::from([
        ("POST gradingperiods", periods),
        ("POST users", users.div_ceil(50)),
        ("POST courses", courses.div_ceil(50)),
        ("POST enrollments/import/course", enrollments.div_ceil(50)),
        (
            "POST users/import/associations/parents",
            guardian_links.div_ceil(50),
        ),
    ]);
    let minimum_calls: u64 = minimum.values().sum();

    let mut writes = BTreeMap::new();
    let mut reads = BTreeMap::new();
    for (route, count) in &counters.requests {
        if route.starts_with("GET ") {
            reads.insert(route.clone(), *count);
        } else {
            writes.insert(route.clone(), *count);
        }
    }
    let write_calls: u64 = writes.values().sum();
    let read_calls: u64 = reads.values().sum();
    let ratio = if minimum_calls > 0 {
        write_calls as f64 / minimum_calls as f64
    } else {
        0.0
    };
    let clean = report.status == RunStatus::Succeeded;
    sim.stop().await;
    Ok(json!({
        "scenario": NAME,
        "size": size.as_str(),
        "wall_ms": wall_ms,
        "peak_rss_mib": super::peak_rss_mib(),
        "target": format!("write calls <= {TARGET_RATIO} x the API minimum"),
        "met": clean && ratio <= TARGET_RATIO,
        "details": {
            "status": format!("{:?}", report.status),
            "failures": report.failures.len(),
            "warnings": report.warnings.len(),
            "adapter_calls": report.lms_calls.map(|calls| calls.calls),
            "refused_401": counters.unauthorized,
            "refused_429": counters.rate_limited,
            "records": {
                "grading_periods": periods,
                "users": users,
                "courses": courses,
                "sections": sections,
                "enrollments": enrollments,
                "guardian_links": guardian_links,
            },
            "write_calls": write_calls,
            "write_calls_by_route": writes,
            "minimum_calls": minimum_calls,
            "minimum_by_route": minimum,
            "ratio": (ratio * 10_000.0).round() / 10_000.0,
            "write_hours_at_50_per_5s": hours(write_calls),
            "minimum_hours_at_50_per_5s": hours(minimum_calls),
            "read_calls": read_calls,
            "read_calls_by_route": reads,
            "setup_ms": setup_ms,
        },
    }))
}

/// Hours that `calls` take at Schoology's documented pace.
fn hours(calls: u64) -> f64 {
    (calls as f64 / CALLS_PER_SECOND / 3600.0 * 1000.0).round() / 1000.0
}
