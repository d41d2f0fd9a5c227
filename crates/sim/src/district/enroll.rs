//! Student enrollments: every student takes the core courses of their grade
//! and fills the rest of their schedule with electives; withdrawn students'
//! enrollments are end-dated, movers keep an ended enrollment in their former
//! school.

use chrono::{Days, NaiveDate};
use rostersync_core::model::sis::{Enrollment, EnrollmentRole};

use super::people::{Fate, Roster};
use super::schedule::{GRADES, Schedule};
use super::schools::Layout;

/// The fewest sections a student is enrolled in (so a mover keeps one current).
const MIN_PER_STUDENT: usize = 3;

/// Exactly `target` student enrollment rows when the schools have room.
pub(crate) fn enroll(
    layout: &Layout,
    schedule: &Schedule,
    roster: &Roster,
    target: usize,
    rng: &mut fastrand::Rng,
) -> Vec<Enrollment> {
    let capacity: Vec<usize> = roster
        .school
        .iter()
        .map(|&s| schedule.school_sections.get(s as usize).map_or(0, Vec::len))
        .collect();
    let counts = per_student(target, &capacity, rng);
    let mut out = Vec::with_capacity(counts.iter().sum());
    let mut chosen: Vec<u32> = Vec::with_capacity(16);
    for (i, &count) in counts.iter().enumerate() {
        let school = roster.school[i] as usize;
        let grade = roster.grade[i];
        choose(schedule, school, grade, count, &mut chosen, rng);
        let person = &roster.students[i].key;
        let row = |x: u32, begin: NaiveDate, end: Option<NaiveDate>| Enrollment {
            section: schedule.sections[x as usize].key.clone(),
            person: person.clone(),
            role: EnrollmentRole::Student,
            primary: false,
            begin: Some(begin),
            end,
        };
        match roster.fate[i] {
            Fate::Regular | Fate::Inactive => {
                out.extend(
                    chosen
                        .iter()
                        .map(|&x| row(x, schedule.section_begin[x as usize], None)),
                );
            }
            Fate::Withdrawn(on) => {
                out.extend(
                    chosen
                        .iter()
                        .map(|&x| row(x, schedule.section_begin[x as usize].min(on), Some(on))),
                );
            }
            Fate::Moved { from, on } => {
                let last_day = on.checked_sub_days(Days::new(1)).unwrap_or(on);
                let former = former_sections(
                    schedule,
                    layout,
                    from as usize,
                    grade,
                    chosen.len(),
                    last_day,
                    rng,
                );
                let moved = former.len();
                for &x in &former {
                    out.push(row(
                        x,
                        schedule.section_begin[x as usize].min(last_day),
                        Some(last_day),
                    ));
                }
                for &x in chosen.iter().skip(moved) {
                    out.push(row(x, schedule.section_begin[x as usize].max(on), None));
                }
            }
        }
    }
    out
}

/// How many sections each student takes: `target / students` each, the
/// remainder spread at random, then jittered by ±2, within each school's room.
fn per_student(target: usize, capacity: &[usize], rng: &mut fastrand::Rng) -> Vec<usize> {
    let n = capacity.len();
    if n == 0 {
        return Vec::new();
    }
    let base = target / n;
    let mut counts = vec![base; n];
    let mut remainder = target % n;
    while remainder > 0 {
        let i = rng.usize(..n);
        if counts[i] == base {
            counts[i] += 1;
            remainder -= 1;
        }
    }
    for i in 0..n {
        if rng.bool() {
            let j = rng.usize(..n);
            if i != j
                && counts[i] > MIN_PER_STUDENT.max(base.saturating_sub(2))
                && counts[j] < base + 2
            {
                counts[i] -= 1;
                counts[j] += 1;
            }
        }
    }
    // Keep within each school's open sections; move the excess to students with room.
    let mut excess = 0;
    for (count, &cap) in counts.iter_mut().zip(capacity) {
        if *count > cap {
            excess += *count - cap;
            *count = cap;
        }
    }
    for (count, &cap) in counts.iter_mut().zip(capacity) {
        if excess == 0 {
            break;
        }
        let room = (cap - *count).min(excess);
        *count += room;
        excess -= room;
    }
    counts
}

/// `k` distinct open sections of the student's school: the core courses of
/// the grade, then electives, then anything open, one section per course
/// while possible.
fn choose(
    schedule: &Schedule,
    school: usize,
    grade: i8,
    k: usize,
    chosen: &mut Vec<u32>,
    rng: &mut fastrand::Rng,
) {
    chosen.clear();
    let slot = school * GRADES + usize::try_from(grade).unwrap_or(0);
    let Some(courses) = schedule.grade_courses.get(slot) else {
        return;
    };
    let take_course = |c: u32, chosen: &mut Vec<u32>, rng: &mut fastrand::Rng| {
        let sections = &schedule.course_sections[c as usize];
        if !sections.is_empty() {
            chosen.push(sections[rng.usize(..sections.len())]);
        }
    };
    let has_course = |chosen: &[u32], c: u32| {
        chosen
            .iter()
            .any(|&x| schedule.section_course[x as usize] == c)
    };
    if courses.core.len() <= k {
        for &c in &courses.core {
            take_course(c, chosen, rng);
        }
    } else {
        let mut attempts = k * 8;
        while chosen.len() < k && attempts > 0 {
            attempts -= 1;
            let c = courses.core[rng.usize(..courses.core.len())];
            if !has_course(chosen, c) {
                take_course(c, chosen, rng);
            }
        }
    }
    if !courses.electives.is_empty() {
        let mut attempts = k * 8;
        while chosen.len() < k && attempts > 0 {
            attempts -= 1;
            let c = courses.electives[rng.usize(..courses.electives.len())];
            if !has_course(chosen, c) {
                take_course(c, chosen, rng);
            }
        }
    }
    let open = &schedule.school_sections[school];
    let mut attempts = k * 8;
    while chosen.len() < k && attempts > 0 && !open.is_empty() {
        attempts -= 1;
        let x = open[rng.usize(..open.len())];
        if !has_course(chosen, schedule.section_course[x as usize]) {
            chosen.push(x);
        }
    }
    for &x in open {
        if chosen.len() >= k {
            break;
        }
        if !chosen.contains(&x) {
            chosen.push(x);
        }
    }
}

/// One or two sections of the former school, for a mover's ended enrollments
/// (never all `taken`: at least one stays current in the new school).
fn former_sections(
    schedule: &Schedule,
    layout: &Layout,
    school: usize,
    grade: i8,
    taken: usize,
    last_day: NaiveDate,
    rng: &mut fastrand::Rng,
) -> Vec<u32> {
    let wanted = taken.saturating_sub(1).min(2);
    let open = match schedule.school_sections.get(school) {
        Some(open) if !open.is_empty() && school < layout.schools.len() => open,
        _ => return Vec::new(),
    };
    let mut picked = Vec::with_capacity(wanted);
    let (low, high) = layout.schools[school].level.grades();
    let grade = grade.clamp(low, high);
    let mut candidates = Vec::new();
    choose(schedule, school, grade, wanted + 2, &mut candidates, rng);
    // Prefer sections that had begun before the move.
    for &x in &candidates {
        if picked.len() < wanted && schedule.section_begin[x as usize] <= last_day {
            picked.push(x);
        }
    }
    for _ in 0..wanted * 8 {
        if picked.len() >= wanted {
            break;
        }
        let x = open[rng.usize(..open.len())];
        if !picked.contains(&x) {
            picked.push(x);
        }
    }
    picked
}
