//! The sync the console started, watched while it runs: its stage, records
//! settled of the plan's total and the time left, kept in the console (not
//! the page), so a reload shows it again.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rostersync_core::SyncScope;
use rostersync_engine::{Progress, Stage};

use crate::actions::SyncEnd;

/// What the progress page shows of a sync.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The scope synced.
    pub scope: SyncScope,
    /// The stage it is in, in words.
    pub stage: String,
    /// Records settled so far.
    pub settled: u64,
    /// Records the plan holds (0 until planned).
    pub total: u64,
    /// The time left, estimated from the pace so far, once writing.
    pub left: Option<Duration>,
    /// How long it has run.
    pub elapsed: Duration,
    /// How it ended, once it has.
    pub end: Option<SyncEnd>,
}

#[derive(Debug)]
struct State {
    scope: SyncScope,
    stage: Option<Stage>,
    total: u64,
    settled: u64,
    started: Instant,
    writing_since: Option<Instant>,
    end: Option<SyncEnd>,
}

/// The console's one sync (at most one at a time; the store's lock keeps it
/// from overlapping a sync of the CLI or the service).
#[derive(Debug, Default)]
pub(crate) struct LiveSync(Mutex<Option<State>>);

impl LiveSync {
    /// Starts watching a sync of `scope`; `false` when one is still running.
    pub(crate) fn begin(&self, scope: SyncScope, now: Instant) -> bool {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.as_ref().is_some_and(|s| s.end.is_none()) {
            return false;
        }
        *state = Some(State {
            scope,
            stage: None,
            total: 0,
            settled: 0,
            started: now,
            writing_since: None,
            end: None,
        });
        true
    }

    /// Records how the sync ended.
    pub(crate) fn end(&self, end: SyncEnd) {
        self.update(|state| state.end = Some(end));
    }

    /// What to show now.
    pub(crate) fn snapshot(&self, now: Instant) -> Option<Snapshot> {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let state = state.as_ref()?;
        let left = match (state.writing_since, state.end.is_none()) {
            (Some(since), true) if state.settled > 0 && state.total > state.settled => {
                let per_record =
                    now.saturating_duration_since(since).as_secs_f64() / state.settled as f64;
                Some(Duration::from_secs_f64(
                    per_record * (state.total - state.settled) as f64,
                ))
            }
            _ => None,
        };
        Some(Snapshot {
            scope: state.scope,
            stage: match (&state.end, state.stage) {
                (Some(_), _) => "finished".to_owned(),
                (None, Some(stage)) => stage.to_string(),
                (None, None) => "starting".to_owned(),
            },
            settled: state.settled,
            total: state.total,
            left,
            elapsed: now.saturating_duration_since(state.started),
            end: state.end.clone(),
        })
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        if let Some(state) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            change(state);
        }
    }
}

/// The engine's progress reports, into a [`LiveSync`].
#[derive(Debug)]
pub(crate) struct Reporter(pub(crate) Arc<LiveSync>);

impl Progress for Reporter {
    fn stage(&self, stage: Stage) {
        self.0.update(|state| {
            state.stage = Some(stage);
            if stage == Stage::Writing {
                state.writing_since = Some(Instant::now());
            }
        });
    }

    fn planned(&self, records: u64) {
        self.0.update(|state| state.total = records);
    }

    fn settled(&self, records: u64) {
        self.0.update(|state| state.settled += records);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sync_waits_for_the_first_and_the_time_left_follows_the_pace() {
        let live = Arc::new(LiveSync::default());
        let start = Instant::now();
        assert!(live.begin(SyncScope::Users, start));
        assert!(!live.begin(SyncScope::All, start), "one sync at a time");
        let reporter = Reporter(live.clone());
        reporter.stage(Stage::Planning);
        reporter.planned(100);
        reporter.stage(Stage::Writing);
        reporter.settled(25);
        let writing = live
            .0
            .lock()
            .unwrap()
            .as_ref()
            .unwrap()
            .writing_since
            .unwrap();
        let shown = live.snapshot(writing + Duration::from_secs(10)).unwrap();
        assert_eq!((shown.settled, shown.total), (25, 100));
        assert_eq!(shown.stage, "writing to the LMS");
        assert_eq!(shown.left, Some(Duration::from_secs(30)));
        live.end(SyncEnd {
            run: Some(4),
            status: "succeeded".to_owned(),
            ok: true,
        });
        let shown = live.snapshot(writing).unwrap();
        assert_eq!(shown.stage, "finished");
        assert_eq!(shown.left, None);
        assert!(
            live.begin(SyncScope::All, start),
            "a finished sync frees the slot"
        );
    }
}
