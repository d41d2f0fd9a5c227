//! Every definition rostersync sends: buildings, terms, the roster, the
//! catalogue of what the server holds, the gradebook read and the two
//! gradebook uploads. Filters scope each read to the selected buildings and
//! school year, so unselected schools are never read in full.

use super::{Definition, Direction, Header, columns as c};
use crate::assumptions::{definitions as ids, values};
use crate::sql::{self, column, in_list, literal};

/// The scope of one roster read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Building numbers, as the SIS writes them.
    pub buildings: Vec<String>,
    /// School year (ending year).
    pub school_year: i32,
}

impl Scope {
    fn buildings(&self) -> String {
        in_list(&self.buildings)
    }

    fn year(&self) -> String {
        literal(&self.school_year.to_string())
    }

    /// The sections of the read: regular-year sections of the buildings.
    fn sections(&self) -> String {
        format!(
            "SELECT SECTION_KEY FROM SCHD_MS WHERE BUILDING {} AND SCHOOL_YEAR = {} AND SUMMER_SCHOOL = {}",
            self.buildings(),
            self.year(),
            literal(values::NOT_SUMMER)
        )
    }

    /// The students of the read: those of the buildings, and those of other
    /// buildings scheduled into the buildings' sections (every enrollment
    /// read then names a student read).
    fn student_condition(&self, table: &str) -> String {
        format!(
            "{} {} OR {} IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE WHERE SECTION_KEY IN ({}))",
            column(table, "BUILDING"),
            self.buildings(),
            column(table, "STUDENT_ID"),
            self.sections()
        )
    }

    fn students(&self) -> String {
        format!(
            "SELECT STUDENT_ID FROM REG WHERE {}",
            self.student_condition("REG")
        )
    }

    fn staff(&self) -> String {
        format!(
            "SELECT STAFF_ID FROM REG_STAFF_BLDGS WHERE BUILDING {}",
            self.buildings()
        )
    }

    fn in_sections(&self, table: &str) -> String {
        format!("{} IN ({})", column(table, "SECTION_KEY"), self.sections())
    }

    fn in_students(&self, table: &str) -> String {
        format!("{} IN ({})", column(table, "STUDENT_ID"), self.students())
    }

    fn in_staff(&self, table: &str) -> String {
        format!("{} IN ({})", column(table, "STAFF_ID"), self.staff())
    }
}

/// The marking periods of a year, of some buildings or of all.
fn marking_period_headers(school_year: i32, buildings: Option<&[String]>) -> [Header; 2] {
    let condition = |table: &str| {
        let year = format!(
            "{} = {}",
            column(table, "SCHOOL_YEAR"),
            literal(&school_year.to_string())
        );
        match buildings {
            Some(buildings) => sql::all(&[
                year,
                format!("{} {}", column(table, "BUILDING"), in_list(buildings)),
            ]),
            None => year,
        }
    };
    [
        Header::new(
            "MPW",
            "REG_MP_WEEKS",
            c::MP_WEEKS,
            Some("DESCRIPTION"),
            condition("REG_MP_WEEKS"),
        ),
        Header::new(
            "MPD",
            "REG_MP_DATES",
            c::MP_DATES,
            None,
            condition("REG_MP_DATES"),
        ),
    ]
}

fn buildings_header() -> Header {
    Header::new(
        "BLD",
        "REG_BUILDING",
        c::BUILDINGS,
        Some("NAME"),
        String::new(),
    )
}

/// Every building (for mapping; small).
pub fn buildings() -> Definition {
    Definition::new(
        ids::BUILDINGS,
        Direction::Download,
        "buildings",
        vec![buildings_header()],
    )
}

/// The marking periods of every building in a school year.
pub fn terms(school_year: i32) -> Definition {
    Definition::new(
        ids::TERMS,
        Direction::Download,
        "terms",
        marking_period_headers(school_year, None).into(),
    )
}

/// Everything a roster read needs, in one definition: buildings, the
/// buildings' marking periods, students and their graduation years,
/// contacts, staff, courses, sections and schedules. Header order is the
/// order of [`ROSTER_HEADERS`](super::ROSTER_HEADERS).
pub fn roster(scope: &Scope) -> Definition {
    let [weeks, dates] = marking_period_headers(scope.school_year, Some(&scope.buildings));
    let headers = vec![
        buildings_header(),
        weeks,
        dates,
        Header::new(
            "STU",
            "REG",
            c::STUDENTS,
            None,
            scope.student_condition("REG"),
        ),
        Header::new(
            "ACA",
            "REG_ACADEMIC",
            c::ACADEMIC,
            None,
            scope.in_students("REG_ACADEMIC"),
        ),
        Header::new(
            "STC",
            "REG_STU_CONTACT",
            c::STUDENT_CONTACTS,
            None,
            scope.in_students("REG_STU_CONTACT"),
        ),
        Header::new(
            "CON",
            "REG_CONTACT",
            c::CONTACTS,
            None,
            format!(
                "{} IN (SELECT CONTACT_ID FROM REG_STU_CONTACT WHERE STUDENT_ID IN ({}))",
                column("REG_CONTACT", "CONTACT_ID"),
                scope.students()
            ),
        ),
        Header::new(
            "STF",
            "REG_STAFF",
            c::STAFF,
            None,
            scope.in_staff("REG_STAFF"),
        ),
        // Every building of the staff of the selected buildings.
        Header::new(
            "STB",
            "REG_STAFF_BLDGS",
            c::STAFF_BUILDINGS,
            None,
            scope.in_staff("REG_STAFF_BLDGS"),
        ),
        Header::new(
            "CRS",
            "SCHD_COURSE",
            c::COURSES,
            Some("DESCRIPTION"),
            format!(
                "{} {}",
                column("SCHD_COURSE", "BUILDING"),
                scope.buildings()
            ),
        ),
        Header::new(
            "MS",
            "SCHD_MS",
            c::SECTIONS,
            Some("DESCRIPTION"),
            scope.in_sections("SCHD_MS"),
        ),
        Header::new(
            "MSS",
            "SCHD_MS_SESSION",
            c::SESSIONS,
            Some("DESCRIPTION"),
            scope.in_sections("SCHD_MS_SESSION"),
        ),
        Header::new(
            "MST",
            "SCHD_MS_STAFF",
            c::SECTION_STAFF,
            None,
            scope.in_sections("SCHD_MS_STAFF"),
        ),
        Header::new(
            "MSM",
            "SCHD_MS_MP",
            c::SECTION_MPS,
            None,
            scope.in_sections("SCHD_MS_MP"),
        ),
        Header::new(
            "SSC",
            "SCHD_STU_COURSE",
            c::STUDENT_COURSES,
            None,
            scope.in_sections("SCHD_STU_COURSE"),
        ),
        Header::new(
            "SCD",
            "SCHD_STU_CRS_DATES",
            c::STUDENT_COURSE_DATES,
            None,
            scope.in_sections("SCHD_STU_CRS_DATES"),
        ),
    ];
    Definition::new(ids::ROSTER, Direction::Download, "roster", headers)
}

/// The header ids of [`roster`], in order.
pub const ROSTER_HEADERS: [&str; 16] = [
    "BLD", "MPW", "MPD", "STU", "ACA", "STC", "CON", "STF", "STB", "CRS", "MS", "MSS", "MST",
    "MSM", "SSC", "SCD",
];

/// The definitions the server holds under rostersync's prefix, with their
/// descriptions (which carry their content hashes).
pub fn catalogue() -> Definition {
    let condition = format!(
        "{} LIKE {}",
        column("LTDB_INTERFACE_DEF", "INTERFACE_ID"),
        literal(&format!("{}%", ids::INTERFACE_PREFIX))
    );
    Definition::new(
        ids::CATALOGUE,
        Direction::Download,
        "definitions",
        vec![Header::new(
            "DEF",
            "LTDB_INTERFACE_DEF",
            c::INTERFACES,
            Some("DESCRIPTION"),
            condition,
        )],
    )
}

/// The gradebooks (assignments, scores, categories) of the sections whose
/// eSchoolPLUS `SECTION_KEY` is in `section_keys`, with each section's
/// building and year. One read serves every section of a passback.
pub fn gradebook(section_keys: &[String]) -> Definition {
    let condition =
        |table: &str| format!("{} {}", column(table, "SECTION_KEY"), in_list(section_keys));
    Definition::new(
        ids::GRADEBOOK,
        Direction::Download,
        "gradebook",
        vec![
            Header::new(
                "SEC",
                "SCHD_MS",
                c::SECTION_SCHOOLS,
                None,
                condition("SCHD_MS"),
            ),
            Header::new(
                "GBA",
                "MR_GB_ASMT",
                c::ASSIGNMENTS,
                Some("DESC_DETAIL"),
                condition("MR_GB_ASMT"),
            ),
            Header::new(
                "GBS",
                "MR_GB_STU_SCORE",
                c::SCORES,
                None,
                condition("MR_GB_STU_SCORE"),
            ),
            Header::new(
                "GBC",
                "MR_GB_CAT_SESSION",
                c::CATEGORIES,
                None,
                condition("MR_GB_CAT_SESSION"),
            ),
        ],
    )
}

fn upload(
    interface_id: &str,
    purpose: &str,
    id: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
) -> Definition {
    Definition::new(
        interface_id,
        Direction::Upload,
        purpose,
        vec![Header::new(id, table, columns, None, String::new())],
    )
}

/// The upload of gradebook assignments.
pub fn assignment_upload() -> Definition {
    upload(
        ids::ASSIGNMENT_UPLOAD,
        "assignments upload",
        "GBA",
        "MR_GB_ASMT",
        c::ASSIGNMENTS,
    )
}

/// The upload of gradebook scores.
pub fn score_upload() -> Definition {
    upload(
        ids::SCORE_UPLOAD,
        "scores upload",
        "GBS",
        "MR_GB_STU_SCORE",
        c::SCORES,
    )
}

/// Every definition rostersync can send for a scope and a set of gradebook
/// sections, with the check probes of the roster and the gradebook.
pub fn every(scope: &Scope, section_keys: &[String]) -> Vec<Definition> {
    let roster = roster(scope);
    let gradebook = gradebook(section_keys);
    vec![
        catalogue(),
        buildings(),
        terms(scope.school_year),
        roster.probe(),
        roster,
        gradebook.probe(),
        gradebook,
        assignment_upload(),
        score_upload(),
    ]
}
