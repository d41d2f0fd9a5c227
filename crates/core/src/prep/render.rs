//! Text and CSV renderings of a match report, for the `prep report` command.

use std::collections::BTreeMap;
use std::fmt::{Display, Write as _};

use super::report::{
    MAX_CANDIDATES, MatchCounts, MatchEntry, MatchMethod, MatchOutcome, MatchReport, OutcomeKind,
};

/// The report as text an administrator reads: a count line per entity, then
/// per entity one line per record, grouped by outcome (matched, ambiguous,
/// conflicting, duplicate key, unmatched, already linked). Empty groups are
/// left out.
pub fn render_text(report: &MatchReport) -> String {
    let mut out = String::new();
    counts(&mut out, report);
    out.push_str(&render_listing(report));
    out
}

/// The report in brief, for the first screen: a count line per entity, then
/// per entity its records grouped by outcome and method, each group with
/// its count and its first `examples` records (by key).
pub fn render_summary(report: &MatchReport, examples: usize) -> String {
    let mut out = String::new();
    counts(&mut out, report);
    grouped(&mut out, "Users", &report.users, examples);
    grouped(&mut out, "Courses", &report.courses, examples);
    grouped(&mut out, "Sections", &report.sections, examples);
    out
}

/// Every record, per entity and outcome, without the count lines.
pub fn render_listing(report: &MatchReport) -> String {
    let mut out = String::new();
    section(&mut out, "Users", &report.users);
    section(&mut out, "Courses", &report.courses);
    section(&mut out, "Sections", &report.sections);
    out
}

fn counts(out: &mut String, report: &MatchReport) {
    let counts = report.counts();
    out.push_str("Data prep match report\n");
    count_line(out, "users", &counts.users);
    count_line(out, "courses", &counts.courses);
    count_line(out, "sections", &counts.sections);
}

fn grouped<Id: Display>(
    out: &mut String,
    title: &str,
    entries: &[MatchEntry<Id>],
    examples: usize,
) {
    if entries.is_empty() {
        return;
    }
    // Per outcome and method: the count and the first records.
    type Group<'e, Id> = (u64, Vec<&'e MatchEntry<Id>>);
    let mut groups: BTreeMap<(OutcomeKind, Option<MatchMethod>), Group<'_, Id>> = BTreeMap::new();
    for entry in entries {
        let (count, first) = groups
            .entry((entry.outcome.kind(), entry.outcome.method()))
            .or_default();
        *count += 1;
        if first.len() < examples {
            first.push(entry);
        }
    }
    let _ = writeln!(out, "\n{title}, by outcome");
    for ((kind, method), (count, first)) in groups {
        let how = method.map_or_else(String::new, |how| format!(" by {how}"));
        let _ = writeln!(out, "  {count:>6} {}{how}", kind.heading());
        for entry in first {
            let _ = writeln!(out, "           e.g. {}", entry_line(entry));
        }
    }
}

fn count_line(out: &mut String, entity: &str, counts: &MatchCounts) {
    let parts: Vec<String> = OutcomeKind::ALL
        .into_iter()
        .filter(|&kind| counts.get(kind) > 0)
        .map(|kind| format!("{} {}", counts.get(kind), kind.as_str().replace('_', " ")))
        .collect();
    let parts = if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    };
    let _ = writeln!(out, "  {entity}: {parts}");
}

fn section<Id: Display>(out: &mut String, title: &str, entries: &[MatchEntry<Id>]) {
    let _ = writeln!(out, "\n{title}");
    if entries.is_empty() {
        out.push_str("  (none in scope)\n");
        return;
    }
    for kind in OutcomeKind::ALL {
        let group: Vec<&MatchEntry<Id>> = entries
            .iter()
            .filter(|entry| entry.outcome.kind() == kind)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {} ({}):", kind.heading(), group.len());
        for entry in group {
            let _ = writeln!(out, "    {}", entry_line(entry));
        }
    }
}

/// One record on one line: key, quoted name, and what was found.
fn entry_line<Id: Display>(entry: &MatchEntry<Id>) -> String {
    format!(
        "{} {}{}",
        one_line(&entry.key),
        quoted_name(&entry.name),
        detail(&entry.outcome)
    )
}

/// What follows the key and name on a record's line.
fn detail<Id: Display>(outcome: &MatchOutcome<Id>) -> String {
    match outcome {
        MatchOutcome::AlreadyLinked { lms_id } => format!(" -> {lms_id}"),
        MatchOutcome::Matched { lms_id, how } => format!(" -> {lms_id} by {how}"),
        MatchOutcome::Ambiguous {
            candidates,
            more,
            how,
        } => {
            let more = if *more { ", and more" } else { "" };
            format!(" -> {}{more} by {how}", join(candidates, ", "))
        }
        MatchOutcome::Conflicting {
            lms_id,
            how,
            reason,
        } => format!(" -> {lms_id} by {how}: {}", one_line(&reason.to_string())),
        MatchOutcome::DuplicateKey { count } => format!(": {count} SIS records have this key"),
        MatchOutcome::Unmatched => String::new(),
    }
}

/// The name in quotes, so that a key and a name with spaces stay apart.
fn quoted_name(name: &str) -> String {
    format!("\"{}\"", one_line(name))
}

/// The text with line breaks and other control characters turned into spaces,
/// so that one record stays on one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn join<T: Display>(items: &[T], separator: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// The columns of [`render_csv`] and of [`report_rows`].
pub const CSV_HEADER: [&str; 8] = [
    "entity",
    "key",
    "name",
    "outcome",
    "method",
    "lms_id",
    "candidates",
    "reason",
];

/// The report as CSV (RFC 4180 quoting, `\n` line ends): a header line, then
/// one row per record, users then courses then sections, each sorted by key.
/// Ambiguous candidates are joined with `;`.
pub fn render_csv(report: &MatchReport) -> String {
    let mut out = String::new();
    csv_row(&mut out, CSV_HEADER.iter().copied());
    for row in report_rows(report) {
        csv_row(&mut out, row.iter().map(String::as_str));
    }
    out
}

/// One row per record, in the columns of [`CSV_HEADER`]: users then
/// courses then sections, each in the report's order.
pub fn report_rows(report: &MatchReport) -> Vec<[String; 8]> {
    let mut rows = Vec::new();
    entry_rows(&mut rows, "user", &report.users);
    entry_rows(&mut rows, "course", &report.courses);
    entry_rows(&mut rows, "section", &report.sections);
    rows
}

fn entry_rows<Id: Display>(rows: &mut Vec<[String; 8]>, entity: &str, entries: &[MatchEntry<Id>]) {
    for entry in entries {
        let outcome = &entry.outcome;
        let method = outcome.method().map(|how| how.as_str()).unwrap_or_default();
        let lms_id = outcome
            .lms_id()
            .map(ToString::to_string)
            .unwrap_or_default();
        let (candidates, reason) = match outcome {
            MatchOutcome::Ambiguous {
                candidates, more, ..
            } => {
                let reason = if *more {
                    format!("more than {MAX_CANDIDATES} candidates; the lowest ids are listed")
                } else {
                    String::new()
                };
                (join(candidates, ";"), reason)
            }
            MatchOutcome::Conflicting { reason, .. } => (String::new(), reason.to_string()),
            MatchOutcome::DuplicateKey { count } => {
                (String::new(), format!("{count} SIS records have this key"))
            }
            _ => (String::new(), String::new()),
        };
        rows.push([
            entity.to_owned(),
            entry.key.clone(),
            entry.name.clone(),
            outcome.kind().as_str().to_owned(),
            method.to_owned(),
            lms_id,
            candidates,
            reason,
        ]);
    }
}

fn csv_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (at, field) in fields.into_iter().enumerate() {
        if at > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(field));
    }
    out.push('\n');
}

/// One CSV field: quoted, with quotes doubled, when it holds a comma, a
/// quote, a line break or leading or trailing spaces; as is otherwise.
pub(super) fn csv_field(field: &str) -> String {
    let needs_quotes =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
