//! Courses and sections of every school, with teachers, periods and rooms, and
//! the section-shaped mess: co-teachers, cross-listed pairs, a teacher in two
//! buildings, empty sections.

use chrono::NaiveDate;
use rostersync_core::ids::{CourseKey, SectionKey};
use rostersync_core::model::sis::{Course, Person, Section, Subject};

use super::catalog::{self, CourseDef, TermKind};
use super::schools::{Calendar, Layout, Level, TermSlot, apportion};

/// Grades 0 (KF) to 12.
pub(crate) const GRADES: usize = 13;

/// The courses one grade of one school takes, by index into `Schedule::courses`.
#[derive(Debug, Clone, Default)]
pub(crate) struct GradeCourses {
    /// Every student of the grade takes these.
    pub(crate) core: Vec<u32>,
    /// Students fill the rest of their schedule from these.
    pub(crate) electives: Vec<u32>,
}

/// The generated courses and sections, with the indexes enrollment needs.
#[derive(Debug)]
pub(crate) struct Schedule {
    pub(crate) courses: Vec<Course>,
    pub(crate) sections: Vec<Section>,
    /// First day of each section's first term.
    pub(crate) section_begin: Vec<NaiveDate>,
    /// Course index of each section.
    pub(crate) section_course: Vec<u32>,
    /// Sections open for enrollment (not deliberately empty), per course.
    pub(crate) course_sections: Vec<Vec<u32>>,
    /// Sections open for enrollment, per school.
    pub(crate) school_sections: Vec<Vec<u32>>,
    /// Per `school * GRADES + grade`.
    pub(crate) grade_courses: Vec<GradeCourses>,
}

struct Builder<'a> {
    layout: &'a Layout,
    courses: Vec<Course>,
    sections: Vec<Section>,
    first_slot: Vec<TermSlot>,
    section_course: Vec<u32>,
    /// Section index range per school.
    school_range: Vec<(usize, usize)>,
    course_core: Vec<bool>,
    course_school: Vec<u32>,
    cross_listed: Vec<bool>,
    empty: Vec<bool>,
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Builds the courses and sections of every school.
pub(crate) fn build(
    layout: &Layout,
    calendar: &Calendar,
    teachers: &mut [Person],
    picks_per_student: f64,
    rng: &mut fastrand::Rng,
) -> Schedule {
    let total: usize = layout.schools.iter().map(|s| s.sections).sum();
    let mut b = Builder {
        layout,
        courses: Vec::with_capacity(total),
        sections: Vec::with_capacity(total),
        first_slot: Vec::with_capacity(total),
        section_course: Vec::with_capacity(total),
        school_range: Vec::with_capacity(layout.schools.len()),
        course_core: Vec::with_capacity(total),
        course_school: Vec::with_capacity(total),
        cross_listed: Vec::new(),
        empty: Vec::new(),
    };
    let catalogs = [Level::Elementary, Level::Middle, Level::High].map(catalog::catalog);
    for s in 0..layout.schools.len() {
        let level = layout.schools[s].level;
        let catalog = match level {
            Level::Elementary => &catalogs[0],
            Level::Middle => &catalogs[1],
            Level::High => &catalogs[2],
        };
        b.school(s, calendar, catalog, teachers, picks_per_student, rng);
    }
    b.cross_listed = vec![false; b.sections.len()];
    b.empty = vec![false; b.sections.len()];
    b.co_teachers(teachers, rng);
    b.cross_list(rng);
    b.shared_teachers(teachers, rng);
    b.force_co_teaching(teachers, rng);
    b.empty_sections(rng);
    b.finish(calendar)
}

impl Builder<'_> {
    fn school(
        &mut self,
        s: usize,
        calendar: &Calendar,
        catalog: &[CourseDef],
        teachers: &[Person],
        picks_per_student: f64,
        rng: &mut fastrand::Rng,
    ) {
        let info = &self.layout.schools[s];
        let start = self.sections.len();
        let offered = if info.sections == 0 {
            0
        } else {
            catalog.len().min((info.sections * 2).div_ceil(3)).max(1)
        };
        let offered = &catalog[..offered];
        let counts = apportion(
            info.sections,
            &demand(offered, info.level, info.students, picks_per_student),
        );
        let teacher_count = info.teachers.max(1);
        let mut teacher_slot = vec![0u8; teacher_count];
        let mut j = 0;
        for (def, &count) in offered.iter().zip(&counts) {
            let course = index(self.courses.len());
            let course_key = CourseKey::new(format!("{}-{}", info.key, def.code));
            self.courses.push(Course {
                key: course_key,
                school: info.key.clone(),
                code: def.code.clone(),
                title: def.title.clone(),
                department: Some(def.department.to_owned()),
                subject: Some(def.subject),
                grade_low: Some(def.low),
                grade_high: Some(def.high),
                active: true,
            });
            self.course_core.push(def.core);
            self.course_school.push(index(s));
            for nn in 1..=count {
                let local = j * teacher_count / info.sections.max(1);
                j += 1;
                let teacher = teachers
                    .get(info.first_teacher + local)
                    .filter(|_| info.teachers > 0)
                    .map(|t| t.key.clone());
                let slot = &mut teacher_slot[local.min(teacher_count - 1)];
                let period = *slot % 7 + 1;
                let periods = if def.double && period < 7 {
                    *slot = slot.wrapping_add(2);
                    vec![period.to_string(), (period + 1).to_string()]
                } else {
                    *slot = slot.wrapping_add(1);
                    vec![period.to_string()]
                };
                let when = if periods.len() == 2 {
                    format!("Periods {period}-{}", period + 1)
                } else {
                    format!("Period {period}")
                };
                let room = if rng.u32(..100) == 0 {
                    None
                } else if def.subject == Subject::HealthPe && def.code.starts_with("PE") {
                    Some("GYM".to_owned())
                } else {
                    Some((100 + local).to_string())
                };
                let terms = match def.term {
                    TermKind::Year => vec![TermSlot::Year],
                    TermKind::Semester if nn % 2 == 1 => vec![TermSlot::S1],
                    TermKind::Semester => vec![TermSlot::S2],
                    TermKind::TwoSemesters => vec![TermSlot::S1, TermSlot::S2],
                };
                self.first_slot
                    .push(terms.first().copied().unwrap_or(TermSlot::Year));
                self.section_course.push(course);
                self.sections.push(Section {
                    key: SectionKey::new(format!("{}-{}-{nn:02}", info.key, def.code)),
                    course: CourseKey::new(format!("{}-{}", info.key, def.code)),
                    school: info.key.clone(),
                    title: format!("{} - {when}", def.title),
                    code: format!("{}-{nn:02}", def.code),
                    terms: terms
                        .into_iter()
                        .map(|t| calendar.term_key(&info.key, t))
                        .collect(),
                    primary_teacher: teacher,
                    co_teachers: Vec::new(),
                    periods,
                    room,
                    cross_list_group: None,
                });
            }
        }
        self.school_range.push((start, self.sections.len()));
    }

    /// 4 % of sections get one or two co-teachers from the same school.
    fn co_teachers(&mut self, teachers: &[Person], rng: &mut fastrand::Rng) {
        for (s, &(start, end)) in self.school_range.iter().enumerate() {
            let info = &self.layout.schools[s];
            if info.teachers < 2 {
                continue;
            }
            for section in &mut self.sections[start..end] {
                if rng.u32(..100) < 4 {
                    let wanted = if rng.u32(..4) == 0 && info.teachers >= 3 {
                        2
                    } else {
                        1
                    };
                    add_co_teachers(
                        section,
                        &teachers[info.first_teacher..][..info.teachers],
                        wanted,
                        rng,
                    );
                }
            }
        }
    }

    /// The first section (not cross-listed) of the first school with two
    /// teachers or more has two co-teachers (one if the school has only two).
    fn force_co_teaching(&mut self, teachers: &[Person], rng: &mut fastrand::Rng) {
        for (s, &(start, end)) in self.school_range.iter().enumerate() {
            let info = &self.layout.schools[s];
            if info.teachers < 2 {
                continue;
            }
            let Some(x) = (start..end).find(|&x| !self.cross_listed[x]) else {
                continue;
            };
            let wanted = if info.teachers >= 3 { 2 } else { 1 };
            let staff = &teachers[info.first_teacher..][..info.teachers];
            add_co_teachers(&mut self.sections[x], staff, wanted, rng);
            return;
        }
    }

    /// Pairs of sections of different courses in one school meet together:
    /// same teachers, terms, periods and room, one `cross_list_group`.
    fn cross_list(&mut self, rng: &mut fastrand::Rng) {
        let pairs = (self.sections.len() / 200).max(1);
        let mut made = 0;
        for _ in 0..pairs * 20 {
            if made == pairs || self.sections.len() < 2 {
                break;
            }
            let a = rng.usize(..self.sections.len());
            let Some(&(start, end)) = self.school_range.iter().find(|r| r.0 <= a && a < r.1) else {
                continue;
            };
            let b = start + rng.usize(..end - start);
            if a == b
                || self.cross_listed[a]
                || self.cross_listed[b]
                || self.section_course[a] == self.section_course[b]
            {
                continue;
            }
            made += 1;
            let group = format!("CL-{}-{made:03}", self.sections[a].school);
            let lead = self.sections[a].clone();
            let other = &mut self.sections[b];
            other.terms = lead.terms;
            other.primary_teacher = lead.primary_teacher;
            other.co_teachers = lead.co_teachers;
            other.periods = lead.periods;
            other.room = lead.room;
            other.cross_list_group = Some(group.clone());
            self.sections[a].cross_list_group = Some(group);
            self.first_slot[b] = self.first_slot[a];
            self.cross_listed[a] = true;
            self.cross_listed[b] = true;
        }
    }

    /// About 1 % of teachers (at least one) also teach a section in a second school.
    fn shared_teachers(&mut self, teachers: &mut [Person], rng: &mut fastrand::Rng) {
        let schools = self.layout.schools.len();
        if schools < 2 || teachers.is_empty() {
            return;
        }
        let wanted = (teachers.len() / 100).max(1);
        let mut home_of = Vec::with_capacity(teachers.len());
        for (s, info) in self.layout.schools.iter().enumerate() {
            home_of.extend(std::iter::repeat_n(s, info.teachers));
        }
        let mut made = 0;
        for _ in 0..wanted * 20 {
            if made == wanted {
                break;
            }
            let t = rng.usize(..teachers.len());
            let home = home_of.get(t).copied().unwrap_or(0);
            let level = self.layout.schools[home].level;
            let mut other = (home + 1 + rng.usize(..schools - 1)) % schools;
            for _ in 0..8 {
                let candidate = rng.usize(..schools);
                if candidate != home && self.layout.schools[candidate].level == level {
                    other = candidate;
                    break;
                }
            }
            let (start, end) = self.school_range[other];
            if start == end {
                continue;
            }
            let x = start + rng.usize(..end - start);
            if self.cross_listed[x] {
                continue;
            }
            let key = teachers[t].key.clone();
            let section = &mut self.sections[x];
            section.co_teachers.retain(|c| *c != key);
            section.primary_teacher = Some(key);
            let other_key = &self.layout.schools[other].key;
            if !teachers[t].other_schools.contains(other_key) {
                teachers[t].other_schools.push(other_key.clone());
                teachers[t].other_schools.sort();
            }
            made += 1;
        }
    }

    /// About 0.5 % of sections (at least one) get no enrollments: never the
    /// last open section of a course, never a cross-listed one.
    fn empty_sections(&mut self, rng: &mut fastrand::Rng) {
        let n = self.sections.len();
        if n == 0 {
            return;
        }
        let mut open = vec![0u32; self.courses.len()];
        for &course in &self.section_course {
            open[course as usize] += 1;
        }
        let wanted = (n / 200).max(1);
        let mut made = 0;
        for _ in 0..wanted * 50 {
            if made == wanted {
                break;
            }
            let x = rng.usize(..n);
            let course = self.section_course[x] as usize;
            if self.empty[x] || self.cross_listed[x] || open[course] < 2 {
                continue;
            }
            self.empty[x] = true;
            open[course] -= 1;
            made += 1;
        }
    }

    fn finish(self, calendar: &Calendar) -> Schedule {
        let mut course_sections = vec![Vec::new(); self.courses.len()];
        let mut school_sections = Vec::with_capacity(self.school_range.len());
        for &(start, end) in &self.school_range {
            let open: Vec<u32> = (start..end)
                .filter(|&x| !self.empty[x])
                .map(index)
                .collect();
            for &x in &open {
                course_sections[self.section_course[x as usize] as usize].push(x);
            }
            school_sections.push(open);
        }
        let mut grade_courses = vec![GradeCourses::default(); self.school_range.len() * GRADES];
        for (c, course) in self.courses.iter().enumerate() {
            if course_sections[c].is_empty() {
                continue;
            }
            let s = self.course_school[c] as usize;
            let (low, high) = (
                course.grade_low.unwrap_or(0),
                course.grade_high.unwrap_or(12),
            );
            for grade in low.max(0)..=high.min(12) {
                let entry = &mut grade_courses[s * GRADES + grade as usize];
                if self.course_core[c] {
                    entry.core.push(index(c));
                } else {
                    entry.electives.push(index(c));
                }
            }
        }
        Schedule {
            section_begin: self
                .first_slot
                .iter()
                .map(|&t| calendar.term_start(t))
                .collect(),
            courses: self.courses,
            sections: self.sections,
            section_course: self.section_course,
            course_sections,
            school_sections,
            grade_courses,
        }
    }
}

/// Adds co-teachers from `staff` until the section has `wanted` of them.
fn add_co_teachers(
    section: &mut Section,
    staff: &[Person],
    wanted: usize,
    rng: &mut fastrand::Rng,
) {
    if staff.is_empty() {
        return;
    }
    let mut attempts = 32;
    while section.co_teachers.len() < wanted && attempts > 0 {
        attempts -= 1;
        let candidate = &staff[rng.usize(..staff.len())].key;
        if section.primary_teacher.as_ref() != Some(candidate)
            && !section.co_teachers.contains(candidate)
        {
            section.co_teachers.push(candidate.clone());
        }
    }
}

/// Expected enrollments per course of a school, so that sections come out
/// about the same size: core courses are taken by every student of their
/// grades, electives share what is left of each student's schedule.
fn demand(offered: &[CourseDef], level: Level, students: usize, picks: f64) -> Vec<f64> {
    let (low, high) = level.grades();
    let per_grade = students as f64 / f64::from(high - low + 1);
    let mut weights = vec![0.0; offered.len()];
    for grade in low..=high {
        let covers = |def: &CourseDef| def.low <= grade && grade <= def.high;
        let core = offered.iter().filter(|d| d.core && covers(d)).count() as f64;
        let electives = offered.iter().filter(|d| !d.core && covers(d)).count() as f64;
        let core_share = if core > picks { picks / core } else { 1.0 };
        let elective_share = if electives > 0.0 {
            (picks - core).max(0.0) / electives
        } else {
            0.0
        };
        for (weight, def) in weights.iter_mut().zip(offered) {
            if covers(def) {
                *weight += per_grade * if def.core { core_share } else { elective_share };
            }
        }
    }
    weights.iter().map(|w| w + 0.01).collect()
}
