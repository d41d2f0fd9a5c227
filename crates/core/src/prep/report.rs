//! The match report: one entry per SIS record in scope, saying which LMS
//! record data prep found for it, how, or why it found none it could use.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{CourseId, SectionId, UserId};

/// The most candidates an ambiguous outcome lists (the lowest LMS ids); more
/// are flagged, so that a value thousands of records share (a placeholder
/// e-mail, a test name) costs bounded work and report space per record.
pub const MAX_CANDIDATES: usize = 20;

/// How a SIS record was matched to an LMS record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// The LMS record's unique field already holds the SIS key.
    UniqueId,
    /// Same e-mail address (people).
    Email,
    /// Same username (people).
    Username,
    /// Same first and last name within the building (people).
    Name,
    /// Same course or section code (courses, sections).
    Code,
    /// Same title (courses within the building, sections within the course).
    Title,
}

impl MatchMethod {
    /// The snake_case name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMethod::UniqueId => "unique_id",
            MatchMethod::Email => "email",
            MatchMethod::Username => "username",
            MatchMethod::Name => "name",
            MatchMethod::Code => "code",
            MatchMethod::Title => "title",
        }
    }

    /// The words used in the text report.
    pub fn label(self) -> &'static str {
        match self {
            MatchMethod::UniqueId => "unique id",
            MatchMethod::Email => "e-mail",
            MatchMethod::Username => "username",
            MatchMethod::Name => "name",
            MatchMethod::Code => "code",
            MatchMethod::Title => "title",
        }
    }
}

impl fmt::Display for MatchMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a found LMS record cannot be linked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConflictReason {
    /// The LMS record's unique field already holds another SIS key.
    OtherKey {
        /// The key it holds.
        key: String,
    },
    /// Other SIS records of the same kind match the same LMS record.
    SharedWith {
        /// Their SIS keys, sorted.
        keys: Vec<String>,
    },
}

impl fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictReason::OtherKey { key } => write!(
                f,
                "the LMS record already carries SIS key {key} (id already used by another record)"
            ),
            ConflictReason::SharedWith { keys } => write!(
                f,
                "SIS record(s) {} match the same LMS record; fix the duplicate in the SIS or the LMS",
                keys.join(", ")
            ),
        }
    }
}

/// What data prep found for one SIS record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MatchOutcome<Id> {
    /// The SIS record is already linked; data prep leaves it alone.
    AlreadyLinked {
        /// The linked LMS record.
        lms_id: Id,
    },
    /// Exactly one usable LMS record was found.
    Matched {
        /// The LMS record.
        lms_id: Id,
        /// How it was found.
        how: MatchMethod,
    },
    /// Two or more LMS records were found by the first method that found any.
    Ambiguous {
        /// The LMS records found, sorted; at most [`MAX_CANDIDATES`], the lowest ids.
        candidates: Vec<Id>,
        /// Whether more records were found than are listed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        more: bool,
        /// The method that found them.
        how: MatchMethod,
    },
    /// One LMS record was found but cannot be linked.
    Conflicting {
        /// The LMS record.
        lms_id: Id,
        /// How it was found.
        how: MatchMethod,
        /// Why it cannot be linked.
        reason: ConflictReason,
    },
    /// The SIS holds more than one record with this key; none of them is matched.
    DuplicateKey {
        /// How many SIS records have the key.
        count: u64,
    },
    /// No LMS record was found: the sync will create one.
    Unmatched,
}

impl<Id> MatchOutcome<Id> {
    /// The kind of outcome.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            MatchOutcome::AlreadyLinked { .. } => OutcomeKind::AlreadyLinked,
            MatchOutcome::Matched { .. } => OutcomeKind::Matched,
            MatchOutcome::Ambiguous { .. } => OutcomeKind::Ambiguous,
            MatchOutcome::Conflicting { .. } => OutcomeKind::Conflicting,
            MatchOutcome::DuplicateKey { .. } => OutcomeKind::DuplicateKey,
            MatchOutcome::Unmatched => OutcomeKind::Unmatched,
        }
    }

    /// The method that found the LMS record(s), if any was found.
    pub fn method(&self) -> Option<MatchMethod> {
        match self {
            MatchOutcome::Matched { how, .. }
            | MatchOutcome::Ambiguous { how, .. }
            | MatchOutcome::Conflicting { how, .. } => Some(*how),
            MatchOutcome::AlreadyLinked { .. }
            | MatchOutcome::DuplicateKey { .. }
            | MatchOutcome::Unmatched => None,
        }
    }

    /// The single LMS record concerned (linked, matched or conflicting).
    pub fn lms_id(&self) -> Option<&Id> {
        match self {
            MatchOutcome::AlreadyLinked { lms_id }
            | MatchOutcome::Matched { lms_id, .. }
            | MatchOutcome::Conflicting { lms_id, .. } => Some(lms_id),
            MatchOutcome::Ambiguous { .. }
            | MatchOutcome::DuplicateKey { .. }
            | MatchOutcome::Unmatched => None,
        }
    }
}

/// The kinds of [`MatchOutcome`], in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Matched to one LMS record.
    Matched,
    /// Several candidates.
    Ambiguous,
    /// A candidate that cannot be linked.
    Conflicting,
    /// Duplicate SIS key.
    DuplicateKey,
    /// Nothing found; will be created.
    Unmatched,
    /// Linked before data prep.
    AlreadyLinked,
}

impl OutcomeKind {
    /// Every kind, in report order.
    pub const ALL: [OutcomeKind; 6] = [
        OutcomeKind::Matched,
        OutcomeKind::Ambiguous,
        OutcomeKind::Conflicting,
        OutcomeKind::DuplicateKey,
        OutcomeKind::Unmatched,
        OutcomeKind::AlreadyLinked,
    ];

    /// The snake_case name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Matched => "matched",
            OutcomeKind::Ambiguous => "ambiguous",
            OutcomeKind::Conflicting => "conflicting",
            OutcomeKind::DuplicateKey => "duplicate_key",
            OutcomeKind::Unmatched => "unmatched",
            OutcomeKind::AlreadyLinked => "already_linked",
        }
    }

    /// The heading used in the text report.
    pub fn heading(self) -> &'static str {
        match self {
            OutcomeKind::Matched => "matched",
            OutcomeKind::Ambiguous => "ambiguous (resolve by hand)",
            OutcomeKind::Conflicting => "conflicting (resolve by hand)",
            OutcomeKind::DuplicateKey => "duplicate key in the SIS (fix the SIS)",
            OutcomeKind::Unmatched => "unmatched (will be created)",
            OutcomeKind::AlreadyLinked => "already linked",
        }
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One SIS record and what data prep found for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MatchEntry<Id> {
    /// The SIS key.
    pub key: String,
    /// Display name: "Last, First" for people, the title for courses and sections.
    pub name: String,
    /// What was found.
    #[serde(flatten)]
    pub outcome: MatchOutcome<Id>,
}

/// What data prep found for every SIS record in scope, each list sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchReport {
    /// People (user accounts).
    pub users: Vec<MatchEntry<UserId>>,
    /// Courses.
    pub courses: Vec<MatchEntry<CourseId>>,
    /// Sections.
    pub sections: Vec<MatchEntry<SectionId>>,
}

impl MatchReport {
    /// How many records of each entity have each outcome.
    pub fn counts(&self) -> ReportCounts {
        ReportCounts {
            users: MatchCounts::of(&self.users),
            courses: MatchCounts::of(&self.courses),
            sections: MatchCounts::of(&self.sections),
        }
    }

    /// Whether the report holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.courses.is_empty() && self.sections.is_empty()
    }

    /// Sorts every list by key (then name and outcome), as `match_records` returns it.
    pub fn sort(&mut self) {
        self.users.sort();
        self.courses.sort();
        self.sections.sort();
    }
}

/// How many records of one entity have each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MatchCounts {
    /// Matched to one LMS record.
    pub matched: u64,
    /// Several candidates.
    pub ambiguous: u64,
    /// A candidate that cannot be linked.
    pub conflicting: u64,
    /// Duplicate SIS key.
    pub duplicate_key: u64,
    /// Nothing found; will be created.
    pub unmatched: u64,
    /// Linked before data prep.
    pub already_linked: u64,
}

impl MatchCounts {
    /// Counts the outcomes of a list of entries.
    pub fn of<Id>(entries: &[MatchEntry<Id>]) -> MatchCounts {
        let mut counts = MatchCounts::default();
        for entry in entries {
            *counts.slot(entry.outcome.kind()) += 1;
        }
        counts
    }

    /// The count of one kind.
    pub fn get(&self, kind: OutcomeKind) -> u64 {
        match kind {
            OutcomeKind::Matched => self.matched,
            OutcomeKind::Ambiguous => self.ambiguous,
            OutcomeKind::Conflicting => self.conflicting,
            OutcomeKind::DuplicateKey => self.duplicate_key,
            OutcomeKind::Unmatched => self.unmatched,
            OutcomeKind::AlreadyLinked => self.already_linked,
        }
    }

    /// Every record counted.
    pub fn total(&self) -> u64 {
        OutcomeKind::ALL
            .into_iter()
            .map(|kind| self.get(kind))
            .sum()
    }

    fn slot(&mut self, kind: OutcomeKind) -> &mut u64 {
        match kind {
            OutcomeKind::Matched => &mut self.matched,
            OutcomeKind::Ambiguous => &mut self.ambiguous,
            OutcomeKind::Conflicting => &mut self.conflicting,
            OutcomeKind::DuplicateKey => &mut self.duplicate_key,
            OutcomeKind::Unmatched => &mut self.unmatched,
            OutcomeKind::AlreadyLinked => &mut self.already_linked,
        }
    }
}

/// Outcome counts per entity of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportCounts {
    /// People.
    pub users: MatchCounts,
    /// Courses.
    pub courses: MatchCounts,
    /// Sections.
    pub sections: MatchCounts,
}
