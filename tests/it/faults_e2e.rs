//! The fault matrix: the first sync of a small district against a Schoology
//! simulator that allows less than the client is told, charges writes more,
//! refuses in storms without `Retry-After`, or loses the answers of writes
//! it applied. Each first run must end with the exact roster of a clean run,
//! nothing twice (by unique id, username, e-mail, course code, section code,
//! enrollment pair), nothing deleted, no record failed, and its calls and
//! 429s in the report.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rostersync_engine::{Progress, Stage as RunStage};
use rostersync_engine::{RunOptions, RunReport};
use rostersync_ports::{LmsTarget, RunStatus, Trigger};
use rostersync_schoology::{RateLimit, RetryPolicy, SchoologyLms};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::faults::LostAnswer;
use rostersync_sim::schoology::{RateLimit as SimLimit, State};

use crate::sync_e2e::{Stage, assert_same, keyed, lms_with, stage, stage_limited};
use rostersync_core::SyncScope;

/// Retries as in production, with waits short enough for a test: a
/// `Retry-After` of the simulator's (whole seconds) is honoured.
fn retry() -> RetryPolicy {
    RetryPolicy {
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_secs(2),
        rate_limited_backoff: Duration::from_millis(20),
        rate_limited_budget: Duration::from_secs(120),
        ..RetryPolicy::default()
    }
}

/// The admin adapter, told the rate limit `limit`.
fn adapter(stage: &Stage, limit: RateLimit) -> SchoologyLms {
    lms_with(&stage.sgy, stage.sgy.admin_credentials(), limit, retry())
}

/// Calls `arm` when the run starts writing.
struct WhenWriting(Box<dyn Fn() + Send + Sync>);

impl Progress for WhenWriting {
    fn stage(&self, stage: RunStage) {
        if stage == RunStage::Writing {
            (self.0)();
        }
    }
    fn planned(&self, _: u64) {}
    fn settled(&self, _: u64) {}
}

/// The first run over `lms`, with `arm` called when it starts writing.
async fn first_run(
    stage: &Stage,
    lms: SchoologyLms,
    arm: impl Fn() + Send + Sync + 'static,
) -> RunReport {
    run_armed(stage, lms, arm, RunOptions::at(stage.now())).await
}

/// A run over `lms` with `options`, `arm` called when it starts writing.
async fn run_armed(
    stage: &Stage,
    lms: SchoologyLms,
    arm: impl Fn() + Send + Sync + 'static,
    options: RunOptions,
) -> RunReport {
    let lms: Arc<dyn LmsTarget> = Arc::new(lms);
    stage
        .engine_on(lms)
        .await
        .with_progress(Arc::new(WhenWriting(Box::new(arm))))
        .run(SyncScope::All, Trigger::Manual, options)
        .await
        .unwrap()
}

/// Values held by more than one record, by what they should be unique in.
fn duplicates(state: &State, own: &[u64]) -> Vec<String> {
    fn repeated<T: Ord + std::fmt::Debug>(
        what: &str,
        values: impl Iterator<Item = T>,
    ) -> Option<String> {
        let mut counts = BTreeMap::new();
        for value in values {
            *counts.entry(value).or_insert(0) += 1;
        }
        let twice: Vec<&T> = counts
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(v, _)| v)
            .collect();
        (!twice.is_empty()).then(|| format!("{what}: {twice:?}"))
    }
    let users = || state.users.iter().filter(|u| !own.contains(&u.id));
    [
        repeated("unique id", users().filter_map(|u| u.school_uid.clone())),
        repeated("username", users().filter_map(|u| u.username.clone())),
        repeated(
            "e-mail",
            users().filter_map(|u| u.primary_email.as_ref().map(|e| e.to_lowercase())),
        ),
        repeated(
            "course code",
            state
                .courses
                .iter()
                .map(|c| (c.building_id.clone(), c.course_code.clone())),
        ),
        repeated(
            "section code",
            state
                .sections
                .iter()
                .filter_map(|s| s.section_school_code.clone()),
        ),
        repeated(
            "enrollment pair",
            state.enrollments.iter().map(|e| (e.section_id, e.uid)),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The first run holds the exact roster of a clean run, nothing twice,
/// nothing deleted and no failure; returns the 429s the report counted.
async fn assert_exact(stage: &Stage, report: &RunReport) -> u64 {
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.status, RunStatus::Succeeded);
    let own = [stage.sgy.admin_uid(), stage.sgy.non_admin_uid()];
    let state = stage.sgy.state();
    let twice = duplicates(&state, &own);
    assert!(twice.is_empty(), "duplicates: {twice:?}");
    let (actual, _) = keyed(&state, &own);
    assert_same(
        &actual,
        &stage.expected().await,
        "the first run holds the roster of a clean run",
    );
    assert_eq!(stage.sgy.counters().deletes, 0, "nothing was deleted");
    let calls = report.lms_calls.expect("the report counts the LMS calls");
    assert!(calls.calls > 0 && calls.busy_seconds > 0.0, "{calls:?}");
    calls.rate_limited
}

/// A simulator holding 10 credits per second (the district: 10 per
/// 5 s), writes costing `write_cost`.
fn tighter(write_cost: u32) -> SimLimit {
    SimLimit {
        quota: 10,
        window: Duration::from_secs(1),
        write_cost,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_limit_five_times_lower_than_configured_is_met_in_the_first_run() {
    let stage = stage_limited(generate(DistrictSize::Tiny, 5, 2026), tighter(1)).await;
    let lms = adapter(&stage, RateLimit::new(50, Duration::from_secs(1)));
    let report = first_run(&stage, lms, || {}).await;
    let limited = assert_exact(&stage, &report).await;
    let counters = stage.sgy.counters();
    assert!(counters.rate_limited > 0, "the real limit was felt");
    assert_eq!(limited, counters.rate_limited, "every 429 is in the report");
    let calls = report.lms_calls.unwrap();
    assert!(
        calls.pace_per_second < 50.0,
        "the pace came down: {calls:?}"
    );
    assert!(
        limited * 10 < calls.calls,
        "429s stay a small share of the calls: {calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_charged_three_times_are_met_in_the_first_run() {
    let stage = stage_limited(generate(DistrictSize::Tiny, 5, 2026), tighter(3)).await;
    // Told the right number of credits, not what writes cost.
    let lms = adapter(&stage, RateLimit::new(10, Duration::from_secs(1)));
    let report = first_run(&stage, lms, || {}).await;
    let limited = assert_exact(&stage, &report).await;
    assert!(limited > 0, "writes charged three were felt");
    assert_eq!(limited, stage.sgy.counters().rate_limited);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_429s_without_retry_after_slows_the_first_run_and_nothing_fails() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let faults = stage.sgy.faults().clone();
    let report = first_run(&stage, lms, move || {
        faults.rate_limit_next_without_retry_after(60);
    })
    .await;
    let limited = assert_exact(&stage, &report).await;
    assert_eq!(limited, 60, "every refusal of the storm is counted");
    assert_eq!(stage.sgy.faults().injected(), 60);
    assert!(stage.sgy.counters().writes > 0);
}

/// Writes on `route` are applied, then answered with `answer` instead.
async fn lost_answers(route: &'static str, answer: LostAnswer) {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let faults = stage.sgy.faults().clone();
    let report = first_run(&stage, lms, move || {
        faults.lose_answers_after_commit(2, route, answer);
    })
    .await;
    assert_exact(&stage, &report).await;
    assert_eq!(
        stage.sgy.faults().injected(),
        2,
        "both answers on {route} were lost"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_after_a_bulk_user_write_was_applied_is_resolved_in_the_first_run() {
    lost_answers("/v1/users", LostAnswer::Status(503)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_after_a_bulk_course_write_was_applied_is_resolved_in_the_first_run() {
    lost_answers("/v1/courses", LostAnswer::Status(503)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_import_whose_answer_was_lost_is_resolved_in_the_first_run() {
    lost_answers("/v1/enrollments/import", LostAnswer::Dropped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_write_whose_answer_was_lost_is_resolved_in_the_first_run() {
    lost_answers("/v1/users", LostAnswer::Dropped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_removal_that_finds_the_enrollment_gone_has_succeeded() {
    let first = stage(generate(DistrictSize::Tiny, 8, 2026)).await;
    let lms = adapter(&first, RateLimit::new(1_000, Duration::from_secs(1)));
    first_run(&first, lms, || {}).await;
    let (stage, changes) = first.next_day().await;
    assert!(!changes.dropped_enrollments().is_empty(), "{changes:#?}");
    // The next day's enrollment imports (its removals among them) are
    // applied, their answers lost, and sent again: the removals then find
    // nothing to remove.
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let faults = stage.sgy.faults().clone();
    let arm = move || {
        faults.lose_answers_after_commit(2, "/v1/enrollments/import", LostAnswer::Dropped);
    };
    let report = run_armed(&stage, lms, arm, RunOptions::at(stage.now()).forced()).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert!(
        report
            .summary
            .entity(rostersync_core::Entity::Enrollment)
            .remove
            > 0
    );
    assert!(stage.sgy.faults().injected() > 0);
    let own = [stage.sgy.admin_uid(), stage.sgy.non_admin_uid()];
    let (actual, _) = keyed(&stage.sgy.state(), &own);
    assert_same(&actual, &stage.expected().await, "the drops were made once");
    // The links no longer claim the removed enrollments: a later run
    // plans nothing more.
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let later = RunOptions::at(stage.now() + chrono::Duration::minutes(5));
    let again = run_armed(&stage, lms, || {}, later).await;
    assert!(again.summary.writes_nothing(), "{:#?}", again.summary);
}

/// Section creates under courses that exist (a first sync nests the
/// sections of the courses it creates in the course writes, so the courses
/// are synced first) are applied, then answered with `answer` instead.
async fn lost_section_answers(answer: LostAnswer) {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let courses = stage
        .engine_on(Arc::new(lms))
        .await
        .run(
            SyncScope::Courses,
            Trigger::Manual,
            RunOptions::at(stage.now()),
        )
        .await
        .unwrap();
    assert_eq!(courses.status, RunStatus::Succeeded);
    let lms = adapter(&stage, RateLimit::new(1_000, Duration::from_secs(1)));
    let faults = stage.sgy.faults().clone();
    let arm = move || faults.lose_answers_after_commit(2, "/sections", answer);
    let later = RunOptions::at(stage.now() + chrono::Duration::minutes(5));
    let report = run_armed(&stage, lms, arm, later).await;
    assert_exact(&stage, &report).await;
    assert_eq!(stage.sgy.faults().injected(), 2, "both answers were lost");
    assert!(
        stage
            .sgy
            .counters()
            .requests_to("POST", "courses/{id}/sections")
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_after_a_section_create_was_applied_is_resolved_in_the_same_run() {
    lost_section_answers(LostAnswer::Status(503)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_section_create_whose_answer_was_lost_is_resolved_in_the_same_run() {
    lost_section_answers(LostAnswer::Dropped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_after_a_grading_period_create_was_applied_is_resolved_in_the_first_run() {
    lost_answers("/v1/gradingperiods", LostAnswer::Status(503)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grading_period_create_whose_answer_was_lost_is_resolved_in_the_first_run() {
    lost_answers("/v1/gradingperiods", LostAnswer::Dropped).await;
}
