//! The sloppiness of real exports, one rule a test, over the hand-made
//! packages of `tests/data/sloppy` (see its README): each record is read or
//! accounted for, with the reason asserted; and every record of both
//! packages is read or reported once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rostersync_core::model::sis::{EnrollmentRole, SisRole};
use rostersync_oneroster::{OneRosterCsv, reason};
use rostersync_ports::conformance::{Expected, assert_sis_source};
use rostersync_ports::{ProblemKind, RecordKind, SisRead, SisRequest, SisSource, SourceProblem};

use crate::conformance::{pairs, set};
use crate::fixture::{self, totals};

/// The 1.1 bulk package of Riverside High School.
pub(crate) fn v1p1() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sloppy/v1p1")
}

/// The 1.2 bulk package of Lakeview Middle School.
pub(crate) fn v1p2() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sloppy/v1p2")
}

/// A request for `school` in school year 2025 (2024-25).
pub(crate) fn request(school: &str) -> SisRequest {
    SisRequest {
        schools: [school.into()].into(),
        school_year: 2025,
    }
}

async fn read_with(source: &OneRosterCsv, school: &str) -> SisRead {
    source.snapshot(&request(school)).await.unwrap()
}

async fn read_v1p1() -> SisRead {
    read_with(&OneRosterCsv::new(v1p1()), "sch-110").await
}

async fn read_v1p2() -> SisRead {
    read_with(&OneRosterCsv::new(v1p2()), "sch-20").await
}

/// The one problem at `location` (a prefix of its location).
fn one<'a>(read: &'a SisRead, location: &str) -> &'a SourceProblem {
    let found = fixture::at(&read.problems, location);
    assert_eq!(found.len(), 1, "{location}: {:#?}", read.problems);
    found[0]
}

/// Asserts `problem` is of `kind` about a record of `record`, with `reason`
/// and the field at fault, and says `says`.
fn assert_problem(
    problem: &SourceProblem,
    (kind, record): (ProblemKind, RecordKind),
    reason: &str,
    field: Option<&str>,
    says: &str,
) {
    assert_eq!(
        (problem.kind, problem.record, problem.reason.as_deref()),
        (kind, Some(record), Some(reason)),
        "{problem:?}"
    );
    assert_eq!(problem.field.as_deref(), field, "{problem:?}");
    assert!(problem.message.contains(says), "{says:?} in {problem:?}");
}

const LEFT_OUT: ProblemKind = ProblemKind::LeftOut;
const UNREADABLE: ProblemKind = ProblemKind::Unreadable;
const WARNING: ProblemKind = ProblemKind::Warning;

fn has<T>(items: &[T], key: impl Fn(&T) -> &str, wanted: &str) -> bool {
    items.iter().any(|item| key(item) == wanted)
}

#[tokio::test]
async fn a_missing_parent_session_costs_the_link_not_the_term() {
    let read = read_v1p1().await;
    let problem = one(&read, "academicSessions.csv line 7 (q1-2025)");
    assert_problem(
        problem,
        (WARNING, RecordKind::Term),
        reason::PARENT_MISSING,
        Some("parentSourcedId"),
        "parent session sem1-2025 is not in the package",
    );
    assert_eq!(problem.key.as_deref(), Some("q1-2025"));
    let s = &read.snapshot;
    let term = s
        .terms
        .iter()
        .find(|t| t.key.as_str() == "q1-2025")
        .unwrap();
    assert_eq!(term.parent, None);
    // The term, its class and the class's enrollments are all there.
    let biology = s
        .sections
        .iter()
        .find(|x| x.key.as_str() == "k-bio-3")
        .unwrap();
    assert_eq!(biology.terms, std::slice::from_ref(&term.key));
    let enrolled = s.enrollments.iter().filter(|e| e.section == biology.key);
    assert_eq!(enrolled.count(), 2);
    // And it is offered for mapping.
    let offered = OneRosterCsv::new(v1p1()).terms(2025).await.unwrap();
    assert!(has(&offered, |t| t.key.as_str(), "q1-2025"));
}

#[tokio::test]
async fn a_class_of_another_school_year_is_left_out_with_its_reason() {
    let read = read_v1p1().await;
    assert_problem(
        one(&read, "classes.csv line 5 (k-whist-4)"),
        (LEFT_OUT, RecordKind::Section),
        reason::OTHER_YEAR,
        Some("termSourcedIds"),
        "s1-2024 was not read (another school year)",
    );
    // Its enrollments and its course go with it, for the same reason.
    for line in [
        "enrollments.csv line 11 (e-10)",
        "enrollments.csv line 12 (e-11)",
    ] {
        assert_problem(
            one(&read, line),
            (LEFT_OUT, RecordKind::Enrollment),
            reason::OTHER_YEAR,
            Some("classSourcedId"),
            "class k-whist-4",
        );
    }
    assert_problem(
        one(&read, "courses.csv line 5 (c-whist)"),
        (LEFT_OUT, RecordKind::Course),
        reason::OTHER_YEAR,
        Some("schoolYearSourcedId"),
        "school year 2024, not 2025",
    );
    assert_problem(
        one(&read, "academicSessions.csv line 3 (s1-2024)"),
        (LEFT_OUT, RecordKind::Term),
        reason::OTHER_YEAR,
        Some("schoolYear"),
        "school year 2024, not 2025",
    );
}

#[tokio::test]
async fn ended_enrollments_are_read_with_their_end_for_every_role() {
    let read = read_v1p1().await;
    let s = &read.snapshot;
    let enrollment = |class: &str, user: &str| {
        s.enrollments
            .iter()
            .find(|e| e.section.as_str() == class && e.person.as_str() == user)
            .unwrap_or_else(|| panic!("{class} / {user} not read"))
    };
    // A student and a teacher with the same dates (end 2024-09-14, exclusive).
    let student = enrollment("k-eng9-1", "s-1002");
    let teacher = enrollment("k-alg1-2", "t-502");
    assert_eq!(teacher.role, EnrollmentRole::Teacher);
    let last = NaiveDate::from_ymd_opt(2024, 9, 13);
    for ended in [student, teacher] {
        assert_eq!(ended.end, last);
        assert!(ended.is_current(NaiveDate::from_ymd_opt(2024, 9, 13).unwrap()));
        assert!(!ended.is_current(NaiveDate::from_ymd_opt(2024, 9, 14).unwrap()));
    }
    assert!(fixture::at(&read.problems, "enrollments.csv line 4 ").is_empty());
    assert!(fixture::at(&read.problems, "enrollments.csv line 5 ").is_empty());
    // The ended teacher is not kept as the section's teacher: the one who
    // took over (open-ended) is, so the core ends both rows alike.
    let algebra = s
        .sections
        .iter()
        .find(|x| x.key.as_str() == "k-alg1-2")
        .unwrap();
    assert_eq!(algebra.primary_teacher.as_ref().unwrap().as_str(), "t-501");
    assert!(algebra.co_teachers.is_empty());
    assert!(enrollment("k-alg1-2", "t-501").primary);
}

/// A delta package over the 1.1 package: its users.csv holds `rows`.
fn delta_with_users(rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
    write(
        "manifest.csv",
        "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\nfile.users,delta\r\n",
    );
    write(
        "users.csv",
        &format!(
            "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\r\n{rows}"
        ),
    );
    dir
}

#[tokio::test]
async fn a_date_last_modified_that_is_not_iso_is_ignored_in_bulk_and_refused_in_a_delta() {
    // Bulk: metadata, warned about and ignored; the user is read.
    let read = read_v1p1().await;
    assert_problem(
        one(&read, "users.csv line 6 (s-1001)"),
        (WARNING, RecordKind::Person),
        reason::BULK_DATE,
        Some("dateLastModified"),
        "\"1/05/2023\" is not an ISO 8601 date-time",
    );
    assert!(has(&read.snapshot.people, |p| p.key.as_str(), "s-1001"));

    // Delta: it orders the changes, so the row is unreadable, as is one
    // without it; the bulk version of both users stays.
    let delta = delta_with_users(
        "s-1001,active,1/05/2023,TRUE,sch-110,student,1001,,Ava,Tran,,,,,,,09,\r\n\
         s-1002,active,,TRUE,sch-110,student,1002,,Liam,OConnor,,,,,,,09,\r\n\
         s-1004,active,2024-10-01T09:30:00Z,FALSE,sch-110,student,1004,,Noah,Smith,,,,,,,10,\r\n",
    );
    let source = OneRosterCsv::new(v1p1()).with_delta(delta.path());
    let read = read_with(&source, "sch-110").await;
    let problem = one(&read, "users.csv line 2 (s-1001)");
    assert_problem(
        problem,
        (UNREADABLE, RecordKind::Person),
        reason::DELTA_DATE,
        Some("dateLastModified"),
        "a delta file needs it",
    );
    assert_problem(
        one(&read, "users.csv line 3 (s-1002)"),
        (UNREADABLE, RecordKind::Person),
        reason::DELTA_DATE,
        Some("dateLastModified"),
        "dateLastModified is blank",
    );
    let person = |key: &str| {
        read.snapshot
            .people
            .iter()
            .find(|p| p.key.as_str() == key)
            .unwrap()
    };
    assert_eq!(person("s-1001").name.last, "Nguyen");
    assert_eq!(person("s-1002").name.last, "O'Connor");
    // A well-formed delta row applies.
    assert!(!person("s-1004").is_active());
}

#[tokio::test]
async fn a_misspelled_optional_column_is_a_file_warning_naming_the_likely_column() {
    let read = read_v1p2().await;
    let columns = fixture::at(&read.problems, "users.csv line 1");
    let named: Vec<(&str, &str)> = columns
        .iter()
        .map(|p| (p.field.as_deref().unwrap(), p.message.as_str()))
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    for (problem, (column, likely)) in columns.iter().zip([
        ("prefferedGivenName", "preferredGivenName"),
        ("prefferedFamilyName", "preferredFamilyName"),
    ]) {
        assert_problem(
            problem,
            (WARNING, RecordKind::File),
            reason::UNKNOWN_COLUMN,
            Some(column),
            &format!("it is likely meant to be {likely}"),
        );
    }
    assert_problem(
        one(&read, "roles.csv line 1"),
        (WARNING, RecordKind::File),
        reason::UNKNOWN_COLUMN,
        Some("dataLastModified"),
        "likely meant to be dateLastModified",
    );
    // The misspelled column is not guessed at: Kate's preferred name was
    // not read, and the warning says so.
    let katherine = &read
        .snapshot
        .people
        .iter()
        .find(|p| p.key.as_str() == "u-t1");
    assert_eq!(katherine.unwrap().name.preferred_first, None);
}

#[tokio::test]
async fn header_case_and_spacing_and_a_missing_unused_file_are_warnings() {
    let read = read_v1p1().await;
    assert_problem(
        one(&read, "orgs.csv line 1"),
        (WARNING, RecordKind::File),
        reason::COLUMN_SPELLING,
        Some("parentSourcedId"),
        "column \"ParentSourcedId\" is read as parentSourcedId",
    );
    assert_problem(
        one(&read, "manifest.csv"),
        (WARNING, RecordKind::File),
        reason::UNUSED_FILE_MISSING,
        None,
        "lists demographics.csv as bulk",
    );
}

#[tokio::test]
async fn a_role_that_cannot_be_mapped_is_never_guessed_as_teacher() {
    let read = read_v1p2().await;
    // The only role is a secondary site administrator role: left out.
    assert_problem(
        one(&read, "users.csv line 4 (u-ap)"),
        (LEFT_OUT, RecordKind::Person),
        reason::ROLE_NOT_SYNCED,
        Some("roles"),
        "(siteAdministrator) are not synced",
    );
    let people = &read.snapshot.people;
    assert!(!has(people, |p| p.key.as_str(), "u-ap"));
    // A principal who also teaches is read as a teacher, and says why.
    assert_problem(
        one(&read, "users.csv line 5 (u-pt)"),
        (WARNING, RecordKind::Person),
        reason::SECONDARY_ROLE,
        Some("roles"),
        "read as teacher by a secondary role",
    );
    let principal = people.iter().find(|p| p.key.as_str() == "u-pt").unwrap();
    assert_eq!(principal.role, SisRole::Teacher);

    let read = read_v1p1().await;
    assert_problem(
        one(&read, "users.csv line 4 (a-600)"),
        (LEFT_OUT, RecordKind::Person),
        reason::ROLE_NOT_SYNCED,
        Some("role"),
        "(administrator) are not synced",
    );
    // A role that is not a OneRoster role cannot be read at all.
    assert_problem(
        one(&read, "users.csv line 5 (x-700)"),
        (UNREADABLE, RecordKind::Person),
        reason::UNKNOWN_ROLE,
        Some("role"),
        "staff is not a OneRoster user role",
    );
    // Nor is an enrollment as proctor taken for a teacher's.
    assert_problem(
        one(&read, "enrollments.csv line 18 (e-17)"),
        (LEFT_OUT, RecordKind::Enrollment),
        reason::ENROLLMENT_ROLE_NOT_SYNCED,
        Some("role"),
        "an enrollment as proctor",
    );
}

#[tokio::test]
async fn an_inactive_session_is_not_a_term_and_its_classes_are_accounted_for() {
    let source = OneRosterCsv::new(v1p1());
    let offered = source.terms(2025).await.unwrap();
    let keys: Vec<&str> = offered.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["ay-2025", "q1-2025", "s1-2025", "s2-2025"]);
    let read = read_v1p1().await;
    assert!(!has(&read.snapshot.terms, |t| t.key.as_str(), "sum-2025"));
    assert_problem(
        one(&read, "academicSessions.csv line 8 (sum-2025)"),
        (LEFT_OUT, RecordKind::Term),
        reason::INACTIVE,
        Some("status"),
        "marked inactive",
    );
    assert_problem(
        one(&read, "classes.csv line 6 (k-cr-1)"),
        (LEFT_OUT, RecordKind::Section),
        reason::SESSION_NOT_READ,
        Some("termSourcedIds"),
        "sum-2025 was not read (marked inactive)",
    );
    assert_problem(
        one(&read, "enrollments.csv line 13 (e-12)"),
        (LEFT_OUT, RecordKind::Enrollment),
        reason::CLASS_NOT_READ,
        Some("classSourcedId"),
        "class k-cr-1 was not read (session not read)",
    );
}

#[tokio::test]
async fn a_class_whose_course_is_not_in_the_package_is_unreadable_unless_courses_are_made() {
    let read = read_v1p1().await;
    assert_problem(
        one(&read, "classes.csv line 7 (k-band-5)"),
        (UNREADABLE, RecordKind::Section),
        reason::COURSE_MISSING,
        Some("courseSourcedId"),
        "course c-band is not in the package",
    );
    assert_problem(
        one(&read, "enrollments.csv line 14 (e-13)"),
        (LEFT_OUT, RecordKind::Enrollment),
        reason::CLASS_NOT_READ,
        Some("classSourcedId"),
        "(course not in the package)",
    );
    assert!(!has(&read.snapshot.courses, |c| c.key.as_str(), "c-band"));

    // Asked for, the course is made from the class, with a warning on it.
    let made = read_with(
        &OneRosterCsv::new(v1p1()).with_courses_from_classes(),
        "sch-110",
    )
    .await;
    let s = &made.snapshot;
    let band = s
        .courses
        .iter()
        .find(|c| c.key.as_str() == "c-band")
        .unwrap();
    assert_eq!(band.title, "Concert Band - P5");
    assert!(has(&s.sections, |x| x.key.as_str(), "k-band-5"));
    let warnings: Vec<_> = made
        .problems
        .iter()
        .filter(|p| p.reason.as_deref() == Some(reason::COURSE_FROM_CLASS))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_problem(
        warnings[0],
        (WARNING, RecordKind::Course),
        reason::COURSE_FROM_CLASS,
        Some("courseSourcedId"),
        "made from class k-band-5",
    );
    assert_eq!(warnings[0].key.as_deref(), Some("c-band"));
}

#[tokio::test]
async fn a_record_marked_tobedeleted_creates_nothing() {
    // Not even a course, when courses are made from classes.
    let source = OneRosterCsv::new(v1p1()).with_courses_from_classes();
    let read = read_with(&source, "sch-110").await;
    assert_problem(
        one(&read, "classes.csv line 8 (k-choir-6)"),
        (LEFT_OUT, RecordKind::Section),
        reason::DELETED,
        Some("status"),
        "marked tobedeleted",
    );
    assert_problem(
        one(&read, "enrollments.csv line 15 (e-14)"),
        (LEFT_OUT, RecordKind::Enrollment),
        reason::CLASS_NOT_READ,
        Some("classSourcedId"),
        "(marked tobedeleted)",
    );
    assert!(!has(&read.snapshot.courses, |c| c.key.as_str(), "c-choir"));
    assert!(!has(
        &read.snapshot.sections,
        |x| x.key.as_str(),
        "k-choir-6"
    ));
}

#[tokio::test]
async fn a_key_twice_after_trimming_is_a_problem_on_both_records() {
    let read = read_v1p1().await;
    for (line, other) in [(10, 11), (11, 10)] {
        assert_problem(
            one(&read, &format!("users.csv line {line} (s-1005)")),
            (UNREADABLE, RecordKind::Person),
            reason::DUPLICATE_KEY,
            Some("sourcedId"),
            &format!("also at users.csv line {other}"),
        );
    }
    assert!(!has(&read.snapshot.people, |p| p.key.as_str(), "s-1005"));
    assert_problem(
        one(&read, "enrollments.csv line 19 (e-18)"),
        (LEFT_OUT, RecordKind::Enrollment),
        reason::USER_NOT_READ,
        Some("userSourcedId"),
        "user s-1005 could not be read",
    );
}

#[tokio::test]
async fn a_reference_to_a_record_not_in_the_package_says_which() {
    let read = read_v1p1().await;
    assert_problem(
        one(&read, "enrollments.csv line 16 (e-15)"),
        (UNREADABLE, RecordKind::Enrollment),
        reason::USER_MISSING,
        Some("userSourcedId"),
        "user s-9999 is not in the package",
    );
    assert_problem(
        one(&read, "enrollments.csv line 17 (e-16)"),
        (UNREADABLE, RecordKind::Enrollment),
        reason::CLASS_MISSING,
        Some("classSourcedId"),
        "class k-art-7 is not in the package",
    );
}

/// What the 1.1 package yields for Riverside High School in 2024-25, read
/// as it is; everything else is a problem at its line.
pub(crate) fn v1p1_expected() -> Expected {
    let lines = |file: &str, rows: &[(usize, &str)]| -> Vec<String> {
        rows.iter()
            .map(|(line, key)| format!("{file} line {line} ({key})"))
            .collect()
    };
    let mut problem_locations = lines("orgs.csv", &[(2, "d-100")]);
    problem_locations.extend(lines(
        "academicSessions.csv",
        &[(2, "ay-2024"), (3, "s1-2024"), (8, "sum-2025")],
    ));
    problem_locations.extend(lines("courses.csv", &[(5, "c-whist")]));
    problem_locations.extend(lines(
        "classes.csv",
        &[
            (5, "k-whist-4"),
            (6, "k-cr-1"),
            (7, "k-band-5"),
            (8, "k-choir-6"),
        ],
    ));
    problem_locations.extend(lines(
        "users.csv",
        &[(4, "a-600"), (5, "x-700"), (10, "s-1005"), (11, "s-1005")],
    ));
    let enrollments: Vec<(usize, String)> = (10..=18).map(|n| (n + 1, format!("e-{n}"))).collect();
    let enrollments: Vec<(usize, &str)> =
        enrollments.iter().map(|(l, k)| (*l, k.as_str())).collect();
    problem_locations.extend(lines("enrollments.csv", &enrollments));
    Expected {
        schools: set(&["sch-110"]),
        terms: set(&["ay-2025", "s1-2025", "s2-2025", "q1-2025"]),
        people: set(&[
            "t-501", "t-502", "s-1001", "s-1002", "s-1003", "s-1004", "g-2001",
        ]),
        courses: set(&["c-eng9", "c-alg1", "c-bio"]),
        sections: set(&["k-eng9-1", "k-alg1-2", "k-bio-3"]),
        enrollments: pairs(&[
            ("k-eng9-1", "t-501"),
            ("k-eng9-1", "s-1001"),
            ("k-eng9-1", "s-1002"),
            ("k-alg1-2", "t-502"),
            ("k-alg1-2", "t-501"),
            ("k-alg1-2", "s-1003"),
            ("k-alg1-2", "s-1004"),
            ("k-bio-3", "t-502"),
            ("k-bio-3", "s-1001"),
        ]),
        guardian_links: pairs(&[("g-2001", "s-1001")]),
        ended_enrollments: pairs(&[("k-eng9-1", "s-1002"), ("k-alg1-2", "t-502")]),
        as_of: NaiveDate::from_ymd_opt(2024, 10, 1),
        problem_locations,
        totals: totals(&v1p1()),
        ..Expected::default()
    }
}

/// What the 1.2 package yields for Lakeview Middle School in 2024-25.
pub(crate) fn v1p2_expected() -> Expected {
    Expected {
        schools: set(&["sch-20"]),
        terms: set(&["y-2025", "t1-2025"]),
        people: set(&["u-t1", "u-s1", "u-pt"]),
        courses: set(&["c-sci7"]),
        sections: set(&["k-sci7-1"]),
        enrollments: pairs(&[
            ("k-sci7-1", "u-t1"),
            ("k-sci7-1", "u-s1"),
            ("k-sci7-1", "u-pt"),
        ]),
        problem_locations: vec![
            "orgs.csv line 2 (d-2)".to_owned(),
            "users.csv line 4 (u-ap)".to_owned(),
        ],
        totals: totals(&v1p2()),
        ..Expected::default()
    }
}

#[tokio::test]
async fn every_record_of_the_sloppy_packages_is_read_or_accounted_for() {
    let expected = v1p1_expected();
    let counts: BTreeMap<RecordKind, usize> = expected.totals.clone();
    assert_eq!(
        counts.values().copied().collect::<Vec<_>>(),
        [2, 7, 11, 4, 7, 18]
    );
    assert_sis_source(&OneRosterCsv::new(v1p1()), &request("sch-110"), &expected).await;
    let expected = v1p2_expected();
    assert_eq!(
        expected.totals.values().copied().collect::<Vec<_>>(),
        [2, 2, 4, 1, 1, 3]
    );
    assert_sis_source(&OneRosterCsv::new(v1p2()), &request("sch-20"), &expected).await;
}
