//! What a SIS adapter yields: schools, terms, people, courses, sections and
//! enrollments, in rostersync's own vocabulary (no vendor wire types).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{CourseKey, PersonKey, SchoolKey, SectionKey, TermKey};
use crate::model::Text;

/// Everything rostersync reads from the SIS for one sync.
///
/// Order of the vectors carries no meaning: `plan` gives the same result for
/// any order. A `SisSource` yields each key once (its contract, checked by
/// the conformance kit); a key that still arrives twice (a snapshot built by
/// hand, a faulty adapter) is not trusted: the plan skips it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SisSnapshot {
    /// Schools (buildings).
    pub schools: Vec<School>,
    /// Terms of every school and school year read.
    pub terms: Vec<Term>,
    /// Students, teachers and guardians.
    pub people: Vec<Person>,
    /// Guardian-student links.
    pub guardian_links: Vec<GuardianLink>,
    /// Course catalog entries.
    pub courses: Vec<Course>,
    /// Course sections (classes).
    pub sections: Vec<Section>,
    /// Student and teacher enrollments in sections.
    pub enrollments: Vec<Enrollment>,
    /// Where the SIS ranks guardians among the contacts of their students
    /// (1 = the first to contact), by guardian key; a guardian of several
    /// students takes their best rank. A guardian missing here ranks after
    /// every ranked one. Only the choice of who keeps an e-mail that two
    /// people share reads it. It is kept beside the people rather than in
    /// [`Person`] because few people have one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub contact_priorities: BTreeMap<PersonKey, u32>,
}

/// A school building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    /// SIS key.
    pub key: SchoolKey,
    /// Display name.
    pub name: String,
    /// Short code or abbreviation, if the SIS has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A term: a school year, semester, quarter or marking period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// SIS key; unique across schools and years.
    pub key: TermKey,
    /// The school the term belongs to.
    pub school: SchoolKey,
    /// The school year, as its ending calendar year (2026 for 2025-26).
    pub school_year: i32,
    /// Display title, e.g. "Q1" or "Semester 1".
    pub title: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
    /// The enclosing term, e.g. the semester of a quarter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<TermKey>,
}

/// The kind of person, as the SIS classifies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SisRole {
    /// A student.
    Student,
    /// A teacher or other instructional staff member.
    Teacher,
    /// A parent or guardian.
    Guardian,
}

impl SisRole {
    /// Every role, in a fixed order.
    pub const ALL: [SisRole; 3] = [SisRole::Student, SisRole::Teacher, SisRole::Guardian];

    /// The lowercase name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            SisRole::Student => "student",
            SisRole::Teacher => "teacher",
            SisRole::Guardian => "guardian",
        }
    }

    /// The plural, in words: "students", "teachers", "guardians".
    pub fn plural(self) -> &'static str {
        match self {
            SisRole::Student => "students",
            SisRole::Teacher => "teachers",
            SisRole::Guardian => "guardians",
        }
    }
}

/// Whether a person is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Enrolled or employed.
    #[default]
    Active,
    /// Inactive (e.g. eSchoolPLUS status I): kept, not provisioned anew.
    Inactive,
    /// Withdrawn or graduated: kept, not provisioned anew, enrollments dropped.
    Withdrawn,
}

/// A person's name as the SIS holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonName {
    /// Legal first name.
    pub first: Text,
    /// Middle name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle: Option<Text>,
    /// Legal last name.
    pub last: Text,
    /// Preferred first name (nickname), when different from the legal one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_first: Option<Text>,
}

/// A student, teacher or guardian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// SIS key; unique across all people of the district.
    pub key: PersonKey,
    /// Student, teacher or guardian.
    pub role: SisRole,
    /// Names.
    pub name: PersonName,
    /// E-mail address, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Text>,
    /// Login name, if the SIS assigns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Text>,
    /// Grade level code as the SIS writes it ("KF", "01" ... "12"), students only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Text>,
    /// Expected graduation year, students only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graduation_year: Option<i32>,
    /// The primary building. Guardians take the building of their first child.
    pub primary_school: SchoolKey,
    /// Further buildings (a teacher in two schools), without the primary one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_schools: Vec<SchoolKey>,
    /// Active, inactive or withdrawn.
    #[serde(default)]
    pub status: PersonStatus,
}

impl Person {
    /// The primary school followed by the other schools.
    pub fn schools(&self) -> impl Iterator<Item = &SchoolKey> {
        std::iter::once(&self.primary_school).chain(self.other_schools.iter())
    }

    /// Whether the person is active in the SIS.
    pub fn is_active(&self) -> bool {
        self.status == PersonStatus::Active
    }
}

/// A guardian's link to one student.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GuardianLink {
    /// The guardian.
    pub guardian: PersonKey,
    /// The student.
    pub student: PersonKey,
}

/// A course in the catalog of one building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// SIS key; unique across the district (e.g. building + course code).
    pub key: CourseKey,
    /// The building whose catalog holds the course.
    pub school: SchoolKey,
    /// The course code as the SIS shows it, e.g. "ENG9".
    pub code: String,
    /// Title.
    pub title: String,
    /// Department, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Subject area, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Lowest grade level (-1 = pre-K, 0 = K, 1..=12), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_low: Option<i8>,
    /// Highest grade level (-1 = pre-K, 0 = K, 1..=12), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_high: Option<i8>,
    /// Whether the course is active in the catalog.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Subject areas an LMS commonly distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// Anything else.
    Other,
    /// Health and physical education.
    HealthPe,
    /// Language arts.
    LanguageArts,
    /// Mathematics.
    Mathematics,
    /// Professional development.
    ProfessionalDevelopment,
    /// Science.
    Science,
    /// Social studies.
    SocialStudies,
    /// Special education.
    SpecialEducation,
    /// Technology.
    Technology,
    /// Arts.
    Arts,
}

/// A section (class) of a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// SIS key; unique across the district.
    pub key: SectionKey,
    /// The course it is a section of.
    pub course: CourseKey,
    /// The building that teaches it.
    pub school: SchoolKey,
    /// Title, e.g. "English 9 - Period 2".
    pub title: String,
    /// Section code as the SIS shows it, e.g. "ENG9-02".
    pub code: String,
    /// Terms the section meets in.
    pub terms: Vec<TermKey>,
    /// The primary teacher, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_teacher: Option<PersonKey>,
    /// Co-teachers, without the primary teacher.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_teachers: Vec<PersonKey>,
    /// Periods it meets in, e.g. ["2"] or ["3", "4"].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<String>,
    /// Room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Sections cross-listed with this one share a group key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_list_group: Option<String>,
}

impl Section {
    /// The primary teacher followed by the co-teachers.
    pub fn teachers(&self) -> impl Iterator<Item = &PersonKey> {
        self.primary_teacher.iter().chain(self.co_teachers.iter())
    }
}

/// The role a person holds in a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentRole {
    /// A learner (Schoology member).
    Student,
    /// An instructor (Schoology section admin).
    Teacher,
}

impl EnrollmentRole {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentRole::Student => "student",
            EnrollmentRole::Teacher => "teacher",
        }
    }
}

/// A person's enrollment in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The section.
    pub section: SectionKey,
    /// The person.
    pub person: PersonKey,
    /// Student or teacher.
    pub role: EnrollmentRole,
    /// Whether this is the person's primary role in the section (primary teacher).
    #[serde(default)]
    pub primary: bool,
    /// First day, if dated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin: Option<NaiveDate>,
    /// Last day (inclusive), if dated; a past end date means the enrollment was dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
}

impl Enrollment {
    /// Whether the enrollment is current or future on `today` (its end date is not past).
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.end.is_none_or(|end| end >= today)
    }
}
