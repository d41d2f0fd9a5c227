//! Schools and buildings, roles and grading periods.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::db::{Db, today};
use super::limits;
use super::model::GradingPeriod;
use super::wire::{Call, Reply, Total, id_number, page, text};

fn school_json(call: &Call, id: &str, title: &str, code: Option<&str>) -> Value {
    json!({
        "id": id,
        "title": title,
        "address1": "",
        "address2": null,
        "city": "",
        "state": "",
        "postal_code": null,
        "country": null,
        "website": "",
        "phone": null,
        "fax": null,
        "building_code": code.unwrap_or(""),
        "picture_url": "",
        "links": { "self": call.link(&format!("schools/{id}")) },
    })
}

pub(crate) fn schools(db: &Db, call: &Call) -> Reply {
    let items = vec![school_json(call, &db.school_id, &db.school_title, None)];
    Reply::ok(page(call, "schools", "school", items, Total::Number))
}

pub(crate) fn school(db: &Db, call: &Call, id: &str) -> Reply {
    if id == db.school_id {
        return Reply::ok(school_json(call, id, &db.school_title, None));
    }
    match db.buildings.iter().find(|b| b.id.as_str() == id) {
        Some(b) => Reply::ok(school_json(call, id, &b.title, b.code.as_deref())),
        None => Reply::not_found(),
    }
}

pub(crate) fn buildings(db: &Db, call: &Call, id: &str) -> Reply {
    if id != db.school_id {
        return Reply::not_found();
    }
    let items = db
        .buildings
        .iter()
        .map(|b| school_json(call, b.id.as_str(), &b.title, b.code.as_deref()))
        .collect();
    let path = format!("schools/{id}/buildings");
    Reply::ok(page(call, &path, "building", items, Total::Number))
}

fn role_json(call: &Call, role: &super::db::Role) -> Value {
    json!({
        "id": role.id,
        "title": role.title,
        "faculty": u8::from(role.faculty),
        "role_type": 1,
        "links": { "self": call.link(&format!("roles/{}", role.id)) },
    })
}

pub(crate) fn roles(db: &Db, call: &Call) -> Reply {
    let items = db.roles.iter().map(|r| role_json(call, r)).collect();
    Reply::ok(page(call, "roles", "role", items, Total::Number))
}

pub(crate) fn role(db: &Db, call: &Call, id: &str) -> Reply {
    match db.role(id) {
        Some(role) => Reply::ok(role_json(call, role)),
        None => Reply::not_found(),
    }
}

fn period_json(call: &Call, period: &GradingPeriod) -> Value {
    let today = today();
    let active = period.start <= today && today <= period.end;
    json!({
        "id": period.id,
        "title": period.title,
        "start": period.start.format("%Y-%m-%d").to_string(),
        "end": period.end.format("%Y-%m-%d").to_string(),
        "active": if active { "1" } else { "0" },
        "links": { "self": call.link(&format!("gradingperiods/{}", period.id)) },
    })
}

pub(crate) fn grading_periods(db: &Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let title = call.param("title");
    let prefix = call.flag("startswith");
    let items = db
        .grading_periods
        .values()
        .filter(|p| match title {
            None => true,
            Some(t) if prefix => p.title.starts_with(t),
            Some(t) => p.title == t,
        })
        .map(|p| period_json(call, p))
        .collect();
    Reply::ok(page(
        call,
        "gradingperiods",
        "gradingperiods",
        items,
        Total::Number,
    ))
}

pub(crate) fn grading_period(db: &Db, call: &Call, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    match db.grading_periods.get(&id) {
        Some(p) => Reply::ok(period_json(call, p)),
        None => Reply::not_found(),
    }
}

fn date(value: &Value, name: &str) -> Result<Option<NaiveDate>, Reply> {
    match text(value, name) {
        None => Ok(None),
        Some(s) => {
            let day = s.get(..10).unwrap_or(&s);
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| Reply::bad_request(format!("Invalid {name} date: {s}")))
        }
    }
}

fn title_taken(db: &Db, title: &str, except: Option<u64>) -> bool {
    db.grading_periods
        .values()
        .any(|p| Some(p.id) != except && p.title == title)
}

pub(crate) fn create_grading_period(db: &mut Db, call: &Call) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let body = &call.body;
    if let Err(message) = limits::check(body, limits::GRADING_PERIOD) {
        return Reply::bad_request(message);
    }
    let (Some(title), Ok(Some(start)), Ok(Some(end))) =
        (text(body, "title"), date(body, "start"), date(body, "end"))
    else {
        return Reply::bad_request("A grading period needs a title, a start and an end date");
    };
    if end < start {
        return Reply::bad_request("The end date must not be before the start date");
    }
    if title_taken(db, &title, None) {
        return Reply::bad_request(format!(
            "A grading period with the title \"{title}\" already exists"
        ));
    }
    let id = db.fresh_id();
    let period = GradingPeriod {
        id,
        title,
        start,
        end,
    };
    let answer = period_json(call, &period);
    db.grading_periods.insert(id, period);
    Reply::created(answer).wrote(1, 0)
}

pub(crate) fn update_grading_period(db: &mut Db, call: &Call, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    let body = &call.body;
    if let Err(message) = limits::check(body, limits::GRADING_PERIOD) {
        return Reply::bad_request(message);
    }
    let (start, end) = match (date(body, "start"), date(body, "end")) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let title = text(body, "title");
    if title
        .as_deref()
        .is_some_and(|t| title_taken(db, t, Some(id)))
    {
        return Reply::bad_request("A grading period with this title already exists");
    }
    let Some(period) = db.grading_periods.get_mut(&id) else {
        return Reply::not_found();
    };
    let before = period.clone();
    if let Some(title) = title {
        period.title = title;
    }
    period.start = start.unwrap_or(period.start);
    period.end = end.unwrap_or(period.end);
    let changed = u64::from(*period != before);
    Reply::no_content().wrote(changed, 0)
}

pub(crate) fn delete_grading_period(db: &mut Db, call: &Call, id: u64) -> Reply {
    if !call.admin {
        return Reply::forbidden();
    }
    if !db.grading_periods.contains_key(&id) {
        return Reply::not_found();
    }
    if db
        .sections
        .values()
        .any(|s| s.grading_periods.contains(&id))
    {
        return Reply::bad_request("Sections still use this grading period");
    }
    db.grading_periods.remove(&id);
    Reply::no_content().wrote(0, 1)
}

/// `sections/{id}/grading_periods`, with datetime strings as Schoology writes them here.
pub(crate) fn section_periods(db: &Db, call: &Call, section: u64) -> Reply {
    let Some(s) = db.sections.get(&section) else {
        return Reply::not_found();
    };
    let weight = 100 / s.grading_periods.len().max(1);
    let items: Vec<Value> = s
        .grading_periods
        .iter()
        .filter_map(|id| db.grading_periods.get(id))
        .map(|p| {
            json!({
                "id": p.id,
                "title": p.title,
                "weight": weight,
                "start": format!("{} 00:00:00", p.start.format("%Y-%m-%d")),
                "end": format!("{} 00:00:00", p.end.format("%Y-%m-%d")),
            })
        })
        .collect();
    let path = format!("sections/{section}/grading_periods");
    Reply::ok(page(call, &path, "grading_period", items, Total::Number))
}

/// The grading period ids of a record, each known to the district.
pub(crate) fn known_periods(db: &Db, ids: &[String]) -> Result<Vec<u64>, String> {
    ids.iter()
        .map(|id| {
            id.parse::<u64>()
                .ok()
                .filter(|id| db.grading_periods.contains_key(id))
                .ok_or_else(|| format!("Invalid grading period: {id}"))
        })
        .collect()
}

/// A role id written as a number where it is numeric.
pub(crate) fn role_value(id: &str) -> Value {
    id_number(id)
}
