//! Links between SIS records and the LMS records rostersync owns, as kept in
//! the state store. Ownership is decided here and nowhere else: a record or an
//! enrollment without a link is never changed or removed by rostersync.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{
    CourseId, CourseKey, GradingPeriodId, PersonKey, SectionId, SectionKey, TermKey, UserId,
};

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
