//! The checks on two handles of one store, as two processes (or two pools)
//! see it: the lock and a race for it, the journal, the queue, settings,
//! runs, and whole transactions read while the other handle writes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{CourseId, GradingPeriodId, SectionId, UserId};
use rostersync_core::model::links::{Link, LinkChanges, LinkOrigin, LinkRemovals, Links};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;

use super::{Step, at, call, holds, one_run, same, started_run};
use crate::error::PortResult;
use crate::sis::SourceProblem;
use crate::store::{
    JournalEntry, KeptShadow, Lease, LockAttempt, OutcomeFilter, OutcomeStatus, RecordOutcome,
    RunRecord, RunSourceProblem, RunStatus, SourceFilter, StateStore, Trigger,
};

/// A lease of `scope` held by `holder` until `until`.
fn lease(scope: SyncScope, holder: &str, until: &str) -> Lease {
    Lease {
        scope,
        holder: holder.to_owned(),
        expires_at: at(until),
    }
}

/// A five-minute lease of `scope` for `holder` at `when`, through `handle`.
async fn lock(
    handle: &dyn StateStore,
    scope: SyncScope,
    holder: &str,
    when: &str,
) -> Result<LockAttempt, String> {
    let attempt = handle
        .try_lock(scope, holder, at(when), Duration::minutes(5))
        .await;
    call("try_lock", attempt)
}

pub(super) async fn lock_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    let (one, two) = ("process-1/run-7", "process-2/run-8");
    let held = lease(SyncScope::Users, one, "2026-11-28T10:05:00Z");
    same(
        "a lease taken through a",
        lock(a, SyncScope::Users, one, "2026-11-28T10:00:00Z").await?,
        LockAttempt::Taken(held.clone()),
    )?;
    for scope in [SyncScope::Users, SyncScope::All] {
        same(
            &format!("{scope} through b while a's holder has users"),
            lock(b, scope, two, "2026-11-28T10:00:00Z").await?,
            LockAttempt::HeldBy(held.clone()),
        )?;
    }
    // Asking again through b neither takes nor lengthens a's lease.
    same(
        "b asking again later",
        lock(b, SyncScope::Users, two, "2026-11-28T10:04:00Z").await?,
        LockAttempt::HeldBy(held.clone()),
    )?;
    call(
        "unlock through b as its holder",
        b.unlock(SyncScope::Users, two).await,
    )?;
    same(
        "a's lease after b's unlock",
        lock(b, SyncScope::Users, two, "2026-11-28T10:04:59.999Z").await?,
        LockAttempt::HeldBy(held),
    )?;
    // a renews; b sees the new expiry.
    let renewed = lease(SyncScope::Users, one, "2026-11-28T10:06:00Z");
    same(
        "a renewing through a",
        lock(a, SyncScope::Users, one, "2026-11-28T10:01:00Z").await?,
        LockAttempt::Taken(renewed.clone()),
    )?;
    same(
        "the renewed lease through b",
        lock(b, SyncScope::All, two, "2026-11-28T10:05:30Z").await?,
        LockAttempt::HeldBy(renewed),
    )?;
    // Expired: b takes it, and a is refused, naming b's lease.
    let taken = lease(SyncScope::Users, two, "2026-11-28T10:11:00Z");
    same(
        "a's expired lease taken through b",
        lock(b, SyncScope::Users, two, "2026-11-28T10:06:00Z").await?,
        LockAttempt::Taken(taken.clone()),
    )?;
    for scope in [SyncScope::Users, SyncScope::All] {
        same(
            &format!("{scope} through a after b took users"),
            lock(a, scope, one, "2026-11-28T10:06:00Z").await?,
            LockAttempt::HeldBy(taken.clone()),
        )?;
    }
    // Its holder's unlock, through either handle, frees it for the other.
    call(
        "unlock through a as b's holder",
        a.unlock(SyncScope::Users, two).await,
    )?;
    holds(
        "users through a after its holder's unlock",
        lock(a, SyncScope::Users, one, "2026-11-28T10:07:00Z")
            .await?
            .is_taken(),
    )
}

pub(super) async fn lock_race_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    let length = Duration::minutes(5);
    for round in 0..16 {
        // Each round after the last round's lease has ended.
        let now = at("2026-11-28T10:00:00Z") + Duration::minutes(10 * round);
        // Scopes that all overlap each other.
        let scopes = if round % 2 == 0 {
            [SyncScope::All, SyncScope::Courses]
        } else {
            [SyncScope::Users, SyncScope::All]
        };
        let racers: Vec<(&dyn StateStore, String, SyncScope)> = (0..8)
            .map(|index| {
                let (handle, name) = if index % 2 == 0 { (a, "a") } else { (b, "b") };
                let holder = format!("round-{round}/{name}-{index}");
                (handle, holder, scopes[index / 2 % 2])
            })
            .collect();
        let attempts = futures::future::join_all(
            racers
                .iter()
                .map(|(handle, holder, scope)| handle.try_lock(*scope, holder, now, length)),
        )
        .await;
        let mut taken = Vec::new();
        let mut refused = Vec::new();
        for attempt in attempts {
            match call("try_lock", attempt)? {
                LockAttempt::Taken(lease) => taken.push(lease),
                LockAttempt::HeldBy(lease) => refused.push(lease),
            }
        }
        let [winner] = taken.as_slice() else {
            return Err(format!(
                "round {round}: {} racers on two handles took the lock: {taken:?}",
                taken.len()
            ));
        };
        same(
            &format!("round {round}: the winner's lease ends"),
            winner.expires_at,
            now + length,
        )?;
        holds(
            &format!(
                "round {round}: every refusal names the winner's lease {winner:?} ({refused:?})"
            ),
            refused.iter().all(|held| held == winner),
        )?;
    }
    Ok(())
}

pub(super) async fn journal_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    let run = one_run(a).await?;
    let text = "{\"batch\":1,\"name\":\"Zoë Ødegård — 東京\",\"reason\":\"a,\\\"b\\\"\\r\\n\"}";
    let first = JournalEntry {
        id: call("journal through a", a.journal(run, text).await)?,
        run,
        entry: text.to_owned(),
    };
    same(
        "the open journal through b",
        call("open_journal through b", b.open_journal().await)?,
        vec![first.clone()],
    )?;
    let second = JournalEntry {
        id: call("journal through b", b.journal(run, "{\"batch\":2}").await)?,
        run,
        entry: "{\"batch\":2}".to_owned(),
    };
    holds("journal ids grow across handles", second.id > first.id)?;
    same(
        "the open journal through a",
        call("open_journal through a", a.open_journal().await)?,
        vec![first.clone(), second.clone()],
    )?;
    call("clear_journal through b", b.clear_journal(first.id).await)?;
    same(
        "the open journal through a after b cleared the first entry",
        call("open_journal through a", a.open_journal().await)?,
        vec![second.clone()],
    )?;
    call("clear_journal through a", a.clear_journal(second.id).await)?;
    same(
        "the open journal through b after a cleared the other",
        call("open_journal through b", b.open_journal().await)?,
        vec![],
    )
}

pub(super) async fn queue_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    let when = at("2026-11-28T10:00:00Z");
    let first = call(
        "enqueue through a",
        a.enqueue(SyncScope::Users, Trigger::Manual, when).await,
    )?;
    same(
        "the head through b",
        call("queue_head through b", b.queue_head().await)?,
        Some(first.clone()),
    )?;
    call("dequeue through b", b.dequeue(first.id).await)?;
    same(
        "the head through a after b's dequeue",
        call("queue_head through a", a.queue_head().await)?,
        None,
    )?;
    // Jobs enqueued at once through both handles get ids of their own, and
    // the queue gives them back in id order through either.
    let jobs = futures::future::join_all((0..12).map(|index| {
        let handle = if index % 2 == 0 { a } else { b };
        handle.enqueue(SyncScope::All, Trigger::Scheduled, when)
    }))
    .await;
    let mut ids = BTreeSet::new();
    for job in jobs {
        ids.insert(call("enqueue", job)?.id);
    }
    same("distinct jobs enqueued at once", ids.len(), 12)?;
    holds(
        "jobs enqueued later get larger ids",
        ids.iter().all(|id| *id > first.id),
    )?;
    let mut taken = Vec::new();
    for turn in 0..13 {
        let handle = if turn % 2 == 0 { a } else { b };
        let Some(head) = call("queue_head", handle.queue_head().await)? else {
            break;
        };
        call("dequeue", handle.dequeue(head.id).await)?;
        taken.push(head.id);
    }
    same(
        "the jobs taken in turn through both handles",
        taken,
        ids.into_iter().collect(),
    )
}

pub(super) async fn settings_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    // Saved through one handle, replacing what the other saved, read
    // through the other.
    let saves = [
        ("a", a, b, "{\"schools\":[\"Zoë\"]}"),
        ("b", b, a, "{\"schools\":[]}"),
    ];
    for (name, saver, reader, json) in saves {
        call(
            &format!("save_setting through {name}"),
            saver.save_setting("mapping", json).await,
        )?;
        same(
            &format!("the setting saved through {name}, through the other"),
            call("setting", reader.setting("mapping").await)?,
            Some(json.to_owned()),
        )?;
    }
    let state = ScheduleState {
        last_manual_sync: None,
        last_settings_save: Some(at("2026-11-28T09:30:00.000000007Z")),
        last_scheduled_enqueue: Some(at("2026-11-28T10:00:00Z")),
    };
    call(
        "save_schedule_state through b",
        b.save_schedule_state(&state).await,
    )?;
    same(
        "the schedule state through a",
        call("schedule_state through a", a.schedule_state().await)?,
        state,
    )
}

pub(super) async fn runs_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    // Runs started at once through both handles get ids of their own.
    let run = started_run(SyncScope::All, Trigger::Scheduled, "2026-11-28T02:00:00Z");
    let ids = futures::future::join_all((0..8).map(|index| {
        let handle = if index % 2 == 0 { a } else { b };
        handle.start_run(&run)
    }))
    .await;
    let mut started_ids = BTreeSet::new();
    for id in ids {
        started_ids.insert(call("start_run", id)?);
    }
    same("distinct runs started at once", started_ids.len(), 8)?;
    let newest_first: Vec<i64> = started_ids.iter().rev().copied().collect();
    for (name, handle) in [("a", a), ("b", b)] {
        let listed = call(&format!("runs through {name}"), handle.runs(10).await)?;
        same(
            &format!("the runs through {name}, newest first"),
            listed.iter().map(|run| run.id).collect::<Vec<_>>(),
            newest_first.clone(),
        )?;
    }
    // Started through a, recorded and finished through b, read through a.
    let id = newest_first[0];
    let outcome = RecordOutcome {
        run: id,
        entity: Entity::User,
        key: "P1".to_owned(),
        action: Some(Action::Create),
        status: OutcomeStatus::Failed,
        reason: Some("refused".to_owned()),
    };
    call(
        "record_outcomes through b",
        b.record_outcomes(std::slice::from_ref(&outcome)).await,
    )?;
    let problem = SourceProblem::new("users.csv line 3", "no key");
    call(
        "record_source through b",
        b.record_source(id, 40, std::slice::from_ref(&problem))
            .await,
    )?;
    let finished = RunRecord {
        id,
        finished_at: Some(at("2026-11-28T02:05:00Z")),
        status: RunStatus::CompletedWithFailures,
        message: Some("1 record failed".to_owned()),
        ..run
    };
    call("finish_run through b", b.finish_run(&finished).await)?;
    same(
        "the run finished through b, through a",
        call("runs through a", a.runs(1).await)?,
        vec![finished],
    )?;
    same(
        "the outcomes recorded through b, through a",
        call(
            "outcomes through a",
            a.outcomes(&OutcomeFilter::default()).await,
        )?,
        vec![outcome],
    )?;
    same(
        "the source problems recorded through b, through a",
        call(
            "source_problems through a",
            a.source_problems(&SourceFilter::default()).await,
        )?,
        vec![RunSourceProblem { run: id, problem }],
    )
}

/// Links of every kind: `users` people from `first` on, with courses,
/// sections, enrollments, guardian links and withheld e-mails in
/// proportion, every LMS id marked with `tag` so two sets never agree on one.
fn link_set(tag: &str, first: usize, users: usize) -> Links {
    let origins = [
        LinkOrigin::Created,
        LinkOrigin::UniqueId,
        LinkOrigin::Matched,
    ];
    let origin = |index: usize| origins[index % origins.len()];
    let mut links = Links::default();
    for index in 0..3 {
        links.grading_periods.insert(
            format!("T{index}").into(),
            Link::new(
                GradingPeriodId::new(format!("{tag}-gp{index}")),
                origin(index),
            ),
        );
    }
    let sections = users / 5;
    for index in 0..users / 10 {
        links.courses.insert(
            format!("C{index}").into(),
            Link::new(CourseId::new(format!("{tag}-c{index}")), origin(index)),
        );
    }
    for index in 0..sections {
        links.sections.insert(
            format!("S{index}").into(),
            Link::new(SectionId::new(format!("{tag}-s{index}")), origin(index)),
        );
    }
    for index in first..first + users {
        let person = format!("P{index}");
        links.users.insert(
            person.clone().into(),
            Link::new(UserId::new(format!("{tag}-u{index}")), origin(index)),
        );
        let section = format!("S{}", index % sections.max(1));
        links
            .enrollments
            .insert((section.into(), person.clone().into()), origin(index));
        if index % 7 == 0 {
            let student = format!("P{}", index + 1);
            links
                .guardian_links
                .insert((person.clone().into(), student.into()), origin(index));
        }
        if index % 11 == 0 {
            links
                .withheld_emails
                .insert(person.into(), format!("{tag}.p{index}@example.org").into());
        }
    }
    links
}

/// The keys of every link in `links`.
fn removals(links: &Links) -> LinkRemovals {
    LinkRemovals {
        grading_periods: links.grading_periods.keys().cloned().collect(),
        users: links.users.keys().cloned().collect(),
        courses: links.courses.keys().cloned().collect(),
        sections: links.sections.keys().cloned().collect(),
        enrollments: links.enrollments.keys().cloned().collect(),
        guardian_links: links.guardian_links.keys().cloned().collect(),
        withheld_emails: links.withheld_emails.keys().cloned().collect(),
    }
}

/// The changes that turn `from` into `to` in one call.
fn turn(from: &Links, to: &Links) -> LinkChanges {
    LinkChanges {
        upsert: to.clone(),
        remove: removals(from),
        landed: Vec::new(),
    }
}

pub(super) async fn transactions_across(a: &dyn StateStore, b: &dyn StateStore) -> Step {
    // Two complete link sets of different sizes over every kind, which
    // share keys with different ids, and two complete kept shadows.
    let small = link_set("a", 0, 60);
    let large = link_set("b", 30, 150);
    let (small_to_large, large_to_small) = (turn(&small, &large), turn(&large, &small));
    let shadow_json = |tag: &str| {
        let users: Vec<String> = (0..200)
            .map(|index| format!("{{\"key\":\"P{index}\",\"id\":\"{tag}-u{index}\"}}"))
            .collect();
        format!("{{\"users\":[{}]}}", users.join(","))
    };
    let kept = [
        KeptShadow {
            shadow: Some(shadow_json("a")),
            plan: Some("{\"plan\":\"a\"}".to_owned()),
            landed: Vec::new(),
        },
        KeptShadow {
            shadow: Some(shadow_json("b")),
            plan: None,
            landed: Vec::new(),
        },
    ];
    call("save_links through a", a.save_links(&small).await)?;
    call("keep_shadow through a", keep(a, &kept[0]).await)?;
    let done = AtomicBool::new(false);
    let writer = async {
        let turns = (&small_to_large, &large_to_small);
        let written = write_rounds(a, (&small, &large), turns, &kept).await;
        done.store(true, Ordering::SeqCst);
        written
    };
    let reader = async {
        for read in 0..2000 {
            if read >= 20 && done.load(Ordering::SeqCst) {
                break;
            }
            let (links, shadow) = futures::join!(b.links(), b.shadow());
            let links = call("links through b", links)?;
            if links != small && links != large {
                return Err(format!(
                    "read {read} through b: links of neither complete set ({} users, {} \
                     enrollments, {} withheld e-mails; want {} or {} users)",
                    links.users.len(),
                    links.enrollments.len(),
                    links.withheld_emails.len(),
                    small.users.len(),
                    large.users.len(),
                ));
            }
            let shadow = call("shadow through b", shadow)?;
            if !shadow.as_ref().is_some_and(|shadow| kept.contains(shadow)) {
                let seen = shadow.map(|shadow| {
                    format!(
                        "a shadow of {} bytes, plan {:?}, {} landed writes",
                        shadow.shadow.map_or(0, |text| text.len()),
                        shadow.plan,
                        shadow.landed.len()
                    )
                });
                return Err(format!(
                    "read {read} through b: neither shadow kept, but {}",
                    seen.as_deref().unwrap_or("none")
                ));
            }
        }
        Ok(())
    };
    let (written, read) = futures::join!(writer, reader);
    written?;
    read?;
    same(
        "the links once a is done",
        call("links through b", b.links().await)?,
        large,
    )
}

/// Keeps `kept` through `store`.
async fn keep(store: &dyn StateStore, kept: &KeptShadow) -> PortResult<()> {
    store
        .keep_shadow(kept.shadow.as_deref(), kept.plan.as_deref())
        .await
}

/// The writes of [`transactions_across`] through `a`: each round turns the
/// small set into the large and back by link changes, then saves each
/// whole, keeping the two shadows in turn between writes; the large set last.
async fn write_rounds(
    a: &dyn StateStore,
    (small, large): (&Links, &Links),
    (small_to_large, large_to_small): (&LinkChanges, &LinkChanges),
    kept: &[KeptShadow; 2],
) -> Step {
    for round in 0..12 {
        let steps = [
            (
                "apply_link_changes (to large)",
                a.apply_link_changes(small_to_large),
            ),
            (
                "apply_link_changes (to small)",
                a.apply_link_changes(large_to_small),
            ),
            ("save_links (large)", a.save_links(large)),
            ("save_links (small)", a.save_links(small)),
        ];
        for (index, (what, step)) in steps.into_iter().enumerate() {
            call(&format!("round {round}: {what} through a"), step.await)?;
            call(
                "keep_shadow through a",
                keep(a, &kept[(round + index + 1) % 2]).await,
            )?;
        }
    }
    call("save_links (large) through a", a.save_links(large).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_sets_differ_and_turn_into_each_other() {
        let small = link_set("a", 0, 60);
        let large = link_set("b", 30, 150);
        assert_ne!(small.users.len(), large.users.len());
        let mut turned = small.clone();
        turned.apply_changes(&turn(&small, &large));
        assert_eq!(turned, large);
        turned.apply_changes(&turn(&large, &small));
        assert_eq!(turned, small);
    }
}
