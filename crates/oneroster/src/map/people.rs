//! Users mapped to people: role, buildings, names, status, and guardian
//! links from `agents` read in both directions.

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{PersonKey, SchoolKey};
use rostersync_core::model::sis::{
    GuardianLink, Person, PersonName, PersonStatus, SisRole, SisSnapshot,
};
use rostersync_ports::{SisRequest, SourceProblem};

use super::{Index, problem};
use crate::model::{Status, User};

/// Every user that maps, by `sourcedId`, and the guardian links among them.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    pub(crate) people: BTreeMap<String, Person>,
    pub(crate) links: BTreeSet<GuardianLink>,
}

/// The core role of a OneRoster role value (1.1 and 1.2 vocabularies).
pub(crate) fn sis_role(role: &str) -> Option<SisRole> {
    match role {
        "student" => Some(SisRole::Student),
        "teacher"
        | "aide"
        | "administrator"
        | "proctor"
        | "counselor"
        | "principal"
        | "siteAdministrator"
        | "districtAdministrator"
        | "systemAdministrator" => Some(SisRole::Teacher),
        "parent" | "guardian" | "relative" => Some(SisRole::Guardian),
        _ => None,
    }
}

fn status(user: &User) -> PersonStatus {
    match user.meta.status {
        Status::ToBeDeleted => PersonStatus::Withdrawn,
        Status::Inactive => PersonStatus::Inactive,
        Status::Active if !user.enabled => PersonStatus::Inactive,
        Status::Active => PersonStatus::Active,
    }
}

/// Maps every user; links guardians and gives a guardian without a school
/// the school of their first student.
pub(crate) fn map(index: &Index<'_>, problems: &mut Vec<SourceProblem>) -> Mapped {
    let mut people = BTreeMap::new();
    let mut pending = Vec::new();
    // The schools a user is enrolled at, for users whose orgs name none
    // (district-level staff).
    let mut enrolled_at: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for enrollment in &index.records.enrollments {
        if index.is_school(&enrollment.school) {
            enrolled_at
                .entry(enrollment.user.as_str())
                .or_default()
                .insert(enrollment.school.as_str());
        }
    }
    for user in &index.records.users {
        let mut roles: Vec<_> = user.roles.iter().collect();
        roles.sort_by_key(|role| !role.primary);
        let Some(first) = roles.first() else {
            problems.push(problem(&user.meta, "the user has no role"));
            continue;
        };
        let Some(role) = sis_role(&first.role) else {
            problems.push(problem(
                &user.meta,
                format!("role {:?} is not a OneRoster user role", first.role),
            ));
            continue;
        };
        let mut schools: Vec<&str> = Vec::new();
        let orgs = user
            .primary_org
            .iter()
            .chain(roles.iter().filter_map(|role| role.org.as_ref()));
        for org in orgs {
            if index.is_school(org) && !schools.contains(&org.as_str()) {
                schools.push(org);
            }
        }
        if schools.is_empty()
            && let Some(enrolled) = enrolled_at.get(user.meta.sourced_id.as_str())
        {
            schools.extend(enrolled.iter().copied());
        }
        let name = PersonName {
            first: user.given.as_str().into(),
            middle: user.middle.as_deref().map(Into::into),
            last: user.family.as_str().into(),
            preferred_first: user
                .preferred_given
                .clone()
                .filter(|preferred| *preferred != user.given)
                .map(Into::into),
        };
        let person = Person {
            key: PersonKey::new(&user.meta.sourced_id),
            role,
            name,
            email: user.email.as_deref().map(Into::into),
            username: user.username.as_deref().map(Into::into),
            grade: (role == SisRole::Student)
                .then(|| user.grades.first().cloned())
                .flatten()
                .map(Into::into),
            graduation_year: None,
            primary_school: SchoolKey::new(schools.first().copied().unwrap_or_default()),
            other_schools: schools.iter().skip(1).map(|s| SchoolKey::new(*s)).collect(),
            status: status(user),
        };
        if schools.is_empty() && role != SisRole::Guardian {
            problems.push(problem(
                &user.meta,
                "none of the user's orgs is a school and the user has no enrollment at one",
            ));
            continue;
        }
        if schools.is_empty() {
            pending.push(user);
        }
        people.insert(user.meta.sourced_id.clone(), person);
    }
    let mut links = BTreeSet::new();
    for user in &index.records.users {
        let Some(person) = people.get(&user.meta.sourced_id) else {
            continue;
        };
        for agent in &user.agents {
            let Some(other) = people.get(agent) else {
                problems.push(problem(
                    &user.meta,
                    format!(
                        "agent {agent} is not a user that could be read; the link was not read"
                    ),
                ));
                continue;
            };
            match (person.role, other.role) {
                (SisRole::Guardian, SisRole::Student) => links.insert(GuardianLink {
                    guardian: person.key.clone(),
                    student: other.key.clone(),
                }),
                (SisRole::Student, SisRole::Guardian) => links.insert(GuardianLink {
                    guardian: other.key.clone(),
                    student: person.key.clone(),
                }),
                _ => false,
            };
        }
    }
    for user in pending {
        let key = PersonKey::new(&user.meta.sourced_id);
        let school = links
            .iter()
            .filter(|link| link.guardian == key)
            .find_map(|link| people.get(link.student.as_str()))
            .map(|student| student.primary_school.clone());
        match school {
            Some(school) => {
                if let Some(person) = people.get_mut(&user.meta.sourced_id) {
                    person.primary_school = school;
                }
            }
            None => {
                people.remove(&user.meta.sourced_id);
                links.retain(|link| link.guardian != key);
                problems.push(problem(
                    &user.meta,
                    "the guardian has no school and no student with one",
                ));
            }
        }
    }
    Mapped { people, links }
}

/// The people of the requested schools, those enrolled in or teaching the
/// sections read, and the guardians of the students kept.
pub(crate) fn scope(
    mapped: Mapped,
    snapshot: &SisSnapshot,
    request: &SisRequest,
) -> (Vec<Person>, Vec<GuardianLink>) {
    let mut keep: BTreeSet<PersonKey> = mapped
        .people
        .values()
        .filter(|p| p.schools().any(|s| request.schools.contains(s)))
        .map(|p| p.key.clone())
        .collect();
    keep.extend(snapshot.enrollments.iter().map(|e| e.person.clone()));
    keep.extend(snapshot.sections.iter().flat_map(|s| s.teachers().cloned()));
    let links: Vec<GuardianLink> = mapped
        .links
        .into_iter()
        .filter(|link| keep.contains(&link.student))
        .collect();
    keep.extend(links.iter().map(|link| link.guardian.clone()));
    let people = mapped
        .people
        .into_values()
        .filter(|p| keep.contains(&p.key))
        .collect();
    (people, links)
}
