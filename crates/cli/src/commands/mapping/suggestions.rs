//! Printing and applying the core's suggested pairs (`--suggest`, `--auto`).

use super::*;

/// Prints suggestions: the pairs, their reasons and confidence, and what
/// `--auto` does with each; `notes` are lines after the table.
pub(super) fn print_suggestions<K, Id>(
    out: Out,
    what: &str,
    suggestions: &[Suggestion<K, Id>],
    notes: &[String],
) -> anyhow::Result<u8>
where
    K: std::fmt::Display + Serialize,
    Id: std::fmt::Display + Serialize + Clone,
{
    if out.json {
        out.json(&json!({ "suggestions": suggestions, "notes": notes }))?;
        return Ok(EXIT_OK);
    }
    if suggestions.is_empty() {
        out.line(format!(
            "every {what} that can be mapped is mapped; nothing to suggest"
        ));
    } else {
        out.table(
            &[
                what,
                "name",
                "candidate",
                "title",
                "reason",
                "confidence",
                "--auto",
            ],
            &suggestion_rows(suggestions),
        );
    }
    for note in notes {
        out.line(note);
    }
    Ok(EXIT_OK)
}

/// One row per candidate (or one for a record with none).
fn suggestion_rows<K, Id>(suggestions: &[Suggestion<K, Id>]) -> Vec<Vec<String>>
where
    K: std::fmt::Display,
    Id: std::fmt::Display + Clone,
{
    let mut rows = Vec::new();
    for suggestion in suggestions {
        let verdict = verdict(&suggestion.outcome);
        if suggestion.candidates.is_empty() {
            rows.push(vec![
                suggestion.sis.to_string(),
                suggestion.title.clone(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                verdict.clone(),
            ]);
        }
        for (n, candidate) in suggestion.candidates.iter().enumerate() {
            let first = n == 0;
            rows.push(vec![
                if first {
                    suggestion.sis.to_string()
                } else {
                    String::new()
                },
                if first {
                    suggestion.title.clone()
                } else {
                    String::new()
                },
                candidate.id.to_string(),
                candidate.title.clone(),
                candidate.reason.to_string(),
                candidate.confidence.to_string(),
                if first {
                    verdict.clone()
                } else {
                    String::new()
                },
            ]);
        }
    }
    rows
}

/// What `--auto` does with a suggestion, in words.
pub(crate) fn verdict<Id: std::fmt::Display, K: std::fmt::Display>(
    outcome: &Outcome<Id, K>,
) -> String {
    match outcome {
        Outcome::Apply { id } => format!("maps to {id}"),
        Outcome::Ambiguous => "left: ambiguous, map it by hand".to_owned(),
        Outcome::Unsure => "left: low confidence, map it by hand".to_owned(),
        Outcome::Taken { by } => format!("left: the candidate is mapped from {by}"),
        Outcome::Contested { with } => format!(
            "left: also the one candidate of {}",
            with.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::NoCandidate => "left: no candidate".to_owned(),
    }
}

/// Applies the unambiguous suggestions in one save and lists the rest.
pub(super) fn apply_suggestions<K, Id>(
    config: &Config,
    out: Out,
    what: &str,
    suggestions: &[Suggestion<K, Id>],
    apply: impl Fn(&mut MappingSpec, &K, &Id),
) -> anyhow::Result<u8>
where
    K: std::fmt::Display + Serialize,
    Id: std::fmt::Display + Serialize + Clone,
{
    let (applied, left): (Vec<_>, Vec<_>) = suggestions
        .iter()
        .partition(|suggestion| suggestion.to_apply().is_some());
    if applied.is_empty() {
        if out.json {
            out.json(&json!({ "applied": applied, "left": left }))?;
        } else {
            out.line(format!(
                "no {what} has exactly one likely match; nothing saved"
            ));
            list_left(out, what, &left);
        }
        return Ok(EXIT_OK);
    }
    let saved = save(config, |spec| {
        for suggestion in &applied {
            if let Some(id) = suggestion.to_apply() {
                apply(spec, &suggestion.sis, id);
            }
        }
        Ok(format!(
            "mapped {} {what}(s) with exactly one likely match",
            applied.len()
        ))
    })?;
    if out.json {
        out.json(&json!({
            "applied": applied,
            "left": left,
            "warnings": saved.warnings,
        }))?;
        return Ok(EXIT_OK);
    }
    print_saved(config, out, &saved);
    for suggestion in &applied {
        if let (Some(id), Some(candidate)) = (suggestion.to_apply(), suggestion.candidates.first())
        {
            out.line(format!(
                "  {} {} → {id} {} ({}, {})",
                suggestion.sis,
                suggestion.title,
                candidate.title,
                candidate.reason,
                candidate.confidence
            ));
        }
    }
    list_left(out, what, &left);
    Ok(EXIT_OK)
}

fn list_left<K, Id>(out: Out, what: &str, left: &[&Suggestion<K, Id>])
where
    K: std::fmt::Display,
    Id: std::fmt::Display + Clone,
{
    if left.is_empty() {
        return;
    }
    out.line(format!("left for you to map ({} {what}(s)):", left.len()));
    for suggestion in left {
        out.line(format!(
            "  {} {}: {}",
            suggestion.sis,
            suggestion.title,
            verdict(&suggestion.outcome)
        ));
    }
}
