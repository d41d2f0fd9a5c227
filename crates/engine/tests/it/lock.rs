//! Two runs on one store: the second is refused while the first holds the lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_engine::fakes::FakeLms;
use rostersync_engine::{Engine, EngineError, RunOptions};
use rostersync_ports::{
    ActingUser, LmsDirectory, LmsOutcome, LmsRequest, LmsTarget, LmsWrite, PortResult, RunStatus,
    StateStore, Trigger,
};
use tokio::sync::Notify;

use crate::support::{World, options};

/// An LMS whose first write waits until the test opens the gate.
struct GatedLms {
    inner: Arc<FakeLms>,
    gated: AtomicBool,
    entered: Notify,
    gate: Notify,
}

#[async_trait]
impl LmsTarget for GatedLms {
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
        if !self.gated.swap(true, Ordering::SeqCst) {
            self.entered.notify_one();
            self.gate.notified().await;
        }
        self.inner.apply(write).await
    }
}

#[tokio::test]
async fn a_second_overlapping_run_is_refused_while_the_first_holds_the_lock() {
    let world = World::tiny();
    let now = world.now();
    let gated = Arc::new(GatedLms {
        inner: world.lms.clone(),
        gated: AtomicBool::new(false),
        entered: Notify::new(),
        gate: Notify::new(),
    });
    let first_engine = Engine::new(
        world.sis.clone(),
        gated.clone(),
        world.store.clone(),
        world.mapping.clone(),
        chrono_tz::America::Chicago,
        options(),
    );
    let second_engine = World::engine_over(&world.mapping, &world.sis, &world.lms, &world.store);
    let first = first_engine.run(SyncScope::All, Trigger::Manual, RunOptions::at(now));
    let second = async {
        gated.entered.notified().await;
        let users = second_engine
            .run(SyncScope::Users, Trigger::Manual, RunOptions::at(now))
            .await;
        // A non-overlapping scope would not be blocked by a users run, but
        // `All` overlaps everything.
        let courses = second_engine
            .run(SyncScope::Courses, Trigger::Manual, RunOptions::at(now))
            .await;
        gated.gate.notify_one();
        (users, courses)
    };
    let (first, (users, courses)) = tokio::join!(first, second);
    let first = first.unwrap();
    assert_eq!(first.status, RunStatus::Succeeded);
    for refused in [users, courses] {
        let error = refused.unwrap_err();
        let EngineError::AlreadyRunning { holder, .. } = &error else {
            panic!("expected a lock refusal, got {error}");
        };
        assert!(
            holder.contains(&format!("run {}", first.run.unwrap())),
            "{holder}"
        );
        assert!(error.to_string().contains("holds the sync lock"));
    }
    // Only the first run is recorded, and the lock is free again.
    assert_eq!(world.store.runs(10).await.unwrap().len(), 1);
    assert!(world.store.leases().is_empty());
    let after = second_engine
        .run(SyncScope::Users, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(after.status, RunStatus::Succeeded);
}

#[tokio::test]
async fn non_overlapping_scopes_do_not_block_each_other() {
    let world = World::tiny();
    let now = world.now();
    let held = world
        .store
        .try_lock(
            SyncScope::Users,
            "another process",
            now,
            chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    assert!(held.is_taken());
    let courses = world
        .engine
        .run(SyncScope::Courses, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(courses.status, RunStatus::Succeeded);
    let sections = world
        .engine
        .run(SyncScope::Sections, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(sections.status, RunStatus::Succeeded);
    let all = world
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap_err();
    assert!(
        matches!(&all, EngineError::AlreadyRunning { holder, .. } if holder.contains("another")),
        "{all}"
    );
}

/// An LMS that yields inside every write, tracks how many writes are in
/// flight, and checks that each is journaled before it arrives.
struct CountingLms {
    inner: Arc<FakeLms>,
    store: Arc<rostersync_engine::fakes::MemStore>,
    in_flight: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    unjournaled: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl LmsTarget for CountingLms {
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
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let open = self.store.journal_entries();
        let kind = serde_json::to_value(write).map(|value| value["kind"].clone());
        let journaled = open.iter().any(|(_, _, text)| {
            let entry = serde_json::from_str::<serde_json::Value>(text);
            matches!((&entry, &kind), (Ok(entry), Ok(kind)) if entry["write"]["kind"] == *kind)
        });
        if !journaled {
            self.unjournaled.fetch_add(1, Ordering::SeqCst);
        }
        tokio::task::yield_now().await;
        let result = self.inner.apply(write).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

#[tokio::test]
async fn batches_are_journaled_and_several_are_in_flight_within_a_phase() {
    let world = World::tiny();
    let counting = Arc::new(CountingLms {
        inner: world.lms.clone(),
        store: world.store.clone(),
        in_flight: Default::default(),
        most: Default::default(),
        unjournaled: Default::default(),
    });
    let engine = Engine::new(
        world.sis.clone(),
        counting.clone(),
        world.store.clone(),
        world.mapping.clone(),
        chrono_tz::America::Chicago,
        rostersync_engine::EngineOptions {
            concurrency: 3,
            ..rostersync_engine::EngineOptions::default()
        },
    );
    let report = engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(counting.most.load(Ordering::SeqCst), 3);
    assert_eq!(counting.unjournaled.load(Ordering::SeqCst), 0);
    assert!(world.store.journal_entries().is_empty());
    let sizes = world.lms.batch_sizes();
    assert!(sizes.iter().all(|&n| n <= rostersync_engine::MAX_BATCH));
    assert!(sizes.contains(&rostersync_engine::MAX_BATCH), "{sizes:?}");
}
