//! The tables an eSchoolPLUS environment holds: named tables of text columns,
//! loadable from JSON (see [`EspTables::from_json`]) or converted from a
//! generated district (see `from_district`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EspSimError;
use super::schema::EspSchema;

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

/// The columns of every table the simulator creates and fills; a subset of
/// the real schema ([`EspSchema::real`]).
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
    (
        "LTDB_INTERFACE_DEF",
        &["DISTRICT", "INTERFACE_ID", "DESCRIPTION", "UPLOAD_DOWNLOAD"],
    ),
    (
        "LTDB_INTERFACE_HDR",
        &[
            "DISTRICT",
            "INTERFACE_ID",
            "HEADER_ID",
            "HEADER_ORDER",
            "DESCRIPTION",
            "FILENAME",
            "DELIMIT_CHAR",
            "USE_CHANGE_FLAG",
            "TABLE_AFFECTED",
            "ADDITIONAL_SQL",
            "COLUMN_HEADERS",
        ],
    ),
    (
        "LTDB_INTERFACE_DET",
        &[
            "DISTRICT",
            "INTERFACE_ID",
            "HEADER_ID",
            "FIELD_ID",
            "FIELD_ORDER",
            "TABLE_NAME",
            "COLUMN_NAME",
            "FIELD_LENGTH",
            "COLUMN_OVERRIDE",
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
    /// When the JSON does not have that shape, or names a table or column
    /// outside the real schema ([`EspTables::check_schema`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, EspSimError> {
        let mut tables: EspTables = serde_json::from_slice(bytes)
            .map_err(|error| EspSimError::Tables(error.to_string()))?;
        tables.tables = std::mem::take(&mut tables.tables)
            .into_iter()
            .map(|(name, mut table)| {
                for column in &mut table.columns {
                    *column = column.trim().to_ascii_uppercase();
                }
                (name.trim().to_ascii_uppercase(), table)
            })
            .collect();
        tables.check_schema()?;
        Ok(tables)
    }

    /// The tables (`NAME`) and columns (`TABLE.COLUMN`) held that the real
    /// eSchoolPLUS database ([`EspSchema::real`]) does not have.
    pub fn outside_schema(&self) -> Vec<String> {
        let schema = EspSchema::real();
        let mut out = Vec::new();
        for (name, table) in &self.tables {
            if !schema.has_table(name) {
                out.push(name.clone());
                continue;
            }
            out.extend(
                table
                    .columns
                    .iter()
                    .filter(|column| !schema.has_column(name, column))
                    .map(|column| format!("{name}.{column}")),
            );
        }
        out
    }

    /// Checks that every table and column is one of the real schema.
    ///
    /// # Errors
    ///
    /// [`EspSimError::NotInSchema`] naming those that are not.
    pub fn check_schema(&self) -> Result<(), EspSimError> {
        let outside = self.outside_schema();
        if outside.is_empty() {
            Ok(())
        } else {
            Err(EspSimError::NotInSchema(outside.join(", ")))
        }
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

    /// The table called `name`, created empty if missing: with the columns
    /// the simulator fills ([`SCHEMA`]), else with every column of the real
    /// schema; `None` for a table the real database does not have.
    pub(crate) fn table_mut(&mut self, name: &str) -> Option<&mut EspTable> {
        let name = name.trim().to_ascii_uppercase();
        if !self.tables.contains_key(&name) {
            let table = match SCHEMA.iter().find(|(n, _)| *n == name) {
                Some((_, columns)) => EspTable::new(columns),
                None => EspTable {
                    columns: EspSchema::real().columns(&name)?.to_vec(),
                    rows: Vec::new(),
                },
            };
            self.tables.insert(name.clone(), table);
        }
        self.tables.get_mut(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulators_tables_are_real_tables_with_real_columns() {
        let schema = EspSchema::real();
        for (table, columns) in SCHEMA {
            for column in *columns {
                assert!(schema.has_column(table, column), "{table}.{column}");
            }
        }
        for (table, keys) in UPLOADABLE {
            assert!(keys.iter().all(|k| schema.has_column(table, k)), "{table}");
        }
        assert_eq!(EspTables::empty().outside_schema(), Vec::<String>::new());
    }
}
