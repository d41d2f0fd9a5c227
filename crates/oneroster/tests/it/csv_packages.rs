//! The CSV reader on the sample packages and on edited copies: mapping,
//! lenient and strict reading, deltas.

use std::path::Path;

use chrono::NaiveDate;
use rostersync_core::model::sis::{PersonStatus, SisRole};
use rostersync_oneroster::{OneRosterCsv, reason};
use rostersync_ports::{ErrorKind, ProblemKind, SisRead, SisSource};

use crate::fixture::{
    self, CLASSES, COURSES, DELTA_1_2, ENROLLMENTS, MINIMAL_1_1, ORGS, SCHOOL_1_1, SESSIONS, USERS,
    at, reasons, request,
};

#[tokio::test]
async fn one_one_package_maps_roles_terms_and_teachers() {
    let source = OneRosterCsv::new(MINIMAL_1_1).with_courses_from_classes();
    let read = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
    // The school is a department, and the courses are made from the
    // classes, which the package has no courses.csv for: warnings all.
    let all: Vec<_> = read.problems.iter().collect();
    assert_eq!(
        reasons(&all),
        [
            reason::READ_AS_SCHOOL,
            reason::COURSE_FROM_CLASS,
            reason::COURSE_FROM_CLASS
        ]
    );
    assert!(all.iter().all(|p| p.kind == ProblemKind::Warning));
    let s = &read.snapshot;
    assert_eq!(s.schools.len(), 1);
    assert_eq!(s.schools[0].name, "History Department");
    assert_eq!(s.terms.len(), 5);
    assert!(s.terms.iter().all(|t| t.school.as_str() == SCHOOL_1_1));
    let role = |key: &str| {
        s.people
            .iter()
            .find(|p| p.key.as_str() == key)
            .unwrap()
            .role
    };
    assert_eq!(role("usr-222-123456"), SisRole::Teacher);
    assert_eq!(role("usr-222-1234561"), SisRole::Guardian);
    assert_eq!(role("usr-222-567891"), SisRole::Student);
    let history = s
        .sections
        .iter()
        .find(|x| x.key.as_str() == "cls-222-123478")
        .unwrap();
    // A quoted list of terms.
    let terms: Vec<&str> = history.terms.iter().map(|t| t.as_str()).collect();
    assert_eq!(terms, ["as-trm-222-1234", "as-trm-222-1235"]);
    // The only teacher enrollment makes the primary teacher.
    assert_eq!(
        history.primary_teacher.as_ref().unwrap().as_str(),
        "usr-222-123456"
    );
    assert!(history.co_teachers.is_empty());
    // The package has no courses.csv: courses come from the classes' links.
    assert_eq!(s.courses.len(), 2);
    assert_eq!(s.courses[0].title, "Introduction to Physics");
    assert_eq!(s.enrollments.len(), 6);
}

#[tokio::test]
async fn one_two_delta_package_reads_roles_file() {
    let source = OneRosterCsv::new(DELTA_1_2);
    let read = source.snapshot(&request("ORG_1")).await.unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let s = &read.snapshot;
    assert_eq!(s.schools[0].name, "Gotham High School");
    let bruce = &s.people[0];
    assert_eq!(bruce.key.as_str(), "USER_0");
    assert_eq!(bruce.role, SisRole::Student);
    assert_eq!(bruce.primary_school.as_str(), "ORG_1");
    assert_eq!(s.courses[0].title, "Crime Fighting 101");
    assert_eq!(s.courses[0].code, "COURSE_001");
    assert_eq!(s.sections[0].terms[0].as_str(), "ACAD_SESS_1");
    assert_eq!(s.enrollments.len(), 1);
}

#[tokio::test]
async fn missing_required_column_fails_naming_file_line_and_column() {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::replace(
        dir.path(),
        "enrollments.csv",
        "userSourcedId",
        "personSourcedId",
    );
    let error = OneRosterCsv::new(dir.path())
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error
            .message()
            .contains("enrollments.csv line 1: required column `userSourcedId` is missing"),
        "{error}"
    );
}

#[tokio::test]
async fn listed_file_that_is_missing_fails_the_read() {
    let dir = fixture::copy(MINIMAL_1_1);
    std::fs::remove_file(dir.path().join("users.csv")).unwrap();
    let error = OneRosterCsv::new(dir.path()).schools().await.unwrap_err();
    assert!(
        error.message().contains(&format!(
            "users.csv is listed in the manifest as bulk but is not in the package {}",
            dir.path().display()
        )),
        "{error}"
    );
}

#[tokio::test]
async fn malformed_rows_are_problems_with_file_and_line() {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::append(
        dir.path(),
        "users.csv",
        "usr-bad,,,TRUE,org-sch-222-456,student,bad,{LDAP12},Bad,Ids,,,,,,,,\r\n\
         usr-ok,,,TRUE,org-sch-222-456,student,ok,\"{LDAP:12},{LTI:15}\",Ok,Ids,,,,,,,,\r\n",
    );
    fixture::append(
        dir.path(),
        "enrollments.csv",
        "enr-bad,,,cls-222-123456,org-sch-222-456,usr-222-567891,student,,2022-13-01,\r\n",
    );
    let read = OneRosterCsv::new(dir.path())
        .with_courses_from_classes()
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    // A malformed date the mapping uses makes the row unreadable, naming
    // file, line, sourcedId and field.
    let bad = at(&read.problems, "enrollments.csv line 8 (enr-bad)");
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].kind, ProblemKind::Unreadable);
    assert_eq!(bad[0].field.as_deref(), Some("beginDate"));
    assert_eq!(bad[0].reason.as_deref(), Some(reason::BAD_VALUE));
    assert!(bad[0].message.contains("2022-13-01"), "{}", bad[0].message);
    // userIds is not used: malformed, it is a warning and the user is read.
    let ids = at(&read.problems, "users.csv line 8 (usr-bad)");
    assert_eq!(reasons(&ids), [reason::USER_IDS]);
    assert_eq!(ids[0].kind, ProblemKind::Warning);
    for key in ["usr-ok", "usr-bad"] {
        assert!(read.snapshot.people.iter().any(|p| p.key.as_str() == key));
    }
}

/// A 1.1 delta package over the 1.1 sample, written into `dir`: one
/// student deleted, one disabled, one enrollment deleted.
pub(crate) fn write_delta(dir: &Path) {
    let write = |file: &str, text: &str| std::fs::write(dir.join(file), text).unwrap();
    write(
        "manifest.csv",
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n\
         file.users,delta\nfile.enrollments,delta\nfile.orgs,absent\n",
    );
    write(
        "users.csv",
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
         usr-222-567891,tobedeleted,2022-11-15T10:00:00Z,TRUE,org-sch-222-456,student,anna.brown,,Anna,Brown,,,,,,,,\n\
         usr-222-66778899,active,2022-11-15T10:00:00Z,false,org-sch-222-456,student,mary.jones,,Mary,Jones,,,,,,,,\n",
    );
    write(
        "enrollments.csv",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
         enr-s-222-12345-987654,tobedeleted,2022-11-15T10:00:00Z,cls-222-123456,org-sch-222-456,usr-222-987654,student,,,\n",
    );
}

/// Checks that the delta of [`write_delta`] was applied over the 1.1 sample.
pub(crate) fn assert_delta_applied(read: &SisRead) {
    let status = |key: &str| {
        read.snapshot
            .people
            .iter()
            .find(|p| p.key.as_str() == key)
            .unwrap()
            .status
    };
    assert_eq!(status("usr-222-567891"), PersonStatus::Withdrawn);
    assert_eq!(status("usr-222-66778899"), PersonStatus::Inactive);
    assert_eq!(status("usr-222-123456"), PersonStatus::Active);
    let dropped = read
        .snapshot
        .enrollments
        .iter()
        .find(|e| e.section.as_str() == "cls-222-123456" && e.person.as_str() == "usr-222-987654")
        .unwrap();
    assert_eq!(dropped.end, NaiveDate::from_ymd_opt(2022, 11, 14));
}

#[tokio::test]
async fn delta_package_marks_deleted_and_disabled_records() {
    let delta = tempfile::tempdir().unwrap();
    write_delta(delta.path());
    let source = OneRosterCsv::new(MINIMAL_1_1)
        .with_delta(delta.path())
        .with_courses_from_classes();
    let read = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
    assert_delta_applied(&read);
}

#[tokio::test]
async fn blank_status_in_bulk_reads_as_active_and_terms_filter_by_year() {
    let source = OneRosterCsv::new(MINIMAL_1_1);
    assert_eq!(source.terms(2023).await.unwrap().len(), 5);
    assert!(source.terms(2024).await.unwrap().is_empty());
    let read = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
    assert!(
        read.snapshot
            .people
            .iter()
            .all(|p| p.status == PersonStatus::Active)
    );
}

#[tokio::test]
async fn a_sourced_id_twice_in_one_file_is_a_problem_on_both_rows_and_neither_is_read() {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::append(
        dir.path(),
        "users.csv",
        " usr-222-567891 ,,,TRUE,org-sch-222-456,student,anna.other,,Anna,Other,,,,,,,,\r\n",
    );
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    let twice: Vec<_> = read
        .problems
        .iter()
        .filter(|p| p.reason.as_deref() == Some(reason::DUPLICATE_KEY))
        .collect();
    let locations: Vec<&str> = twice.iter().map(|p| p.location.as_str()).collect();
    // The key is the same once trimmed.
    assert_eq!(
        locations,
        [
            "users.csv line 7 (usr-222-567891)",
            "users.csv line 8 (usr-222-567891)"
        ]
    );
    assert!(twice.iter().all(|p| p.kind == ProblemKind::Unreadable));
    assert!(twice[0].message.contains("also at users.csv line 8"));
    assert!(
        !read
            .snapshot
            .people
            .iter()
            .any(|p| p.key.as_str() == "usr-222-567891")
    );
}

#[tokio::test]
async fn one_two_users_take_roles_preferred_names_and_agents() {
    let dir = fixture::copy(DELTA_1_2);
    let user = [
        "USER_1",
        "active",
        "2023-10-03T00:00:00.000Z",
        "TRUE",
        "alfred",
        "{LDAP:7}",
        "Alfred",
        "Pennyworth",
        "",
        "",
        "",
        "",
        "",
        "USER_0",
        "",
        "",
        "",
        "Al",
        "",
        "",
        "ORG_1",
        "",
    ];
    fixture::append(dir.path(), "users.csv", &format!("{}\r\n", user.join(",")));
    fixture::append(
        dir.path(),
        "roles.csv",
        "ROLE_9,active,2023-10-03T00:00:00.000Z,USER_1,primary,guardian,,,ORG_1,\r\n",
    );
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request("ORG_1"))
        .await
        .unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let alfred = read
        .snapshot
        .people
        .iter()
        .find(|p| p.key.as_str() == "USER_1")
        .unwrap();
    assert_eq!(alfred.role, SisRole::Guardian);
    assert_eq!(alfred.name.preferred_first.as_deref(), Some("Al"));
    assert_eq!(read.snapshot.guardian_links.len(), 1);
    assert_eq!(read.snapshot.guardian_links[0].student.as_str(), "USER_0");
}

#[tokio::test]
async fn one_two_users_without_roles_file_fail_clearly() {
    let dir = fixture::copy(DELTA_1_2);
    std::fs::remove_file(dir.path().join("roles.csv")).unwrap();
    fixture::replace(
        dir.path(),
        "manifest.csv",
        "file.roles,delta",
        "file.roles,absent",
    );
    let error = OneRosterCsv::new(dir.path()).schools().await.unwrap_err();
    assert!(error.message().contains("no roles.csv"), "{error}");
}

/// Two schools share a district-wide session and a district course: each
/// school's read keeps the sections, the shared term and the course.
#[tokio::test]
async fn shared_sessions_and_courses_serve_every_school() {
    let dir = fixture::package(&[
        (
            "manifest.csv",
            "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.academicSessions,bulk\n\
             file.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n",
        ),
        (
            "orgs.csv",
            &format!("{ORGS}D,,,District,district,,\nA,,,North,school,,D\nB,,,South,school,,D\n"),
        ),
        (
            "academicSessions.csv",
            &format!(
                "{SESSIONS}Y,,,2025-26,schoolYear,2025-08-01,2026-06-30,,2026\n\
                 S1,,,Semester 1,semester,2025-08-01,2025-12-31,Y,2026\n"
            ),
        ),
        (
            "courses.csv",
            &format!("{COURSES}C,,,,Algebra,ALG,\"09,10\",D,,\n"),
        ),
        (
            "classes.csv",
            &format!(
                "{CLASSES}KA,,,Algebra A,,C,,scheduled,,A,S1,,,\nKB,,,Algebra B,,C,,scheduled,,B,S1,,,\n"
            ),
        ),
        (
            "users.csv",
            &format!(
                "{USERS}ua,,,TRUE,A,student,ua,,U,A,,,,,,,,\nub,,,TRUE,B,student,ub,,U,B,,,,,,,,\n\
                 td,,,TRUE,D,teacher,td,,T,D,,,,,,,,\n"
            ),
        ),
        (
            "enrollments.csv",
            &format!(
                "{ENROLLMENTS}ea,,,KA,A,ua,student,,,\neb,,,KB,B,ub,student,,,\n\
                 ta,,,KA,A,td,teacher,true,,\ntb,,,KB,B,td,teacher,true,,\n"
            ),
        ),
    ]);
    let source = OneRosterCsv::new(dir.path());
    for (school, other) in [("A", "B"), ("B", "A")] {
        let mut request = request(school);
        request.school_year = 2026;
        let read = source.snapshot(&request).await.unwrap();
        // The district org, and the other school's class, enrollment and
        // student, are left out with their reasons.
        let other = other.to_lowercase();
        let left: Vec<(&str, &str)> = read
            .problems
            .iter()
            .map(|p| (p.key.as_deref().unwrap(), p.reason.as_deref().unwrap()))
            .collect();
        let class = format!("K{}", other.to_uppercase());
        let (enrollment, teaching, student) = (
            format!("e{other}"),
            format!("t{other}"),
            format!("u{other}"),
        );
        assert_eq!(
            left,
            [
                ("D", reason::NOT_A_SCHOOL),
                (class.as_str(), reason::NOT_REQUESTED),
                (enrollment.as_str(), reason::NOT_REQUESTED),
                (teaching.as_str(), reason::NOT_REQUESTED),
                (student.as_str(), reason::NOT_REQUESTED),
            ]
        );
        assert!(read.problems.iter().all(|p| p.kind == ProblemKind::LeftOut));
        let s = &read.snapshot;
        assert_eq!(s.sections.len(), 1, "{school}");
        assert_eq!(s.sections[0].school.as_str(), school);
        let terms: Vec<&str> = s.terms.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(terms, ["S1", "Y"], "{school}");
        assert_eq!(s.terms[0].parent.as_ref().unwrap().as_str(), "Y");
        assert_eq!(s.courses.len(), 1);
        // The district-level teacher is placed by their enrollments.
        assert_eq!(s.people.len(), 2);
        let teacher = s.people.iter().find(|p| p.key.as_str() == "td").unwrap();
        assert_eq!(teacher.primary_school.as_str(), "A");
        assert_eq!(teacher.other_schools.len(), 1);
        assert_eq!(
            s.sections[0].primary_teacher.as_ref().unwrap().as_str(),
            "td"
        );
        // The district is not a school.
        assert_eq!(s.schools.len(), 2);
    }
}

/// A 1.1 package of school A in 2026 whose classes, users and enrollments
/// name what is not there, or what is not what they say.
fn references() -> tempfile::TempDir {
    fixture::package(&[
        (
            "manifest.csv",
            "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.academicSessions,bulk\n\
             file.courses,bulk\nfile.classes,bulk\nfile.users,bulk\n",
        ),
        (
            "orgs.csv",
            &format!("{ORGS}A,,,North,school,,\nB,,,South,school,,\n"),
        ),
        (
            "academicSessions.csv",
            &format!(
                "{SESSIONS}Y,,,2025-26,schoolYear,2025-08-01,2026-06-30,,2026\n\
                 S1,,,Semester 1,semester,2025-08-01,2025-12-31,Y,2026\n\
                 OLD,,,Semester 1,semester,2024-08-01,2024-12-31,,2025\n"
            ),
        ),
        ("courses.csv", &format!("{COURSES}C,,,,Algebra,ALG,,A,,\n")),
        (
            "classes.csv",
            &format!(
                "{CLASSES}K1,,,Algebra 1,,C,,scheduled,,A,\"S1,OLD\",,,\n\
                 K2,,,Algebra 2,,C,,scheduled,,A,,,,\n\
                 K3,,,Algebra 3,,C,,scheduled,,A,S9,,,\n\
                 K4,,,Algebra 4,,C,,scheduled,,Z,S1,,,\n"
            ),
        ),
        (
            "users.csv",
            &format!(
                "{USERS}t1,,,TRUE,\"A,Q\",teacher,t1,,T,One,,,,,,,,\n\
                 s1,,,TRUE,A,student,s1,,S,One,,,,,,\"t1,g9\",09,\n\
                 s2,,,TRUE,A,student,s2,,S,Two,,,,,,,09,\n\
                 p1,,,TRUE,,parent,p1,,P,Two,,,,,,s2,,\n"
            ),
        ),
        (
            "enrollments.csv",
            &format!(
                "{ENROLLMENTS}e1,,,K1,A,t1,teacher,true,,\n\
                 e2,,,K1,A,s1,student,false,2025-08-01,2025-09-01\n\
                 e3,,,K1,A,s1,student,false,2025-09-15,\n\
                 e4,,,K1,B,s2,student,false,,\n"
            ),
        ),
    ])
}

#[tokio::test]
async fn references_cost_the_link_or_the_record_and_say_which() {
    let dir = references();
    let mut request = request("A");
    request.school_year = 2026;
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request)
        .await
        .unwrap();
    let one = |location: &str| -> (ProblemKind, String, String) {
        let found: Vec<_> = read
            .problems
            .iter()
            .filter(|p| p.location == location)
            .collect();
        assert_eq!(found.len(), 1, "{location}: {:#?}", read.problems);
        let p = found[0];
        (p.kind, p.reason.clone().unwrap(), p.message.clone())
    };
    let (warning, unreadable, left_out) = (
        ProblemKind::Warning,
        ProblemKind::Unreadable,
        ProblemKind::LeftOut,
    );
    let cases = [
        // The class keeps the session read, and says which it could not.
        (
            "classes.csv line 2 (K1)",
            warning,
            reason::SOME_SESSIONS_NOT_READ,
            "OLD was not read (another school year)",
        ),
        (
            "classes.csv line 3 (K2)",
            unreadable,
            reason::NO_TERM,
            "names no term",
        ),
        (
            "classes.csv line 4 (K3)",
            unreadable,
            reason::SESSION_MISSING,
            "term S9 is not",
        ),
        (
            "classes.csv line 5 (K4)",
            unreadable,
            reason::SCHOOL_MISSING,
            "school Z is not in the package",
        ),
        (
            "users.csv line 2 (t1)",
            warning,
            reason::ORG_MISSING,
            "org Q is not in the package",
        ),
        (
            "enrollments.csv line 3 (e2)",
            left_out,
            reason::ENROLLED_TWICE,
            "also by e3 at enrollments.csv line 4, which is read",
        ),
        (
            "enrollments.csv line 5 (e4)",
            warning,
            reason::OTHER_SCHOOL,
            "names school B, and its class is at A",
        ),
        (
            "enrollments.csv",
            warning,
            reason::FILE_NOT_LISTED,
            "does not list enrollments.csv; it was read as a bulk file",
        ),
    ];
    for (location, kind, reason, says) in cases {
        let (got_kind, got_reason, message) = one(location);
        assert_eq!(
            (got_kind, got_reason.as_str()),
            (kind, reason),
            "{location}"
        );
        assert!(message.contains(says), "{says:?} in {message:?}");
    }
    // The links an agent list names cost only the link.
    let agents = at(&read.problems, "users.csv line 3 (s1)");
    assert_eq!(
        reasons(&agents),
        [reason::AGENT_NOT_GUARDIAN, reason::AGENT_NOT_READ]
    );
    assert!(
        agents[1]
            .message
            .contains("agent g9 is not in the package; the link to it was not read")
    );
    let s = &read.snapshot;
    let keys = |ids: Vec<&str>| ids.join(" ");
    assert_eq!(
        keys(s.sections.iter().map(|x| x.key.as_str()).collect()),
        "K1"
    );
    assert_eq!(s.sections[0].terms.len(), 1);
    assert_eq!(
        keys(s.people.iter().map(|p| p.key.as_str()).collect()),
        "p1 s1 s2 t1"
    );
    assert_eq!(s.guardian_links.len(), 1);
    // s1's open-ended row is the one read.
    let s1 = s
        .enrollments
        .iter()
        .find(|e| e.person.as_str() == "s1")
        .unwrap();
    assert_eq!(s1.end, None);
}

#[tokio::test]
async fn files_the_manifest_does_not_account_for_are_warnings() {
    let dir = fixture::copy(DELTA_1_2);
    // Listed as absent, yet there: not read.
    fixture::replace(
        dir.path(),
        "manifest.csv",
        "file.courses,delta",
        "file.courses,absent",
    );
    // Not listed in a package of deltas: not read either.
    fixture::replace(dir.path(), "manifest.csv", "file.classes,delta\r\n", "");
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request("ORG_1"))
        .await
        .unwrap();
    let files: Vec<(&str, &str)> = read
        .problems
        .iter()
        .filter(|p| p.record == Some(rostersync_ports::RecordKind::File))
        .map(|p| (p.location.as_str(), p.reason.as_deref().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            ("courses.csv", reason::FILE_NOT_LISTED),
            ("classes.csv", reason::FILE_NOT_LISTED),
        ]
    );
    assert!(read.snapshot.sections.is_empty() && read.snapshot.courses.is_empty());
    assert!(
        read.problems[1].message.contains(
            "does not list classes.csv, and the package holds delta files; it was not read"
        )
    );
}

#[tokio::test]
async fn a_role_row_is_part_of_its_user_and_a_faulty_one_is_a_warning() {
    let dir = fixture::copy(DELTA_1_2);
    fixture::append(
        dir.path(),
        "roles.csv",
        "ROLE_9,active,2023-10-03T00:00:00.000Z,USER_9,primary,teacher,,,ORG_1,\r\n\
         ROLE_10,active,2023-10-03T00:00:00.000Z,USER_0,tertiary,teacher,,,ORG_1,\r\n",
    );
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request("ORG_1"))
        .await
        .unwrap();
    let got: Vec<(&str, ProblemKind, &str)> = read
        .problems
        .iter()
        .map(|p| (p.location.as_str(), p.kind, p.reason.as_deref().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "roles.csv line 4 (USER_0)",
                ProblemKind::Warning,
                reason::ROLE_ROW
            ),
            (
                "roles.csv line 3 (USER_9)",
                ProblemKind::Warning,
                reason::ROLE_ROW
            ),
        ]
    );
    assert!(
        read.problems[0]
            .message
            .contains("\"tertiary\" is neither primary nor secondary")
    );
    assert!(
        read.problems[1]
            .message
            .contains("names user USER_9, who is not in the package")
    );
    // Bruce is still a student by his good role.
    assert_eq!(read.snapshot.people.len(), 1);
    assert_eq!(read.snapshot.people[0].role, SisRole::Student);
}

#[tokio::test]
async fn a_bulk_package_without_a_file_the_reader_reads_says_so() {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::replace(dir.path(), "manifest.csv", "file.enrollments,bulk", "");
    std::fs::remove_file(dir.path().join("enrollments.csv")).unwrap();
    let read = OneRosterCsv::new(dir.path())
        .with_courses_from_classes()
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    let problem = read
        .problems
        .iter()
        .find(|p| p.location == "enrollments.csv")
        .unwrap();
    assert_eq!(problem.kind, ProblemKind::Warning);
    assert_eq!(problem.reason.as_deref(), Some(reason::FILE_NOT_LISTED));
    assert!(
        problem
            .message
            .contains("does not hold it; no record of it was read")
    );
    assert!(read.snapshot.enrollments.is_empty());
}
