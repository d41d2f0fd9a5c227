//! Courses, classes (sections) and enrollments: course schools, section
//! terms of the year read, teachers from teacher enrollments, and
//! OneRoster's exclusive end dates made inclusive.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use rostersync_core::ids::{CourseKey, PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::sis::{
    Course, Enrollment, EnrollmentRole, Section, SisSnapshot, Subject,
};
use rostersync_ports::{SisRequest, SourceProblem};

use super::people::Mapped;
use super::{Index, deleted, problem};
use crate::model::{self, Status};

/// A CEDS grade level as a number: PK -1, KG 0, 01..12.
fn grade_number(grade: &str) -> Option<i8> {
    match grade {
        "IT" | "PR" | "PK" | "TK" => Some(-1),
        "KG" | "K" => Some(0),
        other => other.parse::<i8>().ok().filter(|n| (1..=13).contains(n)),
    }
}

/// A subject area from free subject names, when one is plainly named.
fn subject(subjects: &[String]) -> Option<Subject> {
    subjects.iter().find_map(|name| {
        let name = name.to_ascii_lowercase();
        Some(match () {
            () if name.contains("math") => Subject::Mathematics,
            () if name.contains("science") => Subject::Science,
            () if name.contains("english") || name.contains("language arts") => {
                Subject::LanguageArts
            }
            () if name.contains("social") || name.contains("history") => Subject::SocialStudies,
            () if name.contains("art") || name.contains("music") => Subject::Arts,
            () if name.contains("physical") || name.contains("health") => Subject::HealthPe,
            () if name.contains("technology") || name.contains("computer") => Subject::Technology,
            () => return None,
        })
    })
}

/// Every course. A package without a course file gets one course per
/// course a class names, titled after its first class: the link is all the
/// package says about it.
pub(crate) fn courses(index: &Index<'_>, problems: &mut Vec<SourceProblem>) -> Vec<Course> {
    let classes = &index.records.classes;
    let Some(courses) = &index.records.courses else {
        let mut out: BTreeMap<&str, Course> = BTreeMap::new();
        for class in classes.iter().filter(|c| index.is_school(&c.school)) {
            out.entry(class.course.as_str()).or_insert_with(|| Course {
                key: CourseKey::new(&class.course),
                school: SchoolKey::new(&class.school),
                code: class.course.clone(),
                title: class.title.clone(),
                department: None,
                subject: None,
                grade_low: None,
                grade_high: None,
                active: true,
            });
        }
        return out.into_values().collect();
    };
    let mut out = Vec::new();
    for course in courses {
        let id = course.meta.sourced_id.as_str();
        let school = course
            .org
            .as_deref()
            .filter(|org| index.is_school(org))
            .or_else(|| {
                classes
                    .iter()
                    .find(|c| c.course == id && index.is_school(&c.school))
                    .map(|c| c.school.as_str())
            });
        let Some(school) = school else {
            problems.push(problem(
                &course.meta,
                "neither the course's org nor any of its classes names a school",
            ));
            continue;
        };
        let grades: Vec<i8> = course
            .grades
            .iter()
            .filter_map(|g| grade_number(g))
            .collect();
        out.push(Course {
            key: CourseKey::new(id),
            school: SchoolKey::new(school),
            code: course.code.clone().unwrap_or_else(|| id.to_owned()),
            title: course.title.clone(),
            department: None,
            subject: subject(&course.subjects),
            grade_low: grades.iter().copied().min(),
            grade_high: grades.iter().copied().max(),
            active: course.meta.status == Status::Active,
        });
    }
    out
}

/// The last day of an enrollment: the day before OneRoster's exclusive end,
/// or, when it is marked `tobedeleted`, the day before it was modified.
fn last_day(enrollment: &model::Enrollment) -> Option<NaiveDate> {
    let end = enrollment
        .end
        .and_then(|end| end.checked_sub_days(Days::new(1)));
    if enrollment.meta.status != Status::ToBeDeleted {
        return end;
    }
    let dropped = enrollment
        .meta
        .modified
        .map(|at| at.date_naive())
        .or(enrollment.begin)
        .unwrap_or_default()
        .checked_sub_days(Days::new(1));
    match (end, dropped) {
        (Some(end), Some(dropped)) => Some(end.min(dropped)),
        (end, dropped) => dropped.or(end),
    }
}

/// The sections of the requested schools meeting in the year read, and
/// their student and teacher enrollments.
pub(crate) fn sections(
    index: &Index<'_>,
    snapshot: &SisSnapshot,
    people: &Mapped,
    request: &SisRequest,
    problems: &mut Vec<SourceProblem>,
) -> (Vec<Section>, Vec<Enrollment>) {
    let courses: BTreeSet<&CourseKey> = snapshot.courses.iter().map(|c| &c.key).collect();
    let terms: BTreeSet<&str> = snapshot.terms.iter().map(|t| t.key.as_str()).collect();
    let sessions: BTreeMap<&str, &model::Session> = index
        .records
        .sessions
        .iter()
        .map(|s| (s.meta.sourced_id.as_str(), s))
        .collect();
    let mut by_class: BTreeMap<&str, Vec<&model::Enrollment>> = BTreeMap::new();
    for enrollment in &index.records.enrollments {
        by_class
            .entry(enrollment.class.as_str())
            .or_default()
            .push(enrollment);
    }
    let mut sections = Vec::new();
    let mut enrollments = Vec::new();
    for class in &index.records.classes {
        let school = SchoolKey::new(&class.school);
        if !request.schools.contains(&school) {
            continue;
        }
        let id = class.meta.sourced_id.as_str();
        if class.meta.status == Status::ToBeDeleted {
            problems.push(deleted(&class.meta, "class"));
            continue;
        }
        if !index.is_school(&class.school) {
            problems.push(problem(
                &class.meta,
                format!("school {} is not an org of the package", class.school),
            ));
            continue;
        }
        if let Some(missing) = class
            .terms
            .iter()
            .find(|t| !sessions.contains_key(t.as_str()))
        {
            problems.push(problem(
                &class.meta,
                format!("term {missing} is not an academic session of the package"),
            ));
            continue;
        }
        if class.terms.is_empty() {
            problems.push(problem(&class.meta, "the class names no term"));
            continue;
        }
        let in_year: Vec<TermKey> = class
            .terms
            .iter()
            .filter(|t| terms.contains(t.as_str()))
            .map(TermKey::new)
            .collect();
        if in_year.is_empty() {
            // Meets in another school year.
            continue;
        }
        let course = CourseKey::new(&class.course);
        if !courses.contains(&course) {
            problems.push(problem(
                &class.meta,
                format!("course {} is not a course that could be read", class.course),
            ));
            continue;
        }
        let section_key = SectionKey::new(id);
        let mut members = Vec::new();
        for enrollment in by_class.get(id).into_iter().flatten() {
            let role = match enrollment.role.as_str() {
                "student" => EnrollmentRole::Student,
                "teacher" => EnrollmentRole::Teacher,
                // Administrators, proctors and aides hold no place in a section's roster.
                _ => continue,
            };
            if !people.people.contains_key(&enrollment.user) {
                problems.push(problem(
                    &enrollment.meta,
                    format!("user {} is not a user that could be read", enrollment.user),
                ));
                continue;
            }
            let gone = enrollment.meta.status == Status::ToBeDeleted;
            let member = Enrollment {
                section: section_key.clone(),
                person: PersonKey::new(&enrollment.user),
                role,
                primary: enrollment.primary,
                begin: enrollment.begin,
                end: last_day(enrollment),
            };
            members.push((member, gone));
        }
        let teaching: Vec<&Enrollment> = members
            .iter()
            .filter(|(e, gone)| e.role == EnrollmentRole::Teacher && !gone)
            .map(|(e, _)| e)
            .collect();
        let primary = teaching
            .iter()
            .find(|e| e.primary)
            .or(if let [only] = &teaching[..] {
                Some(only)
            } else {
                None
            })
            .map(|e| e.person.clone());
        let mut co_teachers: Vec<PersonKey> = Vec::new();
        for teacher in &teaching {
            if Some(&teacher.person) != primary.as_ref() && !co_teachers.contains(&teacher.person) {
                co_teachers.push(teacher.person.clone());
            }
        }
        let mut members: Vec<Enrollment> = members.into_iter().map(|(e, _)| e).collect();
        for member in &mut members {
            if member.role == EnrollmentRole::Teacher && Some(&member.person) == primary.as_ref() {
                member.primary = true;
            }
        }
        sections.push(Section {
            key: section_key,
            course,
            school,
            title: class.title.clone(),
            code: class.code.clone().unwrap_or_else(|| id.to_owned()),
            terms: in_year,
            primary_teacher: primary,
            co_teachers,
            periods: class.periods.clone(),
            room: class.location.clone(),
            cross_list_group: None,
        });
        enrollments.extend(members);
    }
    (sections, enrollments)
}
