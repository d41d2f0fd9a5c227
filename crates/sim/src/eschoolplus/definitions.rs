//! Upload and download definitions: the body of `SaveUploadDownload` read and
//! checked as a real server checks it, and the rows a saved definition is
//! kept in (`LTDB_INTERFACE_DEF`, `_HDR` and `_DET`), from which it is read
//! back to run.
//!
//! A definition is refused, and nothing stored, when its interface id is not
//! exactly five characters, `UploadDownload` is not `D` or `U`, a header has
//! no `HeaderId` of 1 to 5 characters (the column is `char(5)`), repeats one,
//! has no `FileName`, names a `TableAffected` outside the schema or has no
//! columns, or when a column lacks `TableName`, `ColumnName`, `FieldId` or
//! `FieldOrder`, repeats a `FieldId`, or names a `TableName.ColumnName`
//! outside the schema (`Unknown column REG_BUILDING.#!#`, the real server's
//! words; a column without `TableName` is looked up in the header's
//! `TableAffected` for that message, as the real server did). `Literal` is ignored (the public scripts always send null);
//! `ColumnOverride` is the column's label in a file's header line.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::EspSchema;
use super::tables::{EspTable, EspTables};

/// One column of a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) field_id: String,
    pub(crate) order: i64,
    /// `TableName` as written (`reg`).
    pub(crate) table: String,
    /// `ColumnName` as written (`STUDENT_ID`).
    pub(crate) column: String,
    pub(crate) column_override: Option<String>,
    pub(crate) field_length: String,
}

impl Field {
    /// The column's label in a header line: `ColumnOverride`, else `ColumnName`.
    pub(crate) fn label(&self) -> &str {
        self.column_override.as_deref().unwrap_or(&self.column)
    }
}

/// One header: one file, one table and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) header_id: String,
    pub(crate) order: i64,
    pub(crate) description: String,
    pub(crate) file_name: String,
    pub(crate) delimiter: char,
    /// `TableAffected` as written (`reg`).
    pub(crate) table: String,
    /// SQL the server appends after `FROM <TableAffected>`.
    pub(crate) additional_sql: String,
    pub(crate) column_headers: bool,
    pub(crate) use_change_flag: bool,
    /// In `FieldOrder`.
    pub(crate) fields: Vec<Field>,
}

/// A saved definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    pub(crate) interface_id: String,
    pub(crate) upload: bool,
    pub(crate) description: String,
    /// In `HeaderOrder`.
    pub(crate) headers: Vec<Header>,
}

impl Definition {
    /// Whether a header of this definition reads or writes `table`.
    pub(crate) fn touches(&self, table: &str) -> bool {
        self.headers
            .iter()
            .any(|header| header.table.eq_ignore_ascii_case(table))
    }
}

/// A text value, trimmed; a number as its digits; null or missing as empty.
fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// An integer given as a number or as text.
fn integer(value: &Value, key: &str) -> Option<i64> {
    let value = value.get(key)?;
    value
        .as_i64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A flag given as a boolean, `"true"` or `"Y"`.
fn flag(value: &Value, key: &str) -> bool {
    match value.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true") || s.trim() == "Y",
        _ => false,
    }
}

/// The first character of a delimiter (not trimmed: a tab is a delimiter); `,` when empty.
fn delimiter(text: &str) -> char {
    text.chars().next().unwrap_or(',')
}

/// The elements of list `key` (missing or null: none).
fn list<'a>(value: &'a Value, key: &str) -> Result<&'a [Value], String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{key} must be a list")),
    }
}

/// Reads and checks the body of `SaveUploadDownload`.
///
/// # Errors
///
/// The validation message a real server would give (see the module docs).
pub(crate) fn parse(body: &Value) -> Result<Definition, String> {
    let def = body
        .get("UploadDownloadDefinition")
        .filter(|d| d.is_object())
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
    let mut headers = Vec::new();
    for (at, header) in list(def, "InterfaceHeaders")?.iter().enumerate() {
        let header = parse_header(header, at)?;
        if headers
            .iter()
            .any(|h: &Header| h.header_id.eq_ignore_ascii_case(&header.header_id))
        {
            return Err(format!("Header ID '{}' is used twice", header.header_id));
        }
        headers.push(header);
    }
    headers.sort_by_key(|h| h.order);
    Ok(Definition {
        interface_id,
        upload,
        description: text(def, "Description"),
        headers,
    })
}

fn parse_header(header: &Value, at: usize) -> Result<Header, String> {
    let header_id = text(header, "HeaderId");
    if !(1..=5).contains(&header_id.chars().count()) {
        return Err(format!("Header ID '{header_id}' must be 1 to 5 characters"));
    }
    let file_name = text(header, "FileName");
    if file_name.is_empty() {
        return Err(format!("Header {header_id}: FileName is required"));
    }
    let table = text(header, "TableAffected");
    if table.is_empty() {
        return Err(format!("Header {header_id}: TableAffected is required"));
    }
    if !EspSchema::real().has_table(&table) {
        return Err(format!("Unknown table {}", table.to_uppercase()));
    }
    let mut fields: Vec<Field> = Vec::new();
    for detail in list(header, "InterfaceDetails")? {
        let field = parse_field(detail, &header_id, &table)?;
        if fields.iter().any(|f| f.field_id == field.field_id) {
            return Err(format!(
                "Header {header_id}: Field ID '{}' is used twice",
                field.field_id
            ));
        }
        fields.push(field);
    }
    if fields.is_empty() {
        return Err(format!("Header {header_id} has no columns"));
    }
    fields.sort_by_key(|f| f.order);
    let delimit = match header.get("DelimitChar") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Ok(Header {
        order: integer(header, "HeaderOrder").unwrap_or(at as i64 + 1),
        description: text(header, "Description"),
        file_name,
        delimiter: delimiter(&delimit),
        table,
        additional_sql: text(header, "AdditionalSql"),
        column_headers: flag(header, "ColumnHeaders"),
        use_change_flag: flag(header, "UseChangeFlag"),
        fields,
        header_id,
    })
}

/// `Unknown column TABLE.COLUMN`, the real server's words.
fn unknown_column(table: &str, column: &str) -> String {
    format!(
        "Unknown column {}.{}",
        table.to_uppercase(),
        column.to_uppercase()
    )
}

fn parse_field(detail: &Value, header_id: &str, header_table: &str) -> Result<Field, String> {
    let table = text(detail, "TableName");
    let column = text(detail, "ColumnName");
    let schema = EspSchema::real();
    // A real server checked a column without TableName against the header's
    // table: our old terminator column (TableName null, ColumnName `#!#`)
    // in a header of reg_building got `Unknown column REG_BUILDING.#!#`.
    if table.is_empty() && !column.is_empty() && !schema.has_column(header_table, &column) {
        return Err(unknown_column(header_table, &column));
    }
    if table.is_empty() || column.is_empty() {
        let missing = if table.is_empty() {
            "TableName"
        } else {
            "ColumnName"
        };
        return Err(format!(
            "Header {header_id}: a column has no {missing} ({table}.{column})"
        ));
    }
    if !schema.has_column(&table, &column) {
        return Err(unknown_column(&table, &column));
    }
    let field_id = text(detail, "FieldId");
    if field_id.is_empty() {
        return Err(format!(
            "Header {header_id}: column {table}.{column} has no FieldId"
        ));
    }
    let order = integer(detail, "FieldOrder")
        .ok_or_else(|| format!("Header {header_id}: column {table}.{column} has no FieldOrder"))?;
    let column_override = Some(text(detail, "ColumnOverride")).filter(|o| !o.is_empty());
    Ok(Field {
        field_id,
        order,
        table,
        column,
        column_override,
        field_length: text(detail, "FieldLength"),
    })
}

/// One row of a table, column → value.
type Row = BTreeMap<String, String>;

/// The tables a saved definition is kept in.
pub(crate) const DEF: &str = "LTDB_INTERFACE_DEF";
pub(crate) const HDR: &str = "LTDB_INTERFACE_HDR";
pub(crate) const DET: &str = "LTDB_INTERFACE_DET";

fn yes_no(flag: bool) -> String {
    if flag { "Y" } else { "N" }.to_owned()
}

/// Removes the rows of `interface_id` from `table`.
fn forget(table: &mut EspTable, interface_id: &str) {
    if let Some(at) = table.index("INTERFACE_ID") {
        table.rows.retain(|row| {
            !row.get(at)
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(interface_id))
        });
    }
}

/// The rows of `interface_id` in `table`, as column → value maps.
fn rows_of(tables: &EspTables, table: &str, interface_id: &str) -> Vec<Row> {
    tables
        .table(table)
        .map(EspTable::records)
        .unwrap_or_default()
        .into_iter()
        .filter(|row| {
            row.get("INTERFACE_ID")
                .is_some_and(|id| id.trim().eq_ignore_ascii_case(interface_id))
        })
        .collect()
}

impl Definition {
    /// Writes the definition into the `LTDB_INTERFACE_*` tables of
    /// `tables`, replacing its earlier rows; `district` fills `DISTRICT`.
    /// Returns the tables written.
    pub(crate) fn store(&self, district: &str, tables: &mut EspTables) -> [&'static str; 3] {
        let id = self.interface_id.as_str();
        let common = |more: Vec<(&'static str, String)>| {
            let mut row = vec![
                ("DISTRICT", district.to_owned()),
                ("INTERFACE_ID", id.to_owned()),
            ];
            row.extend(more);
            row
        };
        if let Some(table) = tables.table_mut(DEF) {
            forget(table, id);
            table.push(&common(vec![
                ("DESCRIPTION", self.description.clone()),
                (
                    "UPLOAD_DOWNLOAD",
                    if self.upload { "U" } else { "D" }.to_owned(),
                ),
            ]));
        }
        if let Some(table) = tables.table_mut(HDR) {
            forget(table, id);
            for h in &self.headers {
                table.push(&common(vec![
                    ("HEADER_ID", h.header_id.clone()),
                    ("HEADER_ORDER", h.order.to_string()),
                    ("DESCRIPTION", h.description.clone()),
                    ("FILENAME", h.file_name.clone()),
                    ("DELIMIT_CHAR", h.delimiter.to_string()),
                    ("USE_CHANGE_FLAG", yes_no(h.use_change_flag)),
                    ("TABLE_AFFECTED", h.table.clone()),
                    ("ADDITIONAL_SQL", h.additional_sql.clone()),
                    ("COLUMN_HEADERS", yes_no(h.column_headers)),
                ]));
            }
        }
        if let Some(table) = tables.table_mut(DET) {
            forget(table, id);
            for h in &self.headers {
                for f in &h.fields {
                    table.push(&common(vec![
                        ("HEADER_ID", h.header_id.clone()),
                        ("FIELD_ID", f.field_id.clone()),
                        ("FIELD_ORDER", f.order.to_string()),
                        ("TABLE_NAME", f.table.clone()),
                        ("COLUMN_NAME", f.column.clone()),
                        ("FIELD_LENGTH", f.field_length.clone()),
                        (
                            "COLUMN_OVERRIDE",
                            f.column_override.clone().unwrap_or_default(),
                        ),
                    ]));
                }
            }
        }
        [DEF, HDR, DET]
    }

    /// Reads definition `interface_id` (case-insensitive) back from the
    /// `LTDB_INTERFACE_*` tables; `None` when `LTDB_INTERFACE_DEF` lacks it.
    pub(crate) fn load(interface_id: &str, tables: &EspTables) -> Option<Definition> {
        let def = rows_of(tables, DEF, interface_id).into_iter().next()?;
        let get = |row: &Row, column: &str| row.get(column).cloned().unwrap_or_default();
        let number =
            |row: &Row, column: &str| get(row, column).trim().parse::<i64>().unwrap_or(i64::MAX);
        let details = rows_of(tables, DET, interface_id);
        let mut headers: Vec<Header> = rows_of(tables, HDR, interface_id)
            .iter()
            .map(|h| {
                let header_id = get(h, "HEADER_ID").trim().to_owned();
                let mut fields: Vec<Field> = details
                    .iter()
                    .filter(|d| get(d, "HEADER_ID").trim().eq_ignore_ascii_case(&header_id))
                    .map(|d| Field {
                        field_id: get(d, "FIELD_ID").trim().to_owned(),
                        order: number(d, "FIELD_ORDER"),
                        table: get(d, "TABLE_NAME").trim().to_owned(),
                        column: get(d, "COLUMN_NAME").trim().to_owned(),
                        column_override: Some(get(d, "COLUMN_OVERRIDE")).filter(|o| !o.is_empty()),
                        field_length: get(d, "FIELD_LENGTH"),
                    })
                    .collect();
                fields.sort_by_key(|f| f.order);
                Header {
                    order: number(h, "HEADER_ORDER"),
                    description: get(h, "DESCRIPTION"),
                    file_name: get(h, "FILENAME").trim().to_owned(),
                    delimiter: delimiter(&get(h, "DELIMIT_CHAR")),
                    table: get(h, "TABLE_AFFECTED").trim().to_owned(),
                    additional_sql: get(h, "ADDITIONAL_SQL"),
                    column_headers: get(h, "COLUMN_HEADERS").trim() == "Y",
                    use_change_flag: get(h, "USE_CHANGE_FLAG").trim() == "Y",
                    fields,
                    header_id,
                }
            })
            .collect();
        headers.sort_by_key(|h| h.order);
        Some(Definition {
            interface_id: get(&def, "INTERFACE_ID").trim().to_owned(),
            upload: get(&def, "UPLOAD_DOWNLOAD").trim() == "U",
            description: get(&def, "DESCRIPTION"),
            headers,
        })
    }
}
