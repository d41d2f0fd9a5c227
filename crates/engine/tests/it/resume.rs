//! A run that dies halfway is finished by the next one, with no duplicate.

use chrono::Duration;
use rostersync_core::SyncScope;
use rostersync_engine::RunOptions;
use rostersync_ports::{RunStatus, StateStore, Trigger};

use crate::support::{World, has_duplicates, keyed, killed_run};

/// How many write batches a clean first sync of the tiny district sends.
async fn clean_batches() -> usize {
    let world = World::tiny();
    let run = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await;
    if let Err(error) = run {
        panic!("the clean run failed: {error}");
    }
    world.lms.batches()
}

#[tokio::test]
async fn a_run_that_crashes_halfway_is_finished_by_the_next_without_duplicates() {
    let total = clean_batches().await;
    assert!(total >= 6, "{total} batches");
    let world = World::tiny();
    let now = world.now();
    world.lms.crash_after(total / 2);
    let first = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::CompletedWithFailures);
    assert!(!first.failures.is_empty());
    // The batch that may have landed stays journaled.
    assert_eq!(world.store.journal_entries().len(), 1);

    world.lms.recover();
    // A dry run plans with what the batch left but resolves nothing.
    let dry = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now).dry())
        .await
        .unwrap();
    assert_eq!(dry.resumed_batches, 0);
    assert!(
        dry.notes.iter().any(|n| n.contains("interrupted")),
        "{:?}",
        dry.notes
    );
    assert_eq!(world.store.journal_entries().len(), 1);

    let second = world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(now + Duration::minutes(5)),
        )
        .await
        .unwrap();
    assert_eq!(second.status, RunStatus::Succeeded, "{:?}", second.failures);
    assert_eq!(second.resumed_batches, 1);
    assert!(
        second.notes.iter().any(|n| n.contains("resumed")),
        "{:?}",
        second.notes
    );
    assert!(world.store.journal_entries().is_empty());

    let held = keyed(&world.lms.snapshot_all());
    assert!(!has_duplicates(&held.users), "duplicate users");
    assert!(!has_duplicates(&held.sections));
    assert!(!has_duplicates(&held.courses));
    assert!(!has_duplicates(&held.enrollments));
    assert!(!has_duplicates(&held.grading_periods));
    let (expected, _) = world.expected();
    assert_eq!(held, keyed(&expected));

    world.lms.reset_counts();
    let third = world
        .engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(now + Duration::minutes(10)),
        )
        .await
        .unwrap();
    assert!(third.summary.writes_nothing(), "{:?}", third.summary);
    assert_eq!(world.lms.writes(), 0);
}

#[tokio::test]
async fn a_killed_process_leaves_a_lock_and_journal_the_next_run_takes_over() {
    let total = clean_batches().await;
    let world = World::tiny();
    let now = world.now();
    // The first process sends a third of its batches, then dies: its last
    // batch landed but nothing after it was saved.
    world.lms.crash_after(total / 3);
    world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    world.lms.recover();
    let entries = world.store.journal_entries();
    assert_eq!(entries.len(), 1);
    // Make it look killed: a run still "running", holding a lease that has lapsed.
    let killed = world
        .store
        .start_run(&killed_run(now - Duration::hours(3)))
        .await
        .unwrap();
    let text = entries[0].2.replace(
        &format!("\"run\":{}", entries[0].1),
        &format!("\"run\":{killed}"),
    );
    world.store.clear_journal(entries[0].0).await.unwrap();
    world.store.journal(killed, &text).await.unwrap();
    let lease = world
        .store
        .try_lock(
            SyncScope::All,
            "a killed process",
            now - Duration::hours(3),
            Duration::hours(2),
        )
        .await
        .unwrap();
    assert!(lease.is_taken());

    let report = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failures);
    assert_eq!(report.resumed_batches, 1);
    let runs = world.engine.runs(10).await.unwrap();
    let closed = runs.iter().find(|r| r.id == killed).unwrap();
    assert_eq!(closed.status, RunStatus::Interrupted);
    assert!(
        closed
            .message
            .as_deref()
            .unwrap()
            .contains("resumed its work")
    );
    let held = keyed(&world.lms.snapshot_all());
    let (expected, _) = world.expected();
    assert_eq!(held, keyed(&expected));
}
