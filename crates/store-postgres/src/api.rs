//! The `StateStore` implementation: every method one transaction of this
//! store's district (reads `REPEATABLE READ`, so they see one state).
//!
//! The methods read as the SQLite store's do (see `rostersync-store`):
//! `finish_run` keeps trigger, scope, acting user and start as started and
//! refuses a run never started ([`ErrorKind::NotFound`]); outcomes, journal
//! entries and source reads of a run this district never started are
//! refused whole ([`ErrorKind::Invalid`]); `dequeue`, `unlock` and
//! `clear_journal` of something already gone are not errors.
//!
//! [`ErrorKind::NotFound`]: rostersync_ports::ErrorKind::NotFound
//! [`ErrorKind::Invalid`]: rostersync_ports::ErrorKind::Invalid

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rostersync_core::model::links::{LinkChanges, Links};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    Job, JournalEntry, KeptShadow, LockAttempt, OutcomeFilter, PortResult, RecordOutcome, RunId,
    RunRecord, RunSourceProblem, SourceFilter, SourceProblem, SourceSummary, StateStore, Trigger,
};

use crate::error::PgStoreError;
use crate::store::{PgStore, read_transaction};
use crate::{coord, links, runs};

/// Runs `$body` (with `$tx` the transaction and `$district` this store's
/// district) in one read-write transaction, committed when it succeeds.
macro_rules! write {
    ($store:expr, |$tx:ident, $district:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let $tx = client
            .transaction()
            .await
            .map_err(PgStoreError::pg("begin a write"))?;
        let $district: &str = &$store.district;
        let value = $body;
        $tx.commit()
            .await
            .map_err(PgStoreError::pg("commit a write"))?;
        Ok(value)
    }};
}

/// Runs `$body` in one read-only transaction that sees one state.
macro_rules! read {
    ($store:expr, |$tx:ident, $district:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let $tx = read_transaction(&mut client).await?;
        let $district: &str = &$store.district;
        let value = $body;
        $tx.commit().await.map_err(PgStoreError::pg("end a read"))?;
        Ok(value)
    }};
}

#[async_trait]
impl StateStore for PgStore {
    async fn links(&self) -> PortResult<Links> {
        read!(self, |tx, district| links::load(&tx, district).await?)
    }

    async fn save_links(&self, all: &Links) -> PortResult<()> {
        write!(self, |tx, district| links::replace(&tx, district, all)
            .await?)
    }

    async fn start_run(&self, run: &RunRecord) -> PortResult<RunId> {
        write!(self, |tx, district| runs::start(&tx, district, run).await?)
    }

    async fn record_outcomes(&self, outcomes: &[RecordOutcome]) -> PortResult<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        write!(self, |tx, district| runs::record(&tx, district, outcomes)
            .await?)
    }

    async fn finish_run(&self, run: &RunRecord) -> PortResult<()> {
        write!(self, |tx, district| runs::finish(&tx, district, run)
            .await?)
    }

    async fn runs(&self, limit: usize) -> PortResult<Vec<RunRecord>> {
        read!(self, |tx, district| runs::list(&tx, district, limit)
            .await?)
    }

    async fn outcomes(&self, filter: &OutcomeFilter) -> PortResult<Vec<RecordOutcome>> {
        read!(self, |tx, district| runs::outcomes(&tx, district, filter)
            .await?)
    }

    async fn schedule_state(&self) -> PortResult<ScheduleState> {
        read!(self, |tx, district| coord::schedule_state(&tx, district)
            .await?)
    }

    async fn save_schedule_state(&self, state: &ScheduleState) -> PortResult<()> {
        write!(self, |tx, district| coord::save_schedule_state(
            &tx, district, state
        )
        .await?)
    }

    async fn enqueue(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        at: DateTime<Utc>,
    ) -> PortResult<Job> {
        write!(self, |tx, district| coord::enqueue(
            &tx, district, scope, trigger, at
        )
        .await?)
    }

    async fn queue_head(&self) -> PortResult<Option<Job>> {
        read!(self, |tx, district| coord::queue_head(&tx, district)
            .await?)
    }

    async fn dequeue(&self, job: i64) -> PortResult<()> {
        write!(self, |tx, district| coord::delete(
            &tx,
            "dequeue a job",
            "DELETE FROM jobs WHERE district = $1 AND id = $2",
            district,
            &[&job],
        )
        .await?)
    }

    async fn try_lock(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> PortResult<LockAttempt> {
        write!(self, |tx, district| coord::try_lock(
            &tx, district, scope, holder, now, lease
        )
        .await?)
    }

    async fn unlock(&self, scope: SyncScope, holder: &str) -> PortResult<()> {
        write!(self, |tx, district| coord::delete(
            &tx,
            "release the lock",
            "DELETE FROM locks WHERE district = $1 AND scope = $2 AND holder = $3",
            district,
            &[&scope.as_str(), &holder],
        )
        .await?)
    }

    async fn journal(&self, run: RunId, entry: &str) -> PortResult<i64> {
        write!(self, |tx, district| coord::journal(
            &tx, district, run, entry
        )
        .await?)
    }

    async fn clear_journal(&self, entry: i64) -> PortResult<()> {
        write!(self, |tx, district| coord::delete(
            &tx,
            "clear a journal entry",
            "DELETE FROM journal WHERE district = $1 AND id = $2",
            district,
            &[&entry],
        )
        .await?)
    }

    async fn open_journal(&self) -> PortResult<Vec<JournalEntry>> {
        read!(self, |tx, district| coord::open_journal(&tx, district)
            .await?)
    }

    async fn apply_link_changes(&self, changes: &LinkChanges) -> PortResult<()> {
        if changes.is_empty() {
            return Ok(());
        }
        write!(self, |tx, district| links::apply(&tx, district, changes)
            .await?)
    }

    async fn shadow(&self) -> PortResult<Option<KeptShadow>> {
        read!(self, |tx, district| coord::shadow(&tx, district).await?)
    }

    async fn keep_shadow(&self, shadow: Option<&str>, plan: Option<&str>) -> PortResult<()> {
        write!(self, |tx, district| coord::keep_shadow(
            &tx, district, shadow, plan
        )
        .await?)
    }

    async fn save_setting(&self, name: &str, json: &str) -> PortResult<()> {
        write!(self, |tx, district| coord::save_setting(
            &tx, district, name, json
        )
        .await?)
    }

    async fn setting(&self, name: &str) -> PortResult<Option<String>> {
        read!(self, |tx, district| coord::setting(&tx, district, name)
            .await?)
    }

    async fn record_source(
        &self,
        run: RunId,
        read: u64,
        problems: &[SourceProblem],
    ) -> PortResult<()> {
        write!(self, |tx, district| runs::record_source(
            &tx, district, run, read, problems
        )
        .await?)
    }

    async fn source_problems(&self, filter: &SourceFilter) -> PortResult<Vec<RunSourceProblem>> {
        read!(self, |tx, district| runs::source_problems(
            &tx, district, filter
        )
        .await?)
    }

    async fn source_summaries(&self, runs: &[RunId]) -> PortResult<BTreeMap<RunId, SourceSummary>> {
        read!(self, |tx, district| runs::summaries(&tx, district, runs)
            .await?)
    }
}
