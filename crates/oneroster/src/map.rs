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
//! Every record the source holds ends in exactly one of: read into the
//! snapshot, or one problem that says why it is not (unreadable, or left
//! out on purpose), with its file and line or endpoint and index, its
//! sourcedId, the field at fault and a [`crate::reason`]. Records are judged
//! in the order they name each other (orgs, sessions, courses, users,
//! classes, enrollments), so a record naming one that is not read says why
//! that one is not, and one naming a record the source does not hold says
//! which reference is missing. What no core field can carry is reported: a
//! person marked `tobedeleted` is withdrawn and a disabled one inactive; a
//! course marked `tobedeleted` is inactive; an enrollment marked
//! `tobedeleted` ends the day before it was modified; schools, sessions and
//! classes marked `tobedeleted` or `inactive` have no status in the core and
//! are left out. Records of schools the request does not name are left out
//! as such, once every section read has said which it needs.

mod ledger;
mod people;
mod schedule;
mod terms;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rostersync_core::ids::{CourseKey, SchoolKey, TermKey};
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use rostersync_ports::{RecordKind, SisRequest, SourceProblem};

pub(crate) use ledger::{Exclusion, Fate, Ledger};

use crate::model::{Class, Course, Keyed, Meta, Org, Records, Session, Status, User};
use crate::problem::{Fault, reason};

/// Org types that are always schools.
const SCHOOL_TYPE: &str = "school";

/// How the mapping reads what the source leaves open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Make a course for each course a class names that the source does not
    /// hold (a package without `courses.csv`), titled after the first class
    /// naming it; each such course carries a warning. Off by default: a
    /// class whose course is not in the source is then unreadable.
    pub(crate) courses_from_classes: bool,
}

/// Where a record a reference names stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// In the source, and not (yet) excluded.
    Read,
    /// In the source, and not read, for this reason.
    Gone(Fate),
    /// Not in the source at all.
    Absent,
}

/// A reference from one record to another: the kind named, the field
/// naming it, and the reasons of the record naming it when the one named is
/// not in the source, or not read.
#[derive(Debug)]
pub(crate) struct Reference {
    /// The kind of record named.
    pub(crate) kind: RecordKind,
    /// The field that names it.
    pub(crate) field: &'static str,
    /// What it is called in messages.
    pub(crate) what: &'static str,
    /// The reason when it is not in the source.
    pub(crate) missing: &'static str,
    /// The reason when it is in the source and not read.
    pub(crate) gone: &'static str,
}

/// Lookups shared by every mapping step.
#[derive(Debug)]
pub(crate) struct Index<'a> {
    records: &'a Records,
    /// Orgs read as schools.
    schools: BTreeMap<&'a str, &'a Org>,
    orgs: HashMap<&'a str, &'a Org>,
    sessions: HashMap<&'a str, &'a Session>,
    courses: HashMap<&'a str, &'a Course>,
    classes: HashMap<&'a str, &'a Class>,
    users: HashMap<&'a str, &'a User>,
}

/// The problem of a record marked `tobedeleted` or `inactive`, which the
/// core has no status for, when it is.
pub(crate) fn marked(meta: &Meta, what: &str) -> Option<Fault> {
    let (reason, status) = match meta.status {
        Status::Active => return None,
        Status::ToBeDeleted => (reason::DELETED, "tobedeleted"),
        Status::Inactive => (reason::INACTIVE, "inactive"),
    };
    Some(Fault::new(
        "status",
        reason,
        format!("the {what} is marked {status}; it was not read"),
    ))
}

fn by_id<T: Keyed>(items: &[T]) -> HashMap<&str, &T> {
    items
        .iter()
        .map(|item| (item.meta().sourced_id.as_str(), item))
        .collect()
}

impl<'a> Index<'a> {
    /// Builds the lookups and judges the orgs: those of type school, and
    /// those classes name as their school (with a warning), are schools;
    /// every other org is left out.
    pub(crate) fn new(records: &'a Records, ledger: &mut Ledger<'_>) -> Index<'a> {
        let named: HashSet<&str> = records.classes.iter().map(|c| c.school.as_str()).collect();
        let mut schools = BTreeMap::new();
        for org in &records.orgs {
            let meta = &org.meta;
            let id = meta.sourced_id.as_str();
            if let Some(fault) = marked(meta, "org") {
                ledger.left_out(RecordKind::School, meta, fault);
            } else if org.kind == SCHOOL_TYPE {
                schools.insert(id, org);
            } else if named.contains(id) {
                ledger.warn(
                    RecordKind::School,
                    meta,
                    Fault::new(
                        "type",
                        reason::READ_AS_SCHOOL,
                        format!(
                            "org {id} is of type {}, and classes name it as their school; it was read as a school",
                            org.kind
                        ),
                    ),
                );
                schools.insert(id, org);
            } else {
                ledger.left_out(
                    RecordKind::School,
                    meta,
                    Fault::new(
                        "type",
                        reason::NOT_A_SCHOOL,
                        format!(
                            "org {id} is of type {}, not school, and no class names it as its school",
                            org.kind
                        ),
                    ),
                );
            }
        }
        Index {
            records,
            schools,
            orgs: by_id(&records.orgs),
            sessions: by_id(&records.sessions),
            courses: by_id(&records.courses),
            classes: by_id(&records.classes),
            users: by_id(&records.users),
        }
    }

    fn is_school(&self, id: &str) -> bool {
        self.schools.contains_key(id)
    }

    /// The school, when the source has exactly one.
    fn only_school(&self) -> Option<&'a str> {
        match self.schools.keys().copied().collect::<Vec<_>>()[..] {
            [only] => Some(only),
            _ => None,
        }
    }

    fn session(&self, id: &str) -> Option<&'a Session> {
        self.sessions.get(id).copied()
    }

    fn user(&self, id: &str) -> Option<&'a User> {
        self.users.get(id).copied()
    }

    /// Why the record `id` that `reference` names is not there to name:
    /// not in the source (unreadable), or not read (left out). A record
    /// left out for its school year or school passes that reason on, since
    /// the year and the schools read are the scope of what names it too.
    fn exclusion(&self, ledger: &Ledger<'_>, reference: &Reference, id: &str) -> Exclusion {
        let Reference {
            kind,
            field,
            what,
            missing,
            gone,
        } = *reference;
        match self.find(ledger, kind, id) {
            Found::Absent => Exclusion::unreadable(Fault::new(
                field,
                missing,
                format!("{what} {id} is not in the package"),
            )),
            Found::Gone(fate) => {
                let reason = match fate.reason {
                    Some(scope @ (reason::OTHER_YEAR | reason::NOT_REQUESTED)) => scope,
                    _ => gone,
                };
                let message = format!("{what} {id} {}", fate.said());
                Exclusion::left_out(Fault::new(field, reason, message))
            }
            Found::Read => {
                Exclusion::left_out(Fault::new(field, gone, format!("{what} {id} was not read")))
            }
        }
    }

    /// Where the record of kind `kind` and key `id` stands so far.
    fn find(&self, ledger: &Ledger<'_>, kind: RecordKind, id: &str) -> Found {
        if let Some(fate) = ledger.fate(kind, id) {
            return Found::Gone(fate);
        }
        let held = match kind {
            RecordKind::School => self.orgs.contains_key(id),
            RecordKind::Term => self.sessions.contains_key(id),
            RecordKind::Course => self.courses.contains_key(id),
            RecordKind::Section => self.classes.contains_key(id),
            RecordKind::Person => self.users.contains_key(id),
            // Nothing names an enrollment, a link or a file.
            RecordKind::Enrollment | RecordKind::GuardianLink | RecordKind::File => false,
        };
        if held { Found::Read } else { Found::Absent }
    }
}

/// Every school of the source.
fn school_list(index: &Index<'_>) -> Vec<School> {
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

/// Every school of the source, for mapping.
pub(crate) fn schools(records: &Records) -> Vec<School> {
    let mut ignored = Vec::new();
    let mut ledger = Ledger::new(&mut ignored, &records.unread);
    school_list(&Index::new(records, &mut ledger))
}

/// The terms of `school_year` of every school, for mapping: never a session
/// marked inactive or tobedeleted.
pub(crate) fn terms(records: &Records, school_year: i32) -> Vec<Term> {
    let mut ignored = Vec::new();
    let mut ledger = Ledger::new(&mut ignored, &records.unread);
    let index = Index::new(records, &mut ledger);
    terms::terms(&index, school_year, &mut ledger)
}

/// The roster of the requested schools and school year; every record not
/// in it is a problem in `problems`.
pub(crate) fn snapshot(
    records: &Records,
    request: &SisRequest,
    options: Options,
    problems: &mut Vec<SourceProblem>,
) -> SisSnapshot {
    let mut ledger = Ledger::new(problems, &records.unread);
    let index = Index::new(records, &mut ledger);
    let ledger = &mut ledger;
    // Every term and course of the year first: a session or course the
    // district shares is tied to the first school using it, and the
    // sections of other schools still meet in it.
    let mut terms = terms::terms(&index, request.school_year, ledger);
    let mut courses = schedule::courses(&index, ledger);
    let people = people::map(&index, ledger);
    let schedule = schedule::sections(&index, &terms, &courses, &people, request, options, ledger);
    let wanted = |school: &SchoolKey| request.schools.contains(school);

    let parents: BTreeMap<TermKey, TermKey> = terms
        .iter()
        .filter_map(|t| Some((t.key.clone(), t.parent.clone()?)))
        .collect();
    let mut keep: BTreeSet<TermKey> = terms
        .iter()
        .filter(|t| wanted(&t.school))
        .map(|t| t.key.clone())
        .chain(
            schedule
                .sections
                .iter()
                .flat_map(|s| s.terms.iter().cloned()),
        )
        .collect();
    let mut pending: Vec<TermKey> = keep.iter().cloned().collect();
    while let Some(term) = pending.pop() {
        if let Some(parent) = parents.get(&term)
            && keep.insert(parent.clone())
        {
            pending.push(parent.clone());
        }
    }
    terms.retain(|term| {
        let kept = keep.contains(&term.key);
        if !kept && let Some(session) = index.session(term.key.as_str()) {
            ledger.left_out(
                RecordKind::Term,
                &session.meta,
                not_requested(&term.school, "term"),
            );
        }
        kept
    });
    // A course no section read uses is left out when it is of another
    // school or, by its schoolYearSourcedId, of another school year.
    let used: BTreeSet<&CourseKey> = schedule.sections.iter().map(|s| &s.course).collect();
    courses.retain(|course| {
        let Some(row) = index.courses.get(course.key.as_str()) else {
            return true;
        };
        let year = row
            .school_year
            .as_deref()
            .and_then(|id| index.session(id))
            .filter(|session| session.school_year != request.school_year);
        let fault = match year {
            _ if used.contains(&course.key) => return true,
            _ if !wanted(&course.school) => not_requested(&course.school, "course"),
            Some(session) => Fault::new(
                "schoolYearSourcedId",
                reason::OTHER_YEAR,
                format!(
                    "the course is offered in {} of school year {}, not {}, and no section read uses it",
                    session.meta.sourced_id, session.school_year, request.school_year
                ),
            ),
            None => return true,
        };
        ledger.left_out(RecordKind::Course, &row.meta, fault);
        false
    });
    courses.extend(schedule.made);
    let mut snapshot = SisSnapshot {
        schools: school_list(&index),
        terms,
        courses,
        sections: schedule.sections,
        enrollments: schedule.enrollments,
        ..SisSnapshot::default()
    };
    let (people, links) = people::scope(people, &snapshot, request, &index, ledger);
    snapshot.people = people;
    snapshot.guardian_links = links;
    snapshot
}

/// A record of `school`, which the request does not name, used by no section read.
fn not_requested(school: &SchoolKey, what: &str) -> Fault {
    Fault::whole(
        reason::NOT_REQUESTED,
        format!("the {what} is of {school}, not a requested school, and no section read uses it"),
    )
}
