//! `terms list|map|create-period`: SIS terms beside LMS grading periods, and their pairs.

use super::*;

/// `terms list|map|create-period`.
pub(crate) async fn terms(command: &TermsCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    match command {
        TermsCommand::List => list_terms(config, out).await,
        TermsCommand::Map { suggest: true, .. } => {
            let ends = read_ends(config, true).await?;
            let spec = config.mapping.spec();
            let suggestions =
                suggest::suggest_terms(&ends.terms, &ends.directory.grading_periods, spec);
            print_suggestions(out, "SIS term", &suggestions, &unmapped_note(&ends, spec))
        }
        TermsCommand::Map { auto: true, .. } => {
            let ends = read_ends(config, true).await?;
            let spec = config.mapping.spec();
            let suggestions =
                suggest::suggest_terms(&ends.terms, &ends.directory.grading_periods, spec);
            for note in unmapped_note(&ends, spec) {
                out.line(note);
            }
            apply_suggestions(config, out, "term", &suggestions, |spec, term, period| {
                spec.terms
                    .insert(term.clone(), TermTarget::Existing(period.clone()));
            })
        }
        TermsCommand::Map { all: Some(all), .. } => {
            let ends = read_ends(config, true).await?;
            let target = ends.period(all)?;
            map_all_terms(config, out, &ends, target)
        }
        TermsCommand::Map { term, period, .. } => {
            let (Some(term), Some(period)) = (term, period) else {
                return Err(UsageError::new(
                    "give a SIS term and a grading period, or --suggest, --auto or --all",
                )
                .into());
            };
            let ends = read_ends(config, true).await?;
            let found = ends.term(term)?;
            let target = ends.period(period)?;
            if !config.mapping.spec().schools.contains_key(&found.school) {
                eprint_line(format!(
                    "warning: the term's school {} is not mapped, so the term takes part in no sync until it is",
                    found.school
                ));
            }
            let key = found.key.clone();
            update(config, out, |spec| {
                spec.terms.insert(key, target);
                Ok(format!("SIS term {term} is mapped to {period}"))
            })
        }
        TermsCommand::CreatePeriod { term } => {
            let now = wire::now();
            let wired = wire::engine(config, now).await?;
            let key = TermKey::new(term.as_str());
            let id = wired
                .sis
                .closing(with_spinner(
                    "creating the grading period",
                    wired.engine.create_grading_period(&key, now),
                ))
                .await?;
            update(config, out, |spec| {
                spec.terms.insert(key, TermTarget::Existing(id.clone()));
                Ok(format!(
                    "grading period {id} exists for SIS term {term}, and the term is mapped to it"
                ))
            })
        }
    }
}

/// A note on the terms that suggestions leave out because their school is
/// not mapped.
pub(crate) fn unmapped_note(ends: &Ends, spec: &MappingSpec) -> Vec<String> {
    let left_out = ends
        .terms
        .iter()
        .filter(|term| !spec.schools.contains_key(&term.school))
        .count();
    if left_out == 0 {
        return Vec::new();
    }
    vec![format!(
        "{left_out} term(s) of unmapped schools are left out: map their schools first (`rostersync schools map --auto`)"
    )]
}

/// `terms map --all TARGET`: every unmapped term of a mapped school.
fn map_all_terms(config: &Config, out: Out, ends: &Ends, target: TermTarget) -> anyhow::Result<u8> {
    let spec = config.mapping.spec();
    let terms: Vec<&Term> = ends
        .terms
        .iter()
        .filter(|term| {
            spec.schools.contains_key(&term.school) && !spec.terms.contains_key(&term.key)
        })
        .collect();
    if terms.is_empty() {
        out.line("every term of the mapped schools is mapped already; nothing saved");
        return Ok(EXIT_OK);
    }
    let lines: Vec<String> = terms
        .iter()
        .map(|term| match &target {
            TermTarget::Create => format!(
                "  {} → create \"{}\"",
                term.key,
                rostersync_core::plan::grading_period_title(term, ends.school_name(&term.school))
                    .text
            ),
            TermTarget::Existing(id) => format!("  {} → {id}", term.key),
        })
        .collect();
    let count = terms.len();
    let target_words = String::from(target.clone());
    update(config, out, |spec| {
        for term in &terms {
            spec.terms.insert(term.key.clone(), target.clone());
        }
        Ok(format!(
            "mapped {count} unmapped term(s) of the mapped schools to {target_words}"
        ))
    })?;
    if !out.json {
        for line in lines {
            out.line(line);
        }
    }
    Ok(EXIT_OK)
}

async fn list_terms(config: &Config, out: Out) -> anyhow::Result<u8> {
    let ends = read_ends(config, true).await?;
    let (terms, directory) = (&ends.terms, &ends.directory);
    let mapping = config.mapping.spec();
    let stale = mapping.stale_terms(terms);
    if out.json {
        out.json(&json!({
            "school_year": ends.year,
            "sis_terms": terms,
            "lms_grading_periods": directory.grading_periods,
            "mapping": mapping.terms,
            "stale": stale,
        }))?;
        return Ok(EXIT_OK);
    }
    let target = |target: Option<&TermTarget>| match target {
        Some(TermTarget::Existing(id)) => {
            let title = directory
                .grading_periods
                .iter()
                .find(|p| &p.id == id)
                .map_or("(not in the LMS)".to_owned(), |p| p.title.clone());
            format!("{id} {title}")
        }
        Some(TermTarget::Create) => "create from the term".to_owned(),
        None => "-".to_owned(),
    };
    let mut rows: Vec<Vec<String>> = terms
        .iter()
        .map(|term| {
            vec![
                term.key.to_string(),
                term.school.to_string(),
                term.title.clone(),
                format!("{}..{}", term.start, term.end),
                target(mapping.terms.get(&term.key)),
            ]
        })
        .collect();
    for key in &stale {
        rows.push(vec![
            key.to_string(),
            "-".to_owned(),
            "(stale: not in the SIS)".to_owned(),
            "-".to_owned(),
            target(mapping.terms.get(*key)),
        ]);
    }
    out.table(
        &["SIS term", "school", "title", "dates", "grading period"],
        &rows,
    );
    if !stale.is_empty() {
        out.line(format!(
            "{} mapped term(s) are stale: the SIS does not list them for school year {}-{:02}",
            stale.len(),
            ends.year - 1,
            ends.year.rem_euclid(100)
        ));
    }
    out.line("");
    let rows: Vec<Vec<String>> = directory
        .grading_periods
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.title.clone(),
                format!("{}..{}", p.start, p.end),
            ]
        })
        .collect();
    out.table(&["LMS grading period", "title", "dates"], &rows);
    Ok(EXIT_OK)
}
