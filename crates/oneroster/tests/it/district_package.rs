//! The conformance kit at scale: a generated district (`rostersync-sim`)
//! written as a OneRoster 1.1 CSV package, read back by `OneRosterCsv`, and
//! held to what the district itself says, key by key and field by field.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::Path;

use rostersync_core::ids::PersonKey;
use rostersync_core::model::sis::{
    Course, Enrollment, EnrollmentRole, Person, Section, SisSnapshot, Subject,
};
use rostersync_oneroster::{OneRosterCsv, reason};
use rostersync_ports::conformance::{Expected, assert_sis_source};
use rostersync_ports::{SisRequest, SisSource};
use rostersync_sim::district::{
    DISTRICT_ORG, District, DistrictSize, generate, write_oneroster_csv,
};

const SEED: u64 = 20_260_601;

fn write(district: &District) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_oneroster_csv(district, dir.path()).unwrap();
    dir
}

fn request(district: &District, schools: &[&str]) -> SisRequest {
    SisRequest {
        schools: schools.iter().map(|s| (*s).into()).collect(),
        school_year: district.school_year,
    }
}

fn all_schools(district: &District) -> SisRequest {
    SisRequest {
        schools: district.sis.schools.iter().map(|s| s.key.clone()).collect(),
        school_year: district.school_year,
    }
}

/// People the 1.1 binding cannot carry: `givenName` and `familyName` are
/// required, so a person with a blank one is a malformed row.
fn unreadable(district: &District) -> BTreeSet<PersonKey> {
    district
        .sis
        .people
        .iter()
        .filter(|p| p.name.first.trim().is_empty() || p.name.last.trim().is_empty())
        .map(|p| p.key.clone())
        .collect()
}

/// The line the row of `sourced_id` starts on, counted as the reader counts
/// (a line break inside a quoted cell is a line).
fn line_of(text: &str, sourced_id: &str) -> usize {
    let at = text
        .find(&format!("\n{sourced_id},"))
        .unwrap_or_else(|| panic!("{sourced_id} is not in the file"));
    text[..at].matches('\n').count() + 2
}

/// Every enrollment row: (line, sourcedId, class, user). Enrollment cells
/// are keys, dates and flags, never quoted.
fn enrollment_rows(text: &str) -> Vec<(usize, String, String, String)> {
    text.split('\n')
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let cells: Vec<&str> = line.trim_end().split(',').collect();
            (
                i + 1,
                cells[0].to_owned(),
                cells[3].to_owned(),
                cells[5].to_owned(),
            )
        })
        .collect()
}

fn key(s: impl ToString) -> String {
    s.to_string()
}

/// What a read of `request` must yield, from the district's own records.
///
/// Scope follows the `SisRequest` contract: sections, terms and courses of
/// the requested schools; people of those schools, everyone enrolled in or
/// teaching their sections, and the guardians of the students kept. Every
/// school of the package is listed.
///
/// Every other row of the package is a problem at its line: the district
/// org (not a school); the terms, courses, classes, users and enrollments
/// of the other schools (not requested); and, because OneRoster 1.1 cannot
/// carry them, people with a blank given or family name (both are
/// required) and their enrollments in the sections read. A link to such a
/// person from another user's agents is only a warning. A key the district
/// lists twice is one `sourcedId`, so it is expected once. The totals are
/// the rows of each file.
fn expected(district: &District, request: &SisRequest, dir: &Path) -> Expected {
    let sis = &district.sis;
    let gone = unreadable(district);
    let wanted = |school: &str| request.schools.iter().any(|s| s.as_str() == school);
    let sections: Vec<&Section> = sis
        .sections
        .iter()
        .filter(|s| wanted(s.school.as_str()))
        .collect();
    let section_keys: BTreeSet<String> = sections.iter().map(|s| key(&s.key)).collect();
    let mut enrollments = BTreeSet::new();
    let mut ended = BTreeSet::new();
    for section in &sections {
        for teacher in section.teachers().filter(|t| !gone.contains(*t)) {
            enrollments.insert((key(&section.key), key(teacher)));
        }
    }
    for e in sis.enrollments.iter().filter(|e| !gone.contains(&e.person)) {
        if section_keys.contains(e.section.as_str()) {
            enrollments.insert((key(&e.section), key(&e.person)));
            if !e.is_current(district.as_of) {
                ended.insert((key(&e.section), key(&e.person)));
            }
        }
    }
    let mut people: BTreeSet<String> = sis
        .people
        .iter()
        .filter(|p| !gone.contains(&p.key) && p.schools().any(|s| wanted(s.as_str())))
        .map(|p| key(&p.key))
        .collect();
    people.extend(enrollments.iter().map(|(_, p)| p.clone()));
    let guardian_links: BTreeSet<(String, String)> = sis
        .guardian_links
        .iter()
        .filter(|l| !gone.contains(&l.guardian) && !gone.contains(&l.student))
        .filter(|l| people.contains(l.student.as_str()))
        .map(|l| (key(&l.guardian), key(&l.student)))
        .collect();
    people.extend(guardian_links.iter().map(|(g, _)| g.clone()));
    let status_of = |status| -> BTreeSet<String> {
        sis.people
            .iter()
            .filter(|p| p.status == status && people.contains(p.key.as_str()))
            .map(|p| key(&p.key))
            .collect()
    };
    let used: BTreeSet<&str> = sections.iter().map(|s| s.course.as_str()).collect();
    let courses: Vec<&Course> = sis
        .courses
        .iter()
        .filter(|c| wanted(c.school.as_str()) || used.contains(c.key.as_str()))
        .collect();
    let terms: BTreeSet<String> = sis
        .terms
        .iter()
        .filter(|t| wanted(t.school.as_str()))
        .map(|t| key(&t.key))
        .collect();

    // Each row not read, at its line: `file line N (sourcedId)`.
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    let mut problem_locations = vec![format!("orgs.csv line 2 ({DISTRICT_ORG})")];
    let course_keys: BTreeSet<String> = courses.iter().map(|c| key(&c.key)).collect();
    let people_keys: BTreeSet<&str> = sis.people.iter().map(|p| p.key.as_str()).collect();
    let files: [(&str, Vec<&str>, &BTreeSet<String>); 4] = [
        (
            "academicSessions.csv",
            sis.terms.iter().map(|t| t.key.as_str()).collect(),
            &terms,
        ),
        (
            "courses.csv",
            sis.courses.iter().map(|c| c.key.as_str()).collect(),
            &course_keys,
        ),
        (
            "classes.csv",
            sis.sections.iter().map(|s| s.key.as_str()).collect(),
            &section_keys,
        ),
        ("users.csv", people_keys.into_iter().collect(), &people),
    ];
    for (file, keys, kept) in files {
        let text = read(file);
        // The line each row starts on, by the sourcedId it starts with.
        let mut lines: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, line) in text.split('\n').enumerate() {
            if let Some((id, _)) = line.split_once(',') {
                lines.entry(id).or_insert(i + 1);
            }
        }
        for id in keys.into_iter().filter(|id| !kept.contains(*id)) {
            problem_locations.push(format!("{file} line {} ({id})", lines[id]));
        }
    }
    let rows = read("enrollments.csv");
    for (line, id, class, user) in enrollment_rows(&rows) {
        if !section_keys.contains(&class) || gone.contains(user.as_str()) {
            problem_locations.push(format!("enrollments.csv line {line} ({id})"));
        }
    }

    Expected {
        schools: sis.schools.iter().map(|s| key(&s.key)).collect(),
        terms,
        inactive_people: status_of(rostersync_core::model::sis::PersonStatus::Inactive),
        withdrawn_people: status_of(rostersync_core::model::sis::PersonStatus::Withdrawn),
        people,
        courses: course_keys,
        inactive_courses: courses
            .iter()
            .filter(|c| !c.active)
            .map(|c| key(&c.key))
            .collect(),
        sections: section_keys,
        enrollments,
        ended_enrollments: ended,
        as_of: Some(district.as_of),
        guardian_links,
        problem_locations,
        totals: crate::fixture::totals(dir),
    }
}

#[tokio::test]
async fn a_generated_small_district_conforms_read_whole() {
    let district = generate(DistrictSize::Small, SEED, 2026);
    let dir = write(&district);
    let request = all_schools(&district);
    let expected = expected(&district, &request, dir.path());
    // The mess is there to be checked.
    assert!(!expected.inactive_people.is_empty());
    assert!(!expected.withdrawn_people.is_empty());
    assert!(!expected.ended_enrollments.is_empty());
    assert!(!expected.guardian_links.is_empty());
    assert!(!expected.problem_locations.is_empty());
    let source = OneRosterCsv::new(dir.path());
    assert_sis_source(&source, &request, &expected).await;
    // The kit matches locations by substring ("users.csv line 15" would also
    // match "users.csv line 1502 (G...)"): each unreadable person's own row
    // must be reported at exactly its line.
    let read = source.snapshot(&request).await.unwrap();
    let users = std::fs::read_to_string(dir.path().join("users.csv")).unwrap();
    for person in unreadable(&district) {
        let at = format!(
            "users.csv line {} ({})",
            line_of(&users, person.as_str()),
            person.as_str()
        );
        assert!(
            read.problems.iter().any(|p| p.location == at),
            "{at}: {:?}",
            read.problems
        );
    }
}

#[tokio::test]
async fn a_generated_small_district_conforms_read_one_school_at_a_time() {
    let district = generate(DistrictSize::Small, SEED, 2026);
    let dir = write(&district);
    let source = OneRosterCsv::new(dir.path());
    // The first school (which holds the forced mess) and the last: the kit
    // matches every expected location against every problem, so each read
    // costs the square of the records of the other schools.
    let schools = &district.sis.schools;
    for school in [&schools[0], &schools[schools.len() - 1]] {
        let request = request(&district, &[school.key.as_str()]);
        let expected = expected(&district, &request, dir.path());
        assert!(expected.people.len() < district.sis.people.len());
        assert_sis_source(&source, &request, &expected).await;
        // What the other schools hold is left out as not requested; what is
        // left out otherwise is the district org and the nameless person.
        let read = source.snapshot(&request).await.unwrap();
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for problem in read.problems.iter().filter(|p| p.excludes()) {
            *reasons
                .entry(problem.reason.as_deref().unwrap())
                .or_default() += 1;
        }
        assert!(reasons[reason::NOT_REQUESTED] > 1_000, "{reasons:?}");
        assert_eq!(reasons[reason::NOT_A_SCHOOL], 1, "{reasons:?}");
        let others: Vec<&&str> = reasons
            .keys()
            .filter(|r| {
                ![
                    reason::NOT_REQUESTED,
                    reason::NOT_A_SCHOOL,
                    reason::BLANK_REQUIRED,
                    reason::USER_NOT_READ,
                ]
                .contains(*r)
            })
            .collect();
        assert!(others.is_empty(), "{reasons:?}");
    }
}

/// A person as the 1.1 package carries it: no preferred first name, no
/// graduation year, the CEDS grade.
fn carried_person(person: &Person) -> Person {
    let mut person = person.clone();
    person.name.preferred_first = None;
    person.graduation_year = None;
    person.grade = person
        .grade
        .map(|g| if g == "KF" { "KG".into() } else { g });
    person
}

/// A course as the package carries it: no department, and the subject only
/// when its name says which it is.
fn carried_course(course: &Course) -> Course {
    let mut course = course.clone();
    course.department = None;
    course.subject = course.subject.filter(|s| {
        !matches!(
            s,
            Subject::Other | Subject::ProfessionalDevelopment | Subject::SpecialEducation
        )
    });
    course
}

fn by_key<T: Clone, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> BTreeMap<K, T> {
    items.iter().map(|i| (key(i), i.clone())).collect()
}

/// Panics naming the keys only one side has and the first few records
/// that differ, rather than printing both maps whole.
fn assert_same<K: Ord + Debug, T: PartialEq + Debug>(
    what: &str,
    got: &BTreeMap<K, T>,
    want: &BTreeMap<K, T>,
) {
    let missing: Vec<&K> = want.keys().filter(|k| !got.contains_key(k)).collect();
    let extra: Vec<&K> = got.keys().filter(|k| !want.contains_key(k)).collect();
    let differ: Vec<String> = want
        .iter()
        .filter_map(|(k, w)| {
            let g = got.get(k)?;
            (g != w).then(|| format!("read {g:?}\n  district {w:?}"))
        })
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "{what}: missing {missing:?}, extra {extra:?}, differing:\n{}",
        differ.join("\n")
    );
}

/// The snapshot of the whole district equals the district, record by
/// record, once the fields 1.1 cannot carry are set aside.
fn assert_same_records(district: &District, read: &SisSnapshot) {
    let sis = &district.sis;
    let gone = unreadable(district);
    assert_same(
        "schools",
        &by_key(&read.schools, |s| s.key.clone()),
        &by_key(&sis.schools, |s| s.key.clone()),
    );
    assert_same(
        "terms",
        &by_key(&read.terms, |t| t.key.clone()),
        &by_key(&sis.terms, |t| t.key.clone()),
    );
    let want: Vec<Course> = sis.courses.iter().map(carried_course).collect();
    assert_same(
        "courses",
        &by_key(&read.courses, |c| c.key.clone()),
        &by_key(&want, |c| c.key.clone()),
    );
    // Co-teachers come in the order of their enrollments' sourcedIds: a
    // package has no order among rows, so the order is not compared.
    let section = |s: &Section| {
        let mut s = s.clone();
        s.cross_list_group = None;
        s.co_teachers.sort();
        s
    };
    let want: Vec<Section> = sis.sections.iter().map(section).collect();
    let got: Vec<Section> = read.sections.iter().map(section).collect();
    assert_same(
        "sections",
        &by_key(&got, |s| s.key.clone()),
        &by_key(&want, |s| s.key.clone()),
    );
    let want: Vec<Person> = sis
        .people
        .iter()
        .filter(|p| !gone.contains(&p.key))
        .map(carried_person)
        .collect();
    let got = by_key(&read.people, |p| p.key.clone());
    assert_same("people", &got, &by_key(&want, |p| p.key.clone()));
    let student_rows = |list: &[Enrollment]| {
        let mut rows: Vec<Enrollment> = list
            .iter()
            .filter(|e| e.role == EnrollmentRole::Student && !gone.contains(&e.person))
            .cloned()
            .collect();
        rows.sort_by(|a, b| (&a.section, &a.person).cmp(&(&b.section, &b.person)));
        rows
    };
    assert_eq!(
        student_rows(&read.enrollments),
        student_rows(&sis.enrollments)
    );
}

#[tokio::test]
async fn a_generated_district_reads_back_field_for_field() {
    let district = generate(DistrictSize::Small, SEED, 2026);
    let dir = write(&district);
    let read = OneRosterCsv::new(dir.path())
        .snapshot(&all_schools(&district))
        .await
        .unwrap();
    assert_same_records(&district, &read.snapshot);

    // A sample by hand: odd and non-Latin names, a missing e-mail, a
    // kindergartner's grade.
    let got = by_key(&read.snapshot.people, |p| p.key.to_string());
    let sis = by_key(&district.sis.people, |p| p.key.to_string());
    for (key, first, last) in [
        ("S000001", "Liam", "O'Brien"),
        ("S000006", "伟", "王"),
        ("S000007", "Дмитрий", "Иванов"),
        ("S000008", "محمد", "حسن"),
    ] {
        assert_eq!(got[key].name.first, first);
        assert_eq!(got[key].name.last, last);
        assert_eq!(got[key].email, sis[key].email);
        assert_eq!(got[key].grade, carried_person(&sis[key]).grade);
    }
    assert_eq!(got["S000011"].email, None);
    let kindergartner = sis
        .values()
        .find(|p| p.grade.as_deref() == Some("KF"))
        .unwrap();
    assert_eq!(got[kindergartner.key.as_str()].grade.as_deref(), Some("KG"));
    let teacher = &got["T00001"];
    assert_eq!(teacher.username, sis["T00001"].username);
    assert!(teacher.email.as_deref().unwrap().ends_with("@example.org"));
}

/// Names and titles with commas, quotes, line breaks and other scripts
/// survive the round trip (the generator writes few of them, so a tiny
/// district is edited to have them).
#[tokio::test]
async fn quoted_fields_survive_the_round_trip() {
    let mut district = generate(DistrictSize::Tiny, SEED, 2026);
    let person = &mut district.sis.people[20];
    person.name.first = "Anne, \"Annie\"".into();
    person.name.last = "Ng\nTwo Lines".into();
    person.name.middle = Some("Ünal 美咲".into());
    district.sis.courses[0].title = "Art, \"Design\" & Craft".to_owned();
    district.sis.sections[0].title = "Period 1,\r\n2".to_owned();
    let dir = write(&district);
    let source = OneRosterCsv::new(dir.path());
    let request = all_schools(&district);
    let read = source.snapshot(&request).await.unwrap();
    let problems: Vec<&str> = read.problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(problems, [format!("orgs.csv line 2 ({DISTRICT_ORG})")]);
    // The reader reads a CRLF inside a quoted field as LF, as RFC 4180 text does.
    district.sis.sections[0].title = "Period 1,\n2".to_owned();
    assert_same_records(&district, &read.snapshot);
    assert_sis_source(
        &source,
        &request,
        &expected(&district, &request, dir.path()),
    )
    .await;
}
