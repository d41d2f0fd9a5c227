//! The conformance kit against hand-made sources that break the contract:
//! duplicates, dangling links, a guardian link to a non-student, unstable
//! reads, a failed read, records lost or reported twice; and one that keeps
//! it while reporting warnings, which are not problem locations.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::NaiveDate;
use rostersync_core::model::sis::{
    Enrollment, EnrollmentRole, GuardianLink, Person, PersonName, PersonStatus, School, SisRole,
    SisSnapshot, Term,
};
use rostersync_ports::conformance::{Expected, check_sis_source};
use rostersync_ports::{
    ErrorKind, PortError, PortResult, RecordKind, SisRead, SisRequest, SisSource, SourceProblem,
};

/// A source that yields `reads[n]` on its n-th snapshot (the last one after that).
struct Fake {
    reads: Vec<PortResult<SisRead>>,
    calls: AtomicUsize,
}

fn copy(read: &PortResult<SisRead>) -> PortResult<SisRead> {
    match read {
        Ok(read) => Ok(read.clone()),
        Err(error) => Err(PortError::new(error.kind(), error.message())),
    }
}

#[async_trait]
impl SisSource for Fake {
    async fn schools(&self) -> PortResult<Vec<School>> {
        Ok(self.reads[0]
            .as_ref()
            .map(|r| r.snapshot.schools.clone())
            .unwrap_or_default())
    }

    async fn terms(&self, _school_year: i32) -> PortResult<Vec<Term>> {
        Ok(self.reads[0]
            .as_ref()
            .map(|r| r.snapshot.terms.clone())
            .unwrap_or_default())
    }

    async fn snapshot(&self, _request: &SisRequest) -> PortResult<SisRead> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        copy(&self.reads[n.min(self.reads.len() - 1)])
    }
}

fn person(key: &str, role: SisRole) -> Person {
    Person {
        key: key.into(),
        role,
        name: PersonName::default(),
        email: None,
        username: None,
        grade: None,
        graduation_year: None,
        primary_school: "S".into(),
        other_schools: Vec::new(),
        status: PersonStatus::Active,
    }
}

fn broken() -> SisSnapshot {
    SisSnapshot {
        schools: vec![School {
            key: "S".into(),
            name: "S".into(),
            code: None,
        }],
        terms: vec![Term {
            key: "T".into(),
            school: "NOPE".into(),
            school_year: 2026,
            title: "T".into(),
            start: NaiveDate::default(),
            end: NaiveDate::default(),
            parent: None,
        }],
        people: vec![
            person("a", SisRole::Student),
            person("a", SisRole::Student),
            person("t", SisRole::Teacher),
        ],
        guardian_links: vec![GuardianLink {
            guardian: "t".into(),
            student: "a".into(),
        }],
        enrollments: vec![Enrollment {
            section: "GONE".into(),
            person: "a".into(),
            role: EnrollmentRole::Student,
            primary: false,
            begin: None,
            end: None,
        }],
        ..SisSnapshot::default()
    }
}

fn request() -> SisRequest {
    SisRequest {
        schools: ["S".into()].into(),
        school_year: 2026,
    }
}

#[tokio::test]
async fn kit_catches_duplicates_dangling_links_and_unstable_reads() {
    let first = SisRead {
        snapshot: broken(),
        problems: Vec::new(),
    };
    let mut second = first.clone();
    second.snapshot.people.pop();
    let fake = Fake {
        reads: vec![Ok(first), Ok(second)],
        calls: AtomicUsize::new(0),
    };
    let expected = Expected {
        schools: ["S".to_owned()].into(),
        terms: ["T".to_owned()].into(),
        people: ["a".to_owned(), "t".to_owned()].into(),
        enrollments: [("GONE".to_owned(), "a".to_owned())].into(),
        guardian_links: [("t".to_owned(), "a".to_owned())].into(),
        ..Expected::default()
    };
    let violations = check_sis_source(&fake, &request(), &expected).await;
    let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
    let checks: BTreeSet<&str> = violations.iter().map(|v| v.check).collect();
    assert_eq!(
        checks,
        BTreeSet::from(["links", "once", "stable"]),
        "{text:#?}"
    );
    for needle in [
        "person PersonKey(\"a\") arrives 2 times",
        "term T names unknown school NOPE",
        "an enrollment names unknown section GONE",
        "guardian link names t who is not a guardian",
    ] {
        assert!(
            text.iter().any(|t| t.contains(needle)),
            "{needle} not in {text:#?}"
        );
    }
}

#[tokio::test]
async fn kit_reports_a_failed_read() {
    let fake = Fake {
        reads: vec![Err(PortError::new(ErrorKind::Unavailable, "down"))],
        calls: AtomicUsize::new(0),
    };
    let violations = check_sis_source(&fake, &request(), &Expected::default()).await;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].check, "read");
    assert!(violations[0].detail.contains("down"));
}

/// A school and a student read, a warning on the student, and one person
/// and one enrollment left out, as a source accounting for four people.
fn accounted() -> SisRead {
    let mut snapshot = broken();
    snapshot.terms.clear();
    snapshot.people = vec![person("a", SisRole::Student)];
    snapshot.guardian_links.clear();
    snapshot.enrollments.clear();
    let problem = |at: &str, record| SourceProblem::new(at, "why").record(record).reason("why");
    SisRead {
        snapshot,
        problems: vec![
            problem("users.csv line 2 (a)", RecordKind::Person).warning(),
            problem("users.csv line 3 (b)", RecordKind::Person).left_out(),
            problem("users.csv line 4 (c)", RecordKind::Person),
            problem("enrollments.csv line 2 (e)", RecordKind::Enrollment).left_out(),
        ],
    }
}

fn accounted_expected() -> Expected {
    Expected {
        schools: ["S".to_owned()].into(),
        people: ["a".to_owned()].into(),
        problem_locations: vec![
            "users.csv line 3 (b)".to_owned(),
            "users.csv line 4 (c)".to_owned(),
            "enrollments.csv line 2 (e)".to_owned(),
        ],
        totals: [
            (RecordKind::School, 1),
            (RecordKind::Person, 3),
            (RecordKind::Enrollment, 1),
        ]
        .into(),
        ..Expected::default()
    }
}

#[tokio::test]
async fn warnings_are_not_problem_locations_and_every_record_is_counted() {
    let fake = Fake {
        reads: vec![Ok(accounted())],
        calls: AtomicUsize::new(0),
    };
    let violations = check_sis_source(&fake, &request(), &accounted_expected()).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn kit_catches_a_lost_record_one_reported_twice_and_a_problem_of_no_kind() {
    let mut read = accounted();
    // The enrollment is reported twice, a person lost, and a problem says
    // not what it is about.
    let twice = read.problems[3].clone();
    read.problems.push(twice);
    read.problems.remove(2);
    read.problems
        .push(SourceProblem::new("classes.csv line 9", "why").warning());
    let fake = Fake {
        reads: vec![Ok(read)],
        calls: AtomicUsize::new(0),
    };
    let mut expected = accounted_expected();
    expected.problem_locations.remove(1);
    let violations = check_sis_source(&fake, &request(), &expected).await;
    let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.iter().all(|v| v.check == "accounting"),
        "{text:#?}"
    );
    for needle in [
        "person: the source holds 3, 1 were read and 1 reported as not read (1 unaccounted for)",
        "enrollment: the source holds 1, 0 were read and 2 reported as not read (-1 unaccounted for)",
        "enrollments.csv line 2 (e) is reported as not read more than once",
        "a problem names no kind of record",
    ] {
        assert!(
            text.iter().any(|t| t.contains(needle)),
            "{needle} not in {text:#?}"
        );
    }
}
