//! The daily sync window: validated construction, parsing and serde form.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Which end of a window a time belongs to, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The window start.
    Start,
    /// The window end.
    End,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bound::Start => "start",
            Bound::End => "end",
        })
    }
}

/// Why a window could not be built from settings.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WindowError {
    /// A time is not of the form `HH:MM` with `HH` 00–23 and `MM` 00–59.
    #[error("invalid sync window {bound} time {value:?}: expected HH:MM between 00:00 and 23:59")]
    InvalidTime {
        /// Which end of the window.
        bound: Bound,
        /// The text as given.
        value: String,
    },
    /// A time has seconds or fractions of a second; windows are whole minutes.
    #[error("invalid sync window {bound} time {value}: must be a whole minute (HH:MM)")]
    NotWholeMinute {
        /// Which end of the window.
        bound: Bound,
        /// The time as given.
        value: NaiveTime,
    },
    /// Start and end are the same, so the window would be empty (or ambiguous).
    #[error(
        "invalid sync window: start and end are both {time}; \
         a window needs two different times (it may span midnight, e.g. 22:00-02:00)"
    )]
    EmptyWindow {
        /// The time used for both ends.
        time: String,
    },
    /// The zone is not an IANA time zone name known to this build.
    #[error(
        "invalid sync window time zone {value:?}: not a known IANA time zone name \
         (e.g. \"America/Chicago\")"
    )]
    UnknownZone {
        /// The text as given.
        value: String,
    },
}

/// A daily window of the district's local wall-clock time, in an IANA zone.
///
/// When `end` is earlier than `start` the window spans midnight: 22:00–02:00
/// opens at 22:00 on one day and closes at 02:00 the next; that whole span is
/// one *occurrence*, named after the day it starts on. Both ends are whole
/// minutes and differ (checked by [`Window::new`]).
///
/// In config it reads and writes as `{ start = "00:00", end = "03:00", zone =
/// "America/Chicago" }`; deserializing validates like [`Window::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowRepr", into = "WindowRepr")]
pub struct Window {
    start: NaiveTime,
    end: NaiveTime,
    zone: Tz,
}

impl Window {
    /// A window from `start` to `end` in `zone`.
    ///
    /// # Errors
    /// [`WindowError::NotWholeMinute`] when a time has seconds, and
    /// [`WindowError::EmptyWindow`] when `start == end`.
    pub fn new(start: NaiveTime, end: NaiveTime, zone: Tz) -> Result<Self, WindowError> {
        for (bound, time) in [(Bound::Start, start), (Bound::End, end)] {
            if time.second() != 0 || time.nanosecond() != 0 {
                return Err(WindowError::NotWholeMinute { bound, value: time });
            }
        }
        if start == end {
            return Err(WindowError::EmptyWindow {
                time: format_hhmm(start),
            });
        }
        Ok(Self { start, end, zone })
    }

    /// Parses settings text: `Window::parse("00:00", "03:00", "America/Chicago")`.
    ///
    /// Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`WindowError::InvalidTime`] for a time such as `"25:00"`,
    /// [`WindowError::UnknownZone`] for a zone such as `"Mars/Olympus"`, and
    /// the errors of [`Window::new`].
    pub fn parse(start: &str, end: &str, zone: &str) -> Result<Self, WindowError> {
        let start = parse_hhmm(Bound::Start, start)?;
        let end = parse_hhmm(Bound::End, end)?;
        let zone = parse_zone(zone)?;
        Self::new(start, end, zone)
    }

    /// The local time the window opens.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// The local time the window closes (on the next day if before `start`).
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// The district's time zone.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether the window closes on the day after it opens.
    pub fn spans_midnight(&self) -> bool {
        self.end < self.start
    }
}

impl fmt::Display for Window {
    /// `00:00-03:00 America/Chicago`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{} {}",
            format_hhmm(self.start),
            format_hhmm(self.end),
            self.zone.name()
        )
    }
}

/// The config form of a [`Window`]: plain strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowRepr {
    start: String,
    end: String,
    zone: String,
}

impl TryFrom<WindowRepr> for Window {
    type Error = WindowError;

    fn try_from(repr: WindowRepr) -> Result<Self, Self::Error> {
        Self::parse(&repr.start, &repr.end, &repr.zone)
    }
}

impl From<Window> for WindowRepr {
    fn from(window: Window) -> Self {
        Self {
            start: format_hhmm(window.start),
            end: format_hhmm(window.end),
            zone: window.zone.name().to_owned(),
        }
    }
}

fn format_hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// Strict `HH:MM`: two digits each, hour 00–23, minute 00–59.
fn parse_hhmm(bound: Bound, text: &str) -> Result<NaiveTime, WindowError> {
    let invalid = || WindowError::InvalidTime {
        bound,
        value: text.to_owned(),
    };
    let trimmed = text.trim();
    let (hours, minutes) = trimmed.split_once(':').ok_or_else(invalid)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(invalid());
    }
    let hours = u32::from_str(hours).map_err(|_| invalid())?;
    let minutes = u32::from_str(minutes).map_err(|_| invalid())?;
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or_else(invalid)
}

fn parse_zone(text: &str) -> Result<Tz, WindowError> {
    Tz::from_str(text.trim()).map_err(|_| WindowError::UnknownZone {
        value: text.to_owned(),
    })
}
