//! The console's mapping actions: schools, terms, the buildings selected
//! per object type and the role map, each read from both ends now, checked
//! as `schools map`, `terms map` and `roles set` check them, and saved in
//! the managed part of the file only when the page was not stale.

use rostersync_core::SyncScope;
use rostersync_core::ids::{SchoolKey, TermKey};
use rostersync_core::mapping::suggest::{self, Suggestion};
use rostersync_core::mapping::{DO_NOT_SYNC, RoleMap, RoleTarget, TermTarget};
use rostersync_core::model::sis::SisRole;
use rostersync_web::{
    ActionError, Named, Problem, Revision, Saved, SchoolRow, SchoolsView, SelectionChange,
    SelectionView, TermRow, TermsView,
};

use super::{failed, saved, unchanged};
use crate::commands::mapping::{
    Ends, mapping_warnings, read_ends, role_target, save_at, unmapped_note, verdict,
};
use crate::config::Config;
use crate::wire;

async fn ends(config: &Config, terms: bool) -> Result<Ends, ActionError> {
    read_ends(config, terms).await.map_err(failed)
}

/// The first candidate of a suggestion, with its reason and what `--auto`
/// does with it.
fn suggested<K, Id>(suggestion: Option<&Suggestion<K, Id>>) -> Option<(Named, String)>
where
    K: std::fmt::Display,
    Id: std::fmt::Display + Clone,
{
    let suggestion = suggestion?;
    let candidate = suggestion.candidates.first()?;
    Some((
        Named {
            id: candidate.id.to_string(),
            name: candidate.title.clone(),
        },
        format!(
            "{}, {} confidence; {}",
            candidate.reason,
            format!("{:?}", candidate.confidence).to_lowercase(),
            verdict(&suggestion.outcome)
        ),
    ))
}

/// The Schools tab: the SIS schools, each with its building and suggestion.
pub(super) async fn schools(
    config: &Config,
    revision: Revision,
) -> Result<SchoolsView, ActionError> {
    let ends = ends(config, false).await?;
    let spec = config.mapping.spec();
    let suggestions = suggest::suggest_schools(&ends.schools, &ends.directory.buildings, spec);
    let building = |id: &rostersync_core::ids::BuildingId| Named {
        id: id.to_string(),
        name: ends
            .directory
            .buildings
            .iter()
            .find(|b| &b.id == id)
            .map_or("(not in the LMS)".to_owned(), |b| b.title.clone()),
    };
    let mut rows: Vec<SchoolRow> = ends
        .schools
        .iter()
        .map(|school| SchoolRow {
            school: Named {
                id: school.key.to_string(),
                name: school.name.clone(),
            },
            mapped: spec.schools.get(&school.key).map(building),
            suggestion: suggested(suggestions.iter().find(|s| s.sis == school.key)),
            stale: false,
        })
        .collect();
    for key in spec.stale_schools(&ends.schools) {
        rows.push(SchoolRow {
            school: Named {
                id: key.to_string(),
                name: String::new(),
            },
            mapped: spec.schools.get(key).map(building),
            suggestion: None,
            stale: true,
        });
    }
    Ok(SchoolsView {
        revision,
        schools: rows,
        buildings: ends
            .directory
            .buildings
            .iter()
            .map(|b| Named {
                id: b.id.to_string(),
                name: b.title.clone(),
            })
            .collect(),
        warnings: mapping_warnings(config, &ends.schools, None),
    })
}

/// The field a pair's problem is shown beside.
fn field(prefix: &str, key: &str) -> String {
    format!("{prefix}{key}")
}

/// The (record, target) pairs of a form that differ from `mapping`.
fn changed_pairs<K: Ord, V>(
    mapping: &std::collections::BTreeMap<K, V>,
    pairs: Vec<(String, Option<String>)>,
    key: impl Fn(&str) -> K,
    show: impl Fn(&V) -> String,
) -> Vec<(String, Option<String>)> {
    pairs
        .into_iter()
        .filter(|(record, target)| mapping.get(&key(record)).map(&show) != *target)
        .collect()
}

/// The records to map with their targets, and the records to unmap.
type Checked<K, T> = (Vec<(K, T)>, Vec<K>);

/// The pairs to map (each checked by `check`, as the command checks it)
/// and the records to unmap; refused with every problem beside its field
/// (`prefix` + the record) when one is refused.
fn check_pairs<K, T>(
    pairs: &[(String, Option<String>)],
    prefix: &str,
    key: impl Fn(&str) -> K,
    mut check: impl FnMut(&str, &str) -> Result<(K, T), crate::cli::UsageError>,
) -> Result<Checked<K, T>, ActionError> {
    let mut problems = Vec::new();
    let mut maps = Vec::new();
    let mut unmaps = Vec::new();
    for (record, target) in pairs {
        match target {
            Some(target) => match check(record, target) {
                Ok(pair) => maps.push(pair),
                Err(error) => problems.push(Problem::of(field(prefix, record), error.to_string())),
            },
            None => unmaps.push(key(record)),
        }
    }
    if problems.is_empty() {
        Ok((maps, unmaps))
    } else {
        Err(ActionError::Refused(problems))
    }
}

/// Maps and unmaps schools, each checked as `schools map` and `schools
/// unmap` check it; nothing is saved when one is refused.
pub(super) async fn save_schools(
    config: &Config,
    revision: &Revision,
    pairs: Vec<(String, Option<String>)>,
) -> Result<Saved, ActionError> {
    let spec = config.mapping.spec();
    let changed = changed_pairs(
        &spec.schools,
        pairs,
        |key| SchoolKey::new(key),
        ToString::to_string,
    );
    if changed.is_empty() {
        return Ok(unchanged());
    }
    let ends = ends(config, false).await?;
    let (maps, unmaps) = check_pairs(
        &changed,
        "building.",
        |key| SchoolKey::new(key),
        |school, building| {
            let found = ends.school(school)?.key.clone();
            Ok((found, ends.building(building)?))
        },
    )?;
    let words: Vec<String> = maps
        .iter()
        .map(|(school, building)| {
            format!("SIS school {school} is mapped to LMS building {building}")
        })
        .chain(unmaps.iter().map(|school| {
            format!("SIS school {school} is unmapped (its role map and selection are removed)")
        }))
        .collect();
    save_at(config, Some(&revision.0), |spec| {
        for (school, building) in maps {
            spec.schools.insert(school, building);
        }
        for school in &unmaps {
            spec.schools.remove(school);
            spec.roles.remove(school);
            spec.selection.users.remove(school);
            spec.selection.courses.remove(school);
            spec.selection.sections.remove(school);
        }
        Ok(format!("{}.", words.join("; ")))
    })
    .map(saved)
    .map_err(failed)
}

/// The Terms tab: the SIS terms of the year, each with its grading period
/// and suggestion.
pub(super) async fn terms(config: &Config, revision: Revision) -> Result<TermsView, ActionError> {
    let ends = ends(config, true).await?;
    let spec = config.mapping.spec();
    let suggestions = suggest::suggest_terms(&ends.terms, &ends.directory.grading_periods, spec);
    let mut warnings = mapping_warnings(config, &ends.schools, Some(&ends.terms));
    warnings.extend(unmapped_note(&ends, spec));
    Ok(TermsView {
        revision,
        year: format!("{}-{:02}", ends.year - 1, ends.year.rem_euclid(100)),
        terms: ends
            .terms
            .iter()
            .map(|term| TermRow {
                term: Named {
                    id: term.key.to_string(),
                    name: term.title.clone(),
                },
                school: term.school.to_string(),
                dates: format!("{}..{}", term.start, term.end),
                mapped: spec.terms.get(&term.key).map(|t| String::from(t.clone())),
                suggestion: suggested(suggestions.iter().find(|s| s.sis == term.key)),
                school_mapped: spec.schools.contains_key(&term.school),
            })
            .collect(),
        periods: ends
            .directory
            .grading_periods
            .iter()
            .map(|p| Named {
                id: p.id.to_string(),
                name: format!("{} ({}..{})", p.title, p.start, p.end),
            })
            .collect(),
        warnings,
    })
}

/// Maps and unmaps terms, each checked as `terms map` checks it.
pub(super) async fn save_terms(
    config: &Config,
    revision: &Revision,
    pairs: Vec<(String, Option<String>)>,
) -> Result<Saved, ActionError> {
    let spec = config.mapping.spec();
    let changed = changed_pairs(
        &spec.terms,
        pairs,
        |key| TermKey::new(key),
        |t| String::from(t.clone()),
    );
    if changed.is_empty() {
        return Ok(unchanged());
    }
    let ends = ends(config, true).await?;
    let mut warnings = Vec::new();
    let (maps, unmaps) = check_pairs(
        &changed,
        "period.",
        |key| TermKey::new(key),
        |term, target| {
            let found = ends.term(term)?;
            let target = ends.period(target)?;
            if !spec.schools.contains_key(&found.school) {
                warnings.push(format!(
                "the school {} of term {term} is not mapped, so the term takes part in no sync until it is",
                found.school
            ));
            }
            Ok((found.key.clone(), target))
        },
    )?;
    let words: Vec<String> = maps
        .iter()
        .map(|(term, target)| {
            format!(
                "SIS term {term} is mapped to {}",
                String::from(target.clone())
            )
        })
        .chain(
            unmaps
                .iter()
                .map(|term| format!("SIS term {term} is unmapped")),
        )
        .collect();
    let mut done = save_at(config, Some(&revision.0), |spec| {
        for (term, target) in maps {
            spec.terms.insert(term, target);
        }
        for term in &unmaps {
            spec.terms.remove(term);
        }
        Ok(format!("{}.", words.join("; ")))
    })
    .map(saved)
    .map_err(failed)?;
    done.warnings.extend(warnings);
    Ok(done)
}

/// `terms create-period TERM`: a grading period made from the term now,
/// and the term mapped to it.
pub(super) async fn add_grading_period(
    config: &Config,
    revision: &Revision,
    term: &str,
) -> Result<Saved, ActionError> {
    let ends = ends(config, true).await?;
    let key = ends
        .term(term)
        .map_err(|error| {
            ActionError::Refused(vec![Problem::of(field("period.", term), error.to_string())])
        })?
        .key
        .clone();
    let now = wire::now();
    let wired = wire::engine(config, now).await.map_err(failed)?;
    let id = wired
        .sis
        .closing(wired.engine.create_grading_period(&key, now))
        .await
        .map_err(|error| ActionError::Failed(error.to_string()))?;
    save_at(config, Some(&revision.0), |spec| {
        spec.terms.insert(key, TermTarget::Existing(id.clone()));
        Ok(format!(
            "Grading period {id} exists for SIS term {term}, and the term is mapped to it."
        ))
    })
    .map(saved)
    .map_err(failed)
}

/// The schools selected for one object type.
fn selected(
    spec: &rostersync_core::MappingSpec,
    scope: SyncScope,
) -> &std::collections::BTreeSet<SchoolKey> {
    match scope {
        SyncScope::Courses => &spec.selection.courses,
        SyncScope::Sections => &spec.selection.sections,
        _ => &spec.selection.users,
    }
}

/// The buildings of one object type's tab, and the role map on Users.
pub(super) async fn selection(
    config: &Config,
    revision: Revision,
    scope: SyncScope,
) -> Result<SelectionView, ActionError> {
    let spec = config.mapping.spec();
    let users = scope == SyncScope::Users;
    let ends = ends(config, false).await?;
    let name_of = |key: &SchoolKey| {
        ends.schools
            .iter()
            .find(|s| s.key == *key)
            .map_or_else(|| key.to_string(), |s| s.name.clone())
    };
    let title_of = |id: &rostersync_core::ids::BuildingId| {
        ends.directory
            .buildings
            .iter()
            .find(|b| b.id == *id)
            .map_or_else(|| id.to_string(), |b| b.title.clone())
    };
    let chosen = selected(spec, scope);
    Ok(SelectionView {
        revision,
        schools: spec
            .schools
            .iter()
            .map(|(school, building)| {
                (
                    Named {
                        id: school.to_string(),
                        name: name_of(school),
                    },
                    Named {
                        id: building.to_string(),
                        name: title_of(building),
                    },
                    chosen.contains(school),
                )
            })
            .collect(),
        roles: if users {
            spec.schools
                .keys()
                .map(|school| {
                    let map = spec.roles.get(school);
                    let roles = SisRole::ALL
                        .iter()
                        .map(|role| {
                            let target = map
                                .and_then(|m| m.target(*role))
                                .map(|t| String::from(t.clone()))
                                .unwrap_or_default();
                            (role.as_str().to_owned(), target)
                        })
                        .collect();
                    (school.to_string(), roles)
                })
                .collect()
        } else {
            Vec::new()
        },
        lms_roles: if users {
            ends.directory
                .roles
                .iter()
                .map(|r| Named {
                    id: r.id.to_string(),
                    name: r.title.clone(),
                })
                .chain(std::iter::once(Named {
                    id: DO_NOT_SYNC.to_owned(),
                    name: "Do not sync".to_owned(),
                }))
                .collect()
        } else {
            Vec::new()
        },
    })
}

/// Saves one object type's buildings (`roles select|deselect`) and, on
/// Users, the role map (`roles set`), each role checked against the LMS's.
pub(super) async fn save_selection(
    config: &Config,
    revision: &Revision,
    scope: SyncScope,
    change: SelectionChange,
) -> Result<Saved, ActionError> {
    let spec = config.mapping.spec();
    let mut problems = Vec::new();
    let mut chosen = std::collections::BTreeSet::new();
    for school in &change.selected {
        let key = SchoolKey::new(school.as_str());
        if spec.schools.contains_key(&key) {
            chosen.insert(key);
        } else {
            problems.push(Problem::of(
                "selected",
                format!("SIS school {school} is not mapped: map it on the Schools tab first"),
            ));
        }
    }
    let mut roles: Vec<(SchoolKey, SisRole, Option<RoleTarget>)> = Vec::new();
    if !change.roles.is_empty() {
        let lms_roles = {
            use rostersync_ports::LmsTarget as _;
            let lms = wire::PacedLms::open(config).await.map_err(failed)?;
            let directory = lms.directory().await;
            lms.done().await;
            directory
                .map_err(|error| ActionError::Failed(format!("reading the LMS roles: {error}")))?
                .roles
        };
        for (school, role, target) in &change.roles {
            let beside = format!("role.{school}.{role}");
            let key = SchoolKey::new(school.as_str());
            let Some(sis_role) = SisRole::ALL.into_iter().find(|r| r.as_str() == role) else {
                problems.push(Problem::of(beside, format!("{role:?} is not a SIS role")));
                continue;
            };
            if !spec.schools.contains_key(&key) {
                problems.push(Problem::of(
                    beside,
                    format!("SIS school {school} is not mapped: map it on the Schools tab first"),
                ));
                continue;
            }
            if target.is_empty() {
                roles.push((key, sis_role, None));
                continue;
            }
            match role_target(&lms_roles, target) {
                Ok(target) => roles.push((key, sis_role, Some(target))),
                Err(error) => problems.push(Problem::of(beside, error.to_string())),
            }
        }
    }
    if !problems.is_empty() {
        return Err(ActionError::Refused(problems));
    }
    let unchanged_roles = roles.iter().all(|(school, role, target)| {
        spec.roles.get(school).and_then(|m| m.target(*role)) == target.as_ref()
    });
    if *selected(spec, scope) == chosen && unchanged_roles {
        return Ok(unchanged());
    }
    let what = scope.as_str();
    let count = chosen.len();
    save_at(config, Some(&revision.0), |spec| {
        let set = match scope {
            SyncScope::Courses => &mut spec.selection.courses,
            SyncScope::Sections => &mut spec.selection.sections,
            _ => &mut spec.selection.users,
        };
        *set = chosen;
        for (school, role, target) in roles {
            spec.roles
                .entry(school)
                .or_insert_with(RoleMap::default)
                .set(role, target);
        }
        Ok(format!(
            "{count} building(s) are selected for {what}{}.",
            if what == "users" {
                ", and the role map is saved"
            } else {
                ""
            }
        ))
    })
    .map(saved)
    .map_err(failed)
}
