//! Safety thresholds: a SIS read that lost students stops the run before any
//! write; force overrides and is recorded.

use std::collections::BTreeSet;

use rostersync_core::SyncScope;
use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::sis::SisRole;
use rostersync_engine::{EngineError, RunOptions};
use rostersync_ports::{RunStatus, SisRead, Trigger};

use crate::support::World;

/// The SIS read without 30 % of its students (and their enrollments).
fn lose_students(world: &World) -> SisRead {
    let mut read = world.sis.read();
    let students: Vec<String> = read
        .snapshot
        .people
        .iter()
        .filter(|p| p.role == SisRole::Student)
        .map(|p| p.key.to_string())
        .collect();
    let lost: BTreeSet<&str> = students
        .iter()
        .take(students.len() * 3 / 10)
        .map(String::as_str)
        .collect();
    read.snapshot
        .people
        .retain(|p| !lost.contains(p.key.as_str()));
    read.snapshot
        .enrollments
        .retain(|e| !lost.contains(e.person.as_str()));
    read.snapshot
        .guardian_links
        .retain(|l| !lost.contains(l.student.as_str()));
    read
}

#[tokio::test]
async fn losing_30_percent_of_students_trips_the_threshold_and_writes_nothing() {
    let world = World::tiny();
    let now = world.now();
    world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    let before = world.lms.snapshot_all();
    world.sis.set(lose_students(&world));
    world.lms.reset_counts();

    let error = world
        .engine
        .run(SyncScope::All, Trigger::Scheduled, RunOptions::at(now))
        .await
        .unwrap_err();
    let EngineError::ThresholdExceeded { report } = &error else {
        panic!("expected a threshold stop, got {error}");
    };
    assert_eq!(report.status, RunStatus::StoppedByThreshold);
    let breach = report
        .breaches
        .iter()
        .find(|b| b.entity == Entity::Enrollment && b.action == Action::Remove)
        .unwrap();
    assert!(breach.share.unwrap() > 20.0, "{breach:?}");
    let message = error.to_string();
    assert!(
        message.contains("enrollment") && message.contains("force"),
        "{message}"
    );
    assert_eq!(world.lms.batches(), 0);
    assert_eq!(world.lms.snapshot_all(), before);
    let runs = world.engine.runs(1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::StoppedByThreshold);
    assert!(!runs[0].forced);
    assert!(runs[0].message.as_deref().unwrap().contains("enrollment"));

    // Forced, the same plan is applied and the run says so.
    let forced = world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(now).forced(),
        )
        .await
        .unwrap();
    assert_eq!(forced.status, RunStatus::Succeeded, "{:?}", forced.failures);
    assert!(forced.forced);
    assert!(!forced.breaches.is_empty());
    let runs = world.engine.runs(1).await.unwrap();
    assert!(runs[0].forced);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert!(world.lms.snapshot_all().enrollments.len() < before.enrollments.len());
}

#[tokio::test]
async fn a_dry_run_lists_breaches_without_stopping() {
    let world = World::tiny();
    let now = world.now();
    world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    world.sis.set(lose_students(&world));
    world.lms.reset_counts();
    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now).dry())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::DryRun);
    assert!(!report.breaches.is_empty());
    assert_eq!(world.lms.batches(), 0);
}
