//! Running a download definition: each header, in `HeaderOrder`, runs
//! `SELECT <t1>.<c1>, ... FROM <TableAffected> <AdditionalSql>` on the
//! environment's SQL database and becomes one file.
//!
//! A file is the header line of labels (`ColumnOverride`, else
//! `ColumnName`) when `ColumnHeaders` is set, then one line per row; fields
//! are joined by `DelimitChar` and written as they are (a line break or a
//! delimiter inside a value stays, as the real server leaves it); every line
//! ends with CR LF and nothing else, so a record ends `|#!#` only when the
//! definition's last column yields `#!#`. Files are Windows-1252, `?` for the
//! characters it lacks.

use super::definitions::{Definition, Header};
use super::mirror::Mirror;
use super::tables::EspTables;

/// Windows-1252 bytes of `text`; characters it lacks become `?`, as a
/// Windows code-page conversion writes them.
pub fn windows_1252(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    push_windows_1252(&mut out, text);
    out
}

/// Appends the Windows-1252 bytes of `text` to `out` (see [`windows_1252`]).
fn push_windows_1252(out: &mut Vec<u8>, text: &str) {
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
}

/// The statement a header runs.
pub(crate) fn statement(header: &Header) -> String {
    let columns: Vec<String> = header
        .fields
        .iter()
        .map(|field| format!("{}.{}", field.table, field.column))
        .collect();
    format!(
        "SELECT {} FROM {} {}",
        columns.join(", "),
        header.table,
        header.additional_sql
    )
}

/// Appends one line: `values` joined by `delimiter`, then CR LF.
fn push_line<'a>(out: &mut Vec<u8>, values: impl IntoIterator<Item = &'a str>, delimiter: &str) {
    for (at, value) in values.into_iter().enumerate() {
        if at > 0 {
            push_windows_1252(out, delimiter);
        }
        push_windows_1252(out, value);
    }
    out.extend_from_slice(b"\r\n");
}

/// The file one header writes.
///
/// # Errors
///
/// SQLite's message when the statement fails.
fn file(header: &Header, mirror: &Mirror) -> Result<Vec<u8>, String> {
    let delimiter = header.delimiter.to_string();
    let mut out = Vec::new();
    if header.column_headers {
        push_line(
            &mut out,
            header.fields.iter().map(|f| f.label()),
            &delimiter,
        );
    }
    mirror.select(&statement(header), |row| {
        push_line(&mut out, row.iter().map(String::as_str), &delimiter);
    })?;
    Ok(out)
}

/// Runs download `def` on fresh tables: `(FileName, bytes)` per header.
///
/// # Errors
///
/// The task's error text: SQLite's message for the first header whose
/// statement fails (no file is written then).
pub(crate) fn run(
    def: &Definition,
    mirror: &mut Mirror,
    tables: &EspTables,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    mirror.refresh(tables)?;
    def.headers
        .iter()
        .map(|header| Ok((header.file_name.clone(), file(header, mirror)?)))
        .collect()
}
