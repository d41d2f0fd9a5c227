//! The records the Schoology simulator keeps, as tests seed and read them.
//!
//! An id of 0 in a seeded record means "let the simulator pick one".

use chrono::NaiveDate;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// Schoology id.
    pub id: u64,
    /// The unique id (`school_uid`), `None` for an account without SIS id.
    pub school_uid: Option<String>,
    /// Primary building id.
    pub building_id: String,
    /// Other buildings.
    pub additional_buildings: Vec<String>,
    /// Role id.
    pub role_id: String,
    /// First name.
    pub name_first: String,
    /// Preferred first name.
    pub name_first_preferred: Option<String>,
    /// Middle name.
    pub name_middle: Option<String>,
    /// Last name.
    pub name_last: String,
    /// Primary e-mail (unique across the district, without regard to case).
    pub primary_email: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// Graduation year.
    pub grad_year: Option<i64>,
    /// SIS-owned.
    pub synced: bool,
    /// `false` once deleted (Schoology deactivates).
    pub active: bool,
}

/// A course.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Course {
    /// Schoology id.
    pub id: u64,
    /// Building id.
    pub building_id: String,
    /// Title.
    pub title: String,
    /// Course code, unique per building; empty for a course without SIS id.
    pub course_code: String,
    /// Department.
    pub department: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Credits.
    pub credits: Option<f64>,
    /// Subject area code 0-9.
    pub subject_area: Option<i64>,
    /// Lowest grade level code.
    pub grade_level_range_start: Option<i64>,
    /// Highest grade level code.
    pub grade_level_range_end: Option<i64>,
    /// SIS-owned.
    pub synced: bool,
}

/// A course section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// Schoology id.
    pub id: u64,
    /// Its course.
    pub course_id: u64,
    /// Title.
    pub title: String,
    /// Code unique per course and grading period.
    pub section_code: Option<String>,
    /// Unique code (the SIS key), `None` for a section without SIS id.
    pub section_school_code: Option<String>,
    /// Grading period ids.
    pub grading_periods: Vec<u64>,
    /// Room.
    pub location: Option<String>,
    /// Class periods.
    pub class_periods: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// SIS-owned.
    pub synced: bool,
}

/// An enrollment of a user in a section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Enrollment {
    /// Schoology id.
    pub id: u64,
    /// The section.
    pub section_id: u64,
    /// The user.
    pub uid: u64,
    /// Section admin (teacher) rather than member.
    pub admin: bool,
    /// 1 active, 2 expired, 3 invite pending, 4 request pending, 5 archived (0 = 1).
    pub status: u8,
}

/// A grading period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingPeriod {
    /// Schoology id.
    pub id: u64,
    /// Title, unique in the district.
    pub title: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// A parent-child association between two users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParentLink {
    /// The parent's user id.
    pub parent: u64,
    /// The child's user id.
    pub child: u64,
}

/// A teacher-entered assignment (grade item).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    /// Schoology id.
    pub id: u64,
    /// The section.
    pub section_id: u64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Due, `YYYY-MM-DD HH:MM:SS`.
    pub due: Option<String>,
    /// Maximum points (0 = 100).
    pub max_points: f64,
    /// Weight multiplier (0 = 1).
    pub factor: f64,
    /// Grading category id (0 = none).
    pub grading_category: u64,
    /// Grading period id (0 = "Other").
    pub grading_period: u64,
    /// Final (exam).
    pub is_final: bool,
}

/// A grading category of a section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GradingCategory {
    /// Schoology id.
    pub id: u64,
    /// The section.
    pub section_id: u64,
    /// Title.
    pub title: String,
    /// Weight in percent.
    pub weight: Option<f64>,
    /// Lowest scores dropped.
    pub drop_lowest: i64,
    /// 1 percent, 2 total points (0 = 1).
    pub calculation_type: i64,
}

/// One grade of one enrollment on one assignment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grade {
    /// The enrollment.
    pub enrollment_id: u64,
    /// The assignment.
    pub assignment_id: u64,
    /// Points, `None` when not graded.
    pub grade: Option<f64>,
    /// 0 none, 1 excused, 2 incomplete, 3 missing.
    pub exception: i64,
    /// Comment.
    pub comment: String,
    /// Server time of the last change (Unix seconds).
    pub timestamp: i64,
}

/// A record to put into the simulator before or while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    /// A user (e.g. one without SIS id, for data prep).
    User(User),
    /// A course.
    Course(Course),
    /// A section.
    Section(Section),
    /// An enrollment.
    Enrollment(Enrollment),
    /// A grading period.
    GradingPeriod(GradingPeriod),
    /// A parent link.
    ParentLink(ParentLink),
    /// A teacher-entered assignment.
    Assignment(Assignment),
    /// A grading category.
    GradingCategory(GradingCategory),
    /// A teacher-entered grade.
    Grade(Grade),
    /// An e-mail address that belongs to an account of another school (for
    /// `ignore_email_conflicts` and `email_conflict_resolution`).
    ForeignEmail(String),
}

macro_rules! seed_from {
    ($($variant:ident),*) => {$(
        impl From<$variant> for Seed {
            fn from(record: $variant) -> Self {
                Seed::$variant(record)
            }
        }
    )*};
}
seed_from!(
    User,
    Course,
    Section,
    Enrollment,
    GradingPeriod,
    ParentLink,
    Assignment,
    GradingCategory,
    Grade
);

/// Everything the simulator holds, copied out for assertions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// Users, active and deactivated, by id.
    pub users: Vec<User>,
    /// Courses by id.
    pub courses: Vec<Course>,
    /// Sections by id.
    pub sections: Vec<Section>,
    /// Enrollments by id.
    pub enrollments: Vec<Enrollment>,
    /// Grading periods by id.
    pub grading_periods: Vec<GradingPeriod>,
    /// Parent links.
    pub parent_links: Vec<ParentLink>,
    /// Assignments by id.
    pub assignments: Vec<Assignment>,
    /// Grading categories by id.
    pub grading_categories: Vec<GradingCategory>,
    /// Grades.
    pub grades: Vec<Grade>,
}

impl State {
    /// The active user with this unique id.
    pub fn user_by_school_uid(&self, school_uid: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.active && u.school_uid.as_deref() == Some(school_uid))
    }

    /// The section with this unique code.
    pub fn section_by_code(&self, code: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.section_school_code.as_deref() == Some(code))
    }

    /// The active users.
    pub fn active_users(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.active)
    }
}
