//! The `StateStore` implementation, and the store's own methods beyond the
//! trait: incremental links, settings, single runs, the queue listing, lock
//! inspection and outcome exports.
//!
//! Every method is one transaction: writes are `BEGIN IMMEDIATE`, reads see
//! one consistent state.
//!
//! How the trait's methods read here:
//! - `start_run` ignores `run.id` and returns the new id; ids only grow.
//!   `finish_run` updates what a run learns as it goes (`forced`, end,
//!   status, summary, message); the trigger, scope, acting user and start
//!   stay as started. A run never started is [`ErrorKind::NotFound`](rostersync_ports::ErrorKind::NotFound).
//! - `record_outcomes` of a run never started is refused whole
//!   ([`ErrorKind::Invalid`](rostersync_ports::ErrorKind::Invalid)); outcomes keep the order they were recorded in.
//! - `dequeue`, `unlock` and `clear_journal` of something already gone are
//!   not errors, so a retry after a lost answer is harmless.
//! - `try_lock` by the holder of a lease renews it; a lease is held while
//!   `now` is before its expiry. [`SqliteStore::lock`] also says who holds
//!   the lock when it is refused.
//! - `open_journal` lists every entry not yet cleared, whichever run wrote
//!   it; call it while holding the lock, before starting new work.
//! - A busy file (another process writing for longer than
//!   [`BUSY_TIMEOUT`](crate::BUSY_TIMEOUT)) is [`ErrorKind::Unavailable`](rostersync_ports::ErrorKind::Unavailable).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rostersync_core::model::links::Links;
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    Job, KeptShadow, Lease, OutcomeFilter, PortResult, RecordOutcome, RunId, RunRecord, StateStore,
    Trigger,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StoreError;
use crate::store::SqliteStore;
use crate::{coord, links, runs, settings, source};
use rostersync_core::model::links::LinkChanges;
use rostersync_ports::{
    JournalEntry, LockAttempt, RunSourceProblem, SourceFilter, SourceProblem, SourceSummary,
};

impl SqliteStore {
    /// Applies link changes (removals, then upserts) in one transaction, so a
    /// run can save the links of each batch as its writes succeed rather than
    /// rewriting the whole set with [`StateStore::save_links`].
    ///
    /// # Errors
    ///
    /// When the store cannot be written; then nothing changed.
    pub async fn apply_link_changes(&self, changes: &LinkChanges) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let changes = changes.clone();
        self.write(move |tx| links::apply(tx, &changes)).await
    }

    /// Saves a setting under `name` as JSON text, replacing any earlier value
    /// (see [`MAPPING_SETTING`](crate::MAPPING_SETTING) and
    /// [`TIMING_SETTING`](crate::TIMING_SETTING)).
    ///
    /// # Errors
    ///
    /// When `value` cannot be serialized or the store cannot be written.
    pub async fn save_setting<T: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(|source| StoreError::Json {
            what: format!("setting {name:?}"),
            source,
        })?;
        let name = name.to_owned();
        self.write(move |tx| settings::save(tx, &name, &json)).await
    }

    /// The setting saved under `name`, decoded, or `None` when none is saved.
    ///
    /// # Errors
    ///
    /// When the store cannot be read, or the saved JSON does not fit `T`.
    pub async fn setting<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        let owned = name.to_owned();
        let json = self.read(move |tx| settings::load(tx, &owned)).await?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|source| StoreError::Json {
                what: format!("stored setting {name:?}"),
                source,
            })
        })
        .transpose()
    }

    /// One run by id.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        self.read(move |tx| runs::get(tx, id)).await
    }

    /// The queued jobs in queue order, at most `limit`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn jobs(&self, limit: usize) -> Result<Vec<Job>, StoreError> {
        self.read(move |tx| coord::jobs(tx, limit)).await
    }

    /// The unexpired lease of another holder that keeps `holder` from locking
    /// `scope` at `now`, if any: what to tell a user whose sync is refused.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn lock_blocker(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Lease>, StoreError> {
        let holder = holder.to_owned();
        self.read(move |tx| coord::blocker(tx, scope, &holder, now))
            .await
    }

    /// Takes or renews the lock of `scope` for `holder` until `now + lease`,
    /// like [`StateStore::try_lock`], but a refusal says whose lease is in
    /// the way, read in the same transaction.
    ///
    /// # Errors
    ///
    /// When the lease would end beyond the representable time range, or the
    /// store cannot be written.
    pub async fn lock(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<LockAttempt, StoreError> {
        let holder = holder.to_owned();
        self.write(move |tx| coord::try_lock(tx, scope, &holder, now, lease))
            .await
    }

    /// The schema version of the file (`PRAGMA user_version`), which is
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) once opened.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|tx| {
            tx.query_row("PRAGMA user_version", [], |row| row.get(0))
                .map_err(StoreError::sql("read the schema version"))
        })
        .await
    }

    /// Deletes the runs that finished before `cutoff`, with their outcomes,
    /// and returns how many runs were deleted. Runs still running, and runs
    /// with journal entries not yet cleared, are kept.
    ///
    /// # Errors
    ///
    /// When the store cannot be written; then nothing was deleted.
    pub async fn prune_runs(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |tx| runs::prune(tx, cutoff)).await
    }

    /// Journal entries not yet cleared, oldest first, as (entry, run, text).
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn open_journal_with_runs(&self) -> Result<Vec<(i64, RunId, String)>, StoreError> {
        self.read(|tx| coord::open_journal(tx)).await
    }

    /// The outcomes matching `filter` as CSV (see [`outcomes_csv`](crate::outcomes_csv)).
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn export_outcomes_csv(&self, filter: &OutcomeFilter) -> Result<String, StoreError> {
        let filter = filter.clone();
        let found = self.read(move |tx| runs::outcomes(tx, &filter)).await?;
        Ok(rostersync_ports::export::outcomes_csv(&found))
    }

    /// The outcomes matching `filter` as a JSON array (see
    /// [`outcomes_json`](crate::outcomes_json)).
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn export_outcomes_json(&self, filter: &OutcomeFilter) -> Result<String, StoreError> {
        let filter = filter.clone();
        let found = self.read(move |tx| runs::outcomes(tx, &filter)).await?;
        rostersync_ports::export::outcomes_json(&found).map_err(|source| StoreError::Json {
            what: "outcome export".to_owned(),
            source,
        })
    }
}

#[async_trait]
impl StateStore for SqliteStore {
    async fn links(&self) -> PortResult<Links> {
        Ok(self.read(|tx| links::load(tx)).await?)
    }

    async fn save_links(&self, links: &Links) -> PortResult<()> {
        let links = links.clone();
        Ok(self.write(move |tx| links::replace(tx, &links)).await?)
    }

    async fn start_run(&self, run: &RunRecord) -> PortResult<RunId> {
        let run = run.clone();
        Ok(self.write(move |tx| runs::start(tx, &run)).await?)
    }

    async fn record_outcomes(&self, outcomes: &[RecordOutcome]) -> PortResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let outcomes = outcomes.to_vec();
        Ok(self.write(move |tx| runs::record(tx, &outcomes)).await?)
    }

    async fn finish_run(&self, run: &RunRecord) -> PortResult<()> {
        let run = run.clone();
        Ok(self.write(move |tx| runs::finish(tx, &run)).await?)
    }

    async fn runs(&self, limit: usize) -> PortResult<Vec<RunRecord>> {
        Ok(self.read(move |tx| runs::list(tx, limit)).await?)
    }

    async fn outcomes(&self, filter: &OutcomeFilter) -> PortResult<Vec<RecordOutcome>> {
        let filter = filter.clone();
        Ok(self.read(move |tx| runs::outcomes(tx, &filter)).await?)
    }

    async fn schedule_state(&self) -> PortResult<ScheduleState> {
        Ok(self.read(|tx| coord::schedule_state(tx)).await?)
    }

    async fn save_schedule_state(&self, state: &ScheduleState) -> PortResult<()> {
        let state = *state;
        Ok(self
            .write(move |tx| coord::save_schedule_state(tx, &state))
            .await?)
    }

    async fn enqueue(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        at: DateTime<Utc>,
    ) -> PortResult<Job> {
        Ok(self
            .write(move |tx| coord::enqueue(tx, scope, trigger, at))
            .await?)
    }

    async fn queue_head(&self) -> PortResult<Option<Job>> {
        let mut jobs = self.read(|tx| coord::jobs(tx, 1)).await?;
        Ok(jobs.pop())
    }

    async fn dequeue(&self, job: i64) -> PortResult<()> {
        Ok(self.write(move |tx| coord::dequeue(tx, job)).await?)
    }

    async fn try_lock(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> PortResult<LockAttempt> {
        Ok(self.lock(scope, holder, now, lease).await?)
    }

    async fn unlock(&self, scope: SyncScope, holder: &str) -> PortResult<()> {
        let holder = holder.to_owned();
        Ok(self
            .write(move |tx| coord::unlock(tx, scope, &holder))
            .await?)
    }

    async fn journal(&self, run: RunId, entry: &str) -> PortResult<i64> {
        let entry = entry.to_owned();
        Ok(self
            .write(move |tx| coord::journal(tx, run, &entry))
            .await?)
    }

    async fn clear_journal(&self, entry: i64) -> PortResult<()> {
        Ok(self
            .write(move |tx| coord::clear_journal(tx, entry))
            .await?)
    }

    async fn open_journal(&self) -> PortResult<Vec<JournalEntry>> {
        let entries = self.read(|tx| coord::open_journal(tx)).await?;
        Ok(entries
            .into_iter()
            .map(|(id, run, entry)| JournalEntry { id, run, entry })
            .collect())
    }

    async fn apply_link_changes(&self, changes: &LinkChanges) -> PortResult<()> {
        Ok(SqliteStore::apply_link_changes(self, changes).await?)
    }

    async fn shadow(&self) -> PortResult<Option<KeptShadow>> {
        Ok(self.read(|tx| crate::shadow::load(tx)).await?)
    }

    async fn keep_shadow(&self, shadow: Option<&str>, plan: Option<&str>) -> PortResult<()> {
        let (shadow, plan) = (shadow.map(str::to_owned), plan.map(str::to_owned));
        Ok(self
            .write(move |tx| crate::shadow::keep(tx, shadow.as_deref(), plan.as_deref()))
            .await?)
    }

    async fn save_setting(&self, name: &str, json: &str) -> PortResult<()> {
        let (name, json) = (name.to_owned(), json.to_owned());
        Ok(self
            .write(move |tx| settings::save(tx, &name, &json))
            .await?)
    }

    async fn setting(&self, name: &str) -> PortResult<Option<String>> {
        let name = name.to_owned();
        Ok(self.read(move |tx| settings::load(tx, &name)).await?)
    }

    async fn record_source(
        &self,
        run: RunId,
        read: u64,
        problems: &[SourceProblem],
    ) -> PortResult<()> {
        let problems = problems.to_vec();
        Ok(self
            .write(move |tx| source::record(tx, run, read, &problems))
            .await?)
    }

    async fn source_problems(&self, filter: &SourceFilter) -> PortResult<Vec<RunSourceProblem>> {
        let filter = filter.clone();
        Ok(self.read(move |tx| source::problems(tx, &filter)).await?)
    }

    async fn source_summaries(
        &self,
        runs: &[RunId],
    ) -> PortResult<std::collections::BTreeMap<RunId, SourceSummary>> {
        let runs = runs.to_vec();
        Ok(self.read(move |tx| source::summaries(tx, &runs)).await?)
    }
}
