//! Schedule policy: when the next scheduled sync may be enqueued.
//!
//! The policy is a pure function of the configured [`ScheduleMode`], the
//! recorded [`ScheduleState`] and the current instant: [`decide`] says whether
//! to enqueue a scheduled sync now, [`next_run`] says when the next one will
//! be, for display. The caller records what it did (sets
//! [`ScheduleState::last_scheduled_enqueue`] after enqueueing), so checking
//! again with the updated state never enqueues the same window twice.
//!
//! # Rules
//!
//! * The scheduled time is when the job is *enqueued*, not when it finishes.
//! * A window is enqueued at most once per [`Occurrence`] (the window opening
//!   on one local day; a window spanning midnight belongs to the day it opens).
//!   An enqueue at instant `t` belongs to the occurrence that opened most
//!   recently at or before `t`; an occurrence counts as run once
//!   `last_scheduled_enqueue` is at or after its start.
//! * **Grace rule.** A manual sync or a save of the timing settings at `e`
//!   means no occurrence opening before `e + 24 h` is enqueued: the schedule
//!   waits for the first window *start* at or after `e + 24 h`. Window
//!   00:00–03:00, manual sync Monday 14:00: Tuesday 00:00 is skipped, the next
//!   scheduled sync is Wednesday 00:00.
//! * **Missed window.** If the window closed without an enqueue (the machine
//!   was asleep or the scheduler was not running), the first check after it
//!   enqueues one catch-up run ([`EnqueueKind::CatchUp`]) for the most recent
//!   occurrence, even outside the window; older missed occurrences are not
//!   repeated. We catch up rather than wait for the next window start because
//!   the product promises a sync once a day: waiting could leave a district
//!   almost two days without a sync after one missed night, while the queue
//!   (one job at a time) already keeps a late run from overlapping another
//!   sync. The catch-up run belongs to the missed occurrence, so the next
//!   day's window still runs normally, and only once. A fresh state (no
//!   scheduled enqueue, manual sync or settings save recorded) has missed
//!   nothing: its first scheduled sync waits for a window.
//! * **Daylight saving.** Window times are local wall-clock times. A start that
//!   does not exist (spring-forward gap) opens at the first instant after the
//!   gap; a start that exists twice (fall-back overlap) opens at the earlier
//!   instant, and the day still has one occurrence. See [`Occurrence`].

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

mod occurrence;
mod reason;
mod window;

#[cfg(test)]
mod tests;

pub use occurrence::Occurrence;
pub use reason::{EnqueueKind, GraceCause, NextRunReason, WaitReason};
pub use window::{Bound, Window, WindowError};

/// How long after a manual sync or settings save no scheduled sync starts.
pub const GRACE_PERIOD: TimeDelta = TimeDelta::hours(24);

/// The events the schedule policy reads, as the state store keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleState {
    /// When the last manual sync was started.
    pub last_manual_sync: Option<DateTime<Utc>>,
    /// When the timing settings were last saved.
    pub last_settings_save: Option<DateTime<Utc>>,
    /// When the last scheduled sync was enqueued.
    pub last_scheduled_enqueue: Option<DateTime<Utc>>,
}

/// The sync timing setting.
///
/// In config: `{ mode = "manual" }` or `{ mode = "daily", start = "00:00",
/// end = "03:00", zone = "America/Chicago" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ScheduleMode {
    /// No scheduled syncs; syncs run only when started by hand.
    #[default]
    Manual,
    /// Once a day, enqueued within the window.
    Daily(Window),
}

/// What the scheduler should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Enqueue a scheduled sync now, then record it in
    /// [`ScheduleState::last_scheduled_enqueue`].
    Enqueue {
        /// The window occurrence this sync is for.
        occurrence: Occurrence,
        /// Whether the window is open or this is a catch-up run.
        kind: EnqueueKind,
    },
    /// Do not enqueue anything now.
    Wait {
        /// The earliest instant a scheduled sync may be enqueued, if the
        /// state does not change; `None` in manual mode.
        until: Option<DateTime<Utc>>,
        /// Why.
        reason: WaitReason,
    },
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Enqueue { occurrence, kind } => {
                write!(f, "enqueue a scheduled sync now: {kind} ({occurrence})")
            }
            Decision::Wait {
                until: Some(until),
                reason,
            } => write!(
                f,
                "wait until {}: {reason}",
                until.format("%Y-%m-%d %H:%M UTC")
            ),
            Decision::Wait {
                until: None,
                reason,
            } => write!(f, "no scheduled sync: {reason}"),
        }
    }
}

/// When the next scheduled sync will be enqueued, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRun {
    /// The instant: `now` when it is due now.
    pub at: DateTime<Utc>,
    /// Why it is then.
    pub reason: NextRunReason,
}

/// Whether to enqueue a scheduled sync at `now`; see the module docs for the
/// rules.
///
/// When the answer is [`Decision::Wait`] with `until: Some(t)`, checking again
/// at `t` with the same state enqueues.
pub fn decide(mode: &ScheduleMode, state: &ScheduleState, now: DateTime<Utc>) -> Decision {
    let window = match mode {
        ScheduleMode::Manual => {
            return Decision::Wait {
                until: None,
                reason: WaitReason::ManualMode,
            };
        }
        ScheduleMode::Daily(window) => window,
    };
    let out_of_range = Decision::Wait {
        until: None,
        reason: WaitReason::OutOfRange,
    };
    let grace = match Grace::of(state) {
        Some(Some(grace)) => Some(grace),
        Some(None) => return out_of_range,
        None => None,
    };
    let last = state.last_scheduled_enqueue;
    let not_yet_run = |o: &Occurrence| last.is_none_or(|last| o.start > last);
    let after_grace = |o: &Occurrence| grace.is_none_or(|grace| o.start >= grace.ends);

    // With nothing recorded at all there is no sign the schedule was active
    // when earlier windows closed, so nothing counts as missed.
    let may_catch_up = last.is_some() || grace.is_some();

    let current = window.latest_started(now);
    if let Some(current) = current {
        let kind = if current.contains(now) {
            Some(EnqueueKind::InWindow)
        } else if may_catch_up {
            Some(EnqueueKind::CatchUp)
        } else {
            None
        };
        if let Some(kind) = kind {
            if not_yet_run(&current) && after_grace(&current) {
                return Decision::Enqueue {
                    occurrence: current,
                    kind,
                };
            }
        }
    }

    let after = last.map_or(now, |last| last.max(now));
    let Some(next) = window.first_start(after, grace.map(|grace| grace.ends)) else {
        return out_of_range;
    };
    let without_grace = window.first_start(after, None);
    let grace_skipped_current =
        current.is_some_and(|current| not_yet_run(&current) && !after_grace(&current));
    let grace_delays_next = without_grace.is_none_or(|natural| next.start > natural.start);
    let zone = window.zone();
    let reason = match grace {
        Some(grace) if grace_skipped_current || grace_delays_next => WaitReason::GracePeriod {
            cause: grace.cause,
            at: grace.at.with_timezone(&zone),
            ends: grace.ends.with_timezone(&zone),
        },
        _ => match current {
            Some(current) if !not_yet_run(&current) && current.contains(now) => {
                WaitReason::AlreadyRanInWindow {
                    occurrence: current,
                }
            }
            _ => WaitReason::NextWindow { starts: next.start },
        },
    };
    Decision::Wait {
        until: Some(next.start.with_timezone(&Utc)),
        reason,
    }
}

/// When the next scheduled sync will be enqueued if the scheduler keeps
/// checking and the state does not change: `now` when [`decide`] would
/// enqueue now, otherwise the `until` of its [`Decision::Wait`]. `None` in
/// manual mode (and when no instant can be computed).
pub fn next_run(mode: &ScheduleMode, state: &ScheduleState, now: DateTime<Utc>) -> Option<NextRun> {
    match decide(mode, state, now) {
        Decision::Enqueue { kind, .. } => Some(NextRun {
            at: now,
            reason: NextRunReason::Due(kind),
        }),
        Decision::Wait {
            until: Some(at),
            reason,
        } => Some(NextRun {
            at,
            reason: NextRunReason::Waiting(reason),
        }),
        Decision::Wait { until: None, .. } => None,
    }
}

/// The grace period in force from the latest manual sync or settings save.
#[derive(Debug, Clone, Copy)]
struct Grace {
    cause: GraceCause,
    at: DateTime<Utc>,
    ends: DateTime<Utc>,
}

impl Grace {
    /// `None` when neither event happened; `Some(None)` when the end of the
    /// grace period is beyond the supported range.
    fn of(state: &ScheduleState) -> Option<Option<Self>> {
        let manual = state
            .last_manual_sync
            .map(|at| (at, GraceCause::ManualSync));
        let saved = state
            .last_settings_save
            .map(|at| (at, GraceCause::SettingsSaved));
        let (at, cause) = match (manual, saved) {
            (Some(manual), Some(saved)) if saved.0 > manual.0 => saved,
            (Some(manual), Some(_)) => manual,
            (event, None) | (None, event) => event?,
        };
        Some(
            at.checked_add_signed(GRACE_PERIOD)
                .map(|ends| Self { cause, at, ends }),
        )
    }
}
