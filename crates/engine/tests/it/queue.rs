//! The queue runs jobs in order, one at a time; the scheduler enqueues once
//! per window and respects the grace rule.

use chrono::{Duration, TimeZone as _, Utc};
use rostersync_core::SyncScope;
use rostersync_core::schedule::{Decision, ScheduleMode, Window};
use rostersync_engine::{EngineError, MAX_JOB_ATTEMPTS, NextJob, RunReport};
use rostersync_ports::{Job, RunStatus, StateStore, Trigger};

use crate::support::{World, teacher};

#[tokio::test]
async fn the_queue_runs_jobs_in_order() {
    let world = World::tiny();
    let now = world.now();
    let users = world
        .engine
        .enqueue(SyncScope::Users, Trigger::Manual, now)
        .await
        .unwrap();
    let courses = world
        .engine
        .enqueue(SyncScope::Courses, Trigger::Manual, now)
        .await
        .unwrap();
    let all = world
        .engine
        .enqueue(SyncScope::All, Trigger::Scheduled, now)
        .await
        .unwrap();

    // While an overlapping lock is held, the head job waits and nothing
    // behind it starts.
    let holder = "another process";
    world
        .store
        .try_lock(SyncScope::Users, holder, now, Duration::hours(1))
        .await
        .unwrap();
    let NextJob::Waiting {
        job,
        failed_attempts,
        ..
    } = world.engine.run_next(now).await.unwrap()
    else {
        panic!("the head job should wait");
    };
    assert_eq!(job, users);
    assert_eq!(
        failed_attempts, 0,
        "waiting for the lock is not a failed attempt"
    );
    assert_eq!(world.store.jobs().len(), 3);
    world.store.unlock(SyncScope::Users, holder).await.unwrap();

    let mut ran = Vec::new();
    loop {
        match world.engine.run_next(now).await.unwrap() {
            NextJob::Ran { job, result } => {
                let report = result.unwrap();
                assert_eq!(report.scope, job.scope);
                assert_eq!(report.trigger, job.trigger);
                ran.push(job.id);
            }
            NextJob::Empty => break,
            NextJob::Waiting { error, .. } => panic!("unexpected wait: {error}"),
        }
    }
    assert_eq!(ran, vec![users.id, courses.id, all.id]);
    let runs = world.engine.runs(10).await.unwrap();
    let scopes: Vec<SyncScope> = runs.iter().rev().map(|r| r.scope).collect();
    assert_eq!(
        scopes,
        vec![SyncScope::Users, SyncScope::Courses, SyncScope::All]
    );
    assert!(runs.iter().all(|r| r.status == RunStatus::Succeeded));
}

#[tokio::test]
async fn the_scheduler_enqueues_once_per_window() {
    let world = World::tiny();
    let zone = chrono_tz::America::Chicago;
    let mode = ScheduleMode::Daily(Window::parse("00:00", "03:00", "America/Chicago").unwrap());
    let at = |day: u32, hour: u32, minute: u32| {
        zone.with_ymd_and_hms(2025, 12, day, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Fresh state: the first window opens at midnight.
    let before = world
        .engine
        .scheduler_tick(&mode, at(1, 23, 0))
        .await
        .unwrap();
    assert!(matches!(before.decision, Decision::Wait { .. }));
    assert!(before.job.is_none());

    let first = world
        .engine
        .scheduler_tick(&mode, at(2, 0, 5))
        .await
        .unwrap();
    let job = first.job.unwrap();
    assert_eq!(
        (job.scope, job.trigger),
        (SyncScope::All, Trigger::Scheduled)
    );
    assert_eq!(
        world
            .engine
            .schedule_state()
            .await
            .unwrap()
            .last_scheduled_enqueue,
        Some(at(2, 0, 5))
    );
    for minute in [10, 30, 59] {
        let again = world
            .engine
            .scheduler_tick(&mode, at(2, 1, minute))
            .await
            .unwrap();
        assert!(again.job.is_none(), "enqueued twice in one window");
    }
    assert_eq!(world.store.jobs().len(), 1);

    // The next night's window enqueues again.
    let next = world
        .engine
        .scheduler_tick(&mode, at(3, 0, 1))
        .await
        .unwrap();
    assert!(next.job.is_some());
    assert_eq!(world.store.jobs().len(), 2);
}

#[tokio::test]
async fn a_manual_sync_holds_the_schedule_back() {
    let world = World::tiny();
    let zone = chrono_tz::America::Chicago;
    let mode = ScheduleMode::Daily(Window::parse("00:00", "03:00", "America/Chicago").unwrap());
    let monday_2pm = zone
        .with_ymd_and_hms(2025, 12, 1, 14, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    world
        .engine
        .run(
            SyncScope::Users,
            Trigger::Manual,
            rostersync_engine::RunOptions::at(monday_2pm),
        )
        .await
        .unwrap();
    let tuesday = zone
        .with_ymd_and_hms(2025, 12, 2, 0, 5, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert!(
        world
            .engine
            .scheduler_tick(&mode, tuesday)
            .await
            .unwrap()
            .job
            .is_none()
    );
    let wednesday = zone
        .with_ymd_and_hms(2025, 12, 3, 0, 5, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert!(
        world
            .engine
            .scheduler_tick(&mode, wednesday)
            .await
            .unwrap()
            .job
            .is_some()
    );

    // Saving the timing settings does the same.
    world.engine.record_settings_saved(wednesday).await.unwrap();
    let thursday = wednesday + Duration::days(1);
    assert!(
        world
            .engine
            .scheduler_tick(&mode, thursday)
            .await
            .unwrap()
            .job
            .is_none()
    );
    let next = world
        .engine
        .next_run(&mode, thursday)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        next.at,
        wednesday + Duration::days(2) - Duration::minutes(5)
    );
}

/// Runs the head job, which must wait: the job and its failed attempts.
async fn waits(world: &World) -> (Job, u32) {
    match world.engine.run_next(world.now()).await {
        Ok(NextJob::Waiting {
            job,
            error,
            failed_attempts,
        }) => {
            assert!(error.is_transient(), "{error}");
            (job, failed_attempts)
        }
        other => panic!("the head job should wait: {other:?}"),
    }
}

/// Runs the head job, which must leave the queue: the job and its result.
async fn ran(world: &World) -> (Job, Result<RunReport, EngineError>) {
    match world.engine.run_next(world.now()).await {
        Ok(NextJob::Ran { job, result }) => (job, result),
        other => panic!("the head job should leave the queue: {other:?}"),
    }
}

#[tokio::test]
async fn a_job_waits_at_the_head_while_the_lms_is_down() {
    let world = World::tiny();
    let job = world
        .engine
        .enqueue(SyncScope::All, Trigger::Manual, world.now())
        .await
        .unwrap();
    world.lms.go_down();
    assert_eq!(waits(&world).await, (job.clone(), 1));
    assert_eq!(world.store.jobs(), vec![job.clone()]);
    assert_eq!(world.sis.reads(), 0);

    world.lms.recover();
    let (done, result) = ran(&world).await;
    assert_eq!(done, job);
    assert_eq!(result.unwrap().status, RunStatus::Succeeded);
    assert!(world.store.jobs().is_empty());
}

#[tokio::test]
async fn a_job_that_keeps_failing_transiently_is_dropped_after_the_bound() {
    let world = World::tiny();
    let now = world.now();
    let job = world
        .engine
        .enqueue(SyncScope::All, Trigger::Scheduled, now)
        .await
        .unwrap();
    let behind = world
        .engine
        .enqueue(SyncScope::Users, Trigger::Manual, now)
        .await
        .unwrap();
    world.lms.go_down();
    for attempt in 1..MAX_JOB_ATTEMPTS {
        assert_eq!(waits(&world).await, (job.clone(), attempt));
        assert_eq!(world.store.jobs(), vec![job.clone(), behind.clone()]);
    }
    let (dropped, result) = ran(&world).await;
    assert_eq!(dropped, job);
    let error = result.unwrap_err();
    assert!(
        matches!(error, EngineError::GaveUp { attempts: 3, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("failed 3 times"), "{error}");
    assert!(!error.is_transient(), "{error}");
    assert_eq!(world.store.jobs(), vec![behind.clone()]);

    // The job behind it starts with a clean count.
    assert_eq!(waits(&world).await, (behind.clone(), 1));
    world.lms.recover();
    let (done, result) = ran(&world).await;
    assert_eq!(done, behind);
    assert_eq!(result.unwrap().status, RunStatus::Succeeded);
    assert!(world.store.jobs().is_empty());
}

#[tokio::test]
async fn a_job_that_fails_for_good_is_dropped_at_once() {
    let world = World::tiny();
    let job = world
        .engine
        .enqueue(SyncScope::All, Trigger::Scheduled, world.now())
        .await
        .unwrap();
    world.lms.set_acting_user(teacher("Teacher"));
    let (done, result) = ran(&world).await;
    assert_eq!(done, job);
    let error = result.unwrap_err();
    assert!(matches!(error, EngineError::NotAdmin { .. }), "{error:?}");
    assert!(world.store.jobs().is_empty());
}
