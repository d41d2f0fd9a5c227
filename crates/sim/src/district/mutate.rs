//! One day of SIS churn: new students (with a guardian and enrollments),
//! dropped and added enrollments, renames, e-mail changes, students changing
//! building, and a new section, with an exact description of the change.

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use rostersync_core::ids::{PersonKey, SchoolKey, SectionKey};
use rostersync_core::model::sis::{
    Enrollment, EnrollmentRole, GuardianLink, Person, PersonStatus, SisRole, SisSnapshot,
};
use serde::{Deserialize, Serialize};

use super::District;
use super::names::{self, Script};
use super::people::{self, GUARDIAN_DOMAIN, STAFF_DOMAIN, STUDENT_DOMAIN, forced};
use super::sis_index::{SisIndex, grade_of};

mod apply;

/// The SIS after one day, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// The new SIS snapshot.
    pub sis: SisSnapshot,
    /// Exactly what differs from the previous snapshot.
    pub changes: DayChanges,
}

/// One enrollment row, by section and person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EnrollmentRef {
    /// The section.
    pub section: SectionKey,
    /// The person.
    pub person: PersonKey,
}

/// A last-name change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rename {
    /// Who.
    pub person: PersonKey,
    /// The last name before.
    pub old_last: String,
    /// The last name after.
    pub new_last: String,
}

/// A student who changed primary building.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Move {
    /// The student.
    pub student: PersonKey,
    /// The former building.
    pub from: SchoolKey,
    /// The new building.
    pub to: SchoolKey,
}

/// A guardian whose buildings changed because a child moved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SchoolChange {
    /// The guardian.
    pub person: PersonKey,
    /// Primary school then other schools, before.
    pub before: Vec<SchoolKey>,
    /// Primary school then other schools, after.
    pub after: Vec<SchoolKey>,
}

/// An e-mail change (or a first e-mail).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EmailChange {
    /// Who.
    pub person: PersonKey,
    /// The address before, if any.
    pub old: Option<String>,
    /// The address after.
    pub new: String,
}

/// Everything one [`next_day`] changed; every list is sorted.
///
/// Nothing else differs: no other person, section, course, term, school or
/// guardian link changes, and no other enrollment row is added, removed or
/// edited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DayChanges {
    /// The day simulated.
    pub today: NaiveDate,
    /// New people: new students and one new guardian for each.
    pub added_people: Vec<PersonKey>,
    /// Links of the new guardians to the new students.
    pub added_guardian_links: Vec<GuardianLink>,
    /// New sections.
    pub added_sections: Vec<SectionKey>,
    /// New enrollment rows (begin = `today`, no end): the new students', the
    /// movers' in their new building, schedule changes, the new section's.
    pub added_enrollments: Vec<EnrollmentRef>,
    /// Rows deleted from the export (a drop the SIS forgets).
    pub removed_enrollments: Vec<EnrollmentRef>,
    /// Rows kept with `end` set to the day before `today` (a dated drop,
    /// including every current row of a mover in the old building).
    pub ended_enrollments: Vec<EnrollmentRef>,
    /// Last-name changes (e-mail unchanged).
    pub renamed: Vec<Rename>,
    /// Students who changed primary building.
    pub moved: Vec<Move>,
    /// Guardians whose buildings follow a moved child.
    pub guardian_school_changes: Vec<SchoolChange>,
    /// E-mail changes.
    pub email_changes: Vec<EmailChange>,
}

impl DayChanges {
    /// Every enrollment a plan should drop: removed and ended rows, sorted.
    pub fn dropped_enrollments(&self) -> Vec<EnrollmentRef> {
        let mut all: Vec<EnrollmentRef> = self
            .removed_enrollments
            .iter()
            .chain(&self.ended_enrollments)
            .cloned()
            .collect();
        all.sort();
        all
    }

    /// The number of changed records (people, links, sections, enrollment rows).
    pub fn len(&self) -> usize {
        self.added_people.len()
            + self.added_guardian_links.len()
            + self.added_sections.len()
            + self.added_enrollments.len()
            + self.removed_enrollments.len()
            + self.ended_enrollments.len()
            + self.renamed.len()
            + self.moved.len()
            + self.guardian_school_changes.len()
            + self.email_changes.len()
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sorts every list.
    pub(crate) fn sort(&mut self) {
        self.added_people.sort();
        self.added_guardian_links.sort();
        self.added_sections.sort();
        self.added_enrollments.sort();
        self.removed_enrollments.sort();
        self.ended_enrollments.sort();
        self.renamed.sort();
        self.moved.sort();
        self.guardian_school_changes.sort();
        self.email_changes.sort();
    }
}

/// How many of each change one day brings, from the size of the snapshot.
///
/// The budget is 0.5 % of people + enrollment rows; of it 5 % are new
/// students, 5 % moves, 5 % renames, 10 % e-mail changes, 35 % dropped
/// enrollments (alternately removed and end-dated) and 25 % added
/// enrollments of existing students; plus one new section. Each count is at
/// least one (two drops); moves need two schools.
#[derive(Debug, Clone, Copy)]
struct Quota {
    new_students: usize,
    moves: usize,
    renames: usize,
    emails: usize,
    drops: usize,
    adds: usize,
}

impl Quota {
    fn for_snapshot(sis: &SisSnapshot) -> Quota {
        let budget = (sis.people.len() + sis.enrollments.len()).div_ceil(200);
        let share = |percent: usize, min: usize| (budget * percent / 100).max(min);
        Quota {
            new_students: share(5, 1),
            moves: if sis.schools.len() > 1 {
                share(5, 1)
            } else {
                0
            },
            renames: share(5, 1),
            emails: share(10, 1),
            drops: share(35, 2),
            adds: share(25, 1),
        }
    }
}

/// Simulates one day of SIS changes on `district.sis`, dated `today`.
///
/// Deterministic for `(district, seed, today)`. Moves, renames and e-mail
/// changes each touch a different person; no change touches a duplicated or
/// nameless record or the students carrying the generator's forced mess
/// (`S000001`..`S000015`); schedule changes (moves, drops, adds) touch only
/// active students, and a moved student's schedule changes only by the move.
/// Dates: dropped rows end the day before `today`, new rows begin `today`.
/// See [`DayChanges`] for what each list holds, and [`District::advance`] to
/// chain days.
pub fn next_day(district: &District, seed: u64, today: NaiveDate) -> Mutation {
    let base = &district.sis;
    let day = u64::try_from(today.num_days_from_ce()).unwrap_or(0);
    let mut rng = fastrand::Rng::with_seed(seed ^ day.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let index = SisIndex::new(base);
    let mut day = apply::Day::new(base, &index, today);
    let quota = Quota::for_snapshot(base);

    day.moves(quota.moves, &mut rng);
    day.renames(quota.renames, &mut rng);
    day.emails(quota.emails, &mut rng);
    day.drops(quota.drops, &mut rng);
    day.adds(quota.adds, &mut rng);
    day.new_students(quota.new_students, &mut rng);
    day.new_section(&mut rng);
    let (sis, mut changes) = day.finish();
    changes.sort();
    Mutation { sis, changes }
}

/// Whether a record may be changed: not duplicated, named, not one of the
/// generator's forced-mess students.
fn changeable(index: &SisIndex<'_>, person: &Person) -> bool {
    if index.duplicated.contains(person.key.as_str()) || person.name.last.is_empty() {
        return false;
    }
    let reserved = person.role == SisRole::Student
        && person.key.as_str()[1..]
            .parse::<usize>()
            .is_ok_and(|n| n <= forced::RESERVED);
    !reserved
}

/// Whether a student's schedule may change: changeable and active.
fn schedulable(index: &SisIndex<'_>, person: &Person) -> bool {
    person.role == SisRole::Student
        && person.status == PersonStatus::Active
        && changeable(index, person)
}

fn domain(role: SisRole) -> &'static str {
    match role {
        SisRole::Student => STUDENT_DOMAIN,
        SisRole::Teacher => STAFF_DOMAIN,
        SisRole::Guardian => GUARDIAN_DOMAIN,
    }
}

/// A new address for a person, different from the old one.
fn new_email(person: &Person, today: NaiveDate) -> String {
    let key = person.key.as_str().to_ascii_lowercase();
    let domain = domain(person.role);
    let by_name = match (
        names::fold(&person.name.first),
        names::fold(&person.name.last),
    ) {
        (Some(first), Some(last)) => format!("{first}.{last}.{key}@{domain}"),
        _ => String::new(),
    };
    if !by_name.is_empty() && person.email.as_deref() != Some(by_name.as_str()) {
        by_name
    } else {
        format!(
            "{key}.{:04}{:02}{:02}@{domain}",
            today.year(),
            today.month(),
            today.day()
        )
    }
}

/// The next free number of keys like "S000123" with this prefix.
fn next_number(sis: &SisSnapshot, prefix: char) -> usize {
    sis.people
        .iter()
        .filter_map(|p| p.key.as_str().strip_prefix(prefix)?.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

fn enrollment(section: &SectionKey, person: &PersonKey, today: NaiveDate) -> Enrollment {
    Enrollment {
        section: section.clone(),
        person: person.clone(),
        role: EnrollmentRole::Student,
        primary: false,
        begin: Some(today),
        end: None,
    }
}

fn yesterday(today: NaiveDate) -> NaiveDate {
    today.checked_sub_days(Days::new(1)).unwrap_or(today)
}

/// A new student and their guardian.
fn new_family(
    student_number: usize,
    guardian_number: usize,
    school: &SchoolKey,
    grade: i8,
    year: i32,
    rng: &mut fastrand::Rng,
) -> (Person, Person) {
    let script = Script::random(rng);
    let last = script.last(rng);
    let key = people::student_key(student_number - 1);
    let name = people::random_name(rng, script, last, true);
    let email = (rng.u32(..10) > 0).then(|| {
        names::email(
            &name.first,
            &name.last,
            student_number,
            key.as_str(),
            STUDENT_DOMAIN,
        )
    });
    let student = Person {
        key,
        role: SisRole::Student,
        name,
        email: email.map(Into::into),
        username: None,
        grade: Some(people::grade_code(grade).into()),
        graduation_year: Some(year + 12 - i32::from(grade)),
        primary_school: school.clone(),
        other_schools: Vec::new(),
        status: PersonStatus::Active,
    };
    let key = people::guardian_key(guardian_number - 1);
    let name = people::random_name(rng, script, last, false);
    let email = Some(names::email(
        &name.first,
        &name.last,
        guardian_number,
        key.as_str(),
        GUARDIAN_DOMAIN,
    ));
    let guardian = Person {
        key,
        role: SisRole::Guardian,
        name,
        email: email.map(Into::into),
        username: None,
        grade: None,
        graduation_year: None,
        primary_school: school.clone(),
        other_schools: Vec::new(),
        status: PersonStatus::Active,
    };
    (student, guardian)
}

/// Sections of a school open to a grade that the person is not in yet.
fn open_sections<'a>(
    index: &'a SisIndex<'_>,
    school: usize,
    grade: i8,
    taken: &'a HashSet<usize>,
) -> impl Iterator<Item = usize> + 'a {
    index.school_sections[school]
        .iter()
        .copied()
        .filter(move |&x| {
            let (low, high) = index.section_band[x];
            low <= grade && grade <= high && index.section_rows[x] > 0 && !taken.contains(&x)
        })
}

/// Up to `k` random distinct items of a list.
fn sample(list: &[usize], k: usize, rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut list = list.to_vec();
    let k = k.min(list.len());
    for i in 0..k {
        let j = i + rng.usize(..list.len() - i);
        list.swap(i, j);
    }
    list.truncate(k);
    list
}
