//! What an LMS adapter yields: the LMS side of the roster, in rostersync's own
//! vocabulary. Fields are those rostersync reads or owns; vendor extras stay in
//! the adapter.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{BuildingId, CourseId, EnrollmentId, GradingPeriodId, RoleId, SectionId, UserId};
use crate::model::Text;
use crate::model::sis::Subject;

/// The LMS side of the roster for the buildings in scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LmsSnapshot {
    /// Buildings of the district.
    pub buildings: Vec<LmsBuilding>,
    /// Roles of the district.
    pub roles: Vec<LmsRole>,
    /// Grading periods of the district.
    pub grading_periods: Vec<LmsGradingPeriod>,
    /// User accounts.
    pub users: Vec<LmsUser>,
    /// Courses.
    pub courses: Vec<LmsCourse>,
    /// Course sections.
    pub sections: Vec<LmsSection>,
    /// Enrollments of the sections above.
    pub enrollments: Vec<LmsEnrollment>,
    /// Parent-child associations between user accounts.
    pub parent_links: Vec<LmsParentLink>,
}

/// An LMS building (in Schoology, a school or building).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsBuilding {
    /// LMS id.
    pub id: BuildingId,
    /// Title.
    pub title: String,
    /// External building code, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// An LMS role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsRole {
    /// LMS id.
    pub id: RoleId,
    /// Title, e.g. "Student" or "Teacher".
    pub title: String,
    /// Whether the role is a faculty role.
    #[serde(default)]
    pub faculty: bool,
}

/// An LMS grading period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsGradingPeriod {
    /// LMS id.
    pub id: GradingPeriodId,
    /// Title; unique in the district.
    pub title: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
}

/// The user fields rostersync owns once a user is created or linked.
///
/// `None` in an optional field means "not set": rostersync never clears an
/// LMS value because the SIS lacks one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFields {
    /// Legal first name.
    pub first: Text,
    /// Preferred first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_first: Option<Text>,
    /// Middle name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle: Option<Text>,
    /// Last name.
    pub last: Text,
    /// Primary e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Text>,
    /// Login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<Text>,
    /// Graduation year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graduation_year: Option<i32>,
    /// Primary building.
    pub building: BuildingId,
    /// Additional buildings, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_buildings: Vec<BuildingId>,
    /// Role.
    pub role: RoleId,
}

/// An LMS user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsUser {
    /// LMS id.
    pub id: UserId,
    /// The unique id field (Schoology `school_uid`); holds the SIS key once linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_id: Option<Text>,
    /// Account fields.
    pub fields: UserFields,
}

/// The course fields rostersync owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseFields {
    /// Title.
    pub title: String,
    /// Building.
    pub building: BuildingId,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Subject area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Lowest grade level (-1 = pre-K, 0 = K, 1..=12).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_low: Option<i8>,
    /// Highest grade level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_high: Option<i8>,
}

/// An LMS course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsCourse {
    /// LMS id.
    pub id: CourseId,
    /// The unique code (Schoology `course_code`, unique per building); the SIS key once linked.
    pub code: String,
    /// Course fields.
    pub fields: CourseFields,
}

/// The section fields rostersync owns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SectionFields {
    /// Title.
    pub title: String,
    /// Section code shown to users.
    pub code: String,
    /// Grading periods, sorted.
    pub grading_periods: Vec<GradingPeriodId>,
    /// Room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Class periods, e.g. "2" or "3-4".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<String>,
}

/// An LMS course section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsSection {
    /// LMS id.
    pub id: SectionId,
    /// The course it belongs to.
    pub course: CourseId,
    /// The unique code (Schoology `section_school_code`); the SIS key once linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_code: Option<String>,
    /// Section fields.
    pub fields: SectionFields,
}

/// An LMS enrollment of a user in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsEnrollment {
    /// LMS id.
    pub id: EnrollmentId,
    /// The section.
    pub section: SectionId,
    /// The user.
    pub user: UserId,
    /// Whether the user is a section admin (teacher).
    pub admin: bool,
    /// Whether the enrollment is active (not expired, pending or archived).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A parent-child association between two LMS accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LmsParentLink {
    /// The parent account.
    pub parent: UserId,
    /// The child account.
    pub child: UserId,
}
