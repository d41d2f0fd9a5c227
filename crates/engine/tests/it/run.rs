//! Full syncs: the LMS ends up holding the plan, a second run writes nothing,
//! dry runs write nothing, non-admins are refused, failed records are outcomes.

use rostersync_core::SyncScope;
use rostersync_core::entity::Entity;
use rostersync_core::plan::PlanSummary;
use rostersync_engine::{EngineError, MAX_BATCH, RunOptions};
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RunStatus, StateStore, Trigger};

use crate::support::{World, has_duplicates, keyed, teacher};

#[tokio::test]
async fn first_sync_makes_the_lms_hold_exactly_the_plan() {
    let world = World::tiny();
    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    assert!(report.failures.is_empty());
    let (expected_lms, expected_links) = world.expected();
    let held = keyed(&world.lms.snapshot_all());
    assert_eq!(held, keyed(&expected_lms));
    assert!(
        !held.users.is_empty() && !held.enrollments.is_empty() && !held.parent_links.is_empty()
    );
    assert!(!has_duplicates(&held.users));

    let links = world.store.links().await.unwrap();
    assert_eq!(
        links.users.keys().collect::<Vec<_>>(),
        expected_links.users.keys().collect::<Vec<_>>()
    );
    assert_eq!(links.sections.len(), expected_links.sections.len());
    assert_eq!(links.enrollments.len(), expected_links.enrollments.len());
    assert_eq!(
        links.guardian_links.len(),
        expected_links.guardian_links.len()
    );
    assert_eq!(
        links.grading_periods.len(),
        expected_links.grading_periods.len()
    );

    // Every batch fits the LMS bulk limit and the configured size.
    assert!(
        world
            .lms
            .batch_sizes()
            .iter()
            .all(|&n| n > 0 && n <= 10 && n <= MAX_BATCH)
    );
    // The run, its summary and its outcomes are recorded.
    let runs = world.engine.runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(runs[0].summary, report.summary);
    assert_eq!(runs[0].acting_user, "Ada Admin (1)");
    let done = world
        .engine
        .outcomes(&OutcomeFilter {
            run: Some(report.run.unwrap()),
            status: Some(OutcomeStatus::Done),
            entity: None,
        })
        .await
        .unwrap();
    assert_eq!(done.len() as u64, report.done);
    let skipped = world
        .engine
        .outcomes(&OutcomeFilter {
            status: Some(OutcomeStatus::Skipped),
            ..OutcomeFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(skipped.len() as u64, report.skips);
    assert!(
        skipped
            .iter()
            .all(|o| o.reason.as_deref().is_some_and(|r| !r.is_empty()))
    );
    // A manual run starts the grace period of the schedule.
    let state = world.engine.schedule_state().await.unwrap();
    assert_eq!(state.last_manual_sync, Some(world.now()));
    assert!(world.store.leases().is_empty(), "the lock is released");
}

#[tokio::test]
async fn a_second_run_writes_nothing() {
    let world = World::tiny();
    let now = world.now();
    world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    world.lms.reset_counts();
    let second = world
        .engine
        .run(SyncScope::All, Trigger::Scheduled, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(second.status, RunStatus::Succeeded);
    assert!(second.summary.writes_nothing(), "{:?}", second.summary);
    assert_eq!(world.lms.writes(), 0);
    assert_eq!(world.lms.batches(), 0);
    assert_eq!(second.done, 0);
}

#[tokio::test]
async fn a_dry_run_returns_the_plan_and_writes_nothing() {
    let world = World::tiny();
    let report = world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(world.now()).dry(),
        )
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::DryRun);
    assert_eq!(report.run, None, "a dry run takes no run id");
    let plan = report.plan.as_ref().unwrap();
    assert!(plan.users.iter().any(|op| op.key.as_str() == "S000001"));
    assert_eq!(report.summary, PlanSummary::of(plan));
    assert_eq!(world.lms.batches(), 0);
    assert_eq!(world.lms.writes(), 0);
    assert_eq!(
        world.store.links().await.unwrap(),
        rostersync_core::Links::default()
    );
    assert!(world.store.journal_entries().is_empty());
    // A dry run is not recorded, and leaves no outcome behind.
    assert!(world.engine.runs(10).await.unwrap().is_empty());
    assert!(
        world
            .engine
            .outcomes(&OutcomeFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    // A dry run is not a sync: the schedule is not held back.
    assert_eq!(
        world
            .engine
            .schedule_state()
            .await
            .unwrap()
            .last_manual_sync,
        None
    );
}

#[tokio::test]
async fn real_runs_are_numbered_one_after_the_other_whatever_dry_runs_happen_between() {
    let world = World::tiny();
    let now = world.now();
    let mut ids = Vec::new();
    for options in [
        RunOptions::at(now),
        RunOptions::at(now).dry(),
        RunOptions::at(now).dry(),
        RunOptions::at(now),
    ] {
        let report = world
            .engine
            .run(SyncScope::All, Trigger::Manual, options)
            .await
            .unwrap();
        ids.push(report.run);
    }
    assert_eq!(ids, [Some(1), None, None, Some(2)]);
    let runs: Vec<i64> = world
        .engine
        .runs(10)
        .await
        .unwrap()
        .iter()
        .map(|run| run.id)
        .collect();
    assert_eq!(runs, [2, 1]);
}

#[tokio::test]
async fn a_non_admin_acting_user_is_refused_before_any_sis_read() {
    let world = World::tiny();
    world.lms.set_acting_user(teacher("District Superuser"));
    let error = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap_err();
    assert!(matches!(&error, EngineError::NotAdmin { user } if user.contains("Tom Teacher")));
    let message = error.to_string();
    assert!(message.contains("not a System Administrator"), "{message}");
    assert!(
        message.contains("\"District Superuser\""),
        "the refusal names the role title: {message}"
    );
    assert!(
        message.contains("schoology.system_admin_roles"),
        "and the key that accepts it: {message}"
    );
    assert_eq!(world.sis.reads(), 0);
    assert_eq!(world.lms.reads(), 0);
    assert_eq!(world.lms.batches(), 0);
    assert!(world.engine.runs(10).await.unwrap().is_empty());
    assert!(world.store.leases().is_empty());
    // Data prep is refused too.
    assert!(matches!(
        world.engine.prep_report(world.now()).await,
        Err(EngineError::NotAdmin { .. })
    ));
    assert_eq!(world.sis.reads(), 0);
}

#[tokio::test]
async fn a_refused_record_is_a_failed_outcome_its_dependants_skipped_and_the_run_completes() {
    let world = World::tiny();
    world.lms.refuse("S000002");
    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::CompletedWithFailures);
    let user = report
        .failures_of(Entity::User)
        .find(|o| o.key == "S000002")
        .unwrap();
    assert!(
        user.reason.as_deref().unwrap().contains("refused"),
        "{user:?}"
    );
    // Their enrollments are not sent: skipped with the reason, not failed.
    assert_eq!(report.failures_of(Entity::Enrollment).count(), 0);
    let enrollments = world
        .engine
        .outcomes(&OutcomeFilter {
            run: Some(report.run.unwrap()),
            status: Some(OutcomeStatus::Skipped),
            entity: Some(Entity::Enrollment),
        })
        .await
        .unwrap();
    let waiting: Vec<_> = enrollments
        .iter()
        .filter(|o| o.key.ends_with("/S000002"))
        .collect();
    assert!(!waiting.is_empty());
    assert!(waiting.iter().all(|o| {
        o.reason
            .as_deref()
            .unwrap()
            .contains("person S000002 has no LMS account (its create failed)")
    }));
    assert!(
        report.summary.entity(Entity::Enrollment).skipped >= waiting.len() as u64,
        "{:?}",
        report.summary
    );
    // Everyone else is there.
    let held = keyed(&world.lms.snapshot_all());
    let (expected, _) = world.expected();
    assert_eq!(held.users.len() + 1, keyed(&expected).users.len());
    let failed = world
        .engine
        .outcomes(&OutcomeFilter {
            run: Some(report.run.unwrap()),
            status: Some(OutcomeStatus::Failed),
            entity: Some(Entity::User),
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        world.engine.runs(1).await.unwrap()[0].status,
        RunStatus::CompletedWithFailures
    );

    // Once the LMS accepts it, the next run completes the work.
    world.lms.accept_all();
    let again = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(again.status, RunStatus::Succeeded, "{:?}", again.failures);
    assert_eq!(keyed(&world.lms.snapshot_all()), keyed(&expected));
}

#[tokio::test]
async fn scopes_read_only_what_they_need() {
    let world = World::tiny();
    let report = world
        .engine
        .run(
            SyncScope::Users,
            Trigger::Manual,
            RunOptions::at(world.now()),
        )
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded);
    let held = world.lms.snapshot_all();
    assert!(!held.users.is_empty());
    assert!(held.courses.is_empty() && held.sections.is_empty() && held.enrollments.is_empty());
    let requests = world.sis.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].school_year, 2026);
    assert!(!requests[0].schools.is_empty());
}

#[tokio::test]
async fn today_and_the_school_year_follow_the_district_zone() {
    use chrono::TimeZone as _;
    let world = World::tiny();
    // 03:00 UTC on July 1 is still June 30 in Chicago.
    let late_june = chrono::Utc.with_ymd_and_hms(2025, 7, 1, 3, 0, 0).unwrap();
    assert_eq!(
        world.engine.today(late_june),
        chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    );
    assert_eq!(world.engine.school_year(late_june), 2025);
    let july = chrono::Utc.with_ymd_and_hms(2025, 7, 1, 6, 0, 0).unwrap();
    assert_eq!(world.engine.school_year(july), 2026);
}

/// Keeps every progress call.
#[derive(Default)]
struct Recorder {
    stages: std::sync::Mutex<Vec<rostersync_engine::Stage>>,
    planned: std::sync::atomic::AtomicU64,
    settled: std::sync::atomic::AtomicU64,
}

impl rostersync_engine::Progress for Recorder {
    fn stage(&self, stage: rostersync_engine::Stage) {
        if let Ok(mut stages) = self.stages.lock() {
            stages.push(stage);
        }
    }
    fn planned(&self, records: u64) {
        self.planned
            .fetch_add(records, std::sync::atomic::Ordering::Relaxed);
    }
    fn settled(&self, records: u64) {
        self.settled
            .fetch_add(records, std::sync::atomic::Ordering::Relaxed);
    }
}

#[tokio::test]
async fn progress_names_each_stage_and_counts_every_record_it_settles() {
    use rostersync_engine::Stage;
    use std::sync::atomic::Ordering;
    let world = World::tiny();
    let recorder = std::sync::Arc::new(Recorder::default());
    let engine = World::engine_over(&world.mapping, &world.sis, &world.lms, &world.store)
        .with_progress(recorder.clone());
    let report = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    assert_eq!(
        *recorder.stages.lock().unwrap(),
        [
            Stage::ReadingSis,
            Stage::ReadingLms,
            Stage::Planning,
            Stage::Writing
        ]
    );
    let planned = recorder.planned.load(Ordering::Relaxed);
    assert!(planned > 100, "{planned}");
    assert_eq!(recorder.settled.load(Ordering::Relaxed), planned);
    assert_eq!(report.done, planned);

    // A dry run plans but never writes.
    let dry = std::sync::Arc::new(Recorder::default());
    let engine = World::engine_over(&world.mapping, &world.sis, &world.lms, &world.store)
        .with_progress(dry.clone());
    let options = RunOptions {
        dry_run: true,
        ..RunOptions::at(world.now())
    };
    engine
        .run(SyncScope::All, Trigger::Manual, options)
        .await
        .unwrap();
    assert_eq!(dry.stages.lock().unwrap().last(), Some(&Stage::Planning));
    assert_eq!(dry.settled.load(Ordering::Relaxed), 0);
}
