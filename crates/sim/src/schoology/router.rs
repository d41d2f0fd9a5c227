//! The one handler behind every path: counting, OAuth, the rate limit, then
//! dispatch by method and path to the endpoint modules.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::db::Db;
use super::meter::Meter;
use super::oauth::{Signed, Verifier, base_uri};
use super::wire::{Call, Reply, parse_query};
use super::{courses, directory, enrollments, grades, sections, users};

/// The largest request body taken.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The simulator's state, shared by the handler and the test handle.
pub(crate) struct Shared {
    pub(crate) db: Mutex<Db>,
    pub(crate) verifier: Mutex<Verifier>,
    pub(crate) meter: Mutex<Meter>,
    /// A write whose answer is never sent, when a test arms one.
    pub(crate) hold: super::hold::Hold,
}

/// Locks a mutex; a panic elsewhere while holding it leaves data a test can still read.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The route pattern of a path: numeric segments become `{id}`, the
/// segment after `ext` becomes `{code}`.
pub(crate) fn route_name(segments: &[String]) -> String {
    let mut parts = Vec::with_capacity(segments.len());
    let mut after_ext = false;
    for segment in segments {
        let part = if after_ext {
            "{code}"
        } else if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            "{id}"
        } else {
            segment.as_str()
        };
        after_ext = segment == "ext";
        parts.push(part.to_owned());
    }
    parts.join("/")
}

/// The handler.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let segments: Vec<String> = path
        .strip_prefix("/v1")
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let route = route_name(&segments);
    lock(&shared.meter).request(&method, &route);

    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let signed = Signed {
        method: &method,
        base_uri: base_uri(&host, &path),
        query: &raw_query,
        authorization,
    };
    let verified = lock(&shared.verifier).verify(&signed);
    let caller = match verified {
        Ok(caller) => caller,
        Err(message) => {
            lock(&shared.meter).counters.unauthorized += 1;
            return Reply::text(StatusCode::UNAUTHORIZED, message).into_response();
        }
    };
    let write = !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
    if let Err(wait) = lock(&shared.meter).admit(&caller.key, write) {
        return Reply::too_many(wait).into_response();
    }
    if !path.starts_with("/v1/") {
        return Reply::not_found().into_response();
    }

    let json_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Reply::bad_request("Request body too large").into_response();
    };
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else if !json_type {
        return Reply::empty(StatusCode::UNSUPPORTED_MEDIA_TYPE).into_response();
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(value) => value,
            Err(_) => return Reply::bad_request("Malformed JSON body").into_response(),
        }
    };
    let run_as = parts
        .headers
        .get("x-schoology-run-as")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let mut call = Call {
        method,
        segments,
        query: parse_query(&raw_query),
        body,
        base: format!("http://{host}/v1"),
        actor: caller.user,
        admin: caller.admin,
    };
    let reply = {
        let mut db = lock(&shared.db);
        match run_as {
            Some(uid) => match impersonate(&db, &mut call, &uid) {
                Ok(()) => dispatch(&mut db, &call),
                Err(reply) => reply,
            },
            None => dispatch(&mut db, &call),
        }
    };
    if write && (reply.written > 0 || reply.deleted > 0) {
        let mut meter = lock(&shared.meter);
        meter.counters.writes += 1;
        meter.counters.records_written += reply.written;
        meter.counters.deletes += reply.deleted;
    }
    if write {
        shared.hold.after_write(&call.method, &route).await;
    }
    reply.into_response()
}

/// `X-Schoology-Run-As`: a System Administrator's key acting as another
/// user (a teacher entering grades, say); anyone else gets 403.
fn impersonate(db: &Db, call: &mut Call, uid: &str) -> Result<(), Reply> {
    if !call.admin {
        return Err(Reply::forbidden());
    }
    let user = uid
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| db.users.get(&id))
        .filter(|u| u.active)
        .ok_or_else(Reply::forbidden)?;
    call.actor = user.id;
    call.admin = db
        .role(&user.role_id)
        .is_some_and(|r| super::is_admin_title(&r.title));
    Ok(())
}

/// Runs `f` with a numeric id, or answers 404.
fn by_id(id: Option<u64>, f: impl FnOnce(u64) -> Reply) -> Reply {
    id.map_or_else(Reply::not_found, f)
}

fn dispatch(db: &mut Db, call: &Call) -> Reply {
    let segs: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let n: Vec<Option<u64>> = segs.iter().map(|s| s.parse().ok()).collect();
    let id = |i: usize| n.get(i).copied().flatten();
    match (call.method.as_str(), segs.as_slice()) {
        ("GET", ["app-user-info"]) => users::app_user_info(call),
        ("GET", ["users", "me"]) => users::me(call),
        ("GET", ["users", "inactive"]) => users::inactive(db, call),
        ("GET", ["users", "ext", uid]) => users::ext(db, call, uid),
        ("GET", ["users"]) => users::list(db, call),
        ("POST", ["users"]) => users::create(db, call),
        ("PUT", ["users"]) => users::update_bulk(db, call),
        ("DELETE", ["users"]) => users::delete_bulk(db, call),
        ("POST", ["users", "import", "associations", "parents"]) => {
            users::parent_associations(db, call)
        }
        ("GET", ["users", _]) => by_id(id(1), |i| users::get(db, call, i)),
        ("PUT", ["users", _]) => by_id(id(1), |i| users::update(db, call, i)),
        ("DELETE", ["users", _]) => by_id(id(1), |i| users::delete(db, call, i)),

        ("GET", ["schools"]) => directory::schools(db, call),
        ("GET", ["schools", school]) => directory::school(db, call, school),
        ("GET", ["schools", school, "buildings"]) => directory::buildings(db, call, school),
        ("GET", ["roles"]) => directory::roles(db, call),
        ("GET", ["roles", role]) => directory::role(db, call, role),
        ("GET", ["gradingperiods"]) => directory::grading_periods(db, call),
        ("POST", ["gradingperiods"]) => directory::create_grading_period(db, call),
        ("GET", ["gradingperiods", _]) => by_id(id(1), |i| directory::grading_period(db, call, i)),
        ("PUT", ["gradingperiods", _]) => {
            by_id(id(1), |i| directory::update_grading_period(db, call, i))
        }
        ("DELETE", ["gradingperiods", _]) => {
            by_id(id(1), |i| directory::delete_grading_period(db, call, i))
        }

        ("GET", ["courses"]) => courses::list(db, call),
        ("POST", ["courses"]) => courses::create(db, call),
        ("PUT", ["courses"]) => courses::update_bulk(db, call),
        ("DELETE", ["courses"]) => courses::delete_bulk(db, call),
        ("GET", ["courses", _]) => by_id(id(1), |i| courses::get(db, call, i)),
        ("PUT", ["courses", _]) => by_id(id(1), |i| courses::update(db, call, i)),
        ("DELETE", ["courses", _]) => by_id(id(1), |i| courses::delete(db, call, i)),
        ("GET", ["courses", _, "sections"]) => {
            by_id(id(1), |i| sections::list_in_course(db, call, i))
        }
        ("POST", ["courses", _, "sections"]) => by_id(id(1), |i| sections::create(db, call, i)),

        ("GET", ["sections"]) => sections::list_by_codes(db, call),
        ("PUT", ["sections"]) => sections::update_bulk(db, call),
        ("DELETE", ["sections"]) => sections::delete_bulk(db, call),
        ("GET", ["sections", _]) => by_id(id(1), |i| sections::get(db, call, i)),
        ("PUT", ["sections", _]) => by_id(id(1), |i| sections::update(db, call, i)),
        ("DELETE", ["sections", _]) => by_id(id(1), |i| sections::delete(db, call, i)),
        (_, ["sections", _, ..]) => by_id(id(1), |s| section_realm(db, call, &segs, s, id(3))),

        ("POST", ["enrollments", "import", "course"]) => enrollments::import(db, call),
        ("DELETE", ["enrollments"]) => enrollments::delete_bulk(db, call),
        _ => Reply::not_found(),
    }
}

/// `sections/{id}/...`: enrollments and the gradebook.
fn section_realm(db: &mut Db, call: &Call, segs: &[&str], s: u64, sub: Option<u64>) -> Reply {
    match (call.method.as_str(), segs.get(2..).unwrap_or(&[])) {
        ("GET", ["enrollments"]) => enrollments::list(db, call, s),
        ("POST", ["enrollments"]) => enrollments::create(db, call, s),
        ("PUT", ["enrollments"]) => enrollments::update_bulk(db, call, s),
        ("GET", ["enrollments", _]) => by_id(sub, |e| enrollments::get(db, call, s, e)),
        ("PUT", ["enrollments", _]) => by_id(sub, |e| enrollments::update(db, call, s, e)),
        ("DELETE", ["enrollments", _]) => by_id(sub, |e| enrollments::delete(db, call, s, e)),
        ("GET", ["assignments"]) => grades::assignments(db, call, s),
        ("POST", ["assignments"]) => grades::create_assignment(db, call, s),
        ("GET", ["assignments", _]) => by_id(sub, |a| grades::assignment(db, call, s, a)),
        ("GET", ["grading_categories"]) => grades::categories(db, call, s),
        ("POST", ["grading_categories"]) => grades::create_categories(db, call, s),
        ("GET", ["grading_scales"]) => grades::scales(db, call, s),
        ("GET", ["grades"]) => grades::section_grades(db, call, s),
        ("GET", ["grading_periods"]) => directory::section_periods(db, call, s),
        ("PUT", ["grades"]) => grades::set_grades(db, call, s),
        _ => Reply::not_found(),
    }
}
