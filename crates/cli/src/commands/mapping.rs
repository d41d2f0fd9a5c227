//! `schools`, `terms` and `roles`: the mapping, read side by side with both
//! ends and changed in the configuration file (see the `config` module for
//! where the mapping lives).

use std::collections::BTreeSet;

use rostersync_core::MappingSpec;
use rostersync_core::ids::{BuildingId, SchoolKey, TermKey};
use rostersync_core::mapping::{RoleMap, RoleTarget, TermTarget};
use rostersync_ports::LmsTarget as _;
use serde_json::json;

use crate::EXIT_OK;
use crate::cli::{Kind, RolesCommand, SchoolsCommand, TermsCommand};
use crate::config::{self, Config, ConfigError};
use crate::output::{Out, with_spinner};
use crate::wire;

/// Applies `change` to the mapping and rewrites the file; prints what changed.
fn update(
    config: &Config,
    out: Out,
    change: impl FnOnce(&mut MappingSpec) -> Result<String, ConfigError>,
) -> anyhow::Result<u8> {
    let mut spec = config.mapping.spec().clone();
    let message = change(&mut spec)?;
    config::save_managed(&config.path, &config.schedule_section, &spec)?;
    if out.json {
        out.json(&json!({ "changed": message, "mapping": spec }))?;
    } else {
        out.line(format!("{message} (saved in {})", config.path.display()));
    }
    Ok(EXIT_OK)
}

/// `schools list|map|unmap`.
pub(crate) async fn schools(
    command: &SchoolsCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    match command {
        SchoolsCommand::List => {
            let sis = wire::sis(config, wire::now())?;
            let lms = wire::schoology(config)?;
            let (schools, directory) = sis
                .closing(with_spinner("reading schools and buildings", async {
                    tokio::join!(sis.source.schools(), lms.directory())
                }))
                .await;
            let schools =
                schools.map_err(|e| anyhow::Error::new(e).context("reading SIS schools"))?;
            let directory =
                directory.map_err(|e| anyhow::Error::new(e).context("reading LMS buildings"))?;
            let mapping = config.mapping.spec();
            if out.json {
                out.json(&json!({
                    "sis_schools": schools,
                    "lms_buildings": directory.buildings,
                    "mapping": mapping.schools,
                }))?;
                return Ok(EXIT_OK);
            }
            let mut used = BTreeSet::new();
            let mut rows = Vec::new();
            for school in &schools {
                let (id, title) = match mapping.schools.get(&school.key) {
                    Some(id) => {
                        used.insert(id.clone());
                        let title = directory
                            .buildings
                            .iter()
                            .find(|b| &b.id == id)
                            .map_or("(not in the LMS)".to_owned(), |b| b.title.clone());
                        (id.to_string(), title)
                    }
                    None => ("-".to_owned(), "(unmapped: not synced)".to_owned()),
                };
                rows.push(vec![school.key.to_string(), school.name.clone(), id, title]);
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
            Ok(EXIT_OK)
        }
        SchoolsCommand::Map { sis, lms } => update(config, out, |spec| {
            spec.schools
                .insert(SchoolKey::new(sis.as_str()), BuildingId::new(lms.as_str()));
            Ok(format!("SIS school {sis} is mapped to LMS building {lms}"))
        }),
        SchoolsCommand::Unmap { sis } => update(config, out, |spec| {
            let key = SchoolKey::new(sis.as_str());
            if spec.schools.remove(&key).is_none() {
                return Err(ConfigError::new(format!(
                    "SIS school {sis} is not mapped; `rostersync schools list` shows the mapping"
                )));
            }
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

/// `terms list|map|create-period`.
pub(crate) async fn terms(command: &TermsCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    match command {
        TermsCommand::List => {
            let now = wire::now();
            let wired = wire::engine(config, now)?;
            let year = wired.engine.school_year(now);
            let (terms, directory) = wired
                .sis
                .closing(with_spinner("reading terms and grading periods", async {
                    tokio::join!(wired.sis.source.terms(year), wired.lms.directory())
                }))
                .await;
            let terms = terms.map_err(|e| anyhow::Error::new(e).context("reading SIS terms"))?;
            let directory = directory
                .map_err(|e| anyhow::Error::new(e).context("reading LMS grading periods"))?;
            let mapping = config.mapping.spec();
            if out.json {
                out.json(&json!({
                    "school_year": year,
                    "sis_terms": terms,
                    "lms_grading_periods": directory.grading_periods,
                    "mapping": mapping.terms,
                }))?;
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<String>> = terms
                .iter()
                .map(|term| {
                    let target = match mapping.terms.get(&term.key) {
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
                    vec![
                        term.key.to_string(),
                        term.school.to_string(),
                        term.title.clone(),
                        format!("{}..{}", term.start, term.end),
                        target,
                    ]
                })
                .collect();
            out.table(
                &["SIS term", "school", "title", "dates", "grading period"],
                &rows,
            );
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
        TermsCommand::Map { term, period } => update(config, out, |spec| {
            let target = TermTarget::try_from(period.clone()).map_err(|message| {
                ConfigError::new(format!("grading period {period:?}: {message}"))
            })?;
            spec.terms.insert(TermKey::new(term.as_str()), target);
            Ok(format!("SIS term {term} is mapped to {period}"))
        }),
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

/// `roles show|set|select|deselect`.
pub(crate) async fn roles(command: &RolesCommand, config: &Config, out: Out) -> anyhow::Result<u8> {
    match command {
        RolesCommand::Show => show_roles(config, out).await,
        RolesCommand::Set {
            school,
            role,
            target,
        } => update(config, out, |spec| {
            let target = RoleTarget::try_from(target.clone())
                .map_err(|message| ConfigError::new(format!("role target: {message}")))?;
            let role = role.sis();
            spec.roles
                .entry(SchoolKey::new(school.as_str()))
                .or_default()
                .set(role, Some(target.clone()));
            Ok(format!(
                "{} of SIS school {school} go to {}",
                role.plural(),
                String::from(target)
            ))
        }),
        RolesCommand::Select { school, kind } => update(config, out, |spec| {
            for set in kinds(spec, *kind) {
                set.insert(SchoolKey::new(school.as_str()));
            }
            Ok(format!("SIS school {school} is selected for {kind:?}").to_lowercase())
        }),
        RolesCommand::Deselect { school, kind } => update(config, out, |spec| {
            for set in kinds(spec, *kind) {
                set.remove(&SchoolKey::new(school.as_str()));
            }
            Ok(format!("SIS school {school} is no longer selected for {kind:?}").to_lowercase())
        }),
    }
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
    let rows: Vec<Vec<String>> = spec
        .schools
        .keys()
        .map(|key| {
            let map = spec.roles.get(key);
            let target = |pick: fn(&RoleMap) -> &Option<RoleTarget>| {
                map.and_then(|m| pick(m).clone())
                    .map_or("unset".to_owned(), String::from)
            };
            vec![
                key.to_string(),
                target(|m| &m.student),
                target(|m| &m.teacher),
                target(|m| &m.guardian),
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
