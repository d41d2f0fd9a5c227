//! A seeded, deterministic district generator: a whole eSchoolPLUS-style SIS
//! snapshot with realistic mess, the matching Schoology directory (buildings,
//! roles, grading periods) and a ready mapping.
//!
//! The same `(size, seed, school_year)` always yields the same [`District`];
//! [`next_day`] then simulates one day of SIS churn and says exactly what
//! changed, and [`write_oneroster_csv`] writes the district as a OneRoster
//! 1.1 CSV package.
//!
//! # Shape
//!
//! * Schools are about 60 % elementary (grades KF–05), 20 % middle (06–08) and
//!   20 % high (09–12); students are spread over the levels in proportion to
//!   their number of grades. School keys are `"101"`, `"102"`, ...; the LMS
//!   building of the n-th school is `"9001"`, `"9002"`, ...
//! * Every school has seven terms: the year (`"{school}-{year}-YR"`, Aug 15 –
//!   Jun 1), two semesters (`-S1`, `-S2`, parent the year) and four quarters
//!   (`-Q1` ... `-Q4`, parent their semester).
//! * People keys: students `S000001`, teachers `T00001`, guardians `G000001`.
//! * Enrollments hold **students only**: a section's teachers are its
//!   `primary_teacher` and `co_teachers`.
//! * The district's "today" at generation is [`District::as_of`]: December 1
//!   of the school year's first calendar year. Every ended enrollment ends
//!   before it; current enrollments carry no end date.
//!
//! # Mess
//!
//! Every size has: names with apostrophes, hyphens, accents and non-Latin
//! scripts; two students with the same name in one building; students without
//! e-mail; co-taught sections; a guardian with exactly three children; empty
//! sections; withdrawn students (all enrollments end-dated) and inactive ones.
//! With two schools or more: a teacher in two buildings, students who changed
//! building mid-year (an ended enrollment in the old building, current ones in
//! the new), and with two courses or more cross-listed section pairs. Every
//! size but [`DistrictSize::Tiny`] also has one student record listed twice
//! (the same key, identical data) and one student with an empty last name.
//!
//! The forced cases sit on the first students of the first school
//! (`S000001`..`S000015`); the rest comes at random rates: 2 % of families
//! write their names in another script, 40 % of KF–02 students and 2 % of the
//! others have no e-mail (15 % of guardians), 1.5 % of students are
//! withdrawn, 0.5 % inactive, 0.8 % moved; 4 % of sections are co-taught, one
//! pair per 200 sections is cross-listed, one section per 200 is empty, and
//! 1 % of teachers teach in a second building.
//!
//! # Enrollments
//!
//! Each student takes `student_enrollments / students` sections on average
//! (at least 3, about ±2): the core courses of their grade (English, maths,
//! science, social studies), then electives, one section per course, all in
//! their own building. Current rows begin on the first day of the section's
//! first term and carry no end date.

mod catalog;
mod directory;
mod enroll;
mod mutate;
mod names;
mod oneroster_csv;
mod people;
mod schedule;
mod schools;
mod sis_index;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rostersync_core::mapping::MappingSpec;
use rostersync_core::model::lms::{LmsBuilding, LmsGradingPeriod, LmsRole, LmsSnapshot};
use rostersync_core::model::sis::SisSnapshot;
use serde::{Deserialize, Serialize};

pub use directory::{PARENT_ROLE_ID, STUDENT_ROLE_ID, TEACHER_ROLE_ID};
pub use mutate::{
    DayChanges, EmailChange, EnrollmentRef, Move, Mutation, Rename, SchoolChange, next_day,
};
pub use oneroster_csv::{DISTRICT_ORG, write_oneroster_csv};

/// How big a district to generate. See [`DistrictSize::profile`] for the exact counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistrictSize {
    /// One high school, 50 students.
    Tiny,
    /// Four schools (two elementary, a middle and a high school), 1,500 students.
    Small,
    /// Twenty schools, 25,000 students.
    Medium,
    /// Sixty schools, 100,000 students.
    Large,
    /// 150 schools, 250,000 students, 1,500,000 student enrollments.
    Xl,
}

impl DistrictSize {
    /// Every size, smallest first.
    pub const ALL: [DistrictSize; 5] = [
        DistrictSize::Tiny,
        DistrictSize::Small,
        DistrictSize::Medium,
        DistrictSize::Large,
        DistrictSize::Xl,
    ];

    /// The lowercase name: "tiny", "small", "medium", "large" or "xl".
    pub fn as_str(self) -> &'static str {
        match self {
            DistrictSize::Tiny => "tiny",
            DistrictSize::Small => "small",
            DistrictSize::Medium => "medium",
            DistrictSize::Large => "large",
            DistrictSize::Xl => "xl",
        }
    }

    /// The exact counts generated for this size.
    ///
    /// | size   | schools | students | teachers | guardians | sections | student enrollments |
    /// |--------|--------:|---------:|---------:|----------:|---------:|--------------------:|
    /// | tiny   |       1 |       50 |        6 |        33 |       16 |                 250 |
    /// | small  |       3 |    1,500 |       90 |     1,000 |      360 |               9,000 |
    /// | medium |      20 |   25,000 |    1,500 |    16,667 |    6,000 |             150,000 |
    /// | large  |      60 |  100,000 |    6,000 |    66,667 |   24,000 |             600,000 |
    /// | xl     |     150 |  250,000 |   15,000 |   166,667 |   60,000 |           1,500,000 |
    ///
    /// `people` in the snapshot is students + teachers + guardians, plus one
    /// duplicated student record in every size but tiny. Terms are seven per
    /// school; the number of courses follows from the catalogs (about two
    /// per three sections, at most the whole catalog of the school's level).
    pub fn profile(self) -> Profile {
        let (schools, students, teachers, sections, student_enrollments) = match self {
            DistrictSize::Tiny => (1, 50, 6, 16, 250),
            DistrictSize::Small => (4, 1_500, 90, 360, 9_000),
            DistrictSize::Medium => (20, 25_000, 1_500, 6_000, 150_000),
            DistrictSize::Large => (60, 100_000, 6_000, 24_000, 600_000),
            DistrictSize::Xl => (150, 250_000, 15_000, 60_000, 1_500_000),
        };
        Profile {
            schools,
            students,
            teachers,
            // One guardian per 1.5 students, rounded.
            guardians: (students * 2 + 1) / 3,
            sections,
            student_enrollments,
        }
    }
}

impl fmt::Display for DistrictSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given to [`DistrictSize::from_str`] is not a size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDistrictSizeError(String);

impl fmt::Display for ParseDistrictSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown district size \"{}\"; expected tiny, small, medium, large or xl",
            self.0
        )
    }
}

impl std::error::Error for ParseDistrictSizeError {}

impl FromStr for DistrictSize {
    type Err = ParseDistrictSizeError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let trimmed = raw.trim();
        DistrictSize::ALL
            .into_iter()
            .find(|size| size.as_str().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| ParseDistrictSizeError(trimmed.to_owned()))
    }
}

/// The exact counts of one [`DistrictSize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Profile {
    /// Schools (buildings).
    pub schools: usize,
    /// Distinct students.
    pub students: usize,
    /// Teachers (staff).
    pub teachers: usize,
    /// Guardians.
    pub guardians: usize,
    /// Sections.
    pub sections: usize,
    /// Student enrollment rows, current and ended.
    pub student_enrollments: usize,
}

/// The LMS directory a fresh district starts from: no users, courses or
/// sections, only what an administrator sets up before the first sync.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LmsDirectoryFixture {
    /// One building per school, ids `"9001"`, `"9002"`, ... in school order.
    pub buildings: Vec<LmsBuilding>,
    /// Student (`"1214"`), Teacher (`"1215"`, faculty), Parent (`"1216"`) and
    /// two administrator roles that the mapping does not use.
    pub roles: Vec<LmsRole>,
    /// The school year and its two semesters (terms map to them), and the
    /// previous school year's three periods (nothing maps to them). Quarters
    /// have no grading period: the mapping says "create".
    pub grading_periods: Vec<LmsGradingPeriod>,
}

/// A generated district: the SIS side, the empty LMS directory and the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// The size it was generated at.
    pub size: DistrictSize,
    /// The school year, as its ending calendar year (2026 for 2025-26).
    pub school_year: i32,
    /// The district's date at generation: December 1 of the first calendar
    /// year of the school year. Ended enrollments end before it.
    pub as_of: NaiveDate,
    /// The SIS snapshot.
    pub sis: SisSnapshot,
    /// The LMS directory (buildings, roles, grading periods).
    pub lms_directory: LmsDirectoryFixture,
    /// Every school mapped to its building and selected for users, courses and
    /// sections; every term mapped; Student → Student, Teacher → Teacher,
    /// Guardian → Parent in every building.
    pub mapping: MappingSpec,
}

impl District {
    /// Simulates one day of SIS changes (see [`next_day`]), replaces the SIS
    /// snapshot with the result and returns what changed.
    pub fn advance(&mut self, seed: u64, today: NaiveDate) -> DayChanges {
        let Mutation { sis, changes } = next_day(self, seed, today);
        self.sis = sis;
        changes
    }
}

/// The earliest and latest school years [`generate`] accepts; others are clamped.
pub const SCHOOL_YEARS: std::ops::RangeInclusive<i32> = 1901..=9999;

/// Generates a district. Deterministic: the same arguments give the same district.
///
/// `school_year` is the ending calendar year (2026 for 2025-26), clamped to
/// [`SCHOOL_YEARS`].
pub fn generate(size: DistrictSize, seed: u64, school_year: i32) -> District {
    let school_year = school_year.clamp(*SCHOOL_YEARS.start(), *SCHOOL_YEARS.end());
    let profile = size.profile();
    let mut rng = fastrand::Rng::with_seed(seed);
    let calendar = schools::Calendar::new(school_year);

    let plan = schools::plan(&profile, &mut rng);
    let school_records = schools::records(&plan);
    let terms = schools::terms(&plan, &calendar);
    let mut teachers = people::teachers(&plan, &mut rng);
    let picks = profile.student_enrollments as f64 / profile.students.max(1) as f64;
    let schedule = schedule::build(&plan, &calendar, &mut teachers, picks, &mut rng);
    let roster = people::students_and_guardians(&plan, &calendar, size, &mut rng);
    let enrollments = enroll::enroll(
        &plan,
        &schedule,
        &roster,
        profile.student_enrollments,
        &mut rng,
    );

    let people::Roster {
        students,
        guardians,
        guardian_links,
        duplicate,
        ..
    } = roster;
    let mut people_records = students;
    people_records.extend(teachers);
    people_records.extend(guardians);
    people_records.extend(duplicate);

    let sis = SisSnapshot {
        schools: school_records,
        terms,
        people: people_records,
        guardian_links,
        courses: schedule.courses,
        sections: schedule.sections,
        enrollments,
        // The adapters that read the generated district do not rank contacts.
        contact_priorities: Default::default(),
    };
    let lms_directory = directory::fixture(&sis.schools, &calendar);
    let mapping = directory::mapping(&sis, &lms_directory, &calendar);
    District {
        size,
        school_year,
        as_of: calendar.as_of,
        sis,
        lms_directory,
        mapping,
    }
}

/// The LMS as it is before the first sync: the directory only, no users,
/// courses, sections or enrollments.
pub fn lms_snapshot_empty(district: &District) -> LmsSnapshot {
    LmsSnapshot {
        buildings: district.lms_directory.buildings.clone(),
        roles: district.lms_directory.roles.clone(),
        grading_periods: district.lms_directory.grading_periods.clone(),
        ..LmsSnapshot::default()
    }
}
