//! The sync lock as the engine holds it: taken with the holder's host and
//! process in its name, taken over at once from a holder of this host that
//! is gone, kept alive by a heartbeat while the work runs, and released (or
//! abandoned on a stop) at the end.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rostersync_core::SyncScope;
use rostersync_ports::{Lease, LockAttempt, RunId, RunRecord, RunStatus};

use crate::engine::Engine;
use crate::error::{EngineError, store};
use crate::holder::{Holder, Liveness, host_name, probe_process};

/// A lock this engine holds. Dropping it stops its heartbeat; the lease then
/// lapses unless [`Engine::release`] released it first.
#[derive(Debug)]
pub(crate) struct Held {
    /// The scope locked.
    pub(crate) scope: SyncScope,
    /// The holder name in the store.
    pub(crate) holder: String,
    /// What was said when the lock of a holder that is gone was taken over.
    pub(crate) took_over: Option<String>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
    }
}

/// The run this engine is working on, so that a stop can close it.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    scope: SyncScope,
    holder: String,
    run: Option<RunId>,
}

/// The engine's record of its active run (at most one at a time is
/// abandoned: the service works one job at a time).
#[derive(Debug, Default)]
pub(crate) struct ActiveRun(Mutex<Option<Active>>);

impl ActiveRun {
    fn set(&self, active: Option<Active>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = active;
    }

    fn take(&self) -> Option<Active> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn update(&self, holder: &str, run: RunId) {
        let mut active = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(active) = active.as_mut().filter(|a| a.holder == holder) {
            active.run = Some(run);
        }
    }
}

impl Engine {
    /// Takes the sync lock of `scope` for `what`, taking over the lease of a
    /// holder on this host whose process is gone, and starts its heartbeat.
    ///
    /// # Errors
    ///
    /// [`EngineError::AlreadyRunning`] naming the live holder, or a store error.
    pub(crate) async fn hold(
        &self,
        scope: SyncScope,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<Held, EngineError> {
        let holder = Holder::current(self.instance, what, now).to_string();
        let mut took_over = None;
        let blocker = loop {
            let attempt = self
                .store
                .try_lock(scope, &holder, now, self.options.lease)
                .await
                .map_err(store("take the sync lock"))?;
            let blocker = match attempt {
                LockAttempt::Taken(_) => break None,
                LockAttempt::HeldBy(lease) => lease,
            };
            // Take over once: a second refusal is a live holder.
            if took_over.is_some() {
                break Some(blocker);
            }
            match gone(&blocker) {
                Some(dead) => {
                    self.store
                        .unlock(blocker.scope, &blocker.holder)
                        .await
                        .map_err(store("release the lock of a holder that is gone"))?;
                    let said = format!(
                        "took over the {} sync lock of {}, which no longer runs (it held it for {} since {})",
                        blocker.scope,
                        dead.process(),
                        dead.what,
                        dead.since.format("%Y-%m-%d %H:%M UTC"),
                    );
                    tracing::warn!("{said}");
                    took_over = Some(said);
                }
                None => break Some(blocker),
            }
        };
        if let Some(blocker) = blocker {
            return Err(self.refusal(scope, &blocker).await);
        }
        self.active.set(Some(Active {
            scope,
            holder: holder.clone(),
            run: None,
        }));
        Ok(Held {
            scope,
            heartbeat: Some(self.heartbeat(scope, holder.clone())),
            holder,
            took_over,
        })
    }

    /// Releases a lock taken by [`Engine::hold`].
    ///
    /// # Errors
    ///
    /// A store error.
    pub(crate) async fn release(&self, held: Held) -> Result<(), EngineError> {
        self.active.take();
        self.store
            .unlock(held.scope, &held.holder)
            .await
            .map_err(store("release the sync lock"))
    }

    /// Notes the recorded run behind the active lock, for [`Engine::abandon`].
    pub(crate) fn note_run(&self, holder: &str, run: RunId) {
        self.active.update(holder, run);
    }

    /// Stops the work in hand at once (a second stop signal): marks its run
    /// interrupted and releases its lock, so the next run starts at once and
    /// resumes its open write batches. The caller must not poll the work
    /// again. Returns the run marked, if one was recorded.
    ///
    /// # Errors
    ///
    /// A store error.
    pub async fn abandon(&self, now: DateTime<Utc>) -> Result<Option<RunId>, EngineError> {
        let Some(active) = self.active.take() else {
            return Ok(None);
        };
        // The work dropped may have called the LMS: its calls count for the
        // district's next run.
        crate::call_memory::keep_lms_calls(&*self.store, &*self.lms).await;
        if let Some(run) = active.run {
            let record = self
                .store
                .runs(200)
                .await
                .map_err(store("list runs"))?
                .into_iter()
                .find(|record| record.id == run && record.status == RunStatus::Running);
            if let Some(mut record) = record {
                record.status = RunStatus::Interrupted;
                record.finished_at = Some(now);
                record.message = Some(
                    "stopped by a signal before it finished; the next run resumes its work"
                        .to_owned(),
                );
                self.store
                    .finish_run(&record)
                    .await
                    .map_err(store("record the stopped run"))?;
            }
        }
        self.store
            .unlock(active.scope, &active.holder)
            .await
            .map_err(store("release the sync lock"))?;
        Ok(active.run)
    }

    /// Closes every run still marked running whose scope overlaps `scope`,
    /// other than `current`: this engine holds the lock of `scope`, so none
    /// of them can still run. Returns the runs closed.
    pub(crate) async fn close_interrupted(
        &self,
        scope: SyncScope,
        current: RunId,
        resumed: &std::collections::BTreeSet<RunId>,
    ) -> Result<Vec<RunId>, EngineError> {
        let stale: Vec<RunRecord> = self
            .store
            .runs(200)
            .await
            .map_err(store("list runs"))?
            .into_iter()
            .filter(|run| {
                run.id != current && run.status == RunStatus::Running && run.scope.overlaps(scope)
            })
            .collect();
        let mut closed = Vec::new();
        for mut run in stale {
            run.status = RunStatus::Interrupted;
            run.finished_at = Some(self.finished_at());
            run.message = Some(if resumed.contains(&run.id) {
                format!("interrupted before it finished; run {current} resumed its work")
            } else {
                format!("interrupted before it finished; run {current} closed it")
            });
            self.store
                .finish_run(&run)
                .await
                .map_err(store("record an interrupted run"))?;
            closed.push(run.id);
        }
        Ok(closed)
    }

    /// Renews the lease every fifth of its length until the lock is dropped,
    /// so a holder that dies stops renewing and its lease lapses within
    /// minutes, however long the work takes between two batches.
    fn heartbeat(&self, scope: SyncScope, holder: String) -> tokio::task::JoinHandle<()> {
        let store = self.store.clone();
        let clock = self.clock.clone();
        let lease = self.options.lease;
        let every = (lease / 5)
            .to_std()
            .unwrap_or_default()
            .max(std::time::Duration::from_secs(1));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await; // the first tick is at once: the lock was just taken
            loop {
                ticks.tick().await;
                match store.try_lock(scope, &holder, clock(), lease).await {
                    Ok(attempt) if attempt.is_taken() => {}
                    Ok(_) => {
                        tracing::warn!(%scope, "the sync lock was taken by another holder; the run stops at its next batch");
                        return;
                    }
                    Err(error) => tracing::warn!(%scope, %error, "could not renew the sync lock"),
                }
            }
        })
    }

    /// The refusal while a live holder has the lock, naming the run behind it.
    async fn refusal(&self, scope: SyncScope, blocker: &Lease) -> EngineError {
        let runs = match self.store.runs(50).await {
            Ok(runs) => runs,
            Err(error) => return store("list runs")(error),
        };
        let run = runs
            .iter()
            .find(|run| run.status == RunStatus::Running && run.scope.overlaps(scope));
        let by = Holder::parse(&blocker.holder)
            .map_or_else(|| blocker.holder.clone(), |holder| holder.process());
        let holder = match run {
            Some(run) => format!(
                "run {} ({} {}, started {} as {}; lock held by {by} until {})",
                run.id,
                run.trigger.as_str(),
                run.scope,
                run.started_at.format("%Y-%m-%d %H:%M UTC"),
                run.acting_user,
                blocker.expires_at.format("%Y-%m-%d %H:%M UTC"),
            ),
            None => format!(
                "{by} (scope {}, until {})",
                blocker.scope,
                blocker.expires_at.format("%Y-%m-%d %H:%M UTC")
            ),
        };
        EngineError::AlreadyRunning { scope, holder }
    }
}

/// The holder behind `lease` when it ran on this host and is gone.
fn gone(lease: &Lease) -> Option<Holder> {
    let holder = Holder::parse(&lease.holder)?;
    (holder.liveness(host_name().as_deref(), probe_process) == Liveness::Gone).then_some(holder)
}
