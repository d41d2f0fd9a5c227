//! The SIS conformance kit run against the CSV reader on both sample
//! packages and on an edited copy with courses, guardians, statuses and a
//! malformed row; every record of each package is read or accounted for.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use rostersync_oneroster::OneRosterCsv;
use rostersync_ports::RecordKind;
use rostersync_ports::conformance::{Expected, assert_sis_source, check_sis_source};

use crate::fixture::{self, DELTA_1_2, MINIMAL_1_1, SCHOOL_1_1, request, totals};

pub(crate) fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

pub(crate) fn pairs(keys: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    keys.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The two classes of the 1.1 sample.
const CLASSES_1_1: [&str; 2] = ["cls-222-123456", "cls-222-123478"];

/// The enrollments of the 1.1 sample, by line of enrollments.csv.
const ENROLLMENTS_1_1: [(usize, &str, &str, &str); 6] = [
    (
        2,
        "enr-t-222-12345-123456",
        "cls-222-123456",
        "usr-222-123456",
    ),
    (
        3,
        "enr-s-222-12345-987654",
        "cls-222-123456",
        "usr-222-987654",
    ),
    (
        4,
        "enr-s-222-12345-987655",
        "cls-222-123456",
        "usr-222-1234561232",
    ),
    (
        5,
        "enr-t-222-12345-123232",
        "cls-222-123478",
        "usr-222-123456",
    ),
    (
        6,
        "enr-s-222-12345-987532",
        "cls-222-123478",
        "usr-222-987654",
    ),
    (
        7,
        "enr-s-222-12345-985321",
        "cls-222-123478",
        "usr-222-1234561232",
    ),
];

/// What the 1.1 sample package yields for its school in 2023 read as it
/// is: the package has no courses.csv, so both classes are unreadable
/// (their course is not in the package) and their enrollments left out.
pub(crate) fn minimal() -> Expected {
    let mut problem_locations: Vec<String> = CLASSES_1_1
        .iter()
        .enumerate()
        .map(|(i, id)| format!("classes.csv line {} ({id})", i + 2))
        .collect();
    problem_locations.extend(
        ENROLLMENTS_1_1
            .iter()
            .map(|(line, id, _, _)| format!("enrollments.csv line {line} ({id})")),
    );
    Expected {
        schools: set(&[SCHOOL_1_1]),
        terms: set(&[
            "as-grp-222-23456",
            "as-trm-222-1234",
            "as-grp-222-2345",
            "as-grp-222-3456",
            "as-trm-222-1235",
        ]),
        people: set(&[
            "usr-222-123456",
            "usr-222-66778899",
            "usr-222-1234561",
            "usr-222-987654",
            "usr-222-1234561232",
            "usr-222-567891",
        ]),
        as_of: NaiveDate::from_ymd_opt(2022, 12, 1),
        problem_locations,
        totals: totals(Path::new(MINIMAL_1_1)),
        ..Expected::default()
    }
}

/// The same read when courses are made from classes: every class and
/// enrollment read, and one course per class (the package holds none, so
/// the two made courses are all the courses there are).
pub(crate) fn minimal_with_made_courses() -> Expected {
    let mut expected = minimal();
    expected.courses = set(&["crs-222-2023-456-12345", "crs-222-2023-456-23456"]);
    expected.sections = set(&CLASSES_1_1);
    expected.enrollments = ENROLLMENTS_1_1
        .iter()
        .map(|(_, _, class, user)| ((*class).to_owned(), (*user).to_owned()))
        .collect();
    expected.problem_locations.clear();
    expected.totals.insert(RecordKind::Course, 2);
    expected
}

#[tokio::test]
async fn one_one_sample_package_conforms_and_accounts_for_every_record() {
    let totals = totals(Path::new(MINIMAL_1_1));
    // Counted from the files: one org, five sessions, six users, two
    // classes, six enrollments, no courses.csv.
    let counts: Vec<usize> = totals.values().copied().collect();
    assert_eq!(counts, [1, 5, 6, 0, 2, 6]);
    assert_sis_source(
        &OneRosterCsv::new(MINIMAL_1_1),
        &request(SCHOOL_1_1),
        &minimal(),
    )
    .await;
    assert_sis_source(
        &OneRosterCsv::new(MINIMAL_1_1).with_courses_from_classes(),
        &request(SCHOOL_1_1),
        &minimal_with_made_courses(),
    )
    .await;
}

/// What the 1.2 sample package yields for its school.
pub(crate) fn one_two() -> Expected {
    Expected {
        schools: set(&["ORG_1"]),
        terms: set(&["ACAD_SESS_1"]),
        people: set(&["USER_0"]),
        courses: set(&["COURSE_001"]),
        sections: set(&["CLASS_001"]),
        enrollments: pairs(&[("CLASS_001", "USER_0")]),
        totals: totals(Path::new(DELTA_1_2)),
        ..Expected::default()
    }
}

#[tokio::test]
async fn one_two_sample_package_conforms_and_accounts_for_every_record() {
    let counts: Vec<usize> = totals(Path::new(DELTA_1_2)).values().copied().collect();
    assert_eq!(counts, [1, 1, 1, 1, 1, 1]);
    assert_sis_source(&OneRosterCsv::new(DELTA_1_2), &request("ORG_1"), &one_two()).await;
}

/// The 1.1 sample plus a courses.csv for its two classes, a guardian link
/// from each side, a withdrawn and a disabled student, a dropped enrollment
/// and one malformed user (the last row of users.csv, line 11), with what
/// it should yield.
pub(crate) fn edited_package() -> (tempfile::TempDir, Expected) {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::replace(
        dir.path(),
        "manifest.csv",
        "file.courses,absent",
        "file.courses,bulk",
    );
    std::fs::write(
        dir.path().join("courses.csv"),
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\r\n\
         crs-222-2023-456-12345,,,,Physics,PHY1,\"11,12\",org-sch-222-456,Science,\r\n\
         crs-222-2023-456-23456,,,,History,HIS2,10,org-sch-222-456,History,\r\n",
    )
    .unwrap();
    fixture::append(
        dir.path(),
        "users.csv",
        "usr-g2,,,TRUE,,guardian,g2,,Gina,Brown,,,,,,usr-222-567891,,\r\n\
         usr-s3,tobedeleted,2022-11-01T00:00:00Z,TRUE,org-sch-222-456,student,s3,,Sam,Smith,,,,,,usr-222-1234561,09,\r\n\
         usr-s4,,,FALSE,org-sch-222-456,student,s4,,Sue,Smith,,,,,,,10,\r\n\
         usr-broken,,,TRUE,org-sch-222-456,student,broken,,,NoGivenName,,,,,,,,\r\n",
    );
    fixture::append(
        dir.path(),
        "enrollments.csv",
        "enr-s3,tobedeleted,2022-11-01T00:00:00Z,cls-222-123456,org-sch-222-456,usr-s3,student,,2022-09-01,\r\n",
    );
    let mut expected = minimal_with_made_courses();
    expected.totals = totals(dir.path());
    expected.people.extend(set(&["usr-g2", "usr-s3", "usr-s4"]));
    expected.guardian_links = pairs(&[("usr-g2", "usr-222-567891"), ("usr-222-1234561", "usr-s3")]);
    expected.withdrawn_people = set(&["usr-s3"]);
    expected.inactive_people = set(&["usr-s4"]);
    expected
        .enrollments
        .extend(pairs(&[("cls-222-123456", "usr-s3")]));
    expected.ended_enrollments = pairs(&[("cls-222-123456", "usr-s3")]);
    expected.problem_locations = vec!["users.csv line 11 (usr-broken)".to_owned()];
    (dir, expected)
}

#[tokio::test]
async fn edited_package_with_guardians_statuses_and_a_malformed_row_conforms() {
    let (dir, expected) = edited_package();
    let counts: Vec<usize> = expected.totals.values().copied().collect();
    assert_eq!(counts, [1, 5, 10, 2, 2, 7]);
    let source = OneRosterCsv::new(dir.path());
    assert_sis_source(&source, &request(SCHOOL_1_1), &expected).await;
}

/// The kit itself notices a source that differs from what it should yield,
/// and one that loses track of a record.
#[tokio::test]
async fn kit_reports_a_wrong_expectation() {
    let mut expected = minimal();
    expected.people.insert("usr-missing".to_owned());
    expected.withdrawn_people = set(&["usr-222-567891"]);
    expected.problem_locations = vec!["users.csv line 99".to_owned()];
    expected.totals.insert(RecordKind::Person, 7);
    let violations = check_sis_source(
        &OneRosterCsv::new(MINIMAL_1_1),
        &request(SCHOOL_1_1),
        &expected,
    )
    .await;
    let checks: BTreeSet<&str> = violations.iter().map(|v| v.check).collect();
    assert_eq!(
        checks,
        BTreeSet::from(["accounting", "keys", "problems", "status"]),
        "{violations:#?}"
    );
    assert!(
        violations
            .iter()
            .any(|v| v.detail.contains("person: the source holds 7, 6 were read")),
        "{violations:#?}"
    );
}
