//! Reading and writing delimited files as eSchoolPLUS writes them:
//! Windows-1252, a delimiter, a record terminator, and no escaping at all, so
//! line breaks (and in one free-text column, delimiters) stay inside fields.
//! Values are padded and come back trimmed. A malformed row becomes a
//! [`SourceProblem`] with its file and line, and parsing goes on.

use std::collections::HashMap;

use encoding_rs::WINDOWS_1252;
use rostersync_ports::{RecordKind, SourceProblem};

use crate::assumptions::file;
use crate::error::{EspError, EspResult};

/// How records and fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFormat {
    /// Between fields.
    pub delimiter: char,
    /// After the last field of each record (before the line break); empty
    /// means a record is one line.
    pub record_end: &'static str,
}

impl FileFormat {
    /// The format of the files rostersync's download definitions write.
    pub const DOWNLOAD: FileFormat = FileFormat {
        delimiter: file::DELIMITER,
        record_end: file::RECORD_END,
    };
    /// The format of the files rostersync uploads.
    pub const UPLOAD: FileFormat = FileFormat {
        delimiter: file::DELIMITER,
        record_end: file::UPLOAD_RECORD_END,
    };
}

/// The columns a file must have, found by name in its header row.
#[derive(Debug, Clone, Copy)]
pub struct Layout<'a> {
    /// Column names, in the order rows are returned.
    pub columns: &'a [&'a str],
    /// The one column whose text may contain the delimiter; surplus fields of
    /// a row are joined back into it.
    pub free_text: Option<&'a str>,
}

/// The rows of one parsed file, fields in [`Layout::columns`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The file name, for problem reports.
    pub file: String,
    columns: HashMap<String, usize>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// One record of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line the record starts on (1-based).
    pub line: usize,
    /// The trimmed fields, in layout order.
    pub fields: Vec<String>,
}

impl Table {
    /// The trimmed value of `column` in `row` (empty when the layout has no such column).
    pub fn get<'r>(&self, row: &'r Row, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| row.fields.get(*index))
            .map_or("", String::as_str)
    }

    /// Like [`Table::get`], `None` when empty.
    pub fn opt<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        Some(self.get(row, column)).filter(|value| !value.is_empty())
    }

    /// Where a row is, for problem reports.
    pub fn location(&self, row: &Row) -> String {
        format!("{} line {}", self.file, row.line)
    }

    /// A problem with a row.
    pub fn problem(&self, row: &Row, message: impl Into<String>) -> SourceProblem {
        SourceProblem::new(self.location(row), message)
    }

    /// A problem with the row of a record of kind `record` whose key is
    /// `key` (empty when it could not be read).
    pub fn record_problem(
        &self,
        row: &Row,
        record: RecordKind,
        key: &str,
        message: impl Into<String>,
    ) -> SourceProblem {
        let problem = self.problem(row, message).record(record);
        if key.is_empty() {
            problem
        } else {
            problem.key(key)
        }
    }
}

/// Decodes Windows-1252 bytes (every byte maps to a character).
pub fn decode(bytes: &[u8]) -> String {
    WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// Parses a file; the first record is the header row.
///
/// # Errors
///
/// [`EspError::Layout`] when the header lacks a column of `layout`: the whole
/// file cannot be trusted then. Bad rows are problems, not errors.
pub fn parse(
    name: &str,
    bytes: &[u8],
    format: FileFormat,
    layout: Layout<'_>,
) -> EspResult<(Table, Vec<SourceProblem>)> {
    let text = decode(bytes);
    let mut records = split_records(&text, format).into_iter();
    let layout_error = |message: String| EspError::Layout {
        file: name.to_owned(),
        message,
    };
    let Some((_, header)) = records.next() else {
        return Err(layout_error("the file is empty".to_owned()));
    };
    let header: Vec<String> = header
        .split(format.delimiter)
        .map(|name| normalise_header(name.trim()))
        .collect();
    let mut picks = Vec::with_capacity(layout.columns.len());
    for column in layout.columns {
        let position = header
            .iter()
            .position(|name| name.eq_ignore_ascii_case(column))
            .ok_or_else(|| layout_error(format!("no column {column}")))?;
        picks.push(position);
    }
    let free_text = layout.free_text.and_then(|column| {
        header
            .iter()
            .position(|name| name.eq_ignore_ascii_case(column))
    });
    let mut table = Table {
        file: name.to_owned(),
        columns: layout
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| ((*column).to_owned(), index))
            .collect(),
        rows: Vec::new(),
    };
    let mut problems = Vec::new();
    for (line, record) in records {
        if record.trim().is_empty() {
            continue;
        }
        let mut fields: Vec<&str> = record.split(format.delimiter).collect();
        if fields.len() > header.len() {
            if let Some(free) = free_text {
                let surplus = fields.len() - header.len();
                let joined = fields[free..=free + surplus].join(&format.delimiter.to_string());
                let mut merged: Vec<String> =
                    fields[..free].iter().map(|f| (*f).to_owned()).collect();
                merged.push(joined);
                merged.extend(fields[free + surplus + 1..].iter().map(|f| (*f).to_owned()));
                table.rows.push(pick(line, &merged, &picks));
                continue;
            }
        }
        if fields.len() != header.len() {
            problems.push(SourceProblem::new(
                format!("{name} line {line}"),
                format!(
                    "expected {} fields, found {}; the row was skipped",
                    header.len(),
                    fields.len()
                ),
            ));
            continue;
        }
        fields.truncate(header.len());
        table.rows.push(pick(line, &fields, &picks));
    }
    Ok((table, problems))
}

fn pick(line: usize, fields: &[impl AsRef<str>], picks: &[usize]) -> Row {
    Row {
        line,
        fields: picks
            .iter()
            .map(|index| {
                fields
                    .get(*index)
                    .map_or("", AsRef::as_ref)
                    .trim()
                    .to_owned()
            })
            .collect(),
    }
}

/// `REG.STUDENT_ID` → `STUDENT_ID`.
fn normalise_header(name: &str) -> String {
    name.rsplit('.').next().unwrap_or(name).to_owned()
}

/// Splits text into `(line, record)` pairs, the record without its end and
/// without the line break that followed the previous record's end.
fn split_records(text: &str, format: FileFormat) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut counted_to = 0;
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let stripped = rest
            .strip_prefix("\r\n")
            .or_else(|| rest.strip_prefix('\n'))
            .unwrap_or(rest);
        at += rest.len() - stripped.len();
        if stripped.is_empty() {
            break;
        }
        let (record, consumed) = if format.record_end.is_empty() {
            match stripped.find('\n') {
                Some(end) => (
                    stripped[..end]
                        .strip_suffix('\r')
                        .unwrap_or(&stripped[..end]),
                    end,
                ),
                None => (stripped, stripped.len()),
            }
        } else {
            match stripped.find(format.record_end) {
                Some(end) => (&stripped[..end], end + format.record_end.len()),
                None => (stripped, stripped.len()),
            }
        };
        line += text[counted_to..at].matches('\n').count();
        counted_to = at;
        out.push((line, record));
        at += consumed;
    }
    out
}

/// Writes a header row and records in `format`, encoded as Windows-1252.
///
/// `free_text` names the one column that may contain the delimiter.
///
/// # Errors
///
/// [`EspError::Unwritable`] when a value cannot be read back unchanged: it
/// contains the record end, a delimiter outside the free-text column, a line
/// break in a one-line format, or a character Windows-1252 lacks.
pub fn write(
    format: FileFormat,
    columns: &[&str],
    rows: &[Vec<String>],
    free_text: Option<usize>,
) -> EspResult<Vec<u8>> {
    let mut text = String::new();
    let header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        for (index, value) in row.iter().enumerate() {
            check_writable(format, value, free_text == Some(index))?;
            if index > 0 {
                text.push(format.delimiter);
            }
            text.push_str(value);
        }
        text.push_str(format.record_end);
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = WINDOWS_1252.encode(&text);
    if unmappable {
        let bad = text
            .chars()
            .find(|c| {
                let mut buffer = [0; 4];
                WINDOWS_1252.encode(c.encode_utf8(&mut buffer)).2
            })
            .unwrap_or('?');
        return Err(EspError::Unwritable {
            value: bad.to_string(),
            reason: "Windows-1252 has no such character".to_owned(),
        });
    }
    Ok(bytes.into_owned())
}

fn check_writable(format: FileFormat, value: &str, free_text: bool) -> EspResult<()> {
    let unwritable = |reason: &str| {
        Err(EspError::Unwritable {
            value: value.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if format.record_end.is_empty() {
        if value.contains(['\r', '\n']) {
            return unwritable("a line break would end the record");
        }
    } else if value.contains(file::TERMINATOR) || value.contains(format.record_end) {
        return unwritable("it contains the record terminator");
    }
    if !free_text && value.contains(format.delimiter) {
        return unwritable("it contains the delimiter");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: Layout<'static> = Layout {
        columns: &["ID", "NAME"],
        free_text: Some("NAME"),
    };

    #[test]
    fn splits_on_the_terminator_and_keeps_line_breaks() {
        let bytes = b"ID|NAME|#!#\r\n1|  Ann\r\nMarie  |#!#\r\n2|B|c|#!#\r\n";
        let (table, problems) = parse("f.txt", bytes, FileFormat::DOWNLOAD, LAYOUT).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.get(&table.rows[0], "NAME"), "Ann\r\nMarie");
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.get(&table.rows[1], "NAME"), "B|c");
        assert_eq!(table.rows[1].line, 4);
    }

    #[test]
    fn short_rows_are_problems_and_parsing_goes_on() {
        let bytes = b"ID|NAME|#!#\r\nonly|#!#\r\n3|C|#!#\r\n";
        let layout = Layout {
            columns: &["ID", "NAME"],
            free_text: None,
        };
        let (table, problems) = parse("f.txt", bytes, FileFormat::DOWNLOAD, layout).unwrap();
        assert_eq!(table.rows.len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location, "f.txt line 2");
    }

    #[test]
    fn a_missing_column_is_a_layout_error() {
        let error = parse("f.txt", b"ID|#!#\r\n", FileFormat::DOWNLOAD, LAYOUT);
        assert!(matches!(error, Err(EspError::Layout { .. })));
    }

    #[test]
    fn one_line_format_round_trips() {
        let rows = vec![vec!["1".to_owned(), "Zoë".to_owned()]];
        let bytes = write(FileFormat::UPLOAD, &["ID", "NAME"], &rows, None).unwrap();
        assert_eq!(bytes, b"ID|NAME\r\n1|Zo\xeb\r\n");
        let (table, _) = parse("u.txt", &bytes, FileFormat::UPLOAD, LAYOUT).unwrap();
        assert_eq!(table.get(&table.rows[0], "NAME"), "Zoë");
        assert!(
            write(
                FileFormat::UPLOAD,
                &["ID"],
                &[vec!["a\nb".to_owned()]],
                None
            )
            .is_err()
        );
        assert!(write(FileFormat::UPLOAD, &["ID"], &[vec!["汉".to_owned()]], None).is_err());
    }
}
