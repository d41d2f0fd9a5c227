//! A CSV file read into named columns: headers matched to the binding's
//! names (in any order, case and spacing set aside with a warning, unknown
//! columns warned about), required columns checked up front, and cells read
//! per row with the file and line at hand for problems.

use std::collections::HashMap;

use chrono::NaiveDate;
use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use super::columns::{Column, Spec};
use super::parse::{self, Record};
use crate::error::CsvError;
use crate::model::Meta;
use crate::problem::{Fault, Notes, Sink, reason};

/// One CSV file of a package, parsed.
#[derive(Debug)]
pub(crate) struct Table {
    /// The file name, e.g. `users.csv`.
    pub(crate) file: String,
    /// What the file is.
    pub(crate) spec: &'static Spec,
    /// Whether the manifest lists the file as `delta`.
    pub(crate) delta: bool,
    /// The binding's column name to its index in the header.
    columns: HashMap<&'static str, usize>,
    /// How many cells the header has.
    width: usize,
    /// The rows that parsed, in file order.
    pub(crate) rows: Vec<Record>,
}

/// A file-level warning about the header of `file`.
fn header_warning(
    file: &str,
    column: &str,
    reason: &'static str,
    message: String,
) -> SourceProblem {
    Fault::new(column, reason, message).problem(
        ProblemKind::Warning,
        RecordKind::File,
        &format!("{file} line 1"),
        None,
    )
}

impl Table {
    /// Parses `text` as the file `spec` describes. Rows with syntax errors
    /// are unreadable problems; header cells that differ from the binding
    /// are warnings; a missing header, a missing required column or a
    /// column twice is an error for the whole file.
    pub(crate) fn parse(
        spec: &'static Spec,
        text: &str,
        delta: bool,
        problems: &mut Vec<SourceProblem>,
    ) -> Result<Table, CsvError> {
        let file = format!("{}.csv", spec.name);
        let mut records = parse::parse(text).into_iter();
        let header = match records.next() {
            Some(Ok(header)) => header,
            Some(Err(error)) => {
                return Err(CsvError::BadHeader {
                    file,
                    message: error.message.to_owned(),
                });
            }
            None => {
                return Err(CsvError::BadHeader {
                    file,
                    message: "the file is empty; a header line is required".to_owned(),
                });
            }
        };
        let mut columns = HashMap::new();
        let mut unknown = Vec::new();
        for (index, cell) in header.fields.iter().enumerate() {
            let name = cell.trim();
            let known = match spec.column(name) {
                Column::Known(known) => known,
                Column::Respelled(known) => {
                    problems.push(header_warning(
                        &file,
                        known,
                        reason::COLUMN_SPELLING,
                        format!("column {cell:?} is read as {known}"),
                    ));
                    known
                }
                Column::Extension => continue,
                Column::Unknown(likely) => {
                    let hint = likely.map_or(String::new(), |known| {
                        format!("; it is likely meant to be {known}")
                    });
                    problems.push(header_warning(
                        &file,
                        name,
                        reason::UNKNOWN_COLUMN,
                        format!(
                            "column {cell:?} is not a column of {file}{hint}; its values were not read"
                        ),
                    ));
                    unknown.push((name, likely));
                    continue;
                }
            };
            if columns.insert(known, index).is_some() {
                return Err(CsvError::BadHeader {
                    file,
                    message: format!(
                        "column {known} appears twice; which one holds the values is a guess"
                    ),
                });
            }
        }
        for column in spec.required {
            if !columns.contains_key(column) {
                let near = unknown
                    .iter()
                    .find(|(_, likely)| likely == &Some(*column))
                    .map(|(name, _)| (*name).to_owned());
                return Err(CsvError::MissingColumn {
                    file,
                    line: header.line,
                    column: (*column).to_owned(),
                    near,
                });
            }
        }
        let mut rows = Vec::new();
        for record in records {
            match record {
                Ok(record) => rows.push(record),
                Err(error) => {
                    problems.push(Fault::whole(reason::CSV_SYNTAX, error.message).problem(
                        ProblemKind::Unreadable,
                        spec.record,
                        &format!("{file} line {}", error.line),
                        None,
                    ))
                }
            }
        }
        Ok(Table {
            file,
            spec,
            delta,
            columns,
            width: header.fields.len(),
            rows,
        })
    }

    /// The trimmed cell of `column` in `record`; `None` when the column or value is absent.
    pub(crate) fn cell<'a>(&self, record: &'a Record, column: &str) -> Option<&'a str> {
        let index = *self.columns.get(column)?;
        let value = record.fields.get(index)?.trim();
        (!value.is_empty()).then_some(value)
    }

    /// Whether the header has `column`.
    pub(crate) fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// Reads every row with `read`. A row that fails is one problem of kind
    /// `failure` (unreadable, or a warning for rows that are part of another
    /// record), keyed by its `key` column; warnings noted on a row read are
    /// problems too.
    pub(crate) fn read_all<T>(
        &self,
        sink: &mut Sink<'_>,
        failure: ProblemKind,
        key: &str,
        read: impl Fn(Row<'_>) -> Result<T, Fault>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for record in &self.rows {
            let notes = Notes::default();
            let row = Row {
                table: self,
                record,
                notes: &notes,
            };
            let cells = record.fields.len();
            let result = if cells > self.width {
                Err(Fault::whole(
                    reason::TOO_MANY_CELLS,
                    format!(
                        "the row has {cells} cells and the header {} columns; a value with a comma that is not quoted shifts every value after it",
                        self.width
                    ),
                ))
            } else {
                if cells < self.width {
                    notes.warn(Fault::whole(
                        reason::TOO_FEW_CELLS,
                        format!(
                            "the row has {cells} cells and the header {} columns; the missing cells were read as blank",
                            self.width
                        ),
                    ));
                }
                read(row)
            };
            let at = row.location();
            if let Some(value) =
                sink.settle(result, &notes, self.spec.record, &at, row.opt(key), failure)
            {
                out.push(value);
            }
        }
        out
    }
}

/// One row of a [`Table`], with the warnings noted while reading it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    table: &'a Table,
    record: &'a Record,
    notes: &'a Notes,
}

impl<'a> Row<'a> {
    /// `file line N`, for problems.
    pub(crate) fn location(&self) -> String {
        format!("{} line {}", self.table.file, self.record.line)
    }

    /// Notes a warning on the row's record.
    pub(crate) fn warn(&self, fault: Fault) {
        self.notes.warn(fault);
    }

    /// The trimmed cell of `column`; `None` when the column or value is absent.
    pub(crate) fn opt(&self, column: &str) -> Option<&'a str> {
        self.table.cell(self.record, column)
    }

    /// The cell of `column`, which must not be blank.
    pub(crate) fn req(&self, column: &str) -> Result<&'a str, Fault> {
        self.opt(column).ok_or_else(|| Fault::blank(column))
    }

    /// A `YYYY-MM-DD` date, if present.
    pub(crate) fn date(&self, column: &str) -> Result<Option<NaiveDate>, Fault> {
        self.opt(column)
            .map(|value| {
                NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    Fault::new(
                        column,
                        reason::BAD_VALUE,
                        format!("{column} {value:?} is not a YYYY-MM-DD date"),
                    )
                })
            })
            .transpose()
    }

    /// A required `YYYY-MM-DD` date.
    pub(crate) fn req_date(&self, column: &str) -> Result<NaiveDate, Fault> {
        self.date(column)?.ok_or_else(|| Fault::blank(column))
    }

    /// A comma-separated list cell.
    pub(crate) fn list(&self, column: &str) -> Vec<String> {
        self.opt(column).map(parse::list).unwrap_or_default()
    }

    /// A `true`/`false` cell (any case); blank is `default`.
    pub(crate) fn flag(&self, column: &str, default: bool) -> Result<bool, Fault> {
        match self.opt(column) {
            None => Ok(default),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(Fault::new(
                column,
                reason::BAD_VALUE,
                format!("{column} {value:?} is neither true nor false"),
            )),
        }
    }

    /// `sourcedId`, `status` and `dateLastModified` (see [`Meta::read`]).
    pub(crate) fn meta(&self) -> Result<Meta, Fault> {
        Meta::read(
            self.opt("sourcedId"),
            self.opt("status"),
            self.opt("dateLastModified"),
            self.table.delta,
            self.location(),
            self.notes,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::csv::columns::{ORGS, USERS};
    use crate::model::Status;

    #[test]
    fn missing_required_column_names_file_line_and_column() {
        let mut problems = Vec::new();
        let error = Table::parse(&ORGS, "sourcedId,name\nx,y\n", false, &mut problems).unwrap_err();
        assert_eq!(
            error.to_string(),
            "orgs.csv line 1: required column `type` is missing"
        );
        let error =
            Table::parse(&ORGS, "sourcedId,name,tpye\nx,y,z\n", false, &mut problems).unwrap_err();
        assert_eq!(
            error.to_string(),
            "orgs.csv line 1: required column `type` is missing (is `tpye` meant to be it?)"
        );
    }

    #[test]
    fn cells_by_name_in_any_order_and_headers_as_written() {
        let mut problems = Vec::new();
        let table = Table::parse(
            &USERS,
            "status, SourcedId ,dateLastModified,grades,givenName,familyName,house\n\
             ,a,,\"09,10\",A,B,x\ntobedeleted,b,2024-01-02T03:04:05.000Z,,A,B,y\n",
            false,
            &mut problems,
        )
        .unwrap();
        let reasons: Vec<&str> = problems
            .iter()
            .filter_map(|p| p.reason.as_deref())
            .collect();
        assert_eq!(reasons, [reason::COLUMN_SPELLING, reason::UNKNOWN_COLUMN]);
        assert!(problems.iter().all(|p| p.kind == ProblemKind::Warning));
        assert_eq!(problems[1].field.as_deref(), Some("house"));
        let notes = Notes::default();
        let row = |i: usize| Row {
            table: &table,
            record: &table.rows[i],
            notes: &notes,
        };
        assert_eq!(row(0).meta().unwrap().status, Status::Active);
        assert_eq!(row(0).list("grades"), vec!["09", "10"]);
        let second = row(1).meta().unwrap();
        assert_eq!(second.status, Status::ToBeDeleted);
        assert_eq!(second.location, "users.csv line 3");
        assert!(second.modified.is_some());
    }

    #[test]
    fn a_column_twice_is_refused() {
        let error =
            Table::parse(&ORGS, "sourcedId,name,type,Name\n", false, &mut Vec::new()).unwrap_err();
        assert!(
            error.to_string().contains("column name appears twice"),
            "{error}"
        );
    }

    #[test]
    fn rows_too_long_are_unreadable_and_too_short_read_with_a_warning() {
        let mut problems = Vec::new();
        let table = Table::parse(
            &ORGS,
            "sourcedId,name,type,identifier\na,North,school\nb,Smith, Jr. School,school,x\n",
            false,
            &mut problems,
        )
        .unwrap();
        let mut unread = BTreeMap::new();
        let mut sink = Sink {
            problems: &mut problems,
            unread: &mut unread,
        };
        let read = table.read_all(&mut sink, ProblemKind::Unreadable, "sourcedId", |row| {
            row.req("name").map(str::to_owned)
        });
        assert_eq!(read, ["North"]);
        let got: Vec<(ProblemKind, &str, &str)> = problems
            .iter()
            .map(|p| {
                (
                    p.kind,
                    p.location.as_str(),
                    p.reason.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    ProblemKind::Warning,
                    "orgs.csv line 2 (a)",
                    reason::TOO_FEW_CELLS
                ),
                (
                    ProblemKind::Unreadable,
                    "orgs.csv line 3 (b)",
                    reason::TOO_MANY_CELLS
                ),
            ]
        );
        assert!(unread[&RecordKind::School].contains("b"));
    }
}
