//! The download and upload definitions rostersync saves on the server: one
//! table each, with the columns the mapping reads and a filter that scopes
//! the read to the selected buildings and school year.

use serde_json::{Value, json};

use crate::assumptions::{academic, definitions, file, values};
use crate::parse::Layout;

/// One definition: an interface id, a table, columns and a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The five-character interface id.
    pub interface_id: String,
    /// `D` (download) or `U` (upload).
    pub direction: char,
    /// Shown in eSchoolPLUS.
    pub description: String,
    /// The table read or written.
    pub table: &'static str,
    /// The file the server writes (or reads).
    pub file_name: String,
    /// The columns, in file order.
    pub columns: &'static [&'static str],
    /// The one column that may contain the delimiter.
    pub free_text: Option<&'static str>,
    /// The SQL filter (`WHERE ...`), empty for none.
    pub filter: String,
}

impl Definition {
    /// A download definition of `table`.
    pub fn download(
        suffix: &str,
        table: &'static str,
        columns: &'static [&'static str],
        free_text: Option<&'static str>,
        filter: String,
    ) -> Self {
        // Interface ids are exactly five characters: short ones are padded with `_`.
        let interface_id = format!(
            "{:_<5}",
            format!("{}{suffix}", definitions::INTERFACE_PREFIX)
        );
        Definition {
            description: format!("rostersync {table}"),
            file_name: format!("{interface_id}_{}.txt", table.to_ascii_lowercase()),
            interface_id,
            direction: 'D',
            table,
            columns,
            free_text,
            filter,
        }
    }

    /// The layout its files are parsed with.
    pub fn layout(&self) -> Layout<'_> {
        Layout {
            columns: self.columns,
            free_text: self.free_text,
        }
    }

    /// The body of `SaveUploadDownload`.
    pub fn to_json(&self) -> Value {
        let mut details: Vec<Value> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                json!({
                    "InterfaceId": self.interface_id,
                    "HeaderId": "1",
                    "FieldId": (index + 1).to_string(),
                    "FieldOrder": index + 1,
                    "TableName": self.table.to_ascii_lowercase(),
                    "ColumnName": column,
                    "FieldLength": 255,
                    "Literal": Value::Null,
                })
            })
            .collect();
        if self.direction == 'D' {
            // The record terminator is a trailing literal column (assumption).
            let order = self.columns.len() + 1;
            details.push(json!({
                "InterfaceId": self.interface_id,
                "HeaderId": "1",
                "FieldId": order.to_string(),
                "FieldOrder": order,
                "TableName": Value::Null,
                "ColumnName": file::TERMINATOR,
                "FieldLength": file::TERMINATOR.len(),
                "Literal": file::TERMINATOR,
            }));
        }
        json!({
            "UploadDownloadDefinition": {
                "UploadDownload": self.direction.to_string(),
                "InterfaceId": self.interface_id,
                "Description": self.description,
                "InterfaceHeaders": [{
                    "InterfaceId": self.interface_id,
                    "HeaderId": "1",
                    "HeaderOrder": 1,
                    "Description": self.description,
                    "FileName": self.file_name,
                    "TableAffected": self.table.to_ascii_lowercase(),
                    "DelimitChar": file::DELIMITER.to_string(),
                    "ColumnHeaders": file::COLUMN_HEADERS,
                    "AdditionalSql": self.filter,
                    "InterfaceDetails": details,
                }],
            }
        })
    }
}

/// `IN (...)` of SQL integers.
fn in_list(buildings: &[i64]) -> String {
    let list: Vec<String> = buildings.iter().map(i64::to_string).collect();
    format!("IN ({})", list.join(","))
}

/// The scope of one roster read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Building numbers.
    pub buildings: Vec<i64>,
    /// School year (ending year).
    pub school_year: i32,
}

impl Scope {
    fn buildings(&self) -> String {
        in_list(&self.buildings)
    }

    /// The students of the read: those of the buildings, and those of other
    /// buildings scheduled into the buildings' sections (every enrollment
    /// read then names a student read).
    fn student_filter(&self) -> String {
        format!(
            "BUILDING {} OR STUDENT_ID IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE WHERE SECTION_KEY IN ({}))",
            self.buildings(),
            self.sections()
        )
    }

    fn students(&self) -> String {
        format!("SELECT STUDENT_ID FROM REG WHERE {}", self.student_filter())
    }

    fn sections(&self) -> String {
        format!(
            "SELECT SECTION_KEY FROM SCHD_MS WHERE BUILDING {} AND SCHOOL_YEAR = {} AND SUMMER_SCHOOL = '{}'",
            self.buildings(),
            self.school_year,
            values::NOT_SUMMER
        )
    }

    fn staff(&self) -> String {
        format!(
            "SELECT STAFF_ID FROM REG_STAFF_BLDGS WHERE BUILDING {}",
            self.buildings()
        )
    }
}

/// Column lists.
pub mod columns {
    /// `REG_BUILDING`.
    pub const BUILDINGS: &[&str] = &["BUILDING", "ABBREVIATION", "STATE_CODE_EQUIV", "NAME"];
    /// `REG_MP_WEEKS`.
    pub const MP_WEEKS: &[&str] = &[
        "BUILDING",
        "SCHOOL_YEAR",
        "MARKING_PERIOD",
        "MP_ORDER",
        "TERM",
        "RC_RUN",
        "DESCRIPTION",
    ];
    /// `REG_MP_DATES`.
    pub const MP_DATES: &[&str] = &[
        "BUILDING",
        "SCHOOL_YEAR",
        "TRACK",
        "MARKING_PERIOD",
        "START_DATE",
        "END_DATE",
    ];
    /// `REG`.
    pub const STUDENTS: &[&str] = &[
        "STUDENT_ID",
        "BUILDING",
        "GRADE",
        "CURRENT_STATUS",
        "FIRST_NAME",
        "MIDDLE_NAME",
        "LAST_NAME",
        "NICKNAME",
    ];
    /// `REG_ACADEMIC` (the year's column name is an assumption, see
    /// [`academic`](crate::assumptions::academic)).
    pub const ACADEMIC: &[&str] = &["STUDENT_ID", super::academic::GRADUATION_YEAR];
    /// `REG_STU_CONTACT`.
    pub const STUDENT_CONTACTS: &[&str] = &[
        "STUDENT_ID",
        "CONTACT_ID",
        "CONTACT_TYPE",
        "CONTACT_PRIORITY",
    ];
    /// `REG_CONTACT`.
    pub const CONTACTS: &[&str] = &[
        "CONTACT_ID",
        "FIRST_NAME",
        "MIDDLE_NAME",
        "LAST_NAME",
        "EMAIL",
        "LOGIN_ID",
    ];
    /// `REG_STAFF`.
    pub const STAFF: &[&str] = &[
        "STAFF_ID",
        "FIRST_NAME",
        "MIDDLE_NAME",
        "LAST_NAME",
        "EMAIL",
        "LOGIN_ID",
    ];
    /// `REG_STAFF_BLDGS`.
    pub const STAFF_BUILDINGS: &[&str] = &[
        "STAFF_ID",
        "BUILDING",
        "ACTIVE",
        "IS_TEACHER",
        "IS_PRIMARY_BLDG",
    ];
    /// `SCHD_COURSE`.
    pub const COURSES: &[&str] = &[
        "BUILDING",
        "COURSE",
        "DEPARTMENT",
        "MIN_GRADE",
        "MAX_GRADE",
        "ACTIVE_STATUS",
        "DESCRIPTION",
    ];
    /// `SCHD_MS`.
    pub const SECTIONS: &[&str] = &[
        "SECTION_KEY",
        "BUILDING",
        "COURSE",
        "COURSE_SECTION",
        "DESCRIPTION",
    ];
    /// `SCHD_MS_SESSION`.
    pub const SESSIONS: &[&str] = &[
        "SECTION_KEY",
        "COURSE_SESSION",
        "START_PERIOD",
        "END_PERIOD",
        "ROOM_ID",
        "PRIMARY_STAFF_ID",
        "DESCRIPTION",
    ];
    /// `SCHD_MS_STAFF`.
    pub const SECTION_STAFF: &[&str] = &["SECTION_KEY", "COURSE_SESSION", "STAFF_ID"];
    /// `SCHD_MS_MP`.
    pub const SECTION_MPS: &[&str] = &["SECTION_KEY", "COURSE_SESSION", "MARKING_PERIOD"];
    /// `SCHD_STU_COURSE`.
    pub const STUDENT_COURSES: &[&str] = &["STUDENT_ID", "SECTION_KEY", "MODELED", "COURSE_STATUS"];
    /// `SCHD_STU_CRS_DATES`.
    pub const STUDENT_COURSE_DATES: &[&str] = &[
        "STUDENT_ID",
        "SECTION_KEY",
        "MODELED",
        "DATE_RANGE_KEY",
        "DATE_ADDED",
        "DATE_DROPPED",
    ];
}

/// Every building (for mapping; small).
pub fn buildings() -> Definition {
    Definition::download(
        "BLD",
        "REG_BUILDING",
        columns::BUILDINGS,
        Some("NAME"),
        String::new(),
    )
}

/// The marking periods of a year, optionally of some buildings only.
pub fn marking_periods(school_year: i32, buildings: Option<&[i64]>) -> [Definition; 2] {
    let mut filter = format!("WHERE SCHOOL_YEAR = {school_year}");
    if let Some(buildings) = buildings {
        filter.push_str(&format!(" AND BUILDING {}", in_list(buildings)));
    }
    [
        Definition::download(
            "MPW",
            "REG_MP_WEEKS",
            columns::MP_WEEKS,
            Some("DESCRIPTION"),
            filter.clone(),
        ),
        Definition::download("MPD", "REG_MP_DATES", columns::MP_DATES, None, filter),
    ]
}

/// The graduation years of the students a roster read covers. Its column
/// name is an assumption, so it is read on its own after the roster: a
/// server that refuses it costs the years, not the read.
pub fn academic(scope: &Scope) -> Definition {
    Definition::download(
        "ACA",
        academic::TABLE,
        columns::ACADEMIC,
        None,
        format!("WHERE STUDENT_ID IN ({})", scope.students()),
    )
}

/// Everything a roster read needs besides buildings, marking periods and
/// graduation years, scoped by buildings and year so unselected schools are
/// never read in full.
pub fn roster(scope: &Scope) -> Vec<Definition> {
    let b = scope.buildings();
    let students = scope.students();
    let sections = scope.sections();
    let staff = scope.staff();
    vec![
        Definition::download(
            "STU",
            "REG",
            columns::STUDENTS,
            None,
            format!("WHERE {}", scope.student_filter()),
        ),
        Definition::download(
            "STC",
            "REG_STU_CONTACT",
            columns::STUDENT_CONTACTS,
            None,
            format!("WHERE STUDENT_ID IN ({students})"),
        ),
        Definition::download(
            "CON",
            "REG_CONTACT",
            columns::CONTACTS,
            None,
            format!(
                "WHERE CONTACT_ID IN (SELECT CONTACT_ID FROM REG_STU_CONTACT WHERE STUDENT_ID IN ({students}))"
            ),
        ),
        Definition::download(
            "STF",
            "REG_STAFF",
            columns::STAFF,
            None,
            format!("WHERE STAFF_ID IN ({staff})"),
        ),
        // Every building of the staff of the selected buildings.
        Definition::download(
            "STB",
            "REG_STAFF_BLDGS",
            columns::STAFF_BUILDINGS,
            None,
            format!("WHERE STAFF_ID IN ({staff})"),
        ),
        Definition::download(
            "CRS",
            "SCHD_COURSE",
            columns::COURSES,
            Some("DESCRIPTION"),
            format!("WHERE BUILDING {b}"),
        ),
        Definition::download(
            "MS",
            "SCHD_MS",
            columns::SECTIONS,
            Some("DESCRIPTION"),
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
        Definition::download(
            "MSS",
            "SCHD_MS_SESSION",
            columns::SESSIONS,
            Some("DESCRIPTION"),
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
        Definition::download(
            "MST",
            "SCHD_MS_STAFF",
            columns::SECTION_STAFF,
            None,
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
        Definition::download(
            "MSM",
            "SCHD_MS_MP",
            columns::SECTION_MPS,
            None,
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
        Definition::download(
            "SSC",
            "SCHD_STU_COURSE",
            columns::STUDENT_COURSES,
            None,
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
        Definition::download(
            "SCD",
            "SCHD_STU_CRS_DATES",
            columns::STUDENT_COURSE_DATES,
            None,
            format!("WHERE SECTION_KEY IN ({sections})"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_ids_have_five_characters_and_filters_scope_by_building() {
        let scope = Scope {
            buildings: vec![10, 20],
            school_year: 2026,
        };
        let mut all = roster(&scope);
        all.push(academic(&scope));
        all.push(buildings());
        all.extend(marking_periods(2026, Some(&[10])));
        for definition in &all {
            assert_eq!(definition.interface_id.len(), 5, "{definition:?}");
        }
        let ids: std::collections::BTreeSet<&str> =
            all.iter().map(|d| d.interface_id.as_str()).collect();
        assert_eq!(ids.len(), all.len());
        let students = &all[0];
        assert!(
            students.filter.starts_with(
                "WHERE BUILDING IN (10,20) OR STUDENT_ID IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE"
            ),
            "{}",
            students.filter
        );
        // REG_ACADEMIC is read for exactly the students REG is read for.
        let academic = all.iter().find(|d| d.table == "REG_ACADEMIC").unwrap();
        assert_eq!(
            academic.filter,
            format!(
                "WHERE STUDENT_ID IN (SELECT STUDENT_ID FROM REG {})",
                students.filter
            )
        );
        assert_eq!(academic.columns, ["STUDENT_ID", "GRADUATION_YEAR"]);
        let sections = all.iter().find(|d| d.table == "SCHD_MS").unwrap();
        assert!(sections.filter.contains("SCHOOL_YEAR = 2026"));
        let json = students.to_json();
        let details = &json["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"];
        assert_eq!(
            details.as_array().map(Vec::len),
            Some(columns::STUDENTS.len() + 1)
        );
    }
}
