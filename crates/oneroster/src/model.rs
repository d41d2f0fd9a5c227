//! OneRoster records as the wire formats carry them (CSV or JSON), before
//! they are mapped to core types.

use chrono::{DateTime, NaiveDate, Utc};

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
    /// Orgs.
    pub orgs: Vec<Org>,
    /// Academic sessions.
    pub sessions: Vec<Session>,
    /// Courses; `None` when the source has no course file.
    pub courses: Option<Vec<Course>>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Users.
    pub users: Vec<User>,
    /// Enrollments.
    pub enrollments: Vec<Enrollment>,
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
