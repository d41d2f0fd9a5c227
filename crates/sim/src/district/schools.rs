//! The district's layout (schools, their levels and per-school counts), the
//! school-year calendar and the terms of every school.

use chrono::NaiveDate;
use rostersync_core::ids::{SchoolKey, TermKey};
use rostersync_core::model::sis::{School, Term};

use super::Profile;

/// The grade band a school serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Grades KF (0) to 05.
    Elementary,
    /// Grades 06 to 08.
    Middle,
    /// Grades 09 to 12.
    High,
}

impl Level {
    /// The lowest and highest grade (0 = KF).
    pub(crate) fn grades(self) -> (i8, i8) {
        match self {
            Level::Elementary => (0, 5),
            Level::Middle => (6, 8),
            Level::High => (9, 12),
        }
    }

    fn grade_count(self) -> usize {
        let (low, high) = self.grades();
        usize::from(high.abs_diff(low)) + 1
    }

    fn title(self) -> &'static str {
        match self {
            Level::Elementary => "Elementary School",
            Level::Middle => "Middle School",
            Level::High => "High School",
        }
    }

    fn abbreviation(self) -> &'static str {
        match self {
            Level::Elementary => "ES",
            Level::Middle => "MS",
            Level::High => "HS",
        }
    }
}

/// One school and the ranges of generated records that belong to it.
#[derive(Debug, Clone)]
pub(crate) struct SchoolInfo {
    pub(crate) key: SchoolKey,
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) level: Level,
    /// Students whose primary school this is: indices `first_student..first_student + students`.
    pub(crate) first_student: usize,
    pub(crate) students: usize,
    /// Teachers of this school: indices `first_teacher..first_teacher + teachers`.
    pub(crate) first_teacher: usize,
    pub(crate) teachers: usize,
    /// Number of sections the school teaches.
    pub(crate) sections: usize,
}

/// The whole district's layout.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) schools: Vec<SchoolInfo>,
    pub(crate) students: usize,
    pub(crate) teachers: usize,
    pub(crate) guardians: usize,
}

/// The dates of one school year, shared by every school.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    /// Ending calendar year.
    pub(crate) year: i32,
    /// "2025-26".
    pub(crate) label: String,
    pub(crate) start: NaiveDate,
    pub(crate) s1_end: NaiveDate,
    pub(crate) s2_start: NaiveDate,
    pub(crate) end: NaiveDate,
    pub(crate) q1_end: NaiveDate,
    pub(crate) q2_start: NaiveDate,
    pub(crate) q3_end: NaiveDate,
    pub(crate) q4_start: NaiveDate,
    /// December 1 of the first calendar year: the district's date at generation.
    pub(crate) as_of: NaiveDate,
}

/// A calendar date; the generator clamps years so that every date exists.
pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

impl Calendar {
    pub(crate) fn new(year: i32) -> Self {
        let first = year - 1;
        Calendar {
            year,
            label: season_label(year),
            start: date(first, 8, 15),
            s1_end: date(year, 1, 16),
            s2_start: date(year, 1, 17),
            end: date(year, 6, 1),
            q1_end: date(first, 10, 24),
            q2_start: date(first, 10, 25),
            q3_end: date(year, 3, 27),
            q4_start: date(year, 3, 28),
            as_of: date(first, 12, 1),
        }
    }

    /// The key of one of a school's terms, e.g. "101-2026-S1".
    pub(crate) fn term_key(&self, school: &SchoolKey, term: TermSlot) -> TermKey {
        TermKey::new(format!("{school}-{}-{}", self.year, term.suffix()))
    }

    /// First day of a term.
    pub(crate) fn term_start(&self, term: TermSlot) -> NaiveDate {
        self.term_dates(term).0
    }

    /// First and last day of a term.
    pub(crate) fn term_dates(&self, term: TermSlot) -> (NaiveDate, NaiveDate) {
        match term {
            TermSlot::Year => (self.start, self.end),
            TermSlot::S1 => (self.start, self.s1_end),
            TermSlot::S2 => (self.s2_start, self.end),
            TermSlot::Q1 => (self.start, self.q1_end),
            TermSlot::Q2 => (self.q2_start, self.s1_end),
            TermSlot::Q3 => (self.s2_start, self.q3_end),
            TermSlot::Q4 => (self.q4_start, self.end),
        }
    }

    /// The display title of a term, e.g. "2025-26 Semester 1".
    pub(crate) fn term_title(&self, term: TermSlot) -> String {
        format!("{} {}", self.label, term.title())
    }
}

fn season_label(year: i32) -> String {
    format!("{}-{:02}", year - 1, year.rem_euclid(100))
}

/// The seven terms every school has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermSlot {
    Year,
    S1,
    S2,
    Q1,
    Q2,
    Q3,
    Q4,
}

impl TermSlot {
    pub(crate) const ALL: [TermSlot; 7] = [
        TermSlot::Year,
        TermSlot::S1,
        TermSlot::S2,
        TermSlot::Q1,
        TermSlot::Q2,
        TermSlot::Q3,
        TermSlot::Q4,
    ];

    fn suffix(self) -> &'static str {
        match self {
            TermSlot::Year => "YR",
            TermSlot::S1 => "S1",
            TermSlot::S2 => "S2",
            TermSlot::Q1 => "Q1",
            TermSlot::Q2 => "Q2",
            TermSlot::Q3 => "Q3",
            TermSlot::Q4 => "Q4",
        }
    }

    fn title(self) -> &'static str {
        match self {
            TermSlot::Year => "School Year",
            TermSlot::S1 => "Semester 1",
            TermSlot::S2 => "Semester 2",
            TermSlot::Q1 => "Q1",
            TermSlot::Q2 => "Q2",
            TermSlot::Q3 => "Q3",
            TermSlot::Q4 => "Q4",
        }
    }

    fn parent(self) -> Option<TermSlot> {
        match self {
            TermSlot::Year => None,
            TermSlot::S1 | TermSlot::S2 => Some(TermSlot::Year),
            TermSlot::Q1 | TermSlot::Q2 => Some(TermSlot::S1),
            TermSlot::Q3 | TermSlot::Q4 => Some(TermSlot::S2),
        }
    }
}

#[rustfmt::skip]
const PLACES: [&str; 60] = [
    "Lincoln", "Washington", "Jefferson", "Roosevelt", "Kennedy", "Franklin", "Madison", "Adams",
    "Jackson", "Monroe", "Oak Grove", "Maple Ridge", "Cedar Hill", "Pine Valley", "Riverside",
    "Lakeview", "Hillcrest", "Sunset", "Meadowbrook", "Fairview", "Westwood", "Eastside",
    "Northgate", "Southfield", "Greenwood", "Brookside", "Willow Creek", "Elm Street", "Parkside",
    "Valley View", "Highland", "Mountain View", "Bayside", "Harbor", "Prairie", "Canyon",
    "Mesa Verde", "Sierra", "Cascade", "Evergreen", "Redwood", "Sequoia", "Aspen", "Birchwood",
    "Hawthorne", "Magnolia", "Dogwood", "Sycamore", "Chestnut", "Cherry Hill", "Carver", "Douglass",
    "Tubman", "King", "Chávez", "Earhart", "Edison", "Curie", "O'Keeffe", "Sagan",
];

const DIRECTIONS: [&str; 5] = ["", "North ", "South ", "East ", "West "];

/// Splits `total` over `weights` exactly (largest remainder), at least one
/// each when `total` allows.
pub(crate) fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let floor = if total >= n { 1 } else { 0 };
    let rest = total - floor * n;
    let sum: f64 = weights.iter().sum();
    let mut counts = vec![floor; n];
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(n);
    let mut given = 0;
    for (i, weight) in weights.iter().enumerate() {
        let share = if sum > 0.0 {
            rest as f64 * weight / sum
        } else {
            rest as f64 / n as f64
        };
        let whole = share.floor() as usize;
        counts[i] += whole;
        given += whole;
        remainders.push((share - whole as f64, i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().cycle().take(rest.saturating_sub(given)) {
        counts[i] += 1;
    }
    counts
}

/// Lays out the district: levels, names and per-school counts.
pub(crate) fn plan(profile: &Profile, rng: &mut fastrand::Rng) -> Layout {
    let n = profile.schools.max(1);
    let high = ((n as f64 * 0.2).round() as usize).max(1).min(n);
    let middle = ((n as f64 * 0.2).round() as usize).min(n - high);
    let elementary = n - high - middle;
    let levels: Vec<Level> = std::iter::repeat_n(Level::Elementary, elementary)
        .chain(std::iter::repeat_n(Level::Middle, middle))
        .chain(std::iter::repeat_n(Level::High, high))
        .collect();
    let weights: Vec<f64> = levels
        .iter()
        .map(|level| level.grade_count() as f64 * (0.75 + 0.5 * rng.f64()))
        .collect();
    let students = apportion(profile.students, &weights);
    let by_students: Vec<f64> = students.iter().map(|&s| s as f64).collect();
    let teachers = apportion(profile.teachers, &by_students);
    let sections = apportion(profile.sections, &by_students);

    let mut schools = Vec::with_capacity(n);
    let (mut first_student, mut first_teacher) = (0, 0);
    let mut per_level = [0usize; 3];
    for (i, level) in levels.into_iter().enumerate() {
        let slot = match level {
            Level::Elementary => 0,
            Level::Middle => 1,
            Level::High => 2,
        };
        let index = per_level[slot];
        per_level[slot] += 1;
        // Offset the levels so that "Lincoln" is not every level's first school.
        let place = PLACES[(index + slot * 7) % PLACES.len()];
        let direction = DIRECTIONS[(index / PLACES.len()) % DIRECTIONS.len()];
        let key = SchoolKey::new((101 + i).to_string());
        schools.push(SchoolInfo {
            name: format!("{direction}{place} {}", level.title()),
            code: format!("{}{key}", level.abbreviation()),
            key,
            level,
            first_student,
            students: students[i],
            first_teacher,
            teachers: teachers[i],
            sections: sections[i],
        });
        first_student += students[i];
        first_teacher += teachers[i];
    }
    Layout {
        schools,
        students: profile.students,
        teachers: profile.teachers,
        guardians: profile.guardians,
    }
}

/// The SIS school records.
pub(crate) fn records(layout: &Layout) -> Vec<School> {
    layout
        .schools
        .iter()
        .map(|school| School {
            key: school.key.clone(),
            name: school.name.clone(),
            code: Some(school.code.clone()),
        })
        .collect()
}

/// Seven terms per school: the year, two semesters and four quarters.
pub(crate) fn terms(layout: &Layout, calendar: &Calendar) -> Vec<Term> {
    let mut terms = Vec::with_capacity(layout.schools.len() * TermSlot::ALL.len());
    for school in &layout.schools {
        for slot in TermSlot::ALL {
            let (start, end) = calendar.term_dates(slot);
            terms.push(Term {
                key: calendar.term_key(&school.key, slot),
                school: school.key.clone(),
                school_year: calendar.year,
                title: calendar.term_title(slot),
                start,
                end,
                parent: slot
                    .parent()
                    .map(|parent| calendar.term_key(&school.key, parent)),
            });
        }
    }
    terms
}
