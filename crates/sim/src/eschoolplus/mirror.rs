//! The SQL side of one environment: an in-memory SQLite database with every
//! table of the real schema ([`EspSchema::real`]), every column text compared
//! as SQL Server compares it by default (the [`COLLATION`]: case ignored,
//! trailing spaces ignored, so a padded `char` value equals its trimmed
//! self), filled from the environment's [`EspTables`].
//!
//! The tables stay the record; the database mirrors them. Whoever changes a
//! table marks it ([`Mirror::mark`]), and [`Mirror::refresh`] reloads the
//! marked tables before the next statement runs. An empty value is NULL in
//! SQL, as a date or number the real database has not set would be, so
//! `IS NULL` finds it; a column the table does not hold is NULL too.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;

use super::schema::EspSchema;
use super::tables::{EspTable, EspTables};

/// An environment's database and the tables to reload before the next query.
pub(crate) struct Mirror {
    db: Connection,
    dirty: BTreeSet<String>,
}

impl fmt::Debug for Mirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mirror")
            .field("dirty", &self.dirty)
            .finish_non_exhaustive()
    }
}

/// The collation every column uses: SQL Server's default comparison.
pub(crate) const COLLATION: &str = "SQLSERVER";

/// SQL Server's default comparison of two texts: ASCII letters without
/// regard to case, and trailing spaces ignored (ANSI padding rules).
fn sql_server_order(a: &str, b: &str) -> std::cmp::Ordering {
    let fold = |text: &str| {
        text.trim_end_matches(' ')
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .collect::<Vec<char>>()
    };
    fold(a).cmp(&fold(b))
}

/// Registers [`COLLATION`] on a connection (collations are per connection).
fn with_collation(db: Connection) -> Result<Connection, rusqlite::Error> {
    db.create_collation(COLLATION, sql_server_order)?;
    Ok(db)
}

/// `name` as a quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// SQLite's own message (without the statement rusqlite adds to some).
fn text(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

/// A database with every (empty) table of the schema.
fn empty_schema() -> Result<Connection, rusqlite::Error> {
    let db = with_collation(Connection::open_in_memory()?)?;
    let mut ddl = String::from("BEGIN;\n");
    for (name, columns) in EspSchema::real().tables() {
        let columns: Vec<String> = columns
            .iter()
            .map(|c| format!("{} TEXT COLLATE {COLLATION}", quoted(c)))
            .collect();
        ddl.push_str(&format!(
            "CREATE TABLE {} ({});\n",
            quoted(name),
            columns.join(", ")
        ));
    }
    ddl.push_str("COMMIT;");
    db.execute_batch(&ddl)?;
    Ok(db)
}

/// A fresh database with every table of the schema: a copy of one made
/// once per process (making 1,403 tables takes SQLite a tenth of a second,
/// copying them a few milliseconds).
fn fresh() -> Result<Connection, String> {
    static TEMPLATE: OnceLock<Result<Mutex<Connection>, String>> = OnceLock::new();
    let template = TEMPLATE
        .get_or_init(|| empty_schema().map(Mutex::new).map_err(|e| text(&e)))
        .as_ref()
        .map_err(Clone::clone)?
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut db = Connection::open_in_memory()
        .and_then(with_collation)
        .map_err(|e| text(&e))?;
    let step = Backup::new(&template, &mut db)
        .and_then(|copy| copy.step(-1))
        .map_err(|e| text(&e))?;
    match step {
        StepResult::Done => Ok(db),
        other => Err(format!("copying the empty schema stopped: {other:?}")),
    }
}

impl Mirror {
    /// A database with every table of the schema, loaded with `tables` in one
    /// transaction.
    ///
    /// # Errors
    ///
    /// SQLite's message when the database cannot be made.
    pub(crate) fn build(tables: &EspTables) -> Result<Mirror, String> {
        let db = fresh()?;
        // `"text"` names a column, never a string, as on SQL Server.
        db.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)
            .map_err(|e| text(&e))?;
        // Nothing to roll back to after a crash: the tables are the record.
        db.execute_batch("PRAGMA journal_mode = OFF;")
            .map_err(|e| text(&e))?;
        let mut mirror = Mirror {
            db,
            dirty: tables.tables.keys().cloned().collect(),
        };
        mirror.refresh(tables)?;
        Ok(mirror)
    }

    /// Table `name` changed: reload it before the next query.
    pub(crate) fn mark(&mut self, name: &str) {
        self.dirty.insert(name.to_ascii_uppercase());
    }

    /// Reloads the marked tables from `tables`, in one transaction.
    ///
    /// # Errors
    ///
    /// SQLite's message; the tables stay marked.
    pub(crate) fn refresh(&mut self, tables: &EspTables) -> Result<(), String> {
        if self.dirty.is_empty() {
            return Ok(());
        }
        let schema = EspSchema::real();
        let tx = self.db.transaction().map_err(|e| text(&e))?;
        for name in &self.dirty {
            if !schema.has_table(name) {
                continue;
            }
            tx.execute(&format!("DELETE FROM {}", quoted(name)), [])
                .map_err(|e| text(&e))?;
            if let Some(table) = tables.table(name) {
                load(&tx, name, table).map_err(|e| text(&e))?;
            }
        }
        tx.commit().map_err(|e| text(&e))?;
        self.dirty.clear();
        Ok(())
    }

    /// Runs one `SELECT`, handing each row's values (NULL as empty) to `row`;
    /// the tables must be fresh ([`Mirror::refresh`]).
    ///
    /// # Errors
    ///
    /// SQLite's message (syntax, no such table or column, more than one statement).
    pub(crate) fn select(&self, sql: &str, mut row: impl FnMut(&[String])) -> Result<(), String> {
        let mut statement = self.db.prepare(sql).map_err(|e| text(&e))?;
        if !statement.readonly() {
            return Err("only SELECT statements can be run".to_owned());
        }
        let width = statement.column_count();
        let mut rows = statement.query([]).map_err(|e| text(&e))?;
        let mut values = vec![String::new(); width];
        while let Some(found) = rows.next().map_err(|e| text(&e))? {
            for (at, value) in values.iter_mut().enumerate() {
                value.clear();
                match found.get_ref(at).map_err(|e| text(&e))? {
                    ValueRef::Null => {}
                    ValueRef::Integer(n) => value.push_str(&n.to_string()),
                    ValueRef::Real(x) => value.push_str(&x.to_string()),
                    ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                        value.push_str(&String::from_utf8_lossy(bytes));
                    }
                }
            }
            row(&values);
        }
        Ok(())
    }

    /// Every row `sql` selects (for tests).
    #[cfg(test)]
    pub(crate) fn rows(&self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let mut out = Vec::new();
        self.select(sql, |row| out.push(row.to_vec()))?;
        Ok(out)
    }
}

/// Inserts the rows of `table` into the (empty) SQL table `name`: the
/// columns of the schema it holds, empty values as NULL.
fn load(db: &Connection, name: &str, table: &EspTable) -> Result<(), rusqlite::Error> {
    let schema = EspSchema::real();
    let picks: Vec<(usize, &str)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, column)| schema.has_column(name, column))
        .map(|(at, column)| (at, column.as_str()))
        .collect();
    if picks.is_empty() || table.rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<String> = picks.iter().map(|(_, c)| quoted(c)).collect();
    let marks: Vec<String> = (1..=picks.len()).map(|n| format!("?{n}")).collect();
    let mut insert = db.prepare(&format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quoted(name),
        columns.join(", "),
        marks.join(", ")
    ))?;
    for row in &table.rows {
        for (number, (at, _)) in picks.iter().enumerate() {
            let value = row.get(*at).map(String::as_str).filter(|v| !v.is_empty());
            insert.raw_bind_parameter(number + 1, value)?;
        }
        insert.raw_execute()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> EspTables {
        let mut tables = EspTables::empty();
        let reg = tables.table_mut("REG").unwrap();
        reg.push(&[("STUDENT_ID", "s1".into()), ("LAST_NAME", "Baker".into())]);
        reg.push(&[("STUDENT_ID", "S2".into())]);
        tables
    }

    #[test]
    fn text_compares_without_case_and_empty_values_are_null() {
        let mirror = Mirror::build(&tables()).unwrap();
        let rows = |sql: &str| mirror.rows(sql).unwrap();
        assert_eq!(
            rows("SELECT STUDENT_ID FROM reg WHERE student_id = 'S1'"),
            [["s1"]]
        );
        assert_eq!(
            rows("SELECT STUDENT_ID FROM REG WHERE LAST_NAME IS NULL"),
            [["S2"]]
        );
        // Columns the simulator's table lacks exist and are NULL.
        assert_eq!(
            rows("SELECT COUNT(*) FROM reg WHERE HOMEROOM_PRIMARY IS NULL"),
            [["2"]]
        );
        // Every table of the schema exists, empty.
        assert_eq!(
            rows("SELECT COUNT(*) FROM SPI_CHECKLIST_SETUP_HDR"),
            [["0"]]
        );
        // A double-quoted word names a column, as on SQL Server.
        assert!(mirror.rows("SELECT \"Baker\" FROM reg").is_err());
        assert!(mirror.rows("DELETE FROM reg").is_err());
    }

    #[test]
    fn marked_tables_are_reloaded_before_the_next_query() {
        let mut tables = tables();
        let mut mirror = Mirror::build(&tables).unwrap();
        tables.table_mut("REG").unwrap().rows.clear();
        mirror.refresh(&tables).unwrap();
        let count = "SELECT COUNT(*) FROM reg";
        assert_eq!(
            mirror.rows(count).unwrap(),
            [["2"]],
            "not marked: not reloaded"
        );
        mirror.mark("reg");
        mirror.refresh(&tables).unwrap();
        assert_eq!(mirror.rows(count).unwrap(), [["0"]]);
    }

    #[test]
    fn values_compare_as_sql_server_compares_them() {
        use std::cmp::Ordering::{Equal, Less};
        assert_eq!(sql_server_order("1001      ", "1001"), Equal);
        assert_eq!(sql_server_order("Abc", "aBC  "), Equal);
        assert_eq!(
            sql_server_order(" 1001", "1001"),
            Less,
            "leading spaces count"
        );
        let db = fresh().unwrap();
        db.execute_batch(
            "INSERT INTO REG (STUDENT_ID, BUILDING) VALUES ('1001      ', '10  ');\
             INSERT INTO SCHD_STU_COURSE (STUDENT_ID, SECTION_KEY) VALUES ('1001', '5');",
        )
        .unwrap();
        let joined: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM REG WHERE BUILDING = '10' AND STUDENT_ID IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE)",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(joined, 1);
    }
}
