//! From eSchoolPLUS tables to core records: keys, dates, and the three parts
//! of the mapping (organisation, people, schedule).

mod org;
mod people;
mod schedule;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_core::ids::{CourseKey, PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::sis::SisSnapshot;
use rostersync_ports::SourceProblem;

use crate::assumptions::{file, keys};
use crate::parse::{Row, Table};

pub(crate) use org::{schools, terms};

/// The parsed files of one roster read.
#[derive(Debug, Clone, Default)]
pub(crate) struct RosterFiles {
    pub(crate) students: Table,
    pub(crate) academic: Table,
    pub(crate) student_contacts: Table,
    pub(crate) contacts: Table,
    pub(crate) staff: Table,
    pub(crate) staff_buildings: Table,
    pub(crate) courses: Table,
    pub(crate) sections: Table,
    pub(crate) sessions: Table,
    pub(crate) section_staff: Table,
    pub(crate) section_mps: Table,
    pub(crate) student_courses: Table,
    pub(crate) student_course_dates: Table,
}

/// Maps the people, courses, sections and enrollments of a roster read into
/// `snapshot` (whose schools and terms are already filled).
pub(crate) fn roster(
    files: &RosterFiles,
    school_year: i32,
    selected: &BTreeSet<SchoolKey>,
    snapshot: &mut SisSnapshot,
    problems: &mut Vec<SourceProblem>,
) {
    let students = people::students(files, problems);
    let student_keys: BTreeSet<&PersonKey> = students.iter().map(|p| &p.key).collect();
    let (sections, teachers) = schedule::sections(files, school_year, problems);
    let enrollments = schedule::student_enrollments(files, &sections, &student_keys, problems);
    let guardians = people::guardians(files, &students, problems);
    let staff = people::staff(files, selected, problems);
    snapshot.people.extend(students);
    snapshot.people.extend(staff);
    snapshot.people.extend(guardians.people);
    snapshot.guardian_links.extend(guardians.links);
    snapshot.contact_priorities.extend(guardians.priorities);
    snapshot
        .courses
        .extend(schedule::courses(&files.courses, problems));
    snapshot.sections.extend(sections);
    snapshot.enrollments.extend(teachers);
    snapshot.enrollments.extend(enrollments);
}

/// The rows of `table` with each value of `key` once. A row repeating an
/// earlier one field for field is dropped silently (a download may list a
/// record twice); a row with the same key but other values is a problem and
/// the first row stands. Rows with an empty key pass through for the caller
/// to report.
pub(crate) fn unique_rows<'t>(
    table: &'t Table,
    key: &str,
    problems: &mut Vec<SourceProblem>,
) -> Vec<&'t Row> {
    let mut first: std::collections::HashMap<&str, &Row> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let id = table.get(row, key);
        if id.is_empty() {
            out.push(row);
            continue;
        }
        match first.get(id) {
            None => {
                first.insert(id, row);
                out.push(row);
            }
            Some(earlier) if earlier.fields == row.fields => {}
            Some(earlier) => problems.push(table.problem(
                row,
                format!(
                    "{key} {id} is listed again with other values; line {} is used",
                    earlier.line
                ),
            )),
        }
    }
    out
}

/// A school's key: the building number.
pub(crate) fn school_key(building: &str) -> SchoolKey {
    SchoolKey::new(building)
}

/// A student's key: the raw student id.
pub(crate) fn student_key(id: &str) -> PersonKey {
    PersonKey::new(id)
}

/// A staff member's key: `T` + staff id.
pub(crate) fn staff_key(id: &str) -> PersonKey {
    PersonKey::new(format!("{}{id}", keys::STAFF_PREFIX))
}

/// A contact's key: `C` + contact id.
pub(crate) fn contact_key(id: &str) -> PersonKey {
    PersonKey::new(format!("{}{id}", keys::CONTACT_PREFIX))
}

/// A course's key: building and course code.
pub(crate) fn course_key(building: &str, course: &str) -> CourseKey {
    CourseKey::new(format!("{building}{}{course}", keys::KEY_SEPARATOR))
}

/// A section's key: section key and course session.
pub(crate) fn section_key(section: &str, session: &str) -> SectionKey {
    SectionKey::new(format!("{section}{}{session}", keys::KEY_SEPARATOR))
}

/// Splits a section key back into section key and course session.
pub(crate) fn split_section_key(key: &SectionKey) -> Option<(&str, &str)> {
    key.as_str().rsplit_once(keys::KEY_SEPARATOR)
}

/// A marking period's term key.
pub(crate) fn marking_period_key(building: &str, year: i32, period: &str) -> TermKey {
    let sep = keys::KEY_SEPARATOR;
    TermKey::new(format!("{building}{sep}{year}{sep}{period}"))
}

/// Splits a marking period key into building, year and marking period.
pub(crate) fn split_term_key(key: &TermKey) -> Option<(&str, i32, &str)> {
    let mut parts = key.as_str().splitn(3, keys::KEY_SEPARATOR);
    let building = parts.next()?;
    let year = parts.next()?.parse().ok()?;
    let period = parts.next()?;
    Some((building, year, period))
}

/// Parses a date in one of the formats the server writes; a time after the
/// date is ignored.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let day = text.split([' ', 'T']).next()?.trim();
    file::DATE_FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(day, format).ok())
}

/// `Some(text)` unless empty.
pub(crate) fn non_empty(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_formats_with_or_without_time() {
        let expected = NaiveDate::from_ymd_opt(2025, 8, 14);
        assert_eq!(parse_date("08/14/2025"), expected);
        assert_eq!(parse_date("8/14/2025 12:00:00 AM"), expected);
        assert_eq!(parse_date("2025-08-14 00:00:00.000"), expected);
        assert_eq!(parse_date("2025-08-14T00:00:00"), expected);
        assert_eq!(parse_date("tomorrow"), None);
    }

    #[test]
    fn keys_of_people_never_collide_and_split_back() {
        assert_eq!(student_key("1001").as_str(), "1001");
        assert_eq!(staff_key("1001").as_str(), "T1001");
        assert_eq!(contact_key("1001").as_str(), "C1001");
        let section = section_key("5512", "1");
        assert_eq!(split_section_key(&section), Some(("5512", "1")));
        let term = marking_period_key("10", 2026, "Q1");
        assert_eq!(split_term_key(&term), Some(("10", 2026, "Q1")));
    }

    #[test]
    fn a_repeated_row_is_read_once_and_a_conflicting_one_is_a_problem() {
        use crate::parse::{FileFormat, Layout, parse};
        let bytes = b"ID|NAME|#!#\r\n1|Ann|#!#\r\n2|Bo|#!#\r\n1|Ann|#!#\r\n2|Bob|#!#\r\n|X|#!#\r\n";
        let layout = Layout {
            columns: &["ID", "NAME"],
            free_text: None,
        };
        let (table, _) = parse("f.txt", bytes, FileFormat::DOWNLOAD, layout).unwrap();
        let mut problems = Vec::new();
        let rows: Vec<(&str, &str)> = unique_rows(&table, "ID", &mut problems)
            .into_iter()
            .map(|row| (table.get(row, "ID"), table.get(row, "NAME")))
            .collect();
        // The identical repeat of 1 goes silently; the other 2 is a problem
        // naming the line that stands; the row without an id is the caller's.
        assert_eq!(rows, [("1", "Ann"), ("2", "Bo"), ("", "X")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].location, "f.txt line 5");
        assert!(
            problems[0].message.contains("line 3 is used"),
            "{problems:?}"
        );
    }
}
