//! The SIS conformance kit run against the CSV reader on both sample
//! packages and on an edited copy with guardians, statuses and a malformed row.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_oneroster::OneRosterCsv;
use rostersync_ports::conformance::{Expected, assert_sis_source, check_sis_source};

use crate::fixture::{self, DELTA_1_2, MINIMAL_1_1, SCHOOL_1_1, request};

fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

fn pairs(keys: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    keys.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// What the 1.1 sample package yields for its school in 2023.
pub(crate) fn minimal() -> Expected {
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
        courses: set(&["crs-222-2023-456-12345", "crs-222-2023-456-23456"]),
        sections: set(&["cls-222-123456", "cls-222-123478"]),
        enrollments: pairs(&[
            ("cls-222-123456", "usr-222-123456"),
            ("cls-222-123456", "usr-222-987654"),
            ("cls-222-123456", "usr-222-1234561232"),
            ("cls-222-123478", "usr-222-123456"),
            ("cls-222-123478", "usr-222-987654"),
            ("cls-222-123478", "usr-222-1234561232"),
        ]),
        as_of: NaiveDate::from_ymd_opt(2022, 12, 1),
        ..Expected::default()
    }
}

#[tokio::test]
async fn one_one_sample_package_conforms() {
    assert_sis_source(
        &OneRosterCsv::new(MINIMAL_1_1),
        &request(SCHOOL_1_1),
        &minimal(),
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
        ..Expected::default()
    }
}

#[tokio::test]
async fn one_two_sample_package_conforms() {
    assert_sis_source(&OneRosterCsv::new(DELTA_1_2), &request("ORG_1"), &one_two()).await;
}

/// The 1.1 sample plus a guardian link from each side, a withdrawn and a
/// disabled student, a dropped enrollment and one malformed user (the last
/// row of users.csv, line 11), with what it should yield (problems aside).
pub(crate) fn edited_package() -> (tempfile::TempDir, Expected) {
    let dir = fixture::copy(MINIMAL_1_1);
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
    let mut expected = minimal();
    expected.people.extend(set(&["usr-g2", "usr-s3", "usr-s4"]));
    expected.guardian_links = pairs(&[("usr-g2", "usr-222-567891"), ("usr-222-1234561", "usr-s3")]);
    expected.withdrawn_people = set(&["usr-s3"]);
    expected.inactive_people = set(&["usr-s4"]);
    expected
        .enrollments
        .extend(pairs(&[("cls-222-123456", "usr-s3")]));
    expected.ended_enrollments = pairs(&[("cls-222-123456", "usr-s3")]);
    (dir, expected)
}

#[tokio::test]
async fn edited_package_with_guardians_statuses_and_a_malformed_row_conforms() {
    let (dir, mut expected) = edited_package();
    expected.problem_locations = vec!["users.csv line 11".to_owned()];
    let source = OneRosterCsv::new(dir.path());
    assert_sis_source(&source, &request(SCHOOL_1_1), &expected).await;
}

/// The kit itself notices a source that differs from what it should yield.
#[tokio::test]
async fn kit_reports_a_wrong_expectation() {
    let mut expected = minimal();
    expected.people.insert("usr-missing".to_owned());
    expected.withdrawn_people = set(&["usr-222-567891"]);
    expected.problem_locations = vec!["users.csv line 99".to_owned()];
    let violations = check_sis_source(
        &OneRosterCsv::new(MINIMAL_1_1),
        &request(SCHOOL_1_1),
        &expected,
    )
    .await;
    let checks: BTreeSet<&str> = violations.iter().map(|v| v.check).collect();
    assert_eq!(
        checks,
        BTreeSet::from(["keys", "problems", "status"]),
        "{violations:#?}"
    );
}
