//! The `StateStore` conformance suite: every method's contract as the SQLite
//! store keeps it, checked on fresh stores, each check an assertion that can
//! fail.
//!
//! Each check runs on a store of its own (from the caller's `fresh`), so one
//! check's rows never decide another's. A check stops at its first failure
//! and reports it as one [`Violation`] named after the check.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use chrono::{DateTime, Duration, Utc};
use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{CourseId, GradingPeriodId, PersonKey, SectionId, UserId};
use rostersync_core::model::links::{LandedWrite, Link, LinkChanges, LinkOrigin, Links};
use rostersync_core::plan::{EntityCounts, PlanSummary};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;

use super::Violation;
use crate::error::{ErrorKind, PortResult};
use crate::sis::{ProblemKind, RecordKind, SourceProblem};
use crate::store::{
    JournalEntry, KeptShadow, Lease, LockAttempt, OutcomeFilter, OutcomeStatus, RecordOutcome,
    RunRecord, RunSourceProblem, RunStatus, SourceFilter, SourceSummary, StateStore, Trigger,
};

/// One check's verdict: the first thing that was wrong, in words.
type Step = Result<(), String>;

/// The names of the checks, in the order they run.
pub const STORE_CHECKS: [&str; 15] = [
    "links",
    "link_changes",
    "runs",
    "finish_unknown_run",
    "outcomes",
    "outcomes_of_unknown_run",
    "source",
    "settings",
    "schedule",
    "queue",
    "locks",
    "lock_race",
    "lease_too_long",
    "journal",
    "shadow",
];

/// Runs every check of the suite, each on a new empty store from `fresh`,
/// and returns every way the stores break the [`StateStore`] contract.
pub async fn check_state_store<S, F, Fut>(mut fresh: F) -> Vec<Violation>
where
    S: StateStore,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    let mut out = Vec::new();
    for check in STORE_CHECKS {
        let store = fresh().await;
        // A store that panics fails the check; the other checks still run.
        let verdict = AssertUnwindSafe(run_check(check, &store))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format!("the store panicked: {message}"))
            });
        if let Err(detail) = verdict {
            out.push(Violation { check, detail });
        }
    }
    out
}

/// Runs the check named `check` on `store`.
async fn run_check(check: &str, store: &dyn StateStore) -> Step {
    match check {
        "links" => links(store).await,
        "link_changes" => link_changes(store).await,
        "runs" => runs(store).await,
        "finish_unknown_run" => finish_unknown_run(store).await,
        "outcomes" => outcomes(store).await,
        "outcomes_of_unknown_run" => outcomes_of_unknown_run(store).await,
        "source" => source(store).await,
        "settings" => settings(store).await,
        "schedule" => schedule(store).await,
        "queue" => queue(store).await,
        "locks" => locks(store).await,
        "lock_race" => lock_race(store).await,
        "lease_too_long" => lease_too_long(store).await,
        "journal" => journal(store).await,
        "shadow" => shadow(store).await,
        _ => Err(format!("no check is named {check:?}")),
    }
}

/// [`check_state_store`], panicking with every violation when there is one.
///
/// # Panics
///
/// When a store breaks the contract.
pub async fn assert_state_store<S, F, Fut>(fresh: F)
where
    S: StateStore,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    let violations = check_state_store(fresh).await;
    if !violations.is_empty() {
        let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
        panic!(
            "the state store breaks {} conformance check(s):\n{}",
            violations.len(),
            lines.join("\n")
        );
    }
}

/// The value of a call that must succeed.
fn call<T>(what: &str, result: PortResult<T>) -> Result<T, String> {
    result.map_err(|error| format!("{what} failed: {error}"))
}

/// Equal, or a step that says how not.
fn same<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Step {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// True, or a step that says what was not.
fn holds(what: &str, condition: bool) -> Step {
    if condition {
        Ok(())
    } else {
        Err(format!("{what}: not so"))
    }
}

/// A call that must fail with `kind`.
fn refused<T: Debug>(what: &str, result: PortResult<T>, kind: ErrorKind) -> Step {
    match result {
        Ok(value) => Err(format!("{what}: succeeded with {value:?}, want {kind:?}")),
        Err(error) if error.kind() == kind => Ok(()),
        Err(error) => Err(format!(
            "{what}: failed as {:?} ({error}), want {kind:?}",
            error.kind()
        )),
    }
}

/// A time from RFC 3339 text written in this module.
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A run that has just started.
fn started(scope: SyncScope, trigger: Trigger, started: &str) -> RunRecord {
    RunRecord {
        id: 0,
        trigger,
        scope,
        acting_user: "admin@district.example".to_owned(),
        forced: false,
        started_at: at(started),
        finished_at: None,
        status: RunStatus::Running,
        summary: PlanSummary::default(),
        message: None,
    }
}

/// Links of every kind and origin, with an e-mail withheld.
pub fn sample_links() -> Links {
    let mut links = Links::default();
    links.grading_periods.insert(
        "T1".into(),
        Link::new(GradingPeriodId::new("900"), LinkOrigin::Created),
    );
    for (key, id, origin) in [
        ("P1", "11", LinkOrigin::Created),
        ("P2", "12", LinkOrigin::UniqueId),
        ("P3", "13", LinkOrigin::Matched),
    ] {
        links
            .users
            .insert(key.into(), Link::new(UserId::new(id), origin));
    }
    links.courses.insert(
        "C1".into(),
        Link::new(CourseId::new("21"), LinkOrigin::Created),
    );
    links.sections.insert(
        "S1".into(),
        Link::new(SectionId::new("31"), LinkOrigin::Matched),
    );
    links
        .enrollments
        .insert(("S1".into(), "P1".into()), LinkOrigin::Created);
    links
        .enrollments
        .insert(("S1".into(), "P2".into()), LinkOrigin::UniqueId);
    links
        .guardian_links
        .insert(("P3".into(), "P1".into()), LinkOrigin::Created);
    links
        .withheld_emails
        .insert("P2".into(), "p2@elsewhere.example.org".into());
    links
}

async fn links(store: &dyn StateStore) -> Step {
    same(
        "a new store's links",
        call("links", store.links().await)?,
        Links::default(),
    )?;
    let links = sample_links();
    call("save_links", store.save_links(&links).await)?;
    same(
        "links saved",
        call("links", store.links().await)?,
        links.clone(),
    )?;
    // Saving a smaller set removes what it does not hold.
    let mut smaller = links;
    smaller.users.remove(&PersonKey::new("P3"));
    smaller.enrollments.clear();
    smaller.withheld_emails.clear();
    smaller.courses.insert(
        "C2".into(),
        Link::new(CourseId::new("22"), LinkOrigin::Matched),
    );
    call("save_links", store.save_links(&smaller).await)?;
    same(
        "links saved over others",
        call("links", store.links().await)?,
        smaller,
    )?;
    call("save_links", store.save_links(&Links::default()).await)?;
    same(
        "links after saving none",
        call("links", store.links().await)?,
        Links::default(),
    )
}

async fn link_changes(store: &dyn StateStore) -> Step {
    call("save_links", store.save_links(&sample_links()).await)?;
    let mut changes = LinkChanges::default();
    changes.remove.users.push(PersonKey::new("P1"));
    changes.remove.users.push(PersonKey::new("P2"));
    changes.remove.enrollments.push(("S1".into(), "P1".into()));
    changes.remove.withheld_emails.push("P2".into());
    // Removals come first: a key removed and upserted at once stays.
    changes.upsert.users.insert(
        "P2".into(),
        Link::new(UserId::new("99"), LinkOrigin::Matched),
    );
    changes
        .upsert
        .enrollments
        .insert(("S1".into(), "P3".into()), LinkOrigin::Created);
    changes
        .upsert
        .guardian_links
        .insert(("P3".into(), "P2".into()), LinkOrigin::Matched);
    changes
        .upsert
        .withheld_emails
        .insert("P3".into(), "p3@elsewhere.example.org".into());
    let mut want = sample_links();
    want.apply_changes(&changes);
    call(
        "apply_link_changes",
        store.apply_link_changes(&changes).await,
    )?;
    same(
        "links after link changes",
        call("links", store.links().await)?,
        want.clone(),
    )?;
    call(
        "apply_link_changes (none)",
        store.apply_link_changes(&LinkChanges::default()).await,
    )?;
    same(
        "links after no changes",
        call("links", store.links().await)?,
        want,
    )
}

async fn runs(store: &dyn StateStore) -> Step {
    same(
        "a new store's runs",
        call("runs", store.runs(10).await)?,
        vec![],
    )?;
    let first = started(SyncScope::All, Trigger::Scheduled, "2026-11-28T02:00:00Z");
    let second = started(
        SyncScope::Users,
        Trigger::Manual,
        "2026-11-28T09:15:30.123456789Z",
    );
    let first_id = call("start_run", store.start_run(&first).await)?;
    let second_id = call("start_run", store.start_run(&second).await)?;
    holds("run ids grow", second_id > first_id)?;
    let as_started = |run: &RunRecord, id| RunRecord { id, ..run.clone() };
    same(
        "runs, newest first",
        call("runs", store.runs(10).await)?,
        vec![as_started(&second, second_id), as_started(&first, first_id)],
    )?;
    same(
        "runs limited to 1",
        call("runs", store.runs(1).await)?,
        vec![as_started(&second, second_id)],
    )?;
    let mut summary = PlanSummary::default();
    summary.0.insert(
        Entity::User,
        EntityCounts {
            create: 3,
            update: 2,
            unchanged: 40,
            warnings: 1,
            ..EntityCounts::default()
        },
    );
    let finished = RunRecord {
        id: first_id,
        forced: true,
        finished_at: Some(at("2026-11-28T02:07:00.5Z")),
        status: RunStatus::CompletedWithFailures,
        summary,
        message: Some("2 records failed".to_owned()),
        // What a run cannot change once started: kept as started.
        trigger: Trigger::Manual,
        scope: SyncScope::Grades,
        acting_user: "someone else".to_owned(),
        started_at: at("2030-01-01T00:00:00Z"),
    };
    call("finish_run", store.finish_run(&finished).await)?;
    let want = RunRecord {
        trigger: first.trigger,
        scope: first.scope,
        acting_user: first.acting_user.clone(),
        started_at: first.started_at,
        ..finished
    };
    same(
        "runs after finish_run",
        call("runs", store.runs(10).await)?,
        vec![as_started(&second, second_id), want],
    )
}

async fn finish_unknown_run(store: &dyn StateStore) -> Step {
    let run = RunRecord {
        id: 4242,
        status: RunStatus::Succeeded,
        ..started(SyncScope::All, Trigger::Manual, "2026-11-28T02:00:00Z")
    };
    refused(
        "finish_run of a run never started",
        store.finish_run(&run).await,
        ErrorKind::NotFound,
    )?;
    same(
        "runs after a refused finish_run",
        call("runs", store.runs(10).await)?,
        vec![],
    )
}

fn outcome(run: i64, entity: Entity, key: &str, status: OutcomeStatus) -> RecordOutcome {
    RecordOutcome {
        run,
        entity,
        key: key.to_owned(),
        action: (status != OutcomeStatus::Skipped).then_some(Action::Create),
        status,
        reason: (status != OutcomeStatus::Done).then(|| format!("why {key}")),
    }
}

async fn outcomes(store: &dyn StateStore) -> Step {
    let run = |text| started(SyncScope::All, Trigger::Manual, text);
    let first = call(
        "start_run",
        store.start_run(&run("2026-11-28T02:00:00Z")).await,
    )?;
    let second = call(
        "start_run",
        store.start_run(&run("2026-11-28T03:00:00Z")).await,
    )?;
    let of_second = vec![
        outcome(second, Entity::User, "P9", OutcomeStatus::Failed),
        outcome(second, Entity::Course, "C1", OutcomeStatus::Done),
    ];
    // Recorded out of key order, and the later run first.
    let of_first = [
        outcome(first, Entity::User, "P2", OutcomeStatus::Done),
        outcome(first, Entity::User, "P1", OutcomeStatus::Warning),
        outcome(first, Entity::Section, "S1", OutcomeStatus::Skipped),
        outcome(first, Entity::User, "P3", OutcomeStatus::Failed),
        outcome(first, Entity::Enrollment, "S1/P1", OutcomeStatus::Drift),
    ];
    call("record_outcomes", store.record_outcomes(&of_second).await)?;
    call(
        "record_outcomes",
        store.record_outcomes(&of_first[..2]).await,
    )?;
    call("record_outcomes", store.record_outcomes(&[]).await)?;
    call(
        "record_outcomes",
        store.record_outcomes(&of_first[2..]).await,
    )?;
    let all: Vec<RecordOutcome> = of_first.iter().chain(&of_second).cloned().collect();
    let filters = [
        OutcomeFilter::default(),
        OutcomeFilter {
            run: Some(second),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            status: Some(OutcomeStatus::Failed),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            entity: Some(Entity::User),
            ..OutcomeFilter::default()
        },
        OutcomeFilter {
            run: Some(first),
            status: Some(OutcomeStatus::Failed),
            entity: Some(Entity::User),
        },
        OutcomeFilter {
            run: Some(second + 100),
            ..OutcomeFilter::default()
        },
    ];
    for filter in filters {
        let want: Vec<RecordOutcome> = all
            .iter()
            .filter(|o| {
                filter.run.is_none_or(|run| o.run == run)
                    && filter.status.is_none_or(|status| o.status == status)
                    && filter.entity.is_none_or(|entity| o.entity == entity)
            })
            .cloned()
            .collect();
        same(
            &format!("outcomes of {filter:?}"),
            call("outcomes", store.outcomes(&filter).await)?,
            want,
        )?;
    }
    same(
        "the failed users of the first run",
        call(
            "outcomes",
            store
                .outcomes(&OutcomeFilter {
                    run: Some(first),
                    status: Some(OutcomeStatus::Failed),
                    entity: Some(Entity::User),
                })
                .await,
        )?,
        vec![of_first[3].clone()],
    )
}

async fn outcomes_of_unknown_run(store: &dyn StateStore) -> Step {
    let run = call(
        "start_run",
        store
            .start_run(&started(
                SyncScope::All,
                Trigger::Manual,
                "2026-11-28T02:00:00Z",
            ))
            .await,
    )?;
    let batch = vec![
        outcome(run, Entity::User, "P1", OutcomeStatus::Done),
        outcome(run + 1, Entity::User, "P2", OutcomeStatus::Done),
    ];
    refused(
        "record_outcomes naming a run never started",
        store.record_outcomes(&batch).await,
        ErrorKind::Invalid,
    )?;
    same(
        "outcomes after a refused batch (refused whole)",
        call("outcomes", store.outcomes(&OutcomeFilter::default()).await)?,
        vec![],
    )
}

fn problem(kind: ProblemKind, record: Option<RecordKind>, location: &str) -> SourceProblem {
    SourceProblem {
        location: location.to_owned(),
        message: format!("something at {location}"),
        kind,
        record,
        key: record.map(|_| format!("key of {location}")),
        field: (kind == ProblemKind::Warning).then(|| "email".to_owned()),
        reason: (kind != ProblemKind::Unreadable).then(|| "a shared reason".to_owned()),
    }
}

async fn source(store: &dyn StateStore) -> Step {
    let run = |text| started(SyncScope::All, Trigger::Manual, text);
    let first = call(
        "start_run",
        store.start_run(&run("2026-11-28T02:00:00Z")).await,
    )?;
    let second = call(
        "start_run",
        store.start_run(&run("2026-11-28T03:00:00Z")).await,
    )?;
    let of_first = vec![
        problem(
            ProblemKind::Unreadable,
            Some(RecordKind::Person),
            "users.csv line 5",
        ),
        problem(
            ProblemKind::LeftOut,
            Some(RecordKind::Course),
            "courses.csv line 2",
        ),
        problem(
            ProblemKind::Warning,
            Some(RecordKind::Person),
            "users.csv line 9",
        ),
        problem(ProblemKind::Unreadable, None, "classes.csv"),
    ];
    let of_second = vec![problem(
        ProblemKind::LeftOut,
        Some(RecordKind::Person),
        "/users index 3",
    )];
    call(
        "record_source",
        store.record_source(second, 7, &of_second).await,
    )?;
    // A first read recorded, then replaced by the one that counts.
    call(
        "record_source",
        store.record_source(first, 1, &of_first[..1]).await,
    )?;
    call(
        "record_source",
        store.record_source(first, 120, &of_first).await,
    )?;
    let with_run = |run: i64, problems: &[SourceProblem]| -> Vec<RunSourceProblem> {
        problems
            .iter()
            .map(|problem| RunSourceProblem {
                run,
                problem: problem.clone(),
            })
            .collect()
    };
    let all: Vec<RunSourceProblem> = with_run(first, &of_first)
        .into_iter()
        .chain(with_run(second, &of_second))
        .collect();
    let filters = [
        SourceFilter::default(),
        SourceFilter {
            run: Some(second),
            ..SourceFilter::default()
        },
        SourceFilter {
            kind: Some(ProblemKind::LeftOut),
            ..SourceFilter::default()
        },
        SourceFilter {
            run: Some(first),
            kind: Some(ProblemKind::Unreadable),
            record: Some(RecordKind::Person),
        },
    ];
    for filter in filters {
        let want: Vec<RunSourceProblem> = all
            .iter()
            .filter(|p| {
                filter.run.is_none_or(|run| p.run == run)
                    && filter.kind.is_none_or(|kind| p.problem.kind == kind)
                    && filter
                        .record
                        .is_none_or(|record| p.problem.record == Some(record))
            })
            .cloned()
            .collect();
        same(
            &format!("source problems of {filter:?}"),
            call("source_problems", store.source_problems(&filter).await)?,
            want,
        )?;
    }
    let mut want = BTreeMap::new();
    want.insert(first, SourceSummary::of(120, &of_first));
    want.insert(second, SourceSummary::of(7, &of_second));
    same(
        "source summaries",
        call(
            "source_summaries",
            store.source_summaries(&[first, second, second + 100]).await,
        )?,
        want,
    )?;
    same(
        "the first run's summary counts",
        SourceSummary::of(120, &of_first),
        SourceSummary {
            read: 120,
            unreadable: 2,
            left_out: 1,
            warnings: 1,
        },
    )
}

async fn settings(store: &dyn StateStore) -> Step {
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

async fn schedule(store: &dyn StateStore) -> Step {
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

async fn queue(store: &dyn StateStore) -> Step {
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

async fn locks(store: &dyn StateStore) -> Step {
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

async fn lease_too_long(store: &dyn StateStore) -> Step {
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

async fn lock_race(store: &dyn StateStore) -> Step {
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

async fn journal(store: &dyn StateStore) -> Step {
    let run = call(
        "start_run",
        store
            .start_run(&started(
                SyncScope::All,
                Trigger::Manual,
                "2026-11-28T02:00:00Z",
            ))
            .await,
    )?;
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

async fn shadow(store: &dyn StateStore) -> Step {
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
