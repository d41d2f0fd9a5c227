//! `StateStore`: everything that must survive a restart — links, runs,
//! per-record outcomes, schedule state, the job queue, the sync lock and the
//! write journal.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::links::{LinkChanges, Links};
use rostersync_core::plan::PlanSummary;
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use serde::{Deserialize, Serialize};

use crate::error::PortResult;
use crate::sis::{ProblemKind, RecordKind, SourceProblem};

/// A run's id, assigned by the store.
pub type RunId = i64;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An administrator.
    Manual,
    /// The scheduler.
    Scheduled,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 2] = [Trigger::Manual, Trigger::Scheduled];

    /// The snake_case name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
        }
    }
}

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still running, or killed before it could say otherwise.
    Running,
    /// Done; every record applied or unchanged.
    Succeeded,
    /// Done; some records failed (see the outcomes).
    CompletedWithFailures,
    /// Stopped by a safety threshold before any write.
    StoppedByThreshold,
    /// A dry run: planned, nothing written.
    DryRun,
    /// Failed as a whole.
    Failed,
    /// Stopped before it finished: its process was killed or stopped by a
    /// signal. The next run resumes its open write batches.
    Interrupted,
}

impl RunStatus {
    /// Every status.
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::CompletedWithFailures,
        RunStatus::StoppedByThreshold,
        RunStatus::DryRun,
        RunStatus::Failed,
        RunStatus::Interrupted,
    ];

    /// The snake_case name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::CompletedWithFailures => "completed_with_failures",
            RunStatus::StoppedByThreshold => "stopped_by_threshold",
            RunStatus::DryRun => "dry_run",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// A run as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Id.
    pub id: RunId,
    /// What started it.
    pub trigger: Trigger,
    /// The object types it covered.
    pub scope: SyncScope,
    /// The LMS acting user it ran as.
    pub acting_user: String,
    /// Whether a threshold was overridden.
    pub forced: bool,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End, once ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Status.
    pub status: RunStatus,
    /// Counts of the plan, then of what was applied.
    pub summary: PlanSummary,
    /// Why the run failed or stopped, if it did.
    pub message: Option<String>,
}

/// What happened to one record in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// Applied.
    Done,
    /// Applied, or kept as it is, with something the administrator should
    /// read (see the reason): an e-mail left off an account, say.
    Warning,
    /// Left alone on purpose (see the reason).
    Skipped,
    /// The LMS refused or the write failed.
    Failed,
    /// The LMS differed from what rostersync last left there (a full read
    /// checked it against the shadow): the reason says how, and what the
    /// sync did about it.
    Drift,
}

impl OutcomeStatus {
    /// Every status.
    pub const ALL: [OutcomeStatus; 5] = [
        OutcomeStatus::Done,
        OutcomeStatus::Warning,
        OutcomeStatus::Skipped,
        OutcomeStatus::Failed,
        OutcomeStatus::Drift,
    ];

    /// The snake_case name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Done => "done",
            OutcomeStatus::Warning => "warning",
            OutcomeStatus::Skipped => "skipped",
            OutcomeStatus::Failed => "failed",
            OutcomeStatus::Drift => "drift",
        }
    }
}

/// One record's outcome in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOutcome {
    /// The run.
    pub run: RunId,
    /// The kind of record.
    pub entity: Entity,
    /// The record's key.
    pub key: String,
    /// The planned action, if any.
    pub action: Option<Action>,
    /// What happened.
    pub status: OutcomeStatus,
    /// Why it was skipped or failed, or what its warning says.
    pub reason: Option<String>,
}

/// Which outcomes to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeFilter {
    /// Only this run.
    pub run: Option<RunId>,
    /// Only this status.
    pub status: Option<OutcomeStatus>,
    /// Only this entity.
    pub entity: Option<Entity>,
}

/// Which source problems to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFilter {
    /// Only this run.
    pub run: Option<RunId>,
    /// Only this kind (unreadable, left out, warning).
    pub kind: Option<ProblemKind>,
    /// Only this kind of record.
    pub record: Option<RecordKind>,
}

/// A source problem kept with the run whose SIS read met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSourceProblem {
    /// The run.
    pub run: RunId,
    /// The problem.
    #[serde(flatten)]
    pub problem: SourceProblem,
}

/// What one run's SIS read found, in counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Records read into the snapshot.
    pub read: u64,
    /// Records that could not be read.
    pub unreadable: u64,
    /// Records left out on purpose.
    pub left_out: u64,
    /// Warnings on records read.
    pub warnings: u64,
}

impl SourceSummary {
    /// The counts of a read: `read` records in the snapshot, and `problems`.
    pub fn of(read: u64, problems: &[SourceProblem]) -> Self {
        let mut summary = SourceSummary {
            read,
            ..SourceSummary::default()
        };
        for problem in problems {
            match problem.kind {
                ProblemKind::Unreadable => summary.unreadable += 1,
                ProblemKind::LeftOut => summary.left_out += 1,
                ProblemKind::Warning => summary.warnings += 1,
            }
        }
        summary
    }

    /// Records the source holds: read, unreadable and left out.
    pub fn total(&self) -> u64 {
        self.read + self.unreadable + self.left_out
    }
}

/// A queued sync job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Id, increasing in queue order.
    pub id: i64,
    /// The object types.
    pub scope: SyncScope,
    /// What enqueued it.
    pub trigger: Trigger,
    /// When it was enqueued.
    pub enqueued_at: DateTime<Utc>,
}

/// A held sync lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The scope locked.
    pub scope: SyncScope,
    /// Who holds it (process and run).
    pub holder: String,
    /// When it lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// The answer to a lock request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockAttempt {
    /// The lease taken, or renewed when the holder already had it.
    Taken(Lease),
    /// Refused: another holder's unexpired lease of an overlapping scope,
    /// so the refusal can say who holds it and until when.
    HeldBy(Lease),
}

impl LockAttempt {
    /// The lease, if it was taken.
    pub fn taken(self) -> Option<Lease> {
        match self {
            LockAttempt::Taken(lease) => Some(lease),
            LockAttempt::HeldBy(_) => None,
        }
    }

    /// Whether the lease was taken.
    pub fn is_taken(&self) -> bool {
        matches!(self, LockAttempt::Taken(_))
    }
}

/// A write batch journaled before it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The entry's id.
    pub id: i64,
    /// The run that wrote it.
    pub run: RunId,
    /// The serialized batch.
    pub entry: String,
}

/// The shadow of the LMS as a store keeps it: the last one the engine kept,
/// the plan a run was applying over it when it stopped (if any), and the
/// writes of that plan that landed, saved with their links; the engine
/// replays those writes over the shadow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptShadow {
    /// The shadow, as the engine wrote it.
    pub shadow: Option<String>,
    /// The plan being applied over it, as the engine wrote it.
    pub plan: Option<String>,
    /// The writes of that plan that landed, in the order they were saved.
    pub landed: Vec<rostersync_core::model::links::LandedWrite>,
}

impl KeptShadow {
    /// The shadow a store read back from its parts, or `None` when it keeps
    /// none of them.
    pub fn of(
        shadow: Option<String>,
        plan: Option<String>,
        landed: Vec<rostersync_core::model::links::LandedWrite>,
    ) -> Option<KeptShadow> {
        let kept = KeptShadow {
            shadow,
            plan,
            landed,
        };
        (kept != KeptShadow::default()).then_some(kept)
    }
}

/// The state store.
///
/// # Contract
///
/// - Every method is atomic: it either happens whole or not at all.
/// - `try_lock` succeeds for at most one holder at a time among overlapping
///   scopes, across processes sharing the store; a lease past its expiry is
///   free to take, so a crashed holder never blocks forever.
/// - A journal entry is written before its batch is sent and cleared after
///   its outcomes (and links) are saved, so a run killed in between leaves an
///   entry the next run resolves by reading the LMS again.
/// - Nothing secret is ever stored.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Every link.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn links(&self) -> PortResult<Links>;

    /// Replaces the links with `links` (an upsert of every entry and removal
    /// of entries not in `links`, in one transaction).
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn save_links(&self, links: &Links) -> PortResult<()>;

    /// Records the start of a run and returns its id.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn start_run(&self, run: &RunRecord) -> PortResult<RunId>;

    /// Records per-record outcomes of a run.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn record_outcomes(&self, outcomes: &[RecordOutcome]) -> PortResult<()>;

    /// Records the end of a run.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn finish_run(&self, run: &RunRecord) -> PortResult<()>;

    /// Runs, newest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn runs(&self, limit: usize) -> PortResult<Vec<RunRecord>>;

    /// Outcomes matching a filter, in run then record order.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn outcomes(&self, filter: &OutcomeFilter) -> PortResult<Vec<RecordOutcome>>;

    /// The schedule state.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn schedule_state(&self) -> PortResult<ScheduleState>;

    /// Saves the schedule state.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn save_schedule_state(&self, state: &ScheduleState) -> PortResult<()>;

    /// Adds a job to the end of the queue.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn enqueue(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        at: DateTime<Utc>,
    ) -> PortResult<Job>;

    /// The job at the head of the queue, if any.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn queue_head(&self) -> PortResult<Option<Job>>;

    /// Removes a finished job from the queue.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn dequeue(&self, job: i64) -> PortResult<()>;

    /// Takes the lock of `scope` for `holder` until `now + lease`, unless an
    /// overlapping scope is held by someone else. Asking again as the same
    /// holder renews the lease. A refusal names the lease in the way.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn try_lock(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> PortResult<LockAttempt>;

    /// Releases a lease held by `holder`.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn unlock(&self, scope: SyncScope, holder: &str) -> PortResult<()>;

    /// Writes a journal entry (a serialized batch) before the batch is sent;
    /// returns its id.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn journal(&self, run: RunId, entry: &str) -> PortResult<i64>;

    /// Clears a journal entry once its outcomes are saved.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn clear_journal(&self, entry: i64) -> PortResult<()>;

    /// Journal entries left by runs that did not finish, oldest first.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn open_journal(&self) -> PortResult<Vec<JournalEntry>>;

    /// Applies link changes (removals, then upserts) in one transaction, so
    /// a run saves each batch's links without rewriting every link.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn apply_link_changes(&self, changes: &LinkChanges) -> PortResult<()>;

    /// The shadow of the LMS as kept (see [`KeptShadow`]), or `None` when
    /// none is.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn shadow(&self) -> PortResult<Option<KeptShadow>>;

    /// Replaces the shadow and the plan being applied over it (JSON text
    /// the store keeps as given; either may be `None`) and forgets the
    /// landed writes, in one transaction. Landed writes come with link
    /// changes ([`LinkChanges::landed`]), in the same transaction as those.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn keep_shadow(&self, shadow: Option<&str>, plan: Option<&str>) -> PortResult<()>;

    /// Saves a setting (JSON text) under `name`, replacing any earlier value.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn save_setting(&self, name: &str, json: &str) -> PortResult<()>;

    /// The setting saved under `name`, if any.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn setting(&self, name: &str) -> PortResult<Option<String>>;

    /// Keeps what a run's SIS read found: how many records it read and every
    /// source problem (unreadable, left out, warnings), with the run.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    async fn record_source(
        &self,
        run: RunId,
        read: u64,
        problems: &[SourceProblem],
    ) -> PortResult<()>;

    /// Source problems matching a filter, in run then reading order.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn source_problems(&self, filter: &SourceFilter) -> PortResult<Vec<RunSourceProblem>>;

    /// The source summary of each run given that has one.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    async fn source_summaries(
        &self,
        runs: &[RunId],
    ) -> PortResult<std::collections::BTreeMap<RunId, SourceSummary>>;
}
