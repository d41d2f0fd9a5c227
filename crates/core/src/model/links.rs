//! Links between SIS records and the LMS records rostersync owns, as kept in
//! the state store. Ownership is decided here and nowhere else: a record or an
//! enrollment without a link is never changed or removed by rostersync.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{
    CourseId, CourseKey, GradingPeriodId, PersonKey, SectionId, SectionKey, TermKey, UserId,
};
use crate::model::Text;

/// How a link came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOrigin {
    /// rostersync created the LMS record.
    Created,
    /// The LMS record already carried the SIS key in its unique field.
    UniqueId,
    /// An administrator accepted a data-prep match.
    Matched,
}

impl LinkOrigin {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOrigin::Created => "created",
            LinkOrigin::UniqueId => "unique_id",
            LinkOrigin::Matched => "matched",
        }
    }
}

/// A link from a SIS key to the LMS record rostersync owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link<Id> {
    /// The LMS id.
    pub id: Id,
    /// How the link was made.
    pub origin: LinkOrigin,
}

impl<Id> Link<Id> {
    /// A link with the given origin.
    pub fn new(id: Id, origin: LinkOrigin) -> Self {
        Link { id, origin }
    }
}

/// Every link rostersync keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Links {
    /// Grading periods created from terms.
    pub grading_periods: BTreeMap<TermKey, Link<GradingPeriodId>>,
    /// User accounts.
    pub users: BTreeMap<PersonKey, Link<UserId>>,
    /// Courses.
    pub courses: BTreeMap<CourseKey, Link<CourseId>>,
    /// Sections.
    pub sections: BTreeMap<SectionKey, Link<SectionId>>,
    /// Enrollments rostersync manages, by SIS section and person.
    #[serde(with = "pair_map")]
    pub enrollments: BTreeMap<(SectionKey, PersonKey), LinkOrigin>,
    /// Guardian-student associations rostersync manages, by guardian and student.
    #[serde(with = "pair_map")]
    pub guardian_links: BTreeMap<(PersonKey, PersonKey), LinkOrigin>,
    /// E-mail addresses the LMS would not take for a person's account (it
    /// holds them for an account elsewhere), by person. The plan leaves the
    /// account's e-mail alone while the SIS address is the one withheld, so
    /// a refused address is not sent again every day; a changed SIS address
    /// is tried.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub withheld_emails: BTreeMap<PersonKey, Text>,
}

/// Serializes a map keyed by a pair as a list of `[a, b, value]` triples,
/// since JSON object keys must be strings.
mod pair_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S, A, B, V>(
        map: &BTreeMap<(A, B), V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        A: Serialize,
        B: Serialize,
        V: Serialize,
    {
        serializer.collect_seq(map.iter().map(|((a, b), v)| (a, b, v)))
    }

    pub(super) fn deserialize<'de, D, A, B, V>(
        deserializer: D,
    ) -> Result<BTreeMap<(A, B), V>, D::Error>
    where
        D: Deserializer<'de>,
        A: Deserialize<'de> + Ord,
        B: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    {
        let triples = Vec::<(A, B, V)>::deserialize(deserializer)?;
        Ok(triples.into_iter().map(|(a, b, v)| ((a, b), v)).collect())
    }
}

/// Links to add or replace, and links to remove, saved in one step.
///
/// Applying removes first, then upserts, so a key in both ends up linked.
/// Removing a key that has no link is not an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkChanges {
    /// Links to add, or to replace when the key already has one.
    pub upsert: Links,
    /// Links to remove.
    pub remove: LinkRemovals,
    /// The writes these changes come from that landed, in order: saved with
    /// the links, so the shadow of the LMS replayed from them is never
    /// behind the links nor ahead of the LMS.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub landed: Vec<LandedWrite>,
}

/// One write that landed: the record (by entity and the key the engine gives
/// it) and the LMS id a create or an enrollment got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandedWrite {
    /// The entity.
    pub entity: crate::entity::Entity,
    /// The record's key.
    pub key: String,
    /// The LMS id, when the LMS returned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The keys of links to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkRemovals {
    /// Grading periods, by term.
    pub grading_periods: Vec<TermKey>,
    /// Users.
    pub users: Vec<PersonKey>,
    /// Courses.
    pub courses: Vec<CourseKey>,
    /// Sections.
    pub sections: Vec<SectionKey>,
    /// Enrollments, by section and person.
    pub enrollments: Vec<(SectionKey, PersonKey)>,
    /// Guardian links, by guardian and student.
    pub guardian_links: Vec<(PersonKey, PersonKey)>,
    /// Withheld e-mails, by person.
    pub withheld_emails: Vec<PersonKey>,
}

impl LinkChanges {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        let removals = &self.remove;
        self.upsert == Links::default()
            && removals.grading_periods.is_empty()
            && removals.users.is_empty()
            && removals.courses.is_empty()
            && removals.sections.is_empty()
            && removals.enrollments.is_empty()
            && removals.guardian_links.is_empty()
            && removals.withheld_emails.is_empty()
            && self.landed.is_empty()
    }
}

impl Links {
    /// Adds (or replaces) the link of one record by its entity, as a store
    /// reads it back: a grading period, user, course or section. Returns
    /// `false`, adding nothing, for an entity whose links are not kept by
    /// one key (enrollments, guardian links, grade items, scores).
    pub fn insert_record_link(
        &mut self,
        entity: crate::entity::Entity,
        key: String,
        id: String,
        origin: LinkOrigin,
    ) -> bool {
        use crate::entity::Entity;
        match entity {
            Entity::GradingPeriod => {
                self.grading_periods
                    .insert(key.into(), Link::new(id.into(), origin));
            }
            Entity::User => {
                self.users.insert(key.into(), Link::new(id.into(), origin));
            }
            Entity::Course => {
                self.courses
                    .insert(key.into(), Link::new(id.into(), origin));
            }
            Entity::Section => {
                self.sections
                    .insert(key.into(), Link::new(id.into(), origin));
            }
            Entity::Enrollment | Entity::GuardianLink | Entity::GradeItem | Entity::Score => {
                return false;
            }
        }
        true
    }

    /// Applies changes: removals first, then upserts.
    pub fn apply_changes(&mut self, changes: &LinkChanges) {
        let remove = &changes.remove;
        for key in &remove.grading_periods {
            self.grading_periods.remove(key);
        }
        for key in &remove.users {
            self.users.remove(key);
        }
        for key in &remove.courses {
            self.courses.remove(key);
        }
        for key in &remove.sections {
            self.sections.remove(key);
        }
        for key in &remove.enrollments {
            self.enrollments.remove(key);
        }
        for key in &remove.guardian_links {
            self.guardian_links.remove(key);
        }
        for key in &remove.withheld_emails {
            self.withheld_emails.remove(key);
        }
        let upsert = &changes.upsert;
        self.grading_periods.extend(
            upsert
                .grading_periods
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        self.users
            .extend(upsert.users.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.courses
            .extend(upsert.courses.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.sections
            .extend(upsert.sections.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.enrollments
            .extend(upsert.enrollments.iter().map(|(k, v)| (k.clone(), *v)));
        self.guardian_links
            .extend(upsert.guardian_links.iter().map(|(k, v)| (k.clone(), *v)));
        self.withheld_emails.extend(
            upsert
                .withheld_emails
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
}

/// The links of a run in progress, and what changed since they were last
/// saved, so a run saves each batch's links without rewriting them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkLedger {
    links: Links,
    pending: LinkChanges,
}

impl LinkLedger {
    /// Starts from the saved links.
    pub fn new(links: Links) -> Self {
        LinkLedger {
            links,
            pending: LinkChanges::default(),
        }
    }

    /// Every link, saved or not.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The changes not saved yet, leaving none pending.
    pub fn take_changes(&mut self) -> LinkChanges {
        std::mem::take(&mut self.pending)
    }

    /// Whether changes are waiting to be saved.
    pub fn has_changes(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Records that a write landed, to be saved with the next changes.
    pub fn record_landed(&mut self, landed: LandedWrite) {
        self.pending.landed.push(landed);
    }

    /// Links a term to the grading period made from it.
    pub fn link_period(&mut self, term: TermKey, link: Link<GradingPeriodId>) {
        self.links
            .grading_periods
            .insert(term.clone(), link.clone());
        self.pending.upsert.grading_periods.insert(term, link);
    }

    /// Links a person to a user account.
    pub fn link_user(&mut self, key: PersonKey, link: Link<UserId>) {
        self.links.users.insert(key.clone(), link.clone());
        self.pending.upsert.users.insert(key, link);
    }

    /// Links a course.
    pub fn link_course(&mut self, key: CourseKey, link: Link<CourseId>) {
        self.links.courses.insert(key.clone(), link.clone());
        self.pending.upsert.courses.insert(key, link);
    }

    /// Links a section.
    pub fn link_section(&mut self, key: SectionKey, link: Link<SectionId>) {
        self.links.sections.insert(key.clone(), link.clone());
        self.pending.upsert.sections.insert(key, link);
    }

    /// Forgets the link of a user, course or section whose LMS record is
    /// gone (deleted by hand), so that a plan creates it again; says whether
    /// there was one.
    pub fn forget_record(&mut self, entity: crate::entity::Entity, key: &str) -> bool {
        use crate::entity::Entity;
        match entity {
            Entity::User => {
                let key = PersonKey::new(key);
                self.pending.upsert.users.remove(&key);
                let known = self.links.users.remove(&key).is_some();
                if known {
                    self.pending.remove.users.push(key);
                }
                known
            }
            Entity::Course => {
                let key = CourseKey::new(key);
                self.pending.upsert.courses.remove(&key);
                let known = self.links.courses.remove(&key).is_some();
                if known {
                    self.pending.remove.courses.push(key);
                }
                known
            }
            Entity::Section => {
                let key = SectionKey::new(key);
                self.pending.upsert.sections.remove(&key);
                let known = self.links.sections.remove(&key).is_some();
                if known {
                    self.pending.remove.sections.push(key);
                }
                known
            }
            _ => false,
        }
    }

    /// Records that rostersync manages an enrollment, with this origin.
    pub fn own_enrollment(&mut self, pair: (SectionKey, PersonKey), origin: LinkOrigin) {
        self.links.enrollments.insert(pair.clone(), origin);
        self.pending.upsert.enrollments.insert(pair, origin);
    }

    /// Records that rostersync manages an enrollment, keeping an existing origin.
    pub fn keep_enrollment(&mut self, pair: (SectionKey, PersonKey)) {
        if !self.links.enrollments.contains_key(&pair) {
            self.own_enrollment(pair, LinkOrigin::Matched);
        }
    }

    /// Forgets a managed enrollment (it was removed).
    pub fn release_enrollment(&mut self, pair: (SectionKey, PersonKey)) {
        self.links.enrollments.remove(&pair);
        self.pending.upsert.enrollments.remove(&pair);
        self.pending.remove.enrollments.push(pair);
    }

    /// Records that rostersync manages a guardian link, with this origin.
    pub fn own_guardian_link(&mut self, pair: (PersonKey, PersonKey), origin: LinkOrigin) {
        self.links.guardian_links.insert(pair.clone(), origin);
        self.pending.upsert.guardian_links.insert(pair, origin);
    }

    /// Records that rostersync manages a guardian link, keeping an existing origin.
    pub fn keep_guardian_link(&mut self, pair: (PersonKey, PersonKey)) {
        if !self.links.guardian_links.contains_key(&pair) {
            self.own_guardian_link(pair, LinkOrigin::Matched);
        }
    }

    /// Forgets a managed guardian link (it was removed).
    pub fn release_guardian_link(&mut self, pair: (PersonKey, PersonKey)) {
        self.links.guardian_links.remove(&pair);
        self.pending.upsert.guardian_links.remove(&pair);
        self.pending.remove.guardian_links.push(pair);
    }

    /// Remembers that the LMS would not take `email` for the person's account.
    pub fn withhold_email(&mut self, key: PersonKey, email: Text) {
        self.links
            .withheld_emails
            .insert(key.clone(), email.clone());
        self.pending.upsert.withheld_emails.insert(key, email);
    }

    /// Forgets a withheld e-mail of the person (the LMS took an e-mail for
    /// the account since); nothing changes when there is none.
    pub fn forget_withheld_email(&mut self, key: PersonKey) {
        if self.links.withheld_emails.remove(&key).is_some() {
            self.pending.upsert.withheld_emails.remove(&key);
            self.pending.remove.withheld_emails.push(key);
        }
    }
}

#[cfg(test)]
mod tests;
