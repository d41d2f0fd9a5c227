//! OneRoster records as the wire formats carry them (CSV or JSON), before
//! they are mapped to core types.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use rostersync_ports::{ProblemKind, RecordKind};

pub use crate::problem::Unread;
use crate::problem::{Fault, Notes, reason};

/// A record's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `active`, or blank in a bulk file.
    Active,
    /// `inactive` (1.0-era files; tolerated on read).
    Inactive,
    /// `tobedeleted`.
    ToBeDeleted,
}

impl Status {
    /// Parses a status value, any case.
    pub fn parse(value: &str) -> Option<Status> {
        match value.to_ascii_lowercase().as_str() {
            "active" => Some(Status::Active),
            "inactive" => Some(Status::Inactive),
            "tobedeleted" => Some(Status::ToBeDeleted),
            _ => None,
        }
    }
}

/// What every record carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The record's `sourcedId`.
    pub sourced_id: String,
    /// Its status.
    pub status: Status,
    /// Its `dateLastModified`, when given.
    pub modified: Option<DateTime<Utc>>,
    /// Where it was read: `file line N` or `endpoint index N`.
    pub location: String,
}

/// An org (school, district, department ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// Common fields.
    pub meta: Meta,
    /// Name.
    pub name: String,
    /// `type`: school, district, department, local, state, national.
    pub kind: String,
    /// `identifier`, e.g. a state school code.
    pub identifier: Option<String>,
}

/// An academic session: school year, semester, term or grading period.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Common fields.
    pub meta: Meta,
    /// Title.
    pub title: String,
    /// `type`.
    pub kind: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// The enclosing session.
    pub parent: Option<String>,
    /// The school year (ending year).
    pub school_year: i32,
}

/// A course.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    /// Common fields.
    pub meta: Meta,
    /// Title.
    pub title: String,
    /// `courseCode`.
    pub code: Option<String>,
    /// Grade levels.
    pub grades: Vec<String>,
    /// The org whose catalog holds it.
    pub org: Option<String>,
    /// The school-year session it is offered in, when given.
    pub school_year: Option<String>,
    /// Subjects.
    pub subjects: Vec<String>,
}

/// A class (section).
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// Common fields.
    pub meta: Meta,
    /// Title.
    pub title: String,
    /// `classCode`.
    pub code: Option<String>,
    /// The course.
    pub course: String,
    /// The school.
    pub school: String,
    /// The sessions it meets in.
    pub terms: Vec<String>,
    /// Periods.
    pub periods: Vec<String>,
    /// Room.
    pub location: Option<String>,
}

/// One of a user's roles (1.1: the single `role` at each of `orgs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// `student`, `teacher`, `parent` ...
    pub role: String,
    /// Whether `roleType` is `primary` (1.1: always).
    pub primary: bool,
    /// The org; 1.1 files may leave a guardian's orgs blank.
    pub org: Option<String>,
}

/// A user: student, teacher, guardian or staff.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Common fields.
    pub meta: Meta,
    /// `enabledUser`.
    pub enabled: bool,
    /// `username`.
    pub username: Option<String>,
    /// `givenName`.
    pub given: String,
    /// `familyName`.
    pub family: String,
    /// `middleName`.
    pub middle: Option<String>,
    /// `preferredGivenName` (1.2).
    pub preferred_given: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// Roles with their orgs.
    pub roles: Vec<Role>,
    /// `primaryOrg` (1.2).
    pub primary_org: Option<String>,
    /// `agents`: guardians of a student, students of a guardian.
    pub agents: Vec<String>,
    /// Grade levels.
    pub grades: Vec<String>,
}

/// An enrollment of a user in a class.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    /// Common fields.
    pub meta: Meta,
    /// The class.
    pub class: String,
    /// The school.
    pub school: String,
    /// The user.
    pub user: String,
    /// `student`, `teacher`, `administrator`, `proctor` ...
    pub role: String,
    /// `primary`.
    pub primary: bool,
    /// First day.
    pub begin: Option<NaiveDate>,
    /// Day after the last (OneRoster end dates are exclusive).
    pub end: Option<NaiveDate>,
}

/// Everything a package (or a REST read) yielded, before mapping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// The sourcedIds of records the source holds that could not be read
    /// (malformed, or a sourcedId held twice), by kind.
    pub unread: Unread,
    /// Orgs.
    pub orgs: Vec<Org>,
    /// Academic sessions.
    pub sessions: Vec<Session>,
    /// Courses.
    pub courses: Vec<Course>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Users.
    pub users: Vec<User>,
    /// Enrollments.
    pub enrollments: Vec<Enrollment>,
}

/// A record with a sourcedId, of one kind.
pub trait Keyed {
    /// The kind of record, as problems name it.
    const KIND: RecordKind;

    /// The kind of problem a record that cannot be read is: unreadable, or
    /// a warning for rows that are only part of a record (a user's role).
    const FAILURE: ProblemKind = ProblemKind::Unreadable;

    /// Its common fields.
    fn meta(&self) -> &Meta;
}

macro_rules! keyed {
    ($($record:ty => $kind:ident),* $(,)?) => {$(
        impl Keyed for $record {
            const KIND: RecordKind = RecordKind::$kind;

            fn meta(&self) -> &Meta {
                &self.meta
            }
        }
    )*};
}

keyed! {
    Org => School,
    Session => Term,
    Course => Course,
    Class => Section,
    User => Person,
    Enrollment => Enrollment,
}

/// The kind and sourcedId of every record of `records`.
fn ids_of<T: Keyed>(records: &[T]) -> impl Iterator<Item = (RecordKind, &str)> {
    records
        .iter()
        .map(|record| (T::KIND, record.meta().sourced_id.as_str()))
}

impl Records {
    /// The kind and sourcedId of every record held.
    pub fn ids(&self) -> HashSet<(RecordKind, &str)> {
        ids_of(&self.orgs)
            .chain(ids_of(&self.sessions))
            .chain(ids_of(&self.courses))
            .chain(ids_of(&self.classes))
            .chain(ids_of(&self.users))
            .chain(ids_of(&self.enrollments))
            .collect()
    }
}

impl Meta {
    /// Reads the fields every record carries. A blank `status` is active in
    /// a bulk file. `dateLastModified` is metadata in a bulk file: one that
    /// is not ISO 8601 is noted and ignored. A `delta` file needs both to
    /// order its changes, so there they are required.
    ///
    /// # Errors
    ///
    /// A blank sourcedId, an unknown status, or in a delta a blank status or
    /// a blank or unreadable `dateLastModified`.
    pub(crate) fn read(
        sourced_id: Option<&str>,
        status: Option<&str>,
        modified: Option<&str>,
        delta: bool,
        location: String,
        notes: &Notes,
    ) -> Result<Meta, Fault> {
        let sourced_id = sourced_id
            .ok_or_else(|| Fault::blank("sourcedId"))?
            .to_owned();
        let status = match status {
            None if delta => return Err(Fault::blank("status")),
            None => Status::Active,
            Some(value) => Status::parse(value).ok_or_else(|| {
                Fault::new(
                    "status",
                    reason::BAD_VALUE,
                    format!("status {value:?} is not active, tobedeleted or inactive"),
                )
            })?,
        };
        let modified = match (modified, modified.map(parse_datetime)) {
            (_, Some(Some(at))) => Some(at),
            (None, _) if delta => {
                return Err(Fault::new(
                    "dateLastModified",
                    reason::DELTA_DATE,
                    "dateLastModified is blank; a delta file needs it to order changes",
                ));
            }
            (None, _) => None,
            (Some(value), _) if delta => {
                return Err(Fault::new(
                    "dateLastModified",
                    reason::DELTA_DATE,
                    format!(
                        "dateLastModified {value:?} is not an ISO 8601 date-time; a delta file needs it to order changes"
                    ),
                ));
            }
            (Some(value), _) => {
                notes.warn(Fault::new(
                    "dateLastModified",
                    reason::BULK_DATE,
                    format!(
                        "dateLastModified {value:?} is not an ISO 8601 date-time; it is metadata in a bulk file and was ignored"
                    ),
                ));
                None
            }
        };
        Ok(Meta {
            sourced_id,
            status,
            modified,
            location,
        })
    }
}

/// An ISO 8601 date-time (with offset or `Z`), or a bare date read as midnight UTC.
pub(crate) fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}
