//! Planning courses: scope, the key and the text made to fit the LMS,
//! required fields, then create / update / link, holding a create whose
//! data-prep match is ambiguous.

use std::borrow::Cow;

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::CourseId;
use crate::lms_text::TextKind;
use crate::model::lms::{CourseFields, LmsCourse};
use crate::model::sis::Course;
use crate::plan::builder::{Builder, Party, dedupe};
use crate::plan::record::{Decided, Found, compare, find, is_create, unless_quiet};
use crate::plan::types::{CourseOp, RecordAction, SkipReason};
use crate::plan::{fit, held};

/// Plans every course; returns the state of each course key.
pub(crate) fn plan_courses<'a>(b: &mut Builder<'a>) -> HashMap<&'a str, Party> {
    let courses = dedupe(
        &b.input.sis.courses,
        |course| course.key.as_str(),
        b,
        Entity::Course,
    );
    let mut states = HashMap::with_capacity_and_hasher(courses.len(), Default::default());
    let telling: Vec<_> = courses
        .iter()
        .enumerate()
        .filter_map(|(at, course)| Some((at, unless_quiet(decide(b, course))?)))
        .collect();
    let creating: Vec<(usize, &Course)> = telling
        .iter()
        .filter(|(_, decided)| is_create(decided))
        .map(|&(at, _)| (at, courses[at]))
        .collect();
    let mut held = held::courses(b, &creating);
    let mut telling = telling.into_iter().peekable();
    for (at, course) in courses.into_iter().enumerate() {
        let key = course.key.as_str();
        let decided = match telling.next_if(|(told, _)| *told == at) {
            Some((_, decided)) => held.over(at, decided),
            None => Ok(Decided::quiet()),
        };
        let state = b.settle(Entity::Course, key, decided, true, |plan, action| {
            plan.courses.push(CourseOp {
                key: course.key.clone(),
                action,
            });
        });
        states.insert(key, state);
    }
    states
}

/// The state of each course when courses are out of scope.
pub(crate) fn resolve_courses<'a>(b: &Builder<'a>) -> HashMap<&'a str, Party> {
    b.input
        .sis
        .courses
        .iter()
        .map(|course| {
            let state = match find_course(b, course.key.as_str()) {
                Ok(Found::Linked(_) | Found::ByUniqueId(_)) => Party::synced(true),
                Ok(Found::Nowhere) => Party::absent(),
                Err(reason) => Party::skipped(&reason),
            };
            (course.key.as_str(), state)
        })
        .collect()
}

fn find_course<'a>(b: &Builder<'a>, key: &str) -> Result<Found<'a, LmsCourse>, SkipReason> {
    find(
        key,
        b.linked.course_links.get(key).copied(),
        &b.lms.courses_by_id,
        &b.lms.courses_by_code,
        &b.linked.courses,
        |course: &LmsCourse| course.id.as_str(),
    )
}

fn decide(
    b: &Builder<'_>,
    course: &Course,
) -> Result<Decided<RecordAction<CourseId, CourseFields>>, SkipReason> {
    let mapping = b.input.mapping;
    let Some(building) = mapping.building(&course.school) else {
        return Err(SkipReason::SchoolUnmapped {
            school: course.school.clone(),
        });
    };
    if !mapping.selection().courses.contains(&course.school) {
        return Err(SkipReason::SchoolNotSelected {
            school: course.school.clone(),
        });
    }
    fit::key(course.key.as_str(), "course code")?;
    let mut notes = Vec::new();
    let title = fit::field(&mut notes, "title", &course.title, TextKind::Title);
    if title.is_empty() {
        return Err(SkipReason::MissingField {
            field: "title".into(),
        });
    }
    let department = course.department.as_deref();
    let fields = CourseFields {
        title: title.into_owned(),
        building: building.clone(),
        department: fit::optional(&mut notes, "department", department, TextKind::Title)
            .map(Cow::into_owned),
        subject: course.subject,
        grade_low: course.grade_low,
        grade_high: course.grade_high,
    };
    let action = match find_course(b, course.key.as_str())? {
        Found::Linked(lms) => compare(true, lms.id.clone(), &lms.fields, fields),
        Found::ByUniqueId(lms) => compare(false, lms.id.clone(), &lms.fields, fields),
        Found::Nowhere if !course.active => return Err(SkipReason::CourseInactive),
        Found::Nowhere => Some(RecordAction::Create { fields }),
    };
    Ok(Decided { action, notes })
}
