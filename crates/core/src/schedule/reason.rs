//! Why the schedule enqueues now or waits, in words an administrator reads.

use std::fmt;

use chrono::DateTime;
use chrono_tz::Tz;

use super::occurrence::Occurrence;

/// Local times in reasons read like `Mon 2026-03-02 14:00 CST`.
const SHOWN: &str = "%a %Y-%m-%d %H:%M %Z";

/// How an enqueue relates to its window occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueKind {
    /// The window is open now.
    InWindow,
    /// The window has closed without a scheduled sync (e.g. the machine was
    /// asleep); this is its one catch-up run.
    CatchUp,
}

impl fmt::Display for EnqueueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EnqueueKind::InWindow => "the sync window is open",
            EnqueueKind::CatchUp => "catching up on a sync window that was missed",
        })
    }
}

/// The event that started a grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraceCause {
    /// A manual sync was started.
    ManualSync,
    /// The timing settings were saved.
    SettingsSaved,
}

impl fmt::Display for GraceCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GraceCause::ManualSync => "a manual sync was started",
            GraceCause::SettingsSaved => "the sync timing settings were saved",
        })
    }
}

/// Why no scheduled sync is enqueued now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// Scheduling is off; syncs only run when started by hand.
    ManualMode,
    /// A manual sync or a settings save was less than 24 hours before the
    /// window that would otherwise run, so that window is skipped.
    GracePeriod {
        /// What started the grace period.
        cause: GraceCause,
        /// When it happened.
        at: DateTime<Tz>,
        /// 24 hours later: no scheduled sync is enqueued before this.
        ends: DateTime<Tz>,
    },
    /// The scheduled sync for the open window has already been enqueued.
    AlreadyRanInWindow {
        /// The open window.
        occurrence: Occurrence,
    },
    /// Waiting for the next window to open.
    NextWindow {
        /// When it opens.
        starts: DateTime<Tz>,
    },
    /// The instants involved lie beyond the calendar range this program
    /// handles (hundreds of thousands of years away), so nothing is scheduled;
    /// the schedule state is corrupt.
    OutOfRange,
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitReason::ManualMode => {
                f.write_str("scheduling is off (manual mode): syncs run only when started by hand")
            }
            WaitReason::GracePeriod { cause, at, ends } => write!(
                f,
                "grace period: {cause} at {}, so no scheduled sync starts before {} \
                 and the next one waits for the following window start",
                at.format(SHOWN),
                ends.format(SHOWN),
            ),
            WaitReason::AlreadyRanInWindow { occurrence } => {
                write!(f, "the scheduled sync already ran in {occurrence}")
            }
            WaitReason::NextWindow { starts } => {
                write!(f, "the next sync window starts at {}", starts.format(SHOWN))
            }
            WaitReason::OutOfRange => f.write_str(
                "no sync window can be computed: the schedule state holds dates \
                 outside the supported calendar range",
            ),
        }
    }
}

/// Why the next scheduled sync is at the time [`super::next_run`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRunReason {
    /// It is due now.
    Due(EnqueueKind),
    /// It waits (see [`WaitReason`]).
    Waiting(WaitReason),
}

impl fmt::Display for NextRunReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextRunReason::Due(kind) => write!(f, "due now: {kind}"),
            NextRunReason::Waiting(reason) => reason.fmt(f),
        }
    }
}
