//! A generated district as eSchoolPLUS tables: the client's key scheme
//! (`rostersync_eschoolplus::assumptions::keys`) run in reverse.
//!
//! * Schools → `REG_BUILDING` (`BUILDING` = the school key).
//! * Terms without children → marking periods (`REG_MP_WEEKS` and
//!   `REG_MP_DATES`, code = the term key's last part, `TERM` = the parent's
//!   last part when the parent is not the school year).
//! * Students → `REG` (`STUDENT_ID` = the key); their e-mail sits on their
//!   own contact (`REG_CONTACT` id `M` + key, linked with type `M`); their
//!   graduation year, when known, is a `REG_ACADEMIC` row (`GRADUATION_YEAR`,
//!   the column name the client assumes).
//! * Teachers → `REG_STAFF` (`STAFF_ID` = the key without its `T`) and
//!   `REG_STAFF_BLDGS` (one teacher row per school, the primary flagged).
//! * Guardians → `REG_CONTACT` (`CONTACT_ID` = the key without its `G`)
//!   linked with type `G`.
//! * Courses → `SCHD_COURSE` with their department and grade range
//!   (`MIN_GRADE`, `MAX_GRADE` as `REG_GRADE` codes: `PK`, `KF`, `01`..`12`);
//!   sections → `SCHD_MS` with a numeric
//!   `SECTION_KEY` (1, 2, ... in snapshot order) and one session `1`
//!   (`SCHD_MS_SESSION`, `SCHD_MS_STAFF`, `SCHD_MS_MP` with the leaf terms
//!   under the section's terms); student enrollments → `SCHD_STU_COURSE` and
//!   `SCHD_STU_CRS_DATES`.
//!
//! What the tables cannot hold (subjects, grade levels outside pre-K to 12,
//! cross-listing, student user names) is dropped.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rostersync_core::model::sis::{EnrollmentRole, PersonStatus, SisRole, SisSnapshot, Term};

use super::tables::EspTables;
use crate::district::District;

/// The course session every converted section has.
pub const COURSE_SESSION: &str = "1";

/// `MM/DD/YYYY`, as the server writes dates.
pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%m/%d/%Y").to_string()
}

/// The last `-` part of a term key (`101-2026-Q1` → `Q1`).
fn term_code(term: &Term) -> String {
    term.key
        .as_str()
        .rsplit('-')
        .next()
        .unwrap_or(term.key.as_str())
        .to_owned()
}

/// The eSchoolPLUS `SECTION_KEY` of each section of `sis`, by its key.
pub fn section_numbers(sis: &SisSnapshot) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for section in &sis.sections {
        let next = out.len() as i64 + 1;
        out.entry(section.key.as_str().to_owned()).or_insert(next);
    }
    out
}

fn strip(key: &str, prefix: char) -> &str {
    key.strip_prefix(prefix).unwrap_or(key)
}

fn opt<T: AsRef<str>>(text: &Option<T>) -> String {
    text.as_ref().map_or("", AsRef::as_ref).to_owned()
}

/// The `REG_GRADE` code of a core grade level: `PK` (-1), `KF` (0), `01`..`12`;
/// empty for none or a level outside that range.
pub(crate) fn grade_code(level: Option<i8>) -> String {
    match level {
        Some(-1) => "PK".to_owned(),
        Some(0) => "KF".to_owned(),
        Some(n @ 1..=12) => format!("{n:02}"),
        _ => String::new(),
    }
}

/// Converts a generated district's SIS snapshot into tables.
pub fn tables_from_district(district: &District) -> EspTables {
    tables_from_snapshot(&district.sis, district.school_year)
}

/// Converts a SIS snapshot of `school_year` into tables.
pub fn tables_from_snapshot(sis: &SisSnapshot, school_year: i32) -> EspTables {
    let mut out = EspTables::empty();
    organisation(sis, &mut out);
    people(sis, &mut out);
    schedule(sis, school_year, &mut out);
    out
}

fn organisation(sis: &SisSnapshot, out: &mut EspTables) {
    if let Some(table) = out.table_mut("REG_BUILDING") {
        for school in &sis.schools {
            table.push(&[
                ("BUILDING", school.key.as_str().to_owned()),
                ("ABBREVIATION", opt(&school.code)),
                ("NAME", school.name.clone()),
            ]);
        }
    }
    let parents: BTreeSet<&str> = sis
        .terms
        .iter()
        .filter_map(|t| t.parent.as_ref().map(|p| p.as_str()))
        .collect();
    let by_key: BTreeMap<&str, &Term> = sis.terms.iter().map(|t| (t.key.as_str(), t)).collect();
    let mut leaves: Vec<&Term> = sis
        .terms
        .iter()
        .filter(|t| !parents.contains(t.key.as_str()))
        .collect();
    leaves.sort_by_key(|t| {
        (
            t.school.as_str().to_owned(),
            t.start,
            t.key.as_str().to_owned(),
        )
    });
    let mut order: BTreeMap<&str, usize> = BTreeMap::new();
    for term in leaves {
        let n = order.entry(term.school.as_str()).or_default();
        *n += 1;
        // A parent that is itself a child (a semester under the year) groups
        // marking periods; the school year does not.
        let group = term
            .parent
            .as_ref()
            .and_then(|p| by_key.get(p.as_str()))
            .filter(|p| p.parent.is_some())
            .map(|p| term_code(p))
            .unwrap_or_default();
        let building = term.school.as_str().to_owned();
        let year = term.school_year.to_string();
        let code = term_code(term);
        if let Some(table) = out.table_mut("REG_MP_WEEKS") {
            table.push(&[
                ("BUILDING", building.clone()),
                ("SCHOOL_YEAR", year.clone()),
                ("MARKING_PERIOD", code.clone()),
                ("MP_ORDER", n.to_string()),
                ("TERM", group),
                ("RC_RUN", n.to_string()),
                ("DESCRIPTION", term.title.clone()),
            ]);
        }
        if let Some(table) = out.table_mut("REG_MP_DATES") {
            table.push(&[
                ("BUILDING", building),
                ("SCHOOL_YEAR", year),
                ("TRACK", "1".to_owned()),
                ("MARKING_PERIOD", code),
                ("START_DATE", date(term.start)),
                ("END_DATE", date(term.end)),
            ]);
        }
    }
}

fn people(sis: &SisSnapshot, out: &mut EspTables) {
    let mut contacts_written = BTreeSet::new();
    for person in &sis.people {
        let name = &person.name;
        let names = [
            ("FIRST_NAME", name.first.to_string()),
            ("MIDDLE_NAME", opt(&name.middle)),
            ("LAST_NAME", name.last.to_string()),
        ];
        match person.role {
            SisRole::Student => {
                let status = match person.status {
                    PersonStatus::Active => "A",
                    PersonStatus::Inactive => "I",
                    PersonStatus::Withdrawn => "G",
                };
                if let Some(table) = out.table_mut("REG") {
                    let mut row = vec![
                        ("STUDENT_ID", person.key.as_str().to_owned()),
                        ("BUILDING", person.primary_school.as_str().to_owned()),
                        ("GRADE", opt(&person.grade)),
                        ("CURRENT_STATUS", status.to_owned()),
                        ("NICKNAME", opt(&name.preferred_first)),
                    ];
                    row.extend(names.iter().cloned());
                    table.push(&row);
                }
                if let Some(year) = person.graduation_year {
                    if let Some(table) = out.table_mut("REG_ACADEMIC") {
                        table.push(&[
                            ("STUDENT_ID", person.key.as_str().to_owned()),
                            ("GRADUATION_YEAR", year.to_string()),
                        ]);
                    }
                }
                let Some(email) = &person.email else { continue };
                let contact = format!("M{}", person.key.as_str());
                if contacts_written.insert(contact.clone()) {
                    if let Some(table) = out.table_mut("REG_CONTACT") {
                        let mut row = vec![
                            ("CONTACT_ID", contact.clone()),
                            ("EMAIL", email.to_string()),
                        ];
                        row.extend(names.iter().cloned());
                        table.push(&row);
                    }
                    link(out, person.key.as_str(), &contact, "M");
                }
            }
            SisRole::Teacher => {
                let id = strip(person.key.as_str(), 'T').to_owned();
                if let Some(table) = out.table_mut("REG_STAFF") {
                    let mut row = vec![
                        ("STAFF_ID", id.clone()),
                        ("EMAIL", opt(&person.email)),
                        ("LOGIN_ID", opt(&person.username)),
                    ];
                    row.extend(names.iter().cloned());
                    table.push(&row);
                }
                let active = if person.is_active() { "Y" } else { "N" };
                if let Some(table) = out.table_mut("REG_STAFF_BLDGS") {
                    for school in person.schools() {
                        let primary = if *school == person.primary_school {
                            "Y"
                        } else {
                            "N"
                        };
                        table.push(&[
                            ("STAFF_ID", id.clone()),
                            ("BUILDING", school.as_str().to_owned()),
                            ("ACTIVE", active.to_owned()),
                            ("IS_TEACHER", "Y".to_owned()),
                            ("IS_PRIMARY_BLDG", primary.to_owned()),
                        ]);
                    }
                }
            }
            SisRole::Guardian => {
                let id = strip(person.key.as_str(), 'G').to_owned();
                if contacts_written.insert(id.clone()) {
                    if let Some(table) = out.table_mut("REG_CONTACT") {
                        let mut row = vec![
                            ("CONTACT_ID", id),
                            ("EMAIL", opt(&person.email)),
                            ("LOGIN_ID", opt(&person.username)),
                        ];
                        row.extend(names.iter().cloned());
                        table.push(&row);
                    }
                }
            }
        }
    }
    let mut priority: BTreeMap<&str, u32> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for guardian_link in &sis.guardian_links {
        let student = guardian_link.student.as_str();
        let contact = strip(guardian_link.guardian.as_str(), 'G');
        if !seen.insert((student, contact)) {
            continue;
        }
        let n = priority.entry(student).or_default();
        *n += 1;
        let n = *n;
        if let Some(table) = out.table_mut("REG_STU_CONTACT") {
            table.push(&[
                ("STUDENT_ID", student.to_owned()),
                ("CONTACT_ID", contact.to_owned()),
                ("CONTACT_TYPE", "G".to_owned()),
                ("CONTACT_PRIORITY", n.to_string()),
            ]);
        }
    }
}

fn link(out: &mut EspTables, student: &str, contact: &str, kind: &str) {
    if let Some(table) = out.table_mut("REG_STU_CONTACT") {
        table.push(&[
            ("STUDENT_ID", student.to_owned()),
            ("CONTACT_ID", contact.to_owned()),
            ("CONTACT_TYPE", kind.to_owned()),
            ("CONTACT_PRIORITY", "0".to_owned()),
        ]);
    }
}

fn schedule(sis: &SisSnapshot, school_year: i32, out: &mut EspTables) {
    let courses: BTreeMap<&str, &str> = sis
        .courses
        .iter()
        .map(|c| (c.key.as_str(), c.code.as_str()))
        .collect();
    if let Some(table) = out.table_mut("SCHD_COURSE") {
        for course in &sis.courses {
            table.push(&[
                ("BUILDING", course.school.as_str().to_owned()),
                ("COURSE", course.code.clone()),
                ("DEPARTMENT", opt(&course.department)),
                ("MIN_GRADE", grade_code(course.grade_low)),
                ("MAX_GRADE", grade_code(course.grade_high)),
                (
                    "ACTIVE_STATUS",
                    if course.active { "Y" } else { "N" }.to_owned(),
                ),
                ("DESCRIPTION", course.title.clone()),
            ]);
        }
    }
    let terms: BTreeMap<&str, &Term> = sis.terms.iter().map(|t| (t.key.as_str(), t)).collect();
    // Term → the marking periods (leaf terms) under it, itself when a leaf.
    let mut children: BTreeMap<&str, Vec<&Term>> = BTreeMap::new();
    for term in &sis.terms {
        if let Some(parent) = &term.parent {
            children.entry(parent.as_str()).or_default().push(term);
        }
    }
    let leaves = |key: &str| -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut stack = vec![key.to_owned()];
        while let Some(next) = stack.pop() {
            match children.get(next.as_str()) {
                Some(kids) => stack.extend(kids.iter().map(|k| k.key.as_str().to_owned())),
                None => {
                    if let Some(term) = terms.get(next.as_str()) {
                        found.insert(term_code(term));
                    }
                }
            }
        }
        found
    };
    let numbers = section_numbers(sis);
    let mut section_starts: BTreeMap<&str, Option<NaiveDate>> = BTreeMap::new();
    let mut done = BTreeSet::new();
    for section in &sis.sections {
        let Some(number) = numbers.get(section.key.as_str()) else {
            continue;
        };
        if !done.insert(*number) {
            continue;
        }
        let number = number.to_string();
        let course = courses
            .get(section.course.as_str())
            .map_or_else(|| section.code.clone(), |c| (*c).to_owned());
        let course_section = section
            .code
            .strip_prefix(&format!("{course}-"))
            .unwrap_or(&section.code)
            .to_owned();
        if let Some(table) = out.table_mut("SCHD_MS") {
            table.push(&[
                ("SECTION_KEY", number.clone()),
                ("SCHOOL_YEAR", school_year.to_string()),
                ("SUMMER_SCHOOL", "N".to_owned()),
                ("BUILDING", section.school.as_str().to_owned()),
                ("COURSE", course),
                ("COURSE_SECTION", course_section),
                ("DESCRIPTION", section.title.clone()),
            ]);
        }
        let staff = |key: &rostersync_core::ids::PersonKey| strip(key.as_str(), 'T').to_owned();
        if let Some(table) = out.table_mut("SCHD_MS_SESSION") {
            table.push(&[
                ("SECTION_KEY", number.clone()),
                ("COURSE_SESSION", COURSE_SESSION.to_owned()),
                (
                    "START_PERIOD",
                    section.periods.first().cloned().unwrap_or_default(),
                ),
                (
                    "END_PERIOD",
                    section.periods.last().cloned().unwrap_or_default(),
                ),
                ("ROOM_ID", opt(&section.room)),
                (
                    "PRIMARY_STAFF_ID",
                    section
                        .primary_teacher
                        .as_ref()
                        .map(staff)
                        .unwrap_or_default(),
                ),
                ("DESCRIPTION", section.title.clone()),
            ]);
        }
        if let Some(table) = out.table_mut("SCHD_MS_STAFF") {
            for teacher in section.teachers() {
                table.push(&[
                    ("SECTION_KEY", number.clone()),
                    ("COURSE_SESSION", COURSE_SESSION.to_owned()),
                    ("STAFF_ID", staff(teacher)),
                ]);
            }
        }
        let mut periods = BTreeSet::new();
        for term in &section.terms {
            periods.extend(leaves(term.as_str()));
        }
        if let Some(table) = out.table_mut("SCHD_MS_MP") {
            for period in periods {
                table.push(&[
                    ("SECTION_KEY", number.clone()),
                    ("COURSE_SESSION", COURSE_SESSION.to_owned()),
                    ("MARKING_PERIOD", period),
                ]);
            }
        }
        let start = section
            .terms
            .iter()
            .filter_map(|k| terms.get(k.as_str()))
            .map(|t| t.start)
            .min();
        section_starts.insert(section.key.as_str(), start);
    }
    let mut ranges: BTreeMap<(&str, i64), u32> = BTreeMap::new();
    for enrollment in &sis.enrollments {
        if enrollment.role != EnrollmentRole::Student {
            continue;
        }
        let Some(number) = numbers.get(enrollment.section.as_str()) else {
            continue;
        };
        let student = enrollment.person.as_str();
        let range = ranges.entry((student, *number)).or_default();
        *range += 1;
        if *range == 1 {
            if let Some(table) = out.table_mut("SCHD_STU_COURSE") {
                table.push(&[
                    ("STUDENT_ID", student.to_owned()),
                    ("SECTION_KEY", number.to_string()),
                    ("MODELED", "N".to_owned()),
                    ("COURSE_STATUS", "A".to_owned()),
                ]);
            }
        }
        // A student record needs an add date: the section's first day when unknown.
        let added = enrollment.begin.or_else(|| {
            section_starts
                .get(enrollment.section.as_str())
                .copied()
                .flatten()
        });
        let range_key = range.to_string();
        if let Some(table) = out.table_mut("SCHD_STU_CRS_DATES") {
            table.push(&[
                ("STUDENT_ID", student.to_owned()),
                ("SECTION_KEY", number.to_string()),
                ("MODELED", "N".to_owned()),
                ("DATE_RANGE_KEY", range_key),
                ("DATE_ADDED", added.map(date).unwrap_or_default()),
                ("DATE_DROPPED", enrollment.end.map(date).unwrap_or_default()),
            ]);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rostersync_core::model::sis::SisRole;

    use super::*;
    use crate::district::{DistrictSize, generate};
    use crate::eschoolplus::mirror::Mirror;

    #[test]
    fn grade_levels_become_reg_grade_codes() {
        let codes: Vec<String> = [Some(-1), Some(0), Some(1), Some(12), Some(13), None]
            .into_iter()
            .map(grade_code)
            .collect();
        assert_eq!(codes, ["PK", "KF", "01", "12", "", ""]);
    }

    #[test]
    fn graduation_years_and_course_grades_are_served_and_filtered_like_reg() {
        let district = generate(DistrictSize::Tiny, 7, 2026);
        let tables = tables_from_district(&district);
        let students: Vec<_> = district
            .sis
            .people
            .iter()
            .filter(|p| p.role == SisRole::Student)
            .collect();
        let want: BTreeSet<(String, String)> = students
            .iter()
            .filter_map(|p| {
                let year = p.graduation_year?;
                Some((p.key.as_str().to_owned(), year.to_string()))
            })
            .collect();
        assert!(!want.is_empty());
        let academic = tables.table("REG_ACADEMIC").unwrap();
        let got: BTreeSet<(String, String)> = academic
            .records()
            .into_iter()
            .map(|r| (r["STUDENT_ID"].clone(), r["GRADUATION_YEAR"].clone()))
            .collect();
        assert_eq!(got, want);

        // The client's filter shape: the students REG holds for a building.
        let school = district.sis.schools[0].key.as_str();
        let sql = format!(
            "SELECT reg_academic.STUDENT_ID FROM reg_academic \
             WHERE STUDENT_ID IN (SELECT STUDENT_ID FROM REG WHERE BUILDING IN ('{school}'))"
        );
        let kept = Mirror::build(&tables).unwrap().rows(&sql).unwrap().len();
        let expected = students
            .iter()
            .filter(|p| p.primary_school.as_str() == school && p.graduation_year.is_some())
            .count();
        assert!(expected > 0);
        assert_eq!(kept, expected);

        let courses = tables.table("SCHD_COURSE").unwrap().records();
        assert_eq!(courses.len(), district.sis.courses.len());
        for (row, course) in courses.iter().zip(&district.sis.courses) {
            assert_eq!(row["COURSE"], course.code);
            assert_eq!(row["DEPARTMENT"], opt(&course.department));
            assert_eq!(row["MIN_GRADE"], grade_code(course.grade_low));
            assert_eq!(row["MAX_GRADE"], grade_code(course.grade_high));
        }
        // The generator gives every course a department and a grade range.
        assert!(courses.iter().all(|r| {
            !r["DEPARTMENT"].is_empty() && !r["MIN_GRADE"].is_empty() && !r["MAX_GRADE"].is_empty()
        }));
    }
}
