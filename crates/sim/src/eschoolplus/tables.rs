//! The tables an eSchoolPLUS environment holds: named tables of text columns,
//! loadable from JSON (see [`EspTables::from_json`]) or converted from a
//! generated district (see `from_district`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EspSimError;

/// One table: column names and rows of text values in column order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EspTable {
    /// Column names, upper case (`STUDENT_ID`).
    pub columns: Vec<String>,
    /// Rows, one value per column (missing trailing values read as empty).
    pub rows: Vec<Vec<String>>,
}

impl EspTable {
    /// An empty table with these columns.
    pub fn new(columns: &[&str]) -> Self {
        EspTable {
            columns: columns.iter().map(|c| c.to_ascii_uppercase()).collect(),
            rows: Vec::new(),
        }
    }

    /// The position of `column` (case-insensitive; a `TABLE.` prefix is ignored).
    pub fn index(&self, column: &str) -> Option<usize> {
        let column = column.rsplit('.').next().unwrap_or(column).trim();
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column))
    }

    /// The value of `column` in row `row` (empty when the row is short).
    pub fn value<'a>(&'a self, row: &'a [String], column: &str) -> Option<&'a str> {
        self.index(column)
            .map(|index| row.get(index).map_or("", String::as_str))
    }

    /// Rows as maps from column name to value, for assertions.
    pub fn records(&self) -> Vec<BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.clone(), row.get(i).cloned().unwrap_or_default()))
                    .collect()
            })
            .collect()
    }

    /// Appends a row given as `(column, value)` pairs; other columns stay empty
    /// and unknown columns are ignored.
    pub fn push(&mut self, values: &[(&str, String)]) {
        let mut row = vec![String::new(); self.columns.len()];
        for (column, value) in values {
            if let Some(index) = self.index(column) {
                row[index] = value.clone();
            }
        }
        self.rows.push(row);
    }
}

/// Every table of one environment, by upper-case table name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EspTables {
    /// The tables.
    pub tables: BTreeMap<String, EspTable>,
}

/// The gradebook tables uploads write, with their key columns.
pub(crate) const UPLOADABLE: &[(&str, &[&str])] = &[
    (
        "MR_GB_ASMT",
        &["SECTION_KEY", "COURSE_SESSION", "ASMT_NUMBER"],
    ),
    (
        "MR_GB_STU_SCORE",
        &["SECTION_KEY", "COURSE_SESSION", "ASMT_NUMBER", "STUDENT_ID"],
    ),
    (
        "MR_GB_CAT_SESSION",
        &[
            "SECTION_KEY",
            "COURSE_SESSION",
            "CATEGORY",
            "MARKING_PERIOD",
        ],
    ),
];

/// The columns of every table the simulator creates.
pub(crate) const SCHEMA: &[(&str, &[&str])] = &[
    (
        "REG_BUILDING",
        &["BUILDING", "ABBREVIATION", "STATE_CODE_EQUIV", "NAME"],
    ),
    (
        "REG_MP_WEEKS",
        &[
            "BUILDING",
            "SCHOOL_YEAR",
            "MARKING_PERIOD",
            "MP_ORDER",
            "TERM",
            "RC_RUN",
            "DESCRIPTION",
        ],
    ),
    (
        "REG_MP_DATES",
        &[
            "BUILDING",
            "SCHOOL_YEAR",
            "TRACK",
            "MARKING_PERIOD",
            "START_DATE",
            "END_DATE",
        ],
    ),
    (
        "REG",
        &[
            "STUDENT_ID",
            "BUILDING",
            "GRADE",
            "CURRENT_STATUS",
            "FIRST_NAME",
            "MIDDLE_NAME",
            "LAST_NAME",
            "NICKNAME",
        ],
    ),
    ("REG_ACADEMIC", &["STUDENT_ID", "GRADUATION_YEAR"]),
    (
        "REG_STU_CONTACT",
        &[
            "STUDENT_ID",
            "CONTACT_ID",
            "CONTACT_TYPE",
            "CONTACT_PRIORITY",
        ],
    ),
    (
        "REG_CONTACT",
        &[
            "CONTACT_ID",
            "FIRST_NAME",
            "MIDDLE_NAME",
            "LAST_NAME",
            "EMAIL",
            "LOGIN_ID",
        ],
    ),
    (
        "REG_STAFF",
        &[
            "STAFF_ID",
            "FIRST_NAME",
            "MIDDLE_NAME",
            "LAST_NAME",
            "EMAIL",
            "LOGIN_ID",
        ],
    ),
    (
        "REG_STAFF_BLDGS",
        &[
            "STAFF_ID",
            "BUILDING",
            "ACTIVE",
            "IS_TEACHER",
            "IS_PRIMARY_BLDG",
        ],
    ),
    (
        "SCHD_COURSE",
        &[
            "BUILDING",
            "COURSE",
            "DEPARTMENT",
            "MIN_GRADE",
            "MAX_GRADE",
            "ACTIVE_STATUS",
            "DESCRIPTION",
        ],
    ),
    (
        "SCHD_MS",
        &[
            "SECTION_KEY",
            "SCHOOL_YEAR",
            "SUMMER_SCHOOL",
            "BUILDING",
            "COURSE",
            "COURSE_SECTION",
            "DESCRIPTION",
        ],
    ),
    (
        "SCHD_MS_SESSION",
        &[
            "SECTION_KEY",
            "COURSE_SESSION",
            "START_PERIOD",
            "END_PERIOD",
            "ROOM_ID",
            "PRIMARY_STAFF_ID",
            "DESCRIPTION",
        ],
    ),
    (
        "SCHD_MS_STAFF",
        &["SECTION_KEY", "COURSE_SESSION", "STAFF_ID"],
    ),
    (
        "SCHD_MS_MP",
        &["SECTION_KEY", "COURSE_SESSION", "MARKING_PERIOD"],
    ),
    (
        "SCHD_STU_COURSE",
        &["STUDENT_ID", "SECTION_KEY", "MODELED", "COURSE_STATUS"],
    ),
    (
        "SCHD_STU_CRS_DATES",
        &[
            "STUDENT_ID",
            "SECTION_KEY",
            "MODELED",
            "DATE_RANGE_KEY",
            "DATE_ADDED",
            "DATE_DROPPED",
        ],
    ),
    (
        "MR_GB_ASMT",
        &[
            "SECTION_KEY",
            "COURSE_SESSION",
            "ASMT_NUMBER",
            "CATEGORY",
            "ASSIGN_DATE",
            "DUE_DATE",
            "POINTS",
            "WEIGHT",
            "DESCRIPTION",
            "DESC_DETAIL",
        ],
    ),
    (
        "MR_GB_STU_SCORE",
        &[
            "SECTION_KEY",
            "COURSE_SESSION",
            "ASMT_NUMBER",
            "STUDENT_ID",
            "ASMT_SCORE",
            "ASMT_ALPHA_MARK",
            "ASMT_EXCEPTION",
        ],
    ),
    (
        "MR_GB_CAT_SESSION",
        &[
            "SECTION_KEY",
            "COURSE_SESSION",
            "CATEGORY",
            "MARKING_PERIOD",
            "CATEGORY_WEIGHT",
            "DROP_LOWEST",
        ],
    ),
];

impl EspTables {
    /// Every table of the simulator's schema, empty.
    pub fn empty() -> Self {
        let mut tables = EspTables::default();
        tables.ensure_schema();
        tables
    }

    /// Adds the tables of the schema that are missing (empty), so that every
    /// download definition the client saves finds its table.
    pub fn ensure_schema(&mut self) {
        for (name, columns) in SCHEMA {
            self.tables
                .entry((*name).to_owned())
                .or_insert_with(|| EspTable::new(columns));
        }
    }

    /// Parses tables from JSON: `{"REG": {"columns": [...], "rows": [[...]]}, ...}`.
    ///
    /// # Errors
    ///
    /// When the JSON does not have that shape.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EspSimError> {
        let mut tables: EspTables = serde_json::from_slice(bytes)
            .map_err(|error| EspSimError::Tables(error.to_string()))?;
        tables.tables = std::mem::take(&mut tables.tables)
            .into_iter()
            .map(|(name, table)| (name.to_ascii_uppercase(), table))
            .collect();
        Ok(tables)
    }

    /// Reads tables from a JSON file (see [`EspTables::from_json`]).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or parsed.
    pub fn load(path: &Path) -> Result<Self, EspSimError> {
        let bytes = std::fs::read(path)
            .map_err(|error| EspSimError::Tables(format!("{}: {error}", path.display())))?;
        EspTables::from_json(&bytes)
    }

    /// The table called `name` (case-insensitive).
    pub fn table(&self, name: &str) -> Option<&EspTable> {
        self.tables.get(&name.to_ascii_uppercase())
    }

    /// The table called `name`, created with the schema's columns if missing.
    pub(crate) fn table_mut(&mut self, name: &str) -> Option<&mut EspTable> {
        let name = name.to_ascii_uppercase();
        if !self.tables.contains_key(&name) {
            let columns = SCHEMA.iter().find(|(n, _)| *n == name)?.1;
            self.tables.insert(name.clone(), EspTable::new(columns));
        }
        self.tables.get_mut(&name)
    }
}
