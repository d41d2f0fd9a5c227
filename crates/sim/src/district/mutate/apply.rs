//! The changes of one day, applied to a copy of the snapshot and recorded.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rostersync_core::ids::{PersonKey, SectionKey};
use rostersync_core::model::sis::{GuardianLink, Person, Section, SisSnapshot};

use super::{
    DayChanges, EmailChange, EnrollmentRef, Move, Rename, SchoolChange, changeable, enrollment,
    grade_of, new_email, new_family, next_number, open_sections, sample, schedulable, yesterday,
};
use crate::district::names::Script;
use crate::district::sis_index::SisIndex;

/// A day in progress.
pub(super) struct Day<'a> {
    base: &'a SisSnapshot,
    index: &'a SisIndex<'a>,
    today: NaiveDate,
    sis: SisSnapshot,
    changes: DayChanges,
    /// People with a person-level change (move, rename, e-mail).
    touched: HashSet<usize>,
    /// Moved students: their schedules are settled.
    moved: HashSet<usize>,
    /// Base rows dropped today (removed or ended).
    dropped: HashSet<usize>,
    /// Base rows to delete.
    removed: Vec<bool>,
    /// (section index, person index) pairs added today for existing people.
    added: HashSet<(usize, usize)>,
}

impl<'a> Day<'a> {
    pub(super) fn new(base: &'a SisSnapshot, index: &'a SisIndex<'a>, today: NaiveDate) -> Self {
        Day {
            base,
            index,
            today,
            sis: base.clone(),
            changes: DayChanges {
                today,
                ..DayChanges::default()
            },
            touched: HashSet::new(),
            moved: HashSet::new(),
            dropped: HashSet::new(),
            removed: vec![false; base.enrollments.len()],
            added: HashSet::new(),
        }
    }

    fn random_person(&self, rng: &mut fastrand::Rng) -> Option<usize> {
        (!self.base.people.is_empty()).then(|| rng.usize(..self.base.people.len()))
    }

    /// Sections a person is or was enrolled in, or was added to today.
    fn taken(&self, person: usize) -> HashSet<usize> {
        let mut taken: HashSet<usize> = self
            .index
            .rows_of(person)
            .filter_map(|r| {
                self.index
                    .section
                    .get(self.base.enrollments[r].section.as_str())
                    .copied()
            })
            .collect();
        taken.extend(
            self.added
                .iter()
                .filter(|(_, p)| *p == person)
                .map(|(x, _)| *x),
        );
        taken
    }

    fn add_row(&mut self, section: usize, person: usize) {
        let section_key = &self.base.sections[section].key;
        let person_key = &self.base.people[person].key;
        self.sis
            .enrollments
            .push(enrollment(section_key, person_key, self.today));
        self.changes.added_enrollments.push(EnrollmentRef {
            section: section_key.clone(),
            person: person_key.clone(),
        });
        self.added.insert((section, person));
    }

    fn end_row(&mut self, row: usize) {
        let last_day = yesterday(self.today);
        let e = &mut self.sis.enrollments[row];
        e.end = Some(last_day);
        e.begin = e.begin.map(|begin| begin.min(last_day));
        self.changes.ended_enrollments.push(EnrollmentRef {
            section: e.section.clone(),
            person: e.person.clone(),
        });
        self.dropped.insert(row);
    }

    /// Students change building: current rows end, as many start in the new one.
    pub(super) fn moves(&mut self, count: usize, rng: &mut fastrand::Rng) {
        if self.base.schools.len() < 2 {
            return;
        }
        self.change_people(count, rng, schedulable, Self::move_one);
    }

    fn move_one(&mut self, p: usize, rng: &mut fastrand::Rng) -> bool {
        let schools = self.base.schools.len();
        let person = &self.base.people[p];
        let (Some(&from), Some(grade)) = (
            self.index.school.get(person.primary_school.as_str()),
            grade_of(person),
        ) else {
            return false;
        };
        let to = (0..16).map(|_| rng.usize(..schools)).find(|&o| {
            let (low, high) = self.index.school_grades[o];
            o != from && low <= grade && grade <= high
        });
        let Some(to) = to else { return false };
        let current: Vec<usize> = self
            .index
            .rows_of(p)
            .filter(|&r| self.base.enrollments[r].end.is_none() && !self.dropped.contains(&r))
            .collect();
        let taken = self.taken(p);
        let candidates: Vec<usize> = open_sections(self.index, to, grade, &taken).collect();
        let fresh = sample(&candidates, current.len().max(1), rng);
        if fresh.is_empty() {
            return false;
        }
        for r in current {
            self.end_row(r);
        }
        for x in fresh {
            self.add_row(x, p);
        }
        let to_key = self.base.schools[to].key.clone();
        self.changes.moved.push(Move {
            student: person.key.clone(),
            from: person.primary_school.clone(),
            to: to_key.clone(),
        });
        self.sis.people[p].primary_school = to_key;
        self.moved.insert(p);
        true
    }

    /// Last-name changes.
    pub(super) fn renames(&mut self, count: usize, rng: &mut fastrand::Rng) {
        self.change_people(count, rng, changeable, Self::rename_one);
    }

    fn rename_one(&mut self, p: usize, rng: &mut fastrand::Rng) -> bool {
        let person = &self.base.people[p];
        let new_last = Script::Latin.last(rng);
        if new_last == person.name.last {
            return false;
        }
        self.changes.renamed.push(Rename {
            person: person.key.clone(),
            old_last: person.name.last.to_string(),
            new_last: new_last.to_owned(),
        });
        self.sis.people[p].name.last = new_last.into();
        true
    }

    /// New or first e-mail addresses.
    pub(super) fn emails(&mut self, count: usize, rng: &mut fastrand::Rng) {
        self.change_people(count, rng, changeable, Self::email_one);
    }

    fn email_one(&mut self, p: usize, _: &mut fastrand::Rng) -> bool {
        let person = &self.base.people[p];
        let new = new_email(person, self.today);
        self.changes.email_changes.push(EmailChange {
            person: person.key.clone(),
            old: person.email.as_deref().map(str::to_owned),
            new: new.clone(),
        });
        self.sis.people[p].email = Some(new.into());
        true
    }

    /// Makes up to `count` changes to random people: each person at most once,
    /// only people `eligible` says may change, twenty tries per change wanted.
    /// `change` makes one change and says whether it did.
    fn change_people(
        &mut self,
        count: usize,
        rng: &mut fastrand::Rng,
        eligible: fn(&SisIndex<'_>, &Person) -> bool,
        change: fn(&mut Self, usize, &mut fastrand::Rng) -> bool,
    ) {
        let mut made = 0;
        for _ in 0..count * 20 {
            if made == count {
                break;
            }
            let Some(p) = self.random_person(rng) else {
                break;
            };
            if !eligible(self.index, &self.base.people[p]) || self.touched.contains(&p) {
                continue;
            }
            if change(self, p, rng) {
                self.touched.insert(p);
                made += 1;
            }
        }
    }

    /// Current rows of active students dropped: alternately deleted and end-dated.
    pub(super) fn drops(&mut self, count: usize, rng: &mut fastrand::Rng) {
        let rows = self.base.enrollments.len();
        let mut made = 0;
        for _ in 0..count * 20 {
            if made == count || rows == 0 {
                break;
            }
            let r = rng.usize(..rows);
            let e = &self.base.enrollments[r];
            if e.end.is_some() || self.dropped.contains(&r) {
                continue;
            }
            let Some(&p) = self.index.person.get(e.person.as_str()) else {
                continue;
            };
            if !schedulable(self.index, &self.base.people[p]) || self.moved.contains(&p) {
                continue;
            }
            if made % 2 == 0 {
                self.removed[r] = true;
                self.dropped.insert(r);
                self.changes.removed_enrollments.push(EnrollmentRef {
                    section: e.section.clone(),
                    person: e.person.clone(),
                });
            } else {
                self.end_row(r);
            }
            made += 1;
        }
    }

    /// Existing students join one more section of their school and grade.
    pub(super) fn adds(&mut self, count: usize, rng: &mut fastrand::Rng) {
        let mut made = 0;
        for _ in 0..count * 20 {
            if made == count {
                break;
            }
            let Some(p) = self.random_person(rng) else {
                break;
            };
            let person = &self.base.people[p];
            if !schedulable(self.index, person) || self.moved.contains(&p) {
                continue;
            }
            let (Some(&school), Some(grade)) = (
                self.index.school.get(person.primary_school.as_str()),
                grade_of(person),
            ) else {
                continue;
            };
            let taken = self.taken(p);
            let candidates: Vec<usize> = open_sections(self.index, school, grade, &taken).collect();
            if candidates.is_empty() {
                continue;
            }
            self.add_row(candidates[rng.usize(..candidates.len())], p);
            made += 1;
        }
    }

    /// New students, each with a new guardian and about five sections.
    pub(super) fn new_students(&mut self, count: usize, rng: &mut fastrand::Rng) {
        let schools: Vec<usize> = (0..self.base.schools.len())
            .filter(|&s| !self.index.school_sections[s].is_empty())
            .collect();
        if schools.is_empty() {
            return;
        }
        let mut student_number = next_number(self.base, 'S');
        let mut guardian_number = next_number(self.base, 'G');
        let year = self
            .base
            .terms
            .first()
            .map_or(self.today.year(), |t| t.school_year);
        for _ in 0..count {
            let s = schools[rng.usize(..schools.len())];
            let (low, high) = self.index.school_grades[s];
            let grade = rng.i8(low.max(0)..=high.max(low.max(0)));
            student_number += 1;
            guardian_number += 1;
            let school = &self.base.schools[s].key;
            let (student, guardian) =
                new_family(student_number, guardian_number, school, grade, year, rng);
            let none = HashSet::new();
            let candidates: Vec<usize> = open_sections(self.index, s, grade, &none).collect();
            for x in sample(&candidates, 5, rng) {
                let section = &self.base.sections[x].key;
                self.sis
                    .enrollments
                    .push(enrollment(section, &student.key, self.today));
                self.changes.added_enrollments.push(EnrollmentRef {
                    section: section.clone(),
                    person: student.key.clone(),
                });
            }
            let link = GuardianLink {
                guardian: guardian.key.clone(),
                student: student.key.clone(),
            };
            self.changes.added_people.push(student.key.clone());
            self.changes.added_people.push(guardian.key.clone());
            self.changes.added_guardian_links.push(link.clone());
            self.sis.guardian_links.push(link);
            self.sis.people.push(student);
            self.sis.people.push(guardian);
        }
    }

    /// One new section of an existing course, with three to eight students.
    pub(super) fn new_section(&mut self, rng: &mut fastrand::Rng) {
        let schools = self.base.schools.len();
        for _ in 0..32 {
            if schools == 0 {
                return;
            }
            let s = rng.usize(..schools);
            let (courses, teachers) = (
                &self.index.school_courses[s],
                &self.index.school_teachers[s],
            );
            if courses.is_empty() || teachers.is_empty() {
                continue;
            }
            let course = &self.base.courses[courses[rng.usize(..courses.len())]];
            let Some(template) = self.index.school_sections[s]
                .iter()
                .map(|&x| &self.base.sections[x])
                .find(|x| x.course == course.key)
            else {
                continue;
            };
            let Some(nn) = (1..100).find(|nn| {
                !self
                    .index
                    .section
                    .contains_key(format!("{}-{nn:02}", course.key).as_str())
            }) else {
                continue;
            };
            let period = rng.u8(1..=7);
            let teacher = &self.base.people[teachers[rng.usize(..teachers.len())]];
            let section = Section {
                key: SectionKey::new(format!("{}-{nn:02}", course.key)),
                course: course.key.clone(),
                school: course.school.clone(),
                title: format!("{} - Period {period}", course.title),
                code: format!("{}-{nn:02}", course.code),
                terms: template.terms.clone(),
                primary_teacher: Some(teacher.key.clone()),
                co_teachers: Vec::new(),
                periods: vec![period.to_string()],
                room: Some((100 + rng.u32(..300)).to_string()),
                cross_list_group: None,
            };
            let (low, high) = (
                course.grade_low.unwrap_or(0),
                course.grade_high.unwrap_or(12),
            );
            let pool: Vec<usize> = self.index.school_students[s]
                .iter()
                .copied()
                .filter(|&p| {
                    let person = &self.base.people[p];
                    schedulable(self.index, person)
                        && !self.moved.contains(&p)
                        && grade_of(person).is_some_and(|g| low <= g && g <= high)
                })
                .collect();
            let joining = 3 + rng.usize(..6);
            for p in sample(&pool, joining, rng) {
                let person_key: &PersonKey = &self.base.people[p].key;
                self.sis
                    .enrollments
                    .push(enrollment(&section.key, person_key, self.today));
                self.changes.added_enrollments.push(EnrollmentRef {
                    section: section.key.clone(),
                    person: person_key.clone(),
                });
            }
            self.changes.added_sections.push(section.key.clone());
            self.sis.sections.push(section);
            return;
        }
    }

    /// Deletes the removed rows, moves guardians after their children and
    /// hands back the snapshot and the description.
    pub(super) fn finish(mut self) -> (SisSnapshot, DayChanges) {
        let removed = &self.removed;
        let mut row = 0;
        self.sis.enrollments.retain(|_| {
            let keep = !removed.get(row).copied().unwrap_or(false);
            row += 1;
            keep
        });
        self.follow_children();
        (self.sis, self.changes)
    }

    /// A guardian's primary school is their first child's; the others follow.
    fn follow_children(&mut self) {
        if self.moved.is_empty() {
            return;
        }
        let moved: HashSet<&str> = self
            .moved
            .iter()
            .map(|&p| self.base.people[p].key.as_str())
            .collect();
        let affected: HashSet<&str> = self
            .base
            .guardian_links
            .iter()
            .filter(|l| moved.contains(l.student.as_str()))
            .map(|l| l.guardian.as_str())
            .collect();
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for link in &self.base.guardian_links {
            if affected.contains(link.guardian.as_str()) {
                let list = children.entry(link.guardian.as_str()).or_default();
                if list.is_empty() {
                    order.push(link.guardian.as_str());
                }
                list.push(link.student.as_str());
            }
        }
        for guardian in order {
            let Some(&g) = self.index.person.get(guardian) else {
                continue;
            };
            let mut schools = Vec::new();
            for child in children.get(guardian).into_iter().flatten() {
                if let Some(&c) = self.index.person.get(child) {
                    let school = &self.sis.people[c].primary_school;
                    if !schools.contains(school) {
                        schools.push(school.clone());
                    }
                }
            }
            let Some((primary, others)) = schools.split_first() else {
                continue;
            };
            let mut others = others.to_vec();
            others.sort();
            let person = &self.sis.people[g];
            if person.primary_school == *primary && person.other_schools == others {
                continue;
            }
            let before = person.schools().cloned().collect();
            let after = std::iter::once(primary.clone())
                .chain(others.iter().cloned())
                .collect();
            self.changes.guardian_school_changes.push(SchoolChange {
                person: person.key.clone(),
                before,
                after,
            });
            let person = &mut self.sis.people[g];
            person.primary_school = primary.clone();
            person.other_schools = others;
        }
    }
}
