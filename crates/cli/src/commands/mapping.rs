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

mod roles;
mod schools;
mod suggestions;
mod terms;

pub(crate) use roles::roles;
pub(crate) use schools::schools;
pub(crate) use suggestions::verdict;
use suggestions::{apply_suggestions, print_suggestions};
pub(crate) use terms::{terms, unmapped_note};

/// At most this many existing records are listed in a refusal.
const LISTED: usize = 40;

/// What a saved change did.
pub(crate) struct Saved {
    /// What changed, in words.
    pub(crate) message: String,
    /// Buildings the change made shared by two or more schools.
    pub(crate) warnings: Vec<String>,
    /// The mapping as saved.
    spec: MappingSpec,
}

/// Applies `change` to the mapping and rewrites the file.
fn save(
    config: &Config,
    change: impl FnOnce(&mut MappingSpec) -> anyhow::Result<String>,
) -> anyhow::Result<Saved> {
    save_at(config, None, change)
}

/// [`save`], refused with [`config::StaleFile`] when `expected` is given
/// and the file is no longer at that revision.
pub(crate) fn save_at(
    config: &Config,
    expected: Option<&str>,
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
    config::save_managed_at(&config.path, expected, &config.schedule_section, &spec)?;
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
pub(crate) struct Ends {
    /// The school year the terms are of.
    pub(crate) year: i32,
    /// The SIS schools.
    pub(crate) schools: Vec<School>,
    /// The SIS terms of the year (empty unless asked for).
    pub(crate) terms: Vec<Term>,
    /// The LMS buildings, roles and grading periods.
    pub(crate) directory: LmsDirectory,
}

/// Reads the SIS schools (and, with `terms`, the terms of the school year)
/// and the LMS directory, at the same time.
pub(crate) async fn read_ends(config: &Config, terms: bool) -> anyhow::Result<Ends> {
    let now = wire::now();
    let year = wire::school_year(config, now);
    let sis = wire::sis(config, now)?;
    let lms = wire::PacedLms::open(config).await?;
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
    lms.done().await;
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
    pub(crate) fn school(&self, key: &str) -> Result<&School, UsageError> {
        find_listed(
            &self.schools,
            key,
            |s| (s.key.as_str(), s.name.as_str()),
            "SIS school",
            SCHOOLS_HINT,
        )
    }

    pub(crate) fn building(&self, id: &str) -> Result<BuildingId, UsageError> {
        find_listed(
            &self.directory.buildings,
            id,
            |b| (b.id.as_str(), b.title.as_str()),
            "LMS building",
            SCHOOLS_HINT,
        )
        .map(|building| building.id.clone())
    }

    pub(crate) fn term(&self, key: &str) -> Result<&Term, UsageError> {
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
    pub(crate) fn period(&self, raw: &str) -> Result<TermTarget, UsageError> {
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
pub(crate) fn role_target(roles: &[LmsRole], raw: &str) -> Result<RoleTarget, UsageError> {
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
