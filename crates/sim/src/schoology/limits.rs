//! The text Schoology refuses in a record: a value longer than its field
//! holds, or one holding a control character.
//!
//! The public record states neither limit. The limits are the core's
//! ASSUMPTIONs ([`rostersync_core::lms_text`]), read from there so that one
//! place holds them, and the simulator is strict about them: a record that
//! breaks one is refused, per record, naming the field, as a real server
//! answers a bad field. So a client that sends SIS text without the core's
//! rule fails here, not first in a district's real LMS.
//!
//! The raw value is checked, before the simulator trims it: a trailing line
//! break is a control character too.

use rostersync_core::lms_text::{TextKind, unfit};
use serde_json::Value;

/// The text fields of a user that Schoology shows, with their kinds.
pub(crate) const USER: &[(&str, TextKind)] = &[
    ("school_uid", TextKind::Code),
    ("name_first", TextKind::Name),
    ("name_first_preferred", TextKind::Name),
    ("name_middle", TextKind::Name),
    ("name_last", TextKind::Name),
];

/// The text fields of a course.
pub(crate) const COURSE: &[(&str, TextKind)] = &[
    ("title", TextKind::Title),
    ("course_code", TextKind::Code),
    ("department", TextKind::Title),
];

/// The text fields of a section (`section_title` is `title` on a write).
pub(crate) const SECTION: &[(&str, TextKind)] = &[
    ("title", TextKind::Title),
    ("section_title", TextKind::Title),
    ("section_code", TextKind::Code),
    ("section_school_code", TextKind::Code),
    ("location", TextKind::Title),
    ("class_periods", TextKind::Code),
];

/// The text fields of a grading period.
pub(crate) const GRADING_PERIOD: &[(&str, TextKind)] = &[("title", TextKind::Title)];

/// Refuses the record `item` when one of its `fields` does not fit; the
/// message names the field.
pub(crate) fn check(item: &Value, fields: &[(&str, TextKind)]) -> Result<(), String> {
    for &(name, kind) in fields {
        let Some(value) = item.get(name).and_then(Value::as_str) else {
            continue;
        };
        if let Some(problem) = unfit(value, kind) {
            return Err(format!("Invalid value for {name}: {problem}"));
        }
    }
    Ok(())
}
