//! The `StateStore` conformance suite: every method's contract as the SQLite
//! store keeps it, checked on fresh stores, each check an assertion that can
//! fail; awkward text kept to the byte through the exports; and, on two
//! handles of one store (as two processes or two pools hold it), the lock
//! and a race for it, the journal, the queue, settings, runs, and whole
//! transactions read while the other handle writes.
//!
//! Each check runs on a store of its own (from the caller's `fresh`, or a
//! pair of handles from `open`), so one check's rows never decide another's.
//! A check stops at its first failure and reports it as one [`Violation`]
//! named after the check.

mod coord;
mod export;
mod records;
mod shared;

use std::fmt::Debug;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use rostersync_core::ids::{CourseId, GradingPeriodId, SectionId, UserId};
use rostersync_core::model::links::{Link, LinkOrigin, Links};
use rostersync_core::plan::PlanSummary;
use rostersync_core::scope::SyncScope;

use super::{Violation, fail_on};
use crate::error::{ErrorKind, PortResult};
use crate::store::{RunId, RunRecord, RunStatus, StateStore, Trigger};
use coord::{journal, lease_too_long, lock_race, locks, queue, schedule, settings, shadow};
use export::export;
use records::{
    finish_unknown_run, link_changes, links, nul_in_text, outcomes, outcomes_of_unknown_run, runs,
    source,
};
use shared::{
    journal_across, lock_across, lock_race_across, queue_across, runs_across, settings_across,
    transactions_across,
};

/// One check's verdict: the first thing that was wrong, in words.
pub(super) type Step = Result<(), String>;

/// The names of the checks on one store, in the order they run.
pub const STORE_CHECKS: [&str; 17] = [
    "links",
    "link_changes",
    "runs",
    "finish_unknown_run",
    "outcomes",
    "outcomes_of_unknown_run",
    "source",
    "nul_in_text",
    "export",
    "settings",
    "schedule",
    "queue",
    "locks",
    "lock_race",
    "lease_too_long",
    "journal",
    "shadow",
];

/// The names of the checks on two handles of one store, in the order they
/// run.
pub const SHARED_STORE_CHECKS: [&str; 7] = [
    "lock_across",
    "lock_race_across",
    "journal_across",
    "queue_across",
    "settings_across",
    "runs_across",
    "transactions_across",
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
        out.extend(verdict(check, run_check(check, &store)).await);
    }
    out
}

/// Runs every check on two handles of one store, each pair from `open`:
/// two independent handles (their own connections or pools, as two
/// processes would hold) onto one new, empty store. Returns every way the
/// handles break the [`StateStore`] contract between them.
pub async fn check_shared_state_store<S, F, Fut>(mut open: F) -> Vec<Violation>
where
    S: StateStore,
    F: FnMut() -> Fut,
    Fut: Future<Output = (S, S)>,
{
    let mut out = Vec::new();
    for check in SHARED_STORE_CHECKS {
        let (a, b) = open().await;
        out.extend(verdict(check, run_shared_check(check, &a, &b)).await);
    }
    out
}

/// The violation of `check`, if `step` finds one. A store that panics fails
/// the check; the other checks still run.
async fn verdict(check: &'static str, step: impl Future<Output = Step>) -> Option<Violation> {
    let verdict = AssertUnwindSafe(step)
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
    verdict.err().map(|detail| Violation { check, detail })
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
        "nul_in_text" => nul_in_text(store).await,
        "export" => export(store).await,
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

/// Runs the check named `check` on two handles `a` and `b` of one store.
async fn run_shared_check(check: &str, a: &dyn StateStore, b: &dyn StateStore) -> Step {
    match check {
        "lock_across" => lock_across(a, b).await,
        "lock_race_across" => lock_race_across(a, b).await,
        "journal_across" => journal_across(a, b).await,
        "queue_across" => queue_across(a, b).await,
        "settings_across" => settings_across(a, b).await,
        "runs_across" => runs_across(a, b).await,
        "transactions_across" => transactions_across(a, b).await,
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
    fail_on("the state store", &check_state_store(fresh).await);
}

/// [`check_shared_state_store`], panicking with every violation when there
/// is one.
///
/// # Panics
///
/// When two handles of a store break the contract between them.
pub async fn assert_shared_state_store<S, F, Fut>(open: F)
where
    S: StateStore,
    F: FnMut() -> Fut,
    Fut: Future<Output = (S, S)>,
{
    fail_on(
        "the state store, on two handles,",
        &check_shared_state_store(open).await,
    );
}

/// The value of a call that must succeed.
pub(super) fn call<T>(what: &str, result: PortResult<T>) -> Result<T, String> {
    result.map_err(|error| format!("{what} failed: {error}"))
}

/// Equal, or a step that says how not.
pub(super) fn same<T: PartialEq + Debug>(what: &str, got: T, want: T) -> Step {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// True, or a step that says what was not.
pub(super) fn holds(what: &str, condition: bool) -> Step {
    if condition {
        Ok(())
    } else {
        Err(format!("{what}: not so"))
    }
}

/// A call that must fail with `kind`.
pub(super) fn refused<T: Debug>(what: &str, result: PortResult<T>, kind: ErrorKind) -> Step {
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
pub(super) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The id of a manual run of everything started through `store` at 02:00
/// on 2026-11-28.
pub(super) async fn one_run(store: &dyn StateStore) -> Result<RunId, String> {
    let run = started_run(SyncScope::All, Trigger::Manual, "2026-11-28T02:00:00Z");
    call("start_run", store.start_run(&run).await)
}

/// A run that has just started (a test's: acting as
/// admin@district.example, nothing planned).
pub fn started_run(scope: SyncScope, trigger: Trigger, started: &str) -> RunRecord {
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
