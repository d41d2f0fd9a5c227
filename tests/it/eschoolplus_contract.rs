//! Contract test: the real eSchoolPLUS client (`EspAdapter`) against the
//! simulator loaded with a generated district. What the client reads must be
//! the district's records of the selected buildings, so client and simulator
//! cannot drift apart silently. Documented lossy points of the path
//! (district → eSchoolPLUS tables → client) are excluded explicitly below.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::grades::{GradeItem, GradeWrite, Score, ScoreStatus};
use rostersync_core::model::sis::{
    EnrollmentRole, Person, PersonName, PersonStatus, SisRole, SisSnapshot,
};
use rostersync_eschoolplus::{Credentials, EspAdapter, EspError, Options, Password, RetryPolicy};
use rostersync_ports::{GradeSink, SisRequest, SisSource, WriteResult};
use rostersync_sim::district::{District, DistrictSize, generate};
use rostersync_sim::eschoolplus::{
    COURSE_SESSION, EspSim, RunningEsp, section_numbers, windows_1252,
};

pub(crate) fn adapter(sim: &RunningEsp) -> EspAdapter {
    let today = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    EspAdapter::new(
        Credentials {
            domain: sim.url(),
            site_code: sim.site_code().to_owned(),
            login_name: sim.login_name().to_owned(),
            password: Password::new(sim.password()),
        },
        Options::for_date(today)
            .with_polling(Duration::from_millis(1), 50)
            .with_retry(RetryPolicy::fast(), 2),
    )
}

/// Lossy point: files are Windows-1252, so characters it lacks arrive as `?`;
/// values come back trimmed.
fn text(value: &str) -> String {
    let bytes = windows_1252(value);
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(&bytes)
        .0
        .trim()
        .to_owned()
}

fn opt_text<T: AsRef<str>>(value: &Option<T>) -> Option<String> {
    value
        .as_ref()
        .map(|v| text(v.as_ref()))
        .filter(|v| !v.is_empty())
}

fn name(name: &PersonName, nickname: bool) -> (String, Option<String>, String, Option<String>) {
    let first = text(&name.first);
    // The client keeps a nickname only when it differs from the first name.
    let preferred = opt_text(&name.preferred_first).filter(|p| nickname && *p != first);
    (first, opt_text(&name.middle), text(&name.last), preferred)
}

/// The client's guardian keys are `C` + contact id; the simulator's contact
/// id is the generated key without its `G`.
pub(crate) fn guardian_key(key: &PersonKey) -> PersonKey {
    PersonKey::new(format!("C{}", key.as_str().trim_start_matches('G')))
}

pub(crate) fn term_key(key: &TermKey) -> TermKey {
    // Semesters group quarters (`TERM` of the marking periods) and become the
    // client's `B-Y-TERM<code>`; the school year is the client's `B-Y`.
    let raw = key.as_str();
    match raw.rsplit_once('-') {
        Some((year, "YR")) => TermKey::new(year),
        Some((year, semester)) if semester.starts_with('S') => {
            TermKey::new(format!("{year}-TERM{semester}"))
        }
        _ => key.clone(),
    }
}

pub(crate) type PersonRow = (
    String,
    SisRole,
    (String, Option<String>, String, Option<String>),
    Option<String>,
    Option<String>,
    Option<String>,
    SchoolKey,
    BTreeSet<SchoolKey>,
    PersonStatus,
    Option<i32>,
);

fn person_row(p: &Person) -> PersonRow {
    (
        p.key.as_str().to_owned(),
        p.role,
        name(&p.name, p.role == SisRole::Student),
        p.email.as_deref().map(str::to_owned),
        p.username.as_deref().map(str::to_owned),
        p.grade.as_deref().map(str::to_owned),
        p.primary_school.clone(),
        p.other_schools.iter().cloned().collect(),
        p.status,
        p.graduation_year,
    )
}

/// The students a read of `selected` holds: those of the buildings, and those
/// of other buildings scheduled into the buildings' sections (a student who
/// moved away mid-year keeps the ended enrollments of the old building).
/// A record the district lists twice is read once: REG has one row per id.
pub(crate) fn expected_students<'s>(
    sis: &'s SisSnapshot,
    selected: &BTreeSet<SchoolKey>,
) -> Vec<&'s Person> {
    let sections: BTreeSet<&SectionKey> = sis
        .sections
        .iter()
        .filter(|s| selected.contains(&s.school))
        .map(|s| &s.key)
        .collect();
    let scheduled: BTreeSet<&PersonKey> = sis
        .enrollments
        .iter()
        .filter(|e| e.role == EnrollmentRole::Student && sections.contains(&e.section))
        .map(|e| &e.person)
        .collect();
    let mut seen = BTreeSet::new();
    sis.people
        .iter()
        .filter(|p| {
            p.role == SisRole::Student
                && (selected.contains(&p.primary_school) || scheduled.contains(&p.key))
                && seen.insert(&p.key)
        })
        .collect()
}

/// What the client should read for `selected`, in the client's keys.
pub(crate) fn expected_people(sis: &SisSnapshot, selected: &BTreeSet<SchoolKey>) -> Vec<PersonRow> {
    let students = expected_students(sis, selected);
    let mut out: Vec<PersonRow> = students
        .iter()
        .map(|p| {
            let mut row = person_row(p);
            // Lossy: REG holds no user name for students.
            row.4 = None;
            row
        })
        .collect();
    for teacher in sis.people.iter().filter(|p| p.role == SisRole::Teacher) {
        if !teacher.schools().any(|s| selected.contains(s)) {
            continue;
        }
        let mut row = person_row(teacher);
        // Lossy: REG_STAFF_BLDGS.ACTIVE is Y or N, so withdrawn staff read as inactive.
        row.8 = if teacher.is_active() {
            PersonStatus::Active
        } else {
            PersonStatus::Inactive
        };
        out.push(row);
    }
    let read: BTreeMap<&str, &Person> = students.iter().map(|p| (p.key.as_str(), *p)).collect();
    let mut children: BTreeMap<&PersonKey, BTreeSet<&str>> = BTreeMap::new();
    for link in &sis.guardian_links {
        if read.contains_key(link.student.as_str()) {
            children
                .entry(&link.guardian)
                .or_default()
                .insert(link.student.as_str());
        }
    }
    for guardian in sis.people.iter().filter(|p| p.role == SisRole::Guardian) {
        let Some(kids) = children.get(&guardian.key) else {
            continue;
        };
        let mut row = person_row(guardian);
        row.0 = guardian_key(&guardian.key).as_str().to_owned();
        // Documented mapping: a guardian's schools and status come from the
        // children read (the SIS has no building for contacts).
        let mut schools: Vec<SchoolKey> = Vec::new();
        for kid in kids {
            let school = &read[kid].primary_school;
            if !schools.contains(school) {
                schools.push(school.clone());
            }
        }
        row.6 = schools[0].clone();
        row.7 = schools[1..].iter().cloned().collect();
        row.8 = if kids.iter().any(|k| read[k].is_active()) {
            PersonStatus::Active
        } else {
            PersonStatus::Inactive
        };
        out.push(row);
    }
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

/// Where the roster's student file repeats a student row (the generator's
/// duplicated record), among the students read: each repeat is read once
/// and the repeat is left out with a problem at this location.
pub(crate) fn repeated_student_rows(sim: &RunningEsp, read: &BTreeSet<String>) -> Vec<String> {
    let reg = sim.table(sim.site_code(), "REG").unwrap();
    let id = reg.index("STUDENT_ID").unwrap();
    let mut seen = BTreeSet::new();
    let mut line = 1;
    let mut out = Vec::new();
    for row in &reg.rows {
        let key = row[id].trim();
        if !read.contains(key) {
            continue;
        }
        line += 1;
        if !seen.insert(key.to_owned()) {
            out.push(format!("RSROS_stu.txt line {line}"));
        }
    }
    out
}

pub(crate) fn selected(district: &District) -> BTreeSet<SchoolKey> {
    // Two of the four buildings, so scoping by building is exercised.
    [0, 2]
        .iter()
        .map(|i| district.sis.schools[*i].key.clone())
        .collect()
}

pub(crate) async fn start(district: &District) -> RunningEsp {
    EspSim::builder()
        .district(district)
        .task_polls(2)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_client_reads_the_simulated_district_as_generated() {
    let district = generate(DistrictSize::Small, 11, 2026);
    let sis = &district.sis;
    let sim = start(&district).await;
    let adapter = adapter(&sim);

    let schools = adapter.schools().await.unwrap();
    let got: BTreeSet<_> = schools
        .iter()
        .map(|s| (s.key.clone(), s.name.clone(), s.code.clone()))
        .collect();
    let want: BTreeSet<_> = sis
        .schools
        .iter()
        .map(|s| (s.key.clone(), text(&s.name), opt_text(&s.code)))
        .collect();
    assert_eq!(got, want);

    let terms = adapter.terms(2026).await.unwrap();
    let got: BTreeSet<_> = terms
        .iter()
        .map(|t| {
            (
                t.key.clone(),
                t.school.clone(),
                t.start,
                t.end,
                t.parent.clone(),
            )
        })
        .collect();
    let want: BTreeSet<_> = sis
        .terms
        .iter()
        .map(|t| {
            let parent = t.parent.as_ref().map(term_key);
            (term_key(&t.key), t.school.clone(), t.start, t.end, parent)
        })
        .collect();
    assert_eq!(got, want);
    // Lossy: the client names the terms it synthesises (semester groups and
    // the year) itself; marking period titles are the district's.
    let titles: BTreeSet<_> = terms
        .iter()
        .map(|t| (t.key.clone(), t.title.clone()))
        .collect();
    for term in sis.terms.iter().filter(|t| term_key(&t.key) == t.key) {
        assert!(
            titles.contains(&(term.key.clone(), text(&term.title))),
            "{term:?}"
        );
    }

    let chosen = selected(&district);
    let request = SisRequest {
        schools: chosen.clone(),
        school_year: 2026,
    };
    let read = adapter.snapshot(&request).await.unwrap();
    // The one record not read is the repeat of the duplicated student row.
    let students: BTreeSet<String> = read
        .snapshot
        .people
        .iter()
        .map(|p| p.key.as_str().to_owned())
        .collect();
    let repeats = repeated_student_rows(&sim, &students);
    assert_eq!(repeats.len(), 1, "the generator duplicates one student");
    let excluded: Vec<&str> = read
        .problems
        .iter()
        .filter(|p| p.excludes())
        .map(|p| p.location.as_str())
        .collect();
    assert_eq!(excluded, repeats, "{:?}", read.problems);
    let snapshot = read.snapshot;

    let mut got: Vec<PersonRow> = snapshot.people.iter().map(person_row).collect();
    got.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let want = expected_people(sis, &chosen);
    let count = |role| want.iter().filter(|p| p.1 == role).count();
    assert!(
        count(SisRole::Student) > 500
            && count(SisRole::Teacher) > 20
            && count(SisRole::Guardian) > 300
    );
    assert_eq!(got.len(), want.len());
    for (got, want) in got.iter().zip(&want) {
        assert_eq!(got, want);
    }

    let read_students: BTreeSet<&str> = want
        .iter()
        .filter(|p| p.1 == SisRole::Student)
        .map(|p| p.0.as_str())
        .collect();
    let got: BTreeSet<_> = snapshot
        .guardian_links
        .iter()
        .map(|l| (l.guardian.clone(), l.student.clone()))
        .collect();
    let want: BTreeSet<_> = sis
        .guardian_links
        .iter()
        .filter(|l| read_students.contains(l.student.as_str()))
        .map(|l| (guardian_key(&l.guardian), l.student.clone()))
        .collect();
    assert_eq!(got, want);

    // Lossy: SCHD_COURSE has no subject column.
    let got: BTreeSet<_> = snapshot
        .courses
        .iter()
        .map(|c| {
            let dept = c.department.clone();
            (
                c.key.clone(),
                c.school.clone(),
                c.code.clone(),
                c.title.clone(),
                dept,
                (c.grade_low, c.grade_high),
                c.active,
            )
        })
        .collect();
    let want: BTreeSet<_> = sis
        .courses
        .iter()
        .filter(|c| chosen.contains(&c.school))
        .map(|c| {
            let dept = opt_text(&c.department);
            (
                c.key.clone(),
                c.school.clone(),
                text(&c.code),
                text(&c.title),
                dept,
                (c.grade_low, c.grade_high),
                c.active,
            )
        })
        .collect();
    assert_eq!(got, want);

    compare_schedule(sis, &chosen, &snapshot);

    adapter.close().await;
    let counters = sim.counters();
    // One session for the three calls, started again after each first save
    // (the catalogue with the buildings, the terms, the roster); every
    // session ended.
    assert_eq!(counters.definitions_saved, 4);
    assert_eq!(counters.logons, 4);
    assert_eq!(counters.logoffs, 4);
    assert_eq!(counters.files_downloaded, counters.files_deleted);
    assert_eq!(
        sim.tasks_and_files().1,
        0,
        "the client deletes what it read"
    );
    // The next command finds every definition on the server: one logon.
    let next = self::adapter(&sim);
    next.schools().await.unwrap();
    next.terms(2026).await.unwrap();
    assert_eq!(next.snapshot(&request).await.unwrap().snapshot, snapshot);
    next.close().await;
    let second = sim.counters().since(&counters);
    assert_eq!(
        (second.logons, second.logoffs, second.definitions_saved),
        (1, 1, 0)
    );
}

/// The earliest add, the latest drop, and whether a range is open.
type Span = (Option<NaiveDate>, Option<NaiveDate>, bool);

/// The simulator's section key of a generated section: `SECTION_KEY-1`.
pub(crate) fn section_key(numbers: &BTreeMap<String, i64>, key: &SectionKey) -> SectionKey {
    SectionKey::new(format!("{}-{COURSE_SESSION}", numbers[key.as_str()]))
}

fn compare_schedule(sis: &SisSnapshot, chosen: &BTreeSet<SchoolKey>, snapshot: &SisSnapshot) {
    let numbers = section_numbers(sis);
    // Sections meet in marking periods (terms without children): a semester
    // or year term reads back as the quarters under it.
    let parent_of: BTreeMap<&TermKey, &TermKey> = sis
        .terms
        .iter()
        .filter_map(|t| t.parent.as_ref().map(|p| (&t.key, p)))
        .collect();
    let parents: BTreeSet<&TermKey> = parent_of.values().copied().collect();
    let periods: Vec<&TermKey> = sis
        .terms
        .iter()
        .map(|t| &t.key)
        .filter(|k| !parents.contains(k))
        .collect();
    let under = |term: &TermKey| -> Vec<TermKey> {
        periods
            .iter()
            .filter(|period| {
                let mut at = Some(**period);
                while let Some(key) = at {
                    if key == term {
                        return true;
                    }
                    at = parent_of.get(key).copied();
                }
                false
            })
            .map(|period| (*period).clone())
            .collect()
    };
    let meets =
        |terms: &[TermKey]| -> BTreeSet<TermKey> { terms.iter().flat_map(&under).collect() };
    // Lossy: cross-listing is not in SCHD_MS.
    let got: BTreeSet<_> = snapshot
        .sections
        .iter()
        .map(|s| {
            let co: BTreeSet<_> = s.co_teachers.iter().cloned().collect();
            let terms: BTreeSet<_> = s.terms.iter().cloned().collect();
            let info = (s.title.clone(), s.code.clone(), s.room.clone());
            (
                s.key.clone(),
                s.course.clone(),
                s.school.clone(),
                info,
                terms,
                s.primary_teacher.clone(),
                co,
                s.periods.clone(),
            )
        })
        .collect();
    let want: BTreeSet<_> = sis
        .sections
        .iter()
        .filter(|s| chosen.contains(&s.school))
        .map(|s| {
            let co: BTreeSet<_> = s.co_teachers.iter().cloned().collect();
            let info = (text(&s.title), text(&s.code), opt_text(&s.room));
            let key = section_key(&numbers, &s.key);
            (
                key,
                s.course.clone(),
                s.school.clone(),
                info,
                meets(&s.terms),
                s.primary_teacher.clone(),
                co,
                s.periods.clone(),
            )
        })
        .collect();
    assert!(want.len() > 100, "{} sections", want.len());
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);

    // Teachers are enrolled from the sections; students from the schedule,
    // one enrollment per student and section (the earliest add, the latest
    // drop, open when any range is open).
    let got: BTreeSet<_> = snapshot
        .enrollments
        .iter()
        .map(|e| {
            (
                e.section.clone(),
                e.person.clone(),
                e.role,
                e.primary,
                e.begin,
                e.end,
            )
        })
        .collect();
    let mut spans: BTreeMap<(SectionKey, PersonKey), Span> = BTreeMap::new();
    for e in sis
        .enrollments
        .iter()
        .filter(|e| e.role == EnrollmentRole::Student)
    {
        let Some(section) = sis.sections.iter().find(|s| s.key == e.section) else {
            continue;
        };
        if !chosen.contains(&section.school) {
            continue;
        }
        let span = spans
            .entry((section_key(&numbers, &e.section), e.person.clone()))
            .or_insert((None, None, false));
        span.0 = match (span.0, e.begin) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match e.end {
            Some(end) => span.1 = Some(span.1.map_or(end, |x| x.max(end))),
            None => span.2 = true,
        }
    }
    let mut want: BTreeSet<_> = spans
        .into_iter()
        .map(|((section, person), (begin, end, open))| {
            let end = if open { None } else { end };
            (section, person, EnrollmentRole::Student, false, begin, end)
        })
        .collect();
    for s in sis.sections.iter().filter(|s| chosen.contains(&s.school)) {
        let key = section_key(&numbers, &s.key);
        if let Some(teacher) = &s.primary_teacher {
            want.insert((
                key.clone(),
                teacher.clone(),
                EnrollmentRole::Teacher,
                true,
                None,
                None,
            ));
        }
        for teacher in s
            .co_teachers
            .iter()
            .filter(|t| Some(*t) != s.primary_teacher.as_ref())
        {
            want.insert((
                key.clone(),
                teacher.clone(),
                EnrollmentRole::Teacher,
                false,
                None,
                None,
            ));
        }
    }
    assert!(want.len() > 4000, "{} enrollments", want.len());
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
}

#[tokio::test]
async fn grades_written_by_the_client_are_read_back_from_the_simulator() {
    let district = generate(DistrictSize::Small, 11, 2026);
    let sis = &district.sis;
    let sim = start(&district).await;
    let adapter = adapter(&sim);
    let numbers = section_numbers(sis);
    let enrollment = sis
        .enrollments
        .iter()
        .find(|e| e.role == EnrollmentRole::Student && e.end.is_none())
        .unwrap();
    let section = sis
        .sections
        .iter()
        .find(|s| s.key == enrollment.section)
        .unwrap();
    let key = section_key(&numbers, &section.key);
    let term = TermKey::new(format!("{}-2026-Q1", section.school.as_str()));
    let item = GradeItem {
        id: "A-77".to_owned(),
        title: "Essay one".to_owned(),
        description: Some("Read ch. 3".to_owned()),
        due: NaiveDate::from_ymd_opt(2025, 9, 15),
        max_points: 10.0,
        category: None,
        factor: 1.0,
        grading_period: None,
    };
    let score = |student: &PersonKey, points| Score {
        item: "A-77".to_owned(),
        student: student.clone(),
        points: Some(points),
        status: ScoreStatus::Graded,
        comment: None,
    };
    let write = GradeWrite {
        section: key.clone(),
        term: term.clone(),
        items: vec![item.clone()],
        scores: vec![
            score(&enrollment.person, 8.5),
            score(&PersonKey::new("NOBODY"), 3.0),
        ],
    };
    let outcomes = adapter.write(&write).await.unwrap();
    assert_eq!(outcomes.len(), 3);
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("1".to_owned())
        }
    );
    assert_eq!(outcomes[1].result, WriteResult::Done { id: None });
    assert!(
        matches!(outcomes[2].result, WriteResult::Failed { .. }),
        "an unknown student is rejected"
    );

    // Again: the item is found by its external id and updated, not added.
    let again = adapter.write(&write).await.unwrap();
    assert_eq!(
        again[0].result,
        WriteResult::Done {
            id: Some("1".to_owned())
        }
    );
    assert_eq!(
        sim.table(sim.site_code(), "MR_GB_ASMT").unwrap().rows.len(),
        1
    );
    assert_eq!(
        sim.table(sim.site_code(), "MR_GB_STU_SCORE")
            .unwrap()
            .rows
            .len(),
        1
    );

    let book = adapter.gradebook(&key, &term).await.unwrap();
    assert_eq!(book.items, vec![item]);
    assert_eq!(book.scores, vec![score(&enrollment.person, 8.5)]);
    let counters = sim.counters();
    assert_eq!((counters.upload_verifies, counters.upload_runs), (4, 4));

    // A score first written as missing, then graded, holds the points and
    // no longer the mark.
    let missing = Score {
        points: None,
        status: ScoreStatus::Missing,
        ..score(&enrollment.person, 0.0)
    };
    let marks = GradeWrite {
        items: Vec::new(),
        scores: vec![missing.clone()],
        ..write.clone()
    };
    adapter.write(&marks).await.unwrap();
    assert_eq!(
        adapter.gradebook(&key, &term).await.unwrap().scores,
        vec![missing]
    );
    let regraded = GradeWrite {
        items: Vec::new(),
        scores: vec![score(&enrollment.person, 9.0)],
        ..write.clone()
    };
    adapter.write(&regraded).await.unwrap();
    assert_eq!(
        adapter.gradebook(&key, &term).await.unwrap().scores,
        vec![score(&enrollment.person, 9.0)]
    );
    assert_eq!(
        sim.tasks_and_files().1,
        0,
        "uploaded and downloaded files are deleted"
    );
}

fn with_credentials(sim: &RunningEsp, site_code: &str, password: &str) -> EspAdapter {
    let today = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    EspAdapter::new(
        Credentials {
            domain: sim.url(),
            site_code: site_code.to_owned(),
            login_name: sim.login_name().to_owned(),
            password: Password::new(password),
        },
        Options::for_date(today)
            .with_polling(Duration::from_millis(1), 50)
            .with_retry(RetryPolicy::fast(), 2),
    )
}

#[tokio::test]
async fn the_client_logs_on_again_when_the_session_expires_mid_read() {
    let district = generate(DistrictSize::Tiny, 3, 2026);
    let request = SisRequest {
        schools: district.sis.schools.iter().map(|s| s.key.clone()).collect(),
        school_year: 2026,
    };
    let steady = start(&district).await;
    let expected = adapter(&steady).snapshot(&request).await.unwrap();
    let expiring = EspSim::builder()
        .district(&district)
        .task_polls(2)
        .expire_after_requests(6)
        .start()
        .await
        .unwrap();
    let read = adapter(&expiring).snapshot(&request).await.unwrap();
    let counters = expiring.counters();
    assert!(counters.expired_requests >= 2, "{counters:?}");
    // One logon, one after saving the definitions, one per expiry.
    assert_eq!(
        counters.logons,
        counters.expired_requests + 2,
        "{counters:?}"
    );
    assert_eq!(read, expected);
    assert!(read.snapshot.people.len() > 50);
}

#[tokio::test]
async fn the_client_reports_refused_logons_unknown_sites_permissions_old_versions_and_503s() {
    let sim = EspSim::builder()
        .environment(
            "0850",
            "Live",
            rostersync_sim::eschoolplus::EspTables::empty(),
        )
        .environment(
            "0851",
            "Training",
            rostersync_sim::eschoolplus::EspTables::empty(),
        )
        .start()
        .await
        .unwrap();
    let wrong = with_credentials(&sim, "0850", "not-the-password");
    assert!(matches!(
        wrong.read_schools().await,
        Err(EspError::BadCredentials)
    ));
    let unknown = with_credentials(&sim, "0999", sim.password());
    match unknown.read_schools().await {
        Err(EspError::UnknownSiteCode { offered, .. }) => assert_eq!(offered.len(), 2),
        other => panic!("expected an unknown site code, got {other:?}"),
    }
    // Site codes compare without leading zeros.
    let (schools, _) = with_credentials(&sim, "851", sim.password())
        .read_schools()
        .await
        .unwrap();
    assert!(schools.is_empty());

    // One 503 or dropped connection is tried again; a lasting outage is
    // reported with the number of attempts.
    sim.faults().fail_next(1, 503);
    assert!(adapter(&sim).read_schools().await.is_ok());
    sim.faults().drop_next(1);
    assert!(adapter(&sim).read_schools().await.is_ok());
    sim.faults().fail_next(4, 503);
    let failed = adapter(&sim).read_schools().await;
    assert!(
        matches!(
            failed,
            Err(EspError::Status {
                status: 503,
                attempts: 4,
                ..
            })
        ),
        "{failed:?}"
    );
    assert!(adapter(&sim).read_schools().await.is_ok());
    // Slow bodies arrive whole.
    sim.faults().slow_bodies(Some(Duration::from_micros(50)));
    let (schools, _) = adapter(&sim).read_schools().await.unwrap();
    assert!(schools.is_empty());
    sim.faults().clear();

    let locked = EspSim::builder()
        .without_load_permissions()
        .start()
        .await
        .unwrap();
    let refused = adapter(&locked).read_schools().await;
    assert!(
        matches!(refused, Err(EspError::MissingPermission { .. })),
        "{refused:?}"
    );

    let old = EspSim::builder().version("2.5.1").start().await.unwrap();
    let refused = adapter(&old).read_schools().await;
    assert!(
        matches!(refused, Err(EspError::UnsupportedVersion { .. })),
        "{refused:?}"
    );
}
