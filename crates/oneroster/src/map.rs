//! OneRoster records mapped to core types: which orgs are schools, which
//! school a session belongs to, users' roles and buildings, guardians from
//! `agents`, sections with terms and teachers from enrollments.
//!
//! Sessions and courses are often district-wide in OneRoster while a core
//! term or course has one school: each is tied to the first school (by class
//! sourcedId) that uses it, and a read of another school still carries the
//! terms and courses its sections use. Users whose orgs name no school (a
//! district-level teacher) take the schools they are enrolled at.
//!
//! What no core field can carry is reported, never dropped silently:
//! a person marked `tobedeleted` is withdrawn and a disabled one inactive; a
//! course marked `tobedeleted` is inactive; an enrollment marked
//! `tobedeleted` ends the day before it was modified; schools, sessions and
//! classes marked `tobedeleted` have no status in the core and become
//! problems.

mod people;
mod schedule;

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{CourseKey, SchoolKey, TermKey};
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use rostersync_ports::{SisRequest, SourceProblem};

use crate::model::{Meta, Records, Status};

/// Org types that are always schools.
const SCHOOL_TYPE: &str = "school";

/// Lookups shared by every mapping step.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    records: &'a Records,
    /// Orgs that are schools (type school, or named as a class's school).
    schools: BTreeMap<&'a str, &'a crate::model::Org>,
    /// The school each session belongs to.
    term_school: BTreeMap<&'a str, &'a str>,
}

fn problem(meta: &Meta, message: impl Into<String>) -> SourceProblem {
    SourceProblem::new(format!("{} ({})", meta.location, meta.sourced_id), message)
}

fn deleted(meta: &Meta, what: &str) -> SourceProblem {
    problem(
        meta,
        format!("the {what} is marked tobedeleted; it was not read"),
    )
}

impl<'a> Index<'a> {
    /// Builds the lookups; deleted schools become problems.
    pub(crate) fn new(records: &'a Records, problems: &mut Vec<SourceProblem>) -> Index<'a> {
        let named: BTreeSet<&str> = records.classes.iter().map(|c| c.school.as_str()).collect();
        let mut schools = BTreeMap::new();
        for org in &records.orgs {
            if org.kind != SCHOOL_TYPE && !named.contains(org.meta.sourced_id.as_str()) {
                continue;
            }
            if org.meta.status == Status::ToBeDeleted {
                problems.push(deleted(&org.meta, "school"));
            } else {
                schools.insert(org.meta.sourced_id.as_str(), org);
            }
        }
        let term_school = term_schools(records, &schools);
        Index {
            records,
            schools,
            term_school,
        }
    }

    fn is_school(&self, id: &str) -> bool {
        self.schools.contains_key(id)
    }
}

/// Ties each session to a school: through the classes that meet in it, then
/// through parents and children, then the only school if there is one.
fn term_schools<'a>(
    records: &'a Records,
    schools: &BTreeMap<&'a str, &'a crate::model::Org>,
) -> BTreeMap<&'a str, &'a str> {
    let mut out: BTreeMap<&str, &str> = BTreeMap::new();
    for class in &records.classes {
        if !schools.contains_key(class.school.as_str()) {
            continue;
        }
        for term in &class.terms {
            out.entry(term.as_str()).or_insert(class.school.as_str());
        }
    }
    loop {
        let mut changed = false;
        for session in &records.sessions {
            let Some(parent) = session.parent.as_deref() else {
                continue;
            };
            let id = session.meta.sourced_id.as_str();
            match (out.get(id).copied(), out.get(parent).copied()) {
                (Some(school), None) => {
                    out.insert(parent, school);
                    changed = true;
                }
                (None, Some(school)) => {
                    out.insert(id, school);
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    if let [only] = schools.keys().copied().collect::<Vec<_>>()[..] {
        for session in &records.sessions {
            out.entry(session.meta.sourced_id.as_str()).or_insert(only);
        }
    }
    out
}

/// Every school of the package.
pub(crate) fn schools(index: &Index<'_>) -> Vec<School> {
    index
        .schools
        .values()
        .map(|org| School {
            key: SchoolKey::new(&org.meta.sourced_id),
            name: org.name.clone(),
            code: org.identifier.clone(),
        })
        .collect()
}

/// The terms of `school_year` of every school.
pub(crate) fn terms(
    index: &Index<'_>,
    school_year: i32,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Term> {
    let sessions = &index.records.sessions;
    let known: BTreeSet<&str> = sessions
        .iter()
        .map(|s| s.meta.sourced_id.as_str())
        .collect();
    let mut out = Vec::new();
    for session in sessions.iter().filter(|s| s.school_year == school_year) {
        if session.meta.status == Status::ToBeDeleted {
            problems.push(deleted(&session.meta, "academic session"));
            continue;
        }
        let id = session.meta.sourced_id.as_str();
        let Some(school) = index.term_school.get(id) else {
            problems.push(problem(
                &session.meta,
                "no class or related session ties this academic session to a school",
            ));
            continue;
        };
        if let Some(parent) = &session.parent
            && !known.contains(parent.as_str())
        {
            problems.push(problem(
                &session.meta,
                format!("parent session {parent} is not in the package"),
            ));
            continue;
        }
        out.push(Term {
            key: TermKey::new(id),
            school: SchoolKey::new(*school),
            school_year,
            title: session.title.clone(),
            start: session.start,
            end: session.end,
            parent: session.parent.as_deref().map(TermKey::new),
        });
    }
    // A parent of another year or a deleted parent is not a term of this
    // read; the link is kept only when the parent is.
    let kept: BTreeSet<TermKey> = out.iter().map(|t| t.key.clone()).collect();
    for term in &mut out {
        if term.parent.as_ref().is_some_and(|p| !kept.contains(p)) {
            term.parent = None;
        }
    }
    out
}

/// The roster of the requested schools and school year.
pub(crate) fn snapshot(
    index: &Index<'_>,
    request: &SisRequest,
    problems: &mut Vec<SourceProblem>,
) -> SisSnapshot {
    let wanted = |school: &SchoolKey| request.schools.contains(school);
    let mut snapshot = SisSnapshot {
        schools: schools(index),
        ..SisSnapshot::default()
    };
    // Every term and course of the year first: a session or course the
    // district shares is tied to the first school using it, and the
    // sections of other schools still meet in it.
    snapshot.terms = terms(index, request.school_year, problems);
    snapshot.courses = schedule::courses(index, problems);
    let people = people::map(index, problems);
    let (sections, enrollments) = schedule::sections(index, &snapshot, &people, request, problems);
    let parents: BTreeMap<TermKey, TermKey> = snapshot
        .terms
        .iter()
        .filter_map(|t| Some((t.key.clone(), t.parent.clone()?)))
        .collect();
    let mut keep: BTreeSet<TermKey> = snapshot
        .terms
        .iter()
        .filter(|t| wanted(&t.school))
        .map(|t| t.key.clone())
        .chain(sections.iter().flat_map(|s| s.terms.iter().cloned()))
        .collect();
    let mut pending: Vec<TermKey> = keep.iter().cloned().collect();
    while let Some(term) = pending.pop() {
        if let Some(parent) = parents.get(&term)
            && keep.insert(parent.clone())
        {
            pending.push(parent.clone());
        }
    }
    snapshot.terms.retain(|t| keep.contains(&t.key));
    let used: BTreeSet<&CourseKey> = sections.iter().map(|s| &s.course).collect();
    snapshot
        .courses
        .retain(|c| wanted(&c.school) || used.contains(&c.key));
    snapshot.sections = sections;
    snapshot.enrollments = enrollments;
    let (people, links) = people::scope(people, &snapshot, request);
    snapshot.people = people;
    snapshot.guardian_links = links;
    snapshot
}
