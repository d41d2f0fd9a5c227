//! What a run reports while it goes, for a progress display: the stage it is
//! in, how many records its plan holds, and how many have settled.

use std::fmt;

/// A stage of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the SIS roster.
    ReadingSis,
    /// Reading the LMS roster.
    ReadingLms,
    /// Planning.
    Planning,
    /// Writing to the LMS.
    Writing,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::ReadingSis => "reading the SIS",
            Stage::ReadingLms => "reading the LMS",
            Stage::Planning => "planning",
            Stage::Writing => "writing to the LMS",
        })
    }
}

/// Receives a run's progress. Calls come from the task that runs the sync,
/// in order; an implementation must return quickly (it is on the run's path).
pub trait Progress: Send + Sync {
    /// The run entered `stage`.
    fn stage(&self, stage: Stage);
    /// The plan holds `records` records to settle (write, link or fail).
    fn planned(&self, records: u64);
    /// `records` more records settled.
    fn settled(&self, records: u64);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: Stage) {}
    fn planned(&self, _: u64) {}
    fn settled(&self, _: u64) {}
}
