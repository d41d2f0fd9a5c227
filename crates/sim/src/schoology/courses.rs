//! Courses: lists by building, single and bulk creates (`update_existing`
//! matches `course_code` in the building), bulk and single updates, deletes.

use serde_json::{Value, json};

use super::by_id;
use super::db::Db;
use super::limits;
use super::model::Course;
use super::sections;
use super::wire::{
    Call, Reply, Total, bit, bulk_items, bulk_list, flag, has, int, item_error, number, or_empty,
    page_with, text,
};

pub(crate) fn course_json(call: &Call, course: &Course) -> Value {
    json!({
        "id": course.id,
        "title": course.title,
        "course_code": course.course_code,
        "department": or_empty(course.department.as_ref()),
        "description": or_empty(course.description.as_ref()),
        "credits": course.credits.unwrap_or(0.0),
        "subject_area": course.subject_area.unwrap_or(0),
        "grade_level_range_start": course.grade_level_range_start.unwrap_or(0),
        "grade_level_range_end": course.grade_level_range_end.unwrap_or(0),
        "synced": bit(course.synced),
        "building_id": course.building_id,
        "links": { "self": call.link(&format!("courses/{}", course.id)) },
    })
}

pub(crate) fn list(db: &Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let building = call.param("building_id");
    let items: Vec<&Course> = db
        .courses
        .values()
        .filter(|c| building.is_none_or(|b| c.building_id == b))
        .collect();
    let render = |c: &&Course| course_json(call, c);
    Reply::ok(page_with(
        call,
        "courses",
        "course",
        &items,
        render,
        Total::Text,
    ))
}

pub(crate) fn get(db: &Db, call: &Call, id: u64) -> Reply {
    match db.courses.get(&id) {
        Some(course) => Reply::ok(course_json(call, course)),
        None => Reply::not_found(),
    }
}

/// Sets the fields `item` carries on `course`.
fn apply(db: &Db, course: &mut Course, item: &Value) -> Result<(), String> {
    limits::check(item, limits::COURSE)?;
    if let Some(building) = text(item, "building_id") {
        if !db.is_building(&building) {
            return Err(format!("Invalid building: {building}"));
        }
        course.building_id = building;
    }
    if let Some(title) = text(item, "title") {
        course.title = title;
    }
    if let Some(code) = text(item, "course_code") {
        course.course_code = code;
    }
    if db
        .course_by_code(&course.building_id, &course.course_code)
        .is_some_and(|other| other != course.id)
        && !course.course_code.is_empty()
    {
        return Err(format!(
            "The course code {} is already in use in this building",
            course.course_code
        ));
    }
    if has(item, "department") {
        course.department = text(item, "department");
    }
    if has(item, "description") {
        course.description = text(item, "description");
    }
    if has(item, "credits") {
        course.credits = number(item, "credits");
    }
    for (name, field) in [
        ("subject_area", &mut course.subject_area),
        (
            "grade_level_range_start",
            &mut course.grade_level_range_start,
        ),
        ("grade_level_range_end", &mut course.grade_level_range_end),
    ] {
        if has(item, name) {
            *field = int(item, name);
        }
    }
    if let Some(synced) = flag(item, "synced") {
        course.synced = synced;
    }
    if course.title.is_empty() || course.course_code.is_empty() {
        return Err("title and course_code are required".into());
    }
    Ok(())
}

/// Creates or (with `update_existing`, by `course_code`) updates one course,
/// and the sections nested under it (the import pattern) as
/// `POST courses/{id}/sections` would, with the same refusals. The answer is
/// the course's alone: the public record does not say what Schoology answers
/// about nested sections, so the simulator says nothing (no ids, no
/// refusals), and a client must read them back. A nested list that the
/// sections endpoint would refuse as a whole refuses the course item.
fn upsert(db: &mut Db, call: &Call, item: &Value, update_existing: bool) -> (Value, u64) {
    let nested = if has(item, "sections") {
        match bulk_list(item, "sections", "section") {
            Ok(nested) => nested,
            Err(message) => return (item_error(400, message), 0),
        }
    } else {
        Vec::new()
    };
    let building = text(item, "building_id").unwrap_or_else(|| db.school_id.clone());
    let code = text(item, "course_code").unwrap_or_default();
    let (mut course, creating) = match db.course_by_code(&building, &code) {
        Some(id) if update_existing && !code.is_empty() => match db.courses.get(&id) {
            Some(course) => (course.clone(), false),
            None => return (item_error(404, "Unknown course"), 0),
        },
        Some(_) if !code.is_empty() => {
            let message = format!("The course code {code} is already in use in this building");
            return (item_error(400, message), 0);
        }
        _ => (
            Course {
                id: u64::MAX,
                building_id: building,
                ..Course::default()
            },
            true,
        ),
    };
    let before = course.clone();
    if let Err(message) = apply(db, &mut course, item) {
        return (item_error(400, message), 0);
    }
    if creating {
        course.id = db.fresh_id();
    }
    let mut written = u64::from(course != before);
    let id = course.id;
    let answer = json!({
        "response_code": 200,
        "id": id.to_string(),
        "course_code": course.course_code,
        "location": call.link(&format!("courses/{id}")),
    });
    db.put_course(course);
    for section in &nested {
        let (_, w) = sections::upsert(db, call, id, section, update_existing);
        written += w;
    }
    (answer, written)
}

pub(crate) fn create(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let update_existing = call.flag("update_existing");
    if !has(&call.body, "courses") {
        let (answer, written) = upsert(db, call, &call.body, update_existing);
        let id = text(&answer, "id").and_then(|id| id.parse().ok());
        return match id.and_then(|id| db.courses.get(&id)) {
            Some(course) => Reply::created(course_json(call, course)).wrote(written, 0),
            None => Reply::bad_request(answer["message"].as_str().unwrap_or("Invalid course")),
        };
    }
    let items = match bulk_items(&call.body, "courses", "course") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let (answer, w) = upsert(db, call, item, update_existing);
            written += w;
            answer
        })
        .collect();
    Reply::multi(json!({ "course": answers })).wrote(written, 0)
}

fn update_one(db: &mut Db, _: &Call, id: u64, item: &Value) -> Result<u64, (u16, String)> {
    let Some(mut course) = db.courses.get(&id).cloned() else {
        return Err((404, format!("Course {id} not found")));
    };
    let before = course.clone();
    apply(db, &mut course, item).map_err(|m| (400, m))?;
    let changed = u64::from(course != before);
    db.put_course(course);
    Ok(changed)
}

pub(crate) fn update_bulk(db: &mut Db, call: &Call) -> Reply {
    by_id::update_many(
        db,
        call,
        "courses",
        "course",
        update_one,
        |db: &Db, _: &Call, id| {
            let code = db.courses.get(&id).map(|c| c.course_code.clone());
            json!({ "response_code": 200, "id": id.to_string(), "course_code": code })
        },
    )
}

pub(crate) fn update(db: &mut Db, call: &Call, id: u64) -> Reply {
    by_id::update(db, call, id, update_one)
}

pub(crate) fn delete(db: &mut Db, call: &Call, id: u64) -> Reply {
    by_id::delete_one(db, call, id, Db::remove_course)
}

pub(crate) fn delete_bulk(db: &mut Db, call: &Call) -> Reply {
    by_id::delete_many(
        db,
        call,
        "course_ids",
        "course",
        "Course",
        Db::remove_course,
    )
}
