//! The rostersync sync engine: runs syncs between a SIS and an LMS through the
//! ports only, keeping links, runs, outcomes, the queue and the lock in a
//! [`StateStore`](rostersync_ports::StateStore).
//!
//! [`Engine::run`] drives one sync: it checks that the LMS acting user is a
//! System Administrator before reading any people data, takes the store's
//! lock for the scope, resolves journal entries left by an interrupted run,
//! snapshots both sides for the selected buildings, plans with
//! [`rostersync_core::plan::plan`], checks the safety thresholds, and then
//! either renders the plan (dry run) or applies it in dependency order
//! (grading periods, users, courses, sections, enrollments, guardian links)
//! in batches of at most 50 with several batches in flight. Every batch is
//! journaled before it is sent; every record gets an outcome; one failed
//! record never fails the run.
//!
//! With the `test-util` feature, the `fakes` module holds in-memory fakes of the ports
//! (a SIS, an LMS that counts and can fail writes, and a state store).

#![forbid(unsafe_code)]

mod apply;
mod call_memory;
mod engine;
mod error;
mod first_updates;
mod grades;
mod holder;
mod journal;
mod lock;
mod phases;
mod prep;
mod progress;
mod queue;
mod repair;
mod report;
mod shadow;

#[cfg(any(test, feature = "test-util"))]
pub mod fakes;

pub use call_memory::{CALL_MEMORY, keep_lms_calls, recall_lms_calls};
pub use engine::{Clock, Engine};
pub use error::EngineError;
pub use grades::{GradeOptions, GradeReport, Requester, written_setting};
pub use prep::{PrepOutcome, PrepRead};
pub use progress::{NoProgress, Progress, Stage};
pub use queue::{MAX_JOB_ATTEMPTS, NextJob, Tick};
pub use report::{EngineOptions, LmsCalls, MAX_BATCH, RunOptions, RunReport};
pub use shadow::{DriftCadence, DriftCheck, LAST_DRIFT_CHECK, LmsRead, MAX_AGE_DAYS};
