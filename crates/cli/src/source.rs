//! How what a SIS read found is shown: one summary line ("412 records read;
//! 3 left out, 1 unreadable, 5 warnings"), then the problems grouped by
//! reason with counts and a few examples, and, where asked, every problem.

use rostersync_ports::{ProblemKind, SourceProblem, SourceSummary, group_problems};

use crate::output::Lines;

/// Examples shown per group.
pub(crate) const EXAMPLES: usize = 3;

/// "412 records read; 3 left out, 1 unreadable, 5 warnings".
pub(crate) fn summary_line(summary: &SourceSummary) -> String {
    let mut parts = Vec::new();
    for (count, words) in [
        (summary.left_out, "left out"),
        (summary.unreadable, "unreadable"),
        (summary.warnings, "with warnings"),
    ] {
        if count > 0 {
            parts.push(format!("{count} {words}"));
        }
    }
    if parts.is_empty() {
        format!(
            "{} SIS record(s) read; none left out or unreadable",
            summary.read
        )
    } else {
        format!("{} SIS record(s) read; {}", summary.read, parts.join(", "))
    }
}

/// What the kind of a problem means, for a heading.
fn kind_words(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::Unreadable => "unreadable (not synced)",
        ProblemKind::LeftOut => "left out (not synced)",
        ProblemKind::Warning => "warning (synced)",
    }
}

/// Prints the problems grouped by kind, kind of record and reason, each
/// group with its count and up to [`EXAMPLES`] examples.
pub(crate) fn print_groups<'p>(
    out: impl Lines,
    problems: impl IntoIterator<Item = &'p SourceProblem>,
) {
    for group in group_problems(problems, EXAMPLES) {
        let record = group.record.map_or("record", |record| record.as_str());
        out.line(format!(
            "  {} {record}: {} — {}",
            kind_words(group.kind),
            group.count,
            group.reason
        ));
        for example in &group.examples {
            out.line(format!("      e.g. {}", describe(example)));
        }
    }
}

/// One problem on one line: where, which record and field, and the message.
pub(crate) fn describe(problem: &SourceProblem) -> String {
    let mut text = problem.location.clone();
    if let Some(key) = &problem.key {
        if !problem.location.contains(key.as_str()) {
            text.push_str(&format!(" ({key})"));
        }
    }
    if let Some(field) = &problem.field {
        text.push_str(&format!(" [{field}]"));
    }
    format!("{text}: {}", problem.message)
}

/// Table rows of problems, for a full listing.
pub(crate) fn rows<'p>(problems: impl IntoIterator<Item = &'p SourceProblem>) -> Vec<Vec<String>> {
    problems
        .into_iter()
        .map(|problem| {
            vec![
                problem.kind.as_str().to_owned(),
                problem
                    .record
                    .map_or(String::new(), |record| record.as_str().to_owned()),
                problem.location.clone(),
                problem.key.clone().unwrap_or_default(),
                problem.field.clone().unwrap_or_default(),
                problem.message.clone(),
            ]
        })
        .collect()
}

/// The headings of [`rows`].
pub(crate) const COLUMNS: [&str; 6] = ["kind", "record", "where", "key", "field", "reason"];

#[cfg(test)]
mod tests {
    use super::*;
    use rostersync_ports::RecordKind;

    #[test]
    fn the_summary_names_each_kind_that_occurred() {
        let problems = vec![
            SourceProblem::new("a line 2", "x").left_out(),
            SourceProblem::new("a line 3", "y").left_out(),
            SourceProblem::new("a line 4", "z").warning(),
        ];
        let summary = SourceSummary::of(412, &problems);
        assert_eq!(
            summary_line(&summary),
            "412 SIS record(s) read; 2 left out, 1 with warnings"
        );
        assert_eq!(
            summary_line(&SourceSummary::of(7, &[])),
            "7 SIS record(s) read; none left out or unreadable"
        );
        let problem = SourceProblem::new("classes.csv line 7", "in 2024")
            .record(RecordKind::Section)
            .key("C1")
            .field("termSourcedIds");
        assert_eq!(
            describe(&problem),
            "classes.csv line 7 (C1) [termSourcedIds]: in 2024"
        );
    }
}
