//! How this adapter reports a record it could not read, left out, or read
//! with a warning: the stable [`reason`]s administrators group problems by,
//! and the [`Fault`] a row or entity reader returns or notes.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use crate::model::Keyed;

/// The reasons this adapter gives, one short stable phrase each, shared by
/// every record with the same problem (the message holds the specifics).
///
/// Reasons of records that could not be read ([`ProblemKind::Unreadable`]),
/// left out on purpose ([`ProblemKind::LeftOut`]) and read with a warning
/// ([`ProblemKind::Warning`]) are listed in that order.
pub mod reason {
    // Unreadable: the record is not in the snapshot, and a guess would corrupt data.

    /// A CSV row the parser could not split (a quote never closed, text after a closing quote).
    pub const CSV_SYNTAX: &str = "CSV syntax error";
    /// A CSV row with more cells than its header has columns (an unquoted comma shifts every value).
    pub const TOO_MANY_CELLS: &str = "more cells than columns";
    /// A required value is blank or absent.
    pub const BLANK_REQUIRED: &str = "required value blank";
    /// A value is not of its field's form (a date, a year, true/false, a known status).
    pub const BAD_VALUE: &str = "value not readable";
    /// `dateLastModified` is blank or not ISO 8601 in a delta file, which needs it to order changes.
    pub const DELTA_DATE: &str = "dateLastModified not readable in a delta";
    /// Two records of one file or collection have the same sourcedId (after trimming): neither is read.
    pub const DUPLICATE_KEY: &str = "duplicate sourcedId";
    /// A user has no role at all.
    pub const NO_ROLE: &str = "no role";
    /// A user's role, or an enrollment's, is not a OneRoster role.
    pub const UNKNOWN_ROLE: &str = "unknown role";
    /// A class names no academic session.
    pub const NO_TERM: &str = "no term";
    /// A class or course names an org that is not in the source.
    pub const SCHOOL_MISSING: &str = "school not in the package";
    /// A class names an academic session that is not in the source.
    pub const SESSION_MISSING: &str = "session not in the package";
    /// A class names a course that is not in the source (and courses are not made from classes).
    pub const COURSE_MISSING: &str = "course not in the package";
    /// An enrollment names a class that is not in the source.
    pub const CLASS_MISSING: &str = "class not in the package";
    /// An enrollment names a user that is not in the source.
    pub const USER_MISSING: &str = "user not in the package";

    // Left out: the record was read and is not in the snapshot, on purpose.

    /// The record belongs to another school year than the one read.
    pub const OTHER_YEAR: &str = "another school year";
    /// The record belongs to a school the request does not name.
    pub const NOT_REQUESTED: &str = "school not requested";
    /// The record is marked `tobedeleted`, and the core has no status for its kind.
    pub const DELETED: &str = "marked tobedeleted";
    /// The record is marked `inactive` (1.0-era), and the core has no status for its kind;
    /// an inactive session is never offered as a term.
    pub const INACTIVE: &str = "marked inactive";
    /// An org whose type is not `school` (a district, a department) and that no class names as its school.
    pub const NOT_A_SCHOOL: &str = "not a school";
    /// A session, course or user that nothing ties to a school.
    pub const NO_SCHOOL: &str = "no school";
    /// A user whose roles are all OneRoster roles rostersync does not sync (administrator, aide, ...).
    pub const ROLE_NOT_SYNCED: &str = "role not synced";
    /// An enrollment as administrator, proctor or aide, which holds no place in a section.
    pub const ENROLLMENT_ROLE_NOT_SYNCED: &str = "enrollment role not synced";
    /// A class whose school was not read.
    pub const SCHOOL_NOT_READ: &str = "school not read";
    /// A class whose academic sessions were not read (marked inactive or tobedeleted, unreadable).
    pub const SESSION_NOT_READ: &str = "session not read";
    /// A class whose course was not read.
    pub const COURSE_NOT_READ: &str = "course not read";
    /// An enrollment whose class was not read (for a reason other than the year or the school).
    pub const CLASS_NOT_READ: &str = "class not read";
    /// An enrollment whose user was not read.
    pub const USER_NOT_READ: &str = "user not read";
    /// A second enrollment of the same user in the same class with the same role; one is read.
    pub const ENROLLED_TWICE: &str = "enrolled twice in the class";

    // Warnings: the record is read; something about it was repaired, guessed or ignored.

    /// `dateLastModified` in a bulk file is not ISO 8601; it is metadata there, and ignored.
    pub const BULK_DATE: &str = "dateLastModified not ISO 8601";
    /// A column the binding does not define (misspelled, or an extension without `metadata.`).
    pub const UNKNOWN_COLUMN: &str = "unknown column";
    /// A column written with other case or spacing than the binding's name.
    pub const COLUMN_SPELLING: &str = "column name in other case or spacing";
    /// A CSV row with fewer cells than columns: the missing ones are read as blank.
    pub const TOO_FEW_CELLS: &str = "fewer cells than columns";
    /// A file the package holds but the manifest does not list, or lists as absent.
    pub const FILE_NOT_LISTED: &str = "file not listed in the manifest";
    /// A file the manifest lists but the package lacks, which the reader does not use.
    pub const UNUSED_FILE_MISSING: &str = "listed file missing";
    /// A delta row older than the version already read; it is ignored.
    pub const OLDER_CHANGE: &str = "older change ignored";
    /// A term's parent session is not in the source: the term is read without its parent.
    pub const PARENT_MISSING: &str = "parent session not in the package";
    /// A term's parent session was not read (another year, marked, unreadable): the link is dropped.
    pub const PARENT_NOT_READ: &str = "parent session not read";
    /// An org of another type than `school` read as a school because classes name it as theirs.
    pub const READ_AS_SCHOOL: &str = "org read as a school";
    /// A course made from the first class naming it (only when asked for); its title is the class's.
    pub const COURSE_FROM_CLASS: &str = "course made from a class";
    /// A class names sessions that were not read beside those read; it keeps the ones read.
    pub const SOME_SESSIONS_NOT_READ: &str = "some sessions not read";
    /// A user's `agentSourcedIds` names a user that is not in the source, or not read.
    pub const AGENT_NOT_READ: &str = "agent not read";
    /// An agent link that is not between a guardian and a student.
    pub const AGENT_NOT_GUARDIAN: &str = "agent link not guardian to student";
    /// A user's org, or a role's, is not in the source: the user is read without it.
    /// (A course whose org is not in the source and that no class gives a
    /// school is unreadable, with this reason.)
    pub const ORG_MISSING: &str = "org not in the package";
    /// A user read by a secondary role because the primary one is not synced.
    pub const SECONDARY_ROLE: &str = "read by a secondary role";
    /// A user with roles of more than one kind (a teacher who is also a parent): one is read.
    pub const OTHER_ROLES: &str = "further roles not read";
    /// A row of `roles.csv` that cannot be read or names no user of the source.
    pub const ROLE_ROW: &str = "role row not read";
    /// `userIds` is not a list of `{type:id}`; the field is not used and is ignored.
    pub const USER_IDS: &str = "userIds not readable";
    /// An enrollment's school is not its class's school; the class's is used.
    pub const OTHER_SCHOOL: &str = "school differs from the class's";
}

/// What went wrong with one field of a row or entity: returned when the
/// record cannot be read, noted when it is read anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The column or JSON field at fault, when one is.
    pub(crate) field: Option<String>,
    /// One of the [`reason`]s.
    pub(crate) reason: &'static str,
    /// The full sentence.
    pub(crate) message: String,
}

impl Fault {
    /// A fault of `field`.
    pub(crate) fn new(field: &str, reason: &'static str, message: impl Into<String>) -> Fault {
        Fault {
            field: Some(field.to_owned()),
            reason,
            message: message.into(),
        }
    }

    /// A fault of the record as a whole.
    pub(crate) fn whole(reason: &'static str, message: impl Into<String>) -> Fault {
        Fault {
            field: None,
            reason,
            message: message.into(),
        }
    }

    /// `field` is blank or absent.
    pub(crate) fn blank(field: &str) -> Fault {
        Fault::new(field, reason::BLANK_REQUIRED, format!("{field} is blank"))
    }

    /// The problem of kind `kind` about the record of kind `record` at `location`.
    pub(crate) fn problem(
        self,
        kind: ProblemKind,
        record: RecordKind,
        location: &str,
        key: Option<&str>,
    ) -> SourceProblem {
        let mut problem = SourceProblem::new(located(location, key), self.message)
            .record(record)
            .reason(self.reason);
        problem.kind = kind;
        problem.key = key.map(str::to_owned);
        problem.field = self.field;
        problem
    }
}

/// A record's location with its key: `users.csv line 5 (u1)`.
pub(crate) fn located(location: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{location} ({key})"),
        None => location.to_owned(),
    }
}

/// Warnings noted while one row or entity is read.
#[derive(Debug, Default)]
pub(crate) struct Notes(RefCell<Vec<Fault>>);

impl Notes {
    /// Notes `fault` as a warning on the record being read.
    pub(crate) fn warn(&self, fault: Fault) {
        self.0.borrow_mut().push(fault);
    }

    fn take(&self) -> Vec<Fault> {
        self.0.take()
    }
}

/// The sourcedIds of records that were in the source but could not be read,
/// by kind: a reference to one is "not read", not "not in the package".
pub type Unread = BTreeMap<RecordKind, BTreeSet<String>>;

/// Where the problems of one read go: the problems, and the keys of the
/// records that could not be read.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    pub(crate) problems: &'a mut Vec<SourceProblem>,
    pub(crate) unread: &'a mut Unread,
}

impl Sink<'_> {
    /// Settles one row or entity read as `result`: read (with the warnings
    /// noted while reading it), or one problem of kind `failure` (unreadable,
    /// or a warning for a row that is only part of a record).
    pub(crate) fn settle<T>(
        &mut self,
        result: Result<T, Fault>,
        notes: &Notes,
        record: RecordKind,
        location: &str,
        key: Option<&str>,
        failure: ProblemKind,
    ) -> Option<T> {
        match result {
            Ok(value) => {
                for fault in notes.take() {
                    self.problems
                        .push(fault.problem(ProblemKind::Warning, record, location, key));
                }
                Some(value)
            }
            Err(fault) => {
                if let Some(key) = key.filter(|_| failure != ProblemKind::Warning) {
                    self.unread
                        .entry(record)
                        .or_default()
                        .insert(key.to_owned());
                }
                self.problems
                    .push(fault.problem(failure, record, location, key));
                None
            }
        }
    }
}

impl Sink<'_> {
    /// Keeps the records whose sourcedId no other record of `records` has.
    /// Every record of a sourcedId held twice (after trimming) is a problem
    /// (unreadable, for a whole record), each naming where the others are:
    /// a pick would be a guess.
    pub(crate) fn unique<T: Keyed>(&mut self, records: Vec<T>) -> Vec<T> {
        let mut places: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for item in &records {
            let meta = item.meta();
            places
                .entry(meta.sourced_id.as_str())
                .or_default()
                .push(meta.location.as_str());
        }
        let twice: BTreeMap<String, Vec<String>> = places
            .into_iter()
            .filter(|(_, at)| at.len() > 1)
            .map(|(id, at)| (id.to_owned(), at.into_iter().map(str::to_owned).collect()))
            .collect();
        if twice.is_empty() {
            return records;
        }
        let mut kept = Vec::with_capacity(records.len());
        for item in records {
            let meta = item.meta();
            let Some(all) = twice.get(&meta.sourced_id) else {
                kept.push(item);
                continue;
            };
            let others: Vec<&str> = all
                .iter()
                .map(String::as_str)
                .filter(|at| *at != meta.location)
                .collect();
            let fault = Fault::new(
                "sourcedId",
                reason::DUPLICATE_KEY,
                format!(
                    "sourcedId {} is also at {}; none of these records is read",
                    meta.sourced_id,
                    others.join(", ")
                ),
            );
            self.settle::<()>(
                Err(fault),
                &Notes::default(),
                T::KIND,
                &meta.location,
                Some(&meta.sourced_id),
                T::FAILURE,
            );
        }
        kept
    }
}
