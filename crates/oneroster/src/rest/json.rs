//! OneRoster JSON entities turned into [`crate::model`] records. Booleans
//! may be the strings `"true"`/`"false"` or JSON booleans; references are
//! GUIDRefs whose `sourcedId` is taken. A malformed entity is a problem
//! located by endpoint and index. A REST read is a full read, so
//! `dateLastModified` is metadata: one that is not ISO 8601 is a warning.

use chrono::NaiveDate;
use serde_json::Value;

use crate::model::{Class, Course, Enrollment, Keyed, Meta, Org, Role, Session, User};
use crate::problem::{Fault, Notes, Sink, reason};

/// One entity of a collection, with its location for problems.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entity<'a> {
    value: &'a Value,
    endpoint: &'a str,
    index: usize,
    notes: &'a Notes,
}

type Result<T> = std::result::Result<T, Fault>;

fn bad(key: &str, message: String) -> Fault {
    Fault::new(key, reason::BAD_VALUE, message)
}

impl<'a> Entity<'a> {
    /// The endpoint and index.
    fn location(&self) -> String {
        format!("{} index {}", self.endpoint, self.index)
    }

    fn opt(&self, key: &str) -> Option<&'a str> {
        match self.value.get(key)? {
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    fn req(&self, key: &str) -> Result<&'a str> {
        self.opt(key).ok_or_else(|| Fault::blank(key))
    }

    fn date(&self, key: &str) -> Result<Option<NaiveDate>> {
        self.opt(key)
            .map(|v| {
                // Some providers send date-times where dates are due.
                let day = v.get(..10).unwrap_or(v);
                NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map_err(|_| bad(key, format!("{key} {v:?} is not a YYYY-MM-DD date")))
            })
            .transpose()
    }

    fn req_date(&self, key: &str) -> Result<NaiveDate> {
        self.date(key)?.ok_or_else(|| Fault::blank(key))
    }

    fn flag(&self, key: &str, default: bool) -> Result<bool> {
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(other) => Err(bad(key, format!("{key} {other} is neither true nor false"))),
        }
    }

    fn strings(&self, key: &str) -> Vec<String> {
        match self.value.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => crate::csv::split_list(s),
            _ => Vec::new(),
        }
    }

    fn reference(value: &Value) -> Option<String> {
        value
            .get("sourcedId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn ref_opt(&self, key: &str) -> Option<String> {
        self.value.get(key).and_then(Self::reference)
    }

    fn ref_req(&self, key: &str) -> Result<String> {
        self.ref_opt(key).ok_or_else(|| Fault::blank(key))
    }

    fn refs(&self, key: &str) -> Vec<String> {
        match self.value.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(Self::reference).collect(),
            _ => Vec::new(),
        }
    }

    fn meta(&self) -> Result<Meta> {
        Meta::read(
            self.opt("sourcedId"),
            self.opt("status"),
            self.opt("dateLastModified"),
            false,
            self.location(),
            self.notes,
        )
    }
}

/// Maps every entity of `items` (read from `endpoint`) with `read`; one
/// that fails is an unreadable problem. Two entities with the same
/// sourcedId are both unreadable.
pub(crate) fn read_all<T: Keyed>(
    endpoint: &str,
    items: &[Value],
    sink: &mut Sink<'_>,
    read: impl Fn(Entity<'_>) -> Result<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    for (index, value) in items.iter().enumerate() {
        let notes = Notes::default();
        let entity = Entity {
            value,
            endpoint,
            index,
            notes: &notes,
        };
        let at = entity.location();
        let key = entity.opt("sourcedId");
        if let Some(read) = sink.settle(read(entity), &notes, T::KIND, &at, key, T::FAILURE) {
            out.push(read);
        }
    }
    sink.unique(out)
}

pub(crate) fn org(e: Entity<'_>) -> Result<Org> {
    Ok(Org {
        meta: e.meta()?,
        name: e.req("name")?.to_owned(),
        kind: e.req("type")?.to_owned(),
        identifier: e.opt("identifier").map(str::to_owned),
    })
}

pub(crate) fn session(e: Entity<'_>) -> Result<Session> {
    let school_year = match e.value.get("schoolYear") {
        Some(Value::Number(n)) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        bad(
            "schoolYear",
            "schoolYear is missing or not a year".to_owned(),
        )
    })?;
    Ok(Session {
        meta: e.meta()?,
        title: e.req("title")?.to_owned(),
        kind: e.req("type")?.to_owned(),
        start: e.req_date("startDate")?,
        end: e.req_date("endDate")?,
        parent: e.ref_opt("parent"),
        school_year,
    })
}

pub(crate) fn course(e: Entity<'_>) -> Result<Course> {
    Ok(Course {
        meta: e.meta()?,
        title: e.req("title")?.to_owned(),
        code: e.opt("courseCode").map(str::to_owned),
        grades: e.strings("grades"),
        org: e.ref_opt("org"),
        school_year: e.ref_opt("schoolYear"),
        subjects: e.strings("subjects"),
    })
}

pub(crate) fn class(e: Entity<'_>) -> Result<Class> {
    Ok(Class {
        meta: e.meta()?,
        title: e.req("title")?.to_owned(),
        code: e.opt("classCode").map(str::to_owned),
        course: e.ref_req("course")?,
        school: e.ref_req("school")?,
        terms: e.refs("terms"),
        periods: e.strings("periods"),
        location: e.opt("location").map(str::to_owned),
    })
}

/// A user: 1.1 `role` + `orgs[]`, or 1.2 `roles[]` with `primaryOrg`.
pub(crate) fn user(e: Entity<'_>) -> Result<User> {
    let mut roles = Vec::new();
    if let Some(Value::Array(items)) = e.value.get("roles") {
        for item in items {
            let role = item
                .get("role")
                .and_then(Value::as_str)
                .ok_or_else(|| Fault::blank("roles.role"))?;
            roles.push(Role {
                role: role.to_owned(),
                primary: item.get("roleType").and_then(Value::as_str) != Some("secondary"),
                org: item.get("org").and_then(Entity::reference),
            });
        }
    } else if let Some(role) = e.opt("role") {
        let orgs = e.refs("orgs");
        if orgs.is_empty() {
            roles.push(Role {
                role: role.to_owned(),
                primary: true,
                org: None,
            });
        }
        roles.extend(orgs.into_iter().map(|org| Role {
            role: role.to_owned(),
            primary: true,
            org: Some(org),
        }));
    }
    Ok(User {
        meta: e.meta()?,
        enabled: e.flag("enabledUser", true)?,
        username: e.opt("username").map(str::to_owned),
        given: e.req("givenName")?.to_owned(),
        family: e.req("familyName")?.to_owned(),
        middle: e.opt("middleName").map(str::to_owned),
        preferred_given: e.opt("preferredFirstName").map(str::to_owned),
        email: e.opt("email").map(str::to_owned),
        roles,
        primary_org: e.ref_opt("primaryOrg"),
        agents: e.refs("agents"),
        grades: e.strings("grades"),
    })
}

pub(crate) fn enrollment(e: Entity<'_>) -> Result<Enrollment> {
    Ok(Enrollment {
        meta: e.meta()?,
        class: e.ref_req("class")?,
        school: e.ref_req("school")?,
        user: e.ref_req("user")?,
        role: e.req("role")?.to_owned(),
        primary: e.flag("primary", false)?,
        begin: e.date("beginDate")?,
        end: e.date("endDate")?,
    })
}
