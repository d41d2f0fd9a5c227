//! A CSV file read into named columns: headers looked up by name (in any
//! order), required columns checked up front, cells read per row with the
//! file and line at hand for problems.

use std::collections::HashMap;

use chrono::NaiveDate;
use rostersync_ports::SourceProblem;

use super::parse::{self, Record};
use crate::error::CsvError;
use crate::model::{Meta, Status, parse_datetime};

/// One CSV file of a package, parsed.
#[derive(Debug)]
pub(crate) struct Table {
    /// The file name, e.g. `users.csv`.
    pub(crate) file: String,
    columns: HashMap<String, usize>,
    /// The rows that parsed, in file order.
    pub(crate) rows: Vec<Record>,
}

impl Table {
    /// Parses `text` as `file`; syntax errors become problems, and a missing
    /// header or required column is an error for the whole file.
    pub(crate) fn parse(
        file: &str,
        text: &str,
        required: &[&str],
        problems: &mut Vec<SourceProblem>,
    ) -> Result<Table, CsvError> {
        let mut records = parse::parse(text).into_iter();
        let header = match records.next() {
            Some(Ok(header)) => header,
            Some(Err(error)) => {
                return Err(CsvError::BadHeader {
                    file: file.to_owned(),
                    message: error.message.to_owned(),
                });
            }
            None => {
                return Err(CsvError::BadHeader {
                    file: file.to_owned(),
                    message: "the file is empty; a header line is required".to_owned(),
                });
            }
        };
        let columns: HashMap<String, usize> = header
            .fields
            .iter()
            .enumerate()
            .map(|(index, name)| (name.trim().to_owned(), index))
            .collect();
        for column in required {
            if !columns.contains_key(*column) {
                return Err(CsvError::MissingColumn {
                    file: file.to_owned(),
                    line: header.line,
                    column: (*column).to_owned(),
                });
            }
        }
        let mut rows = Vec::new();
        for record in records {
            match record {
                Ok(record) => rows.push(record),
                Err(error) => problems.push(SourceProblem::new(
                    format!("{file} line {}", error.line),
                    error.message.to_owned(),
                )),
            }
        }
        Ok(Table {
            file: file.to_owned(),
            columns,
            rows,
        })
    }

    /// Whether the header has `column`.
    pub(crate) fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// A reader over one row.
    pub(crate) fn row<'a>(&'a self, record: &'a Record) -> Row<'a> {
        Row {
            table: self,
            record,
        }
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    table: &'a Table,
    record: &'a Record,
}

/// A cell that is missing or malformed: the row becomes a problem.
#[derive(Debug)]
pub(crate) struct CellError(pub(crate) String);

impl<'a> Row<'a> {
    /// `file line N`, for problems.
    pub(crate) fn location(&self) -> String {
        format!("{} line {}", self.table.file, self.record.line)
    }

    /// The trimmed cell of `column`; `None` when the column or value is absent.
    pub(crate) fn opt(&self, column: &str) -> Option<&'a str> {
        let index = *self.table.columns.get(column)?;
        let value = self.record.fields.get(index)?.trim();
        (!value.is_empty()).then_some(value)
    }

    /// The cell of `column`, which must not be blank.
    pub(crate) fn req(&self, column: &str) -> Result<&'a str, CellError> {
        self.opt(column)
            .ok_or_else(|| CellError(format!("column {column} is blank")))
    }

    /// A `YYYY-MM-DD` date, if present.
    pub(crate) fn date(&self, column: &str) -> Result<Option<NaiveDate>, CellError> {
        self.opt(column)
            .map(|value| {
                NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                    CellError(format!(
                        "column {column}: {value:?} is not a YYYY-MM-DD date"
                    ))
                })
            })
            .transpose()
    }

    /// A required `YYYY-MM-DD` date.
    pub(crate) fn req_date(&self, column: &str) -> Result<NaiveDate, CellError> {
        self.date(column)?
            .ok_or_else(|| CellError(format!("column {column} is blank")))
    }

    /// A comma-separated list cell.
    pub(crate) fn list(&self, column: &str) -> Vec<String> {
        self.opt(column).map(parse::list).unwrap_or_default()
    }

    /// A `true`/`false` cell (any case); blank is `default`.
    pub(crate) fn flag(&self, column: &str, default: bool) -> Result<bool, CellError> {
        match self.opt(column) {
            None => Ok(default),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(CellError(format!(
                "column {column}: {value:?} is neither true nor false"
            ))),
        }
    }

    /// `sourcedId`, `status` and `dateLastModified`. A blank status (sloppy
    /// bulk files) reads as active.
    pub(crate) fn meta(&self) -> Result<Meta, CellError> {
        let sourced_id = self.req("sourcedId")?.to_owned();
        let status = match self.opt("status") {
            None => Status::Active,
            Some(value) => Status::parse(value)
                .ok_or_else(|| CellError(format!("column status: unknown value {value:?}")))?,
        };
        let modified = self
            .opt("dateLastModified")
            .map(|value| {
                parse_datetime(value).ok_or_else(|| {
                    CellError(format!(
                        "column dateLastModified: {value:?} is not an ISO 8601 date-time"
                    ))
                })
            })
            .transpose()?;
        Ok(Meta {
            sourced_id,
            status,
            modified,
            location: self.location(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_column_names_file_line_and_column() {
        let mut problems = Vec::new();
        let error = Table::parse(
            "orgs.csv",
            "sourcedId,name\nx,y\n",
            &["sourcedId", "type"],
            &mut problems,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "orgs.csv line 1: required column `type` is missing"
        );
    }

    #[test]
    fn cells_by_name_in_any_order() {
        let mut problems = Vec::new();
        let table = Table::parse(
            "t.csv",
            "status,sourcedId,dateLastModified,grades\n,a,,\"09,10\"\ntobedeleted,b,2024-01-02T03:04:05.000Z,\n",
            &["sourcedId"],
            &mut problems,
        )
        .unwrap();
        let first = table.row(&table.rows[0]);
        assert_eq!(first.meta().unwrap().status, Status::Active);
        assert_eq!(first.list("grades"), vec!["09", "10"]);
        let second = table.row(&table.rows[1]).meta().unwrap();
        assert_eq!(second.status, Status::ToBeDeleted);
        assert_eq!(second.location, "t.csv line 3");
        assert!(second.modified.is_some());
        assert!(problems.is_empty());
    }
}
