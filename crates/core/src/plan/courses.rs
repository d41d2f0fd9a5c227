//! Planning courses: scope, required fields, then create / update / link.

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::CourseId;
use crate::model::lms::{CourseFields, LmsCourse};
use crate::model::sis::Course;
use crate::plan::builder::{Builder, Party, dedupe};
use crate::plan::index::nonempty;
use crate::plan::record::{Found, compare, find};
use crate::plan::types::{CourseOp, RecordAction, SkipReason};

/// Plans every course; returns the state of each course key.
pub(crate) fn plan_courses<'a>(b: &mut Builder<'a>) -> HashMap<&'a str, Party> {
    let courses = dedupe(
        &b.input.sis.courses,
        |course| course.key.as_str(),
        b,
        Entity::Course,
    );
    let mut states = HashMap::with_capacity_and_hasher(courses.len(), Default::default());
    for course in courses {
        let key = course.key.as_str();
        match decide(b, course) {
            Ok(Some(action)) => {
                states.insert(key, Party::synced(true));
                b.plan.courses.push(CourseOp {
                    key: course.key.clone(),
                    action,
                });
            }
            Ok(None) => {
                states.insert(key, Party::synced(true));
                b.unchanged(Entity::Course);
            }
            Err(reason) => {
                states.insert(key, Party::skipped(&reason));
                b.skip(Entity::Course, key, reason);
            }
        }
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
) -> Result<Option<RecordAction<CourseId, CourseFields>>, SkipReason> {
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
    let Some(title) = nonempty(Some(&course.title)) else {
        return Err(SkipReason::MissingField {
            field: "title".into(),
        });
    };
    let fields = CourseFields {
        title: title.to_owned(),
        building: building.clone(),
        department: nonempty(course.department.as_deref()).map(str::to_owned),
        subject: course.subject,
        grade_low: course.grade_low,
        grade_high: course.grade_high,
    };
    Ok(match find_course(b, course.key.as_str())? {
        Found::Linked(lms) => compare(true, lms.id.clone(), &lms.fields, fields),
        Found::ByUniqueId(lms) => compare(false, lms.id.clone(), &lms.fields, fields),
        Found::Nowhere if !course.active => return Err(SkipReason::CourseInactive),
        Found::Nowhere => Some(RecordAction::Create { fields }),
    })
}
