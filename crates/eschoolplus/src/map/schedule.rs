//! Courses (SCHD_COURSE), sections (SCHD_MS with SCHD_MS_SESSION's primary
//! teacher, SCHD_MS_STAFF co-teachers and SCHD_MS_MP marking periods) and
//! enrollments (teachers from the sections, students from SCHD_STU_COURSE
//! with SCHD_STU_CRS_DATES add and drop dates).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rostersync_core::ids::{PersonKey, SectionKey};
use rostersync_core::model::sis::{Course, Enrollment, EnrollmentRole, Section};
use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use super::{
    RosterFiles, course_key, marking_period_key, non_empty, parse_date, school_key, section_key,
    staff_key, student_key,
};
use crate::assumptions::values;
use crate::parse::{Row, Table};

/// The core grade level of a `REG_GRADE` code (assumption 11): pre-K -1,
/// kindergarten 0, grades 1 to 12; `None` for any other code.
pub(super) fn grade_level(code: &str) -> Option<i8> {
    if values::GRADE_PRE_K.contains(&code) {
        return Some(-1);
    }
    if values::GRADE_KINDERGARTEN.contains(&code) {
        return Some(0);
    }
    let numbered = !code.is_empty() && code.len() <= 2 && code.bytes().all(|b| b.is_ascii_digit());
    numbered
        .then(|| code.parse::<i8>().ok())
        .flatten()
        .filter(|level| values::GRADE_NUMBERED.contains(level))
}

/// Courses of the selected buildings, with their grade range (a grade code
/// that is not understood is a problem, and that end of the range stays unset).
pub(super) fn courses(table: &Table, problems: &mut Vec<SourceProblem>) -> Vec<Course> {
    let mut out = Vec::new();
    let key_of = |row: &Row| {
        let (building, code) = (table.get(row, "BUILDING"), table.get(row, "COURSE"));
        if building.is_empty() || code.is_empty() {
            String::new()
        } else {
            course_key(building, code).to_string()
        }
    };
    for row in super::unique_rows_by(
        table,
        "BUILDING-COURSE",
        &key_of,
        RecordKind::Course,
        ProblemKind::Unreadable,
        problems,
    ) {
        let building = table.get(row, "BUILDING");
        let code = table.get(row, "COURSE");
        if building.is_empty() || code.is_empty() {
            problems.push(
                table
                    .record_problem(
                        row,
                        RecordKind::Course,
                        code,
                        "a course without a building or code; the row was not read",
                    )
                    .field(if building.is_empty() {
                        "BUILDING"
                    } else {
                        "COURSE"
                    })
                    .reason("course without a building or code"),
            );
            continue;
        }
        let key = course_key(building, code);
        let mut grade = |column: &str| {
            let text = table.opt(row, column)?;
            let level = grade_level(text);
            if level.is_none() {
                problems.push(
                    table
                        .record_problem(
                            row,
                            RecordKind::Course,
                            key.as_str(),
                            format!(
                                "course {code} of building {building} has the {column} {text:?}, \
                                 not a grade code rostersync knows (PK, KA, KF, KP, 01 to 12); \
                                 the course is read without it"
                            ),
                        )
                        .warning()
                        .field(column)
                        .reason("grade code not known"),
                );
            }
            level
        };
        let grade_low = grade("MIN_GRADE");
        let grade_high = grade("MAX_GRADE");
        out.push(Course {
            key,
            school: school_key(building),
            code: code.to_owned(),
            title: non_empty(table.get(row, "DESCRIPTION")).unwrap_or_else(|| code.to_owned()),
            department: non_empty(table.get(row, "DEPARTMENT")),
            // No subject column is documented (assumption 12).
            subject: None,
            grade_low,
            grade_high,
            active: table.get(row, "ACTIVE_STATUS") != "N",
        });
    }
    out
}

/// Periods `START..=END` when both are numbers, else the two codes.
fn periods(start: &str, end: &str) -> Vec<String> {
    match (start.parse::<u32>(), end.parse::<u32>()) {
        (Ok(a), Ok(b)) if a <= b && b - a < 24 => (a..=b).map(|p| p.to_string()).collect(),
        _ => {
            let mut out: Vec<String> = [start, end]
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| (*p).to_owned())
                .collect();
            out.dedup();
            out
        }
    }
}

/// Sections (one per section key and course session) and their teacher enrollments.
pub(super) fn sections(
    files: &RosterFiles,
    school_year: i32,
    problems: &mut Vec<SourceProblem>,
) -> (Vec<Section>, Vec<Enrollment>) {
    let ms = &files.sections;
    let masters: BTreeMap<&str, _> = ms
        .rows
        .iter()
        .map(|row| (ms.get(row, "SECTION_KEY"), row))
        .collect();
    let staff = &files.section_staff;
    let mut co: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for row in &staff.rows {
        co.entry((
            staff.get(row, "SECTION_KEY"),
            staff.get(row, "COURSE_SESSION"),
        ))
        .or_default()
        .insert(staff.get(row, "STAFF_ID"));
    }
    let mps = &files.section_mps;
    let mut meets: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for row in &mps.rows {
        meets
            .entry((mps.get(row, "SECTION_KEY"), mps.get(row, "COURSE_SESSION")))
            .or_default()
            .insert(mps.get(row, "MARKING_PERIOD"));
    }
    let sessions = &files.sessions;
    // A master section without any session is no section rostersync can
    // make: said, not dropped.
    let with_sessions: BTreeSet<&str> = sessions
        .rows
        .iter()
        .map(|row| sessions.get(row, "SECTION_KEY"))
        .collect();
    for row in &ms.rows {
        let key = ms.get(row, "SECTION_KEY");
        if !with_sessions.contains(key) {
            problems.push(
                ms.record_problem(
                    row,
                    RecordKind::Section,
                    key,
                    format!(
                        "section {key} has no course session (SCHD_MS_SESSION); it is not synced"
                    ),
                )
                .left_out()
                .reason("section without a course session"),
            );
        }
    }
    let key_of = |row: &Row| {
        let (key, session) = (
            sessions.get(row, "SECTION_KEY"),
            sessions.get(row, "COURSE_SESSION"),
        );
        if key.is_empty() || session.is_empty() {
            String::new()
        } else {
            section_key(key, session).to_string()
        }
    };
    let mut out = Vec::new();
    let mut teachers = Vec::new();
    for row in super::unique_rows_by(
        sessions,
        "SECTION_KEY-COURSE_SESSION",
        &key_of,
        RecordKind::Section,
        ProblemKind::Unreadable,
        problems,
    ) {
        let key = sessions.get(row, "SECTION_KEY");
        let session = sessions.get(row, "COURSE_SESSION");
        let this = key_of(row);
        let Some(master) = masters.get(key) else {
            problems.push(
                sessions
                    .record_problem(
                        row,
                        RecordKind::Section,
                        &this,
                        format!("a course session of section {key}, which is not in the master schedule (SCHD_MS)"),
                    )
                    .field("SECTION_KEY")
                    .reason("session of an unknown section"),
            );
            continue;
        };
        let building = ms.get(master, "BUILDING");
        let course = ms.get(master, "COURSE");
        if building.is_empty() || course.is_empty() || session.is_empty() {
            problems.push(
                sessions
                    .record_problem(
                        row,
                        RecordKind::Section,
                        &this,
                        format!("section {key} without a building, course or session"),
                    )
                    .reason("section without a building, course or session"),
            );
            continue;
        }
        let number = ms.get(master, "COURSE_SECTION");
        let code = format!("{course}-{number}");
        let title = non_empty(ms.get(master, "DESCRIPTION"))
            .or_else(|| non_empty(sessions.get(row, "DESCRIPTION")))
            .unwrap_or_else(|| code.clone());
        let primary = sessions.opt(row, "PRIMARY_STAFF_ID");
        let co_teachers: Vec<&str> = co
            .get(&(key, session))
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|id| Some(*id) != primary && !id.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let section = Section {
            key: section_key(key, session),
            course: course_key(building, course),
            school: school_key(building),
            title,
            code,
            terms: meets
                .get(&(key, session))
                .map(|periods| {
                    periods
                        .iter()
                        .map(|period| marking_period_key(building, school_year, period))
                        .collect()
                })
                .unwrap_or_default(),
            primary_teacher: primary.map(staff_key),
            co_teachers: co_teachers.iter().map(|id| staff_key(id)).collect(),
            periods: periods(
                sessions.get(row, "START_PERIOD"),
                sessions.get(row, "END_PERIOD"),
            ),
            room: sessions.opt(row, "ROOM_ID").map(str::to_owned),
            cross_list_group: None,
        };
        let teacher = |person, primary| Enrollment {
            section: section.key.clone(),
            person,
            role: EnrollmentRole::Teacher,
            primary,
            begin: None,
            end: None,
        };
        teachers.extend(section.primary_teacher.clone().map(|p| teacher(p, true)));
        teachers.extend(
            section
                .co_teachers
                .iter()
                .cloned()
                .map(|p| teacher(p, false)),
        );
        out.push(section);
    }
    (out, teachers)
}

/// The earliest add, the latest drop, and whether a range is still open.
type Span = (Option<NaiveDate>, Option<NaiveDate>, bool);

/// Student enrollments: every session of each scheduled section, dated by
/// the earliest add and the latest drop (none while a range is open).
pub(super) fn student_enrollments(
    files: &RosterFiles,
    sections: &[Section],
    students: &BTreeSet<&PersonKey>,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Enrollment> {
    // Students whose row was in the file, mapped or not: an enrollment of a
    // student whose row was reported is left out, naming that.
    let reg = &files.students;
    let read: BTreeSet<&str> = reg
        .rows
        .iter()
        .map(|row| reg.get(row, "STUDENT_ID"))
        .collect();
    let mut sessions: BTreeMap<&str, Vec<&SectionKey>> = BTreeMap::new();
    for section in sections {
        if let Some((key, _)) = super::split_section_key(&section.key) {
            sessions.entry(key).or_default().push(&section.key);
        }
    }
    let dates = &files.student_course_dates;
    let mut spans: BTreeMap<(&str, &str), Span> = BTreeMap::new();
    for row in &dates.rows {
        if dates.get(row, "MODELED") == values::MODELED {
            continue;
        }
        let added = parse_date(dates.get(row, "DATE_ADDED"));
        let dropped_text = dates.get(row, "DATE_DROPPED");
        let dropped = parse_date(dropped_text);
        let (student, key) = (dates.get(row, "STUDENT_ID"), dates.get(row, "SECTION_KEY"));
        if added.is_none() || (!dropped_text.is_empty() && dropped.is_none()) {
            problems.push(
                dates
                    .record_problem(
                        row,
                        RecordKind::Enrollment,
                        &format!("{key}/{student}"),
                        format!(
                            "student {student} in section {key}: a date range with an unreadable date; \
                             the enrollment is read without it"
                        ),
                    )
                    .warning()
                    .field(if added.is_none() { "DATE_ADDED" } else { "DATE_DROPPED" })
                    .reason("unreadable enrollment date"),
            );
            continue;
        }
        let span = spans.entry((student, key)).or_insert((None, None, false));
        span.0 = match (span.0, added) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match dropped {
            Some(d) => span.1 = Some(span.1.map_or(d, |e| e.max(d))),
            None => span.2 = true,
        }
    }
    let table = &files.student_courses;
    let mut out = Vec::new();
    for row in &table.rows {
        let student = table.get(row, "STUDENT_ID");
        let key = table.get(row, "SECTION_KEY");
        let this = format!("{key}/{student}");
        let problem = |message: String, reason: &str| {
            table
                .record_problem(row, RecordKind::Enrollment, &this, message)
                .reason(reason)
        };
        if table.get(row, "MODELED") == values::MODELED {
            problems.push(
                problem(
                    format!(
                        "student {student} in section {key} is a modelled (planned) schedule row"
                    ),
                    "modelled schedule row",
                )
                .left_out()
                .field("MODELED"),
            );
            continue;
        }
        let Some(targets) = sessions.get(key) else {
            problems.push(
                problem(
                    format!(
                        "student {student} is scheduled into section {key}, which was not read"
                    ),
                    "section not read",
                )
                .field("SECTION_KEY"),
            );
            continue;
        };
        if !students.contains(&student_key(student)) {
            problems.push(if read.contains(student) {
                problem(
                    format!("student {student} in section {key} was not read (see the student's problem)"),
                    "its student was not read",
                )
                .left_out()
            } else {
                problem(
                    format!("student {student} is scheduled into {key} but has no registration row"),
                    "student not found",
                )
                .field("STUDENT_ID")
            });
            continue;
        }
        let (begin, end) = match spans.get(&(student, key)) {
            Some((begin, end, open)) => (*begin, if *open { None } else { *end }),
            None => (None, None),
        };
        for section in targets {
            out.push(Enrollment {
                section: (*section).clone(),
                person: student_key(student),
                role: EnrollmentRole::Student,
                primary: false,
                begin,
                end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::grade_level;

    #[test]
    fn grade_codes_become_core_levels() {
        assert_eq!(grade_level("PK"), Some(-1));
        for kindergarten in ["KA", "KF", "KP"] {
            assert_eq!(grade_level(kindergarten), Some(0));
        }
        assert_eq!(grade_level("01"), Some(1));
        assert_eq!(grade_level("9"), Some(9));
        assert_eq!(grade_level("12"), Some(12));
        for unknown in ["SS", "EE", "GG", "00", "13", "-1", "", "1A", "012"] {
            assert_eq!(grade_level(unknown), None, "{unknown:?}");
        }
    }
}
