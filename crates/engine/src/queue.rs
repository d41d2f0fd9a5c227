//! The job queue, the scheduler and the schedule state, plus the run log
//! read-outs that pass through to the store.

use chrono::{DateTime, Utc};
use rostersync_core::SyncScope;
use rostersync_core::schedule::{self, Decision, NextRun, ScheduleMode, ScheduleState};
use rostersync_ports::{
    ErrorKind, Job, OutcomeFilter, PortError, RecordOutcome, RunRecord, Trigger,
};

use crate::engine::Engine;
use crate::error::{EngineError, store};

/// How many times in a row a job may fail for a reason that may pass
/// before the queue drops it.
pub const MAX_JOB_ATTEMPTS: u32 = 3;

/// The settings entry that counts the failed attempts of the head job.
const ATTEMPTS_SETTING: &str = "queue_head_failed_attempts";

/// The failed attempts of one job, kept in the store's settings: only the
/// head job can fail and stay, so one entry is enough; it names the whole
/// job, so a later job with a reused id starts from zero.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct FailedAttempts {
    job: Job,
    failed: u32,
}
use crate::report::{RunOptions, RunReport};

/// What [`Engine::run_next`] did.
// One is returned per job, so the size of a report costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum NextJob {
    /// The queue is empty.
    Empty,
    /// The head job cannot start yet: an overlapping sync holds the lock, or
    /// its run failed for a reason that may pass
    /// ([`EngineError::is_transient`]: a port unavailable or rate limited).
    /// It stays at the head of the queue and runs again at the next check;
    /// after [`MAX_JOB_ATTEMPTS`] such failures in a row it is dropped
    /// instead ([`NextJob::Ran`] with [`EngineError::GaveUp`]).
    Waiting {
        /// The job.
        job: Job,
        /// Why it waits.
        error: EngineError,
        /// Its failed runs so far (0 while it only waits for the lock).
        failed_attempts: u32,
    },
    /// The head job ran (or was refused for good) and left the queue.
    Ran {
        /// The job.
        job: Job,
        /// The run's report or why it stopped.
        result: Result<RunReport, EngineError>,
    },
}

/// What one scheduler check did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// The schedule policy's answer.
    pub decision: Decision,
    /// The job enqueued, when the decision was to enqueue.
    pub job: Option<Job>,
}

impl Engine {
    /// Puts a sync of `scope` at the end of the queue.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    pub async fn enqueue(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        now: DateTime<Utc>,
    ) -> Result<Job, EngineError> {
        self.store
            .enqueue(scope, trigger, now)
            .await
            .map_err(store("enqueue a job"))
    }

    /// Runs the job at the head of the queue, if any. Jobs run strictly in
    /// queue order: while the head job waits for a lock, nothing behind it
    /// starts. A job leaves the queue once it ran, whatever its result, except
    /// when it must wait: for the lock, or because its run failed for a
    /// reason that may pass (a port unavailable or rate limited; a failed
    /// attempt is recorded as a failed run; trying again is safe). Such
    /// failures are counted in the store; the [`MAX_JOB_ATTEMPTS`]-th in a
    /// row drops the job with [`EngineError::GaveUp`].
    ///
    /// # Errors
    ///
    /// When the store cannot be read or written.
    pub async fn run_next(&self, now: DateTime<Utc>) -> Result<NextJob, EngineError> {
        let Some(job) = self
            .store
            .queue_head()
            .await
            .map_err(store("read the queue"))?
        else {
            return Ok(NextJob::Empty);
        };
        let result = self.run(job.scope, job.trigger, RunOptions::at(now)).await;
        let result = match result {
            Err(error @ EngineError::AlreadyRunning { .. }) => {
                let failed_attempts = self.failed_attempts(&job).await?;
                return Ok(NextJob::Waiting {
                    job,
                    error,
                    failed_attempts,
                });
            }
            Err(error) if error.is_transient() => {
                let attempts = self.failed_attempts(&job).await? + 1;
                self.save_failed_attempts(&job, attempts).await?;
                if attempts < MAX_JOB_ATTEMPTS {
                    return Ok(NextJob::Waiting {
                        job,
                        error,
                        failed_attempts: attempts,
                    });
                }
                tracing::warn!(job = job.id, attempts, %error, "dropping a job that kept failing");
                Err(EngineError::GaveUp {
                    attempts,
                    source: Box::new(error),
                })
            }
            other => other,
        };
        self.store
            .dequeue(job.id)
            .await
            .map_err(store("remove a finished job"))?;
        Ok(NextJob::Ran { job, result })
    }

    /// The failed attempts recorded for `job` (0 when the record names
    /// another job or cannot be read).
    async fn failed_attempts(&self, job: &Job) -> Result<u32, EngineError> {
        let text = self
            .store
            .setting(ATTEMPTS_SETTING)
            .await
            .map_err(store("read the failed attempts of the head job"))?;
        Ok(text
            .and_then(|text| serde_json::from_str::<FailedAttempts>(&text).ok())
            .filter(|record| record.job == *job)
            .map_or(0, |record| record.failed))
    }

    async fn save_failed_attempts(&self, job: &Job, failed: u32) -> Result<(), EngineError> {
        let what = "count the failed attempts of the head job";
        let record = FailedAttempts {
            job: job.clone(),
            failed,
        };
        let text = serde_json::to_string(&record)
            .map_err(|error| store(what)(PortError::new(ErrorKind::Other, error.to_string())))?;
        self.store
            .save_setting(ATTEMPTS_SETTING, &text)
            .await
            .map_err(store(what))
    }

    /// Asks the schedule policy whether a scheduled sync is due at `now`;
    /// if so, enqueues a sync of everything and records the enqueue, so that
    /// the same window is never enqueued twice.
    ///
    /// # Errors
    ///
    /// When the store cannot be read or written.
    pub async fn scheduler_tick(
        &self,
        mode: &ScheduleMode,
        now: DateTime<Utc>,
    ) -> Result<Tick, EngineError> {
        let mut state = self.schedule_state().await?;
        let decision = schedule::decide(mode, &state, now);
        tracing::info!(%decision, "scheduler check");
        let job = match decision {
            Decision::Enqueue { .. } => {
                let job = self
                    .enqueue(SyncScope::All, Trigger::Scheduled, now)
                    .await?;
                state.last_scheduled_enqueue = Some(now);
                self.save_schedule_state(&state).await?;
                Some(job)
            }
            Decision::Wait { .. } => None,
        };
        Ok(Tick { decision, job })
    }

    /// When the next scheduled sync will be enqueued, for display.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn next_run(
        &self,
        mode: &ScheduleMode,
        now: DateTime<Utc>,
    ) -> Result<Option<NextRun>, EngineError> {
        let state = self.schedule_state().await?;
        Ok(schedule::next_run(mode, &state, now))
    }

    /// Records a manual sync started at `now` (the grace rule then holds the
    /// schedule back 24 hours). [`Engine::run`] calls it for manual runs.
    ///
    /// # Errors
    ///
    /// When the store cannot be read or written.
    pub async fn record_manual_sync(&self, now: DateTime<Utc>) -> Result<(), EngineError> {
        let mut state = self.schedule_state().await?;
        state.last_manual_sync = Some(now);
        self.save_schedule_state(&state).await
    }

    /// Records that the timing settings were saved at `now`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read or written.
    pub async fn record_settings_saved(&self, now: DateTime<Utc>) -> Result<(), EngineError> {
        let mut state = self.schedule_state().await?;
        state.last_settings_save = Some(now);
        self.save_schedule_state(&state).await
    }

    /// The recorded schedule state.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn schedule_state(&self) -> Result<ScheduleState, EngineError> {
        self.store
            .schedule_state()
            .await
            .map_err(store("read the schedule state"))
    }

    async fn save_schedule_state(&self, state: &ScheduleState) -> Result<(), EngineError> {
        self.store
            .save_schedule_state(state)
            .await
            .map_err(store("save the schedule state"))
    }

    /// Recorded runs, newest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, EngineError> {
        self.store.runs(limit).await.map_err(store("list runs"))
    }

    /// Recorded outcomes matching `filter`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn outcomes(
        &self,
        filter: &OutcomeFilter,
    ) -> Result<Vec<RecordOutcome>, EngineError> {
        self.store
            .outcomes(filter)
            .await
            .map_err(store("list outcomes"))
    }
}
