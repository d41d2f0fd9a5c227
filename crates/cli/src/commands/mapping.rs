//! `schools`, `terms` and `roles`: the mapping, read side by side with both
//! ends and changed in the configuration file (see the `config` module for
//! where the mapping lives).
//!
//! Every command that changes the mapping first reads the ends it names and
//! refuses (exit 2, with the list of what exists) a SIS school or term, an
//! LMS building, grading period or role that does not exist. Two SIS
//! schools mapped to one building is a warning; the change is saved.
//! Suggestions (`--suggest`, `--auto`) come from the core
//! (`rostersync_core::mapping::suggest`); this module prints and applies them.

use std::collections::BTreeSet;

use rostersync_core::MappingSpec;
use rostersync_core::ids::{BuildingId, SchoolKey, TermKey};
use rostersync_core::mapping::suggest::{self, Outcome, Suggestion};
use rostersync_core::mapping::{CREATE, RoleMap, RoleTarget, TermTarget};
use rostersync_core::model::lms::LmsRole;
use rostersync_core::model::sis::{School, SisRole, Term};
use rostersync_ports::{LmsDirectory, LmsTarget as _};
use serde::Serialize;
use serde_json::json;

use crate::EXIT_OK;
use crate::cli::{Kind, RolesCommand, SchoolsCommand, SisRoleArg, TermsCommand, UsageError};
use crate::config::{self, Config};
use crate::output::{Out, eprint_line, with_spinner};
use crate::wire;

/// At most this many existing records are listed in a refusal.
const LISTED: usize = 40;

/// What a saved change did.
struct Saved {
    /// What changed, in words.
    message: String,
    /// Buildings the change made shared by two or more schools.
    warnings: Vec<String>,
    /// The mapping as saved.
    spec: MappingSpec,
}

/// Applies `change` to the mapping and rewrites the file.
fn save(
    config: &Config,
    change: impl FnOnce(&mut MappingSpec) -> anyhow::Result<String>,
) -> anyhow::Result<Saved> {
    let before = config.mapping.spec();
    let mut spec = before.clone();
    let message = change(&mut spec)?;
    let was_shared = before.shared_buildings();
    let warnings: Vec<String> = spec
        .shared_buildings()
        .into_iter()
        .filter(|(building, schools)| was_shared.get(building) != Some(schools))
        .map(|(building, schools)| shared_warning(building, &schools))
        .collect();
    config::save_managed(&config.path, &config.schedule_section, &spec)?;
    Ok(Saved {
        message,
        warnings,
        spec,
    })
}

/// Applies `change` to the mapping and rewrites the file; prints what
/// changed and warns of buildings the change made shared by two schools.
pub(crate) fn update(
    config: &Config,
    out: Out,
    change: impl FnOnce(&mut MappingSpec) -> anyhow::Result<String>,
) -> anyhow::Result<u8> {
    let saved = save(config, change)?;
    if out.json {
        out.json(&json!({
            "changed": saved.message,
            "warnings": saved.warnings,
            "mapping": saved.spec,
        }))?;
    } else {
        print_saved(config, out, &saved);
    }
    Ok(EXIT_OK)
}

fn print_saved(config: &Config, out: Out, saved: &Saved) {
    for warning in &saved.warnings {
        eprint_line(format!("warning: {warning}"));
    }
    out.line(format!(
        "{} (saved in {})",
        saved.message,
        config.path.display()
    ));
}

/// The warning about one building that two or more schools are mapped to.
pub(crate) fn shared_warning(building: &BuildingId, schools: &[&SchoolKey]) -> String {
    let schools: Vec<&str> = schools.iter().map(|s| s.as_str()).collect();
    format!(
        "SIS schools {} are all mapped to LMS building {building}: their people, courses and \
         sections land in one building; if that is not meant, `rostersync schools unmap` one",
        schools.join(", ")
    )
}

/// What `check` says of the mapping against what the SIS lists: stale
/// schools and terms (terms only when `terms` were read) and buildings two
/// schools share.
pub(crate) fn mapping_warnings(
    config: &Config,
    schools: &[School],
    terms: Option<&[Term]>,
) -> Vec<String> {
    let spec = config.mapping.spec();
    let mut warnings = Vec::new();
    let stale = spec.stale_schools(schools);
    if !stale.is_empty() {
        warnings.push(format!(
            "stale: the mapping names SIS school(s) {} that the SIS no longer lists; `rostersync schools unmap KEY` removes one",
            stale.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(terms) = terms {
        let stale = spec.stale_terms(terms);
        if !stale.is_empty() {
            warnings.push(format!(
                "stale: the mapping names {} SIS term(s) that the SIS does not list for this school year (e.g. {}); `rostersync terms list` shows them",
                stale.len(),
                stale.iter().take(3).map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for (building, schools) in spec.shared_buildings() {
        warnings.push(shared_warning(building, &schools));
    }
    warnings
}

/// What a mapping command read from both ends.
struct Ends {
    /// The school year the terms are of.
    year: i32,
    /// The SIS schools.
    schools: Vec<School>,
    /// The SIS terms of the year (empty unless asked for).
    terms: Vec<Term>,
    /// The LMS buildings, roles and grading periods.
    directory: LmsDirectory,
}

/// Reads the SIS schools (and, with `terms`, the terms of the school year)
/// and the LMS directory, at the same time.
async fn read_ends(config: &Config, terms: bool) -> anyhow::Result<Ends> {
    let now = wire::now();
    let year = wire::school_year(config, now);
    let sis = wire::sis(config, now)?;
    let lms = wire::schoology(config)?;
    let (schools, terms, directory) = sis
        .closing(with_spinner("reading both ends", async {
            tokio::join!(
                sis.source.schools(),
                async {
                    if terms {
                        sis.source.terms(year).await
                    } else {
                        Ok(Vec::new())
                    }
                },
                lms.directory()
            )
        }))
        .await;
    Ok(Ends {
        year,
        schools: schools.map_err(|e| anyhow::Error::new(e).context("reading SIS schools"))?,
        terms: terms.map_err(|e| anyhow::Error::new(e).context("reading SIS terms"))?,
        directory: directory
            .map_err(|e| anyhow::Error::new(e).context("reading the LMS directory"))?,
    })
}

/// The refusal of a record that does not exist, listing what does.
fn missing(what: &str, id: &str, existing: Vec<String>, hint: &str) -> UsageError {
    let listed = if existing.is_empty() {
        "there are none".to_owned()
    } else {
        let more = existing.len().saturating_sub(LISTED);
        let mut list = existing
            .into_iter()
            .take(LISTED)
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        format!("they are: {list}")
    };
    UsageError::new(format!("there is no {what} {id:?}; {listed}")).hint(hint.to_owned())
}

/// "key (title)", for a list of what exists.
fn named(id: &str, title: &str) -> String {
    format!("{id} ({title})")
}

/// The record of `items` whose id (the first of `fields`) is `id`, or the
/// refusal of a `what` that does not exist, listing every id and title.
fn find_listed<'a, T>(
    items: &'a [T],
    id: &str,
    fields: impl Fn(&T) -> (&str, &str),
    what: &str,
    hint: &str,
) -> Result<&'a T, UsageError> {
    items
        .iter()
        .find(|item| fields(item).0 == id)
        .ok_or_else(|| {
            let existing = items
                .iter()
                .map(|item| {
                    let (id, title) = fields(item);
                    named(id, title)
                })
                .collect();
            missing(what, id, existing, hint)
        })
}

/// Where to see the schools and buildings.
const SCHOOLS_HINT: &str = "`rostersync schools list` shows the SIS schools and the LMS buildings";
/// Where to see the terms and grading periods.
const TERMS_HINT: &str = "`rostersync terms list` shows the SIS terms and the LMS grading periods";

impl Ends {
    fn school(&self, key: &str) -> Result<&School, UsageError> {
        find_listed(
            &self.schools,
            key,
            |s| (s.key.as_str(), s.name.as_str()),
            "SIS school",
            SCHOOLS_HINT,
        )
    }

    fn building(&self, id: &str) -> Result<BuildingId, UsageError> {
        find_listed(
            &self.directory.buildings,
            id,
            |b| (b.id.as_str(), b.title.as_str()),
            "LMS building",
            SCHOOLS_HINT,
        )
        .map(|building| building.id.clone())
    }

    fn term(&self, key: &str) -> Result<&Term, UsageError> {
        let what = format!(
            "SIS term of school year {}-{:02}",
            self.year - 1,
            self.year.rem_euclid(100)
        );
        find_listed(
            &self.terms,
            key,
            |t| (t.key.as_str(), t.title.as_str()),
            &what,
            TERMS_HINT,
        )
    }

    /// "create", or the id of an existing grading period.
    fn period(&self, raw: &str) -> Result<TermTarget, UsageError> {
        let target = TermTarget::try_from(raw.to_owned()).map_err(UsageError::new)?;
        let TermTarget::Existing(id) = &target else {
            return Ok(target);
        };
        let periods = &self.directory.grading_periods;
        if periods.iter().any(|period| period.id == *id) {
            return Ok(target);
        }
        let mut existing: Vec<String> = periods
            .iter()
            .map(|p| named(p.id.as_str(), &p.title))
            .collect();
        existing.push(format!("{CREATE} (a grading period made by the sync)"));
        Err(missing("LMS grading period", raw, existing, TERMS_HINT))
    }

    /// The name of a school, for messages.
    fn school_name(&self, key: &SchoolKey) -> &str {
        self.schools
            .iter()
            .find(|school| school.key == *key)
            .map_or("", |school| school.name.as_str())
    }
}

/// A role target from an LMS role title (case-insensitive, as Schoology
/// lists roles), an LMS role id, or "do_not_sync".
fn role_target(roles: &[LmsRole], raw: &str) -> Result<RoleTarget, UsageError> {
    let target = RoleTarget::try_from(raw.to_owned()).map_err(UsageError::new)?;
    let RoleTarget::Lms(id) = &target else {
        return Ok(target);
    };
    if roles.iter().any(|role| role.id == *id) {
        return Ok(target);
    }
    let titled: Vec<&LmsRole> = roles
        .iter()
        .filter(|role| role.title.trim().eq_ignore_ascii_case(raw.trim()))
        .collect();
    match titled.as_slice() {
        [role] => Ok(RoleTarget::Lms(role.id.clone())),
        [] => {
            let mut existing: Vec<String> = roles
                .iter()
                .map(|r| format!("{} (id {})", r.title, r.id))
                .collect();
            existing.push(rostersync_core::mapping::DO_NOT_SYNC.to_owned());
            Err(missing(
                "LMS role",
                raw,
                existing,
                "give a role's title or id as `rostersync roles show` lists them",
            ))
        }
        several => Err(UsageError::new(format!(
            "{} LMS roles are titled {raw:?}: {}",
            several.len(),
            several
                .iter()
                .map(|r| format!("id {}", r.id))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .hint("give the id of the one you mean")),
    }
}

/// The mapped schools a command names: every one with `--all`, else the
/// comma-separated keys given, each of which must be mapped.
fn mapped_schools(
    spec: &MappingSpec,
    all: bool,
    given: &str,
) -> Result<Vec<SchoolKey>, UsageError> {
    if all {
        if spec.schools.is_empty() {
            return Err(
                UsageError::new("no SIS school is mapped yet, so --all names none")
                    .hint("map schools first: `rostersync schools map --auto`"),
            );
        }
        return Ok(spec.schools.keys().cloned().collect());
    }
    given
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| {
            let key = SchoolKey::new(key);
            if spec.schools.contains_key(&key) {
                Ok(key)
            } else {
                Err(missing(
                    "mapped SIS school",
                    key.as_str(),
                    spec.schools
                        .iter()
                        .map(|(school, building)| format!("{school} (building {building})"))
                        .collect(),
                    "map it first with `rostersync schools map SIS_SCHOOL LMS_BUILDING`",
                ))
            }
        })
        .collect()
}

/// Splits `[SCHOOLS] REST...` (`rest` values after the schools) by `--all`.
fn split_schools(all: bool, args: &[String], rest: usize) -> Result<(&str, &[String]), UsageError> {
    match (all, args.len().checked_sub(rest)) {
        (true, Some(0)) => Ok(("", args)),
        (false, Some(1)) => Ok((args[0].as_str(), &args[1..])),
        (true, _) => Err(UsageError::new(format!(
            "with --all, give {rest} value(s) after the options, not {}",
            args.len()
        ))
        .hint("e.g. `rostersync roles set --all teacher Teacher`")),
        (false, _) => Err(UsageError::new(format!(
            "give the SIS school(s) and {rest} value(s) more, or --all"
        ))
        .hint("e.g. `rostersync roles set 101,102 teacher Teacher`")),
    }
}

/// `schools list|map|unmap`.
pub(crate) async fn schools(
    command: &SchoolsCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    match command {
        SchoolsCommand::List => list_schools(config, out).await,
        SchoolsCommand::Map { suggest: true, .. } => {
            let ends = read_ends(config, false).await?;
            let suggestions = suggest::suggest_schools(
                &ends.schools,
                &ends.directory.buildings,
                config.mapping.spec(),
            );
            print_suggestions(out, "SIS school", &suggestions, &[])
        }
        SchoolsCommand::Map { auto: true, .. } => {
            let ends = read_ends(config, false).await?;
            let suggestions = suggest::suggest_schools(
                &ends.schools,
                &ends.directory.buildings,
                config.mapping.spec(),
            );
            apply_suggestions(
                config,
                out,
                "school",
                &suggestions,
                |spec, school, building| {
                    spec.schools.insert(school.clone(), building.clone());
                },
            )
        }
        SchoolsCommand::Map { sis, lms, .. } => {
            let (Some(sis), Some(lms)) = (sis, lms) else {
                return Err(UsageError::new(
                    "give a SIS school and an LMS building, or --suggest or --auto",
                )
                .into());
            };
            let ends = read_ends(config, false).await?;
            let school = ends.school(sis)?.key.clone();
            let building = ends.building(lms)?;
            update(config, out, |spec| {
                spec.schools.insert(school, building);
                Ok(format!("SIS school {sis} is mapped to LMS building {lms}"))
            })
        }
        SchoolsCommand::Unmap { sis } => update(config, out, |spec| {
            let key = mapped_schools(spec, false, sis)?
                .into_iter()
                .next()
                .ok_or_else(|| UsageError::new("give the SIS school to unmap"))?;
            spec.schools.remove(&key);
            spec.roles.remove(&key);
            spec.selection.users.remove(&key);
            spec.selection.courses.remove(&key);
            spec.selection.sections.remove(&key);
            Ok(format!(
                "SIS school {sis} is unmapped (its role map and selection are removed); it takes part in no sync"
            ))
        }),
    }
}

async fn list_schools(config: &Config, out: Out) -> anyhow::Result<u8> {
    let ends = read_ends(config, false).await?;
    let (schools, directory) = (&ends.schools, &ends.directory);
    let mapping = config.mapping.spec();
    let stale = mapping.stale_schools(schools);
    if out.json {
        out.json(&json!({
            "sis_schools": schools,
            "lms_buildings": directory.buildings,
            "mapping": mapping.schools,
            "stale": stale,
        }))?;
        return Ok(EXIT_OK);
    }
    let title_of = |id: &BuildingId| {
        directory
            .buildings
            .iter()
            .find(|b| &b.id == id)
            .map_or("(not in the LMS)".to_owned(), |b| b.title.clone())
    };
    let mut used = BTreeSet::new();
    let mut rows = Vec::new();
    for school in schools {
        let (id, title) = match mapping.schools.get(&school.key) {
            Some(id) => {
                used.insert(id.clone());
                (id.to_string(), title_of(id))
            }
            None => ("-".to_owned(), "(unmapped: not synced)".to_owned()),
        };
        rows.push(vec![school.key.to_string(), school.name.clone(), id, title]);
    }
    for key in &stale {
        if let Some(id) = mapping.schools.get(*key) {
            used.insert(id.clone());
            rows.push(vec![
                key.to_string(),
                "(stale: not in the SIS)".to_owned(),
                id.to_string(),
                title_of(id),
            ]);
        }
    }
    for building in &directory.buildings {
        if !used.contains(&building.id) {
            rows.push(vec![
                "-".to_owned(),
                "(no SIS school)".to_owned(),
                building.id.to_string(),
                building.title.clone(),
            ]);
        }
    }
    out.table(&["SIS school", "name", "LMS building", "title"], &rows);
    for (building, schools) in mapping.shared_buildings() {
        out.line(format!("warning: {}", shared_warning(building, &schools)));
    }
    if !stale.is_empty() {
        out.line(format!(
            "{} mapped school(s) are stale: the SIS no longer lists them; `rostersync schools unmap KEY` removes one",
            stale.len()
        ));
    }
    Ok(EXIT_OK)
}

/// Prints suggestions: the pairs, their reasons and confidence, and what
/// `--auto` does with each; `notes` are lines after the table.
fn print_suggestions<K, Id>(
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
fn verdict<Id: std::fmt::Display, K: std::fmt::Display>(outcome: &Outcome<Id, K>) -> String {
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
fn apply_suggestions<K, Id>(
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
            let wired = wire::engine(config, now)?;
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
fn unmapped_note(ends: &Ends, spec: &MappingSpec) -> Vec<String> {
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

/// `roles show|set|select|deselect`.
pub(crate) async fn roles(command: &RolesCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    let spec = config.mapping.spec();
    match command {
        RolesCommand::Show => show_roles(config, out).await,
        RolesCommand::Set { all, args } => {
            let (given, rest) = split_schools(*all, args, 2)?;
            let schools = mapped_schools(spec, *all, given)?;
            let role = parse_value::<SisRoleArg>(&rest[0], "SIS role")?.sis();
            let lms = wire::schoology(config)?;
            let roles = with_spinner("reading LMS roles", lms.directory())
                .await
                .map_err(|e| anyhow::Error::new(e).context("reading the LMS roles"))?
                .roles;
            let target = role_target(&roles, &rest[1])?;
            let words = match &target {
                RoleTarget::Lms(id) => roles
                    .iter()
                    .find(|r| r.id == *id)
                    .map_or(id.to_string(), |r| format!("{} (id {id})", r.title)),
                RoleTarget::DoNotSync => "do not sync".to_owned(),
            };
            update(config, out, |spec| {
                for school in &schools {
                    spec.roles
                        .entry(school.clone())
                        .or_insert_with(RoleMap::default)
                        .set(role, Some(target.clone()));
                }
                Ok(format!(
                    "{} of SIS school(s) {} go to {words}",
                    role.plural(),
                    join(&schools)
                ))
            })
        }
        RolesCommand::Select { all, args } | RolesCommand::Deselect { all, args } => {
            let (given, rest) = split_schools(*all, args, 1)?;
            let schools = mapped_schools(spec, *all, given)?;
            let kind = parse_value::<Kind>(&rest[0], "object type")?;
            let select = matches!(command, RolesCommand::Select { .. });
            update(config, out, |spec| {
                for set in kinds(spec, kind) {
                    for school in &schools {
                        if select {
                            set.insert(school.clone());
                        } else {
                            set.remove(school);
                        }
                    }
                }
                Ok(format!(
                    "SIS school(s) {} {} for {}",
                    join(&schools),
                    if select {
                        "are selected"
                    } else {
                        "are no longer selected"
                    },
                    format!("{kind:?}").to_lowercase()
                ))
            })
        }
    }
}

/// The school keys, comma-separated.
fn join(schools: &[SchoolKey]) -> String {
    schools
        .iter()
        .map(SchoolKey::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value of a clap value enum given as a plain argument.
fn parse_value<T: clap::ValueEnum>(raw: &str, what: &str) -> Result<T, UsageError> {
    T::from_str(raw, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        UsageError::new(format!(
            "{raw:?} is not a {what}: use one of {}",
            names.join(", ")
        ))
    })
}

fn kinds(spec: &mut MappingSpec, kind: Kind) -> Vec<&mut BTreeSet<SchoolKey>> {
    let selection = &mut spec.selection;
    match kind {
        Kind::Users => vec![&mut selection.users],
        Kind::Courses => vec![&mut selection.courses],
        Kind::Sections => vec![&mut selection.sections],
        Kind::All => vec![
            &mut selection.users,
            &mut selection.courses,
            &mut selection.sections,
        ],
    }
}

async fn show_roles(config: &Config, out: Out) -> anyhow::Result<u8> {
    let spec = config.mapping.spec();
    let lms_roles = match wire::schoology(config) {
        Ok(lms) => with_spinner("reading LMS roles", lms.directory())
            .await
            .map(|d| d.roles)
            .map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    };
    if out.json {
        out.json(&json!({
            "roles": spec.roles,
            "selection": spec.selection,
            "lms_roles": lms_roles.as_ref().ok(),
        }))?;
        return Ok(EXIT_OK);
    }
    let yes = |set: &BTreeSet<SchoolKey>, key: &SchoolKey| {
        if set.contains(key) { "yes" } else { "no" }.to_owned()
    };
    let titled = |target: &RoleTarget| match (target, &lms_roles) {
        (RoleTarget::Lms(id), Ok(roles)) => roles
            .iter()
            .find(|r| r.id == *id)
            .map_or(id.to_string(), |r| format!("{} ({id})", r.title)),
        (other, _) => String::from(other.clone()),
    };
    let rows: Vec<Vec<String>> = spec
        .schools
        .keys()
        .map(|key| {
            let map = spec.roles.get(key);
            let target = |role: SisRole| {
                map.and_then(|m| m.target(role))
                    .map_or("unset".to_owned(), &titled)
            };
            vec![
                key.to_string(),
                target(SisRole::Student),
                target(SisRole::Teacher),
                target(SisRole::Guardian),
                yes(&spec.selection.users, key),
                yes(&spec.selection.courses, key),
                yes(&spec.selection.sections, key),
            ]
        })
        .collect();
    out.table(
        &[
            "SIS school",
            "student",
            "teacher",
            "guardian",
            "users",
            "courses",
            "sections",
        ],
        &rows,
    );
    if rows
        .iter()
        .any(|row| row[1..4].iter().any(|cell| cell == "unset"))
    {
        out.line(
            "people of an unset role are skipped: `rostersync roles set --all ROLE TITLE` sets one for every school",
        );
    }
    match lms_roles {
        Ok(roles) => {
            out.line("");
            let rows: Vec<Vec<String>> = roles
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.title.clone(),
                        if r.faculty { "faculty" } else { "" }.to_owned(),
                    ]
                })
                .collect();
            out.table(&["LMS role", "title", "kind"], &rows);
        }
        Err(error) => out.line(format!("(LMS roles not shown: {error})")),
    }
    Ok(EXIT_OK)
}
