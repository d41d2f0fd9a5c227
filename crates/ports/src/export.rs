//! Exports of outcomes and of source problems: CSV (RFC 4180 quoting, `\n`
//! line ends, like the core's match report) and JSON (an array of objects,
//! as serde writes [`RecordOutcome`] and [`RunSourceProblem`]).
//!
//! They format what any [`StateStore`](crate::StateStore) returns, so every
//! store (and the binary and the console, whichever store they open) exports
//! the same bytes.

use std::borrow::Cow;

use rostersync_core::entity::Action;

use crate::sis::RecordKind;
use crate::store::{RecordOutcome, RunSourceProblem};

/// The columns of [`outcomes_csv`].
pub const CSV_HEADER: [&str; 6] = ["run", "entity", "key", "action", "status", "reason"];

/// Quotes one CSV field when it needs it: when it holds a comma, a double
/// quote, a line break, or starts or ends with white space (which some
/// readers trim). Quotes inside are doubled.
pub fn csv_field(field: &str) -> Cow<'_, str> {
    let needs_quotes = field.contains([',', '"', '\n', '\r'])
        || field.starts_with(char::is_whitespace)
        || field.ends_with(char::is_whitespace);
    if !needs_quotes {
        return Cow::Borrowed(field);
    }
    let mut quoted = String::with_capacity(field.len() + 2);
    quoted.push('"');
    for c in field.chars() {
        if c == '"' {
            quoted.push('"');
        }
        quoted.push(c);
    }
    quoted.push('"');
    Cow::Owned(quoted)
}

fn push_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (at, field) in fields.into_iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(field));
    }
    out.push('\n');
}

/// Outcomes as CSV: a header line ([`CSV_HEADER`]), then one line per
/// outcome in the order given. A missing action or reason is an empty field.
pub fn outcomes_csv(outcomes: &[RecordOutcome]) -> String {
    let mut out = String::new();
    push_row(&mut out, CSV_HEADER);
    for outcome in outcomes {
        let run = outcome.run.to_string();
        push_row(
            &mut out,
            [
                run.as_str(),
                outcome.entity.as_str(),
                &outcome.key,
                outcome.action.map(Action::as_str).unwrap_or_default(),
                outcome.status.as_str(),
                outcome.reason.as_deref().unwrap_or_default(),
            ],
        );
    }
    out
}

/// Outcomes as a pretty-printed JSON array, in the order given.
///
/// # Errors
///
/// Never in practice (every field is plain data); serde's error is kept
/// rather than hidden.
pub fn outcomes_json(outcomes: &[RecordOutcome]) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(outcomes)
}

/// The columns of [`source_problems_csv`].
pub const SOURCE_CSV_HEADER: [&str; 8] = [
    "run", "kind", "record", "location", "key", "field", "reason", "message",
];

/// Source problems as CSV: a header line ([`SOURCE_CSV_HEADER`]), then one
/// line per problem in the order given; a missing value is an empty field.
pub fn source_problems_csv(problems: &[RunSourceProblem]) -> String {
    let mut out = String::new();
    push_row(&mut out, SOURCE_CSV_HEADER);
    for found in problems {
        let run = found.run.to_string();
        let problem = &found.problem;
        push_row(
            &mut out,
            [
                run.as_str(),
                problem.kind.as_str(),
                problem.record.map(RecordKind::as_str).unwrap_or_default(),
                &problem.location,
                problem.key.as_deref().unwrap_or_default(),
                problem.field.as_deref().unwrap_or_default(),
                problem.reason.as_deref().unwrap_or_default(),
                &problem.message,
            ],
        );
    }
    out
}

/// Source problems as a pretty-printed JSON array, in the order given.
///
/// # Errors
///
/// Never in practice; serde's error is kept rather than hidden.
pub fn source_problems_json(problems: &[RunSourceProblem]) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(problems)
}

#[cfg(test)]
mod tests;
