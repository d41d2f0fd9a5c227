//! From eSchoolPLUS tables to core records: keys, dates, and the three parts
//! of the mapping (organisation, people, schedule).

mod org;
mod people;
mod schedule;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_core::ids::{CourseKey, PersonKey, SchoolKey, SectionKey, TermKey};
use rostersync_core::model::sis::{Enrollment, Person, Section, SisSnapshot};
use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

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
    let (sections, teachers) = teachers_found(files, sections, teachers, &staff, problems);
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

/// Keeps the teacher enrollments of teachers who were read; each other one
/// is a problem on its section ("teacher T900 not found"), and the section
/// is synced without that teacher.
fn teachers_found(
    files: &RosterFiles,
    mut sections: Vec<Section>,
    teachers: Vec<Enrollment>,
    staff: &[Person],
    problems: &mut Vec<SourceProblem>,
) -> (Vec<Section>, Vec<Enrollment>) {
    let read: BTreeSet<&PersonKey> = staff.iter().map(|person| &person.key).collect();
    let mut missing: BTreeSet<(SectionKey, PersonKey)> = BTreeSet::new();
    let mut kept = Vec::with_capacity(teachers.len());
    for enrollment in teachers {
        if read.contains(&enrollment.person) {
            kept.push(enrollment);
            continue;
        }
        let (section, teacher) = (&enrollment.section, &enrollment.person);
        let location = split_section_key(section).map_or_else(
            || files.sessions.file.clone(),
            |(key, session)| format!("{} section {key} session {session}", files.sessions.file),
        );
        problems.push(
            SourceProblem::new(
                location,
                format!(
                    "teacher {teacher} of section {section} not found among the teachers read \
                     (REG_STAFF, IS_TEACHER in REG_STAFF_BLDGS); the section is synced without \
                     this teacher"
                ),
            )
            .record(RecordKind::Enrollment)
            .key(format!("{section}/{teacher}"))
            .field(if enrollment.primary {
                "PRIMARY_STAFF_ID"
            } else {
                "STAFF_ID"
            })
            .reason("teacher not found"),
        );
        missing.insert((section.clone(), teacher.clone()));
    }
    for section in &mut sections {
        let gone = |person: &PersonKey| missing.contains(&(section.key.clone(), person.clone()));
        if section.primary_teacher.as_ref().is_some_and(gone) {
            section.primary_teacher = None;
        }
        section.co_teachers.retain(|person| !gone(person));
    }
    (sections, kept)
}

/// The rows of `table` whose `key` (trimmed, as every value is) no other
/// row shares. A row repeating an earlier one field for field is the same
/// record listed twice: the repeat is left out with a problem. Rows that
/// share a key but differ are each a problem (`kind` for the record they
/// describe: unreadable for a record of its own, a warning for a table of
/// attributes), and none of them is used: which one is right is the SIS's
/// to say. Rows with an empty key pass through for the caller to report.
pub(crate) fn unique_rows<'t>(
    table: &'t Table,
    key: &str,
    record: RecordKind,
    kind: ProblemKind,
    problems: &mut Vec<SourceProblem>,
) -> Vec<&'t Row> {
    unique_rows_by(
        table,
        key,
        &|row| table.get(row, key).to_owned(),
        record,
        kind,
        problems,
    )
}

/// [`unique_rows`] with a key made of several columns (`key` names them;
/// `key_of` builds it, empty when a part is missing).
pub(crate) fn unique_rows_by<'t>(
    table: &'t Table,
    key: &str,
    key_of: &dyn Fn(&Row) -> String,
    record: RecordKind,
    kind: ProblemKind,
    problems: &mut Vec<SourceProblem>,
) -> Vec<&'t Row> {
    let keys: Vec<String> = table.rows.iter().map(key_of).collect();
    let mut by_key: std::collections::HashMap<&str, Vec<&Row>> = std::collections::HashMap::new();
    for (row, id) in table.rows.iter().zip(&keys) {
        if !id.is_empty() {
            by_key.entry(id).or_default().push(row);
        }
    }
    let mut out = Vec::with_capacity(table.rows.len());
    for (row, id) in table.rows.iter().zip(&keys) {
        let id = id.as_str();
        let Some(rows) = by_key.get(id).filter(|_| !id.is_empty()) else {
            out.push(row);
            continue;
        };
        let first = rows[0];
        if rows.iter().all(|other| other.fields == first.fields) {
            if std::ptr::eq(first, row) {
                out.push(row);
            } else {
                let problem = table
                    .record_problem(
                        row,
                        record,
                        id,
                        format!(
                            "{key} {id} is listed again, the same as line {}; it is read once",
                            first.line
                        ),
                    )
                    .reason("listed twice");
                // A repeated record is one record: the repeat is left out; a
                // repeated row of attributes is a warning on the record.
                problems.push(if kind == ProblemKind::Warning {
                    problem.warning()
                } else {
                    problem.left_out()
                });
            }
            continue;
        }
        let lines: Vec<String> = rows
            .iter()
            .filter(|other| !std::ptr::eq(**other, row))
            .map(|other| other.line.to_string())
            .collect();
        let mut problem = table
            .record_problem(
                row,
                record,
                id,
                format!(
                    "{key} {id} is also on line(s) {} with other values; none of them is read until the SIS has one",
                    lines.join(", ")
                ),
            )
            .field(key)
            .reason("duplicate key");
        problem.kind = kind;
        problems.push(problem);
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
    fn a_repeated_row_is_read_once_and_rows_sharing_a_trimmed_key_are_each_a_problem() {
        use crate::parse::{FileFormat, Layout, parse};
        // 1 is listed twice alike; 2 twice with other values, once with
        // stray blanks around its id.
        let bytes =
            b"ID|NAME|#!#\r\n1|Ann|#!#\r\n  2 |Bo|#!#\r\n1|Ann|#!#\r\n2|Bob|#!#\r\n|X|#!#\r\n";
        let layout = Layout {
            columns: &["ID", "NAME"],
            free_text: None,
        };
        let (table, _) = parse("f.txt", bytes, FileFormat::DOWNLOAD, layout).unwrap();
        let mut problems = Vec::new();
        let rows: Vec<(&str, &str)> = unique_rows(
            &table,
            "ID",
            RecordKind::Person,
            ProblemKind::Unreadable,
            &mut problems,
        )
        .into_iter()
        .map(|row| (table.get(row, "ID"), table.get(row, "NAME")))
        .collect();
        // Neither 2 is read; the row without an id is the caller's.
        assert_eq!(rows, [("1", "Ann"), ("", "X")]);
        let said: Vec<(&str, ProblemKind, &str)> = problems
            .iter()
            .map(|p| (p.location.as_str(), p.kind, p.group()))
            .collect();
        assert_eq!(
            said,
            [
                ("f.txt line 3", ProblemKind::Unreadable, "duplicate key"),
                ("f.txt line 4", ProblemKind::LeftOut, "listed twice"),
                ("f.txt line 5", ProblemKind::Unreadable, "duplicate key"),
            ]
        );
        assert!(
            problems[0].message.contains("also on line(s) 5"),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .all(|p| p.record == Some(RecordKind::Person))
        );
    }
}
