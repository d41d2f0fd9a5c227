//! The sync lock: a second run is refused while a live holder has it; the lock of a holder
//! of this host that is gone is taken over at once; an abandoned run frees it.

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

use crate::support::{World, killed_run, options};

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

/// An engine over `world` whose LMS holds its first write until the gate opens.
fn gated(world: &World, options: rostersync_engine::EngineOptions) -> (Arc<GatedLms>, Engine) {
    let gated = Arc::new(GatedLms {
        inner: world.lms.clone(),
        gated: AtomicBool::new(false),
        entered: Notify::new(),
        gate: Notify::new(),
    });
    let engine = Engine::new(
        world.sis.clone(),
        gated.clone(),
        world.store.clone(),
        world.mapping.clone(),
        chrono_tz::America::Chicago,
        options,
    );
    (gated, engine)
}

#[tokio::test]
async fn a_second_overlapping_run_is_refused_while_the_first_holds_the_lock() {
    let world = World::tiny();
    let now = world.now();
    let (gated, first_engine) = gated(&world, options());
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
        // What to do instead names a command that exists.
        assert!(
            error.to_string().contains("with `rostersync sync ")
                && error.to_string().contains(" --queue`"),
            "{error}"
        );
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

/// This host's name as the engine writes it into holder names.
fn this_host() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    Some(name.trim().to_owned())
}

/// A process id no process can have: Linux hands out ids below `pid_max`.
fn unused_pid() -> Option<u32> {
    let max = std::fs::read_to_string("/proc/sys/kernel/pid_max").ok()?;
    max.trim().parse().ok()
}

fn holder_name(pid: u32, host: &str) -> String {
    format!("process {pid} on host {host} engine 1 (all sync since 2026-11-30T09:00:00Z)")
}

#[tokio::test]
async fn the_lock_of_a_process_of_this_host_that_is_gone_is_taken_over_at_once() {
    let (Some(host), Some(pid)) = (this_host(), unused_pid()) else {
        panic!("these tests need /proc (Linux)");
    };
    let world = World::tiny();
    let now = world.now();
    // A run killed before its first batch: running, no journal entry.
    let killed = world
        .store
        .start_run(&killed_run(now - chrono::Duration::minutes(1)))
        .await
        .unwrap();
    let dead = holder_name(pid, &host);
    assert!(
        world
            .store
            .try_lock(SyncScope::All, &dead, now, chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_taken()
    );

    let report = world
        .engine
        .run(SyncScope::Users, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded);
    let said = report.notes.join("\n");
    assert!(
        said.contains(&format!(
            "took over the all sync lock of process {pid} on host {host}, which no longer runs"
        )),
        "{said}"
    );
    let runs = world.store.runs(10).await.unwrap();
    let closed = runs.iter().find(|run| run.id == killed).unwrap();
    assert_eq!(closed.status, RunStatus::Interrupted);
    assert_eq!(
        closed.message.as_deref(),
        Some(
            format!(
                "interrupted before it finished; run {} closed it",
                report.run.unwrap()
            )
            .as_str()
        )
    );
    assert!(world.store.leases().is_empty());
}

#[tokio::test]
async fn a_live_holder_and_a_holder_on_another_host_keep_their_lock() {
    let (Some(host), Some(pid)) = (this_host(), unused_pid()) else {
        panic!("these tests need /proc (Linux)");
    };
    for (holder, by) in [
        // This very process: alive.
        (
            holder_name(std::process::id(), &host),
            format!("process {} on host {host}", std::process::id()),
        ),
        // Another host cannot be seen from here: its lease is respected.
        (
            holder_name(pid, "another-host"),
            format!("process {pid} on host another-host"),
        ),
    ] {
        let world = World::tiny();
        let now = world.now();
        let lease = world
            .store
            .try_lock(SyncScope::All, &holder, now, chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert!(lease.is_taken());
        let error = world
            .engine
            .run(SyncScope::Users, Trigger::Manual, RunOptions::at(now))
            .await
            .unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(error, EngineError::AlreadyRunning { .. }) && text.contains(&by),
            "{text}"
        );
        assert_eq!(world.store.leases().len(), 1);
    }
}

#[tokio::test]
async fn abandoning_the_run_in_hand_marks_it_interrupted_and_frees_the_lock() {
    let world = World::tiny();
    let now = world.now();
    let (gated, engine) = gated(&world, options());
    // The work stops while its first write waits: the future is dropped.
    tokio::select! {
        _ = engine.run(SyncScope::All, Trigger::Manual, RunOptions::at(now)) => {
            panic!("the gated run cannot finish");
        }
        () = gated.entered.notified() => {}
    }
    assert_eq!(world.store.leases().len(), 1);
    let run = engine.abandon(now).await.unwrap().expect("a recorded run");
    let runs = world.store.runs(10).await.unwrap();
    assert_eq!(runs[0].id, run);
    assert_eq!(runs[0].status, RunStatus::Interrupted);
    assert!(
        runs[0]
            .message
            .as_deref()
            .unwrap()
            .contains("stopped by a signal")
    );
    assert!(world.store.leases().is_empty());
    // Nothing is left to abandon, and the next run starts at once and
    // resumes the open batch.
    assert_eq!(engine.abandon(now).await.unwrap(), None);
    let next = World::engine_over(&world.mapping, &world.sis, &world.lms, &world.store)
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await
        .unwrap();
    assert_eq!(next.status, RunStatus::Succeeded);
    assert_eq!(next.resumed_batches, 1);
}

#[tokio::test(start_paused = true)]
async fn a_heartbeat_renews_the_lease_while_the_run_waits_between_writes() {
    let world = World::tiny();
    let now = world.now();
    // The run's clock: the test moves it.
    let elapsed = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let clock_elapsed = elapsed.clone();
    let (gated, engine) = gated(
        &world,
        rostersync_engine::EngineOptions {
            lease: chrono::Duration::minutes(5),
            ..options()
        },
    );
    let engine = engine.with_clock(Arc::new(move || {
        now + chrono::Duration::seconds(clock_elapsed.load(Ordering::SeqCst))
    }));
    let watch = async {
        gated.entered.notified().await;
        let taken = world.store.leases()[0].expires_at;
        // Four minutes pass while the first write waits; the heartbeat
        // (every minute of a five-minute lease) renews from then.
        elapsed.store(240, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_secs(61)).await;
        let renewed = world.store.leases()[0].expires_at;
        gated.gate.notify_one();
        (taken, renewed)
    };
    let (report, (taken, renewed)) = tokio::join!(
        engine.run(SyncScope::All, Trigger::Manual, RunOptions::at(now)),
        watch
    );
    assert_eq!(report.unwrap().status, RunStatus::Succeeded);
    assert_eq!(taken, now + chrono::Duration::minutes(5));
    assert_eq!(renewed, now + chrono::Duration::minutes(9));
    assert!(world.store.leases().is_empty());
}
