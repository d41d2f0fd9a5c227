//! The checks of what coordinates runs: settings, schedule state, the queue,
//! the lock, the journal and the shadow.

use chrono::{DateTime, Duration, Utc};
use rostersync_core::entity::Entity;
use rostersync_core::ids::{PersonKey, UserId};
use rostersync_core::model::links::{LandedWrite, Link, LinkChanges, LinkOrigin};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;

use super::{Step, at, call, holds, one_run, refused, same};
use crate::error::ErrorKind;
use crate::store::{JournalEntry, KeptShadow, Lease, LockAttempt, StateStore, Trigger};

pub(super) async fn settings(store: &dyn StateStore) -> Step {
    same(
        "a setting never saved",
        call("setting", store.setting("mapping").await)?,
        None,
    )?;
    call(
        "save_setting",
        store.save_setting("mapping", "{\"schools\":[1,2]}").await,
    )?;
    call(
        "save_setting",
        store.save_setting("timing", "\"daily\"").await,
    )?;
    same(
        "a saved setting",
        call("setting", store.setting("mapping").await)?,
        Some("{\"schools\":[1,2]}".to_owned()),
    )?;
    call(
        "save_setting",
        store.save_setting("mapping", "{\"schools\":[]}").await,
    )?;
    same(
        "a replaced setting",
        call("setting", store.setting("mapping").await)?,
        Some("{\"schools\":[]}".to_owned()),
    )?;
    same(
        "another setting",
        call("setting", store.setting("timing").await)?,
        Some("\"daily\"".to_owned()),
    )
}

pub(super) async fn schedule(store: &dyn StateStore) -> Step {
    same(
        "a new store's schedule state",
        call("schedule_state", store.schedule_state().await)?,
        ScheduleState::default(),
    )?;
    let state = ScheduleState {
        last_manual_sync: Some(at("2026-11-27T15:04:05.000000001Z")),
        last_settings_save: None,
        last_scheduled_enqueue: Some(at("2026-11-28T06:00:00Z")),
    };
    call(
        "save_schedule_state",
        store.save_schedule_state(&state).await,
    )?;
    same(
        "the schedule state saved (to the nanosecond)",
        call("schedule_state", store.schedule_state().await)?,
        state,
    )?;
    let later = ScheduleState {
        last_settings_save: Some(at("2026-11-28T09:30:00+01:00")),
        last_manual_sync: None,
        ..state
    };
    call(
        "save_schedule_state",
        store.save_schedule_state(&later).await,
    )?;
    same(
        "the schedule state saved again",
        call("schedule_state", store.schedule_state().await)?,
        later,
    )
}

pub(super) async fn queue(store: &dyn StateStore) -> Step {
    same(
        "a new store's queue",
        call("queue_head", store.queue_head().await)?,
        None,
    )?;
    let enqueue = |scope, trigger, when| async move {
        call("enqueue", store.enqueue(scope, trigger, at(when)).await)
    };
    let first = enqueue(SyncScope::Users, Trigger::Manual, "2026-11-28T10:00:00Z").await?;
    same(
        "the job enqueued",
        (first.scope, first.trigger, first.enqueued_at),
        (
            SyncScope::Users,
            Trigger::Manual,
            at("2026-11-28T10:00:00Z"),
        ),
    )?;
    let second = enqueue(SyncScope::All, Trigger::Scheduled, "2026-11-28T10:00:00Z").await?;
    // Queue order is the order of enqueueing, not of the times given.
    let third = enqueue(
        SyncScope::Courses,
        Trigger::Manual,
        "2026-11-28T09:00:00.25Z",
    )
    .await?;
    // A second job of one scope is a job of its own.
    let fourth = enqueue(SyncScope::Users, Trigger::Manual, "2026-11-28T10:00:00Z").await?;
    holds(
        "job ids grow in queue order",
        first.id < second.id && second.id < third.id && third.id < fourth.id,
    )?;
    same(
        "the head",
        call("queue_head", store.queue_head().await)?,
        Some(first.clone()),
    )?;
    call("dequeue", store.dequeue(first.id).await)?;
    call("dequeue again", store.dequeue(first.id).await)?;
    same(
        "the head after a dequeue",
        call("queue_head", store.queue_head().await)?,
        Some(second.clone()),
    )?;
    // Removing from the middle keeps the order of the rest.
    call("dequeue", store.dequeue(third.id).await)?;
    call("dequeue", store.dequeue(second.id).await)?;
    same(
        "the head after removals",
        call("queue_head", store.queue_head().await)?,
        Some(fourth.clone()),
    )?;
    call("dequeue", store.dequeue(fourth.id).await)?;
    same(
        "an emptied queue",
        call("queue_head", store.queue_head().await)?,
        None,
    )?;
    let fifth = enqueue(SyncScope::Sections, Trigger::Manual, "2026-11-28T11:00:00Z").await?;
    holds(
        "a job enqueued after removals gets a new id",
        fifth.id > fourth.id,
    )?;
    same(
        "the head after re-enqueueing",
        call("queue_head", store.queue_head().await)?,
        Some(fifth),
    )
}

pub(super) async fn locks(store: &dyn StateStore) -> Step {
    let now = at("2026-11-28T10:00:00Z");
    let five = Duration::minutes(5);
    let lock = |scope, holder: &'static str, when: DateTime<Utc>| async move {
        call("try_lock", store.try_lock(scope, holder, when, five).await)
    };
    let taken = lock(SyncScope::Users, "a", now).await?;
    let lease = Lease {
        scope: SyncScope::Users,
        holder: "a".to_owned(),
        expires_at: at("2026-11-28T10:05:00Z"),
    };
    same("a free lock", taken, LockAttempt::Taken(lease.clone()))?;
    for scope in [SyncScope::Users, SyncScope::All] {
        same(
            &format!("{scope} while another holds users"),
            lock(scope, "b", now).await?,
            LockAttempt::HeldBy(lease.clone()),
        )?;
    }
    holds(
        "a scope that does not overlap is free",
        lock(SyncScope::Courses, "b", now).await?.is_taken(),
    )?;
    // The holder renews its lease.
    let renewed = lock(SyncScope::Users, "a", at("2026-11-28T10:04:00Z")).await?;
    let lease = Lease {
        expires_at: at("2026-11-28T10:09:00Z"),
        ..lease
    };
    same(
        "a renewed lease",
        renewed,
        LockAttempt::Taken(lease.clone()),
    )?;
    // One instant before the end the lease holds; at the end it is free.
    same(
        "a lease one instant before its end",
        lock(SyncScope::Users, "c", at("2026-11-28T10:08:59.999999999Z")).await?,
        LockAttempt::HeldBy(lease),
    )?;
    // Another holder's unlock releases nothing.
    call("unlock", store.unlock(SyncScope::Courses, "a").await)?;
    holds(
        "courses after another holder's unlock",
        !lock(SyncScope::Courses, "c", at("2026-11-28T10:04:00Z"))
            .await?
            .is_taken(),
    )?;
    call("unlock", store.unlock(SyncScope::Courses, "b").await)?;
    call("unlock again", store.unlock(SyncScope::Courses, "b").await)?;
    holds(
        "courses after its holder's unlock",
        lock(SyncScope::Courses, "c", at("2026-11-28T10:04:00Z"))
            .await?
            .is_taken(),
    )?;
    let end = at("2026-11-28T10:09:00Z");
    same(
        "an expired lease taken over",
        lock(SyncScope::Users, "d", end).await?,
        LockAttempt::Taken(Lease {
            scope: SyncScope::Users,
            holder: "d".to_owned(),
            expires_at: at("2026-11-28T10:14:00Z"),
        }),
    )?;
    holds(
        "the old holder lost its lease",
        !lock(SyncScope::Users, "a", end).await?.is_taken(),
    )
}

pub(super) async fn lease_too_long(store: &dyn StateStore) -> Step {
    let now = at("2026-11-28T10:00:00Z");
    refused(
        "a lease beyond the time range",
        store
            .try_lock(SyncScope::Grades, "e", now, Duration::MAX)
            .await,
        ErrorKind::Invalid,
    )?;
    holds(
        "the lock after a refused lease",
        call(
            "try_lock",
            store
                .try_lock(SyncScope::Grades, "f", now, Duration::minutes(5))
                .await,
        )?
        .is_taken(),
    )
}

pub(super) async fn lock_race(store: &dyn StateStore) -> Step {
    let now = at("2026-11-28T10:00:00Z");
    let holders: Vec<String> = (0..8).map(|index| format!("holder-{index}")).collect();
    let attempts = futures::future::join_all(holders.iter().enumerate().map(|(index, holder)| {
        // Scopes that overlap each other (courses overlaps all and itself).
        let scope = [SyncScope::All, SyncScope::Courses][index % 2];
        store.try_lock(scope, holder, now, Duration::minutes(5))
    }))
    .await;
    let mut taken = 0;
    for attempt in attempts {
        if call("try_lock", attempt)?.is_taken() {
            taken += 1;
        }
    }
    same("racing holders that took the lock", taken, 1)
}

pub(super) async fn journal(store: &dyn StateStore) -> Step {
    let run = one_run(store).await?;
    same(
        "a new store's journal",
        call("open_journal", store.open_journal().await)?,
        vec![],
    )?;
    let mut ids = Vec::new();
    for batch in 1..=3 {
        let text = format!("{{\"batch\":{batch}}}");
        ids.push((call("journal", store.journal(run, &text).await)?, text));
    }
    holds(
        "journal ids grow",
        ids[0].0 < ids[1].0 && ids[1].0 < ids[2].0,
    )?;
    let entry = |(id, text): &(i64, String)| JournalEntry {
        id: *id,
        run,
        entry: text.clone(),
    };
    same(
        "open entries, oldest first",
        call("open_journal", store.open_journal().await)?,
        ids.iter().map(entry).collect(),
    )?;
    call("clear_journal", store.clear_journal(ids[1].0).await)?;
    call("clear_journal again", store.clear_journal(ids[1].0).await)?;
    same(
        "open entries after one is cleared",
        call("open_journal", store.open_journal().await)?,
        vec![entry(&ids[0]), entry(&ids[2])],
    )?;
    refused(
        "a journal entry of a run never started",
        store.journal(run + 1, "{}").await,
        ErrorKind::Invalid,
    )?;
    same(
        "open entries after a refused one",
        call("open_journal", store.open_journal().await)?,
        vec![entry(&ids[0]), entry(&ids[2])],
    )
}

fn landed(key: &str, id: Option<&str>) -> LandedWrite {
    LandedWrite {
        entity: Entity::User,
        key: key.to_owned(),
        id: id.map(str::to_owned),
    }
}

pub(super) async fn shadow(store: &dyn StateStore) -> Step {
    same(
        "a new store's shadow",
        call("shadow", store.shadow().await)?,
        None,
    )?;
    call(
        "keep_shadow",
        store
            .keep_shadow(Some("{\"base\":1}"), Some("{\"plan\":1}"))
            .await,
    )?;
    let mut changes = LinkChanges::default();
    changes.upsert.users.insert(
        "S1".into(),
        Link::new(UserId::new("u1"), LinkOrigin::Created),
    );
    changes.landed = vec![landed("S1", Some("u1")), landed("S2", None)];
    call(
        "apply_link_changes",
        store.apply_link_changes(&changes).await,
    )?;
    let more = LinkChanges {
        landed: vec![landed("S3", Some("u3"))],
        ..LinkChanges::default()
    };
    call("apply_link_changes", store.apply_link_changes(&more).await)?;
    same(
        "the shadow with the writes that landed, in order",
        call("shadow", store.shadow().await)?,
        Some(KeptShadow {
            shadow: Some("{\"base\":1}".to_owned()),
            plan: Some("{\"plan\":1}".to_owned()),
            landed: vec![
                landed("S1", Some("u1")),
                landed("S2", None),
                landed("S3", Some("u3")),
            ],
        }),
    )?;
    holds(
        "the landed writes' links saved with them",
        call("links", store.links().await)?
            .users
            .contains_key(&PersonKey::new("S1")),
    )?;
    call(
        "keep_shadow",
        store.keep_shadow(Some("{\"base\":2}"), None).await,
    )?;
    same(
        "a replaced shadow forgets the plan and the landed writes",
        call("shadow", store.shadow().await)?,
        Some(KeptShadow {
            shadow: Some("{\"base\":2}".to_owned()),
            plan: None,
            landed: Vec::new(),
        }),
    )?;
    call("keep_shadow", store.keep_shadow(None, None).await)?;
    same(
        "a dropped shadow",
        call("shadow", store.shadow().await)?,
        None,
    )
}
