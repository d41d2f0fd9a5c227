//! The LMS adapter's memory of its calls goes through the store from one
//! run to the next: recalled before the run's first LMS call and kept after
//! its last one, also when the run is refused.

#![allow(clippy::unwrap_used)]
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_engine::fakes::FakeLms;
use rostersync_engine::{CALL_MEMORY, Engine, EngineError, RunOptions};
use rostersync_ports::{
    ActingUser, CallMemory, LmsDirectory, LmsOutcome, LmsRequest, LmsTarget, LmsWrite, PortResult,
    StateStore, Trigger,
};

use crate::support::{World, options, teacher};

/// An LMS that remembers its calls as a made-up memory naming how many it
/// answered, and writes down what it was told and when.
struct RememberingLms {
    inner: Arc<FakeLms>,
    events: Mutex<Vec<String>>,
}

impl RememberingLms {
    fn note(&self, event: impl Into<String>) {
        self.events.lock().unwrap().push(event.into());
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    fn calls(&self) -> usize {
        self.events()
            .iter()
            .filter(|event| !event.starts_with("recalled"))
            .count()
    }
}

#[async_trait]
impl LmsTarget for RememberingLms {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        self.note("acting user");
        self.inner.acting_user().await
    }
    async fn directory(&self) -> PortResult<LmsDirectory> {
        self.note("directory");
        self.inner.directory().await
    }
    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        self.note("snapshot");
        self.inner.snapshot(request).await
    }
    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        self.note("apply");
        self.inner.apply(write).await
    }
    fn call_memory(&self) -> Option<CallMemory> {
        Some(memory("this run", self.calls()))
    }
    fn recall_calls(&self, memory: &CallMemory) {
        self.note(format!("recalled {}", memory.origin));
    }
}

fn memory(origin: &str, calls: usize) -> CallMemory {
    CallMemory {
        origin: origin.to_owned(),
        calls: Vec::new(),
        pace_per_second: calls as f64,
        ceiling_per_second: 10.0,
        paused_until: None,
    }
}

fn engine(world: &World, lms: &Arc<RememberingLms>) -> Engine {
    Engine::new(
        world.sis.clone(),
        lms.clone(),
        world.store.clone(),
        world.mapping.clone(),
        chrono_tz::America::Chicago,
        options(),
    )
}

async fn kept(world: &World) -> Option<CallMemory> {
    let text = world.store.setting(CALL_MEMORY).await.unwrap()?;
    Some(serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn a_run_recalls_the_last_runs_calls_first_and_keeps_its_own_for_the_next() {
    let world = World::tiny();
    let lms = Arc::new(RememberingLms {
        inner: world.lms.clone(),
        events: Mutex::new(Vec::new()),
    });
    // Nothing kept yet: nothing recalled, and the run keeps its memory.
    let first = engine(&world, &lms);
    first
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap();
    assert!(!lms.events().iter().any(|e| e.starts_with("recalled")));
    let calls = lms.calls();
    assert!(calls > 3, "{:?}", lms.events());
    assert_eq!(kept(&world).await, Some(memory("this run", calls)));
    assert!(world.store.leases().is_empty());

    // Another worker's memory in the store is recalled before any call.
    world
        .store
        .save_setting(
            CALL_MEMORY,
            &serde_json::to_string(&memory("another worker", 7)).unwrap(),
        )
        .await
        .unwrap();
    lms.events.lock().unwrap().clear();
    first
        .run(
            SyncScope::Users,
            Trigger::Manual,
            RunOptions::at(world.now()),
        )
        .await
        .unwrap();
    let events = lms.events();
    assert_eq!(events[0], "recalled another worker", "{events:?}");
    assert_eq!(kept(&world).await, Some(memory("this run", lms.calls())));
}

#[tokio::test]
async fn a_refused_run_keeps_the_calls_it_made_and_an_unreadable_memory_is_passed_over() {
    let world = World::tiny();
    world.lms.set_acting_user(teacher("Teacher"));
    world
        .store
        .save_setting(CALL_MEMORY, "{not json")
        .await
        .unwrap();
    let lms = Arc::new(RememberingLms {
        inner: world.lms.clone(),
        events: Mutex::new(Vec::new()),
    });
    let error = engine(&world, &lms)
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(world.now()))
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::NotAdmin { .. }), "{error}");
    assert_eq!(lms.events(), ["acting user"]);
    assert_eq!(kept(&world).await, Some(memory("this run", 1)));
}
