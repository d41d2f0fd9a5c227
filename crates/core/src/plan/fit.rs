//! The field values the plan builds, made to fit the LMS by the one rule in
//! [`lms_text`](crate::lms_text), with a note naming the field wherever the
//! rule changed something a reader would notice; and the SIS keys the LMS's
//! unique fields must hold as they are.
//!
//! Values are fitted before they are compared with the LMS, so the LMS holds
//! what the plan compares: a value cleaned once is unchanged on the next run.

use std::borrow::Cow;

use crate::lms_text::{Fitted, TextKind, fit, unfit};
use crate::plan::types::{NoteReason, SkipReason};

/// The note for a value `field` that [`fit`] changed, if a reader would notice.
pub(crate) fn note(field: &str, fitted: &Fitted<'_>) -> Option<NoteReason> {
    fitted.fixes.any().then(|| NoteReason::TextCleaned {
        field: field.to_owned(),
        sent: fitted.text.to_string(),
        control_removed: fitted.fixes.control_removed,
        cut_from: fitted.fixes.cut_from,
    })
}

/// `text` made to fit a field of `kind`, noting the change in `notes`.
pub(crate) fn field<'t>(
    notes: &mut Vec<NoteReason>,
    name: &str,
    text: &'t str,
    kind: TextKind,
) -> Cow<'t, str> {
    let fitted = fit(text, kind);
    notes.extend(note(name, &fitted));
    fitted.text
}

/// An optional value made to fit: `None` when nothing is left of it (and
/// then no note, since nothing is sent).
pub(crate) fn optional<'t>(
    notes: &mut Vec<NoteReason>,
    name: &str,
    text: Option<&'t str>,
    kind: TextKind,
) -> Option<Cow<'t, str>> {
    let fitted = fit(text?, kind);
    if fitted.text.is_empty() {
        return None;
    }
    notes.extend(note(name, &fitted));
    Some(fitted.text)
}

/// A value built for the LMS (not borrowed from the SIS) made to fit: kept
/// as it is, without a copy, when it already fits; `None` when nothing is
/// left of it.
pub(crate) fn owned(
    notes: &mut Vec<NoteReason>,
    name: &str,
    text: String,
    kind: TextKind,
) -> Option<String> {
    let fitted = fit(&text, kind);
    if fitted.text.is_empty() {
        return None;
    }
    notes.extend(note(name, &fitted));
    if matches!(&fitted.text, Cow::Borrowed(kept) if kept.len() == text.len()) {
        drop(fitted);
        return Some(text);
    }
    Some(fitted.text.into_owned())
}

/// Refuses a SIS key that the LMS's unique field `name` would not hold as it
/// is: a key is the record's identity, so it is never cleaned or cut.
pub(crate) fn key(key: &str, name: &str) -> Result<(), SkipReason> {
    match unfit(key, TextKind::Code) {
        None => Ok(()),
        Some(problem) => Err(SkipReason::KeyUnfit {
            field: name.to_owned(),
            problem,
        }),
    }
}
