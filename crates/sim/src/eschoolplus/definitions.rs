//! Saved upload and download definitions (`SaveUploadDownload`) and what
//! running them does: a download writes a delimited Windows-1252 file of the
//! rows its filter selects; an upload reads a file of the user's file area
//! and, in run mode, writes its valid rows into a gradebook table.

use serde_json::Value;

use super::filter;
use super::tables::{EspTables, UPLOADABLE};

/// One column of a definition: a table column, or a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) column: String,
    pub(crate) literal: Option<String>,
}

/// A saved definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    pub(crate) interface_id: String,
    pub(crate) upload: bool,
    pub(crate) description: String,
    pub(crate) file_name: String,
    pub(crate) table: String,
    pub(crate) delimiter: char,
    pub(crate) column_headers: bool,
    pub(crate) filter: String,
    pub(crate) fields: Vec<Field>,
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Reads the body of `SaveUploadDownload`.
///
/// # Errors
///
/// A validation message when the definition is incomplete.
pub(crate) fn parse(body: &Value) -> Result<Definition, String> {
    let def = body
        .get("UploadDownloadDefinition")
        .ok_or("UploadDownloadDefinition is required")?;
    let interface_id = text(def, "InterfaceId");
    if interface_id.chars().count() != 5 {
        return Err(format!(
            "Interface ID '{interface_id}' must be exactly 5 characters"
        ));
    }
    let upload = match text(def, "UploadDownload").as_str() {
        "U" => true,
        "D" => false,
        other => return Err(format!("UploadDownload must be U or D, not '{other}'")),
    };
    let header = def
        .get("InterfaceHeaders")
        .and_then(Value::as_array)
        .and_then(|headers| headers.first())
        .ok_or("at least one interface header is required")?;
    let mut details: Vec<(i64, Field)> = header
        .get("InterfaceDetails")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|d| {
                    let order = d
                        .get("FieldOrder")
                        .and_then(|o| o.as_i64().or_else(|| o.as_str()?.trim().parse().ok()))
                        .unwrap_or(i64::MAX);
                    let literal = d.get("Literal").and_then(Value::as_str).map(str::to_owned);
                    (
                        order,
                        Field {
                            column: text(d, "ColumnName").to_ascii_uppercase(),
                            literal,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    details.sort_by_key(|(order, _)| *order);
    if details.is_empty() {
        return Err("the definition has no columns".to_owned());
    }
    let table = text(header, "TableAffected").to_ascii_uppercase();
    if table.is_empty() {
        return Err("TableAffected is required".to_owned());
    }
    let file_name = text(header, "FileName");
    if file_name.is_empty() {
        return Err("FileName is required".to_owned());
    }
    let column_headers = match header.get("ColumnHeaders") {
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let t = other.as_str().unwrap_or_default();
            t.eq_ignore_ascii_case("true") || t == "Y"
        }
        None => false,
    };
    Ok(Definition {
        interface_id,
        upload,
        description: text(def, "Description"),
        file_name,
        table,
        delimiter: text(header, "DelimitChar").chars().next().unwrap_or(','),
        column_headers,
        filter: text(header, "AdditionalSql"),
        fields: details.into_iter().map(|(_, field)| field).collect(),
    })
}

/// Windows-1252 bytes of `text`; characters it lacks become `?`, as a
/// Windows code-page conversion writes them.
pub fn windows_1252(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Runs a download: the file's bytes.
///
/// # Errors
///
/// The task's error text (unknown table or column, bad filter).
pub(crate) fn download(def: &Definition, tables: &EspTables) -> Result<Vec<u8>, String> {
    let table = tables
        .table(&def.table)
        .ok_or_else(|| format!("Invalid object name '{}'", def.table))?;
    let picks: Vec<Result<usize, &str>> = def
        .fields
        .iter()
        .map(|field| match &field.literal {
            Some(literal) => Ok(Err(literal.as_str())),
            None => table
                .index(&field.column)
                .map(Ok)
                .ok_or_else(|| format!("Invalid column name '{}'", field.column)),
        })
        .collect::<Result<_, _>>()?;
    let filter = filter::compile(&def.filter, table, tables)?;
    let delimiter = def.delimiter.to_string();
    let mut text = String::new();
    if def.column_headers {
        let names: Vec<&str> = def.fields.iter().map(|f| f.column.as_str()).collect();
        text.push_str(&names.join(&delimiter));
        text.push_str("\r\n");
    }
    for row in table.rows.iter().filter(|row| filter.accepts(row)) {
        for (i, pick) in picks.iter().enumerate() {
            if i > 0 {
                text.push_str(&delimiter);
            }
            match pick {
                Ok(index) => text.push_str(row.get(*index).map_or("", String::as_str)),
                Err(literal) => text.push_str(literal),
            }
        }
        text.push_str("\r\n");
    }
    Ok(windows_1252(&text))
}

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

/// Whether the value of `column` in `table` equals `value` (trimmed, numbers by value).
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

/// Runs an upload of `bytes` in `mode`.
///
/// # Errors
///
/// The task's error text when the file or definition cannot be used at all;
/// single bad records are rejected and counted instead.
pub(crate) fn upload(
    def: &Definition,
    bytes: &[u8],
    mode: UploadMode,
    tables: &mut EspTables,
) -> Result<UploadResult, String> {
    let Some((table_name, keys)) = UPLOADABLE.iter().find(|(name, _)| *name == def.table) else {
        return Err(format!("table {} cannot be uploaded here", def.table));
    };
    let columns: Vec<&str> = def.fields.iter().map(|f| f.column.as_str()).collect();
    if let Some(key) = keys.iter().find(|k| !columns.contains(k)) {
        return Err(format!("the definition lacks the key column {key}"));
    }
    let text = encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned();
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    if def.column_headers {
        let header: Vec<String> = lines
            .next()
            .unwrap_or_default()
            .split(def.delimiter)
            .map(|h| h.trim().to_ascii_uppercase())
            .collect();
        if header != columns {
            return Err(format!(
                "the file's columns {header:?} are not the definition's {columns:?}"
            ));
        }
    }
    let mut result = UploadResult::default();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let values: Vec<&str> = line.split(def.delimiter).map(str::trim).collect();
        if values.len() != columns.len() {
            result.rejected += 1;
            continue;
        }
        let record: Vec<(String, String)> = columns
            .iter()
            .zip(&values)
            .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
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
                if let Some(index) = table.index(column) {
                    if let Some(cell) = table.rows[at].get_mut(index) {
                        *cell = value.clone();
                    }
                }
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
