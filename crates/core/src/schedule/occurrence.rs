//! Window occurrences: the window on one local day, resolved to instants
//! across daylight-saving changes.

use std::fmt;

use chrono::offset::LocalResult;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::window::Window;

/// How far past a nonexistent local time to look for the end of the gap.
/// Daylight-saving gaps are an hour or less; the largest gap in the tz
/// database (Samoa skipping 2011-12-30) is one day.
const MAX_GAP_MINUTES: i64 = 2 * 24 * 60;

/// The window on one local calendar day: the unit "runs at most once".
///
/// `start` and `end` are the instants the window opens and closes, shown in
/// the district's zone. Local times are turned into instants like this:
///
/// * a start or end that does not exist (spring-forward gap, e.g. 02:30 on
///   2026-03-08 in America/Chicago) becomes the first instant after the gap
///   (03:00 CDT);
/// * a start that exists twice (fall-back overlap, e.g. 01:30 on 2026-11-01
///   in America/Chicago) is the earlier instant (01:30 CDT), and an end that
///   exists twice is the later one, so the window covers every moment the
///   wall clock shows a time inside it. Either way it is one occurrence, so
///   it is enqueued once.
///
/// If both ends fall in the same gap (a window of 02:00–02:45 on the
/// spring-forward day), the window opens when the gap ends and stays open for
/// its usual length (03:00–03:45 CDT), so it is never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The local date the window opens on (also for windows spanning midnight).
    pub date: NaiveDate,
    /// When the window opens.
    pub start: DateTime<Tz>,
    /// When the window closes (always after `start`).
    pub end: DateTime<Tz>,
}

impl Occurrence {
    /// Whether `at` is inside the window: `start <= at < end`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

impl fmt::Display for Occurrence {
    /// `the window of Mon 2026-03-02 (00:00 CST to 03:00 CST)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the window of {} ({} to {})",
            self.date.format("%a %Y-%m-%d"),
            self.start.format("%H:%M %Z"),
            self.end.format("%H:%M %Z"),
        )
    }
}

impl Window {
    /// The occurrence opening on local `date`, or `None` only at the edges of
    /// the supported calendar range.
    pub fn occurrence_on(&self, date: NaiveDate) -> Option<Occurrence> {
        let zone = self.zone();
        let local_start = date.and_time(self.start());
        let start = resolve(zone, local_start, Overlap::Earlier)?;
        let end_date = if self.spans_midnight() {
            date.checked_add_days(Days::new(1))?
        } else {
            date
        };
        let local_end = end_date.and_time(self.end());
        let mut end = resolve(zone, local_end, Overlap::Later)?;
        if end <= start {
            // Both ends in the same gap: keep the window's usual length.
            end = start.checked_add_signed(local_end - local_start)?;
        }
        Some(Occurrence { date, start, end })
    }

    /// The occurrence that opened most recently at or before `now`, if any.
    pub(crate) fn latest_started(&self, now: DateTime<Utc>) -> Option<Occurrence> {
        let today = now.with_timezone(&self.zone()).date_naive();
        // A few days either side guard against midnight transitions; the
        // right one is always among them.
        self.occurrences_around(today)
            .filter(|occurrence| occurrence.start <= now)
            .max_by_key(|occurrence| occurrence.start)
    }

    /// The earliest occurrence opening strictly after `after` and not before
    /// `not_before`.
    pub(crate) fn first_start(
        &self,
        after: DateTime<Utc>,
        not_before: Option<DateTime<Utc>>,
    ) -> Option<Occurrence> {
        let bound = not_before.map_or(after, |not_before| not_before.max(after));
        let day = bound.with_timezone(&self.zone()).date_naive();
        self.occurrences_around(day)
            .filter(|occurrence| {
                occurrence.start > after && not_before.is_none_or(|nb| occurrence.start >= nb)
            })
            .min_by_key(|occurrence| occurrence.start)
    }

    /// The occurrences opening from two days before `day` to three days after.
    fn occurrences_around(&self, day: NaiveDate) -> impl Iterator<Item = Occurrence> + '_ {
        (-2i64..=3).filter_map(move |offset| {
            let date = if offset < 0 {
                day.checked_sub_days(Days::new(offset.unsigned_abs()))
            } else {
                day.checked_add_days(Days::new(offset.unsigned_abs()))
            }?;
            self.occurrence_on(date)
        })
    }
}

/// Which instant to take when a local time happens twice.
#[derive(Debug, Clone, Copy)]
enum Overlap {
    Earlier,
    Later,
}

/// The instant of a local time in `zone` (see [`Occurrence`] for the rules).
fn resolve(zone: Tz, local: NaiveDateTime, overlap: Overlap) -> Option<DateTime<Tz>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(instant) => Some(instant),
        LocalResult::Ambiguous(first, second) => Some(match overlap {
            Overlap::Earlier => first.min(second),
            Overlap::Later => first.max(second),
        }),
        LocalResult::None => first_after_gap(zone, local),
    }
}

/// The first instant after the gap containing the nonexistent `local`: the
/// first whole minute after it that exists. Window times are whole minutes
/// and tz-database transitions fall on whole minutes, so this is the exact
/// moment the clocks jumped.
fn first_after_gap(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    (1..=MAX_GAP_MINUTES).find_map(|minutes| {
        let later = local.checked_add_signed(TimeDelta::minutes(minutes))?;
        zone.from_local_datetime(&later).earliest()
    })
}
