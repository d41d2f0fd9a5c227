//! The tables and columns of the real eSchoolPLUS database, for checking
//! what a definition names.
//!
//! The list is `crates/sim/data/eschoolplus-columns.csv` (every `TABLE,COLUMN`
//! pair of the eSP database; its source is in `crates/sim/data/SOURCE.md`),
//! embedded in the binary and parsed once. The simulator refuses a
//! definition that names a table or column outside it, as a real server
//! does, and its SQL database holds exactly these tables and columns.
//!
//! ```
//! use rostersync_sim::eschoolplus::schema::EspSchema;
//!
//! let schema = EspSchema::real();
//! assert!(schema.has_column("reg", "student_id"));
//! assert!(schema.has_column("SPI_CHECKLIST_SETUP_HDR", "RC_RUN"));
//! assert!(!schema.has_column("REG_CONTACT", "SCHOOL_YEAR"));
//! assert!(!schema.has_table("NO_SUCH_TABLE"));
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The embedded list, `TABLE,COLUMN` a line.
const COLUMNS_CSV: &str = include_str!("../../data/eschoolplus-columns.csv");

/// A set of tables, each with its columns; names are compared without
/// regard to case (SQL Server's default collation ignores it) and kept
/// upper case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EspSchema {
    /// Upper-case table name → upper-case column names in the list's order.
    tables: BTreeMap<String, Vec<String>>,
}

impl EspSchema {
    /// The real eSchoolPLUS database (1,403 tables), parsed on the first
    /// call and shared after that.
    pub fn real() -> &'static EspSchema {
        static REAL: OnceLock<EspSchema> = OnceLock::new();
        REAL.get_or_init(|| EspSchema::from_csv(COLUMNS_CSV))
    }

    /// Reads `TABLE,COLUMN` lines; blank lines and lines without a comma are
    /// skipped, and a column listed twice is kept once.
    pub fn from_csv(text: &str) -> EspSchema {
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in text.lines() {
            let Some((table, column)) = line.split_once(',') else {
                continue;
            };
            let (table, column) = (table.trim(), column.trim());
            if table.is_empty() || column.is_empty() {
                continue;
            }
            let columns = tables.entry(table.to_ascii_uppercase()).or_default();
            let column = column.to_ascii_uppercase();
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
        EspSchema { tables }
    }

    /// Whether table `name` exists (case-insensitive).
    pub fn has_table(&self, name: &str) -> bool {
        self.tables.contains_key(&name.trim().to_ascii_uppercase())
    }

    /// Whether table `table` has column `column` (case-insensitive).
    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.columns(table).is_some_and(|columns| {
            columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(column.trim()))
        })
    }

    /// The columns of table `name`, upper case in the database's order;
    /// `None` when there is no such table.
    pub fn columns(&self, name: &str) -> Option<&[String]> {
        self.tables
            .get(&name.trim().to_ascii_uppercase())
            .map(Vec::as_slice)
    }

    /// Every table with its columns, by upper-case name.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.tables
            .iter()
            .map(|(name, columns)| (name.as_str(), columns.as_slice()))
    }

    /// How many tables there are.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether there are no tables.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_list_holds_every_table_and_the_facts_of_the_reference() {
        let schema = EspSchema::real();
        assert_eq!(schema.len(), 1_403);
        let columns: usize = schema.tables().map(|(_, c)| c.len()).sum();
        assert_eq!(columns, COLUMNS_CSV.lines().count());
        assert!(std::ptr::eq(schema, EspSchema::real()), "parsed once");
        assert!(schema.has_column("Reg_Academic", " graduation_year"));
        assert!(!schema.has_column("REG_CONTACT", "SCHOOL_YEAR"));
        assert!(!schema.has_column("REG_BUILDING", "#!#"));
        assert!(!schema.has_column("NO_SUCH_TABLE", "DISTRICT"));
        assert_eq!(
            schema.columns("ltdb_interface_def").map(<[String]>::to_vec),
            Some(
                [
                    "DISTRICT",
                    "INTERFACE_ID",
                    "DESCRIPTION",
                    "UPLOAD_DOWNLOAD",
                    "CHANGE_DATE_TIME",
                    "CHANGE_UID"
                ]
                .map(str::to_owned)
                .to_vec()
            )
        );
    }

    #[test]
    fn odd_lines_are_skipped_and_repeats_kept_once() {
        let schema = EspSchema::from_csv("A,X\n\nno comma\nA,x\n,Y\nb,Z\n");
        assert_eq!(schema.columns("a"), Some(&["X".to_owned()][..]));
        assert!(schema.has_column("B", "z"));
        assert_eq!(schema.len(), 2);
        assert!(!schema.is_empty());
    }
}
