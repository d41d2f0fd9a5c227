//! The engine's options and what a run reports back.

use chrono::{DateTime, Duration, Utc};
use rostersync_core::SyncScope;
use rostersync_core::plan::{Plan, PlanDigest, PlanSummary};
use rostersync_core::threshold::Breach;
use rostersync_ports::{
    LmsCallStats, RecordOutcome, RunId, RunStatus, SourceProblem, SourceSummary, Trigger,
};
use serde::Serialize;

/// The most records the LMS takes in one bulk write.
pub const MAX_BATCH: usize = 50;

/// How the engine runs, fixed when it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// Records per LMS write batch, 1 to [`MAX_BATCH`] (default 50).
    pub batch_size: usize,
    /// Batches of one phase in flight at once (default 4); the LMS adapter's
    /// rate limiter sets the pace below that.
    pub concurrency: usize,
    /// How long a sync lock lasts unless renewed (default 5 minutes). A
    /// heartbeat renews it every fifth of that while the work runs, so a
    /// holder on another host that dies blocks nobody for longer; a holder on
    /// this host that is gone is taken over at once.
    pub lease: Duration,
    /// The school year to read, as its ending calendar year; `None` derives it
    /// from the run's local date (July onwards belongs to the next year).
    pub school_year: Option<i32>,
    /// Save the link changes after this many settled records (and at the
    /// end of each phase); journal entries stay open until their links are
    /// saved. The default saves after every full batch.
    pub link_flush_records: usize,
    /// When a scheduled sync reads the LMS in full to check for drift
    /// (weekly, on a weekday); other scheduled syncs plan against the shadow.
    pub drift: crate::shadow::DriftCadence,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            batch_size: MAX_BATCH,
            concurrency: 4,
            lease: Duration::minutes(5),
            school_year: None,
            link_flush_records: 50,
            drift: crate::shadow::DriftCadence::default(),
        }
    }
}

/// The options of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Plan and render, write nothing to the LMS or the links.
    pub dry_run: bool,
    /// Apply even when the plan exceeds a safety threshold (recorded as forced).
    pub force: bool,
    /// The instant the run starts; its local date in the district zone is "today".
    pub now: DateTime<Utc>,
    /// How to read the LMS: in full, or against the shadow kept of it.
    pub read: crate::shadow::LmsRead,
}

impl RunOptions {
    /// A normal run starting at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        RunOptions {
            dry_run: false,
            force: false,
            now,
            read: crate::shadow::LmsRead::Auto,
        }
    }

    /// The same options as a dry run.
    pub fn dry(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// The same options, overriding the thresholds.
    pub fn forced(mut self) -> Self {
        self.force = true;
        self
    }
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// The run's id in the store; `None` for a dry run, which is not
    /// recorded, so the ids of real runs follow each other.
    pub run: Option<RunId>,
    /// The object types covered.
    pub scope: SyncScope,
    /// What started it.
    pub trigger: Trigger,
    /// How it ended.
    pub status: RunStatus,
    /// Whether a threshold was overridden.
    pub forced: bool,
    /// The LMS acting user, "Name (id)".
    pub acting_user: String,
    /// The plan's counts.
    pub summary: PlanSummary,
    /// Records applied (or linked) successfully.
    pub done: u64,
    /// Records the LMS refused or that could not be sent, with reasons.
    pub failures: Vec<RecordOutcome>,
    /// Records with a warning, each also recorded as a `warning` outcome:
    /// the plan's notes, then records the LMS took with something left out
    /// (those are also counted in `done`). The summary counts them too.
    /// Empty for a dry run, whose warnings are the notes of its `plan`.
    pub warnings: Vec<RecordOutcome>,
    /// Records the plan left alone (each recorded as a skipped outcome,
    /// unless a dry run).
    pub skips: u64,
    /// The plan's skips and warnings grouped by reason, with counts and a
    /// few examples: the summary a report prints first.
    pub digest: PlanDigest,
    /// The thresholds the plan exceeds (forced or dry runs still list them).
    pub breaches: Vec<Breach>,
    /// What the SIS read found, in counts (kept with the run).
    pub source: SourceSummary,
    /// Records the SIS could not read or that it left out (absent from the
    /// plan), and warnings on records it read; kept with the run.
    pub source_problems: Vec<SourceProblem>,
    /// Write batches of interrupted runs that this run resolved before planning.
    pub resumed_batches: usize,
    /// Remarks an administrator should read (resumed work, missing ids).
    pub notes: Vec<String>,
    /// What the run's LMS calls came to: calls, refusals for the rate limit
    /// and the rate achieved (`None` when the adapter does not count them).
    pub lms_calls: Option<LmsCalls>,
    /// The plan itself, for a dry run (render it with
    /// [`rostersync_core::plan::render_text`], or serialize it).
    pub plan: Option<Box<Plan>>,
}

/// What one run's LMS calls came to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LmsCalls {
    /// Answers received, refusals for the rate limit included.
    pub calls: u64,
    /// Calls the LMS refused for its rate limit (HTTP 429); each was retried.
    pub rate_limited: u64,
    /// Seconds with at least one call under way or waiting for its turn.
    pub busy_seconds: f64,
    /// Calls per second while busy: the rate achieved.
    pub calls_per_second: f64,
    /// The configured limit, in calls per second.
    pub limit_per_second: f64,
    /// The achieved rate as a share of the configured limit (0 to 1; lower
    /// when the LMS allowed less than configured, or the run waited on the
    /// LMS rather than on the limit).
    pub share_of_limit: f64,
    /// The rate the adapter paced its calls at by the end of the run.
    pub pace_per_second: f64,
}

impl LmsCalls {
    /// The calls between two counts of the same adapter.
    pub fn between(before: &LmsCallStats, after: &LmsCallStats) -> Self {
        let calls = after.calls.saturating_sub(before.calls);
        let busy = after.busy.saturating_sub(before.busy).as_secs_f64();
        let calls_per_second = if busy > 0.0 { calls as f64 / busy } else { 0.0 };
        let share_of_limit = if after.limit_per_second > 0.0 {
            calls_per_second / after.limit_per_second
        } else {
            0.0
        };
        LmsCalls {
            calls,
            rate_limited: after.rate_limited.saturating_sub(before.rate_limited),
            busy_seconds: busy,
            calls_per_second,
            limit_per_second: after.limit_per_second,
            share_of_limit,
            pace_per_second: after.pace_per_second,
        }
    }
}

impl RunReport {
    /// The failed outcomes of one entity.
    pub fn failures_of(
        &self,
        entity: rostersync_core::Entity,
    ) -> impl Iterator<Item = &RecordOutcome> {
        self.failures.iter().filter(move |o| o.entity == entity)
    }

    /// Whether no record failed.
    pub fn is_clean(&self) -> bool {
        self.failures.is_empty()
    }
}
