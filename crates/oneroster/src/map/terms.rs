//! Academic sessions mapped to terms: which school each belongs to, which
//! are terms of the year read (an inactive or deleted session never is),
//! and parent links, which a missing parent costs without costing the term.

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{SchoolKey, TermKey};
use rostersync_core::model::sis::Term;
use rostersync_ports::RecordKind;

use super::{Index, Ledger, Reference, marked};
use crate::model::Records;
use crate::problem::{Fault, reason};

const TERM: RecordKind = RecordKind::Term;

/// A session's parent.
const PARENT: Reference = Reference {
    kind: TERM,
    field: "parentSourcedId",
    what: "parent session",
    missing: reason::PARENT_MISSING,
    gone: reason::PARENT_NOT_READ,
};

/// Ties each session to a school: through the classes that meet in it, then
/// through parents and children, then the only school if there is one.
fn term_schools<'a>(records: &'a Records, index: &Index<'a>) -> BTreeMap<&'a str, &'a str> {
    let mut out: BTreeMap<&str, &str> = BTreeMap::new();
    for class in &records.classes {
        if !index.is_school(&class.school) {
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
    if let Some(only) = index.only_school() {
        for session in &records.sessions {
            out.entry(session.meta.sourced_id.as_str()).or_insert(only);
        }
    }
    out
}

/// The terms of `school_year` of every school. Every other session is left
/// out with its reason (marked inactive or tobedeleted, another school
/// year, no school); a parent that is not a term of the year costs the link,
/// with a warning.
pub(crate) fn terms(index: &Index<'_>, school_year: i32, ledger: &mut Ledger<'_>) -> Vec<Term> {
    let records = index.records;
    let schools = term_schools(records, index);
    let mut out = Vec::new();
    for session in &records.sessions {
        let meta = &session.meta;
        let id = meta.sourced_id.as_str();
        if let Some(fault) = marked(meta, "academic session") {
            ledger.left_out(TERM, meta, fault);
            continue;
        }
        if session.school_year != school_year {
            ledger.left_out(
                TERM,
                meta,
                Fault::new(
                    "schoolYear",
                    reason::OTHER_YEAR,
                    format!(
                        "academic session {id} is of school year {}, not {school_year}",
                        session.school_year
                    ),
                ),
            );
            continue;
        }
        let Some(school) = schools.get(id) else {
            ledger.left_out(
                TERM,
                meta,
                Fault::whole(
                    reason::NO_SCHOOL,
                    format!(
                        "no class, parent or child session ties academic session {id} to a school"
                    ),
                ),
            );
            continue;
        };
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
    let kept: BTreeSet<TermKey> = out.iter().map(|t| t.key.clone()).collect();
    for term in &mut out {
        let Some(parent) = term.parent.take_if(|p| !kept.contains(p)) else {
            continue;
        };
        let Some(session) = index.session(term.key.as_str()) else {
            continue;
        };
        // Costs the link, not the term.
        let mut fault = index.exclusion(ledger, &PARENT, parent.as_str()).fault;
        if fault.reason != reason::PARENT_MISSING {
            fault.reason = reason::PARENT_NOT_READ;
        }
        fault
            .message
            .push_str("; the term was read without a parent");
        ledger.warn(TERM, &session.meta, fault);
    }
    out
}
