//! A whole roster read: Windows-1252 files with accented names, an embedded
//! line break, padded values and a malformed row, mapped to core records;
//! graduation years, course grade ranges and the problems of unreadable ones.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SchoolKey, TermKey};
use rostersync_core::model::sis::{EnrollmentRole, Person, PersonStatus, SisRole};
use rostersync_ports::{ProblemKind, RecordKind, SisRequest, SisSource};
use rostersync_sim::eschoolplus::EspTable;

use rostersync_eschoolplus::definitions as c;

use crate::support::{self, buildings, table, tables};

/// The district's tables: padded values, accents, a line break inside a
/// free-text field, and a last name holding the delimiter (a malformed row).
fn district() -> Vec<(&'static str, EspTable)> {
    vec![
        ("REG_BUILDING", buildings()),
        (
            "REG_MP_WEEKS",
            table(
                c::MP_WEEKS,
                &[
                    &["10", "2026", "Q2", "2", "1", "2", "Quarter 2"],
                    &["10", "2026", "Q1", "1", "1", "1", "Quarter 1"],
                    &["20", "2026", "Q1", "1", "1", "1", "Other school"],
                ],
            ),
        ),
        (
            "REG_MP_DATES",
            table(
                c::MP_DATES,
                &[
                    &[
                        "10",
                        "2026",
                        "STD",
                        "Q1",
                        "08/14/2025 12:00:00 AM",
                        "10/17/2025",
                    ],
                    &["10", "2026", "STD", "Q2", "10/20/2025", "12/19/2025"],
                    &["10", "2026", "ALT", "Q2", "10/21/2025", "12/22/2025"],
                    &["20", "2026", "STD", "Q1", "08/14/2025", "10/17/2025"],
                ],
            ),
        ),
        (
            "REG",
            table(
                c::STUDENTS,
                &[
                    &[
                        "1001      ",
                        "10",
                        "09",
                        "A",
                        "José",
                        "",
                        "Muñoz     ",
                        "Pepe",
                    ],
                    &["1002", "10", "10", "I", "Zoë", "Ann", "Brontë", ""],
                    &["1003", "10", "12", "G", "Åsa", "", "Lind", ""],
                    &["1004", "10", "09", "A", "Bo", "", "Smith|Jones", ""],
                    &["2001", "20", "09", "A", "Other", "", "School", ""],
                ],
            ),
        ),
        // 1003 has no REG_ACADEMIC row.
        (
            "REG_ACADEMIC",
            table(
                c::ACADEMIC,
                &[&["1001", "2029"], &["1002", "2028  "], &["2001", "2029"]],
            ),
        ),
        (
            "REG_STU_CONTACT",
            table(
                c::STUDENT_CONTACTS,
                &[
                    &["1001", "501", "M", "1"],
                    &["1001", "601", "G", "1"],
                    &["1002", "601", "G", "2"],
                    &["1003", "602", "X", "1"],
                ],
            ),
        ),
        (
            "REG_CONTACT",
            table(
                c::CONTACTS,
                &[
                    &[
                        "501",
                        "José",
                        "",
                        "Muñoz",
                        "jose.munoz@students.example",
                        "",
                    ],
                    &["601", "Renée", "", "Muñoz", "renee@example.com", "rmunoz"],
                ],
            ),
        ),
        (
            "REG_STAFF",
            table(
                c::STAFF,
                &[
                    &["900", "François", "", "Côté", "fcote@example.com", "fcote"],
                    &["901", "Ann", "", "Lee", "alee@example.com", "alee"],
                    &["902", "Bob", "", "Office", "bob@example.com", "bob"],
                ],
            ),
        ),
        (
            "REG_STAFF_BLDGS",
            table(
                c::STAFF_BUILDINGS,
                &[
                    &["900", "10", "Y", "Y", "N"],
                    &["900", "30", "Y", "Y", "Y"],
                    &["901", "10", "Y", "Y", "Y"],
                    &["902", "10", "Y", "N", "Y"],
                ],
            ),
        ),
        (
            "SCHD_COURSE",
            table(
                c::COURSES,
                &[
                    &["10", "ENG9", "ENG", "09", "09", "Y", "English 9"],
                    &["10", "MUSIC", "", "PK", "12", "Y", "Music"],
                    &["10", "READ", "ELA", "KF", "03", "N", "Reading"],
                ],
            ),
        ),
        (
            "SCHD_MS",
            table(
                &[
                    "SECTION_KEY",
                    "SCHOOL_YEAR",
                    "SUMMER_SCHOOL",
                    "BUILDING",
                    "COURSE",
                    "COURSE_SECTION",
                    "DESCRIPTION",
                ],
                &[
                    &[
                        "5512",
                        "2026",
                        "N",
                        "10",
                        "ENG9",
                        "2",
                        "English 9\r\nHonors",
                    ],
                    &["5513", "2025", "N", "10", "ENG9", "1", "Last year"],
                ],
            ),
        ),
        (
            "SCHD_MS_SESSION",
            table(c::SESSIONS, &[&["5512", "1", "2", "3", "A101", "900", ""]]),
        ),
        (
            "SCHD_MS_STAFF",
            table(
                c::SECTION_STAFF,
                &[&["5512", "1", "900"], &["5512", "1", "901"]],
            ),
        ),
        (
            "SCHD_MS_MP",
            table(
                c::SECTION_MPS,
                &[&["5512", "1", "Q1"], &["5512", "1", "Q2"]],
            ),
        ),
        (
            "SCHD_STU_COURSE",
            table(
                c::STUDENT_COURSES,
                &[
                    &["1001", "5512", "N", ""],
                    &["1002", "5512", "N", ""],
                    &["1003", "5512", "Y", ""],
                ],
            ),
        ),
        (
            "SCHD_STU_CRS_DATES",
            table(
                c::STUDENT_COURSE_DATES,
                &[
                    &["1001", "5512", "N", "1", "08/14/2025", ""],
                    &["1002", "5512", "N", "1", "08/14/2025", "09/30/2025"],
                ],
            ),
        ),
    ]
}

fn request() -> SisRequest {
    SisRequest {
        schools: BTreeSet::from([SchoolKey::new("10")]),
        school_year: 2026,
    }
}

fn person<'a>(people: &'a [Person], key: &str) -> &'a Person {
    people
        .iter()
        .find(|p| p.key.as_str() == key)
        .unwrap_or_else(|| panic!("no person {key}"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn a_roster_read_maps_every_table_and_reports_the_malformed_row() {
    let esp = support::start(tables(district())).await;
    let adapter = support::adapter(&esp);
    let read = adapter.snapshot(&request()).await.unwrap();
    adapter.close().await;
    let snapshot = &read.snapshot;

    // Every record not read is said, with where and why: the row whose last
    // name holds the delimiter, the modelled schedule row, the staff member
    // who teaches nowhere. The read went on.
    let mut said: Vec<(&str, ProblemKind, Option<RecordKind>, &str)> = read
        .problems
        .iter()
        .map(|p| (p.location.as_str(), p.kind, p.record, p.group()))
        .collect();
    said.sort_unstable();
    assert_eq!(
        said,
        [
            (
                "RSROS_ssc.txt line 4",
                ProblemKind::LeftOut,
                Some(RecordKind::Enrollment),
                "modelled schedule row"
            ),
            (
                "RSROS_stf.txt line 4",
                ProblemKind::LeftOut,
                Some(RecordKind::Person),
                "not a teacher"
            ),
            (
                "RSROS_stu.txt line 5",
                ProblemKind::Unreadable,
                Some(RecordKind::Person),
                "malformed row (a delimiter or line break inside a field)"
            ),
        ],
        "{:?}",
        read.problems
    );

    // Students: Windows-1252 accents, padded values trimmed, statuses, own e-mail.
    let people = &snapshot.people;
    let jose = person(people, "1001");
    assert_eq!(jose.role, SisRole::Student);
    assert_eq!(jose.name.first, "José");
    assert_eq!(jose.name.last, "Muñoz");
    assert_eq!(jose.name.preferred_first.as_deref(), Some("Pepe"));
    assert_eq!(jose.primary_school.as_str(), "10");
    assert_eq!(jose.email.as_deref(), Some("jose.munoz@students.example"));
    assert_eq!(jose.grade.as_deref(), Some("09"));
    assert_eq!(person(people, "1002").name.last, "Brontë");
    assert_eq!(person(people, "1002").status, PersonStatus::Inactive);
    assert_eq!(person(people, "1003").status, PersonStatus::Withdrawn);
    assert!(people.iter().all(|p| p.key.as_str() != "1004"));
    // Another building's student is not read.
    assert!(people.iter().all(|p| p.key.as_str() != "2001"));
    // Graduation years from REG_ACADEMIC; none without a row.
    assert_eq!(jose.graduation_year, Some(2029));
    assert_eq!(person(people, "1002").graduation_year, Some(2028));
    assert_eq!(person(people, "1003").graduation_year, None);

    // Teachers: prefixed keys, every building, the primary one first; non-teachers left out.
    let cote = person(people, "T900");
    assert_eq!(cote.role, SisRole::Teacher);
    assert_eq!(cote.name.last, "Côté");
    assert_eq!(cote.primary_school.as_str(), "30");
    assert_eq!(cote.other_schools, [SchoolKey::new("10")]);
    assert_eq!(cote.username.as_deref(), Some("fcote"));
    assert!(people.iter().all(|p| p.key.as_str() != "T902"));

    // Guardians: contact type G only, with their students.
    let renee = person(people, "C601");
    assert_eq!(renee.role, SisRole::Guardian);
    assert_eq!(renee.name.first, "Renée");
    assert!(
        people
            .iter()
            .all(|p| p.key.as_str() != "C602" && p.key.as_str() != "C501")
    );
    let links: Vec<(&str, &str)> = snapshot
        .guardian_links
        .iter()
        .map(|l| (l.guardian.as_str(), l.student.as_str()))
        .collect();
    assert_eq!(links, [("C601", "1001"), ("C601", "1002")]);
    // Renée's best contact priority among her students (1 for 1001, 2 for 1002).
    assert_eq!(
        snapshot.contact_priorities,
        [(PersonKey::new("C601"), 1)].into_iter().collect()
    );

    // Terms: marking periods with merged track dates, their term and the year.
    let term = |key: &str| {
        snapshot
            .terms
            .iter()
            .find(|t| t.key.as_str() == key)
            .unwrap_or_else(|| panic!("no term {key}"))
    };
    let q2 = term("10-2026-Q2");
    assert_eq!((q2.start, q2.end), (day(2025, 10, 20), day(2025, 12, 22)));
    assert_eq!(q2.title, "Quarter 2");
    assert_eq!(q2.parent, Some(TermKey::new("10-2026-TERM1")));
    let t1 = term("10-2026-TERM1");
    assert_eq!((t1.start, t1.end), (day(2025, 8, 14), day(2025, 12, 22)));
    assert_eq!(t1.parent, Some(TermKey::new("10-2026")));
    assert_eq!(term("10-2026").parent, None);

    // Courses and sections, with the embedded line break kept.
    let courses: Vec<_> = snapshot
        .courses
        .iter()
        .map(|c| {
            (
                c.key.as_str(),
                c.department.as_deref(),
                c.grade_low,
                c.grade_high,
                c.subject,
                c.active,
            )
        })
        .collect();
    assert_eq!(
        courses,
        [
            ("10-ENG9", Some("ENG"), Some(9), Some(9), None, true),
            ("10-MUSIC", None, Some(-1), Some(12), None, true),
            ("10-READ", Some("ELA"), Some(0), Some(3), None, false),
        ]
    );
    let section = &snapshot.sections[0];
    assert_eq!(section.key.as_str(), "5512-1");
    assert_eq!(section.title, "English 9\r\nHonors");
    assert_eq!(section.code, "ENG9-2");
    assert_eq!(section.periods, ["2", "3"]);
    assert_eq!(section.room.as_deref(), Some("A101"));
    assert_eq!(section.primary_teacher, Some(PersonKey::new("T900")));
    assert_eq!(section.co_teachers, [PersonKey::new("T901")]);
    assert_eq!(
        section.terms,
        [TermKey::new("10-2026-Q1"), TermKey::new("10-2026-Q2")]
    );

    // Enrollments: teachers (primary flagged), students with dates; modelled rows left out.
    let enrollment = |person: &str| {
        snapshot
            .enrollments
            .iter()
            .find(|e| e.person.as_str() == person)
            .unwrap_or_else(|| panic!("no enrollment of {person}"))
    };
    assert!(enrollment("T900").primary);
    assert_eq!(enrollment("T901").role, EnrollmentRole::Teacher);
    assert!(!enrollment("T901").primary);
    assert_eq!(enrollment("1001").begin, Some(day(2025, 8, 14)));
    assert_eq!(enrollment("1001").end, None);
    assert_eq!(enrollment("1002").end, Some(day(2025, 9, 30)));
    assert!(
        snapshot
            .enrollments
            .iter()
            .all(|e| e.person.as_str() != "1003")
    );

    // Only this year's section of the building; its marking periods only.
    assert_eq!(snapshot.sections.len(), 1);
    assert!(snapshot.terms.iter().all(|t| t.school.as_str() == "10"));

    // One definition, one run, one file per table, every file deleted; logged off.
    let counters = esp.counters();
    // The catalogue's run was refused (the server held nothing yet); the
    // roster ran once and wrote one file per table.
    assert_eq!(counters.requests_to("Utility/RunDownload"), 2);
    assert_eq!(counters.files_downloaded, 16);
    assert_eq!(esp.tasks_and_files().1, 0);
    assert_eq!(esp.sessions(), 0);
}

#[tokio::test]
async fn an_unreadable_graduation_year_or_grade_code_is_a_problem_and_the_record_is_still_read() {
    let mut list = district();
    for (name, table) in &mut list {
        match *name {
            "REG_ACADEMIC" => {
                table.rows = vec![
                    vec!["1001".into(), "2029".into()],
                    vec!["1002".into(), "20X9".into()],
                    vec!["1003".into(), String::new()],
                ];
            }
            "SCHD_COURSE" => table.rows.truncate(1),
            _ => {}
        }
        if *name == "SCHD_COURSE" {
            table.rows[0][4] = "SS".into();
        }
    }
    let esp = support::start(tables(list)).await;
    let read = support::adapter(&esp).snapshot(&request()).await.unwrap();

    let mut locations: Vec<&str> = read.problems.iter().map(|p| p.location.as_str()).collect();
    locations.sort_unstable();
    assert_eq!(
        locations,
        [
            "RSROS_aca.txt line 3",
            "RSROS_crs.txt line 2",
            "RSROS_ssc.txt line 4",
            "RSROS_stf.txt line 4",
            "RSROS_stu.txt line 5",
        ],
        "{:?}",
        read.problems
    );
    let year_problem = read
        .problems
        .iter()
        .find(|p| p.location.starts_with("RSROS_aca"))
        .unwrap();
    assert!(
        year_problem.message.contains("1002") && year_problem.message.contains("20X9"),
        "{year_problem:?}"
    );

    // The student with the bad year (and the one with an empty year) still arrive, without one.
    let people = &read.snapshot.people;
    assert_eq!(person(people, "1001").graduation_year, Some(2029));
    assert_eq!(person(people, "1002").graduation_year, None);
    assert_eq!(person(people, "1002").name.last, "Brontë");
    assert_eq!(person(people, "1003").graduation_year, None);

    // The course arrives with the end of its range that was understood.
    let course = &read.snapshot.courses[0];
    assert_eq!(
        (
            course.grade_low,
            course.grade_high,
            course.department.as_deref()
        ),
        (Some(9), None, Some("ENG"))
    );
}

#[tokio::test]
async fn records_a_district_edited_by_hand_are_each_read_or_said() {
    let mut list = district();
    for (name, table) in &mut list {
        match *name {
            // Two students share an id once the stray blanks are trimmed.
            "REG" => table.rows.push(
                ["  1002 ", "10", "11", "A", "Zoe", "", "Bronte", ""]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            // The section's primary teacher is not in the staff table.
            "SCHD_MS_SESSION" => table.rows[0][5] = "999".into(),
            _ => {}
        }
    }
    let esp = support::start(tables(list)).await;
    let read = support::adapter(&esp).snapshot(&request()).await.unwrap();
    let people = &read.snapshot.people;
    // Neither student 1002 is read, and both rows say why.
    assert!(people.iter().all(|p| p.key.as_str() != "1002"));
    let duplicates: Vec<&str> = read
        .problems
        .iter()
        .filter(|p| p.group() == "duplicate key")
        .map(|p| p.location.as_str())
        .collect();
    assert_eq!(duplicates, ["RSROS_stu.txt line 3", "RSROS_stu.txt line 6"]);
    // 1002's enrollment and guardian link go with it, each said.
    let gone: Vec<(&str, &str)> = read
        .problems
        .iter()
        .filter(|p| p.group() == "its student was not read")
        .map(|p| (p.key.as_deref().unwrap_or_default(), p.location.as_str()))
        .collect();
    assert_eq!(
        gone,
        [
            ("5512/1002", "RSROS_ssc.txt line 3"),
            ("C601/1002", "RSROS_stc.txt line 4"),
        ]
    );
    // The section is read without the teacher who is not found, and says so.
    let section = &read.snapshot.sections[0];
    assert_eq!(section.primary_teacher, None);
    assert_eq!(
        section.co_teachers,
        [PersonKey::new("T900"), PersonKey::new("T901")]
    );
    let teacher = read
        .problems
        .iter()
        .find(|p| p.group() == "teacher not found")
        .unwrap();
    assert_eq!(teacher.key.as_deref(), Some("5512-1/T999"));
    assert!(
        teacher
            .message
            .contains("teacher T999 of section 5512-1 not found"),
        "{teacher:?}"
    );
    assert!(
        read.snapshot
            .enrollments
            .iter()
            .all(|e| e.person.as_str() != "T999")
    );
}
