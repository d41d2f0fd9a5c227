//! Students (REG, e-mail from their own contact record, graduation year
//! from REG_ACADEMIC), teachers
//! (REG_STAFF with every building of REG_STAFF_BLDGS) and guardians
//! (REG_CONTACT through REG_STU_CONTACT, with their students).

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::ids::{PersonKey, SchoolKey};
use rostersync_core::model::sis::{GuardianLink, Person, PersonName, PersonStatus, SisRole};
use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use super::{RosterFiles, contact_key, non_empty, school_key, staff_key, student_key};
use crate::assumptions::{academic, values};
use crate::parse::{Row, Table};

fn name(table: &Table, row: &Row, nickname: bool) -> PersonName {
    let first = table.get(row, "FIRST_NAME").to_owned();
    let preferred = if nickname {
        non_empty(table.get(row, "NICKNAME")).filter(|nick| *nick != first)
    } else {
        None
    };
    PersonName {
        middle: non_empty(table.get(row, "MIDDLE_NAME")).map(Into::into),
        last: table.get(row, "LAST_NAME").into(),
        preferred_first: preferred.map(Into::into),
        first: first.into(),
    }
}

/// Students of the selected buildings.
pub(super) fn students(files: &RosterFiles, problems: &mut Vec<SourceProblem>) -> Vec<Person> {
    let contacts = &files.contacts;
    let emails: BTreeMap<&str, &str> = contacts
        .rows
        .iter()
        .filter_map(|row| {
            contacts
                .opt(row, "EMAIL")
                .map(|email| (contacts.get(row, "CONTACT_ID"), email))
        })
        .collect();
    let links = &files.student_contacts;
    let mut own_email: BTreeMap<&str, &str> = BTreeMap::new();
    for row in &links.rows {
        if links.get(row, "CONTACT_TYPE") == values::CONTACT_SELF {
            if let Some(email) = emails.get(links.get(row, "CONTACT_ID")) {
                own_email
                    .entry(links.get(row, "STUDENT_ID"))
                    .or_insert(email);
            }
        }
    }
    let years = graduation_years(&files.academic, problems);
    let table = &files.students;
    let mut out = Vec::new();
    for row in super::unique_rows(
        table,
        "STUDENT_ID",
        RecordKind::Person,
        ProblemKind::Unreadable,
        problems,
    ) {
        let id = table.get(row, "STUDENT_ID");
        let building = table.get(row, "BUILDING");
        if id.is_empty() || building.is_empty() {
            problems.push(
                table
                    .record_problem(
                        row,
                        RecordKind::Person,
                        id,
                        "a student without an id or building; the row was not read",
                    )
                    .field(if id.is_empty() {
                        "STUDENT_ID"
                    } else {
                        "BUILDING"
                    })
                    .reason("student without an id or building"),
            );
            continue;
        }
        let status = match table.get(row, "CURRENT_STATUS") {
            values::STATUS_ACTIVE => PersonStatus::Active,
            values::STATUS_INACTIVE => PersonStatus::Inactive,
            values::STATUS_GRADUATED => PersonStatus::Withdrawn,
            other => {
                problems.push(
                    table
                        .record_problem(
                            row,
                            RecordKind::Person,
                            id,
                            format!(
                                "student {id} has the unknown status {other:?}; expected A, I or G"
                            ),
                        )
                        .field("CURRENT_STATUS")
                        .reason("unknown student status"),
                );
                continue;
            }
        };
        out.push(Person {
            key: student_key(id),
            role: SisRole::Student,
            name: name(table, row, true),
            email: own_email.get(id).map(|email| (*email).into()),
            username: None,
            grade: non_empty(table.get(row, "GRADE")).map(Into::into),
            graduation_year: years.get(id).copied(),
            primary_school: school_key(building),
            other_schools: Vec::new(),
            status,
        });
    }
    out
}

/// The graduation year of each student with a readable one in
/// `REG_ACADEMIC` (assumption 10); an unreadable year is a problem of its row.
fn graduation_years<'t>(
    table: &'t Table,
    problems: &mut Vec<SourceProblem>,
) -> BTreeMap<&'t str, i32> {
    let mut out = BTreeMap::new();
    for row in super::unique_rows(
        table,
        "STUDENT_ID",
        RecordKind::Person,
        ProblemKind::Warning,
        problems,
    ) {
        let id = table.get(row, "STUDENT_ID");
        let text = table.get(row, academic::GRADUATION_YEAR);
        if id.is_empty() || text.is_empty() {
            continue;
        }
        match year(text) {
            Some(year) => {
                out.insert(id, year);
            }
            None => problems.push(
                table
                    .record_problem(
                        row,
                        RecordKind::Person,
                        id,
                        format!(
                            "student {id} has the graduation year {text:?}, not a four-digit year; \
                             the student is read without one"
                        ),
                    )
                    .warning()
                    .field(academic::GRADUATION_YEAR)
                    .reason("graduation year not a four-digit year"),
            ),
        }
    }
    out
}

/// A four-digit year (`2029`), `None` for anything else.
fn year(text: &str) -> Option<i32> {
    let four_digits =
        text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    four_digits.then(|| text.parse().ok()).flatten()
}

/// Guardians (contact type `G`) of the students read, and their links.
pub(super) fn guardians(
    files: &RosterFiles,
    students: &[Person],
    problems: &mut Vec<SourceProblem>,
) -> Guardians {
    let by_id: BTreeMap<&str, &Person> = students.iter().map(|s| (s.key.as_str(), s)).collect();
    let links = &files.student_contacts;
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // The link rows of each contact, to account for them if it is not found.
    let mut link_rows: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    // Guardians none of whose students was read, with their first link row.
    let mut unread: BTreeMap<&str, &Row> = BTreeMap::new();
    // Each guardian's best (lowest) contact priority among the students read.
    let mut ranks: BTreeMap<&str, u32> = BTreeMap::new();
    for row in &links.rows {
        if links.get(row, "CONTACT_TYPE") != values::CONTACT_GUARDIAN {
            continue;
        }
        let student = links.get(row, "STUDENT_ID");
        let contact = links.get(row, "CONTACT_ID");
        let pair = format!("{}/{student}", contact_key(contact));
        if contact.is_empty() {
            problems.push(
                links
                    .record_problem(
                        row,
                        RecordKind::GuardianLink,
                        &pair,
                        "a guardian link without a contact id",
                    )
                    .field("CONTACT_ID")
                    .reason("guardian link without a contact id"),
            );
            continue;
        }
        if !by_id.contains_key(student) {
            if !children.contains_key(contact) {
                unread.entry(contact).or_insert(row);
            }
            problems.push(
                links
                    .record_problem(
                        row,
                        RecordKind::GuardianLink,
                        &pair,
                        format!("student {student} of guardian contact {contact} was not read (see the student's problem)"),
                    )
                    .left_out()
                    .reason("its student was not read"),
            );
            continue;
        }
        children.entry(contact).or_default().insert(student);
        link_rows.entry(contact).or_default().push(row);
        unread.remove(contact);
        if let Ok(rank) = links.get(row, "CONTACT_PRIORITY").parse::<u32>() {
            let best = ranks.entry(contact).or_insert(rank);
            *best = (*best).min(rank);
        }
    }
    for (contact, row) in unread {
        problems.push(
            links
                .record_problem(
                    row,
                    RecordKind::Person,
                    contact_key(contact).as_str(),
                    format!("guardian contact {contact}: none of their students was read"),
                )
                .left_out()
                .reason("no student of the guardian was read"),
        );
    }
    let contacts = &files.contacts;
    let rows: BTreeMap<&str, &Row> = contacts
        .rows
        .iter()
        .map(|row| (contacts.get(row, "CONTACT_ID"), row))
        .collect();
    let mut people = Vec::new();
    let mut out_links = Vec::new();
    let mut priorities = BTreeMap::new();
    for (contact, kids) in children {
        let Some(row) = rows.get(contact) else {
            let key = contact_key(contact);
            problems.push(
                SourceProblem::new(
                    format!("{} contact {contact}", contacts.file),
                    format!("guardian contact {contact} is linked to students but is not in the contacts (REG_CONTACT)"),
                )
                .record(RecordKind::Person)
                .key(key.as_str())
                .reason("guardian contact not found"),
            );
            for link in link_rows.get(contact).into_iter().flatten() {
                let student = links.get(link, "STUDENT_ID");
                problems.push(
                    links
                        .record_problem(
                            link,
                            RecordKind::GuardianLink,
                            &format!("{key}/{student}"),
                            format!(
                                "guardian contact {contact} of student {student} was not found"
                            ),
                        )
                        .left_out()
                        .reason("its guardian was not read"),
                );
            }
            continue;
        };
        let key = contact_key(contact);
        if let Some(rank) = ranks.get(contact) {
            priorities.insert(key.clone(), *rank);
        }
        let kids: Vec<&Person> = kids
            .iter()
            .filter_map(|id| by_id.get(id).copied())
            .collect();
        let mut schools: Vec<SchoolKey> = Vec::new();
        for kid in &kids {
            if !schools.contains(&kid.primary_school) {
                schools.push(kid.primary_school.clone());
            }
        }
        let Some(primary) = schools.first().cloned() else {
            continue;
        };
        let active = kids.iter().any(|kid| kid.is_active());
        for kid in &kids {
            out_links.push(GuardianLink {
                guardian: key.clone(),
                student: kid.key.clone(),
            });
        }
        people.push(Person {
            key,
            role: SisRole::Guardian,
            name: name(contacts, row, false),
            email: contacts.opt(row, "EMAIL").map(Into::into),
            username: contacts.opt(row, "LOGIN_ID").map(Into::into),
            grade: None,
            graduation_year: None,
            primary_school: primary,
            other_schools: schools.into_iter().skip(1).collect(),
            status: if active {
                PersonStatus::Active
            } else {
                PersonStatus::Inactive
            },
        });
    }
    Guardians {
        people,
        links: out_links,
        priorities,
    }
}

/// The guardians of a roster read.
pub(super) struct Guardians {
    /// The guardians (contacts of type G of the students read).
    pub(super) people: Vec<Person>,
    /// Their links to the students.
    pub(super) links: Vec<GuardianLink>,
    /// Each guardian's best `CONTACT_PRIORITY` (lowest number first).
    pub(super) priorities: BTreeMap<PersonKey, u32>,
}

/// Teachers of the selected buildings, with every building they teach in.
pub(super) fn staff(
    files: &RosterFiles,
    selected: &BTreeSet<SchoolKey>,
    problems: &mut Vec<SourceProblem>,
) -> Vec<Person> {
    let buildings = &files.staff_buildings;
    // staff id → (building, active, primary) of teacher rows.
    let mut teaching: BTreeMap<&str, Vec<(&str, bool, bool)>> = BTreeMap::new();
    for row in &buildings.rows {
        if buildings.get(row, "IS_TEACHER") != values::YES {
            continue;
        }
        teaching
            .entry(buildings.get(row, "STAFF_ID"))
            .or_default()
            .push((
                buildings.get(row, "BUILDING"),
                buildings.get(row, "ACTIVE") == values::YES,
                buildings.get(row, "IS_PRIMARY_BLDG") == values::YES,
            ));
    }
    let table = &files.staff;
    let mut out = Vec::new();
    for row in super::unique_rows(
        table,
        "STAFF_ID",
        RecordKind::Person,
        ProblemKind::Unreadable,
        problems,
    ) {
        let id = table.get(row, "STAFF_ID");
        if id.is_empty() {
            problems.push(
                table
                    .record_problem(row, RecordKind::Person, id, "a staff member without an id")
                    .field("STAFF_ID")
                    .reason("staff member without an id"),
            );
            continue;
        }
        let Some(rows) = teaching.get(id) else {
            problems.push(
                table
                    .record_problem(
                        row,
                        RecordKind::Person,
                        staff_key(id).as_str(),
                        format!(
                            "staff member {id} is not a teacher (IS_TEACHER) in any building; \
                             only teachers are synced"
                        ),
                    )
                    .left_out()
                    .field("IS_TEACHER")
                    .reason("not a teacher"),
            );
            continue;
        };
        let active = rows.iter().any(|(_, active, _)| *active);
        let mut chosen: Vec<&(&str, bool, bool)> =
            rows.iter().filter(|(_, a, _)| *a == active).collect();
        // The primary building first, then selected buildings, then by number.
        chosen.sort_by_key(|(building, _, primary)| {
            (
                !*primary,
                !selected.contains(*building),
                building.parse::<i64>().unwrap_or(i64::MAX),
                building.to_string(),
            )
        });
        let mut schools: Vec<SchoolKey> = Vec::new();
        for (building, _, _) in chosen {
            let key = school_key(building);
            if !schools.contains(&key) {
                schools.push(key);
            }
        }
        let Some(primary) = schools.first().cloned() else {
            continue;
        };
        out.push(Person {
            key: staff_key(id),
            role: SisRole::Teacher,
            name: name(table, row, false),
            email: table.opt(row, "EMAIL").map(Into::into),
            username: table.opt(row, "LOGIN_ID").map(Into::into),
            grade: None,
            graduation_year: None,
            primary_school: primary,
            other_schools: schools.into_iter().skip(1).collect(),
            status: if active {
                PersonStatus::Active
            } else {
                PersonStatus::Inactive
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::year;

    #[test]
    fn only_four_digit_years_are_read() {
        assert_eq!(year("2029"), Some(2029));
        for bad in ["29", "20290", "20X9", "0000", "-202", "2029.0", " 2029"] {
            assert_eq!(year(bad), None, "{bad:?}");
        }
    }
}
