//! The drift check: what changed in the LMS outside rostersync since it last
//! knew the LMS (its shadow), among the records and enrollments it owns —
//! SIS-owned fields edited by hand, records deleted, managed enrollments
//! removed, enrollments added by hand to its sections — and what a sync does
//! about each under the administrator's policy per entity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::entity::Entity;
use crate::ids::{SectionId, UserId};
use crate::model::links::{Link, Links};
use crate::model::lms::{
    LmsCourse, LmsEnrollment, LmsSection, LmsSnapshot, LmsUser, SectionFields,
};
use crate::plan::FieldChange;
use crate::plan::record::{Diff, Owned};

/// What a sync does about a record edited in the LMS by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftRule {
    /// Put the SIS values back (the SIS owns the data): restore edited
    /// fields, re-create deleted records and removed enrollments.
    #[default]
    Restore,
    /// Report it and leave it as it was found, until the SIS itself changes
    /// the record.
    Report,
}

impl DriftRule {
    /// The name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftRule::Restore => "restore",
            DriftRule::Report => "report",
        }
    }
}

/// The drift rule per entity, as configured under `[mapping.drift]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriftPolicy {
    /// User accounts.
    pub users: DriftRule,
    /// Courses.
    pub courses: DriftRule,
    /// Sections.
    pub sections: DriftRule,
    /// Managed enrollments.
    pub enrollments: DriftRule,
}

impl DriftPolicy {
    /// The rule for `entity` (restore for entities without one).
    pub fn rule(&self, entity: Entity) -> DriftRule {
        match entity {
            Entity::User => self.users,
            Entity::Course => self.courses,
            Entity::Section => self.sections,
            Entity::Enrollment => self.enrollments,
            _ => DriftRule::Restore,
        }
    }
}

/// How one record differs from what rostersync last knew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftKind {
    /// Fields rostersync owns were edited (old = as rostersync left them,
    /// new = as found).
    Edited {
        /// The fields.
        changes: Vec<FieldChange>,
    },
    /// The record is gone from the LMS.
    Deleted,
    /// A managed enrollment is gone from the LMS.
    EnrollmentRemoved,
    /// An enrollment rostersync does not manage appeared in one of its sections.
    EnrollmentAdded,
}

/// One record that drifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// The entity.
    pub entity: Entity,
    /// The record's SIS key (`section/person` for an enrollment; the LMS
    /// user id for a person rostersync does not know).
    pub key: String,
    /// What changed.
    pub kind: DriftKind,
    /// The rule that applies.
    pub rule: DriftRule,
}

impl Drift {
    /// What a sync does about it, in words.
    pub fn next(&self) -> &'static str {
        match (&self.kind, self.rule) {
            (DriftKind::EnrollmentAdded, _) => "left alone: rostersync does not manage it",
            (_, DriftRule::Report) => "left as found (drift policy \"report\")",
            (DriftKind::Edited { .. }, DriftRule::Restore) => "the SIS value is restored",
            (DriftKind::Deleted, DriftRule::Restore) => "it is created again",
            (DriftKind::EnrollmentRemoved, DriftRule::Restore) => "it is enrolled again",
        }
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DriftKind::Edited { changes } => {
                let fields: Vec<String> = changes
                    .iter()
                    .map(|change| {
                        format!(
                            "{} {:?} → {:?}",
                            change.field,
                            change.old.as_deref().unwrap_or(""),
                            change.new.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                write!(f, "edited in the LMS by hand: {}", fields.join(", "))?;
            }
            DriftKind::Deleted => f.write_str("deleted in the LMS by hand")?,
            DriftKind::EnrollmentRemoved => f.write_str("removed from its section by hand")?,
            DriftKind::EnrollmentAdded => f.write_str("added to a managed section by hand")?,
        }
        write!(f, "; {}", self.next())
    }
}

/// Which object types a full read of the LMS read: only those can be
/// compared with the shadow (a record a read did not ask for is not gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadTypes {
    /// Users were read.
    pub users: bool,
    /// Courses were read.
    pub courses: bool,
    /// Sections and their enrollments were read.
    pub sections: bool,
}

impl ReadTypes {
    /// Every object type.
    pub const ALL: ReadTypes = ReadTypes {
        users: true,
        courses: true,
        sections: true,
    };
}

/// Compares `fresh` (a full read of the LMS of the object types `read`)
/// with `shadow` (what rostersync last knew of it) over the records and
/// enrollments `links` say it owns. Records are listed by entity, then key.
pub fn compare(
    shadow: &LmsSnapshot,
    fresh: &LmsSnapshot,
    links: &Links,
    policy: &DriftPolicy,
    read: ReadTypes,
) -> Vec<Drift> {
    let mut found = Vec::new();
    let mut push = |entity: Entity, key: String, kind: DriftKind| {
        found.push(Drift {
            entity,
            key,
            kind,
            rule: policy.rule(entity),
        });
    };
    if read.users {
        records(
            Entity::User,
            &shadow.users,
            &fresh.users,
            &links.users,
            &mut push,
        );
    }
    if read.courses {
        records(
            Entity::Course,
            &shadow.courses,
            &fresh.courses,
            &links.courses,
            &mut push,
        );
    }
    if read.sections {
        records(
            Entity::Section,
            &shadow.sections,
            &fresh.sections,
            &links.sections,
            &mut push,
        );
        enrollments(shadow, fresh, links, &mut push);
    }
    found.sort_by(|a, b| (a.entity, &a.key).cmp(&(b.entity, &b.key)));
    found
}

/// A user, course or section as the drift check sees it.
trait Record: Clone {
    /// Its LMS id.
    fn id(&self) -> &str;
    /// The fields rostersync owns that differ from `was` to `self`.
    fn changes(&self, was: &Self) -> Vec<FieldChange>;
    /// Takes the fields rostersync owns from `was`.
    fn restore(&mut self, was: &Self);
}

/// Users and courses: the fields rostersync owns compare as the plan does.
macro_rules! owned_record {
    ($($record:ty),*) => {$(
        impl Record for $record {
            fn id(&self) -> &str {
                self.id.as_str()
            }
            fn changes(&self, was: &Self) -> Vec<FieldChange> {
                Owned::diff(&was.fields, &self.fields)
            }
            fn restore(&mut self, was: &Self) {
                self.fields = was.fields.clone();
            }
        }
    )*};
}

owned_record!(LmsUser, LmsCourse);

impl Record for LmsSection {
    fn id(&self) -> &str {
        self.id.as_str()
    }
    fn changes(&self, was: &Self) -> Vec<FieldChange> {
        section_changes(&was.fields, &self.fields)
    }
    fn restore(&mut self, was: &Self) {
        self.fields = was.fields.clone();
    }
}

/// Linked records the shadow knew that are gone or were edited.
fn records<K: fmt::Display, Id: AsRef<str>, R: Record>(
    entity: Entity,
    shadow: &[R],
    fresh: &[R],
    links: &BTreeMap<K, Link<Id>>,
    push: &mut impl FnMut(Entity, String, DriftKind),
) {
    let was: HashMap<&str, &R> = shadow.iter().map(|r| (r.id(), r)).collect();
    let now: HashMap<&str, &R> = fresh.iter().map(|r| (r.id(), r)).collect();
    for (key, link) in links {
        let Some(was) = was.get(link.id.as_ref()) else {
            continue;
        };
        match now.get(link.id.as_ref()) {
            None => push(entity, key.to_string(), DriftKind::Deleted),
            Some(now) => {
                let changes = now.changes(was);
                if !changes.is_empty() {
                    push(entity, key.to_string(), DriftKind::Edited { changes });
                }
            }
        }
    }
}

/// Puts the shadow's version of the linked record `key` into `planned`.
fn hold_record<K: AsRef<str>, Id: AsRef<str>, R: Record>(
    key: &str,
    links: &BTreeMap<K, Link<Id>>,
    shadow: &[R],
    planned: &mut Vec<R>,
) -> bool {
    let Some(link) = links
        .iter()
        .find(|(k, _)| k.as_ref() == key)
        .map(|(_, l)| l)
    else {
        return false;
    };
    let Some(was) = shadow.iter().find(|r| r.id() == link.id.as_ref()) else {
        return false;
    };
    match planned.iter_mut().find(|r| r.id() == link.id.as_ref()) {
        Some(now) => now.restore(was),
        None => planned.push(was.clone()),
    }
    true
}

/// Managed enrollments removed or changed, and unmanaged ones added to a
/// section rostersync owns (only in sections the shadow knew).
fn enrollments(
    shadow: &LmsSnapshot,
    fresh: &LmsSnapshot,
    links: &Links,
    push: &mut impl FnMut(Entity, String, DriftKind),
) {
    let pair = |e: &LmsEnrollment| (e.section.clone(), e.user.clone());
    let was: HashMap<(SectionId, UserId), &LmsEnrollment> =
        shadow.enrollments.iter().map(|e| (pair(e), e)).collect();
    let now: HashMap<(SectionId, UserId), &LmsEnrollment> =
        fresh.enrollments.iter().map(|e| (pair(e), e)).collect();
    let mut managed: HashSet<(SectionId, UserId)> = HashSet::new();
    for (section, person) in links.enrollments.keys() {
        let (Some(section_link), Some(user_link)) =
            (links.sections.get(section), links.users.get(person))
        else {
            continue;
        };
        let ids = (section_link.id.clone(), user_link.id.clone());
        let key = format!("{section}/{person}");
        match (was.get(&ids), now.get(&ids)) {
            (Some(_), None) => push(Entity::Enrollment, key, DriftKind::EnrollmentRemoved),
            (Some(before), Some(after)) if before.admin != after.admin => {
                let role = |admin: bool| Some(if admin { "teacher" } else { "student" }.to_owned());
                push(
                    Entity::Enrollment,
                    key,
                    DriftKind::Edited {
                        changes: vec![FieldChange {
                            field: "role".to_owned(),
                            old: role(before.admin),
                            new: role(after.admin),
                        }],
                    },
                );
            }
            _ => {}
        }
        managed.insert(ids);
    }
    let owned_sections: HashMap<&str, &str> = links
        .sections
        .iter()
        .map(|(key, link)| (link.id.as_str(), key.as_str()))
        .collect();
    let known_sections: HashSet<&SectionId> = shadow.sections.iter().map(|s| &s.id).collect();
    let person_of: HashMap<&str, &str> = links
        .users
        .iter()
        .map(|(key, link)| (link.id.as_str(), key.as_str()))
        .collect();
    for (ids, _) in now
        .iter()
        .filter(|(ids, _)| !was.contains_key(*ids) && !managed.contains(*ids))
    {
        let (section, user) = ids;
        let Some(section_key) = owned_sections.get(section.as_str()) else {
            continue;
        };
        if !known_sections.contains(section) {
            continue;
        }
        let person = person_of
            .get(user.as_str())
            .copied()
            .unwrap_or(user.as_str());
        push(
            Entity::Enrollment,
            format!("{section_key}/{person}"),
            DriftKind::EnrollmentAdded,
        );
    }
}

fn section_changes(was: &SectionFields, now: &SectionFields) -> Vec<FieldChange> {
    let mut diff = Diff::default();
    diff.text("title", &was.title, &now.title);
    diff.text("code", &was.code, &now.code);
    diff.list(
        "grading_periods",
        &was.grading_periods,
        &now.grading_periods,
    );
    diff.opt("location", &was.location, &now.location);
    diff.opt("periods", &was.periods, &now.periods);
    diff.0
}

/// Makes `planned` (the fresh read the plan works from) show the records
/// that drifted under the "report" rule as rostersync last left them, from
/// `shadow`, so the plan leaves them alone; the shadow kept after the run
/// then still holds those values, and the next drift check reports them
/// again. Returns how many records were held.
pub fn hold_reported(
    drifts: &[Drift],
    shadow: &LmsSnapshot,
    planned: &mut LmsSnapshot,
    links: &Links,
) -> usize {
    let mut held = 0;
    for drift in drifts.iter().filter(|d| d.rule == DriftRule::Report) {
        held += usize::from(hold_one(drift, shadow, planned, links));
    }
    held
}

fn hold_one(drift: &Drift, shadow: &LmsSnapshot, planned: &mut LmsSnapshot, links: &Links) -> bool {
    match drift.entity {
        Entity::User => hold_record(&drift.key, &links.users, &shadow.users, &mut planned.users),
        Entity::Course => hold_record(
            &drift.key,
            &links.courses,
            &shadow.courses,
            &mut planned.courses,
        ),
        Entity::Section => hold_record(
            &drift.key,
            &links.sections,
            &shadow.sections,
            &mut planned.sections,
        ),
        Entity::Enrollment => {
            let Some((section, person)) = drift.key.split_once('/') else {
                return false;
            };
            let ids = links
                .sections
                .iter()
                .find(|(k, _)| k.as_str() == section)
                .zip(links.users.iter().find(|(k, _)| k.as_str() == person));
            let Some(((_, section), (_, user))) = ids else {
                return false;
            };
            let Some(was) = shadow
                .enrollments
                .iter()
                .find(|e| e.section == section.id && e.user == user.id)
            else {
                return false;
            };
            match planned
                .enrollments
                .iter_mut()
                .find(|e| e.section == section.id && e.user == user.id)
            {
                Some(now) => now.admin = was.admin,
                None => planned.enrollments.push(was.clone()),
            }
            true
        }
        _ => false,
    }
}
