//! A OneRoster CSV package turned into the JSON collections a REST provider
//! serves: GUIDRefs for references, arrays for lists, `"true"`/`"false"`
//! strings for booleans, 1.1 `role` + `orgs` or 1.2 `roles[]`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::csv;

type Row = BTreeMap<String, String>;

/// The collections of a package, by envelope name (`users`, `orgs` ...).
pub(crate) type Collections = BTreeMap<String, Vec<Value>>;

fn guid(kind: &str, id: &str) -> Value {
    json!({ "sourcedId": id, "type": kind, "href": format!("/{kind}s/{id}") })
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The common fields, and every plain column named in `plain`.
fn base(row: &Row, plain: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut copy = |name: &str| {
        if let Some(v) = row.get(name) {
            out.insert(name.to_owned(), Value::String(v.clone()));
        }
    };
    for name in ["sourcedId", "dateLastModified"].iter().chain(plain) {
        copy(name);
    }
    let status = row.get("status").map_or("active", String::as_str);
    out.insert("status".into(), Value::String(status.to_owned()));
    out
}

fn put_ref(out: &mut Map<String, Value>, row: &Row, column: &str, key: &str, kind: &str) {
    if let Some(id) = row.get(column) {
        out.insert(key.to_owned(), guid(kind, id));
    }
}

fn put_refs(out: &mut Map<String, Value>, row: &Row, column: &str, key: &str, kind: &str) {
    if let Some(ids) = row.get(column) {
        let refs: Vec<Value> = list(ids).iter().map(|id| guid(kind, id)).collect();
        out.insert(key.to_owned(), Value::Array(refs));
    }
}

fn put_list(out: &mut Map<String, Value>, row: &Row, column: &str) {
    if let Some(items) = row.get(column) {
        let items: Vec<Value> = list(items).into_iter().map(Value::String).collect();
        out.insert(column.to_owned(), Value::Array(items));
    }
}

fn put_flag(out: &mut Map<String, Value>, row: &Row, column: &str) {
    if let Some(v) = row.get(column) {
        out.insert(column.to_owned(), Value::String(v.to_ascii_lowercase()));
    }
}

fn read(dir: &Path, name: &str) -> std::io::Result<Vec<Row>> {
    let path = dir.join(format!("{name}.csv"));
    if !path.is_file() {
        return Ok(Vec::new());
    }
    Ok(csv::rows(&String::from_utf8_lossy(&std::fs::read(path)?)))
}

/// Reads the package in `dir`; `modern` serves users with 1.2 `roles[]`.
pub(crate) fn load(dir: &Path, modern: bool) -> std::io::Result<Collections> {
    let mut out = Collections::new();
    let orgs = read(dir, "orgs")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(row, &["name", "type", "identifier"]);
        put_ref(&mut o, row, "parentSourcedId", "parent", "org");
        Value::Object(o)
    });
    out.insert("orgs".into(), orgs.collect());
    let sessions = read(dir, "academicSessions")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(
            row,
            &["title", "type", "startDate", "endDate", "schoolYear"],
        );
        put_ref(&mut o, row, "parentSourcedId", "parent", "academicSession");
        Value::Object(o)
    });
    out.insert("academicSessions".into(), sessions.collect());
    let courses = read(dir, "courses")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(row, &["title", "courseCode"]);
        put_ref(&mut o, row, "orgSourcedId", "org", "org");
        put_ref(
            &mut o,
            row,
            "schoolYearSourcedId",
            "schoolYear",
            "academicSession",
        );
        put_list(&mut o, row, "grades");
        put_list(&mut o, row, "subjects");
        Value::Object(o)
    });
    out.insert("courses".into(), courses.collect());
    let classes = read(dir, "classes")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(row, &["title", "classCode", "classType", "location"]);
        put_ref(&mut o, row, "courseSourcedId", "course", "course");
        put_ref(&mut o, row, "schoolSourcedId", "school", "org");
        put_refs(&mut o, row, "termSourcedIds", "terms", "academicSession");
        put_list(&mut o, row, "periods");
        put_list(&mut o, row, "grades");
        put_list(&mut o, row, "subjects");
        Value::Object(o)
    });
    out.insert("classes".into(), classes.collect());
    let mut roles: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for row in read(dir, "roles")? {
        if let (Some(user), Some(org)) = (row.get("userSourcedId"), row.get("orgSourcedId")) {
            roles.entry(user.clone()).or_default().push(json!({
                "roleType": row.get("roleType").map_or("primary", String::as_str),
                "role": row.get("role").map_or("", String::as_str),
                "org": guid("org", org),
            }));
        }
    }
    let users = read(dir, "users")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(
            row,
            &[
                "username",
                "givenName",
                "familyName",
                "middleName",
                "identifier",
                "email",
            ],
        );
        put_flag(&mut o, row, "enabledUser");
        put_refs(&mut o, row, "agentSourcedIds", "agents", "user");
        put_list(&mut o, row, "grades");
        if let Some(preferred) = row.get("preferredGivenName") {
            o.insert(
                "preferredFirstName".into(),
                Value::String(preferred.clone()),
            );
        }
        put_ref(&mut o, row, "primaryOrgSourcedId", "primaryOrg", "org");
        let role = row.get("role");
        let orgs = row
            .get("orgSourcedIds")
            .map(|o| list(o))
            .unwrap_or_default();
        if modern {
            let mut held = roles
                .remove(row.get("sourcedId").map_or("", String::as_str))
                .unwrap_or_default();
            if let Some(role) = role {
                held.extend(orgs.iter().map(
                    |org| json!({"roleType": "primary", "role": role, "org": guid("org", org)}),
                ));
            }
            o.insert("roles".into(), Value::Array(held));
        } else {
            if let Some(role) = role {
                o.insert("role".into(), Value::String(role.clone()));
            }
            o.insert(
                "orgs".into(),
                orgs.iter().map(|id| guid("org", id)).collect(),
            );
        }
        Value::Object(o)
    });
    out.insert("users".into(), users.collect());
    let enrollments = read(dir, "enrollments")?.into_iter().map(|row| {
        let row = &row;
        let mut o = base(row, &["role", "beginDate", "endDate"]);
        put_ref(&mut o, row, "classSourcedId", "class", "class");
        put_ref(&mut o, row, "schoolSourcedId", "school", "org");
        put_ref(&mut o, row, "userSourcedId", "user", "user");
        put_flag(&mut o, row, "primary");
        Value::Object(o)
    });
    out.insert("enrollments".into(), enrollments.collect());
    Ok(out)
}
