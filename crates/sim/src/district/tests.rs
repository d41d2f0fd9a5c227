//! Tests of the district generator and the next-day mutation.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Days, NaiveDate};
use rostersync_core::mapping::{MappingConfig, RoleTarget, TermTarget};
use rostersync_core::model::sis::{Enrollment, Person, PersonStatus, SisRole, SisSnapshot};

use super::*;

const YEAR: i32 = 2026;

fn students(sis: &SisSnapshot) -> impl Iterator<Item = &Person> {
    sis.people.iter().filter(|p| p.role == SisRole::Student)
}

fn distinct_keys(sis: &SisSnapshot, role: SisRole) -> usize {
    sis.people
        .iter()
        .filter(|p| p.role == role)
        .map(|p| p.key.as_str())
        .collect::<HashSet<_>>()
        .len()
}

fn names(p: &Person) -> [&str; 2] {
    [p.name.first.as_str(), p.name.last.as_str()]
}

fn is_non_latin(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0600}'..='\u{06FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}')
}

fn is_accented_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}')
}

fn rows_by_person(sis: &SisSnapshot) -> HashMap<&str, Vec<&Enrollment>> {
    let mut rows: HashMap<&str, Vec<&Enrollment>> = HashMap::new();
    for e in &sis.enrollments {
        rows.entry(e.person.as_str()).or_default().push(e);
    }
    rows
}

fn rows_per_section(sis: &SisSnapshot) -> HashMap<&str, usize> {
    let mut rows: HashMap<&str, usize> = HashMap::new();
    for e in &sis.enrollments {
        *rows.entry(e.section.as_str()).or_default() += 1;
    }
    rows
}

/// The mess every size has (as far as one school allows).
fn assert_basic_mess(d: &District) {
    let sis = &d.sis;
    let any_name = |f: &dyn Fn(&str) -> bool| students(sis).any(|p| names(p).iter().any(|n| f(n)));
    assert!(any_name(&|n| n.contains('\'')), "a name with an apostrophe");
    assert!(any_name(&|n| n.contains('-')), "a hyphenated name");
    assert!(
        any_name(&|n| n.chars().any(is_accented_latin)),
        "an accented name"
    );
    assert!(
        any_name(&|n| n.chars().any(is_non_latin)),
        "a non-Latin name"
    );
    for name in [
        "José",
        "Zoë",
        "Łukasz",
        "O'Brien",
        "Smith-Jones",
        "王",
        "Дмитрий",
        "محمد",
    ] {
        assert!(any_name(&|n| n == name), "{name}");
    }

    let mut same_name: HashMap<(&str, &str, &str), HashSet<&str>> = HashMap::new();
    for p in students(sis) {
        same_name
            .entry((p.primary_school.as_str(), &p.name.first, &p.name.last))
            .or_default()
            .insert(p.key.as_str());
    }
    assert!(
        same_name.values().any(|keys| keys.len() >= 2),
        "two students with one name in one building"
    );
    assert!(
        students(sis).any(|p| p.email.is_none()),
        "a student without e-mail"
    );
    assert!(
        sis.sections.iter().any(|s| !s.co_teachers.is_empty()),
        "a co-taught section"
    );

    let rows = rows_by_person(sis);
    let withdrawn = students(sis)
        .filter(|p| p.status == PersonStatus::Withdrawn)
        .filter(|p| rows.get(p.key.as_str()).is_some_and(|r| !r.is_empty()))
        .find(|p| {
            rows[p.key.as_str()]
                .iter()
                .all(|e| e.end.is_some_and(|end| end < d.as_of) && !e.is_current(d.as_of))
        });
    assert!(
        withdrawn.is_some(),
        "a withdrawn student whose enrollments all ended"
    );
    assert!(
        students(sis).any(|p| p.status == PersonStatus::Inactive),
        "an inactive student"
    );

    let mut children: HashMap<&str, usize> = HashMap::new();
    for link in &sis.guardian_links {
        *children.entry(link.guardian.as_str()).or_default() += 1;
    }
    assert!(
        children.values().any(|&n| n == 3),
        "a guardian with three children"
    );

    let per_section = rows_per_section(sis);
    assert!(
        sis.sections
            .iter()
            .any(|s| !per_section.contains_key(s.key.as_str())),
        "an empty section"
    );
}

#[test]
fn sizes_parse_and_print() {
    for size in DistrictSize::ALL {
        assert_eq!(size.as_str().parse::<DistrictSize>(), Ok(size));
        assert_eq!(size.to_string(), size.as_str());
    }
    assert_eq!(" XL ".parse::<DistrictSize>(), Ok(DistrictSize::Xl));
    let error = "huge".parse::<DistrictSize>().err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("unknown district size \"huge\"; expected tiny, small, medium, large or xl")
    );
    let xl = DistrictSize::Xl.profile();
    assert_eq!(
        (
            xl.students,
            xl.teachers,
            xl.sections,
            xl.student_enrollments
        ),
        (250_000, 15_000, 60_000, 1_500_000)
    );
    assert_eq!(xl.guardians, 166_667);
}

#[test]
fn same_seed_same_district() {
    let a = generate(DistrictSize::Small, 42, YEAR);
    let b = generate(DistrictSize::Small, 42, YEAR);
    assert!(a == b, "two runs with one seed differ");
}

#[test]
fn different_seed_different_district() {
    let a = generate(DistrictSize::Small, 1, YEAR);
    let b = generate(DistrictSize::Small, 2, YEAR);
    assert_ne!(a.sis.people, b.sis.people);
    assert_ne!(a.sis.enrollments, b.sis.enrollments);
}

#[test]
fn tiny_counts_and_mess() {
    let d = generate(DistrictSize::Tiny, 7, YEAR);
    let sis = &d.sis;
    assert_eq!(sis.schools.len(), 1);
    assert_eq!(sis.terms.len(), 7);
    assert_eq!(students(sis).count(), 50);
    assert_eq!(distinct_keys(sis, SisRole::Teacher), 6);
    assert_eq!(distinct_keys(sis, SisRole::Guardian), 33);
    assert_eq!(
        sis.people.len(),
        50 + 6 + 33,
        "tiny has no duplicated record"
    );
    assert_eq!(sis.sections.len(), 16);
    assert_eq!(sis.enrollments.len(), 250);
    assert!(sis.people.iter().all(|p| !p.name.last.is_empty()));
    assert_basic_mess(&d);
    assert_consistent(&d);
}

#[test]
fn small_and_medium_match_their_profiles() {
    for size in [DistrictSize::Small, DistrictSize::Medium] {
        let d = generate(size, 3, YEAR);
        let profile = size.profile();
        let sis = &d.sis;
        assert_eq!(sis.schools.len(), profile.schools, "{size}");
        assert_eq!(sis.terms.len(), 7 * profile.schools, "{size}");
        assert_eq!(
            distinct_keys(sis, SisRole::Student),
            profile.students,
            "{size}"
        );
        assert_eq!(
            distinct_keys(sis, SisRole::Teacher),
            profile.teachers,
            "{size}"
        );
        assert_eq!(
            distinct_keys(sis, SisRole::Guardian),
            profile.guardians,
            "{size}"
        );
        assert_eq!(
            sis.people.len(),
            profile.students + profile.teachers + profile.guardians + 1,
            "{size}: one duplicated record"
        );
        assert_eq!(sis.sections.len(), profile.sections, "{size}");
        assert_eq!(sis.enrollments.len(), profile.student_enrollments, "{size}");
        assert_consistent(&d);
    }
}

#[test]
fn small_has_every_kind_of_mess() {
    for seed in [11, 12, 13] {
        small_mess(seed);
    }
}

fn small_mess(seed: u64) {
    let d = generate(DistrictSize::Small, seed, YEAR);
    let sis = &d.sis;
    assert_basic_mess(&d);

    // A teacher in two buildings who teaches in the second one.
    let shared = sis
        .people
        .iter()
        .filter(|p| p.role == SisRole::Teacher && !p.other_schools.is_empty())
        .find(|t| {
            sis.sections
                .iter()
                .any(|s| t.other_schools.contains(&s.school) && s.teachers().any(|k| *k == t.key))
        });
    assert!(shared.is_some(), "a teacher teaching in two buildings");

    // Cross-listed pairs: two sections of different courses in one school, meeting together.
    let mut groups: BTreeMap<&str, Vec<&rostersync_core::model::sis::Section>> = BTreeMap::new();
    for s in &sis.sections {
        if let Some(group) = &s.cross_list_group {
            groups.entry(group).or_default().push(s);
        }
    }
    assert!(!groups.is_empty(), "cross-listed sections");
    for pair in groups.values() {
        assert_eq!(pair.len(), 2);
        assert_ne!(pair[0].course, pair[1].course);
        assert_eq!(pair[0].school, pair[1].school);
        assert_eq!(pair[0].terms, pair[1].terms);
        assert_eq!(pair[0].periods, pair[1].periods);
        assert_eq!(pair[0].primary_teacher, pair[1].primary_teacher);
    }

    // A mid-year mover: an ended enrollment in another building, a current one in the new.
    let section_school: HashMap<&str, &str> = sis
        .sections
        .iter()
        .map(|s| (s.key.as_str(), s.school.as_str()))
        .collect();
    let rows = rows_by_person(sis);
    let mover = students(sis).filter(|p| p.is_active()).find(|p| {
        let Some(rows) = rows.get(p.key.as_str()) else {
            return false;
        };
        let elsewhere_ended = rows.iter().any(|e| {
            section_school[e.section.as_str()] != p.primary_school.as_str()
                && e.end.is_some_and(|end| end < d.as_of)
        });
        let here_current = rows.iter().any(|e| {
            section_school[e.section.as_str()] == p.primary_school.as_str() && e.is_current(d.as_of)
        });
        elsewhere_ended && here_current
    });
    assert!(mover.is_some(), "a student who changed building mid-year");

    // Guardians of children in two buildings.
    assert!(
        sis.people
            .iter()
            .any(|p| p.role == SisRole::Guardian && !p.other_schools.is_empty())
    );

    // One duplicated key, one student without a last name.
    let mut seen = HashSet::new();
    let duplicated: Vec<&str> = sis
        .people
        .iter()
        .filter(|p| !seen.insert(p.key.as_str()))
        .map(|p| p.key.as_str())
        .collect();
    assert_eq!(duplicated.len(), 1, "exactly one duplicated key");
    assert_eq!(students(sis).filter(|p| p.name.last.is_empty()).count(), 1);

    // Some co-taught sections have two co-teachers.
    assert!(sis.sections.iter().any(|s| s.co_teachers.len() == 2));
}

/// Every reference resolves and every record is well-formed.
fn assert_consistent(d: &District) {
    let sis = &d.sis;
    let schools: HashSet<&str> = sis.schools.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(schools.len(), sis.schools.len(), "school keys unique");
    let terms: HashMap<&str, &rostersync_core::model::sis::Term> =
        sis.terms.iter().map(|t| (t.key.as_str(), t)).collect();
    assert_eq!(terms.len(), sis.terms.len(), "term keys unique");
    for t in &sis.terms {
        assert!(schools.contains(t.school.as_str()));
        assert!(t.start <= t.end);
        assert_eq!(t.school_year, YEAR);
        if let Some(parent) = &t.parent {
            let parent = terms[parent.as_str()];
            assert_eq!(parent.school, t.school);
            assert!(
                parent.start <= t.start && t.end <= parent.end,
                "{:?} inside its parent",
                t.key
            );
        }
    }
    let people: HashMap<&str, &Person> = sis.people.iter().map(|p| (p.key.as_str(), p)).collect();
    for p in &sis.people {
        assert!(schools.contains(p.primary_school.as_str()));
        assert!(
            p.other_schools
                .iter()
                .all(|s| schools.contains(s.as_str()) && *s != p.primary_school)
        );
        assert!(
            p.email
                .as_deref()
                .is_none_or(|e| e.is_ascii() && e.contains('@'))
        );
        if p.role == SisRole::Student {
            let grade = p.grade.as_deref().unwrap_or_default();
            let number = if grade == "KF" {
                0
            } else {
                grade.parse::<i32>().unwrap_or(-100)
            };
            assert!((0..=12).contains(&number), "grade {grade}");
            assert_eq!(p.graduation_year, Some(YEAR + 12 - number));
        }
    }
    let courses: HashMap<&str, &rostersync_core::model::sis::Course> =
        sis.courses.iter().map(|c| (c.key.as_str(), c)).collect();
    assert_eq!(courses.len(), sis.courses.len(), "course keys unique");
    let mut sections = HashSet::new();
    for s in &sis.sections {
        assert!(sections.insert(s.key.as_str()), "section keys unique");
        let course = courses[s.course.as_str()];
        assert_eq!(course.school, s.school);
        assert!(!s.terms.is_empty() && s.terms.len() <= 2);
        for term in &s.terms {
            assert_eq!(terms[term.as_str()].school, s.school);
        }
        assert!(s.primary_teacher.is_some());
        for teacher in s.teachers() {
            let t = people[teacher.as_str()];
            assert_eq!(t.role, SisRole::Teacher);
            assert!(
                t.schools().any(|k| *k == s.school),
                "{teacher} teaches in one of their schools"
            );
        }
    }
    let mut pairs = HashSet::new();
    for e in &sis.enrollments {
        assert!(sections.contains(e.section.as_str()));
        assert_eq!(people[e.person.as_str()].role, SisRole::Student);
        assert!(
            pairs.insert((e.section.as_str(), e.person.as_str())),
            "one row per section and person"
        );
        if let (Some(begin), Some(end)) = (e.begin, e.end) {
            assert!(begin <= end);
        }
    }
    for link in &sis.guardian_links {
        assert_eq!(people[link.guardian.as_str()].role, SisRole::Guardian);
        assert_eq!(people[link.student.as_str()].role, SisRole::Student);
    }
}

#[test]
fn mapping_and_directory_fit_the_district() {
    let d = generate(DistrictSize::Small, 5, YEAR);
    let config = MappingConfig::new(d.mapping.clone());
    assert!(config.is_ok(), "{config:?}");
    let buildings: HashSet<&str> = d
        .lms_directory
        .buildings
        .iter()
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(d.mapping.schools.len(), d.sis.schools.len());
    assert!(
        d.mapping
            .schools
            .values()
            .all(|b| buildings.contains(b.as_str()))
    );
    assert_eq!(d.lms_directory.buildings[0].id.as_str(), "9001");
    assert_eq!(d.mapping.terms.len(), d.sis.terms.len());
    let periods: HashSet<&str> = d
        .lms_directory
        .grading_periods
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    let mut existing = 0;
    for target in d.mapping.terms.values() {
        if let TermTarget::Existing(id) = target {
            assert!(periods.contains(id.as_str()));
            existing += 1;
        }
    }
    assert!(
        existing > 0 && existing < d.mapping.terms.len(),
        "some terms map, some are created"
    );
    let role = |id: &str| d.lms_directory.roles.iter().find(|r| r.id.as_str() == id);
    for map in d.mapping.roles.values() {
        assert_eq!(map.student, Some(RoleTarget::Lms(STUDENT_ROLE_ID.into())));
        assert_eq!(map.teacher, Some(RoleTarget::Lms(TEACHER_ROLE_ID.into())));
        assert_eq!(map.guardian, Some(RoleTarget::Lms(PARENT_ROLE_ID.into())));
    }
    assert!(role(TEACHER_ROLE_ID).is_some_and(|r| r.faculty && r.title == "Teacher"));
    assert!(role(PARENT_ROLE_ID).is_some_and(|r| !r.faculty && r.title == "Parent"));
    let all: BTreeSet<_> = d.sis.schools.iter().map(|s| s.key.clone()).collect();
    assert_eq!(d.mapping.selection.users, all);
    assert_eq!(d.mapping.selection.courses, all);
    assert_eq!(d.mapping.selection.sections, all);

    let lms = lms_snapshot_empty(&d);
    assert_eq!(lms.buildings, d.lms_directory.buildings);
    assert_eq!(lms.grading_periods, d.lms_directory.grading_periods);
    assert!(lms.users.is_empty() && lms.sections.is_empty() && lms.enrollments.is_empty());
}

/// What actually differs between two snapshots, in the shape of `DayChanges`.
fn diff(old: &SisSnapshot, new: &SisSnapshot, today: NaiveDate) -> DayChanges {
    let once = |sis: &SisSnapshot| -> BTreeMap<String, Person> {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for p in &sis.people {
            *count.entry(p.key.as_str()).or_default() += 1;
        }
        sis.people
            .iter()
            .filter(|p| count[p.key.as_str()] == 1)
            .map(|p| (p.key.to_string(), p.clone()))
            .collect()
    };
    let (before, after) = (once(old), once(new));
    assert!(
        before.keys().all(|k| after.contains_key(k)),
        "nobody disappears"
    );
    let mut changes = DayChanges {
        today,
        ..DayChanges::default()
    };
    for (key, p) in &after {
        let Some(o) = before.get(key) else {
            changes.added_people.push(p.key.clone());
            continue;
        };
        if o.name.last != p.name.last {
            changes.renamed.push(Rename {
                person: p.key.clone(),
                old_last: o.name.last.to_string(),
                new_last: p.name.last.to_string(),
            });
        }
        if o.email != p.email {
            changes.email_changes.push(EmailChange {
                person: p.key.clone(),
                old: o.email.as_deref().map(str::to_owned),
                new: p.email.as_deref().unwrap_or_default().to_owned(),
            });
        }
        if o.primary_school != p.primary_school && p.role == SisRole::Student {
            changes.moved.push(Move {
                student: p.key.clone(),
                from: o.primary_school.clone(),
                to: p.primary_school.clone(),
            });
        }
        if o.schools().ne(p.schools()) && p.role == SisRole::Guardian {
            changes.guardian_school_changes.push(SchoolChange {
                person: p.key.clone(),
                before: o.schools().cloned().collect(),
                after: p.schools().cloned().collect(),
            });
        }
        let mut masked = p.clone();
        masked.name.last.clone_from(&o.name.last);
        masked.email.clone_from(&o.email);
        masked.primary_school = o.primary_school.clone();
        masked.other_schools.clone_from(&o.other_schools);
        assert_eq!(&masked, o, "only listed fields change");
    }
    let rows = |sis: &SisSnapshot| -> BTreeMap<EnrollmentRef, Enrollment> {
        sis.enrollments
            .iter()
            .map(|e| {
                let key = EnrollmentRef {
                    section: e.section.clone(),
                    person: e.person.clone(),
                };
                (key, e.clone())
            })
            .collect()
    };
    let (before, after) = (rows(old), rows(new));
    assert_eq!(before.len(), old.enrollments.len());
    assert_eq!(after.len(), new.enrollments.len());
    let yesterday = today.checked_sub_days(Days::new(1));
    for (key, e) in &after {
        match before.get(key) {
            None => {
                assert_eq!((e.begin, e.end), (Some(today), None));
                changes.added_enrollments.push(key.clone());
            }
            Some(o) if o != e => {
                assert_eq!(
                    (o.end, e.end),
                    (None, yesterday),
                    "a changed row is an ended one"
                );
                changes.ended_enrollments.push(key.clone());
            }
            Some(_) => {}
        }
    }
    changes.removed_enrollments = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let sections: HashMap<&str, _> = old.sections.iter().map(|s| (s.key.as_str(), s)).collect();
    for s in &new.sections {
        match sections.get(s.key.as_str()) {
            None => changes.added_sections.push(s.key.clone()),
            Some(o) => assert_eq!(*o, s),
        }
    }
    let (links, new_links): (HashSet<_>, HashSet<_>) = (
        old.guardian_links.iter().collect(),
        new.guardian_links.iter().collect(),
    );
    assert!(links.is_subset(&new_links), "no guardian link disappears");
    changes.added_guardian_links = new
        .guardian_links
        .iter()
        .filter(|l| !links.contains(l))
        .cloned()
        .collect();
    assert_eq!(old.schools, new.schools);
    assert_eq!(old.terms, new.terms);
    assert_eq!(old.courses, new.courses);
    changes.sort();
    changes
}

#[test]
fn next_day_describes_exactly_what_changed() {
    for (size, seed) in [
        (DistrictSize::Tiny, 1),
        (DistrictSize::Small, 2),
        (DistrictSize::Medium, 3),
    ] {
        let d = generate(size, seed, YEAR);
        let today = d.as_of;
        let m = next_day(&d, 99, today);
        let actual = diff(&d.sis, &m.sis, today);
        assert_eq!(actual, m.changes, "{size}");
        let c = &m.changes;
        assert!(
            !c.added_people.is_empty() && !c.added_guardian_links.is_empty(),
            "{size}"
        );
        assert!(
            !c.removed_enrollments.is_empty() && !c.ended_enrollments.is_empty(),
            "{size}"
        );
        assert!(
            !c.added_enrollments.is_empty() && c.added_sections.len() == 1,
            "{size}"
        );
        assert!(
            !c.renamed.is_empty() && !c.email_changes.is_empty(),
            "{size}"
        );
        if size != DistrictSize::Tiny {
            assert!(!c.moved.is_empty(), "{size}: a student changes building");
        }
        assert_eq!(
            c.dropped_enrollments().len(),
            c.removed_enrollments.len() + c.ended_enrollments.len()
        );
        let records = d.sis.people.len() + d.sis.enrollments.len();
        if size == DistrictSize::Medium {
            let share = c.len() as f64 / records as f64;
            assert!(
                (0.0025..0.02).contains(&share),
                "about 0.5 % a day, got {share}"
            );
        }
        let again = next_day(&d, 99, today);
        assert!(again == m, "{size}: next_day is deterministic");
    }
}

#[test]
fn days_chain() {
    let mut d = generate(DistrictSize::Small, 8, YEAR);
    let mut today = d.as_of;
    for _ in 0..3 {
        let before = d.sis.clone();
        let changes = d.advance(4, today);
        assert_eq!(diff(&before, &d.sis, today), changes);
        assert_consistent(&d);
        today = today.checked_add_days(Days::new(1)).unwrap_or(today);
    }
}
