//! The daily sync against both simulators: a full sync, then three days of
//! next-day changes synced against the shadow of the LMS, each landing
//! exactly the roster a full sync would, with a fraction of the reads; then
//! hand edits in the LMS that only the drift check sees, reports and repairs.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Datelike as _;
use rostersync_core::{Entity, SyncScope};
use rostersync_engine::{DriftCadence, Engine, EngineOptions, LmsRead, RunOptions, RunReport};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RunStatus, StateStore, Trigger};
use rostersync_sim::district::{DistrictSize, generate};

use crate::sync_e2e::{Stage, assert_same, keyed, lms, stage};

/// The engine of the stage, with the weekly drift check on another day
/// than the stage's.
async fn engine(stage: &Stage) -> Engine {
    let other_day = stage.district.as_of.weekday().succ();
    let options = EngineOptions {
        drift: DriftCadence { weekday: other_day },
        ..EngineOptions::default()
    };
    stage
        .engine_with(Arc::new(lms(&stage.sgy, true)), options)
        .await
}

/// GET requests the Schoology simulator has answered.
fn gets(stage: &Stage) -> u64 {
    stage
        .sgy
        .counters()
        .requests
        .iter()
        .filter(|(route, _)| route.starts_with("GET "))
        .map(|(_, n)| n)
        .sum()
}

/// The GETs of a dry run that reads the LMS in full.
async fn full_read_gets(stage: &Stage) -> u64 {
    let before = gets(stage);
    let options = RunOptions {
        read: LmsRead::Full,
        ..RunOptions::at(stage.now()).dry()
    };
    let dry = engine(stage)
        .await
        .run(SyncScope::All, Trigger::Manual, options)
        .await
        .unwrap();
    assert_eq!(dry.status, RunStatus::DryRun);
    gets(stage) - before
}

async fn run(stage: &Stage, trigger: Trigger, read: LmsRead) -> (RunReport, u64) {
    let before = gets(stage);
    let options = RunOptions {
        read,
        ..RunOptions::at(stage.now())
    };
    let report = engine(stage)
        .await
        .run(SyncScope::All, trigger, options)
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.status, RunStatus::Succeeded);
    (report, gets(stage) - before)
}

fn own(stage: &Stage) -> [u64; 2] {
    [stage.sgy.admin_uid(), stage.sgy.non_admin_uid()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_days_against_the_shadow_land_what_a_full_sync_would() {
    let mut stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let (first, _) = run(&stage, Trigger::Manual, LmsRead::Auto).await;
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.starts_with("read the LMS in full"))
    );
    let full_gets = full_read_gets(&stage).await;
    for day in 1..=3 {
        let (next, changes) = stage.next_day().await;
        stage = next;
        assert!(!changes.added_enrollments.is_empty() || !changes.removed_enrollments.is_empty());
        let (report, gets) = run(&stage, Trigger::Scheduled, LmsRead::Auto).await;
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.starts_with("planned against the shadow")),
            "day {day}: {:?}",
            report.notes
        );
        assert!(report.done > 0, "day {day} wrote nothing");
        assert!(
            gets * 3 < full_gets,
            "day {day}: {gets} GETs against {full_gets} for the full read"
        );
        let (actual, duplicates) = keyed(&stage.sgy.state(), &own(&stage));
        assert_eq!(duplicates, 0);
        assert_same(&actual, &stage.expected().await, &format!("day {day}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_edits_are_found_by_the_drift_check_and_repaired_without_duplicates() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    run(&stage, Trigger::Manual, LmsRead::Auto).await;
    let links = stage.store.links().await.unwrap();
    let (course_key, course) = links.courses.iter().next().unwrap();
    let (section_key, section) = links.sections.iter().next().unwrap();
    assert!(
        stage
            .sgy
            .rename_course_by_hand(course.id.as_str().parse().unwrap(), "Renamed by hand")
    );
    assert!(
        stage
            .sgy
            .delete_section_by_hand(section.id.as_str().parse().unwrap())
    );
    // The daily sync plans against the shadow and does not see it.
    let (quiet, _) = run(&stage, Trigger::Scheduled, LmsRead::Auto).await;
    assert_eq!(quiet.done, 0);
    // The drift check does: it reports both and repairs them.
    let (check, _) = run(&stage, Trigger::Scheduled, LmsRead::Full).await;
    let drift = stage
        .store
        .outcomes(&OutcomeFilter {
            run: check.run,
            status: Some(OutcomeStatus::Drift),
            ..OutcomeFilter::default()
        })
        .await
        .unwrap();
    let found: Vec<(Entity, &str)> = drift.iter().map(|o| (o.entity, o.key.as_str())).collect();
    assert!(
        found.contains(&(Entity::Course, course_key.as_str())),
        "{found:?}"
    );
    assert!(
        found.contains(&(Entity::Section, section_key.as_str())),
        "{found:?}"
    );
    let (actual, duplicates) = keyed(&stage.sgy.state(), &own(&stage));
    assert_eq!(duplicates, 0);
    assert_same(&actual, &stage.expected().await, "after the drift check");
    let copies = stage
        .sgy
        .state()
        .sections
        .iter()
        .filter(|s| s.section_school_code.as_deref() == Some(section_key.as_str()))
        .count();
    assert_eq!(
        copies, 1,
        "the section deleted by hand is created again, once"
    );
    let title = stage
        .sgy
        .state()
        .courses
        .iter()
        .find(|c| c.id.to_string() == course.id.as_str())
        .map(|c| c.title.clone())
        .unwrap();
    assert_ne!(title, "Renamed by hand");
}
