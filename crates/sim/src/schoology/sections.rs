//! Sections: lists per course and by unique codes, single and bulk creates
//! under a course, bulk and single updates, deletes.

use serde_json::{Value, json};

use super::by_id;
use super::db::{Db, today};
use super::directory::known_periods;
use super::limits;
use super::model::Section;
use super::wire::{
    BULK_LIMIT, Call, Reply, Total, bulk_items, flag, has, ids, item_error, or_empty, page_with,
    text,
};

pub(crate) fn section_json(db: &Db, call: &Call, section: &Section) -> Value {
    let course = db.courses.get(&section.course_id);
    json!({
        "id": section.id.to_string(),
        "course_id": section.course_id.to_string(),
        "course_title": course.map(|c| c.title.clone()).unwrap_or_default(),
        "course_code": course.map(|c| c.course_code.clone()).unwrap_or_default(),
        "school_id": course.map(|c| c.building_id.clone()).unwrap_or_default(),
        "access_code": format!("SIM{:06}", section.id % 1_000_000),
        "section_title": section.title,
        "section_code": or_empty(section.section_code.as_ref()),
        "section_school_code": or_empty(section.section_school_code.as_ref()),
        "synced": if section.synced { "1" } else { "0" },
        "active": 1,
        "description": or_empty(section.description.as_ref()),
        "location": or_empty(section.location.as_ref()),
        "class_periods": or_empty(section.class_periods.as_ref()),
        "grading_periods": section.grading_periods,
        "meeting_days": [""],
        "start_time": "",
        "end_time": "",
        "weight": "",
        "options": {
            "course_format": "1",
            "weighted_grading_categories": "0",
            "upload_documents": "0",
            "create_discussion": "0",
            "member_post": "1",
            "member_post_comment": "1",
            "content_index_visibility": [],
        },
        "links": { "self": call.link(&format!("sections/{}", section.id)) },
    })
}

/// Whether every grading period of a section ended before today.
fn is_past(db: &Db, section: &Section) -> bool {
    let today = today();
    !section.grading_periods.is_empty()
        && section
            .grading_periods
            .iter()
            .filter_map(|id| db.grading_periods.get(id))
            .all(|p| p.end < today)
}

pub(crate) fn list_in_course(db: &Db, call: &Call, course: u64) -> Reply {
    if !db.courses.contains_key(&course) {
        return Reply::not_found();
    }
    let past = call.flag("include_past");
    let items: Vec<&Section> = db
        .course_sections(course)
        .filter(|s| past || !is_past(db, s))
        .collect();
    let path = format!("courses/{course}/sections");
    let render = |s: &&Section| section_json(db, call, s);
    Reply::ok(page_with(
        call,
        &path,
        "section",
        &items,
        render,
        Total::Text,
    ))
}

pub(crate) fn list_by_codes(db: &Db, call: &Call) -> Reply {
    let Some(codes) = call.list("section_school_codes") else {
        return Reply::forbidden();
    };
    if codes.len() > BULK_LIMIT {
        return Reply::bad_request(format!("At most {BULK_LIMIT} section_school_codes"));
    }
    let past = call.flag("include_past");
    let mut ids: Vec<u64> = codes.iter().filter_map(|c| db.section_by_code(c)).collect();
    ids.sort_unstable();
    ids.dedup();
    let items: Vec<&Section> = ids
        .iter()
        .filter_map(|id| db.sections.get(id))
        .filter(|s| past || !is_past(db, s))
        .collect();
    let render = |s: &&Section| section_json(db, call, s);
    Reply::ok(page_with(
        call,
        "sections",
        "section",
        &items,
        render,
        Total::Text,
    ))
}

pub(crate) fn get(db: &Db, call: &Call, id: u64) -> Reply {
    match db.sections.get(&id) {
        Some(section) => Reply::ok(section_json(db, call, section)),
        None => Reply::not_found(),
    }
}

/// Sets the fields `item` carries on `section`.
fn apply(db: &Db, section: &mut Section, item: &Value) -> Result<(), String> {
    limits::check(item, limits::SECTION)?;
    if let Some(title) = text(item, "title").or_else(|| text(item, "section_title")) {
        section.title = title;
    }
    if let Some(periods) = ids(item, "grading_periods") {
        section.grading_periods = known_periods(db, &periods)?;
    }
    if let Some(code) = text(item, "section_school_code") {
        if db.section_by_code(&code).is_some_and(|s| s != section.id) {
            return Err(format!("The section school code {code} is already in use"));
        }
        section.section_school_code = Some(code);
    } else if has(item, "section_code") {
        section.section_code = text(item, "section_code");
    }
    if let Some(code) = &section.section_code {
        let clash = db.sections.values().any(|s| {
            s.id != section.id
                && s.course_id == section.course_id
                && s.section_code.as_ref() == Some(code)
                && s.grading_periods
                    .iter()
                    .any(|p| section.grading_periods.contains(p))
        });
        if clash {
            return Err(format!(
                "The section code {code} is already in use in this course and grading period"
            ));
        }
    }
    for (name, field) in [
        ("location", &mut section.location),
        ("class_periods", &mut section.class_periods),
        ("description", &mut section.description),
    ] {
        if has(item, name) {
            *field = text(item, name);
        }
    }
    if let Some(synced) = flag(item, "synced") {
        section.synced = synced;
    }
    if section.title.is_empty() || section.grading_periods.is_empty() {
        return Err("title and grading_periods are required".into());
    }
    Ok(())
}

fn item_answer(call: &Call, section: &Section) -> Value {
    json!({
        "response_code": 200,
        "id": section.id.to_string(),
        "location": call.link(&format!("sections/{}", section.id)),
        "section_code": or_empty(section.section_code.as_ref()),
        "section_school_code": or_empty(section.section_school_code.as_ref()),
        "synced": if section.synced { Value::String("1".into()) } else { Value::Null },
        "grading_periods": section.grading_periods,
    })
}

/// With `update_existing`, the section of the course this record matches:
/// by unique code, else by section code and grading periods.
fn matching(db: &Db, course: u64, item: &Value) -> Option<u64> {
    if let Some(code) = text(item, "section_school_code") {
        return db
            .section_by_code(&code)
            .filter(|id| db.sections.get(id).is_some_and(|s| s.course_id == course));
    }
    let code = text(item, "section_code")?;
    let periods = ids(item, "grading_periods").unwrap_or_default();
    db.sections
        .values()
        .find(|s| {
            s.course_id == course
                && s.section_code.as_deref() == Some(code.as_str())
                && s.grading_periods
                    .iter()
                    .map(u64::to_string)
                    .eq(periods.iter().cloned())
        })
        .map(|s| s.id)
}

/// Creates or (with `update`) updates one section of a course; the answer
/// item and how many records it wrote.
pub(crate) fn upsert(
    db: &mut Db,
    call: &Call,
    course: u64,
    item: &Value,
    update: bool,
) -> (Value, u64) {
    let existing = if update {
        matching(db, course, item)
    } else {
        None
    };
    let (mut section, creating) = match existing.and_then(|id| db.sections.get(&id)) {
        Some(section) => (section.clone(), false),
        None => (
            Section {
                id: u64::MAX,
                course_id: course,
                ..Section::default()
            },
            true,
        ),
    };
    let before = section.clone();
    if let Err(message) = apply(db, &mut section, item) {
        return (item_error(400, message), 0);
    }
    if creating {
        section.id = db.fresh_id();
    }
    let written = u64::from(section != before);
    let answer = item_answer(call, &section);
    db.put_section(section);
    (answer, written)
}

pub(crate) fn create(db: &mut Db, call: &Call, course: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    if !db.courses.contains_key(&course) {
        return Reply::not_found();
    }
    let update = call.flag("update_existing");
    if !has(&call.body, "sections") {
        let (answer, written) = upsert(db, call, course, &call.body, update);
        let id = text(&answer, "id").and_then(|id| id.parse().ok());
        return match id.and_then(|id| db.sections.get(&id)) {
            Some(section) => Reply::created(section_json(db, call, section)).wrote(written, 0),
            None => Reply::bad_request(answer["message"].as_str().unwrap_or("Invalid section")),
        };
    }
    let items = match bulk_items(&call.body, "sections", "section") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let (answer, w) = upsert(db, call, course, item, update);
            written += w;
            answer
        })
        .collect();
    Reply::multi(json!({ "section": answers })).wrote(written, 0)
}

fn update_one(db: &mut Db, _: &Call, id: u64, item: &Value) -> Result<u64, (u16, String)> {
    let Some(mut section) = db.sections.get(&id).cloned() else {
        return Err((404, format!("Section {id} not found")));
    };
    let before = section.clone();
    apply(db, &mut section, item).map_err(|m| (400, m))?;
    let changed = u64::from(section != before);
    db.put_section(section);
    Ok(changed)
}

pub(crate) fn update_bulk(db: &mut Db, call: &Call) -> Reply {
    by_id::update_many(
        db,
        call,
        "sections",
        "section",
        update_one,
        |db: &Db, call: &Call, id| match db.sections.get(&id) {
            Some(section) => item_answer(call, section),
            None => item_error(404, format!("Section {id} not found")),
        },
    )
}

pub(crate) fn update(db: &mut Db, call: &Call, id: u64) -> Reply {
    by_id::update(db, call, id, update_one)
}

pub(crate) fn delete(db: &mut Db, call: &Call, id: u64) -> Reply {
    by_id::delete_one(db, call, id, Db::remove_section)
}

pub(crate) fn delete_bulk(db: &mut Db, call: &Call) -> Reply {
    by_id::delete_many(
        db,
        call,
        "section_ids",
        "section",
        "Section",
        Db::remove_section,
    )
}
