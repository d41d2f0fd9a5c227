//! The individual checks of the conformance kit, each adding violations.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use rostersync_core::model::sis::{
    EnrollmentRole, PersonStatus, School, SisRole, SisSnapshot, Term,
};

use super::{Expected, Violation};
use crate::sis::{RecordKind, SisRead, SourceProblem};

fn push(out: &mut Vec<Violation>, check: &'static str, detail: String) {
    out.push(Violation { check, detail });
}

/// Every keyed record arrives once.
pub(super) fn once(snapshot: &SisSnapshot, out: &mut Vec<Violation>) {
    fn dupes<K: Ord + Debug>(what: &str, keys: impl Iterator<Item = K>, out: &mut Vec<Violation>) {
        let mut counts: BTreeMap<K, usize> = BTreeMap::new();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
        for (key, count) in counts.into_iter().filter(|(_, n)| *n > 1) {
            push(out, "once", format!("{what} {key:?} arrives {count} times"));
        }
    }
    dupes("school", snapshot.schools.iter().map(|s| &s.key), out);
    dupes("term", snapshot.terms.iter().map(|t| &t.key), out);
    dupes("person", snapshot.people.iter().map(|p| &p.key), out);
    dupes("course", snapshot.courses.iter().map(|c| &c.key), out);
    dupes("section", snapshot.sections.iter().map(|s| &s.key), out);
    dupes(
        "enrollment",
        snapshot
            .enrollments
            .iter()
            .map(|e| (&e.section, &e.person, e.role)),
        out,
    );
    dupes("guardian link", snapshot.guardian_links.iter(), out);
}

fn compare(out: &mut Vec<Violation>, what: &str, got: BTreeSet<String>, want: &BTreeSet<String>) {
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(want).collect();
    if !missing.is_empty() {
        push(out, "keys", format!("{what} missing: {missing:?}"));
    }
    if !extra.is_empty() {
        push(out, "keys", format!("{what} not expected: {extra:?}"));
    }
}

fn pair(a: &str, b: &str) -> String {
    format!("{a} / {b}")
}

fn pairs(set: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    set.iter().map(|(a, b)| pair(a, b)).collect()
}

/// The key sets are the expected ones.
pub(super) fn keys(snapshot: &SisSnapshot, expected: &Expected, out: &mut Vec<Violation>) {
    let keys = |it: &mut dyn Iterator<Item = &str>| it.map(str::to_owned).collect::<BTreeSet<_>>();
    compare(
        out,
        "schools",
        keys(&mut snapshot.schools.iter().map(|s| s.key.as_str())),
        &expected.schools,
    );
    compare(
        out,
        "terms",
        keys(&mut snapshot.terms.iter().map(|t| t.key.as_str())),
        &expected.terms,
    );
    compare(
        out,
        "people",
        keys(&mut snapshot.people.iter().map(|p| p.key.as_str())),
        &expected.people,
    );
    compare(
        out,
        "courses",
        keys(&mut snapshot.courses.iter().map(|c| c.key.as_str())),
        &expected.courses,
    );
    compare(
        out,
        "sections",
        keys(&mut snapshot.sections.iter().map(|s| s.key.as_str())),
        &expected.sections,
    );
    let enrollments = snapshot
        .enrollments
        .iter()
        .map(|e| pair(e.section.as_str(), e.person.as_str()))
        .collect();
    compare(
        out,
        "enrollments",
        enrollments,
        &pairs(&expected.enrollments),
    );
    let links = snapshot
        .guardian_links
        .iter()
        .map(|l| pair(l.guardian.as_str(), l.student.as_str()))
        .collect();
    compare(
        out,
        "guardian links",
        links,
        &pairs(&expected.guardian_links),
    );
}

/// Every key a record names is a record of the snapshot, of the right kind.
pub(super) fn links(snapshot: &SisSnapshot, out: &mut Vec<Violation>) {
    let schools: BTreeSet<&str> = snapshot.schools.iter().map(|s| s.key.as_str()).collect();
    let terms: BTreeSet<&str> = snapshot.terms.iter().map(|t| t.key.as_str()).collect();
    let courses: BTreeSet<&str> = snapshot.courses.iter().map(|c| c.key.as_str()).collect();
    let sections: BTreeSet<&str> = snapshot.sections.iter().map(|s| s.key.as_str()).collect();
    let roles: BTreeMap<&str, SisRole> = snapshot
        .people
        .iter()
        .map(|p| (p.key.as_str(), p.role))
        .collect();
    let mut bad = |detail: String| push(out, "links", detail);
    for term in &snapshot.terms {
        if !schools.contains(term.school.as_str()) {
            bad(format!(
                "term {} names unknown school {}",
                term.key, term.school
            ));
        }
        if let Some(parent) = &term.parent
            && !terms.contains(parent.as_str())
        {
            bad(format!("term {} names unknown parent {parent}", term.key));
        }
    }
    for person in &snapshot.people {
        for school in person.schools() {
            if !schools.contains(school.as_str()) {
                bad(format!(
                    "person {} names unknown school {school}",
                    person.key
                ));
            }
        }
    }
    for course in &snapshot.courses {
        if !schools.contains(course.school.as_str()) {
            bad(format!(
                "course {} names unknown school {}",
                course.key, course.school
            ));
        }
    }
    for section in &snapshot.sections {
        if !courses.contains(section.course.as_str()) {
            bad(format!(
                "section {} names unknown course {}",
                section.key, section.course
            ));
        }
        if !schools.contains(section.school.as_str()) {
            bad(format!(
                "section {} names unknown school {}",
                section.key, section.school
            ));
        }
        for term in section.terms.iter().filter(|t| !terms.contains(t.as_str())) {
            bad(format!("section {} names unknown term {term}", section.key));
        }
        for teacher in section.teachers() {
            if !roles.contains_key(teacher.as_str()) {
                bad(format!(
                    "section {} names unknown teacher {teacher}",
                    section.key
                ));
            }
        }
    }
    for enrollment in &snapshot.enrollments {
        if !sections.contains(enrollment.section.as_str()) {
            bad(format!(
                "an enrollment names unknown section {}",
                enrollment.section
            ));
        }
        if !roles.contains_key(enrollment.person.as_str()) {
            bad(format!(
                "an enrollment in {} names unknown person {}",
                enrollment.section, enrollment.person
            ));
        }
    }
    for section in &snapshot.sections {
        for teacher in section.teachers() {
            let listed = snapshot.enrollments.iter().any(|e| {
                e.section == section.key
                    && e.person == *teacher
                    && e.role == EnrollmentRole::Teacher
            });
            if !listed {
                bad(format!(
                    "teacher {teacher} of section {} has no teacher enrollment",
                    section.key
                ));
            }
        }
    }
    for link in &snapshot.guardian_links {
        if roles.get(link.guardian.as_str()) != Some(&SisRole::Guardian) {
            bad(format!(
                "guardian link names {} who is not a guardian of the snapshot",
                link.guardian
            ));
        }
        if roles.get(link.student.as_str()) != Some(&SisRole::Student) {
            bad(format!(
                "guardian link names {} who is not a student of the snapshot",
                link.student
            ));
        }
    }
}

/// Inactive and withdrawn records are marked, everything else current.
pub(super) fn statuses(snapshot: &SisSnapshot, expected: &Expected, out: &mut Vec<Violation>) {
    for person in &snapshot.people {
        let key = person.key.as_str();
        let want = if expected.withdrawn_people.contains(key) {
            PersonStatus::Withdrawn
        } else if expected.inactive_people.contains(key) {
            PersonStatus::Inactive
        } else {
            PersonStatus::Active
        };
        if person.status != want {
            push(
                out,
                "status",
                format!("person {key} is {:?}, expected {want:?}", person.status),
            );
        }
    }
    for course in &snapshot.courses {
        let want = !expected.inactive_courses.contains(course.key.as_str());
        if course.active != want {
            push(
                out,
                "status",
                format!(
                    "course {} active = {}, expected {want}",
                    course.key, course.active
                ),
            );
        }
    }
    for enrollment in &snapshot.enrollments {
        let key = (
            enrollment.section.to_string(),
            enrollment.person.to_string(),
        );
        let want_ended = expected.ended_enrollments.contains(&key);
        let ended = match expected.as_of {
            Some(today) => !enrollment.is_current(today),
            None => false,
        };
        if ended != want_ended {
            push(
                out,
                "status",
                format!(
                    "enrollment of {} in {} ends {:?}; expected it {}",
                    key.1,
                    key.0,
                    enrollment.end,
                    if want_ended { "ended" } else { "current" }
                ),
            );
        }
    }
}

/// Exactly the expected malformed records are reported.
/// The records left out of the snapshot (unreadable or left out) are
/// exactly those expected; warnings on records read are not counted here.
pub(super) fn problems(problems: &[SourceProblem], expected: &Expected, out: &mut Vec<Violation>) {
    let excluded: Vec<&SourceProblem> = problems.iter().filter(|p| p.excludes()).collect();
    for location in &expected.problem_locations {
        if !excluded
            .iter()
            .any(|p| p.location.contains(location.as_str()))
        {
            push(
                out,
                "problems",
                format!("no problem reported at {location:?}; got {excluded:?}"),
            );
        }
    }
    for problem in excluded {
        if !expected
            .problem_locations
            .iter()
            .any(|l| problem.location.contains(l.as_str()))
        {
            push(
                out,
                "problems",
                format!(
                    "unexpected problem at {}: {}",
                    problem.location, problem.message
                ),
            );
        }
    }
}

/// Every record is accounted for: for each kind of record, those in the
/// snapshot and those left out of it (one problem each) add up to what the
/// source holds; every problem says what it is about, where and why.
pub(super) fn accounting(
    read: &SisRead,
    totals: &BTreeMap<RecordKind, usize>,
    out: &mut Vec<Violation>,
) {
    for (kind, total) in totals {
        let Some(read_count) = kind.count_in(&read.snapshot) else {
            continue;
        };
        let left_out = read
            .problems
            .iter()
            .filter(|p| p.excludes() && p.record == Some(*kind))
            .count();
        if read_count + left_out != *total {
            push(
                out,
                "accounting",
                format!(
                    "{kind}: the source holds {total}, {read_count} were read and {left_out} reported as not read ({} unaccounted for)",
                    *total as i64 - (read_count + left_out) as i64
                ),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for problem in &read.problems {
        if problem.record.is_none() {
            push(
                out,
                "accounting",
                format!("a problem names no kind of record: {problem:?}"),
            );
        }
        if problem.location.trim().is_empty() || problem.message.trim().is_empty() {
            push(
                out,
                "accounting",
                format!("a problem without a location or a reason: {problem:?}"),
            );
        }
        if problem.excludes() && !seen.insert((problem.record, problem.location.clone())) {
            push(
                out,
                "accounting",
                format!(
                    "{} is reported as not read more than once: {}",
                    problem.location, problem.message
                ),
            );
        }
    }
}

/// A snapshot with every list in key order, for comparing two reads.
fn normal(read: &SisRead) -> SisRead {
    let mut read = read.clone();
    let s = &mut read.snapshot;
    s.schools.sort_by(|a, b| a.key.cmp(&b.key));
    s.terms.sort_by(|a, b| a.key.cmp(&b.key));
    s.people.sort_by(|a, b| a.key.cmp(&b.key));
    s.courses.sort_by(|a, b| a.key.cmp(&b.key));
    s.sections.sort_by(|a, b| a.key.cmp(&b.key));
    s.enrollments
        .sort_by(|a, b| (&a.section, &a.person, a.role).cmp(&(&b.section, &b.person, b.role)));
    s.guardian_links.sort();
    read.problems
        .sort_by(|a, b| (&a.location, &a.message).cmp(&(&b.location, &b.message)));
    read
}

/// Two reads give the same snapshot and problems, order aside.
pub(super) fn stable(first: &SisRead, second: &SisRead, out: &mut Vec<Violation>) {
    if normal(first) != normal(second) {
        push(
            out,
            "stable",
            "two reads without changes gave different snapshots".to_owned(),
        );
    }
}

/// The snapshot's schools are among those `schools()` lists.
pub(super) fn mapping_schools(
    snapshot: &SisSnapshot,
    schools: &[School],
    out: &mut Vec<Violation>,
) {
    for school in &snapshot.schools {
        if !schools.iter().any(|s| s == school) {
            push(
                out,
                "schools",
                format!(
                    "school {} of the snapshot is not listed by schools()",
                    school.key
                ),
            );
        }
    }
}

/// The snapshot's terms are among those `terms()` lists.
pub(super) fn mapping_terms(snapshot: &SisSnapshot, terms: &[Term], out: &mut Vec<Violation>) {
    for term in &snapshot.terms {
        if !terms.iter().any(|t| t == term) {
            push(
                out,
                "terms",
                format!("term {} of the snapshot is not listed by terms()", term.key),
            );
        }
    }
}
