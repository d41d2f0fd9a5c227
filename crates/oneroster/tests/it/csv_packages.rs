//! The CSV reader on the sample packages and on edited copies: mapping,
//! lenient and strict reading, deltas.

use std::path::Path;

use chrono::NaiveDate;
use rostersync_core::model::sis::{PersonStatus, SisRole};
use rostersync_oneroster::OneRosterCsv;
use rostersync_ports::{ErrorKind, SisRead, SisSource};

use crate::fixture::{self, DELTA_1_2, MINIMAL_1_1, SCHOOL_1_1, request};

#[tokio::test]
async fn one_one_package_maps_roles_terms_and_teachers() {
    let source = OneRosterCsv::new(MINIMAL_1_1);
    let read = source.snapshot(&request(SCHOOL_1_1)).await.unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
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
    let path = dir.path().join("enrollments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("userSourcedId", "personSourcedId", 1)).unwrap();
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
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    let locations: Vec<&str> = read.problems.iter().map(|p| p.location.as_str()).collect();
    // File, line and the record's sourcedId.
    assert_eq!(
        locations,
        [
            "users.csv line 8 (usr-bad)",
            "enrollments.csv line 8 (enr-bad)"
        ]
    );
    assert!(read.problems[0].message.contains("userIds"));
    assert!(read.problems[1].message.contains("beginDate"));
    assert!(
        read.snapshot
            .people
            .iter()
            .any(|p| p.key.as_str() == "usr-ok")
    );
    assert!(
        !read
            .snapshot
            .people
            .iter()
            .any(|p| p.key.as_str() == "usr-bad")
    );
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
    let source = OneRosterCsv::new(MINIMAL_1_1).with_delta(delta.path());
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
async fn a_sourced_id_twice_in_one_file_is_a_problem_and_the_first_row_stands() {
    let dir = fixture::copy(MINIMAL_1_1);
    fixture::append(
        dir.path(),
        "users.csv",
        "usr-222-567891,,,TRUE,org-sch-222-456,student,anna.other,,Anna,Other,,,,,,,,\r\n",
    );
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&request(SCHOOL_1_1))
        .await
        .unwrap();
    assert_eq!(read.problems.len(), 1);
    assert_eq!(
        read.problems[0].location,
        "users.csv line 8 (usr-222-567891)"
    );
    let anna = read
        .snapshot
        .people
        .iter()
        .find(|p| p.key.as_str() == "usr-222-567891")
        .unwrap();
    assert_eq!(anna.name.last, "Brown");
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
    let manifest = dir.path().join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("file.roles,delta", "file.roles,absent"),
    )
    .unwrap();
    let error = OneRosterCsv::new(dir.path()).schools().await.unwrap_err();
    assert!(error.message().contains("no roles.csv"), "{error}");
}

/// Two schools share a district-wide session and a district course: each
/// school's read keeps the sections, the shared term and the course.
#[tokio::test]
async fn shared_sessions_and_courses_serve_every_school() {
    let dir = tempfile::tempdir().unwrap();
    let write = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
    write(
        "manifest.csv",
        "propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.academicSessions,bulk\n\
         file.courses,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n",
    );
    write(
        "orgs.csv",
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
         D,,,District,district,,\nA,,,North,school,,D\nB,,,South,school,,D\n",
    );
    write(
        "academicSessions.csv",
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n\
         Y,,,2025-26,schoolYear,2025-08-01,2026-06-30,,2026\n\
         S1,,,Semester 1,semester,2025-08-01,2025-12-31,Y,2026\n",
    );
    write(
        "courses.csv",
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\n\
         C,,,,Algebra,ALG,\"09,10\",D,,\n",
    );
    write(
        "classes.csv",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n\
         KA,,,Algebra A,,C,,scheduled,,A,S1,,,\nKB,,,Algebra B,,C,,scheduled,,B,S1,,,\n",
    );
    write(
        "users.csv",
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
         ua,,,TRUE,A,student,ua,,U,A,,,,,,,,\nub,,,TRUE,B,student,ub,,U,B,,,,,,,,\n\
         td,,,TRUE,D,teacher,td,,T,D,,,,,,,,\n",
    );
    write(
        "enrollments.csv",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
         ea,,,KA,A,ua,student,,,\neb,,,KB,B,ub,student,,,\n\
         ta,,,KA,A,td,teacher,true,,\ntb,,,KB,B,td,teacher,true,,\n",
    );
    let source = OneRosterCsv::new(dir.path());
    for school in ["A", "B"] {
        let mut request = request(school);
        request.school_year = 2026;
        let read = source.snapshot(&request).await.unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
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
