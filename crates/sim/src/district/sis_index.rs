//! Lookups over a SIS snapshot that the next-day mutation needs: people,
//! schools, sections and each person's enrollment rows.

use std::collections::{HashMap, HashSet};

use rostersync_core::model::sis::{Person, SisRole, SisSnapshot};

/// Indexes into one snapshot's vectors.
#[derive(Debug)]
pub(crate) struct SisIndex<'a> {
    /// Person key → index of its first record.
    pub(crate) person: HashMap<&'a str, usize>,
    /// Person keys listed more than once.
    pub(crate) duplicated: HashSet<&'a str>,
    /// School key → index.
    pub(crate) school: HashMap<&'a str, usize>,
    /// Lowest and highest grade taught per school (from its courses).
    pub(crate) school_grades: Vec<(i8, i8)>,
    /// Section key → index.
    pub(crate) section: HashMap<&'a str, usize>,
    /// Grade band of each section's course.
    pub(crate) section_band: Vec<(i8, i8)>,
    /// Enrollment rows per section.
    pub(crate) section_rows: Vec<u32>,
    /// Section indices per school.
    pub(crate) school_sections: Vec<Vec<usize>>,
    /// Course indices per school.
    pub(crate) school_courses: Vec<Vec<usize>>,
    /// Teacher (person) indices per primary school.
    pub(crate) school_teachers: Vec<Vec<usize>>,
    /// Student (person) indices per primary school.
    pub(crate) school_students: Vec<Vec<usize>>,
    /// Enrollment indices of person `p`: `rows[rows_start[p]..rows_start[p + 1]]`.
    rows_start: Vec<usize>,
    rows: Vec<u32>,
}

/// The grade of a student as a number (KF = 0), if it parses.
pub(crate) fn grade_of(person: &Person) -> Option<i8> {
    match person.grade.as_deref()? {
        "KF" | "K" => Some(0),
        other => other.parse().ok(),
    }
}

impl<'a> SisIndex<'a> {
    pub(crate) fn new(sis: &'a SisSnapshot) -> Self {
        let mut person = HashMap::with_capacity(sis.people.len());
        let mut duplicated = HashSet::new();
        for (i, p) in sis.people.iter().enumerate() {
            if person.insert(p.key.as_str(), i).is_some() {
                duplicated.insert(p.key.as_str());
            }
        }
        // Keep the first record of a duplicated key.
        for (i, p) in sis.people.iter().enumerate().rev() {
            if duplicated.contains(p.key.as_str()) {
                person.insert(p.key.as_str(), i);
            }
        }
        let school: HashMap<&str, usize> = sis
            .schools
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.as_str(), i))
            .collect();
        let n = sis.schools.len();
        let mut school_grades = vec![(i8::MAX, i8::MIN); n];
        let mut school_courses = vec![Vec::new(); n];
        let mut course_band: HashMap<&str, (i8, i8)> = HashMap::with_capacity(sis.courses.len());
        for (c, course) in sis.courses.iter().enumerate() {
            let band = (
                course.grade_low.unwrap_or(0),
                course.grade_high.unwrap_or(12),
            );
            course_band.insert(course.key.as_str(), band);
            if let Some(&s) = school.get(course.school.as_str()) {
                school_courses[s].push(c);
                let grades = &mut school_grades[s];
                *grades = (grades.0.min(band.0), grades.1.max(band.1));
            }
        }
        for grades in &mut school_grades {
            if grades.0 > grades.1 {
                *grades = (0, 12);
            }
        }
        let mut section_index: HashMap<&str, usize> = HashMap::with_capacity(sis.sections.len());
        let mut section_band = Vec::with_capacity(sis.sections.len());
        let mut school_sections = vec![Vec::new(); n];
        for (x, section) in sis.sections.iter().enumerate() {
            section_index.insert(section.key.as_str(), x);
            section_band.push(
                course_band
                    .get(section.course.as_str())
                    .copied()
                    .unwrap_or((0, 12)),
            );
            if let Some(&s) = school.get(section.school.as_str()) {
                school_sections[s].push(x);
            }
        }
        let mut school_teachers = vec![Vec::new(); n];
        let mut school_students = vec![Vec::new(); n];
        for (i, p) in sis.people.iter().enumerate() {
            let Some(&s) = school.get(p.primary_school.as_str()) else {
                continue;
            };
            match p.role {
                SisRole::Teacher => school_teachers[s].push(i),
                SisRole::Student => school_students[s].push(i),
                SisRole::Guardian => {}
            }
        }
        let mut section_rows = vec![0u32; sis.sections.len()];
        let mut owner = Vec::with_capacity(sis.enrollments.len());
        let mut counts = vec![0usize; sis.people.len() + 1];
        for e in &sis.enrollments {
            if let Some(&x) = section_index.get(e.section.as_str()) {
                section_rows[x] += 1;
            }
            let p = person.get(e.person.as_str()).copied();
            if let Some(p) = p {
                counts[p + 1] += 1;
            }
            owner.push(p);
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let rows_start = counts.clone();
        let mut fill = counts;
        let mut rows = vec![0u32; rows_start.last().copied().unwrap_or(0)];
        for (row, p) in owner.into_iter().enumerate() {
            if let Some(p) = p {
                rows[fill[p]] = u32::try_from(row).unwrap_or(u32::MAX);
                fill[p] += 1;
            }
        }
        SisIndex {
            person,
            duplicated,
            school,
            school_grades,
            section: section_index,
            section_band,
            section_rows,
            school_sections,
            school_courses,
            school_teachers,
            school_students,
            rows_start,
            rows,
        }
    }

    /// The enrollment indices of a person (by person index).
    pub(crate) fn rows_of(&self, person: usize) -> impl Iterator<Item = usize> + '_ {
        let start = self.rows_start.get(person).copied().unwrap_or(0);
        let end = self.rows_start.get(person + 1).copied().unwrap_or(start);
        self.rows[start..end].iter().map(|&r| r as usize)
    }
}
