//! The SIS conformance kit (`rostersync_ports::conformance`) run against the
//! eSchoolPLUS adapter over the simulator loaded with a generated district:
//! the district as generated, a malformed student row edited into the tables,
//! and statuses set by hand. The expected roster is built from the district's
//! own records (never from what the adapter read), translated into the
//! adapter's keys by the helpers of `eschoolplus_contract`, which also hold
//! the documented lossy points (withdrawn staff read as inactive, a
//! guardian's schools and status come from the children read).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SchoolKey, SectionKey};
use rostersync_core::model::sis::{EnrollmentRole, PersonStatus, SisRole, SisSnapshot};
use rostersync_eschoolplus::definitions::{self, Scope};
use rostersync_ports::conformance::{Expected, assert_sis_source};
use rostersync_ports::{ProblemKind, RecordKind, SisRequest};
use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::eschoolplus::{EspTable, RunningEsp, section_numbers};

use crate::eschoolplus_contract::{
    adapter, expected_people, guardian_key, repeated_student_rows, section_key, selected, start,
    term_key,
};

fn keys<'a>(it: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    it.into_iter().map(str::to_owned).collect()
}

fn request(schools: &BTreeSet<SchoolKey>, school_year: i32) -> SisRequest {
    SisRequest {
        schools: schools.clone(),
        school_year,
    }
}

/// What the adapter must yield for `chosen`, from the district's records `sis`.
fn expected(sis: &SisSnapshot, as_of: NaiveDate, chosen: &BTreeSet<SchoolKey>) -> Expected {
    let people = expected_people(sis, chosen);
    let marked = |status| {
        keys(
            people
                .iter()
                .filter(|p| p.8 == status)
                .map(|p| p.0.as_str()),
        )
    };
    let students: BTreeSet<&str> = people
        .iter()
        .filter(|p| p.1 == SisRole::Student)
        .map(|p| p.0.as_str())
        .collect();
    let numbers = section_numbers(sis);
    let sections: BTreeMap<&SectionKey, SectionKey> = sis
        .sections
        .iter()
        .filter(|s| chosen.contains(&s.school))
        .map(|s| (&s.key, section_key(&numbers, &s.key)))
        .collect();
    // One enrollment per student and section (the adapter joins a student's
    // date ranges); it has ended when every one of its district rows ended
    // before `as_of`.
    let mut ended: BTreeMap<(String, String), bool> = BTreeMap::new();
    for e in sis
        .enrollments
        .iter()
        .filter(|e| e.role == EnrollmentRole::Student)
    {
        let Some(section) = sections.get(&e.section) else {
            continue;
        };
        let pair = (section.as_str().to_owned(), e.person.as_str().to_owned());
        let gone = !e.is_current(as_of);
        *ended.entry(pair).or_insert(gone) &= gone;
    }
    // A student who moved mid-year to a building not requested keeps ended
    // enrollments in requested sections and is read with them
    // (`expected_people` counts such students in).
    let mut enrollments: BTreeSet<(String, String)> = ended.keys().cloned().collect();
    // The district enrolls students only; teachers come from the sections.
    for s in sis.sections.iter().filter(|s| chosen.contains(&s.school)) {
        for teacher in s.teachers() {
            enrollments.insert((
                sections[&s.key].as_str().to_owned(),
                teacher.as_str().to_owned(),
            ));
        }
    }
    let courses = || sis.courses.iter().filter(|c| chosen.contains(&c.school));
    Expected {
        // Every building, requested or not: `REG_BUILDING` is read whole, so
        // the other buildings of a teacher who also works elsewhere resolve
        // (as the `SisRequest` contract asks).
        schools: keys(sis.schools.iter().map(|s| s.key.as_str())),
        terms: sis
            .terms
            .iter()
            .filter(|t| chosen.contains(&t.school))
            .map(|t| term_key(&t.key).as_str().to_owned())
            .collect(),
        people: keys(people.iter().map(|p| p.0.as_str())),
        courses: keys(courses().map(|c| c.key.as_str())),
        sections: keys(sections.values().map(SectionKey::as_str)),
        enrollments,
        guardian_links: sis
            .guardian_links
            .iter()
            .filter(|l| students.contains(l.student.as_str()))
            .map(|l| {
                let guardian = guardian_key(&l.guardian);
                (guardian.as_str().to_owned(), l.student.as_str().to_owned())
            })
            .collect(),
        inactive_people: marked(PersonStatus::Inactive),
        withdrawn_people: marked(PersonStatus::Withdrawn),
        inactive_courses: keys(courses().filter(|c| !c.active).map(|c| c.key.as_str())),
        ended_enrollments: ended
            .into_iter()
            .filter_map(|(pair, gone)| gone.then_some(pair))
            .collect(),
        as_of: Some(as_of),
        problem_locations: Vec::new(),
        totals: Default::default(),
    }
}

/// Sets `column` to `value` in the rows of `table` whose `key_column` is
/// `key`, as somebody working in eSchoolPLUS would; at least one must change.
fn set(sim: &RunningEsp, table: &str, (key_column, key): (&str, &str), column: &str, value: &str) {
    let mut changed = 0;
    let found = sim.edit_table(sim.site_code(), table, |t: &mut EspTable| {
        let (k, c) = (t.index(key_column).unwrap(), t.index(column).unwrap());
        for row in t.rows.iter_mut().filter(|row| row[k] == key) {
            row[c] = value.to_owned();
            changed += 1;
        }
    });
    assert!(
        found && changed > 0,
        "no {table} row with {key_column} {key}"
    );
}

#[tokio::test]
async fn a_two_building_read_of_the_generated_district_conforms() {
    let district = generate(DistrictSize::Small, 11, 2026);
    let sim = start(&district).await;
    let chosen = selected(&district);
    let mut want = expected(&district.sis, district.as_of, &chosen);
    // The district's mess is in the buildings read.
    assert_eq!((want.schools.len(), chosen.len()), (4, 2));
    assert!(want.sections.len() > 100 && want.enrollments.len() > 4000);
    assert!(!want.withdrawn_people.is_empty() && !want.inactive_people.is_empty());
    assert!(!want.ended_enrollments.is_empty() && !want.guardian_links.is_empty());
    want.problem_locations = repeated_student_rows(&sim, &want.people);
    assert_eq!(want.problem_locations.len(), 1);
    assert_sis_source(
        &adapter(&sim),
        &request(&chosen, district.school_year),
        &want,
    )
    .await;
}

#[tokio::test]
async fn a_student_row_with_an_unknown_status_is_one_problem_and_the_rest_conforms() {
    let mut district = generate(DistrictSize::Tiny, 3, 2026);
    let sim = start(&district).await;
    let chosen: BTreeSet<SchoolKey> = district.sis.schools.iter().map(|s| s.key.clone()).collect();
    // A current student with a guardian: the read must drop the student, its
    // enrollments and its guardian links, and nothing else.
    let sis = &district.sis;
    let student: PersonKey = sis
        .guardian_links
        .iter()
        .map(|l| &l.student)
        .find(|s| {
            sis.enrollments
                .iter()
                .any(|e| e.person == **s && e.end.is_none())
        })
        .unwrap()
        .clone();
    set(
        &sim,
        "REG",
        ("STUDENT_ID", student.as_str()),
        "CURRENT_STATUS",
        "X",
    );
    // The row's line in the student file: the header, then every student of
    // the (one) building read, in table order.
    let reg = sim.table(sim.site_code(), "REG").unwrap();
    let id = reg.index("STUDENT_ID").unwrap();
    let line = 2 + reg
        .rows
        .iter()
        .position(|row| row[id] == student.as_str())
        .unwrap();
    let scope = Scope {
        buildings: chosen.iter().map(|s| s.as_str().to_owned()).collect(),
        school_year: district.school_year,
    };
    let roster = definitions::roster(&scope);
    let students = roster.headers.iter().find(|h| h.table == "REG").unwrap();
    let file = roster.file_name(students);
    let location = format!("{file} line {line}");

    let sis = &mut district.sis;
    let scheduled = sis
        .enrollments
        .iter()
        .filter(|e| e.person == student)
        .count();
    let guardians = sis
        .guardian_links
        .iter()
        .filter(|l| l.student == student)
        .count();
    sis.people.retain(|p| p.key != student);
    sis.enrollments.retain(|e| e.person != student);
    sis.guardian_links.retain(|l| l.student != student);
    let mut want = expected(sis, district.as_of, &chosen);
    assert!(!want.people.contains(student.as_str()));
    let source = adapter(&sim);
    let request = request(&chosen, district.school_year);
    // The student's row is the one unreadable record, naming the row and
    // the student; its schedule rows and guardian links are left out with
    // it, each saying so; nothing else.
    let problems = source.read_snapshot(&request).await.unwrap().problems;
    let unreadable: Vec<_> = problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unreadable)
        .collect();
    assert_eq!(unreadable.len(), 1, "{problems:?}");
    assert_eq!(unreadable[0].location, location);
    assert!(
        unreadable[0].message.contains(student.as_str()),
        "{problems:?}"
    );
    let gone: Vec<_> = problems
        .iter()
        .filter(|p| p.kind == ProblemKind::LeftOut)
        .collect();
    assert!(gone.iter().all(|p| {
        p.group() == "its student was not read"
            && p.key
                .as_deref()
                .is_some_and(|key| key.ends_with(student.as_str()))
    }));
    assert_eq!(
        gone.iter()
            .filter(|p| p.record == Some(RecordKind::GuardianLink))
            .count(),
        guardians
    );
    assert!(
        gone.iter()
            .filter(|p| p.record == Some(RecordKind::Enrollment))
            .count()
            >= 1
    );
    assert!(scheduled >= 1);
    want.problem_locations = problems
        .iter()
        .filter(|p| p.excludes())
        .map(|p| p.location.clone())
        .collect();
    assert_sis_source(&source, &request, &want).await;
}

#[tokio::test]
async fn inactive_and_withdrawn_records_are_marked_not_dropped() {
    let mut district = generate(DistrictSize::Tiny, 3, 2026);
    let sim = start(&district).await;
    let chosen: BTreeSet<SchoolKey> = district.sis.schools.iter().map(|s| s.key.clone()).collect();
    let sis = &mut district.sis;
    // The generator's withdrawn and inactive students, plus by hand: a
    // withdrawn and an inactive student, a teacher no longer active in any
    // building, and an inactive course, all still scheduled.
    let scheduled: Vec<PersonKey> = sis
        .people
        .iter()
        .filter(|p| p.role == SisRole::Student && p.is_active())
        .map(|p| p.key.clone())
        .filter(|k| sis.enrollments.iter().any(|e| e.person == *k))
        .collect();
    let (withdrawn, inactive) = (&scheduled[0], &scheduled[1]);
    let section = &sis.sections[0];
    let teacher = section.primary_teacher.clone().unwrap();
    let course = sis
        .courses
        .iter()
        .find(|c| c.key == section.course)
        .unwrap()
        .clone();
    set(
        &sim,
        "REG",
        ("STUDENT_ID", withdrawn.as_str()),
        "CURRENT_STATUS",
        "G",
    );
    set(
        &sim,
        "REG",
        ("STUDENT_ID", inactive.as_str()),
        "CURRENT_STATUS",
        "I",
    );
    let staff_id = teacher.as_str().trim_start_matches('T');
    set(
        &sim,
        "REG_STAFF_BLDGS",
        ("STAFF_ID", staff_id),
        "ACTIVE",
        "N",
    );
    set(
        &sim,
        "SCHD_COURSE",
        ("COURSE", &course.code),
        "ACTIVE_STATUS",
        "N",
    );
    for person in &mut sis.people {
        if person.key == *withdrawn {
            person.status = PersonStatus::Withdrawn;
        } else if person.key == *inactive || person.key == teacher {
            person.status = PersonStatus::Inactive;
        }
    }
    for c in sis.courses.iter_mut().filter(|c| c.code == course.code) {
        c.active = false;
    }
    let want = expected(sis, district.as_of, &chosen);
    assert!(want.withdrawn_people.len() > 1 && want.withdrawn_people.contains(withdrawn.as_str()));
    assert!(want.inactive_people.len() > 2 && want.inactive_people.contains(inactive.as_str()));
    assert!(want.inactive_people.contains(teacher.as_str()));
    assert!(want.inactive_courses.contains(course.key.as_str()));
    assert!(!want.ended_enrollments.is_empty());
    assert_sis_source(
        &adapter(&sim),
        &request(&chosen, district.school_year),
        &want,
    )
    .await;
}

/// What the roster read of `chosen` downloads, counted from the simulator's
/// tables (never from what the adapter read): per kind of record, how many
/// records the source holds. Every section of the generated district has
/// one course session.
fn totals(
    sim: &RunningEsp,
    chosen: &BTreeSet<SchoolKey>,
    year: i32,
) -> BTreeMap<RecordKind, usize> {
    let table = |name: &str| sim.table(sim.site_code(), name).unwrap();
    let records = |name: &str| table(name).records();
    let chosen: BTreeSet<&str> = chosen.iter().map(SchoolKey::as_str).collect();
    let year = year.to_string();
    let sections: BTreeSet<String> = records("SCHD_MS")
        .into_iter()
        .filter(|r| {
            chosen.contains(r["BUILDING"].as_str())
                && r["SCHOOL_YEAR"] == year
                && r["SUMMER_SCHOOL"] == "N"
        })
        .map(|r| r["SECTION_KEY"].clone())
        .collect();
    let scheduled = records("SCHD_STU_COURSE");
    let scheduled_ids: BTreeSet<&str> = scheduled
        .iter()
        .filter(|r| sections.contains(&r["SECTION_KEY"]))
        .map(|r| r["STUDENT_ID"].as_str())
        .collect();
    let students: Vec<_> = records("REG")
        .into_iter()
        .filter(|r| {
            chosen.contains(r["BUILDING"].as_str())
                || scheduled_ids.contains(r["STUDENT_ID"].as_str())
        })
        .collect();
    let student_ids: BTreeSet<&str> = students.iter().map(|r| r["STUDENT_ID"].as_str()).collect();
    let staff_ids: BTreeSet<String> = records("REG_STAFF_BLDGS")
        .into_iter()
        .filter(|r| chosen.contains(r["BUILDING"].as_str()))
        .map(|r| r["STAFF_ID"].clone())
        .collect();
    let staff = records("REG_STAFF")
        .into_iter()
        .filter(|r| staff_ids.contains(&r["STAFF_ID"]))
        .count();
    let links: Vec<_> = records("REG_STU_CONTACT")
        .into_iter()
        .filter(|r| r["CONTACT_TYPE"] == "G" && student_ids.contains(r["STUDENT_ID"].as_str()))
        .collect();
    let guardians: BTreeSet<&str> = links.iter().map(|r| r["CONTACT_ID"].as_str()).collect();
    let sessions: Vec<_> = records("SCHD_MS_SESSION")
        .into_iter()
        .filter(|r| sections.contains(&r["SECTION_KEY"]))
        .collect();
    assert!(sessions.iter().all(|r| r["COURSE_SESSION"] == "1"));
    let co_teachers: BTreeSet<(String, String)> = records("SCHD_MS_STAFF")
        .into_iter()
        .filter(|r| sections.contains(&r["SECTION_KEY"]))
        .map(|r| (r["SECTION_KEY"].clone(), r["STAFF_ID"].clone()))
        .collect();
    let teachers: usize = sessions
        .iter()
        .map(|s| {
            let primary = s["PRIMARY_STAFF_ID"].as_str();
            usize::from(!primary.is_empty())
                + co_teachers
                    .iter()
                    .filter(|(key, id)| *key == s["SECTION_KEY"] && id != primary && !id.is_empty())
                    .count()
        })
        .sum();
    let enrolled = scheduled
        .iter()
        .filter(|r| sections.contains(&r["SECTION_KEY"]))
        .count();
    let courses = records("SCHD_COURSE")
        .into_iter()
        .filter(|r| chosen.contains(r["BUILDING"].as_str()))
        .count();
    BTreeMap::from([
        (RecordKind::School, table("REG_BUILDING").rows.len()),
        (RecordKind::Person, students.len() + staff + guardians.len()),
        (RecordKind::GuardianLink, links.len()),
        (RecordKind::Course, courses),
        (RecordKind::Section, sections.len()),
        (RecordKind::Enrollment, enrolled + teachers),
    ])
}

#[tokio::test]
async fn every_record_the_server_holds_for_the_buildings_read_is_read_or_reported() {
    let district = generate(DistrictSize::Small, 11, 2026);
    let sim = start(&district).await;
    let chosen = selected(&district);
    // A teacher who no longer teaches anywhere, as a district edits it: the
    // staff member is left out, and each of their sections says that its
    // teacher was not found.
    let teacher = district
        .sis
        .sections
        .iter()
        .find(|s| chosen.contains(&s.school))
        .and_then(|s| s.primary_teacher.clone())
        .unwrap();
    let staff_id = teacher.as_str().trim_start_matches('T').to_owned();
    set(
        &sim,
        "REG_STAFF_BLDGS",
        ("STAFF_ID", &staff_id),
        "IS_TEACHER",
        "N",
    );
    // The kit's key sets are the other tests' business: this one counts.
    let want = Expected {
        totals: totals(&sim, &chosen, district.school_year),
        ..Expected::default()
    };
    assert!(
        want.totals[&RecordKind::Enrollment] > 4000,
        "{:?}",
        want.totals
    );
    let read = adapter(&sim)
        .read_snapshot(&request(&chosen, district.school_year))
        .await
        .unwrap();
    let violations = rostersync_ports::conformance::check_sis_source(
        &adapter(&sim),
        &request(&chosen, district.school_year),
        &want,
    )
    .await;
    let accounting: Vec<_> = violations
        .iter()
        .filter(|v| v.check == "accounting")
        .collect();
    assert!(accounting.is_empty(), "{accounting:#?}");
    // The teacher and their teacher enrollments are each said.
    let said = |reason: &str| read.problems.iter().filter(|p| p.group() == reason).count();
    assert_eq!(said("not a teacher"), 1, "{:?}", read.problems);
    assert!(said("teacher not found") >= 1);
    // The counts add up with every kind of problem the read met.
    let excluded = read.problems.iter().filter(|p| p.excludes()).count();
    let total: usize = want.totals.values().sum();
    let read_count = read.records_read() as usize - read.snapshot.terms.len();
    assert_eq!(read_count + excluded, total);
}
