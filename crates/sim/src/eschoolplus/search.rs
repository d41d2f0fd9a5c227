//! The search screens (reference A2, "Search"): `Search/ExecuteSearch`
//! runs a search of one search type with list fields and predicates and
//! keeps its result in the session; `Search/GetSearchResults` pages through
//! it jqGrid-style (`total` pages, `page`, `records`, `rows` of
//! `ColumnN = {ColumnName, RawValue}` with HTML-encoded, padded values).
//!
//! Supported: fields and predicates on the search type's own table, the
//! operators `Equal`, `NotEqual`, `In` and `IsNotNull`, joined by `And`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::tables::EspTables;

/// The table each search type lists.
const SEARCH_TABLES: &[(&str, &str)] = &[
    ("REGMAINT", "REG"),
    ("STAFFCATALOG", "REG_STAFF"),
    ("BUILDINGDEF", "REG_BUILDING"),
    ("MASTERSCHEDULE", "SCHD_MS"),
    ("COURSECAT", "SCHD_COURSE"),
    ("MPS", "REG_MP_WEEKS"),
];

/// The comparison form of a value: trimmed, a number by its value (`0101`
/// = `101`), text upper case (SQL Server's default collation ignores case).
fn norm(value: &str) -> String {
    let value = value.trim();
    match value.parse::<f64>() {
        Ok(number)
            if value
                .chars()
                .all(|c| c.is_ascii_digit() || "-.".contains(c)) =>
        {
            format!("{number}")
        }
        _ => value.to_uppercase(),
    }
}

/// The result of one search, kept for paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SearchResult {
    /// `(list field index, column name)`.
    pub(crate) columns: Vec<(i64, String)>,
    pub(crate) rows: Vec<Vec<String>>,
}

#[derive(Debug, Default)]
struct Predicate {
    logical: String,
    table: String,
    column: String,
    operator: String,
    values: Vec<String>,
}

/// `Prefix[3].Name` → `(3, "Name")`.
fn indexed<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = key.strip_prefix(prefix)?.strip_prefix('[')?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest.strip_prefix('.')?))
}

/// The search type and the result of `ExecuteSearch`'s form.
///
/// # Errors
///
/// A validation message for an unknown search type, table, column or operator.
pub(crate) fn execute(
    pairs: &[(String, String)],
    tables: &EspTables,
) -> Result<(String, SearchResult), String> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    };
    let search_type = get("searchType").to_ascii_uppercase();
    let table_name = SEARCH_TABLES
        .iter()
        .find(|(t, _)| *t == search_type)
        .map(|(_, table)| *table)
        .ok_or_else(|| format!("Search type '{search_type}' is not supported"))?;
    let table = tables
        .table(table_name)
        .ok_or_else(|| format!("Invalid object name '{table_name}'"))?;
    let mut fields: BTreeMap<usize, (String, String, Option<i64>)> = BTreeMap::new();
    let mut predicates: BTreeMap<usize, Predicate> = BTreeMap::new();
    for (key, value) in pairs {
        if let Some((i, name)) = indexed(key, "ListFields.Fields") {
            let field = fields.entry(i).or_default();
            match name {
                "TableName" => field.0 = value.clone(),
                "ColumnName" => field.1 = value.clone(),
                "ListFieldIndex" => field.2 = value.trim().parse().ok(),
                _ => {}
            }
        } else if let Some((i, name)) = indexed(key, "Filter.Predicates") {
            let predicate = predicates.entry(i).or_default();
            match name {
                "LogicalOperator" => predicate.logical = value.clone(),
                "TableName" => predicate.table = value.clone(),
                "ColumnName" => predicate.column = value.clone(),
                "Operator" => predicate.operator = value.clone(),
                _ if name.starts_with("Values") => predicate.values.extend(
                    value
                        .split(',')
                        .map(|v| v.trim().trim_matches('\'').to_owned()),
                ),
                _ => {}
            }
        }
    }
    let own = |t: &str| t.is_empty() || t.eq_ignore_ascii_case(table_name);
    let column = |t: &str, c: &str| -> Result<usize, String> {
        if !own(t) {
            return Err(format!("{t} cannot be searched from {search_type}"));
        }
        table
            .index(c)
            .ok_or_else(|| format!("Invalid column name '{c}'"))
    };
    let mut picks = Vec::new();
    let mut columns = Vec::new();
    for (i, (t, c, index)) in &fields {
        picks.push(column(t, c)?);
        columns.push((index.unwrap_or(*i as i64), c.to_ascii_uppercase()));
    }
    let mut tests = Vec::new();
    for predicate in predicates.values() {
        if !predicate.logical.is_empty() && !predicate.logical.eq_ignore_ascii_case("And") {
            return Err(format!(
                "Logical operator '{}' is not supported",
                predicate.logical
            ));
        }
        let at = column(&predicate.table, &predicate.column)?;
        let values: BTreeSet<String> = predicate.values.iter().map(|v| norm(v)).collect();
        let operator = predicate.operator.to_ascii_lowercase();
        if !["equal", "notequal", "in", "isnotnull"].contains(&operator.as_str()) {
            return Err(format!(
                "Operator '{}' is not supported",
                predicate.operator
            ));
        }
        tests.push((at, operator, values));
    }
    let rows = table
        .rows
        .iter()
        .filter(|row| {
            tests.iter().all(|(at, operator, values)| {
                let value = row.get(*at).map_or("", String::as_str);
                match operator.as_str() {
                    "isnotnull" => !value.trim().is_empty(),
                    "notequal" => !values.contains(&norm(value)),
                    _ => values.contains(&norm(value)),
                }
            })
        })
        .map(|row| {
            picks
                .iter()
                .map(|at| row.get(*at).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    Ok((search_type, SearchResult { columns, rows }))
}

fn html_encode(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// One page of a result: `rows` per page, `page` from 1, sorted by the
/// column `sidx` (`sord` `asc` or `desc`) when given.
pub(crate) fn page(
    result: &SearchResult,
    rows: usize,
    page: usize,
    sidx: &str,
    sord: &str,
) -> Value {
    let size = rows.max(1);
    let mut order: Vec<&Vec<String>> = result.rows.iter().collect();
    if let Some(at) = result
        .columns
        .iter()
        .position(|(_, c)| c.eq_ignore_ascii_case(sidx))
    {
        order.sort_by_key(|row| row.get(at).map(|v| v.trim().to_uppercase()));
        if sord.eq_ignore_ascii_case("desc") {
            order.reverse();
        }
    }
    let total = order.len().div_ceil(size);
    let page = page.max(1);
    let width: Vec<usize> = (0..result.columns.len())
        .map(|i| {
            result
                .rows
                .iter()
                .map(|r| r.get(i).map_or(0, |v| v.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rows: Vec<Value> = order
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|row| {
            let mut cells = serde_json::Map::new();
            for (i, (index, name)) in result.columns.iter().enumerate() {
                let value = row.get(i).map_or("", String::as_str);
                // Values come padded to the column's width, as from char columns.
                let padded = format!("{value:<width$}", width = width[i]);
                cells.insert(
                    format!("Column{index}"),
                    json!({ "ColumnName": name, "RawValue": html_encode(&padded) }),
                );
            }
            Value::Object(cells)
        })
        .collect();
    json!({
        "total": total,
        "page": page,
        "records": order.len(),
        "rows": rows,
    })
}
