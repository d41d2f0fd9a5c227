//! The job queue, the scheduler and the schedule state, plus the run log
//! read-outs that pass through to the store.

use chrono::{DateTime, Utc};
use rostersync_core::SyncScope;
use rostersync_core::schedule::{self, Decision, NextRun, ScheduleMode, ScheduleState};
use rostersync_ports::{Job, OutcomeFilter, RecordOutcome, RunRecord, Trigger};

use crate::engine::Engine;
use crate::error::{EngineError, store};
use crate::report::{RunOptions, RunReport};

/// What [`Engine::run_next`] did.
// One is returned per job, so the size of a report costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum NextJob {
    /// The queue is empty.
    Empty,
    /// The head job cannot start yet: an overlapping sync holds the lock, or
    /// a port was unavailable or rate limited ([`EngineError::is_transient`]).
    /// It stays at the head of the queue.
    Waiting {
        /// The job.
        job: Job,
        /// Why it waits.
        error: EngineError,
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
    /// when it must wait: for the lock, or because a port was unavailable
    /// (a failed attempt is recorded as a failed run; trying again is safe).
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
        match result {
            Err(error @ EngineError::AlreadyRunning { .. }) => {
                return Ok(NextJob::Waiting { job, error });
            }
            Err(error) if error.is_transient() => {
                return Ok(NextJob::Waiting { job, error });
            }
            _ => {}
        }
        self.store
            .dequeue(job.id)
            .await
            .map_err(store("remove a finished job"))?;
        Ok(NextJob::Ran { job, result })
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
