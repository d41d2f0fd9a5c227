//! The upload and download definitions rostersync saves on the server, and
//! their JSON, built the way the public scripts build them (reference
//! §A2.1): every detail names a real table and column of the eSP schema, a
//! download header ends with the terminator column
//! `spi_checklist_setup_hdr.RC_RUN` (labelled `#!#`) made by a derived table
//! joined in `AdditionalSql`, and one definition may hold several headers,
//! each writing its own file when it runs.
//!
//! A definition's description carries a hash of its content, so a server
//! that already holds the same content is not sent it again (see
//! `connection`).

mod columns;
mod sets;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::assumptions::{definitions as ids, file};
use crate::parse::Layout;
use crate::sql;

pub use columns::*;
pub use sets::{
    ROSTER_HEADERS, Scope, assignment_upload, buildings, catalogue, every, gradebook, roster,
    score_upload, terms,
};

/// Whether a definition reads from or writes into eSchoolPLUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A download definition (`D`): files written from tables.
    Download,
    /// An upload definition (`U`): a file written into a table.
    Upload,
}

impl Direction {
    fn code(self) -> &'static str {
        match self {
            Direction::Download => "D",
            Direction::Upload => "U",
        }
    }
}

/// One header of a definition: one table, its columns, a filter, one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header id (at most five characters: `LTDB_INTERFACE_HDR.HEADER_ID`
    /// is `char(5)`).
    pub id: &'static str,
    /// The table read or written, upper case as in the schema (`REG`).
    pub table: &'static str,
    /// The columns of `table`, in file order.
    pub columns: &'static [&'static str],
    /// The one column whose text may contain the delimiter.
    pub free_text: Option<&'static str>,
    /// The SQL condition that selects the rows (see [`sql`]),
    /// empty for every row; uploads have none.
    pub condition: String,
}

impl Header {
    /// A header of `table` with `columns`.
    pub fn new(
        id: &'static str,
        table: &'static str,
        columns: &'static [&'static str],
        free_text: Option<&'static str>,
        condition: String,
    ) -> Self {
        Header {
            id,
            table,
            columns,
            free_text,
            condition,
        }
    }

    /// The layout its files are parsed with.
    pub fn layout(&self) -> Layout<'_> {
        Layout {
            columns: self.columns,
            free_text: self.free_text,
        }
    }
}

/// One definition: an interface id, a direction and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The five-character interface id.
    pub interface_id: String,
    /// Download or upload.
    pub direction: Direction,
    /// What it is for, in words (`roster`, `buildings`), shown in eSchoolPLUS.
    pub purpose: String,
    /// The headers, in run order.
    pub headers: Vec<Header>,
}

impl Definition {
    /// A definition; `interface_id` must have five characters.
    pub fn new(
        interface_id: &str,
        direction: Direction,
        purpose: &str,
        headers: Vec<Header>,
    ) -> Self {
        Definition {
            interface_id: interface_id.to_owned(),
            direction,
            purpose: purpose.to_owned(),
            headers,
        }
    }

    /// The file one header writes (or reads): `RSROS_stu.txt`.
    pub fn file_name(&self, header: &Header) -> String {
        format!(
            "{}_{}.txt",
            self.interface_id,
            header.id.to_ascii_lowercase()
        )
    }

    /// The header's `AdditionalSql`: for a download, the terminator join
    /// then the filter; for an upload, nothing.
    pub fn additional_sql(&self, header: &Header) -> String {
        match self.direction {
            Direction::Download => sql::download_sql(&header.condition),
            Direction::Upload => String::new(),
        }
    }

    /// A hash of everything the server stores of the definition but its
    /// description: the same content always gives the same hash.
    pub fn content_hash(&self) -> String {
        let body = self.json_with_description("");
        let digest = Sha256::digest(body.to_string().as_bytes());
        digest
            .iter()
            .take(ids::HASH_BYTES)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The description saved with it: its purpose and [`Definition::content_hash`],
    /// e.g. `rostersync roster #1a2b3c4d`.
    pub fn description(&self) -> String {
        format!(
            "{} {} {}{}",
            ids::DESCRIPTION_PREFIX,
            self.purpose,
            ids::HASH_MARK,
            self.content_hash()
        )
    }

    /// The same definition under its check id ([`ids::probe_id`]), with every
    /// header's filter extended so that it selects no row: running it proves
    /// the server accepts the tables, columns and SQL without reading data.
    pub fn probe(&self) -> Definition {
        let mut probe = self.clone();
        probe.interface_id = ids::probe_id(&self.interface_id);
        probe.purpose = format!("check of {}", self.purpose);
        for header in &mut probe.headers {
            header.condition = sql::all(&[header.condition.clone(), sql::NO_ROWS.to_owned()]);
        }
        probe
    }

    /// The body of `SaveUploadDownload`.
    pub fn to_json(&self) -> Value {
        self.json_with_description(&self.description())
    }

    fn json_with_description(&self, description: &str) -> Value {
        let code = self.direction.code();
        let headers: Vec<Value> = self
            .headers
            .iter()
            .enumerate()
            .map(|(index, header)| self.header_json(header, index + 1))
            .collect();
        json!({
            "IsCopyNew": "False",
            "NewHeaderNames": [""],
            "InterfaceHeadersToCopy": [""],
            "InterfaceToCopyFrom": [""],
            "CopyHeaders": "False",
            "PageEditMode": 0,
            "UploadDownloadDefinition": {
                "UploadDownload": code,
                "DistrictId": 0,
                "InterfaceId": self.interface_id,
                "Description": description,
                "UploadDownloadRaw": code,
                "ChangeUser": Value::Null,
                "DeleteEntity": false,
                "InterfaceHeaders": headers,
            }
        })
    }

    fn header_json(&self, header: &Header, order: usize) -> Value {
        let table = header.table.to_ascii_lowercase();
        let mut details: Vec<Value> = header
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let order = index + 1;
                self.detail_json(header, order, &table, column, file::FIELD_LENGTH, None)
            })
            .collect();
        if self.direction == Direction::Download {
            details.push(self.detail_json(
                header,
                file::TERMINATOR_FIELD,
                file::TERMINATOR_TABLE,
                file::TERMINATOR_COLUMN,
                file::TERMINATOR.len(),
                Some(file::TERMINATOR),
            ));
        }
        json!({
            "InterfaceId": self.interface_id,
            "HeaderId": header.id,
            "HeaderOrder": order,
            "Description": format!("{} {table}", ids::DESCRIPTION_PREFIX),
            "FileName": self.file_name(header),
            "LastRunDate": Value::Null,
            "DelimitChar": file::DELIMITER.to_string(),
            "TableAffected": table,
            "UseChangeFlag": false,
            "AdditionalSql": self.additional_sql(header),
            "ColumnHeaders": file::COLUMN_HEADERS,
            "Delete": false,
            "CanDelete": true,
            "ColumnHeadersRaw": if file::COLUMN_HEADERS { "Y" } else { "N" },
            "AffectedTableObject": {
                "Code": table,
                "Description": table,
                "CodeAndDescription": table,
                "ActiveRaw": "Y",
                "Active": true,
            },
            "InterfaceDetails": details,
        })
    }

    fn detail_json(
        &self,
        header: &Header,
        order: usize,
        table: &str,
        column: &str,
        length: usize,
        label: Option<&str>,
    ) -> Value {
        json!({
            "Edit": Value::Null,
            "InterfaceId": self.interface_id,
            "HeaderId": header.id,
            "FieldId": order.to_string(),
            "FieldOrder": order,
            "TableName": table,
            "TableAlias": Value::Null,
            "ColumnName": column,
            "ScreenType": Value::Null,
            "ScreenNumber": Value::Null,
            "FormatString": Value::Null,
            "StartPosition": Value::Null,
            "EndPosition": Value::Null,
            "FieldLength": length.to_string(),
            "ValidationTable": Value::Null,
            "CodeColumn": Value::Null,
            "ValidationList": Value::Null,
            "ErrorMessage": Value::Null,
            "ExternalTable": Value::Null,
            "ExternalColumnIn": Value::Null,
            "ExternalColumnOut": Value::Null,
            "Literal": Value::Null,
            "ColumnOverride": label,
            "Delete": false,
            "CanDelete": true,
            "NewRow": true,
            "InterfaceTranslations": [""],
        })
    }
}

#[cfg(test)]
mod tests;
