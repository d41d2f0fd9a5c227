//! The administrator's mapping choices (schools, terms, roles, building
//! selection, drop policy, thresholds), validated once into a `MappingConfig`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{BuildingId, GradingPeriodId, RoleId, SchoolKey, TermKey};
use crate::model::sis::{School, SisRole, Term};
use crate::threshold::Thresholds;

/// Where a SIS role goes in the LMS.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RoleTarget {
    /// People with this role get this LMS role.
    Lms(RoleId),
    /// People with this role are not synced.
    DoNotSync,
}

/// The text that spells [`RoleTarget::DoNotSync`] in configuration.
pub const DO_NOT_SYNC: &str = "do_not_sync";

impl TryFrom<String> for RoleTarget {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Err(format!(
                "a role must be an LMS role id or \"{DO_NOT_SYNC}\", not empty"
            ))
        } else if trimmed.eq_ignore_ascii_case(DO_NOT_SYNC)
            || trimmed.eq_ignore_ascii_case("do-not-sync")
        {
            Ok(RoleTarget::DoNotSync)
        } else {
            Ok(RoleTarget::Lms(RoleId::new(trimmed)))
        }
    }
}

impl From<RoleTarget> for String {
    fn from(target: RoleTarget) -> String {
        match target {
            RoleTarget::Lms(id) => id.as_str().to_owned(),
            RoleTarget::DoNotSync => DO_NOT_SYNC.to_owned(),
        }
    }
}

/// The LMS role of each SIS role in one building.
///
/// A role left out is *unset*: its people are skipped with a reason that
/// says so ([`SkipReason::RoleUnset`](crate::plan::SkipReason::RoleUnset)),
/// which is not the same as an explicit [`RoleTarget::DoNotSync`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoleMap {
    /// Students' role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<RoleTarget>,
    /// Teachers' role (usually a faculty role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher: Option<RoleTarget>,
    /// Guardians' role (usually Parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<RoleTarget>,
}

impl RoleMap {
    /// A map that sets all three roles.
    pub fn all(student: RoleTarget, teacher: RoleTarget, guardian: RoleTarget) -> Self {
        RoleMap {
            student: Some(student),
            teacher: Some(teacher),
            guardian: Some(guardian),
        }
    }

    /// The target for one SIS role, if it is set.
    pub fn target(&self, role: SisRole) -> Option<&RoleTarget> {
        self.slot(role).as_ref()
    }

    /// Sets (or, with `None`, unsets) the target of one SIS role.
    pub fn set(&mut self, role: SisRole, target: Option<RoleTarget>) {
        let slot = match role {
            SisRole::Student => &mut self.student,
            SisRole::Teacher => &mut self.teacher,
            SisRole::Guardian => &mut self.guardian,
        };
        *slot = target;
    }

    fn slot(&self, role: SisRole) -> &Option<RoleTarget> {
        match role {
            SisRole::Student => &self.student,
            SisRole::Teacher => &self.teacher,
            SisRole::Guardian => &self.guardian,
        }
    }
}

/// Where a SIS term goes in the LMS.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TermTarget {
    /// An existing grading period.
    Existing(GradingPeriodId),
    /// A grading period to create from the term (title, start, end).
    Create,
}

/// The text that spells [`TermTarget::Create`] in configuration.
pub const CREATE: &str = "create";

impl TryFrom<String> for TermTarget {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Err(format!(
                "a term must map to a grading period id or \"{CREATE}\", not empty"
            ))
        } else if trimmed.eq_ignore_ascii_case(CREATE) {
            Ok(TermTarget::Create)
        } else {
            Ok(TermTarget::Existing(GradingPeriodId::new(trimmed)))
        }
    }
}

impl From<TermTarget> for String {
    fn from(target: TermTarget) -> String {
        match target {
            TermTarget::Existing(id) => id.as_str().to_owned(),
            TermTarget::Create => CREATE.to_owned(),
        }
    }
}

/// What happens to a managed enrollment the SIS no longer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropPolicy {
    /// Remove it from the LMS section.
    #[default]
    Unenroll,
    /// Leave it in place (adds still follow the SIS).
    Keep,
}

/// The buildings whose records take part, per object type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    /// Buildings whose people are synced.
    pub users: BTreeSet<SchoolKey>,
    /// Buildings whose courses are synced.
    pub courses: BTreeSet<SchoolKey>,
    /// Buildings whose sections and enrollments are synced.
    pub sections: BTreeSet<SchoolKey>,
}

/// Options beyond the reference product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Sync guardian-student links as parent associations (off by default).
    pub guardian_links: bool,
    /// Merge cross-listed sections into one LMS section (the one with the lowest key).
    pub merge_cross_listed: bool,
    /// Create sections that have no enrollments.
    pub create_empty_sections: bool,
    /// Use the SIS key as the username of a person with neither e-mail nor username.
    pub username_from_key: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            guardian_links: false,
            merge_cross_listed: false,
            create_empty_sections: true,
            username_from_key: true,
        }
    }
}

/// The mapping as written in configuration, not yet validated.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MappingSpec {
    /// SIS school → LMS building; a school not listed is unmapped and never synced.
    pub schools: BTreeMap<SchoolKey, BuildingId>,
    /// SIS term → LMS grading period, or create one.
    pub terms: BTreeMap<TermKey, TermTarget>,
    /// Buildings selected per object type.
    pub selection: Selection,
    /// Role map per building.
    pub roles: BTreeMap<SchoolKey, RoleMap>,
    /// What happens to dropped enrollments.
    pub drop_policy: DropPolicy,
    /// Safety thresholds.
    pub thresholds: Thresholds,
    /// Optional behaviours.
    pub options: Options,
    /// What a sync does about records edited in the LMS by hand, per entity.
    pub drift: crate::drift::DriftPolicy,
}

impl MappingSpec {
    /// Buildings that two or more SIS schools are mapped to, with those
    /// schools: allowed, but usually a mistake worth a warning.
    pub fn shared_buildings(&self) -> BTreeMap<&BuildingId, Vec<&SchoolKey>> {
        let mut by_building: BTreeMap<&BuildingId, Vec<&SchoolKey>> = BTreeMap::new();
        for (school, building) in &self.schools {
            by_building.entry(building).or_default().push(school);
        }
        by_building.retain(|_, schools| schools.len() > 1);
        by_building
    }

    /// Mapped schools the SIS no longer lists (`listed` is what it lists).
    pub fn stale_schools(&self, listed: &[School]) -> Vec<&SchoolKey> {
        unlisted(self.schools.keys(), listed.iter().map(|school| &school.key))
    }

    /// Mapped terms the SIS no longer lists for the year read (`listed` is
    /// what it lists).
    pub fn stale_terms(&self, listed: &[Term]) -> Vec<&TermKey> {
        unlisted(self.terms.keys(), listed.iter().map(|term| &term.key))
    }
}

/// The keys of `mapped` that are not among `listed`, in order.
fn unlisted<'a, 'b, K: Ord + 'a + 'b>(
    mapped: impl Iterator<Item = &'a K>,
    listed: impl Iterator<Item = &'b K>,
) -> Vec<&'a K> {
    let listed: BTreeSet<&K> = listed.collect();
    mapped.filter(|key| !listed.contains(key)).collect()
}

/// One problem in a mapping, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    /// Where, as a dotted path (`roles."101".teacher`).
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingErrors(pub Vec<MappingError>);

impl fmt::Display for MappingErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the mapping has {} problem(s):", self.0.len())?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

/// A validated mapping. The only way to build one is [`MappingConfig::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct MappingConfig {
    spec: MappingSpec,
}

impl MappingConfig {
    /// Validates a mapping.
    ///
    /// # Errors
    ///
    /// Every problem at once: a building selected or given a role map but not
    /// mapped to an LMS building, a building selected for users without a role
    /// map, an empty LMS id, a threshold outside 0–100 %.
    pub fn new(spec: MappingSpec) -> Result<Self, MappingErrors> {
        let mut errors = Vec::new();
        let mut push = |path: String, message: String| errors.push(MappingError { path, message });
        for (school, building) in &spec.schools {
            if building.as_str().trim().is_empty() {
                push(
                    format!("schools.\"{school}\""),
                    "the LMS building id is empty; give the building's id or remove the line to leave the school unmapped".into(),
                );
            }
        }
        let kinds = [
            ("users", &spec.selection.users),
            ("courses", &spec.selection.courses),
            ("sections", &spec.selection.sections),
        ];
        for (kind, schools) in kinds {
            for school in schools {
                if !spec.schools.contains_key(school) {
                    push(
                        format!("selection.{kind}"),
                        format!(
                            "school \"{school}\" is selected but not mapped to an LMS building; map it under [schools] or remove it"
                        ),
                    );
                }
            }
        }
        for school in spec.roles.keys() {
            if !spec.schools.contains_key(school) {
                push(
                    format!("roles.\"{school}\""),
                    format!(
                        "school \"{school}\" has a role map but is not mapped to an LMS building; map it under [schools] or remove its role map"
                    ),
                );
            }
        }
        for school in &spec.selection.users {
            if !spec.roles.contains_key(school) {
                push(
                    format!("roles.\"{school}\""),
                    format!(
                        "school \"{school}\" is selected for users but has no role map; set student, teacher and guardian roles for it"
                    ),
                );
            }
        }
        for (path, message) in spec.thresholds.problems() {
            push(format!("thresholds.{path}"), message);
        }
        if errors.is_empty() {
            Ok(MappingConfig { spec })
        } else {
            Err(MappingErrors(errors))
        }
    }

    /// The mapping as configured.
    pub fn spec(&self) -> &MappingSpec {
        &self.spec
    }

    /// What a sync does about records edited in the LMS by hand.
    pub fn drift(&self) -> &crate::drift::DriftPolicy {
        &self.spec.drift
    }

    /// The LMS building of a SIS school, if mapped.
    pub fn building(&self, school: &SchoolKey) -> Option<&BuildingId> {
        self.spec.schools.get(school)
    }

    /// Where a term goes, if mapped.
    pub fn term(&self, term: &TermKey) -> Option<&TermTarget> {
        self.spec.terms.get(term)
    }

    /// The role target of a SIS role in a building, if the building has a
    /// role map that sets it.
    pub fn role(&self, school: &SchoolKey, role: SisRole) -> Option<&RoleTarget> {
        self.spec.roles.get(school).and_then(|map| map.target(role))
    }

    /// The buildings selected per object type.
    pub fn selection(&self) -> &Selection {
        &self.spec.selection
    }

    /// The drop policy.
    pub fn drop_policy(&self) -> DropPolicy {
        self.spec.drop_policy
    }

    /// The thresholds.
    pub fn thresholds(&self) -> &Thresholds {
        &self.spec.thresholds
    }

    /// The optional behaviours.
    pub fn options(&self) -> &Options {
        &self.spec.options
    }
}

pub mod suggest;

#[cfg(test)]
mod tests;
