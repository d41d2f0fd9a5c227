//! Users: lists, the acting user and its redirects, single and bulk writes
//! with `update_existing` and the e-mail conflict options, deactivation, and
//! parent associations.

use serde_json::{Value, json};

use super::by_id;
use super::db::{Db, now_secs};
use super::directory::role_value;
use super::limits;
use super::model::{ParentLink, User};
use super::wire::{
    BULK_LIMIT, Call, Reply, Total, bit, bulk_items, flag, has, ids, int, item_error, or_empty,
    page_iter, page_with, text,
};

pub(crate) fn user_json(db: &Db, call: &Call, user: &User) -> Value {
    let first = user
        .name_first_preferred
        .as_deref()
        .unwrap_or(&user.name_first);
    let parents: Vec<String> = db.parents_of(user.id).map(|p| p.to_string()).collect();
    let children: Vec<String> = db.children_of(user.id).map(|c| c.to_string()).collect();
    json!({
        "uid": user.id.to_string(),
        "id": user.id,
        "school_id": db.school_id,
        "building_id": user.building_id,
        "school_uid": or_empty(user.school_uid.as_ref()),
        "name_title": "",
        "name_title_show": 0,
        "name_first": user.name_first,
        "name_first_preferred": or_empty(user.name_first_preferred.as_ref()),
        "use_preferred_first_name": if user.name_first_preferred.is_some() { "1" } else { "0" },
        "name_middle": or_empty(user.name_middle.as_ref()),
        "name_middle_show": 0,
        "name_last": user.name_last,
        "name_display": format!("{first} {}", user.name_last),
        "username": or_empty(user.username.as_ref()),
        "primary_email": or_empty(user.primary_email.as_ref()),
        "picture_url": "",
        "gender": null,
        "position": null,
        "grad_year": user.grad_year.map_or_else(String::new, |y| y.to_string()),
        "role_id": role_value(&user.role_id),
        "tz_offset": 0,
        "tz_name": "America/New_York",
        "synced": bit(user.synced),
        "additional_buildings": user.additional_buildings.join(","),
        "parent_uids": parents.join(","),
        "child_uids": children.join(","),
        "send_message": 0,
        "links": { "self": call.link(&format!("users/{}", user.id)) },
    })
}

pub(crate) fn list(db: &Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let building = call.param("building_id");
    let roles = call.list("role_ids");
    let uids = call.list("school_uids");
    if uids.as_ref().is_some_and(|u| u.len() > BULK_LIMIT) {
        return Reply::bad_request(format!("At most {BULK_LIMIT} school_uids"));
    }
    let render = |u: &User| user_json(db, call, u);
    if let (Some(b), None, None) = (building, &roles, &uids) {
        // The common case without a scan: the building's active users.
        let ids = db.active_in_building(b);
        let count = ids.map_or(0, std::collections::BTreeSet::len);
        // Skip over ids, and look up only the users shown.
        let render_id = |id: &u64| db.users.get(id).map_or(Value::Null, &render);
        let ids = ids.into_iter().flatten();
        let page = page_iter(call, "users", "user", count, ids, render_id, Total::Text);
        return Reply::ok(page);
    }
    let candidates: Box<dyn Iterator<Item = &User>> = match &uids {
        Some(list) => {
            let mut ids: Vec<u64> = list
                .iter()
                .filter_map(|u| db.user_by_school_uid(u))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            Box::new(ids.into_iter().filter_map(|id| db.users.get(&id)))
        }
        None => Box::new(db.users.values()),
    };
    let items: Vec<&User> = candidates
        .filter(|u| u.active)
        .filter(|u| building.is_none_or(|b| u.building_id == b))
        .filter(|u| roles.as_ref().is_none_or(|r| r.contains(&u.role_id)))
        .collect();
    let count = items.len();
    let page = page_iter(
        call,
        "users",
        "user",
        count,
        items.into_iter(),
        render,
        Total::Text,
    );
    Reply::ok(page)
}

/// `users/inactive`: deactivated users.
pub(crate) fn inactive(db: &Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let items: Vec<&User> = db.users.values().filter(|u| !u.active).collect();
    let render = |u: &&User| {
        json!({
            "uid": u.id,
            "name": format!("{} {}", u.name_first, u.name_last),
            "school_uid": or_empty(u.school_uid.as_ref()),
            "synced": bit(u.synced),
            "inactive_timestamp": 0,
            "modified_by_uid": call.actor,
        })
    };
    let reply = page_with(
        call,
        "users/inactive",
        "user",
        &items,
        render,
        Total::Number,
    );
    Reply::ok(reply)
}

pub(crate) fn get(db: &Db, call: &Call, id: u64) -> Reply {
    match db.users.get(&id).filter(|u| u.active) {
        Some(user) => Reply::ok(user_json(db, call, user)),
        None => Reply::not_found(),
    }
}

pub(crate) fn me(call: &Call) -> Reply {
    Reply::see_other(call.link(&format!("users/{}", call.actor)))
}

pub(crate) fn ext(db: &Db, call: &Call, school_uid: &str) -> Reply {
    match db.active_user_by_school_uid(school_uid) {
        Some(user) => Reply::see_other(call.link(&format!("users/{}", user.id))),
        None => Reply::not_found(),
    }
}

pub(crate) fn app_user_info(call: &Call) -> Reply {
    Reply::ok(json!({ "web_session_timestamp": now_secs(), "api_uid": call.actor }))
}

/// The bulk-write options of a request.
#[derive(Clone, Copy)]
struct Options {
    update_existing: bool,
    ignore_email_conflicts: bool,
    resolution: i64,
}

impl Options {
    fn of(call: &Call) -> Self {
        Options {
            update_existing: call.flag("update_existing"),
            ignore_email_conflicts: call.flag("ignore_email_conflicts"),
            resolution: call
                .param("email_conflict_resolution")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
        }
    }
}

/// Sets the fields `item` carries on `user`; the e-mail through the conflict rules.
fn apply(
    db: &mut Db,
    user: &mut User,
    item: &Value,
    options: Options,
    creating: bool,
) -> Result<(), String> {
    limits::check(item, limits::USER)?;
    let optional = |name: &str, field: &mut Option<String>| {
        if has(item, name) {
            *field = text(item, name);
        }
    };
    if let Some(uid) = text(item, "school_uid") {
        if db
            .user_by_school_uid(&uid)
            .is_some_and(|other| other != user.id)
        {
            return Err(format!("A user with the unique ID {uid} already exists"));
        }
        user.school_uid = Some(uid);
    }
    if let Some(first) = text(item, "name_first") {
        user.name_first = first;
    }
    if let Some(last) = text(item, "name_last") {
        user.name_last = last;
    }
    optional("name_first_preferred", &mut user.name_first_preferred);
    optional("name_middle", &mut user.name_middle);
    if has(item, "grad_year") {
        user.grad_year = int(item, "grad_year");
    }
    if let Some(role) = text(item, "role_id") {
        if db.role(&role).is_none() {
            return Err(format!("Invalid role: {role}"));
        }
        user.role_id = role;
    }
    if let Some(building) = text(item, "building_id") {
        if !db.is_building(&building) {
            return Err(format!("Invalid building: {building}"));
        }
        user.building_id = building;
    }
    if let Some(others) = ids(item, "additional_buildings") {
        if let Some(bad) = others.iter().find(|b| !db.is_building(b)) {
            return Err(format!("Invalid building: {bad}"));
        }
        user.additional_buildings = others;
    }
    if let Some(synced) = flag(item, "synced") {
        user.synced = synced;
    }
    if let Some(username) = text(item, "username") {
        if db.username_taken(&username, Some(user.id)) {
            return Err(format!("The username {username} is already taken"));
        }
        user.username = Some(username);
    }
    if has(item, "primary_email") {
        match text(item, "primary_email") {
            None => user.primary_email = None,
            Some(email) if user.primary_email.as_deref() == Some(email.as_str()) => {}
            Some(email) => email_rules(db, user, email, options)?,
        }
    }
    if creating {
        if user.name_first.is_empty() || user.name_last.is_empty() || user.role_id.is_empty() {
            return Err("name_first, name_last and role_id are required".into());
        }
        if user.school_uid.is_none() {
            return Err("school_uid is required".into());
        }
        if user.username.is_none() && user.primary_email.is_none() {
            return Err("A username or a primary_email is required".into());
        }
    }
    Ok(())
}

fn email_rules(
    db: &mut Db,
    user: &mut User,
    email: String,
    options: Options,
) -> Result<(), String> {
    let in_district = db.email_owner(&email, Some(user.id)).is_some();
    let foreign = db.foreign_emails.contains(&email.to_lowercase());
    if !in_district && !foreign {
        user.primary_email = Some(email);
        return Ok(());
    }
    if options.resolution == 1 {
        let local = email.split('@').next().unwrap_or(&email).to_owned();
        user.username = Some(free_username(db, &local, user.id));
        user.primary_email = None;
        return Ok(());
    }
    if foreign && options.resolution == 2 {
        db.foreign_emails.remove(&email.to_lowercase());
        user.primary_email = Some(email);
        return Ok(());
    }
    if foreign && options.ignore_email_conflicts {
        if user.username.is_none() {
            let base = user
                .school_uid
                .clone()
                .unwrap_or_else(|| user.id.to_string());
            user.username = Some(free_username(db, &base, user.id));
        }
        user.primary_email = None;
        return Ok(());
    }
    Err(format!("The email address {email} is already in use"))
}

fn free_username(db: &Db, base: &str, except: u64) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while db.username_taken(&name, Some(except)) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// Creates or (with `update_existing`) updates one record of a bulk POST.
fn upsert(db: &mut Db, call: &Call, item: &Value, options: Options) -> (Value, u64) {
    let existing = text(item, "school_uid").and_then(|uid| db.user_by_school_uid(&uid));
    let (mut user, creating) = match existing {
        Some(id) if options.update_existing => match db.users.get(&id) {
            Some(user) => (user.clone(), false),
            None => return (item_error(404, "Unknown user"), 0),
        },
        Some(_) => {
            let uid = text(item, "school_uid").unwrap_or_default();
            let message = format!("A user with the unique ID {uid} already exists");
            return (item_error(400, message), 0);
        }
        None => (
            User {
                id: 0,
                building_id: db.school_id.clone(),
                active: true,
                ..User::default()
            },
            true,
        ),
    };
    let before = user.clone();
    if creating {
        user.id = u64::MAX;
    }
    if let Err(message) = apply(db, &mut user, item, options, creating) {
        return (item_error(400, message), 0);
    }
    if creating {
        user.id = db.fresh_id();
    }
    user.active = true;
    let written = u64::from(user != before);
    let answer = json!({
        "response_code": 200,
        "location": call.link(&format!("users/{}", user.id)),
        "school_uid": or_empty(user.school_uid.as_ref()),
        "id": user.id.to_string(),
    });
    db.put_user(user);
    (answer, written)
}

pub(crate) fn create(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let options = Options::of(call);
    if !has(&call.body, "users") {
        let (answer, written) = upsert(db, call, &call.body, options);
        if answer["response_code"] != 200 {
            let message = answer["message"]
                .as_str()
                .unwrap_or("Invalid user")
                .to_owned();
            return Reply::bad_request(message);
        }
        let id = text(&answer, "id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        return match db.users.get(&id) {
            Some(user) => Reply::created(user_json(db, call, user)).wrote(written, 0),
            None => Reply::not_found(),
        };
    }
    let items = match bulk_items(&call.body, "users", "user") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut written = 0;
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let (answer, w) = upsert(db, call, item, options);
            written += w;
            answer
        })
        .collect();
    Reply::multi(json!({ "user": answers })).wrote(written, 0)
}

/// Updates one user by id; the answer item and whether it changed.
fn update_one(db: &mut Db, call: &Call, id: u64, item: &Value) -> Result<u64, (u16, String)> {
    let Some(mut user) = db.users.get(&id).filter(|u| u.active).cloned() else {
        return Err((404, format!("User {id} not found")));
    };
    let before = user.clone();
    apply(db, &mut user, item, Options::of(call), false).map_err(|m| (400, m))?;
    let changed = u64::from(user != before);
    db.put_user(user);
    Ok(changed)
}

pub(crate) fn update_bulk(db: &mut Db, call: &Call) -> Reply {
    by_id::update_many(db, call, "users", "user", update_one, |db, call, id| {
        let uid = db.users.get(&id).and_then(|u| u.school_uid.clone());
        json!({
            "response_code": 200,
            "location": call.link(&format!("users/{id}")),
            "id": id.to_string(),
            "school_uid": or_empty(uid.as_ref()),
        })
    })
}

pub(crate) fn update(db: &mut Db, call: &Call, id: u64) -> Reply {
    if !call.admin && call.actor != id {
        return Reply::forbidden();
    }
    match update_one(db, call, id, &call.body) {
        Ok(changed) => Reply::no_content().wrote(changed, 0),
        Err((404, _)) => Reply::not_found(),
        Err((_, message)) => Reply::bad_request(message),
    }
}

/// Deactivates a user; without `option_keep_enrollments=1` its enrollments go too.
fn deactivate(db: &mut Db, call: &Call, id: u64) -> Option<u64> {
    let mut user = db.users.get(&id).filter(|u| u.active)?.clone();
    user.active = false;
    db.put_user(user);
    let mut gone = 1;
    if !call.flag("option_keep_enrollments") {
        let enrollments: Vec<u64> = db
            .enrollments
            .values()
            .filter(|e| e.uid == id)
            .map(|e| e.id)
            .collect();
        for enrollment in enrollments {
            gone += u64::from(db.remove_enrollment(enrollment));
        }
    }
    Some(gone)
}

pub(crate) fn delete(db: &mut Db, call: &Call, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    match deactivate(db, call, id) {
        Some(gone) => Reply::no_content().wrote(0, gone),
        None => Reply::not_found(),
    }
}

pub(crate) fn delete_bulk(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let Some(uids) = call.list("uids") else {
        return Reply::bad_request("uids is required");
    };
    if uids.len() > BULK_LIMIT {
        return Reply::bad_request(format!("At most {BULK_LIMIT} uids"));
    }
    let mut deleted = 0;
    let answers: Vec<Value> = uids
        .iter()
        .map(
            |uid| match uid.parse().ok().and_then(|id| deactivate(db, call, id)) {
                Some(gone) => {
                    deleted += gone;
                    json!({ "response_code": 200, "id": uid })
                }
                None => item_error(404, format!("User {uid} not found")),
            },
        )
        .collect();
    Reply::multi(json!({ "user": answers })).wrote(0, deleted)
}

pub(crate) fn parent_associations(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let items = match bulk_items(&call.body, "associations", "association") {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let (mut written, mut deleted) = (0, 0);
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let student = text(item, "student_school_uid");
            let parent = text(item, "parent_school_uid");
            let find = |uid: &Option<String>| {
                uid.as_deref()
                    .and_then(|uid| db.active_user_by_school_uid(uid))
                    .map(|u| u.id)
            };
            let (Some(child), Some(parent_id)) = (find(&student), find(&parent)) else {
                return item_error(400, "Unknown student_school_uid or parent_school_uid");
            };
            let link = ParentLink {
                parent: parent_id,
                child,
            };
            if flag(item, "delete").unwrap_or(false) {
                deleted += u64::from(db.unlink(link));
            } else {
                written += u64::from(db.link(link));
            }
            json!({
                "response_code": 200,
                "student_school_uid": student,
                "student_uid": child.to_string(),
                "parent_school_uid": parent,
                "parent_uid": parent_id.to_string(),
            })
        })
        .collect();
    Reply::multi(json!({ "association": answers })).wrote(written, deleted)
}
