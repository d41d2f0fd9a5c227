//! `MemStore`: a complete in-memory `StateStore`, for tests and embedders that
//! need no persistence.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rostersync_core::model::links::LinkChanges;
use rostersync_core::schedule::ScheduleState;
use rostersync_core::{Links, SyncScope};
use rostersync_ports::{
    ErrorKind, Job, JournalEntry, KeptShadow, Lease, LockAttempt, OutcomeFilter, PortError,
    PortResult, RecordOutcome, RunId, RunRecord, RunSourceProblem, SourceFilter, SourceProblem,
    SourceSummary, StateStore, Trigger,
};

use super::sis::lock;

/// Everything a [`StateStore`] keeps, in memory.
#[derive(Debug, Default)]
pub struct MemStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    links: Links,
    runs: Vec<RunRecord>,
    outcomes: Vec<RecordOutcome>,
    schedule: ScheduleState,
    jobs: Vec<Job>,
    next_job: i64,
    leases: Vec<Lease>,
    journal: BTreeMap<i64, (RunId, String)>,
    next_entry: i64,
    settings: BTreeMap<String, String>,
    shadow: KeptShadow,
    source: BTreeMap<RunId, (SourceSummary, Vec<SourceProblem>)>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> Self {
        MemStore::default()
    }

    /// The leases held now (expired ones included until taken over).
    pub fn leases(&self) -> Vec<Lease> {
        lock(&self.state).leases.clone()
    }

    /// The open journal entries: (entry id, run, text).
    pub fn journal_entries(&self) -> Vec<(i64, RunId, String)> {
        lock(&self.state)
            .journal
            .iter()
            .map(|(id, (run, text))| (*id, *run, text.clone()))
            .collect()
    }

    /// The queued jobs, in order.
    pub fn jobs(&self) -> Vec<Job> {
        lock(&self.state).jobs.clone()
    }
}

#[async_trait]
impl StateStore for MemStore {
    async fn links(&self) -> PortResult<Links> {
        Ok(lock(&self.state).links.clone())
    }

    async fn save_links(&self, links: &Links) -> PortResult<()> {
        lock(&self.state).links = links.clone();
        Ok(())
    }

    async fn start_run(&self, run: &RunRecord) -> PortResult<RunId> {
        let mut state = lock(&self.state);
        let id = state.runs.len() as RunId + 1;
        let mut run = run.clone();
        run.id = id;
        state.runs.push(run);
        Ok(id)
    }

    async fn record_outcomes(&self, outcomes: &[RecordOutcome]) -> PortResult<()> {
        let mut state = lock(&self.state);
        if let Some(unknown) = outcomes.iter().find(|o| !state.started(o.run)) {
            return Err(never_started(unknown.run));
        }
        state.outcomes.extend_from_slice(outcomes);
        Ok(())
    }

    async fn finish_run(&self, run: &RunRecord) -> PortResult<()> {
        let mut state = lock(&self.state);
        let Some(stored) = state.runs.iter_mut().find(|r| r.id == run.id) else {
            return Err(PortError::new(
                ErrorKind::NotFound,
                format!("run {} was never started", run.id),
            ));
        };
        // What a run learns as it goes; what it started as is kept.
        stored.forced = run.forced;
        stored.finished_at = run.finished_at;
        stored.status = run.status;
        stored.summary = run.summary.clone();
        stored.message.clone_from(&run.message);
        Ok(())
    }

    async fn runs(&self, limit: usize) -> PortResult<Vec<RunRecord>> {
        Ok(lock(&self.state)
            .runs
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn outcomes(&self, filter: &OutcomeFilter) -> PortResult<Vec<RecordOutcome>> {
        let state = lock(&self.state);
        let mut found: Vec<RecordOutcome> = state
            .outcomes
            .iter()
            .filter(|o| filter.run.is_none_or(|run| o.run == run))
            .filter(|o| filter.status.is_none_or(|status| o.status == status))
            .filter(|o| filter.entity.is_none_or(|entity| o.entity == entity))
            .cloned()
            .collect();
        // Stable: record order within a run is kept.
        found.sort_by_key(|o| o.run);
        Ok(found)
    }

    async fn schedule_state(&self) -> PortResult<ScheduleState> {
        Ok(lock(&self.state).schedule)
    }

    async fn save_schedule_state(&self, schedule: &ScheduleState) -> PortResult<()> {
        lock(&self.state).schedule = *schedule;
        Ok(())
    }

    async fn enqueue(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        at: DateTime<Utc>,
    ) -> PortResult<Job> {
        let mut state = lock(&self.state);
        state.next_job += 1;
        let job = Job {
            id: state.next_job,
            scope,
            trigger,
            enqueued_at: at,
        };
        state.jobs.push(job.clone());
        Ok(job)
    }

    async fn queue_head(&self) -> PortResult<Option<Job>> {
        Ok(lock(&self.state).jobs.first().cloned())
    }

    async fn dequeue(&self, job: i64) -> PortResult<()> {
        lock(&self.state).jobs.retain(|j| j.id != job);
        Ok(())
    }

    async fn try_lock(
        &self,
        scope: SyncScope,
        holder: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> PortResult<LockAttempt> {
        let Some(expires_at) = now.checked_add_signed(lease) else {
            return Err(PortError::new(
                ErrorKind::Invalid,
                "the lease ends beyond the time range",
            ));
        };
        let mut state = lock(&self.state);
        let blocker = state
            .leases
            .iter()
            .find(|l| l.holder != holder && l.scope.overlaps(scope) && l.expires_at > now);
        if let Some(blocker) = blocker {
            return Ok(LockAttempt::HeldBy(blocker.clone()));
        }
        state
            .leases
            .retain(|l| !(l.scope.overlaps(scope) && (l.holder != holder || l.scope == scope)));
        let taken = Lease {
            scope,
            holder: holder.to_owned(),
            expires_at,
        };
        state.leases.push(taken.clone());
        Ok(LockAttempt::Taken(taken))
    }

    async fn unlock(&self, scope: SyncScope, holder: &str) -> PortResult<()> {
        lock(&self.state)
            .leases
            .retain(|l| !(l.scope == scope && l.holder == holder));
        Ok(())
    }

    async fn journal(&self, run: RunId, entry: &str) -> PortResult<i64> {
        let mut state = lock(&self.state);
        if !state.started(run) {
            return Err(never_started(run));
        }
        state.next_entry += 1;
        let id = state.next_entry;
        state.journal.insert(id, (run, entry.to_owned()));
        Ok(id)
    }

    async fn clear_journal(&self, entry: i64) -> PortResult<()> {
        lock(&self.state).journal.remove(&entry);
        Ok(())
    }

    async fn open_journal(&self) -> PortResult<Vec<JournalEntry>> {
        Ok(lock(&self.state)
            .journal
            .iter()
            .map(|(id, (run, text))| JournalEntry {
                id: *id,
                run: *run,
                entry: text.clone(),
            })
            .collect())
    }

    async fn apply_link_changes(&self, changes: &LinkChanges) -> PortResult<()> {
        let mut state = lock(&self.state);
        state.links.apply_changes(changes);
        state.shadow.landed.extend(changes.landed.iter().cloned());
        Ok(())
    }

    async fn shadow(&self) -> PortResult<Option<KeptShadow>> {
        let shadow = lock(&self.state).shadow.clone();
        Ok((shadow != KeptShadow::default()).then_some(shadow))
    }

    async fn keep_shadow(&self, shadow: Option<&str>, plan: Option<&str>) -> PortResult<()> {
        lock(&self.state).shadow = KeptShadow {
            shadow: shadow.map(str::to_owned),
            plan: plan.map(str::to_owned),
            landed: Vec::new(),
        };
        Ok(())
    }

    async fn save_setting(&self, name: &str, json: &str) -> PortResult<()> {
        lock(&self.state)
            .settings
            .insert(name.to_owned(), json.to_owned());
        Ok(())
    }

    async fn setting(&self, name: &str) -> PortResult<Option<String>> {
        Ok(lock(&self.state).settings.get(name).cloned())
    }

    async fn record_source(
        &self,
        run: RunId,
        read: u64,
        problems: &[SourceProblem],
    ) -> PortResult<()> {
        lock(&self.state)
            .source
            .insert(run, (SourceSummary::of(read, problems), problems.to_vec()));
        Ok(())
    }

    async fn source_problems(&self, filter: &SourceFilter) -> PortResult<Vec<RunSourceProblem>> {
        Ok(lock(&self.state)
            .source
            .iter()
            .filter(|(run, _)| filter.run.is_none_or(|wanted| wanted == **run))
            .flat_map(|(run, (_, problems))| {
                problems.iter().map(move |problem| RunSourceProblem {
                    run: *run,
                    problem: problem.clone(),
                })
            })
            .filter(|found| filter.kind.is_none_or(|kind| kind == found.problem.kind))
            .filter(|found| {
                filter
                    .record
                    .is_none_or(|record| Some(record) == found.problem.record)
            })
            .collect())
    }

    async fn source_summaries(&self, runs: &[RunId]) -> PortResult<BTreeMap<RunId, SourceSummary>> {
        let state = lock(&self.state);
        Ok(runs
            .iter()
            .filter_map(|run| state.source.get(run).map(|(summary, _)| (*run, *summary)))
            .collect())
    }
}

impl State {
    /// Whether run `id` was started.
    fn started(&self, id: RunId) -> bool {
        self.runs.iter().any(|run| run.id == id)
    }
}

/// The refusal of what names a run never started.
fn never_started(run: RunId) -> PortError {
    PortError::new(ErrorKind::Invalid, format!("run {run} was never started"))
}
