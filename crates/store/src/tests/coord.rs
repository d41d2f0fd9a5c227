//! Schedule state, queue, lock and journal on one store.

use chrono::Duration;
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{JournalEntry, Lease, StateStore, Trigger};

use crate::LockAttempt;

use super::{at, started_run, store};

#[tokio::test]
async fn schedule_state_defaults_then_round_trips() {
    let store = store();
    assert_eq!(
        store.schedule_state().await.expect("state"),
        ScheduleState::default()
    );
    let state = ScheduleState {
        last_manual_sync: Some(at("2026-11-27T15:04:05.000000001Z")),
        last_settings_save: None,
        last_scheduled_enqueue: Some(at("2026-11-28T06:00:00Z")),
    };
    store.save_schedule_state(&state).await.expect("save");
    assert_eq!(store.schedule_state().await.expect("state"), state);

    let later = ScheduleState {
        last_settings_save: Some(at("2026-11-28T09:30:00+01:00")),
        ..state
    };
    store.save_schedule_state(&later).await.expect("save again");
    assert_eq!(store.schedule_state().await.expect("state"), later);
}

#[tokio::test]
async fn the_queue_is_first_in_first_out() {
    let store = store();
    assert_eq!(store.queue_head().await.expect("head"), None);
    let first = store
        .enqueue(
            SyncScope::Users,
            Trigger::Manual,
            at("2026-11-28T10:00:00Z"),
        )
        .await
        .expect("enqueue");
    let second = store
        .enqueue(
            SyncScope::All,
            Trigger::Scheduled,
            at("2026-11-28T10:00:00Z"),
        )
        .await
        .expect("enqueue");
    let third = store
        .enqueue(
            SyncScope::Courses,
            Trigger::Manual,
            at("2026-11-28T09:00:00Z"),
        )
        .await
        .expect("enqueue");
    assert!(first.id < second.id && second.id < third.id);
    assert_eq!(store.queue_head().await.expect("head"), Some(first.clone()));
    assert_eq!(
        store.jobs(10).await.expect("jobs"),
        vec![first.clone(), second.clone(), third.clone()]
    );

    store.dequeue(first.id).await.expect("dequeue");
    store
        .dequeue(first.id)
        .await
        .expect("dequeue again is harmless");
    assert_eq!(
        store.queue_head().await.expect("head"),
        Some(second.clone())
    );

    // A job enqueued after removals still goes to the end.
    store.dequeue(second.id).await.expect("dequeue");
    store.dequeue(third.id).await.expect("dequeue");
    let fourth = store
        .enqueue(
            SyncScope::Sections,
            Trigger::Manual,
            at("2026-11-28T11:00:00Z"),
        )
        .await
        .expect("enqueue");
    assert!(fourth.id > third.id);
    assert_eq!(store.queue_head().await.expect("head"), Some(fourth));
}

#[tokio::test]
async fn overlapping_scopes_exclude_other_holders_until_the_lease_ends() {
    let store = store();
    let now = at("2026-11-28T10:00:00Z");
    let lease = Duration::minutes(5);
    let taken = store
        .try_lock(SyncScope::Users, "a", now, lease)
        .await
        .expect("lock")
        .taken();
    assert_eq!(
        taken,
        Some(Lease {
            scope: SyncScope::Users,
            holder: "a".to_owned(),
            expires_at: at("2026-11-28T10:05:00Z"),
        })
    );
    for scope in [SyncScope::Users, SyncScope::All] {
        assert_eq!(
            store
                .try_lock(scope, "b", now, lease)
                .await
                .expect("lock")
                .taken(),
            None,
            "{scope}"
        );
    }
    assert!(
        store
            .try_lock(SyncScope::Courses, "b", now, lease)
            .await
            .expect("lock")
            .taken()
            .is_some()
    );
    // All overlaps both held scopes; the blocker is reported.
    let blocker = store
        .lock_blocker(SyncScope::All, "c", now)
        .await
        .expect("blocker")
        .expect("blocked");
    assert!(blocker.holder == "a" || blocker.holder == "b");

    // One instant before the end the lease holds; at the end it is free.
    let just_before = at("2026-11-28T10:04:59.999999999Z");
    assert_eq!(
        store
            .try_lock(SyncScope::Users, "c", just_before, lease)
            .await
            .expect("lock")
            .taken(),
        None
    );
    let end = at("2026-11-28T10:05:00Z");
    let taken_over = store
        .try_lock(SyncScope::Users, "c", end, lease)
        .await
        .expect("lock")
        .taken()
        .expect("expired lease is free");
    assert_eq!(taken_over.holder, "c");
    assert_eq!(
        store
            .try_lock(SyncScope::Users, "a", end, lease)
            .await
            .expect("lock")
            .taken(),
        None,
        "the old holder lost its lease"
    );
}

#[tokio::test]
async fn a_holder_renews_and_releases_its_own_lease_only() {
    let store = store();
    let now = at("2026-11-28T10:00:00Z");
    let lease = Duration::minutes(5);
    store
        .try_lock(SyncScope::Sections, "a", now, lease)
        .await
        .expect("lock")
        .taken()
        .expect("taken");
    let renewed = store
        .try_lock(SyncScope::Sections, "a", at("2026-11-28T10:04:00Z"), lease)
        .await
        .expect("renew")
        .taken()
        .expect("renewed");
    assert_eq!(renewed.expires_at, at("2026-11-28T10:09:00Z"));

    store
        .unlock(SyncScope::Sections, "b")
        .await
        .expect("unlock");
    assert_eq!(
        store
            .try_lock(SyncScope::All, "b", at("2026-11-28T10:06:00Z"), lease)
            .await
            .expect("lock")
            .taken(),
        None,
        "another holder's unlock released nothing"
    );
    store
        .unlock(SyncScope::Sections, "a")
        .await
        .expect("unlock");
    assert!(
        store
            .try_lock(SyncScope::All, "b", at("2026-11-28T10:06:00Z"), lease)
            .await
            .expect("lock")
            .taken()
            .is_some()
    );
}

#[tokio::test]
async fn a_lease_beyond_the_time_range_is_refused() {
    let store = store();
    let error = store
        .try_lock(
            SyncScope::All,
            "a",
            at("2026-11-28T10:00:00Z"),
            Duration::MAX,
        )
        .await
        .expect_err("too long");
    assert_eq!(error.kind(), rostersync_ports::ErrorKind::Invalid);
}

#[tokio::test]
async fn journal_entries_stay_open_until_cleared_oldest_first() {
    let store = store();
    let run = store
        .start_run(&started_run(SyncScope::All, "2026-11-28T02:00:00Z"))
        .await
        .expect("start");
    assert_eq!(store.open_journal().await.expect("open"), vec![]);
    let first = store.journal(run, "{\"batch\":1}").await.expect("journal");
    let second = store.journal(run, "{\"batch\":2}").await.expect("journal");
    let third = store.journal(run, "{\"batch\":3}").await.expect("journal");
    assert_eq!(
        store.open_journal().await.expect("open"),
        vec![
            JournalEntry {
                id: first,
                run,
                entry: "{\"batch\":1}".to_owned()
            },
            JournalEntry {
                id: second,
                run,
                entry: "{\"batch\":2}".to_owned()
            },
            JournalEntry {
                id: third,
                run,
                entry: "{\"batch\":3}".to_owned()
            },
        ]
    );
    store.clear_journal(second).await.expect("clear");
    store
        .clear_journal(second)
        .await
        .expect("clear again is harmless");
    assert_eq!(
        store.open_journal_with_runs().await.expect("open"),
        vec![
            (first, run, "{\"batch\":1}".to_owned()),
            (third, run, "{\"batch\":3}".to_owned()),
        ]
    );
    let error = store
        .journal(run + 1, "{}")
        .await
        .expect_err("journal of an unknown run");
    assert_eq!(error.kind(), rostersync_ports::ErrorKind::Invalid);
}

#[tokio::test]
async fn a_refused_lock_names_the_lease_in_the_way() {
    let store = store();
    let now = at("2026-11-28T10:00:00Z");
    let lease = Duration::minutes(5);
    let taken = match store
        .lock(SyncScope::Courses, "a", now, lease)
        .await
        .expect("lock")
    {
        LockAttempt::Taken(lease) => lease,
        LockAttempt::HeldBy(other) => panic!("refused by {other:?}"),
    };
    assert_eq!(
        store
            .lock(SyncScope::All, "b", now, lease)
            .await
            .expect("lock"),
        LockAttempt::HeldBy(taken)
    );
}
