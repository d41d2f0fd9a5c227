//! Enrollments: lists per section, adds by uid, the import by
//! `section_school_code` + `school_uid` (admin flag, `delete`), updates of
//! status and admin, and removals. Answers use the nested
//! `{"enrollments":{"enrollment":[...]}}` envelope.

use serde_json::{Value, json};

use super::db::Db;
use super::model::Enrollment;
use super::wire::{
    BULK_LIMIT, Call, Reply, Total, bit, bulk_items, flag, has, int, item_error, page_with, text,
};

fn nested(answers: Vec<Value>) -> Value {
    json!({ "enrollments": { "enrollment": answers } })
}

fn location(call: &Call, e: &Enrollment) -> String {
    call.link(&format!("sections/{}/enrollments/{}", e.section_id, e.id))
}

fn enrollment_json(db: &Db, call: &Call, e: &Enrollment) -> Value {
    let user = db.users.get(&e.uid);
    let field = |f: fn(&super::model::User) -> String| user.map(f).unwrap_or_default();
    json!({
        "id": e.id.to_string(),
        "uid": e.uid.to_string(),
        "school_uid": field(|u| u.school_uid.clone().unwrap_or_default()),
        "name_first": field(|u| u.name_first.clone()),
        "name_last": field(|u| u.name_last.clone()),
        "name_display": field(|u| format!("{} {}", u.name_first, u.name_last)),
        "admin": bit(e.admin),
        "status": e.status.to_string(),
        "picture_url": "",
        "links": { "self": location(call, e) },
    })
}

pub(crate) fn list(db: &Db, call: &Call, section: u64) -> Reply {
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    let uids = call.list("uid");
    let statuses = call.list("enrollment_status");
    let kind = call.param("type");
    let items: Vec<&Enrollment> = db
        .section_enrollments(section)
        .filter(|e| uids.as_ref().is_none_or(|u| u.contains(&e.uid.to_string())))
        .filter(|e| {
            statuses
                .as_ref()
                .is_none_or(|s| s.contains(&e.status.to_string()))
        })
        .filter(|e| match kind {
            Some("admin") => e.admin,
            Some("member") => !e.admin,
            _ => true,
        })
        .collect();
    let path = format!("sections/{section}/enrollments");
    let render = |e: &&Enrollment| enrollment_json(db, call, e);
    Reply::ok(page_with(
        call,
        &path,
        "enrollment",
        &items,
        render,
        Total::Text,
    ))
}

pub(crate) fn get(db: &Db, call: &Call, section: u64, id: u64) -> Reply {
    match db.enrollments.get(&id).filter(|e| e.section_id == section) {
        Some(e) => Reply::ok(enrollment_json(db, call, e)),
        None => Reply::not_found(),
    }
}

fn status_of(item: &Value) -> Result<Option<u8>, String> {
    match int(item, "status") {
        None => Ok(None),
        Some(s @ 1..=5) => Ok(u8::try_from(s).ok()),
        Some(s) => Err(format!("Invalid status: {s}")),
    }
}

/// Adds one user to a section; the answer item and whether it wrote.
fn add(db: &mut Db, call: &Call, section: u64, item: &Value) -> Result<(Enrollment, u64), String> {
    let uid = int(item, "uid")
        .and_then(|u| u64::try_from(u).ok())
        .filter(|u| db.users.get(u).is_some_and(|u| u.active))
        .ok_or_else(|| "Unknown or missing uid".to_owned())?;
    let status = status_of(item)?.unwrap_or(1);
    let admin = flag(item, "admin").unwrap_or(false);
    if let Some(id) = db.enrollment_of(section, uid) {
        if !call.flag("update_existing") {
            return Err("The user is already enrolled in this section".into());
        }
        let Some(mut e) = db.enrollments.get(&id).cloned() else {
            return Err("Unknown enrollment".into());
        };
        let before = e.clone();
        e.admin = admin;
        e.status = status;
        let written = u64::from(e != before);
        db.put_enrollment(e.clone());
        return Ok((e, written));
    }
    let enrollment = Enrollment {
        id: db.fresh_id(),
        section_id: section,
        uid,
        admin,
        status,
    };
    db.put_enrollment(enrollment.clone());
    Ok((enrollment, 1))
}

pub(crate) fn create(db: &mut Db, call: &Call, section: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    if !db.sections.contains_key(&section) {
        return Reply::not_found();
    }
    if !has(&call.body, "enrollments") {
        return match add(db, call, section, &call.body) {
            Ok((e, written)) => Reply::created(enrollment_json(db, call, &e)).wrote(written, 0),
            Err(message) => Reply::bad_request(message),
        };
    }
    let items = match bulk_items(&call.body, "enrollments", "enrollment") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers = items
        .iter()
        .map(|item| match add(db, call, section, item) {
            Ok((e, w)) => {
                written += w;
                json!({
                    "response_code": 200,
                    "id": e.id.to_string(),
                    "uid": e.uid,
                    "location": location(call, &e),
                })
            }
            Err(message) => item_error(400, message),
        })
        .collect();
    Reply::multi(nested(answers)).wrote(written, 0)
}

/// Changes status and admin of one enrollment of a section.
fn change(db: &mut Db, section: u64, id: u64, item: &Value) -> Result<u64, (u16, String)> {
    let status = status_of(item).map_err(|m| (400, m))?;
    let admin = flag(item, "admin");
    let Some(e) = db
        .enrollments
        .get_mut(&id)
        .filter(|e| e.section_id == section)
    else {
        return Err((404, format!("Enrollment {id} not found")));
    };
    let before = e.clone();
    if let Some(status) = status {
        e.status = status;
    }
    if let Some(admin) = admin {
        e.admin = admin;
    }
    Ok(u64::from(*e != before))
}

pub(crate) fn update_bulk(db: &mut Db, call: &Call, section: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, "enrollments", "enrollment") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers = items
        .iter()
        .map(|item| {
            let Some(id) = int(item, "id").and_then(|id| u64::try_from(id).ok()) else {
                return item_error(400, "Each enrollment needs an id");
            };
            match change(db, section, id, item) {
                Ok(w) => {
                    written += w;
                    json!({ "response_code": 200, "id": id.to_string() })
                }
                Err((code, message)) => item_error(code, message),
            }
        })
        .collect();
    Reply::multi(nested(answers)).wrote(written, 0)
}

pub(crate) fn update(db: &mut Db, call: &Call, section: u64, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    match change(db, section, id, &call.body) {
        Ok(w) => Reply::no_content().wrote(w, 0),
        Err((404, _)) => Reply::not_found(),
        Err((_, message)) => Reply::bad_request(message),
    }
}

pub(crate) fn delete(db: &mut Db, call: &Call, section: u64, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    if db
        .enrollments
        .get(&id)
        .is_none_or(|e| e.section_id != section)
    {
        return Reply::not_found();
    }
    db.remove_enrollment(id);
    Reply::no_content().wrote(0, 1)
}

pub(crate) fn delete_bulk(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let Some(ids) = call.list("enrollment_ids") else {
        return Reply::bad_request("enrollment_ids is required");
    };
    if ids.len() > BULK_LIMIT {
        return Reply::bad_request(format!("At most {BULK_LIMIT} enrollment_ids"));
    }
    let mut deleted = 0;
    let answers = ids
        .iter()
        .map(|id| {
            if id.parse().is_ok_and(|id| db.remove_enrollment(id)) {
                deleted += 1;
                json!({ "response_code": 200, "id": id })
            } else {
                item_error(404, format!("Enrollment {id} not found"))
            }
        })
        .collect();
    Reply::multi(nested(answers)).wrote(0, deleted)
}

/// One line of `enrollments/import/course`.
fn import_line(db: &mut Db, call: &Call, item: &Value) -> (Value, u64, u64) {
    let code = text(item, "section_school_code");
    let uid = text(item, "school_uid");
    let section = code.as_deref().and_then(|c| db.section_by_code(c));
    let user = uid
        .as_deref()
        .and_then(|u| db.active_user_by_school_uid(u))
        .map(|u| u.id);
    let (Some(section), Some(user)) = (section, user) else {
        let message = match section {
            None => format!(
                "No section has the section school code {}",
                code.unwrap_or_default()
            ),
            Some(_) => format!("No user has the unique ID {}", uid.unwrap_or_default()),
        };
        return (item_error(400, message), 0, 0);
    };
    let (course_code, section_code) = db
        .sections
        .get(&section)
        .map(|s| {
            let course = db.courses.get(&s.course_id).map(|c| c.course_code.clone());
            (
                course.unwrap_or_default(),
                s.section_code.clone().unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let existing = db.enrollment_of(section, user);
    let mut answer = json!({
        "response_code": 200,
        "school_uid": uid,
        "section_school_code": code,
        "course_code": course_code,
        "section_code": section_code,
    });
    if flag(item, "delete").unwrap_or(false) {
        // ASSUMPTION (the public record is silent): removing an enrollment
        // that is not there is refused for that line, as a missing record
        // is elsewhere (404), not answered as done.
        return match existing {
            Some(id) => (answer, 0, u64::from(db.remove_enrollment(id))),
            None => (item_error(404, "Enrollment not found"), 0, 0),
        };
    }
    let admin = flag(item, "admin").unwrap_or(false);
    let (enrollment, written) = match existing.and_then(|id| db.enrollments.get(&id).cloned()) {
        Some(mut e) => {
            let before = e.clone();
            e.admin = admin;
            e.status = 1;
            let written = u64::from(e != before);
            db.put_enrollment(e.clone());
            (e, written)
        }
        None => {
            let e = Enrollment {
                id: db.fresh_id(),
                section_id: section,
                uid: user,
                admin,
                status: 1,
            };
            db.put_enrollment(e.clone());
            (e, 1)
        }
    };
    answer["location"] = Value::String(location(call, &enrollment));
    (answer, written, 0)
}

pub(crate) fn import(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, "enrollments", "enrollment") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let (mut written, mut deleted) = (0, 0);
    let answers = items
        .iter()
        .map(|item| {
            let (answer, w, d) = import_line(db, call, item);
            written += w;
            deleted += d;
            answer
        })
        .collect();
    Reply::multi(nested(answers)).wrote(written, deleted)
}

/// The enrollment ids of a section's members (students).
pub(crate) fn members(db: &Db, section: u64) -> Vec<u64> {
    db.section_enrollments(section)
        .filter(|e| !e.admin)
        .map(|e| e.id)
        .collect()
}
