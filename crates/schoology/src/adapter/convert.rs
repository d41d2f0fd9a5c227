//! Conversions between Schoology wire records and rostersync's core types,
//! including the grade-level and subject-area codes.

use chrono::NaiveDate;
use rostersync_core::ids::{
    BuildingId, CourseId, EnrollmentId, GradingPeriodId, RoleId, SectionId, UserId,
};
use rostersync_core::model::lms::{
    CourseFields, LmsBuilding, LmsCourse, LmsEnrollment, LmsGradingPeriod, LmsRole, LmsSection,
    LmsUser, SectionFields, UserFields,
};
use rostersync_core::model::sis::Subject;

use crate::courses::{Course, CourseRecord};
use crate::enrollments::Enrollment;
use crate::schools::{GradingPeriod, Role, School};
use crate::sections::{Section, SectionRecord};
use crate::users::{User, UserRecord};

/// Schoology's grade-level code for a core grade level: pre-K (-1) is 1,
/// K (0) is 2, grade N (1..=12) is N + 2; anything else has no code.
pub fn grade_level_code(level: i8) -> Option<u8> {
    (-1..=12)
        .contains(&level)
        .then(|| (level + 2).unsigned_abs())
}

/// The core grade level for a Schoology code (1..=14); 0 (none) and 15
/// (higher education) have no core level.
pub fn grade_level_from_code(code: i64) -> Option<i8> {
    (1..=14).contains(&code).then(|| (code - 2) as i8)
}

const SUBJECTS: [Subject; 10] = [
    Subject::Other,
    Subject::HealthPe,
    Subject::LanguageArts,
    Subject::Mathematics,
    Subject::ProfessionalDevelopment,
    Subject::Science,
    Subject::SocialStudies,
    Subject::SpecialEducation,
    Subject::Technology,
    Subject::Arts,
];

/// Schoology's subject-area code (0..=9).
pub fn subject_code(subject: Subject) -> u8 {
    SUBJECTS
        .iter()
        .position(|s| *s == subject)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0)
}

/// The subject for a Schoology code; 0 is Other, so that writing Other and
/// reading it back gives Other.
pub fn subject_from_code(code: i64) -> Option<Subject> {
    usize::try_from(code)
        .ok()
        .and_then(|i| SUBJECTS.get(i).copied())
}

/// A date from `YYYY-MM-DD`, with or without a time after it.
pub(crate) fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

pub(crate) fn building(school: &School) -> LmsBuilding {
    LmsBuilding {
        id: BuildingId::new(school.id.clone()),
        title: school.title.clone().unwrap_or_default(),
        code: school.building_code.clone(),
    }
}

pub(crate) fn role(role: &Role) -> LmsRole {
    LmsRole {
        id: RoleId::new(role.id.clone()),
        title: role.title.clone().unwrap_or_default(),
        faculty: role.faculty,
    }
}

pub(crate) fn grading_period(period: &GradingPeriod) -> Option<LmsGradingPeriod> {
    Some(LmsGradingPeriod {
        id: GradingPeriodId::new(period.id.clone()),
        title: period.title.clone().unwrap_or_default(),
        start: date(period.start.as_deref()?)?,
        end: date(period.end.as_deref()?)?,
    })
}

/// A user; `listed_in` stands in for a missing `building_id`.
pub(crate) fn user(user: &User, listed_in: &str) -> Option<LmsUser> {
    let id = user.user_id()?;
    let mut other_buildings: Vec<BuildingId> = user
        .additional_buildings
        .iter()
        .map(|b| BuildingId::new(b.clone()))
        .collect();
    other_buildings.sort();
    other_buildings.dedup();
    Some(LmsUser {
        id: UserId::new(id),
        unique_id: user.school_uid.as_deref().map(Into::into),
        fields: UserFields {
            first: user.name_first.as_deref().unwrap_or_default().into(),
            preferred_first: user.name_first_preferred.as_deref().map(Into::into),
            middle: user.name_middle.as_deref().map(Into::into),
            last: user.name_last.as_deref().unwrap_or_default().into(),
            email: user.primary_email.as_deref().map(Into::into),
            username: user.username.as_deref().map(Into::into),
            graduation_year: user.grad_year.and_then(|y| i32::try_from(y).ok()),
            building: BuildingId::new(user.building_id.as_deref().unwrap_or(listed_in)),
            other_buildings,
            role: RoleId::new(user.role_id.clone().unwrap_or_default()),
        },
    })
}

pub(crate) fn user_record(
    key: &str,
    id: Option<&UserId>,
    f: &UserFields,
    synced: bool,
) -> UserRecord {
    let others: Vec<&str> = f.other_buildings.iter().map(BuildingId::as_str).collect();
    UserRecord {
        id: id.map(|id| id.as_str().to_owned()),
        school_uid: key.to_owned(),
        name_first: f.first.to_string(),
        name_last: f.last.to_string(),
        name_first_preferred: f.preferred_first.as_deref().map(str::to_owned),
        name_middle: f.middle.as_deref().map(str::to_owned),
        primary_email: f.email.as_deref().map(str::to_owned),
        username: f.username.as_deref().map(str::to_owned),
        grad_year: f.graduation_year,
        building_id: Some(f.building.as_str().to_owned()),
        additional_buildings: Some(others.join(",")),
        role_id: Some(f.role.as_str().to_owned()),
        synced: synced.then_some(true),
    }
}

/// A course; `listed_in` stands in for a missing `building_id`.
pub(crate) fn course(course: &Course, listed_in: &str) -> LmsCourse {
    LmsCourse {
        id: CourseId::new(course.id.clone()),
        code: course.course_code.clone().unwrap_or_default(),
        fields: CourseFields {
            title: course.title.clone().unwrap_or_default(),
            building: BuildingId::new(course.building_id.as_deref().unwrap_or(listed_in)),
            department: course.department.clone(),
            subject: course.subject_area.and_then(subject_from_code),
            grade_low: course
                .grade_level_range_start
                .and_then(grade_level_from_code),
            grade_high: course.grade_level_range_end.and_then(grade_level_from_code),
        },
    }
}

pub(crate) fn course_record(
    key: &str,
    id: Option<&CourseId>,
    f: &CourseFields,
    synced: bool,
) -> CourseRecord {
    CourseRecord {
        id: id.map(|id| id.as_str().to_owned()),
        title: f.title.clone(),
        course_code: key.to_owned(),
        building_id: Some(f.building.as_str().to_owned()),
        department: f.department.clone(),
        subject_area: f.subject.map(subject_code),
        grade_level_range_start: f.grade_low.and_then(grade_level_code),
        grade_level_range_end: f.grade_high.and_then(grade_level_code),
        synced: synced.then_some(true),
    }
}

/// A section; `listed_under` stands in for a missing `course_id`.
pub(crate) fn section(section: &Section, listed_under: &str) -> LmsSection {
    let mut periods: Vec<GradingPeriodId> = section
        .grading_periods
        .iter()
        .map(|p| GradingPeriodId::new(p.clone()))
        .collect();
    periods.sort();
    periods.dedup();
    LmsSection {
        id: SectionId::new(section.id.clone()),
        course: CourseId::new(section.course_id.as_deref().unwrap_or(listed_under)),
        unique_code: section.section_school_code.clone(),
        fields: SectionFields {
            title: section.section_title.clone().unwrap_or_default(),
            code: section.section_code.clone().unwrap_or_default(),
            grading_periods: periods,
            location: section.location.clone(),
            periods: section.class_periods.clone(),
        },
    }
}

pub(crate) fn section_record(
    key: &str,
    id: Option<&SectionId>,
    f: &SectionFields,
    synced: bool,
) -> SectionRecord {
    SectionRecord {
        id: id.map(|id| id.as_str().to_owned()),
        title: f.title.clone(),
        section_code: Some(f.code.clone()).filter(|c| !c.is_empty()),
        section_school_code: key.to_owned(),
        grading_periods: f
            .grading_periods
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        location: f.location.clone(),
        class_periods: f.periods.clone(),
        synced: synced.then_some(true),
    }
}

pub(crate) fn enrollment(enrollment: &Enrollment, section: &str) -> LmsEnrollment {
    LmsEnrollment {
        id: EnrollmentId::new(enrollment.id.clone()),
        section: SectionId::new(section),
        user: UserId::new(enrollment.uid.clone()),
        admin: enrollment.admin,
        active: enrollment.is_active(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_levels_round_trip() {
        assert_eq!(grade_level_code(-1), Some(1));
        assert_eq!(grade_level_code(0), Some(2));
        assert_eq!(grade_level_code(9), Some(11));
        assert_eq!(grade_level_code(12), Some(14));
        assert_eq!(grade_level_code(13), None);
        for level in -1..=12 {
            let code = grade_level_code(level).unwrap();
            assert_eq!(grade_level_from_code(i64::from(code)), Some(level));
        }
        assert_eq!(grade_level_from_code(0), None);
        assert_eq!(grade_level_from_code(15), None);
    }

    #[test]
    fn subjects_round_trip() {
        for (code, subject) in SUBJECTS.iter().enumerate() {
            assert_eq!(usize::from(subject_code(*subject)), code);
            assert_eq!(subject_from_code(code as i64), Some(*subject));
        }
        assert_eq!(subject_from_code(10), None);
    }

    #[test]
    fn dates_with_or_without_time() {
        let day = NaiveDate::from_ymd_opt(2013, 9, 1).unwrap();
        assert_eq!(date("2013-09-01"), Some(day));
        assert_eq!(date("2013-09-01 00:00:00"), Some(day));
        assert_eq!(date("soon"), None);
    }
}
