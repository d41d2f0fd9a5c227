//! Teachers, students, guardians and households, with the people-shaped mess
//! (odd names, missing e-mails, withdrawn, inactive and moved students, a
//! duplicated record, a missing last name).

use chrono::{Datelike, Days, NaiveDate};
use rostersync_core::ids::{PersonKey, SchoolKey};
use rostersync_core::model::sis::{GuardianLink, Person, PersonName, PersonStatus, SisRole};

use super::DistrictSize;
use super::names::{self, Script};
use super::schools::{Calendar, Layout, Level};

/// Students at these indices (all in the first school) carry the forced mess.
pub(crate) mod forced {
    pub(crate) const APOSTROPHE: usize = 0;
    pub(crate) const HYPHEN: usize = 1;
    pub(crate) const ACCENTS: [usize; 3] = [2, 3, 4];
    pub(crate) const NON_LATIN: [usize; 3] = [5, 6, 7];
    pub(crate) const SAME_NAME: usize = 8;
    pub(crate) const NO_EMAIL: usize = 10;
    pub(crate) const WITHDRAWN: usize = 11;
    pub(crate) const INACTIVE: usize = 12;
    pub(crate) const MISSING_LAST: usize = 13;
    pub(crate) const DUPLICATED: usize = 14;
    /// Indices below this are never given random mess.
    pub(crate) const RESERVED: usize = 15;
}

/// What happened to a student this school year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Nothing special.
    Regular,
    /// Inactive: enrollments stay as they are.
    Inactive,
    /// Withdrawn on the date: every enrollment ends then.
    Withdrawn(NaiveDate),
    /// Came from another school (index) on the date.
    Moved { from: u32, on: NaiveDate },
}

/// The students and guardians, and what the enrollment step needs to know.
#[derive(Debug)]
pub(crate) struct Roster {
    pub(crate) students: Vec<Person>,
    pub(crate) guardians: Vec<Person>,
    pub(crate) guardian_links: Vec<GuardianLink>,
    /// A second copy of one student record (sizes above tiny).
    pub(crate) duplicate: Option<Person>,
    /// School index per student.
    pub(crate) school: Vec<u32>,
    /// Grade per student (0 = KF).
    pub(crate) grade: Vec<i8>,
    pub(crate) fate: Vec<Fate>,
}

/// The SIS grade code of a grade: "KF", "01" ... "12".
pub(crate) fn grade_code(grade: i8) -> String {
    if grade <= 0 {
        "KF".to_owned()
    } else {
        format!("{grade:02}")
    }
}

/// Student key of the n-th student (0-based).
pub(crate) fn student_key(index: usize) -> PersonKey {
    PersonKey::new(format!("S{:06}", index + 1))
}

/// Guardian key of the n-th guardian (0-based).
pub(crate) fn guardian_key(index: usize) -> PersonKey {
    PersonKey::new(format!("G{:06}", index + 1))
}

/// E-mail domains per role.
pub(crate) const STUDENT_DOMAIN: &str = "students.example.org";
pub(crate) const STAFF_DOMAIN: &str = "example.org";
pub(crate) const GUARDIAN_DOMAIN: &str = "example.net";

/// A random adult or child name in a script, with a middle name now and then.
pub(crate) fn random_name(
    rng: &mut fastrand::Rng,
    script: Script,
    last: &str,
    child: bool,
) -> PersonName {
    let first = if child {
        script.child_first(rng)
    } else {
        script.adult_first(rng)
    };
    let middle = (script == Script::Latin && rng.bool())
        .then(|| names::pick(rng, names::CHILD_FIRST).to_owned());
    let preferred_first = names::nickname(first)
        .filter(|_| rng.u32(..100) < 30)
        .map(str::to_owned);
    PersonName {
        first: first.into(),
        middle: middle.map(Into::into),
        last: last.into(),
        preferred_first: preferred_first.map(Into::into),
    }
}

/// Teachers, school by school: `T00001`, ...
pub(crate) fn teachers(layout: &Layout, rng: &mut fastrand::Rng) -> Vec<Person> {
    let mut out = Vec::with_capacity(layout.teachers);
    for school in &layout.schools {
        for _ in 0..school.teachers {
            let number = out.len() + 1;
            let key = format!("T{number:05}");
            let script = Script::random(rng);
            let last = script.last(rng);
            let name = random_name(rng, script, last, false);
            let email = names::email(&name.first, &name.last, number, &key, STAFF_DOMAIN);
            let username = email.split('@').next().map(str::to_owned);
            out.push(Person {
                key: PersonKey::new(key),
                role: SisRole::Teacher,
                name,
                email: Some(email.into()),
                username: username.map(Into::into),
                grade: None,
                graduation_year: None,
                primary_school: school.key.clone(),
                other_schools: Vec::new(),
                status: PersonStatus::Active,
            });
        }
    }
    out
}

/// Households: how many children and guardians each has. The first has three
/// children and one guardian.
fn households(students: usize, guardians: usize, rng: &mut fastrand::Rng) -> Vec<(u8, u8)> {
    if students == 0 || guardians == 0 {
        return Vec::new();
    }
    let low = (students.div_ceil(3) + 1).max(guardians.div_ceil(2) + 1);
    let high = guardians.min(students).max(1);
    let count = ((guardians as f64 * 0.8).round() as usize).clamp(low.min(high), high);
    let mut sizes = vec![(1u8, 1u8); count];
    let mut extra_children = students - count;
    let extra_guardians = guardians - count;
    if count > 1 && extra_children >= 2 {
        sizes[0].0 = 3;
        extra_children -= 2;
    }
    // The first household keeps exactly three children and one guardian.
    if let Some((first, rest)) = sizes.split_first_mut() {
        let left = spread(rest, extra_children, rng, |size| &mut size.0, 3);
        first.0 = first
            .0
            .saturating_add(u8::try_from(left).unwrap_or(u8::MAX));
        let left = spread(rest, extra_guardians, rng, |size| &mut size.1, 2);
        first.1 = first
            .1
            .saturating_add(u8::try_from(left).unwrap_or(u8::MAX));
    }
    sizes
}

/// Adds `extra` units to random households below `cap` (rejection first, then
/// a sweep); returns what did not fit.
fn spread(
    sizes: &mut [(u8, u8)],
    mut extra: usize,
    rng: &mut fastrand::Rng,
    field: impl Fn(&mut (u8, u8)) -> &mut u8,
    cap: u8,
) -> usize {
    if sizes.is_empty() {
        return extra;
    }
    let mut attempts = extra.saturating_mul(4);
    while extra > 0 && attempts > 0 {
        attempts -= 1;
        let slot = field(&mut sizes[rng.usize(..sizes.len())]);
        if *slot < cap {
            *slot += 1;
            extra -= 1;
        }
    }
    for size in sizes.iter_mut() {
        let slot = field(size);
        while extra > 0 && *slot < cap {
            *slot += 1;
            extra -= 1;
        }
    }
    extra
}

fn random_day(rng: &mut fastrand::Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.u64(..=span))
}

/// The other school a mover came from: one of the same level when there is one.
fn former_school(layout: &Layout, current: usize, rng: &mut fastrand::Rng) -> Option<u32> {
    let n = layout.schools.len();
    if n < 2 {
        return None;
    }
    let level: Level = layout.schools[current].level;
    for _ in 0..16 {
        let other = rng.usize(..n);
        if other != current && layout.schools[other].level == level {
            return u32::try_from(other).ok();
        }
    }
    let other = (current + 1 + rng.usize(..n - 1)) % n;
    u32::try_from(other).ok()
}

/// Students, their households and guardians.
pub(crate) fn students_and_guardians(
    layout: &Layout,
    calendar: &Calendar,
    size: DistrictSize,
    rng: &mut fastrand::Rng,
) -> Roster {
    let total = layout.students;
    let mut school = Vec::with_capacity(total);
    let mut grade = Vec::with_capacity(total);
    for (s, info) in layout.schools.iter().enumerate() {
        let (low, high) = info.level.grades();
        let span = usize::from(high.abs_diff(low)) + 1;
        for i in 0..info.students {
            school.push(u32::try_from(s).unwrap_or(u32::MAX));
            let offset = i8::try_from(i * span / info.students.max(1)).unwrap_or(0);
            grade.push(low + offset);
        }
    }

    // Households over a shuffled order of the students.
    let sizes = households(total, layout.guardians, rng);
    let mut order: Vec<u32> = (0..u32::try_from(total).unwrap_or(u32::MAX)).collect();
    rng.shuffle(&mut order);
    let mut household = vec![0u32; total];
    let mut names_of: Vec<PersonName> = vec![PersonName::default(); total];
    let mut guardians = Vec::with_capacity(layout.guardians);
    let mut guardian_links = Vec::with_capacity(total * 2);
    let mut cursor = 0;
    let mut first_school_children: Vec<SchoolKey> = Vec::with_capacity(4);
    for (h, &(children, adults)) in sizes.iter().enumerate() {
        let end = (cursor + usize::from(children)).min(total);
        let members = &order[cursor..end];
        cursor = end;
        let script = Script::random(rng);
        let family = script.last(rng);
        for &child in members {
            let child = child as usize;
            household[child] = u32::try_from(h).unwrap_or(u32::MAX);
            let last = if rng.u32(..10) == 0 {
                script.last(rng)
            } else {
                family
            };
            names_of[child] = random_name(rng, script, last, true);
        }
        first_school_children.clear();
        for &child in members {
            let key = &layout.schools[school[child as usize] as usize].key;
            if !first_school_children.contains(key) {
                first_school_children.push(key.clone());
            }
        }
        let Some((primary, others)) = first_school_children.split_first() else {
            continue;
        };
        let mut others = others.to_vec();
        others.sort();
        for a in 0..adults {
            let index = guardians.len();
            let key = guardian_key(index);
            let last = if a == 0 || rng.u32(..10) < 7 {
                family
            } else {
                script.last(rng)
            };
            let name = random_name(rng, script, last, false);
            let email = (rng.u32(..100) >= 15).then(|| {
                names::email(
                    &name.first,
                    &name.last,
                    index + 1,
                    key.as_str(),
                    GUARDIAN_DOMAIN,
                )
            });
            for &child in members {
                guardian_links.push(GuardianLink {
                    guardian: key.clone(),
                    student: student_key(child as usize),
                });
            }
            guardians.push(Person {
                key,
                role: SisRole::Guardian,
                name,
                email: email.map(Into::into),
                username: None,
                grade: None,
                graduation_year: None,
                primary_school: primary.clone(),
                other_schools: others.clone(),
                status: PersonStatus::Active,
            });
        }
    }

    force_names(&mut names_of, &household, layout);
    let fate = fates(layout, calendar, &school, rng);

    // Room for everyone: the caller appends teachers, guardians and the duplicate.
    let mut students = Vec::with_capacity(total + layout.teachers + layout.guardians + 1);
    for (i, name) in names_of.iter_mut().enumerate() {
        let key = student_key(i);
        let g = grade[i];
        let missing = if i < forced::RESERVED {
            i == forced::NO_EMAIL
        } else {
            rng.u32(..100) < if g <= 2 { 40 } else { 2 }
        };
        let email = (!missing)
            .then(|| names::email(&name.first, &name.last, i + 1, key.as_str(), STUDENT_DOMAIN));
        let mut name = std::mem::take(name);
        if size != DistrictSize::Tiny && i == forced::MISSING_LAST {
            name.last.clear();
        }
        students.push(Person {
            key,
            role: SisRole::Student,
            name,
            email: email.map(Into::into),
            username: None,
            grade: Some(grade_code(g).into()),
            graduation_year: Some(calendar.year + 12 - i32::from(g)),
            primary_school: layout.schools[school[i] as usize].key.clone(),
            other_schools: Vec::new(),
            status: match fate[i] {
                Fate::Inactive => PersonStatus::Inactive,
                Fate::Withdrawn(_) => PersonStatus::Withdrawn,
                Fate::Regular | Fate::Moved { .. } => PersonStatus::Active,
            },
        });
    }
    let duplicate = (size != DistrictSize::Tiny)
        .then(|| students.get(forced::DUPLICATED).cloned())
        .flatten();
    Roster {
        students,
        guardians,
        guardian_links,
        duplicate,
        school,
        grade,
        fate,
    }
}

/// Puts the forced odd names on the reserved students of the first school.
fn force_names(names_of: &mut [PersonName], household: &[u32], layout: &Layout) {
    let first_school = layout.schools.first().map_or(0, |s| s.students);
    if first_school < forced::RESERVED + 1 {
        return;
    }
    let set = |name: &mut PersonName, first: Option<&str>, last: Option<&str>| {
        if let Some(first) = first {
            name.first = first.into();
            name.preferred_first = None;
        }
        if let Some(last) = last {
            name.last = last.into();
        }
        name.middle = None;
    };
    set(
        &mut names_of[forced::APOSTROPHE],
        Some("Liam"),
        Some("O'Brien"),
    );
    set(
        &mut names_of[forced::HYPHEN],
        Some("Ava"),
        Some("Smith-Jones"),
    );
    let accented = [
        ("José", "Hernández"),
        ("Zoë", "Miller"),
        ("Łukasz", "Kowalski"),
    ];
    for (i, (first, last)) in forced::ACCENTS.into_iter().zip(accented) {
        set(&mut names_of[i], Some(first), Some(last));
    }
    let scripts = [("伟", "王"), ("Дмитрий", "Иванов"), ("محمد", "حسن")];
    for (i, (first, last)) in forced::NON_LATIN.into_iter().zip(scripts) {
        set(&mut names_of[i], Some(first), Some(last));
    }
    // A second "Maria Garcia" in the same building, from another household.
    let twin = (forced::RESERVED..first_school)
        .find(|&j| household[j] != household[forced::SAME_NAME])
        .unwrap_or(forced::SAME_NAME + 1);
    for i in [forced::SAME_NAME, twin] {
        set(&mut names_of[i], Some("Maria"), Some("Garcia"));
    }
}

/// Random withdrawals, inactive students and movers, plus the forced ones.
fn fates(
    layout: &Layout,
    calendar: &Calendar,
    school: &[u32],
    rng: &mut fastrand::Rng,
) -> Vec<Fate> {
    let first = calendar.start.year();
    let (withdraw_from, withdraw_to) = (
        super::schools::date(first, 9, 15),
        super::schools::date(first, 11, 20),
    );
    let (move_from, move_to) = (
        super::schools::date(first, 10, 1),
        super::schools::date(first, 11, 25),
    );
    let mut fate = vec![Fate::Regular; school.len()];
    let mut movers = 0;
    for (i, slot) in fate.iter_mut().enumerate().skip(forced::RESERVED) {
        let roll = rng.u32(..1000);
        *slot = if roll < 15 {
            Fate::Withdrawn(random_day(rng, withdraw_from, withdraw_to))
        } else if roll < 20 {
            Fate::Inactive
        } else if roll < 28 {
            match former_school(layout, school[i] as usize, rng) {
                Some(from) => {
                    movers += 1;
                    Fate::Moved {
                        from,
                        on: random_day(rng, move_from, move_to),
                    }
                }
                None => Fate::Regular,
            }
        } else {
            Fate::Regular
        };
    }
    if let Some(slot) = fate.get_mut(forced::WITHDRAWN) {
        *slot = Fate::Withdrawn(random_day(rng, withdraw_from, withdraw_to));
    }
    if let Some(slot) = fate.get_mut(forced::INACTIVE) {
        *slot = Fate::Inactive;
    }
    if movers == 0 {
        // The first student of the second school came from elsewhere.
        if let Some(target) = layout.schools.get(1).map(|s| s.first_student) {
            if let Some(from) = former_school(layout, 1, rng) {
                if let Some(slot) = fate.get_mut(target) {
                    *slot = Fate::Moved {
                        from,
                        on: random_day(rng, move_from, move_to),
                    };
                }
            }
        }
    }
    fate
}
