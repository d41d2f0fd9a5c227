//! Rows of each OneRoster CSV file turned into [`crate::model`] records.
//! A blank required cell or a malformed value the mapping uses makes the
//! row unreadable; a malformed value nothing uses is a warning.

use super::table::Row;
use crate::model::{Class, Course, Enrollment, Meta, Org, Role, Session, User};
use crate::problem::{Fault, reason};

pub(crate) fn org(row: Row<'_>) -> Result<Org, Fault> {
    Ok(Org {
        meta: row.meta()?,
        name: row.req("name")?.to_owned(),
        kind: row.req("type")?.to_owned(),
        identifier: row.opt("identifier").map(str::to_owned),
    })
}

pub(crate) fn session(row: Row<'_>) -> Result<Session, Fault> {
    let meta = row.meta()?;
    let year = row.req("schoolYear")?;
    let school_year = year.parse().map_err(|_| {
        Fault::new(
            "schoolYear",
            reason::BAD_VALUE,
            format!("schoolYear {year:?} is not a year"),
        )
    })?;
    let start = row.req_date("startDate")?;
    let end = row.req_date("endDate")?;
    if end < start {
        return Err(Fault::new(
            "endDate",
            reason::BAD_VALUE,
            format!("endDate {end} is before startDate {start}"),
        ));
    }
    Ok(Session {
        meta,
        title: row.req("title")?.to_owned(),
        kind: row.req("type")?.to_owned(),
        start,
        end,
        parent: row.opt("parentSourcedId").map(str::to_owned),
        school_year,
    })
}

pub(crate) fn course(row: Row<'_>) -> Result<Course, Fault> {
    Ok(Course {
        meta: row.meta()?,
        title: row.req("title")?.to_owned(),
        code: row.opt("courseCode").map(str::to_owned),
        grades: row.list("grades"),
        org: row.opt("orgSourcedId").map(str::to_owned),
        school_year: row.opt("schoolYearSourcedId").map(str::to_owned),
        subjects: row.list("subjects"),
    })
}

pub(crate) fn class(row: Row<'_>) -> Result<Class, Fault> {
    Ok(Class {
        meta: row.meta()?,
        title: row.req("title")?.to_owned(),
        code: row.opt("classCode").map(str::to_owned),
        course: row.req("courseSourcedId")?.to_owned(),
        school: row.req("schoolSourcedId")?.to_owned(),
        terms: row.list("termSourcedIds"),
        periods: row.list("periods"),
        location: row.opt("location").map(str::to_owned),
    })
}

/// A user row; `legacy` when the file has the 1.1 `role` and `orgSourcedIds` columns.
pub(crate) fn user(row: Row<'_>, legacy: bool) -> Result<User, Fault> {
    let meta = row.meta()?;
    if let Some(ids) = row.opt("userIds")
        && let Err(fault) = user_ids(ids)
    {
        row.warn(fault);
    }
    let roles = if legacy {
        let role = row.req("role")?.to_owned();
        let orgs = row.list("orgSourcedIds");
        if orgs.is_empty() {
            // Guardians are often exported without an org.
            vec![Role {
                role,
                primary: true,
                org: None,
            }]
        } else {
            orgs.into_iter()
                .map(|org| Role {
                    role: role.clone(),
                    primary: true,
                    org: Some(org),
                })
                .collect()
        }
    } else {
        Vec::new()
    };
    Ok(User {
        meta,
        enabled: row.flag("enabledUser", true)?,
        username: row.opt("username").map(str::to_owned),
        given: row.req("givenName")?.to_owned(),
        family: row.req("familyName")?.to_owned(),
        middle: row.opt("middleName").map(str::to_owned),
        preferred_given: row.opt("preferredGivenName").map(str::to_owned),
        email: row.opt("email").map(str::to_owned),
        roles,
        primary_org: row.opt("primaryOrgSourcedId").map(str::to_owned),
        agents: row.list("agentSourcedIds"),
        grades: row.list("grades"),
    })
}

/// Parses a `userIds` cell: `{type:id}` items separated by commas.
pub(crate) fn user_ids(cell: &str) -> Result<Vec<(String, String)>, Fault> {
    let mut ids = Vec::new();
    let mut rest = cell.trim();
    while !rest.is_empty() {
        let bad = || {
            Fault::new(
                "userIds",
                reason::USER_IDS,
                format!("userIds {cell:?} is not a list of {{type:id}}; it was ignored"),
            )
        };
        let inner = rest.strip_prefix('{').ok_or_else(bad)?;
        let close = inner.find('}').ok_or_else(bad)?;
        let (kind, id) = inner[..close].split_once(':').ok_or_else(bad)?;
        if kind.trim().is_empty() || id.trim().is_empty() {
            return Err(bad());
        }
        ids.push((kind.trim().to_owned(), id.trim().to_owned()));
        rest = inner[close + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(ids)
}

/// A `roles.csv` row: the user it belongs to and the role, with its meta.
/// It is part of its user's record, so what makes it unreadable is said as
/// a warning about that user.
pub(crate) fn role(row: Row<'_>) -> Result<(String, Meta, Role), Fault> {
    let read = || {
        let meta = row.meta()?;
        let kind = row.req("roleType")?;
        let primary = match kind {
            "primary" => true,
            "secondary" => false,
            other => {
                return Err(Fault::new(
                    "roleType",
                    reason::BAD_VALUE,
                    format!("roleType {other:?} is neither primary nor secondary"),
                ));
            }
        };
        Ok((
            row.req("userSourcedId")?.to_owned(),
            meta,
            Role {
                role: row.req("role")?.to_owned(),
                primary,
                org: Some(row.req("orgSourcedId")?.to_owned()),
            },
        ))
    };
    read().map_err(|fault| Fault {
        reason: reason::ROLE_ROW,
        message: format!("a role of the user was not read: {}", fault.message),
        ..fault
    })
}

pub(crate) fn enrollment(row: Row<'_>) -> Result<Enrollment, Fault> {
    Ok(Enrollment {
        meta: row.meta()?,
        class: row.req("classSourcedId")?.to_owned(),
        school: row.req("schoolSourcedId")?.to_owned(),
        user: row.req("userSourcedId")?.to_owned(),
        role: row.req("role")?.to_owned(),
        primary: row.flag("primary", false)?,
        begin: row.date("beginDate")?,
        end: row.date("endDate")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_parse_and_reject() {
        assert_eq!(
            user_ids("{LDAP:12},{LTI:15}").unwrap(),
            vec![
                ("LDAP".to_owned(), "12".to_owned()),
                ("LTI".to_owned(), "15".to_owned())
            ]
        );
        assert!(user_ids("LDAP:12").is_err());
        assert!(user_ids("{LDAP12}").is_err());
        assert!(user_ids("{:12}").is_err());
    }
}
