//! Users mapped to people: role, buildings, names, status, and guardian
//! links from `agents` read in both directions.
//!
//! A role is read as it is written: student, teacher, and the guardian
//! roles (parent, guardian, relative). The other OneRoster roles
//! (administrator, aide, proctor, counselor, principal and the
//! administrator roles of 1.2) are not synced: a user who holds only those
//! is left out, never guessed to be a teacher. A user is read by its
//! primary roles first, then its secondary ones; reading it by a secondary
//! role, or setting aside roles of another kind, is a warning.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rostersync_core::ids::{PersonKey, SchoolKey};
use rostersync_core::model::sis::{
    GuardianLink, Person, PersonName, PersonStatus, SisRole, SisSnapshot,
};
use rostersync_ports::{RecordKind, SisRequest};

use super::{Exclusion, Found, Index, Ledger, Reference};
use crate::model::{Role, Status, User};
use crate::problem::{Fault, reason};

const PERSON: RecordKind = RecordKind::Person;

/// A user's agent.
const AGENT: Reference = Reference {
    kind: PERSON,
    field: "agentSourcedIds",
    what: "agent",
    missing: reason::AGENT_NOT_READ,
    gone: reason::AGENT_NOT_READ,
};

/// Every user that maps, by `sourcedId`, and the guardian links among them.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    pub(crate) people: BTreeMap<String, Person>,
    pub(crate) links: BTreeSet<GuardianLink>,
}

/// What a OneRoster role value is to rostersync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A role rostersync syncs.
    Synced(SisRole),
    /// A OneRoster role rostersync does not sync.
    NotSynced,
    /// Not a OneRoster role.
    Unknown,
}

/// The kind of a OneRoster role value (1.1 and 1.2 vocabularies).
fn kind(role: &str) -> Kind {
    match role {
        "student" => Kind::Synced(SisRole::Student),
        "teacher" => Kind::Synced(SisRole::Teacher),
        "parent" | "guardian" | "relative" => Kind::Synced(SisRole::Guardian),
        "aide"
        | "administrator"
        | "proctor"
        | "counselor"
        | "principal"
        | "siteAdministrator"
        | "districtAdministrator"
        | "systemAdministrator" => Kind::NotSynced,
        other if other.starts_with("ext:") => Kind::NotSynced,
        _ => Kind::Unknown,
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

/// The role names of `roles`, each once (a 1.1 role is repeated per org).
fn names(roles: &[&Role]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for role in roles {
        if !names.contains(&role.role.as_str()) {
            names.push(&role.role);
        }
    }
    names.join(", ")
}

/// The role a user is read by, with the warnings that choice carries; or
/// why the user is not read.
fn role_of(user: &User) -> Result<(SisRole, Vec<Fault>), Exclusion> {
    let field = if user.roles.iter().all(|r| r.primary) {
        "role"
    } else {
        "roles"
    };
    let mut roles: Vec<&Role> = user.roles.iter().collect();
    roles.sort_by_key(|role| !role.primary);
    if roles.is_empty() {
        return Err(Exclusion::unreadable(Fault::new(
            field,
            reason::NO_ROLE,
            "the user has no role",
        )));
    }
    let Some((chosen, role)) = roles.iter().find_map(|r| match kind(&r.role) {
        Kind::Synced(role) => Some((*r, role)),
        _ => None,
    }) else {
        let unknown: Vec<&Role> = roles
            .iter()
            .copied()
            .filter(|r| kind(&r.role) == Kind::Unknown)
            .collect();
        return Err(if unknown.is_empty() {
            Exclusion::left_out(Fault::new(
                field,
                reason::ROLE_NOT_SYNCED,
                format!(
                    "the user's roles ({}) are not synced; only student, teacher and guardian roles are",
                    names(&roles)
                ),
            ))
        } else {
            Exclusion::unreadable(Fault::new(
                field,
                reason::UNKNOWN_ROLE,
                format!("{} is not a OneRoster user role", names(&unknown)),
            ))
        });
    };
    let mut notes = Vec::new();
    if !chosen.primary {
        let primary: Vec<&Role> = roles.iter().copied().filter(|r| r.primary).collect();
        notes.push(Fault::new(
            field,
            reason::SECONDARY_ROLE,
            format!(
                "the user's primary roles ({}) are not synced; it was read as {} by a secondary role",
                names(&primary),
                chosen.role
            ),
        ));
    }
    let others: Vec<&Role> = roles
        .iter()
        .copied()
        .filter(|r| matches!(kind(&r.role), Kind::Synced(other) if other != role))
        .collect();
    if !others.is_empty() {
        notes.push(Fault::new(
            field,
            reason::OTHER_ROLES,
            format!(
                "the user was read as {}; its roles {} were not read, since a person has one role",
                chosen.role,
                names(&others)
            ),
        ));
    }
    Ok((role, notes))
}

/// Maps every user; links guardians and gives a guardian without a school
/// the school of their first student.
pub(crate) fn map(index: &Index<'_>, ledger: &mut Ledger<'_>) -> Mapped {
    let mut people = BTreeMap::new();
    let mut pending = Vec::new();
    // The schools a user is enrolled at, for users whose orgs name none
    // (district-level staff).
    let mut enrolled_at: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for enrollment in &index.records.enrollments {
        if index.is_school(&enrollment.school) {
            enrolled_at
                .entry(enrollment.user.as_str())
                .or_default()
                .insert(enrollment.school.as_str());
        }
    }
    for user in &index.records.users {
        let meta = &user.meta;
        let (role, notes) = match role_of(user) {
            Ok(read) => read,
            Err(exclusion) => {
                ledger.exclude(PERSON, meta, exclusion);
                continue;
            }
        };
        for fault in notes {
            ledger.warn(PERSON, meta, fault);
        }
        let mut schools: Vec<&str> = Vec::new();
        let orgs = user.primary_org.iter().chain(
            user.roles
                .iter()
                .filter(|r| kind(&r.role) == Kind::Synced(role))
                .filter_map(|r| r.org.as_ref()),
        );
        for org in orgs {
            if index.is_school(org) {
                if !schools.contains(&org.as_str()) {
                    schools.push(org);
                }
            } else if matches!(index.find(ledger, RecordKind::School, org), Found::Absent) {
                ledger.warn(
                    PERSON,
                    meta,
                    Fault::new(
                        "orgSourcedIds",
                        reason::ORG_MISSING,
                        format!("org {org} is not in the package; the user was read without it"),
                    ),
                );
            }
        }
        if schools.is_empty()
            && let Some(enrolled) = enrolled_at.get(meta.sourced_id.as_str())
        {
            schools.extend(enrolled.iter().copied());
        }
        if schools.is_empty() && role != SisRole::Guardian {
            ledger.left_out(
                PERSON,
                meta,
                Fault::new(
                    "orgSourcedIds",
                    reason::NO_SCHOOL,
                    "none of the user's orgs is a school and the user has no enrollment at one",
                ),
            );
            continue;
        }
        if schools.is_empty() {
            pending.push(user);
        }
        people.insert(meta.sourced_id.clone(), person(user, role, &schools));
    }
    let links = links(index, &people, ledger);
    // A guardian without a school of their own takes their first student's.
    let mut first_student: HashMap<&PersonKey, &PersonKey> = HashMap::new();
    for link in &links {
        first_student.entry(&link.guardian).or_insert(&link.student);
    }
    let mut placed = Vec::new();
    for user in pending {
        let key = PersonKey::new(&user.meta.sourced_id);
        let school = first_student
            .get(&key)
            .and_then(|student| people.get(student.as_str()))
            .map(|student| student.primary_school.clone());
        placed.push((user, school));
    }
    let mut links = links;
    for (user, school) in placed {
        let id = &user.meta.sourced_id;
        match school {
            Some(school) => {
                if let Some(person) = people.get_mut(id) {
                    person.primary_school = school;
                }
            }
            None => {
                people.remove(id);
                let key = PersonKey::new(id);
                links.retain(|link| link.guardian != key);
                ledger.left_out(
                    PERSON,
                    &user.meta,
                    Fault::new(
                        "orgSourcedIds",
                        reason::NO_SCHOOL,
                        "the guardian has no school and no student with one",
                    ),
                );
            }
        }
    }
    Mapped { people, links }
}

fn person(user: &User, role: SisRole, schools: &[&str]) -> Person {
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
    Person {
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
    }
}

/// The guardian links `agents` name, in either direction. An agent that is
/// not read, or a link that is not between a guardian and a student, is a
/// warning on the user naming it.
fn links(
    index: &Index<'_>,
    people: &BTreeMap<String, Person>,
    ledger: &mut Ledger<'_>,
) -> BTreeSet<GuardianLink> {
    let mut links = BTreeSet::new();
    for user in &index.records.users {
        let Some(person) = people.get(&user.meta.sourced_id) else {
            continue;
        };
        for agent in &user.agents {
            let Some(other) = people.get(agent) else {
                let mut fault = index.exclusion(ledger, &AGENT, agent).fault;
                fault.reason = reason::AGENT_NOT_READ;
                fault.message.push_str("; the link to it was not read");
                ledger.warn(PERSON, &user.meta, fault);
                continue;
            };
            match (person.role, other.role) {
                (SisRole::Guardian, SisRole::Student) => {
                    links.insert(GuardianLink {
                        guardian: person.key.clone(),
                        student: other.key.clone(),
                    });
                }
                (SisRole::Student, SisRole::Guardian) => {
                    links.insert(GuardianLink {
                        guardian: other.key.clone(),
                        student: person.key.clone(),
                    });
                }
                (mine, theirs) => ledger.warn(
                    PERSON,
                    &user.meta,
                    Fault::new(
                        "agentSourcedIds",
                        reason::AGENT_NOT_GUARDIAN,
                        format!(
                            "agent {agent} is a {}, and the user a {}; only links between a guardian and a student are read",
                            theirs.as_str(),
                            mine.as_str()
                        ),
                    ),
                ),
            }
        }
    }
    links
}

/// The people of the requested schools, those enrolled in or teaching the
/// sections read, and the guardians of the students kept; every other
/// person read is left out, as of a school not requested.
pub(crate) fn scope(
    mapped: Mapped,
    snapshot: &SisSnapshot,
    request: &SisRequest,
    index: &Index<'_>,
    ledger: &mut Ledger<'_>,
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
    let mut people = Vec::with_capacity(keep.len());
    for person in mapped.people.into_values() {
        if keep.contains(&person.key) {
            people.push(person);
        } else if let Some(user) = index.user(person.key.as_str()) {
            ledger.left_out(
                PERSON,
                &user.meta,
                Fault::whole(
                    reason::NOT_REQUESTED,
                    format!(
                        "the user is at {}, not a requested school, and is in no section read",
                        person.primary_school
                    ),
                ),
            );
        }
    }
    (people, links)
}

#[cfg(test)]
mod tests {
    use rostersync_ports::ProblemKind;

    use super::*;
    use crate::model::Meta;

    fn user(roles: &[(&str, bool)]) -> User {
        User {
            meta: Meta {
                sourced_id: "u".to_owned(),
                status: Status::Active,
                modified: None,
                location: "users.csv line 2".to_owned(),
            },
            enabled: true,
            username: None,
            given: "G".to_owned(),
            family: "F".to_owned(),
            middle: None,
            preferred_given: None,
            email: None,
            roles: roles
                .iter()
                .map(|(role, primary)| Role {
                    role: (*role).to_owned(),
                    primary: *primary,
                    org: None,
                })
                .collect(),
            primary_org: None,
            agents: Vec::new(),
            grades: Vec::new(),
        }
    }

    fn reasons(notes: &[Fault]) -> Vec<&str> {
        notes.iter().map(|f| f.reason).collect()
    }

    #[test]
    fn roles_are_read_as_written_or_not_at_all() {
        let (role, notes) = role_of(&user(&[("teacher", true), ("parent", false)])).unwrap();
        assert_eq!(role, SisRole::Teacher);
        assert_eq!(reasons(&notes), [reason::OTHER_ROLES]);
        assert!(notes[0].message.contains("parent"));

        let (role, notes) = role_of(&user(&[("principal", true), ("teacher", false)])).unwrap();
        assert_eq!(role, SisRole::Teacher);
        assert_eq!(reasons(&notes), [reason::SECONDARY_ROLE]);

        let (role, notes) = role_of(&user(&[("relative", true)])).unwrap();
        assert_eq!((role, notes.len()), (SisRole::Guardian, 0));

        for (roles, kind, reason) in [
            (&[][..], ProblemKind::Unreadable, reason::NO_ROLE),
            (
                &[("aide", true), ("ext:coach", false)][..],
                ProblemKind::LeftOut,
                reason::ROLE_NOT_SYNCED,
            ),
            (
                &[("Teacher", true)][..],
                ProblemKind::Unreadable,
                reason::UNKNOWN_ROLE,
            ),
        ] {
            let exclusion = role_of(&user(roles)).unwrap_err();
            assert_eq!((exclusion.kind, exclusion.fault.reason), (kind, reason));
        }
    }
}
