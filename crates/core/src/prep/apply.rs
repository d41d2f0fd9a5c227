//! What applying a match report means: the links to keep in the state store
//! and the LMS unique fields to write. Computing it is pure; writing it is the
//! engine's job.

use serde::{Deserialize, Serialize};

use super::report::{MatchEntry, MatchMethod, MatchOutcome, MatchReport};
use crate::entity::Entity;
use crate::model::links::{Link, LinkOrigin, Links};

/// One LMS record whose unique field (`school_uid`, `course_code` or
/// `section_school_code` in Schoology) must be set to a SIS key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UniqueIdWrite {
    /// User, course or section.
    pub entity: Entity,
    /// The LMS record.
    pub lms_id: String,
    /// The SIS key to write.
    pub key: String,
}

/// The result of accepting a match report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepApply {
    /// One link per matched record: origin `unique_id` when the LMS record
    /// already carried the key, `matched` otherwise.
    pub links: Links,
    /// The unique fields to write, sorted by entity (users, courses,
    /// sections) and SIS key. A unique-id match needs no write.
    pub unique_id_writes: Vec<UniqueIdWrite>,
}

impl PrepApply {
    /// How many links the apply adds.
    pub fn link_count(&self) -> usize {
        self.links.users.len() + self.links.courses.len() + self.links.sections.len()
    }
}

/// The links and unique-field writes of every `Matched` entry of a report.
/// Ambiguous, conflicting, duplicate, unmatched and already linked entries
/// produce nothing.
pub fn accepted_links(report: &MatchReport) -> PrepApply {
    let mut apply = PrepApply::default();
    for (key, link) in accept(Entity::User, &report.users, &mut apply.unique_id_writes) {
        apply.links.users.insert(key.into(), link);
    }
    for (key, link) in accept(Entity::Course, &report.courses, &mut apply.unique_id_writes) {
        apply.links.courses.insert(key.into(), link);
    }
    for (key, link) in accept(
        Entity::Section,
        &report.sections,
        &mut apply.unique_id_writes,
    ) {
        apply.links.sections.insert(key.into(), link);
    }
    apply
}

/// The links of one entity's matched entries, pushing the writes they need.
fn accept<Id: Clone + ToString>(
    entity: Entity,
    entries: &[MatchEntry<Id>],
    writes: &mut Vec<UniqueIdWrite>,
) -> Vec<(String, Link<Id>)> {
    let mut links = Vec::new();
    let mut sorted: Vec<&MatchEntry<Id>> = entries.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    for entry in sorted {
        let MatchOutcome::Matched { lms_id, how } = &entry.outcome else {
            continue;
        };
        let origin = if *how == MatchMethod::UniqueId {
            LinkOrigin::UniqueId
        } else {
            writes.push(UniqueIdWrite {
                entity,
                lms_id: lms_id.to_string(),
                key: entry.key.clone(),
            });
            LinkOrigin::Matched
        };
        links.push((entry.key.clone(), Link::new(lms_id.clone(), origin)));
    }
    links
}
