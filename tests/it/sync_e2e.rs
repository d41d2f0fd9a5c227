//! End to end: the engine with the real eSchoolPLUS and Schoology clients
//! and the SQLite store, against both simulators over loopback HTTP.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone as _, Utc};
use rostersync_core::LmsSnapshot;
use rostersync_core::mapping::TermTarget;
use rostersync_core::plan::{IdSource, plan, simulate_apply};
use rostersync_core::{Entity, Links, MappingConfig, PlanInput, SyncScope};
use rostersync_engine::{Engine, EngineError, EngineOptions, RunOptions};
use rostersync_eschoolplus::{Credentials as EspCredentials, EspAdapter, Options, Password};
use rostersync_ports::{
    ActingUser, LmsDirectory, LmsOutcome, LmsRequest, LmsTarget, LmsWrite, PortResult, RunStatus,
    SisRequest, SisSource, StateStore, Trigger,
};
use rostersync_schoology::{
    AdapterConfig, Client, Credentials, RateLimit, RetryPolicy, SchoologyLms,
};
use rostersync_sim::district::{District, DistrictSize, generate, lms_snapshot_empty};
use rostersync_sim::eschoolplus::{EspSim, RunningEsp};
use rostersync_sim::schoology::{RunningSchoology, SchoologySim, State};
use rostersync_store::SqliteStore;

/// Both simulators, the store file and what the engine needs.
pub(crate) struct Stage {
    pub(crate) district: District,
    pub(crate) esp: RunningEsp,
    pub(crate) sgy: RunningSchoology,
    pub(crate) store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

fn noon(district: &District) -> DateTime<Utc> {
    Utc.from_utc_datetime(&district.as_of.and_time(NaiveTime::MIN)) + chrono::Duration::hours(17)
}

pub(crate) async fn stage(district: District) -> Stage {
    stage_limited(
        district,
        rostersync_sim::schoology::RateLimit {
            quota: 100_000,
            ..Default::default()
        },
    )
    .await
}

/// Both simulators, the Schoology one with the rate limit `limit`.
pub(crate) async fn stage_limited(
    district: District,
    limit: rostersync_sim::schoology::RateLimit,
) -> Stage {
    let esp = EspSim::builder().district(&district).start().await.unwrap();
    let sgy = SchoologySim::builder()
        .directory(&district.lms_directory)
        .rate_limit(limit)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("state.sqlite")).unwrap());
    Stage {
        district,
        esp,
        sgy,
        store,
        _dir: dir,
    }
}

pub(crate) fn sis(esp: &RunningEsp, password: &str) -> EspAdapter {
    EspAdapter::new(
        EspCredentials {
            domain: esp.url(),
            site_code: esp.site_code().to_owned(),
            login_name: esp.login_name().to_owned(),
            password: Password::new(password),
        },
        Options::for_date(chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap())
            .with_polling(Duration::from_millis(1), 200),
    )
}

pub(crate) fn lms(sgy: &RunningSchoology, admin: bool) -> SchoologyLms {
    let credentials = if admin {
        sgy.admin_credentials()
    } else {
        sgy.non_admin_credentials()
    };
    lms_with(
        sgy,
        credentials,
        RateLimit::new(100_000, Duration::from_secs(1)),
        RetryPolicy::fast(),
    )
}

/// The adapter over `sgy` with `credentials`, told the rate limit `limit`.
pub(crate) fn lms_with(
    sgy: &RunningSchoology,
    credentials: &rostersync_sim::schoology::Credentials,
    limit: RateLimit,
    retry: RetryPolicy,
) -> SchoologyLms {
    let client = Client::builder(Credentials::new(
        credentials.key.clone(),
        credentials.secret.clone(),
    ))
    .base_url(sgy.url())
    .retry(retry)
    .rate_limit(limit)
    .build()
    .unwrap();
    SchoologyLms::new(
        client,
        AdapterConfig {
            school_id: Some(sgy.school_id()),
            ..AdapterConfig::default()
        },
    )
}

impl Stage {
    /// The generated mapping, with every term the SIS reads set to create a grading period.
    pub(crate) async fn mapping(&self) -> MappingConfig {
        let terms = sis(&self.esp, self.esp.password())
            .terms(self.district.school_year)
            .await
            .unwrap();
        let mut spec = self.district.mapping.clone();
        spec.terms = terms
            .into_iter()
            .map(|term| (term.key, TermTarget::Create))
            .collect();
        MappingConfig::new(spec).unwrap()
    }

    pub(crate) async fn engine(&self, admin: bool) -> Engine {
        self.engine_on(Arc::new(lms(&self.sgy, admin))).await
    }

    /// The engine over `lms`, with the default options.
    pub(crate) async fn engine_on(&self, lms: Arc<dyn LmsTarget>) -> Engine {
        self.engine_with(lms, EngineOptions::default()).await
    }

    /// The engine over `lms` with `options`, reading the district's year.
    pub(crate) async fn engine_with(
        &self,
        lms: Arc<dyn LmsTarget>,
        options: EngineOptions,
    ) -> Engine {
        Engine::new(
            Arc::new(sis(&self.esp, self.esp.password())),
            lms,
            self.store.clone(),
            self.mapping().await,
            chrono_tz::America::Chicago,
            EngineOptions {
                school_year: Some(self.district.school_year),
                ..options
            },
        )
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        noon(&self.district)
    }

    /// The same LMS and store the next day: the SIS served anew with a
    /// day of changes (adds, drops, renames, moves).
    pub(crate) async fn next_day(self) -> (Stage, rostersync_sim::district::DayChanges) {
        let mut district = self.district;
        let next = district.as_of.succ_opt().unwrap();
        let changes = district.advance(4, next);
        let esp = EspSim::builder().district(&district).start().await.unwrap();
        let stage = Stage {
            district,
            esp,
            sgy: self.sgy,
            store: self.store,
            _dir: self._dir,
        };
        (stage, changes)
    }

    /// What the LMS should hold after one faithful sync of what the SIS serves.
    pub(crate) async fn expected(&self) -> Keyed {
        let lms = self.expected_lms().await;
        let user_key = |id: &str| {
            lms.users
                .iter()
                .find(|u| u.id.as_str() == id)
                .and_then(|u| u.unique_id.as_deref().map(str::to_owned))
                .unwrap_or_default()
        };
        let section_key = |id: &str| {
            lms.sections
                .iter()
                .find(|s| s.id.as_str() == id)
                .and_then(|s| s.unique_code.clone())
                .unwrap_or_default()
        };
        Keyed {
            users: lms
                .users
                .iter()
                .filter_map(|u| u.unique_id.as_deref().map(str::to_owned))
                .collect(),
            courses: lms.courses.iter().map(|c| c.code.clone()).collect(),
            sections: lms
                .sections
                .iter()
                .filter_map(|s| s.unique_code.clone())
                .collect(),
            enrollments: lms
                .enrollments
                .iter()
                .map(|e| {
                    (
                        section_key(e.section.as_str()),
                        user_key(e.user.as_str()),
                        e.admin,
                    )
                })
                .collect(),
        }
    }

    /// The LMS one faithful sync of what the SIS serves should leave, as the
    /// core's own simulation of the plan builds it.
    pub(crate) async fn expected_lms(&self) -> LmsSnapshot {
        let mapping = self.mapping().await;
        let read = sis(&self.esp, self.esp.password())
            .snapshot(&SisRequest {
                schools: mapping.selection().users.clone(),
                school_year: self.district.school_year,
            })
            .await
            .unwrap();
        let mut lms = lms_snapshot_empty(&self.district);
        let mut links = Links::default();
        let planned = plan(&PlanInput {
            sis: &read.snapshot,
            lms: &lms,
            links: &links,
            mapping: &mapping,
            scope: SyncScope::All,
            today: self.district.as_of,
        });
        simulate_apply(&planned, &mut lms, &mut links, &mut IdSource::default());
        lms
    }
}

/// Records by SIS keys; vectors keep duplicates, so a duplicate shows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Keyed {
    users: BTreeSet<String>,
    courses: BTreeSet<String>,
    sections: BTreeSet<String>,
    enrollments: BTreeSet<(String, String, bool)>,
}

/// Panics with only the differences, which a full dump would bury.
pub(crate) fn assert_same(actual: &Keyed, expected: &Keyed, what: &str) {
    fn diff<T: Ord + std::fmt::Debug>(
        name: &str,
        a: &BTreeSet<T>,
        e: &BTreeSet<T>,
    ) -> Option<String> {
        let extra: Vec<&T> = a.difference(e).collect();
        let missing: Vec<&T> = e.difference(a).collect();
        (!extra.is_empty() || !missing.is_empty())
            .then(|| format!("{name}: extra {extra:?}, missing {missing:?}"))
    }
    let problems: Vec<String> = [
        diff("users", &actual.users, &expected.users),
        diff("courses", &actual.courses, &expected.courses),
        diff("sections", &actual.sections, &expected.sections),
        diff("enrollments", &actual.enrollments, &expected.enrollments),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
}

/// The simulator's own accounts (the API keys' users) are not roster records.
pub(crate) fn keyed(state: &State, own: &[u64]) -> (Keyed, usize) {
    let state = State {
        users: state
            .users
            .iter()
            .filter(|u| !own.contains(&u.id))
            .cloned()
            .collect(),
        ..state.clone()
    };
    let state = &state;
    let user_key = |id: u64| {
        state
            .users
            .iter()
            .find(|u| u.id == id)
            .and_then(|u| u.school_uid.clone())
            .unwrap_or_default()
    };
    let section_key = |id: u64| {
        state
            .sections
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.section_school_code.clone())
            .unwrap_or_default()
    };
    let users: Vec<String> = state
        .users
        .iter()
        .filter_map(|u| u.school_uid.clone())
        .collect();
    let keyed = Keyed {
        users: users.iter().cloned().collect(),
        courses: state
            .courses
            .iter()
            .map(|c| c.course_code.clone())
            .collect(),
        sections: state
            .sections
            .iter()
            .filter_map(|s| s.section_school_code.clone())
            .collect(),
        enrollments: state
            .enrollments
            .iter()
            .filter(|e| e.status == 1)
            .map(|e| (section_key(e.section_id), user_key(e.uid), e.admin))
            .collect(),
    };
    let duplicates = users.len() - keyed.users.len();
    (keyed, duplicates)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_syncs_exactly_and_a_second_run_writes_nothing() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let engine = stage.engine(true).await;

    let dry = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(stage.now()).dry(),
        )
        .await
        .unwrap();
    assert_eq!(dry.status, RunStatus::DryRun);
    assert_eq!(stage.sgy.counters().writes, 0, "a dry run writes nothing");
    assert!(
        dry.plan.as_ref().is_some_and(|plan| !plan.users.is_empty()),
        "the dry run returns the plan"
    );

    let first = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap();
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    assert_eq!(first.status, RunStatus::Succeeded);
    let (actual, duplicates) = keyed(
        &stage.sgy.state(),
        &[stage.sgy.admin_uid(), stage.sgy.non_admin_uid()],
    );
    assert_eq!(duplicates, 0);
    assert_same(
        &actual,
        &stage.expected().await,
        "the LMS holds exactly the planned records",
    );
    assert!(!actual.enrollments.is_empty());

    let writes = stage.sgy.counters().writes;
    let second = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(stage.now() + chrono::Duration::minutes(5)),
        )
        .await
        .unwrap();
    assert!(second.summary.writes_nothing(), "{:#?}", second.summary);
    assert_eq!(
        stage.sgy.counters().writes,
        writes,
        "the second run writes nothing"
    );
    // The two syncs; the dry run is not recorded.
    let runs = stage.store.runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!((first.run, second.run), (Some(1), Some(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_admin_key_is_refused_before_any_read() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let engine = stage.engine(false).await;
    let logons = stage.esp.counters().logons;
    let refused = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap_err();
    assert!(matches!(refused, EngineError::NotAdmin { .. }), "{refused}");
    assert_eq!(
        stage.esp.counters().logons,
        logons,
        "no SIS read after the refusal"
    );
    assert_eq!(stage.sgy.counters().writes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_lost_30_percent_of_its_students_trips_the_threshold() {
    let district = generate(DistrictSize::Tiny, 5, 2026);
    let stage = stage(district.clone()).await;
    stage
        .engine(true)
        .await
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap();
    let writes = stage.sgy.counters().writes;

    // The next export lost 30 % of the students (and so their enrollments).
    let mut thin = district.clone();
    let students: Vec<String> = thin
        .sis
        .people
        .iter()
        .filter(|p| p.key.as_str().starts_with('S'))
        .map(|p| p.key.to_string())
        .collect();
    let lost: BTreeSet<String> = students
        .iter()
        .take(students.len() * 3 / 10)
        .cloned()
        .collect();
    thin.sis.people.retain(|p| !lost.contains(p.key.as_str()));
    thin.sis
        .enrollments
        .retain(|e| !lost.contains(e.person.as_str()));
    thin.sis
        .guardian_links
        .retain(|l| !lost.contains(l.student.as_str()));
    let esp = EspSim::builder().district(&thin).start().await.unwrap();
    let engine = Engine::new(
        Arc::new(sis(&esp, esp.password())),
        Arc::new(lms(&stage.sgy, true)),
        stage.store.clone(),
        stage.mapping().await,
        chrono_tz::America::Chicago,
        EngineOptions {
            school_year: Some(stage.district.school_year),
            ..EngineOptions::default()
        },
    );
    let stopped = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(stage.now() + chrono::Duration::hours(1)),
        )
        .await
        .unwrap_err();
    let EngineError::ThresholdExceeded { report } = stopped else {
        panic!("expected the threshold to stop the run");
    };
    assert_eq!(report.status, RunStatus::StoppedByThreshold);
    assert!(
        report
            .breaches
            .iter()
            .any(|b| b.entity == Entity::Enrollment),
        "{:?}",
        report.breaches
    );
    assert_eq!(stage.sgy.counters().writes, writes, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_day_produces_exactly_its_adds_drops_renames_and_moves() {
    let stage = stage(generate(DistrictSize::Tiny, 8, 2026)).await;
    stage
        .engine(true)
        .await
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now()))
        .await
        .unwrap();

    let (next_stage, changes) = stage.next_day().await;
    let engine = next_stage.engine(true).await;
    let report = engine
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(next_stage.now()).forced(),
        )
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let users = report.summary.entity(Entity::User);
    assert_eq!(
        users.create,
        changes.added_people.len() as u64,
        "{changes:#?}"
    );
    let own = [next_stage.sgy.admin_uid(), next_stage.sgy.non_admin_uid()];
    let (actual, duplicates) = keyed(&next_stage.sgy.state(), &own);
    assert_eq!(duplicates, 0);
    assert_same(
        &actual,
        &next_stage.expected().await,
        "after the next day the LMS holds exactly the new roster",
    );
    for rename in &changes.renamed {
        let user = next_stage
            .sgy
            .state()
            .users
            .into_iter()
            .find(|u| u.school_uid.as_deref() == Some(rename.person.as_str()));
        if let Some(user) = user {
            assert_eq!(user.name_last, rename.new_last.trim(), "{}", rename.person);
        }
    }
}

/// An LMS that, after `pass` write batches, holds the next one forever and
/// says so: the test then drops the run, as a kill would.
struct Gate {
    inner: SchoologyLms,
    pass: std::sync::atomic::AtomicUsize,
    held: tokio::sync::Notify,
    release: tokio::sync::Notify,
    hold_forever: bool,
}

impl Gate {
    fn new(inner: SchoologyLms, pass: usize, hold_forever: bool) -> Arc<Gate> {
        Arc::new(Gate {
            inner,
            pass: std::sync::atomic::AtomicUsize::new(pass),
            held: tokio::sync::Notify::new(),
            release: tokio::sync::Notify::new(),
            hold_forever,
        })
    }
}

#[async_trait::async_trait]
impl LmsTarget for Gate {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        self.inner.acting_user().await
    }

    async fn directory(&self) -> PortResult<LmsDirectory> {
        self.inner.directory().await
    }

    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        self.inner.snapshot(request).await
    }

    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        let left = self.pass.load(std::sync::atomic::Ordering::SeqCst);
        if left == 0 {
            self.held.notify_one();
            if self.hold_forever {
                std::future::pending::<()>().await;
            }
            self.release.notified().await;
            // Released once: every later batch passes.
            self.pass
                .store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
        } else {
            self.pass
                .store(left - 1, std::sync::atomic::Ordering::SeqCst);
        }
        self.inner.apply(write).await
    }

    fn call_stats(&self) -> Option<rostersync_ports::LmsCallStats> {
        self.inner.call_stats()
    }
}

fn engine_with(
    stage: &Stage,
    lms: Arc<dyn LmsTarget>,
    store: Arc<dyn StateStore>,
    mapping: MappingConfig,
) -> Engine {
    let now = stage.now();
    Engine::new(
        Arc::new(sis(&stage.esp, stage.esp.password())),
        lms,
        store,
        mapping,
        chrono_tz::America::Chicago,
        EngineOptions {
            school_year: Some(stage.district.school_year),
            concurrency: 1,
            ..EngineOptions::default()
        },
    )
    // Lease renewals read the engine's clock: keep it on the district's day.
    .with_clock(Arc::new(move || now))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_halfway_is_finished_by_the_next_with_every_record_once() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let mapping = stage.mapping().await;
    let gate = Gate::new(lms(&stage.sgy, true), 4, true);
    let killed = engine_with(&stage, gate.clone(), stage.store.clone(), mapping.clone());
    tokio::select! {
        _ = killed.run(SyncScope::All, Trigger::Manual, RunOptions::at(stage.now())) => panic!("the run should have been held"),
        () = gate.held.notified() => {}
    }
    drop(killed);
    assert!(
        stage.sgy.counters().writes > 0,
        "the killed run wrote part of its work"
    );
    assert!(
        !stage.store.open_journal().await.unwrap().is_empty(),
        "the batch in flight stays journaled"
    );

    // The next run, after the killed run's lease lapsed.
    let next = engine_with(
        &stage,
        Arc::new(lms(&stage.sgy, true)),
        stage.store.clone(),
        mapping,
    );
    let report = next
        .run(
            SyncScope::All,
            Trigger::Manual,
            RunOptions::at(stage.now() + chrono::Duration::hours(3)),
        )
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let own = [stage.sgy.admin_uid(), stage.sgy.non_admin_uid()];
    let (actual, duplicates) = keyed(&stage.sgy.state(), &own);
    assert_eq!(duplicates, 0, "no record was created twice");
    assert_same(
        &actual,
        &stage.expected().await,
        "after the resume the LMS holds every record once",
    );
    assert!(stage.store.open_journal().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_started_at_once_on_one_store_do_not_overlap() {
    let stage = stage(generate(DistrictSize::Tiny, 5, 2026)).await;
    let mapping = stage.mapping().await;
    let gate = Gate::new(lms(&stage.sgy, true), 0, false);
    let first = engine_with(&stage, gate.clone(), stage.store.clone(), mapping.clone());
    // The second process opens the same store file.
    let second_store = Arc::new(SqliteStore::open(stage._dir.path().join("state.sqlite")).unwrap());
    let second = engine_with(
        &stage,
        Arc::new(lms(&stage.sgy, true)),
        second_store,
        mapping,
    );
    let now = stage.now();
    let (first_result, second_result) = tokio::join!(
        first.run(SyncScope::All, Trigger::Manual, RunOptions::at(now)),
        async {
            gate.held.notified().await;
            let result = second
                .run(SyncScope::Users, Trigger::Manual, RunOptions::at(now))
                .await;
            gate.release.notify_one();
            result
        }
    );
    let refused = second_result.unwrap_err();
    assert!(
        matches!(refused, EngineError::AlreadyRunning { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("holds the sync lock"),
        "{refused}"
    );
    let report = first_result.unwrap();
    assert_eq!(report.status, RunStatus::Succeeded);
}
