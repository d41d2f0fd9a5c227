//! Courses, classes (sections) and enrollments: course schools, section
//! terms of the year read, teachers from teacher enrollments, and
//! OneRoster's exclusive end dates made inclusive.
//!
//! An enrollment is read whatever its dates, for every role alike: its end
//! date says when it ended, and the core decides what an ended enrollment
//! means. One marked `tobedeleted` (or `inactive`) is read as ended the day
//! before it was modified. A section's teachers are its teacher enrollments
//! that are active and open-ended; a dated teacher enrollment is only an
//! enrollment, so that the core ends it as it ends a student's.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use rostersync_core::ids::{CourseKey, PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::sis::{Course, Enrollment, EnrollmentRole, Section, Subject, Term};
use rostersync_ports::{RecordKind, SisRequest};

use super::people::Mapped;
use super::{Exclusion, Fate, Found, Index, Ledger, Options, Reference, marked};
use crate::model::{self, Meta, Status};
use crate::problem::{Fault, reason};

const COURSE: RecordKind = RecordKind::Course;
const SECTION: RecordKind = RecordKind::Section;
const ENROLLMENT: RecordKind = RecordKind::Enrollment;

/// A class's school.
const CLASS_SCHOOL: Reference = Reference {
    kind: RecordKind::School,
    field: "schoolSourcedId",
    what: "school",
    missing: reason::SCHOOL_MISSING,
    gone: reason::SCHOOL_NOT_READ,
};

/// A class's course.
const CLASS_COURSE: Reference = Reference {
    kind: COURSE,
    field: "courseSourcedId",
    what: "course",
    missing: reason::COURSE_MISSING,
    gone: reason::COURSE_NOT_READ,
};

/// An enrollment's class.
const ENROLLMENT_CLASS: Reference = Reference {
    kind: SECTION,
    field: "classSourcedId",
    what: "class",
    missing: reason::CLASS_MISSING,
    gone: reason::CLASS_NOT_READ,
};

/// An enrollment's user.
const ENROLLMENT_USER: Reference = Reference {
    kind: RecordKind::Person,
    field: "userSourcedId",
    what: "user",
    missing: reason::USER_MISSING,
    gone: reason::USER_NOT_READ,
};

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

/// Every course the source holds that can be tied to a school: by its org,
/// or by the first class (in key order) that teaches it at a school.
pub(crate) fn courses(index: &Index<'_>, ledger: &mut Ledger<'_>) -> Vec<Course> {
    let mut taught_at: HashMap<&str, &str> = HashMap::new();
    for class in &index.records.classes {
        if index.is_school(&class.school) {
            taught_at
                .entry(class.course.as_str())
                .or_insert(class.school.as_str());
        }
    }
    let mut out = Vec::new();
    for course in &index.records.courses {
        let meta = &course.meta;
        let id = meta.sourced_id.as_str();
        let org = course.org.as_deref();
        let school = org
            .filter(|org| index.is_school(org))
            .or_else(|| taught_at.get(id).copied());
        let Some(school) = school else {
            match org.map(|org| (org, index.find(ledger, RecordKind::School, org))) {
                Some((org, Found::Absent)) => ledger.unreadable(
                    COURSE,
                    meta,
                    Fault::new(
                        "orgSourcedId",
                        reason::ORG_MISSING,
                        format!("org {org} is not in the package, and no class of the course is at a school"),
                    ),
                ),
                _ => ledger.left_out(
                    COURSE,
                    meta,
                    Fault::new(
                        "orgSourcedId",
                        reason::NO_SCHOOL,
                        "neither the course's org nor any of its classes names a school",
                    ),
                ),
            }
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
            active: meta.status == Status::Active,
        });
    }
    out
}

/// The last day of an enrollment: the day before OneRoster's exclusive end,
/// or, when it is not active, the day before it was modified.
fn last_day(enrollment: &model::Enrollment) -> Option<NaiveDate> {
    let end = enrollment
        .end
        .and_then(|end| end.checked_sub_days(Days::new(1)));
    if enrollment.meta.status == Status::Active {
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

/// What the classes and enrollments of the request yielded.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    /// The sections read.
    pub(crate) sections: Vec<Section>,
    /// Their enrollments.
    pub(crate) enrollments: Vec<Enrollment>,
    /// Courses made from classes (only when [`Options::courses_from_classes`]).
    pub(crate) made: Vec<Course>,
}

/// The lookups a class is judged with.
struct Judge<'i, 'a> {
    index: &'i Index<'a>,
    terms: BTreeSet<&'i str>,
    courses: BTreeSet<&'i str>,
    request: &'i SisRequest,
    options: Options,
}

/// The class's terms of the year read; or why it is not read.
fn class_terms(
    judge: &Judge<'_, '_>,
    class: &model::Class,
    ledger: &mut Ledger<'_>,
) -> Result<Vec<TermKey>, Exclusion> {
    if class.terms.is_empty() {
        return Err(Exclusion::unreadable(Fault::new(
            "termSourcedIds",
            reason::NO_TERM,
            "the class names no term",
        )));
    }
    let mut read = Vec::new();
    let mut gone: Vec<(&str, Option<Fate>)> = Vec::new();
    for term in &class.terms {
        if judge.terms.contains(term.as_str()) {
            read.push(TermKey::new(term));
            continue;
        }
        match judge.index.find(ledger, RecordKind::Term, term) {
            Found::Absent => {
                return Err(Exclusion::unreadable(Fault::new(
                    "termSourcedIds",
                    reason::SESSION_MISSING,
                    format!("term {term} is not an academic session of the package"),
                )));
            }
            Found::Gone(fate) => gone.push((term, Some(fate))),
            Found::Read => gone.push((term, None)),
        }
    }
    let said: Vec<String> = gone
        .iter()
        .map(|(term, fate)| match fate {
            Some(fate) => format!("{term} {}", fate.said()),
            None => format!("{term} is not a term of the year read"),
        })
        .collect();
    if read.is_empty() {
        let other_year = gone
            .iter()
            .all(|(_, fate)| fate.is_some_and(|f| f.reason == Some(reason::OTHER_YEAR)));
        let reason = if other_year {
            reason::OTHER_YEAR
        } else {
            reason::SESSION_NOT_READ
        };
        let message = format!("the class meets in no term read: {}", said.join("; "));
        return Err(Exclusion::left_out(Fault::new(
            "termSourcedIds",
            reason,
            message,
        )));
    }
    if !gone.is_empty() {
        ledger.warn(
            SECTION,
            &class.meta,
            Fault::new(
                "termSourcedIds",
                reason::SOME_SESSIONS_NOT_READ,
                format!(
                    "the class was read with the terms read only: {}",
                    said.join("; ")
                ),
            ),
        );
    }
    Ok(read)
}

/// Judges one class: its terms of the year, or why it is not read.
fn judge_class(
    judge: &Judge<'_, '_>,
    class: &model::Class,
    ledger: &mut Ledger<'_>,
) -> Result<Vec<TermKey>, Exclusion> {
    let school = class.school.as_str();
    if !judge.index.is_school(school) {
        return Err(judge.index.exclusion(ledger, &CLASS_SCHOOL, school));
    }
    if !judge.request.schools.contains(&SchoolKey::new(school)) {
        return Err(Exclusion::left_out(Fault::new(
            "schoolSourcedId",
            reason::NOT_REQUESTED,
            format!("the class is at {school}, which is not a requested school"),
        )));
    }
    if let Some(fault) = marked(&class.meta, "class") {
        return Err(Exclusion::left_out(fault));
    }
    let terms = class_terms(judge, class, ledger)?;
    let course = class.course.as_str();
    if judge.courses.contains(course) || judge.options.courses_from_classes {
        return Ok(terms);
    }
    Err(judge.index.exclusion(ledger, &CLASS_COURSE, course))
}

/// The course made from `class`, named by it but not in the source.
fn made_course(class: &model::Class) -> Course {
    Course {
        key: CourseKey::new(&class.course),
        school: SchoolKey::new(&class.school),
        code: class.course.clone(),
        title: class.title.clone(),
        department: None,
        subject: None,
        grade_low: None,
        grade_high: None,
        active: true,
    }
}

/// The sections of the requested schools meeting in the year read, and
/// their student and teacher enrollments; every other class and enrollment
/// is a problem with its reason.
pub(crate) fn sections(
    index: &Index<'_>,
    terms: &[Term],
    courses: &[Course],
    people: &Mapped,
    request: &SisRequest,
    options: Options,
    ledger: &mut Ledger<'_>,
) -> Schedule {
    let judge = Judge {
        index,
        terms: terms.iter().map(|t| t.key.as_str()).collect(),
        courses: courses.iter().map(|c| c.key.as_str()).collect(),
        request,
        options,
    };
    let mut out = Schedule::default();
    let mut read: BTreeMap<&str, &model::Class> = BTreeMap::new();
    let mut terms_of: HashMap<&str, Vec<TermKey>> = HashMap::new();
    for class in &index.records.classes {
        match judge_class(&judge, class, ledger) {
            Ok(terms) => {
                let id = class.meta.sourced_id.as_str();
                read.insert(id, class);
                terms_of.insert(id, terms);
            }
            Err(exclusion) => ledger.exclude(SECTION, &class.meta, exclusion),
        }
    }
    let mut made: BTreeMap<&str, Course> = BTreeMap::new();
    for class in read.values() {
        if judge.courses.contains(class.course.as_str()) || made.contains_key(class.course.as_str())
        {
            continue;
        }
        let course = made_course(class);
        ledger.warn(
            COURSE,
            &Meta {
                sourced_id: class.course.clone(),
                ..class.meta.clone()
            },
            Fault::new(
                "courseSourcedId",
                reason::COURSE_FROM_CLASS,
                format!(
                    "course {} is not in the package; it was made from class {}, titled {:?}",
                    class.course, class.meta.sourced_id, class.title
                ),
            ),
        );
        made.insert(class.course.as_str(), course);
    }
    out.made = made.into_values().collect();
    let mut members = enrollments(index, &read, people, ledger);
    for (id, class) in read {
        let members = members.remove(id).unwrap_or_default();
        let (section, enrollments) = section(
            class,
            terms_of.remove(id).unwrap_or_default(),
            members,
            ledger,
        );
        out.sections.push(section);
        out.enrollments.extend(enrollments);
    }
    out
}

/// An enrollment read: the core's record and the row it came from.
type Member<'a> = (Enrollment, &'a model::Enrollment);

/// Judges every enrollment against the classes read and the people mapped;
/// those read, by class.
fn enrollments<'a>(
    index: &Index<'a>,
    read: &BTreeMap<&'a str, &'a model::Class>,
    people: &Mapped,
    ledger: &mut Ledger<'_>,
) -> HashMap<&'a str, Vec<Member<'a>>> {
    let mut out: HashMap<&str, Vec<Member<'a>>> = HashMap::new();
    for row in &index.records.enrollments {
        let meta = &row.meta;
        let class = row.class.as_str();
        let Some(class_read) = read.get(class) else {
            let exclusion = index.exclusion(ledger, &ENROLLMENT_CLASS, class);
            ledger.exclude(ENROLLMENT, meta, exclusion);
            continue;
        };
        let role = match row.role.as_str() {
            "student" => EnrollmentRole::Student,
            "teacher" => EnrollmentRole::Teacher,
            other @ ("administrator" | "proctor" | "aide") => {
                ledger.left_out(
                    ENROLLMENT,
                    meta,
                    Fault::new(
                        "role",
                        reason::ENROLLMENT_ROLE_NOT_SYNCED,
                        format!("an enrollment as {other} holds no place in a section; only students and teachers are synced"),
                    ),
                );
                continue;
            }
            other => {
                ledger.unreadable(
                    ENROLLMENT,
                    meta,
                    Fault::new(
                        "role",
                        reason::UNKNOWN_ROLE,
                        format!("{other:?} is not a OneRoster enrollment role"),
                    ),
                );
                continue;
            }
        };
        let user = row.user.as_str();
        if !people.people.contains_key(user) {
            let exclusion = index.exclusion(ledger, &ENROLLMENT_USER, user);
            ledger.exclude(ENROLLMENT, meta, exclusion);
            continue;
        }
        if row.school != class_read.school {
            ledger.warn(
                ENROLLMENT,
                meta,
                Fault::new(
                    "schoolSourcedId",
                    reason::OTHER_SCHOOL,
                    format!(
                        "the enrollment names school {}, and its class is at {}; the class's school is used",
                        row.school, class_read.school
                    ),
                ),
            );
        }
        let member = Enrollment {
            section: SectionKey::new(class),
            person: PersonKey::new(user),
            role,
            primary: row.primary,
            begin: row.begin,
            end: last_day(row),
        };
        out.entry(class_read.meta.sourced_id.as_str())
            .or_default()
            .push((member, row));
    }
    out
}

/// How strongly a row holds its place when a user is enrolled twice with
/// one role: active first, then open-ended, then the later end.
fn hold(row: &model::Enrollment) -> (bool, bool, Option<NaiveDate>) {
    (
        row.meta.status == Status::Active,
        row.end.is_none(),
        row.end,
    )
}

/// One section from its class, its terms of the year and its enrollments:
/// one enrollment per user and role, and the teachers.
fn section(
    class: &model::Class,
    terms: Vec<TermKey>,
    members: Vec<Member<'_>>,
    ledger: &mut Ledger<'_>,
) -> (Section, Vec<Enrollment>) {
    let id = class.meta.sourced_id.as_str();
    // One row per user and role: the one that holds longest.
    let mut best: BTreeMap<(PersonKey, EnrollmentRole), Member<'_>> = BTreeMap::new();
    let mut twice = Vec::new();
    for member in members {
        let slot = (member.0.person.clone(), member.0.role);
        match best.get_mut(&slot) {
            Some(held) if hold(member.1) > hold(held.1) => {
                twice.push(std::mem::replace(held, member))
            }
            Some(_) => twice.push(member),
            None => {
                best.insert(slot, member);
            }
        }
    }
    for (enrollment, row) in twice {
        let kept = &best[&(enrollment.person.clone(), enrollment.role)].1.meta;
        ledger.left_out(
            ENROLLMENT,
            &row.meta,
            Fault::new(
                "userSourcedId",
                reason::ENROLLED_TWICE,
                format!(
                    "user {} is enrolled in class {id} as {} also by {} at {}, which is read",
                    enrollment.person,
                    enrollment.role.as_str(),
                    kept.sourced_id,
                    kept.location
                ),
            ),
        );
    }
    let teaching: Vec<&Member<'_>> = best
        .values()
        .filter(|(e, row)| {
            e.role == EnrollmentRole::Teacher
                && row.meta.status == Status::Active
                && row.end.is_none()
        })
        .collect();
    let primary = teaching
        .iter()
        .find(|(e, _)| e.primary)
        .or(if let [only] = &teaching[..] {
            Some(only)
        } else {
            None
        })
        .map(|(e, _)| e.person.clone());
    let co_teachers: Vec<PersonKey> = teaching
        .iter()
        .map(|(e, _)| e.person.clone())
        .filter(|person| Some(person) != primary.as_ref())
        .collect();
    let mut enrollments: Vec<Enrollment> = best.into_values().map(|(e, _)| e).collect();
    for member in &mut enrollments {
        if member.role == EnrollmentRole::Teacher && Some(&member.person) == primary.as_ref() {
            member.primary = true;
        }
    }
    let section = Section {
        key: SectionKey::new(id),
        course: CourseKey::new(&class.course),
        school: SchoolKey::new(&class.school),
        title: class.title.clone(),
        code: class.code.clone().unwrap_or_else(|| id.to_owned()),
        terms,
        primary_teacher: primary,
        co_teachers,
        periods: class.periods.clone(),
        room: class.location.clone(),
        cross_list_group: None,
    };
    (section, enrollments)
}
