//! Running an upload definition: its first header's file, taken from the
//! user's file area, checked record by record against the tables and, in
//! run mode, written into a gradebook table (`MR_GB_ASMT`,
//! `MR_GB_STU_SCORE`, `MR_GB_CAT_SESSION`) by the table's key.
//!
//! Records that name an unknown section, assignment or student, or carry a
//! bad number or date, are rejected and counted; the task still succeeds.
//! ASSUMPTION: `UpdateBlankRec = N` means blank values in the file leave
//! stored values unchanged.

use super::definitions::Header;
use super::tables::{EspTables, UPLOADABLE};

/// What an upload run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct UploadResult {
    pub(crate) written: u64,
    pub(crate) rejected: u64,
}

/// How an upload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UploadMode {
    /// `R` (write) rather than `V` (verify only).
    pub(crate) run: bool,
    pub(crate) insert: bool,
    pub(crate) update: bool,
    /// Whether blank values in the file overwrite stored values.
    pub(crate) update_blank: bool,
}

fn valid_number(value: &str) -> bool {
    value.is_empty() || value.parse::<f64>().is_ok()
}

fn valid_date(value: &str) -> bool {
    value.is_empty()
        || ["%m/%d/%Y", "%Y-%m-%d"]
            .iter()
            .any(|f| chrono::NaiveDate::parse_from_str(value, f).is_ok())
}

/// Whether `table` has a row whose `(column, value)` pairs all match
/// (trimmed, numbers by value, text without regard to case).
fn exists(tables: &EspTables, table: &str, wanted: &[(&str, &str)]) -> bool {
    let Some(t) = tables.table(table) else {
        return false;
    };
    let same = |a: &str, b: &str| match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    };
    t.rows.iter().any(|row| {
        wanted
            .iter()
            .all(|(column, value)| t.value(row, column).is_some_and(|v| same(v, value)))
    })
}

/// Checks one upload record against the tables; the reason when it is refused.
fn check(table: &str, record: &[(String, String)], tables: &EspTables) -> Result<(), String> {
    let get = |column: &str| {
        record
            .iter()
            .find(|(c, _)| c == column)
            .map_or("", |(_, v)| v.as_str())
    };
    let (section, session) = (get("SECTION_KEY"), get("COURSE_SESSION"));
    if !exists(
        tables,
        "SCHD_MS_SESSION",
        &[("SECTION_KEY", section), ("COURSE_SESSION", session)],
    ) {
        return Err(format!("section {section}-{session} does not exist"));
    }
    for (column, value) in record {
        let ok = match column.as_str() {
            "ASMT_NUMBER" | "DROP_LOWEST" => value.parse::<i64>().is_ok(),
            "POINTS" | "WEIGHT" | "ASMT_SCORE" | "CATEGORY_WEIGHT" => valid_number(value),
            "DUE_DATE" | "ASSIGN_DATE" => valid_date(value),
            _ => true,
        };
        if !ok {
            return Err(format!("{column} '{value}' is not valid"));
        }
    }
    if table == "MR_GB_STU_SCORE" {
        let asmt = get("ASMT_NUMBER");
        if !exists(
            tables,
            "MR_GB_ASMT",
            &[
                ("SECTION_KEY", section),
                ("COURSE_SESSION", session),
                ("ASMT_NUMBER", asmt),
            ],
        ) {
            return Err(format!("assignment {asmt} does not exist"));
        }
        let student = get("STUDENT_ID");
        if !exists(tables, "REG", &[("STUDENT_ID", student)]) {
            return Err(format!("student {student} does not exist"));
        }
    }
    Ok(())
}

/// Runs an upload of `bytes` through `header` in `mode`; the table written
/// is `UPLOADABLE`'s upper-case name.
///
/// # Errors
///
/// The task's error text when the file or definition cannot be used at all;
/// single bad records are rejected and counted instead.
pub(crate) fn run(
    header: &Header,
    bytes: &[u8],
    mode: UploadMode,
    tables: &mut EspTables,
) -> Result<UploadResult, String> {
    let wanted = header.table.to_ascii_uppercase();
    let Some((table_name, keys)) = UPLOADABLE.iter().find(|(name, _)| *name == wanted) else {
        return Err(format!("table {wanted} cannot be uploaded here"));
    };
    if let Some(other) = header
        .fields
        .iter()
        .find(|f| !f.table.eq_ignore_ascii_case(table_name))
    {
        return Err(format!(
            "column {}.{} is not in the header's table {table_name}",
            other.table, other.column
        ));
    }
    let columns: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.column.to_ascii_uppercase())
        .collect();
    if let Some(key) = keys.iter().find(|k| !columns.iter().any(|c| c == *k)) {
        return Err(format!("the definition lacks the key column {key}"));
    }
    let text = encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned();
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if header.column_headers {
        let labels: Vec<String> = header
            .fields
            .iter()
            .map(|f| f.label().to_ascii_uppercase())
            .collect();
        let found: Vec<String> = lines
            .next()
            .unwrap_or_default()
            .split(header.delimiter)
            .map(|h| h.trim().to_ascii_uppercase())
            .collect();
        if found != labels {
            return Err(format!(
                "the file's columns {found:?} are not the definition's {labels:?}"
            ));
        }
    }
    let mut result = UploadResult::default();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let values: Vec<&str> = line.split(header.delimiter).map(str::trim).collect();
        if values.len() != columns.len() {
            result.rejected += 1;
            continue;
        }
        let record: Vec<(String, String)> = columns
            .iter()
            .zip(&values)
            .map(|(c, v)| (c.clone(), (*v).to_owned()))
            .collect();
        if check(table_name, &record, tables).is_err() {
            result.rejected += 1;
            continue;
        }
        if mode.run && write(table_name, keys, &record, mode, tables) {
            result.written += 1;
        }
    }
    Ok(result)
}

/// Inserts or updates one record by its key; whether anything was written.
fn write(
    table_name: &str,
    keys: &[&str],
    record: &[(String, String)],
    mode: UploadMode,
    tables: &mut EspTables,
) -> bool {
    let Some(table) = tables.table_mut(table_name) else {
        return false;
    };
    let key_of = |get: &dyn Fn(&str) -> String| -> Vec<String> {
        keys.iter()
            .map(|k| {
                let v = get(k);
                v.trim()
                    .parse::<f64>()
                    .map_or(v.trim().to_uppercase(), |n| n.to_string())
            })
            .collect()
    };
    let wanted = key_of(&|k| {
        record
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    });
    let found = table
        .rows
        .iter()
        .position(|row| key_of(&|k| table.value(row, k).unwrap_or_default().to_owned()) == wanted);
    match found {
        Some(at) if mode.update => {
            for (column, value) in record {
                if value.is_empty() && !mode.update_blank {
                    continue;
                }
                let (Some(index), Some(row)) = (table.index(column), table.rows.get_mut(at)) else {
                    continue;
                };
                if row.len() <= index {
                    row.resize(index + 1, String::new());
                }
                row[index] = value.clone();
            }
            true
        }
        None if mode.insert => {
            let pairs: Vec<(&str, String)> = record
                .iter()
                .map(|(c, v)| (c.as_str(), v.clone()))
                .collect();
            table.push(&pairs);
            true
        }
        _ => false,
    }
}
