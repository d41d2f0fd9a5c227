//! `SisSource`: reading the roster from a student information system.

use std::collections::BTreeSet;

use async_trait::async_trait;
use rostersync_core::ids::SchoolKey;
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use serde::{Deserialize, Serialize};

use crate::error::PortResult;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SisRequest {
    /// The buildings to read in full; records of other buildings are not read
    /// where the SIS allows scoping (people who also work elsewhere still
    /// list every building, and a student of another building scheduled
    /// into a section of these is read with that section).
    pub schools: BTreeSet<SchoolKey>,
    /// The school year, as its ending calendar year (2026 for 2025-26).
    pub school_year: i32,
}

/// How a record the source holds ended, when it did not simply arrive.
///
/// Every record a source holds ends in exactly one of: read into the
/// snapshot, or one problem of kind [`ProblemKind::Unreadable`] or
/// [`ProblemKind::LeftOut`]. A record that was read may carry any number of
/// [`ProblemKind::Warning`]s.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The record could not be read (malformed, a key that cannot be read, a
    /// required field missing, a value that cannot be mapped, a duplicate
    /// key); it is not in the snapshot.
    #[default]
    Unreadable,
    /// The record was read and left out on purpose (another school year, a
    /// deleted status, an unselected school, a role rostersync does not
    /// sync); it is not in the snapshot.
    LeftOut,
    /// The record is in the snapshot, but something about it was repaired,
    /// guessed or ignored (a dangling optional reference, a metadata field,
    /// an unknown column); the reason says what.
    Warning,
}

impl ProblemKind {
    /// Every kind, the gravest first.
    pub const ALL: [ProblemKind; 3] = [
        ProblemKind::Unreadable,
        ProblemKind::LeftOut,
        ProblemKind::Warning,
    ];

    /// The snake_case name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::LeftOut => "left_out",
            ProblemKind::Warning => "warning",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<ProblemKind> {
        ProblemKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of source record a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A school (org, building).
    School,
    /// A term (academic session, marking period).
    Term,
    /// A person (user, student, staff member, contact).
    Person,
    /// A course.
    Course,
    /// A section (class).
    Section,
    /// An enrollment.
    Enrollment,
    /// A guardian's link to a student.
    GuardianLink,
    /// Something about a whole file or endpoint (a column, a missing file).
    File,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 8] = [
        RecordKind::School,
        RecordKind::Term,
        RecordKind::Person,
        RecordKind::Course,
        RecordKind::Section,
        RecordKind::Enrollment,
        RecordKind::GuardianLink,
        RecordKind::File,
    ];

    /// The snake_case name used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::School => "school",
            RecordKind::Term => "term",
            RecordKind::Person => "person",
            RecordKind::Course => "course",
            RecordKind::Section => "section",
            RecordKind::Enrollment => "enrollment",
            RecordKind::GuardianLink => "guardian_link",
            RecordKind::File => "file",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// How many records of this kind a snapshot holds (`None` for
    /// [`RecordKind::File`]).
    pub fn count_in(self, snapshot: &SisSnapshot) -> Option<usize> {
        Some(match self {
            RecordKind::School => snapshot.schools.len(),
            RecordKind::Term => snapshot.terms.len(),
            RecordKind::Person => snapshot.people.len(),
            RecordKind::Course => snapshot.courses.len(),
            RecordKind::Section => snapshot.sections.len(),
            RecordKind::Enrollment => snapshot.enrollments.len(),
            RecordKind::GuardianLink => snapshot.guardian_links.len(),
            RecordKind::File => return None,
        })
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record the source could not read, left out on purpose, or read with a
/// warning: where it is, what it is, and why, in words an administrator can
/// act on.
///
/// Build one with [`SourceProblem::new`] and the setters:
///
/// ```
/// use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};
/// let problem = SourceProblem::new("classes.csv line 7", "class C1 is in school year 2024, not 2026")
///     .left_out()
///     .record(RecordKind::Section)
///     .key("C1")
///     .field("termSourcedIds")
///     .reason("another school year");
/// assert_eq!(problem.kind, ProblemKind::LeftOut);
/// assert_eq!(problem.group(), "another school year");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProblem {
    /// Where: a file and line, an endpoint and index, a table and key
    /// (`users.csv line 5`, `/users index 9`).
    pub location: String,
    /// What is wrong, in words an administrator can act on.
    pub message: String,
    /// Unreadable (the default), left out, or a warning on a record read.
    #[serde(default)]
    pub kind: ProblemKind,
    /// The kind of record, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordKind>,
    /// The record's key (sourcedId, SIS id), when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A short statement of the reason that every record with the same
    /// problem shares (`parent session not in the package`), for grouping;
    /// the message when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl SourceProblem {
    /// An unreadable record at `location`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        SourceProblem {
            location: location.into(),
            message: message.into(),
            kind: ProblemKind::Unreadable,
            record: None,
            key: None,
            field: None,
            reason: None,
        }
    }

    /// The same problem, as a record left out on purpose.
    pub fn left_out(mut self) -> Self {
        self.kind = ProblemKind::LeftOut;
        self
    }

    /// The same problem, as a warning on a record that was read.
    pub fn warning(mut self) -> Self {
        self.kind = ProblemKind::Warning;
        self
    }

    /// With the kind of record.
    pub fn record(mut self, record: RecordKind) -> Self {
        self.record = Some(record);
        self
    }

    /// With the record's key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// With the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// With the short reason shared by every record with this problem.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// What groups this problem with others: its reason, else its message.
    pub fn group(&self) -> &str {
        self.reason.as_deref().unwrap_or(&self.message)
    }

    /// Whether the record is absent from the snapshot (unreadable or left out).
    pub fn excludes(&self) -> bool {
        self.kind != ProblemKind::Warning
    }
}

/// Source problems that share a kind, a kind of record and a reason, with
/// how many there are and the first few.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemGroup<'p> {
    /// Unreadable, left out or warning.
    pub kind: ProblemKind,
    /// The kind of record, when known.
    pub record: Option<RecordKind>,
    /// The shared reason ([`SourceProblem::group`]).
    pub reason: &'p str,
    /// How many problems share it.
    pub count: usize,
    /// The first problems of the group, in reading order.
    pub examples: Vec<&'p SourceProblem>,
}

/// Groups problems by kind, kind of record and reason (the gravest kinds
/// first, then the largest groups), keeping up to `examples` of each.
pub fn group_problems<'p>(
    problems: impl IntoIterator<Item = &'p SourceProblem>,
    examples: usize,
) -> Vec<ProblemGroup<'p>> {
    let mut groups: Vec<ProblemGroup<'p>> = Vec::new();
    let mut index: std::collections::HashMap<(ProblemKind, Option<RecordKind>, &'p str), usize> =
        std::collections::HashMap::new();
    for problem in problems {
        let key = (problem.kind, problem.record, problem.group());
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(ProblemGroup {
                kind: problem.kind,
                record: problem.record,
                reason: problem.group(),
                count: 0,
                examples: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[at];
        group.count += 1;
        if group.examples.len() < examples {
            group.examples.push(problem);
        }
    }
    groups.sort_by(|a, b| {
        (a.kind, std::cmp::Reverse(a.count), a.record, a.reason).cmp(&(
            b.kind,
            std::cmp::Reverse(b.count),
            b.record,
            b.reason,
        ))
    });
    groups
}

/// A snapshot and the per-record problems met while reading it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SisRead {
    /// The records read.
    pub snapshot: SisSnapshot,
    /// Records that could not be read or were left out (absent from the
    /// snapshot), and warnings on records that were read.
    pub problems: Vec<SourceProblem>,
}

impl SisRead {
    /// How many records the snapshot holds (schools, terms, people, courses,
    /// sections, enrollments and guardian links).
    pub fn records_read(&self) -> u64 {
        RecordKind::ALL
            .into_iter()
            .filter_map(|kind| kind.count_in(&self.snapshot))
            .sum::<usize>() as u64
    }
}

/// A student information system.
///
/// # Contract
///
/// - Reads only: a `SisSource` never writes roster data.
/// - Keys are stable: the same SIS record has the same key in every read,
///   and person keys are unique across students, teachers and guardians.
/// - Each record arrives once, and every link (an enrollment's section and
///   person, a guardian link's two people) names a record of the same read.
/// - Every record the source holds ends in exactly one of: read into the
///   snapshot, or one [`SourceProblem`] in [`SisRead::problems`] of kind
///   unreadable or left out, with where it was and why. Nothing is dropped
///   silently: a record left out on purpose (another school year, a deleted
///   status) is a problem too. A record read with something repaired or
///   ignored carries a warning. The read goes on past any one record; an
///   error is returned only when the read as a whole cannot be trusted
///   (authentication, connection, a file that never arrived, an unknown
///   required column).
/// - Reading twice without changes in the SIS gives equal snapshots (order aside).
/// - An adapter may keep a connection (a logged-on session) between calls;
///   [`SisSource::close`] ends it, and a call after `close` connects again.
#[async_trait]
pub trait SisSource: Send + Sync {
    /// The schools (buildings) of the district, for mapping.
    ///
    /// # Errors
    ///
    /// When the SIS cannot be reached or refuses the credentials.
    async fn schools(&self) -> PortResult<Vec<School>>;

    /// The terms of the given school year, for mapping.
    ///
    /// # Errors
    ///
    /// When the SIS cannot be reached or refuses the credentials.
    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>>;

    /// The roster of the requested buildings.
    ///
    /// # Errors
    ///
    /// When the read as a whole fails; per-record problems are in the result.
    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead>;

    /// Ends what the adapter keeps open between calls (e.g. a web session),
    /// when the application is done with it. Failures are the adapter's to
    /// log; the default keeps nothing open.
    async fn close(&self) {}
}
