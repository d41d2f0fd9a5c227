//! The seams of rostersync: async traits between the engine and the outside
//! world, and `PortError`, the one error every seam returns; and [`export`],
//! the CSV and JSON of what any state store keeps of runs.
//!
//! A new SIS adapter depends on this crate and `rostersync-core` only.
//! Every trait states its contract in its docs: what `apply` may assume on a
//! retry, what order outcomes come in, what counts as a per-record problem.

#![forbid(unsafe_code)]

#[cfg(feature = "test-util")]
pub mod conformance;
mod error;
pub mod export;
mod grades;
mod lms;
mod sis;
mod store;

pub use error::{ErrorKind, PortError, PortResult};
pub use grades::{GradeSink, GradeSource};
pub use lms::{
    ActingUser, CallMemory, CourseWrite, LmsCallStats, LmsDirectory, LmsOutcome, LmsRequest,
    LmsTarget, LmsWrite, NestedSection, SectionWrite, WriteOutcome, WriteResult, WriteWarning,
};
pub use sis::{
    ProblemGroup, ProblemKind, RecordKind, SisRead, SisRequest, SisSource, SourceProblem,
    group_problems,
};
pub use store::{
    Job, JournalEntry, KeptShadow, Lease, LockAttempt, OutcomeFilter, OutcomeStatus, RecordOutcome,
    RunId, RunRecord, RunSourceProblem, RunStatus, SourceFilter, SourceSummary, StateStore,
    Trigger,
};
