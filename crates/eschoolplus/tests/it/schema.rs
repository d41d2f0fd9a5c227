//! Every definition rostersync can send names only tables and columns of the
//! real eSchoolPLUS schema: its details, its tables affected, and every table
//! and column its filters name. The list is the fixture the simulator embeds
//! (`crates/sim/data/eschoolplus-columns.csv`, from the public record).

use std::collections::BTreeSet;

use rostersync_eschoolplus::definitions::{self, Definition, Scope};
use rostersync_sim::eschoolplus::schema::EspSchema;
use serde_json::Value;

const KEYWORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "IN", "NOT", "NULL", "IS", "LIKE", "LEFT", "OUTER",
    "INNER", "JOIN", "ON", "AS",
];

/// A word of SQL outside string literals: a name (brackets removed) or a
/// keyword, upper case.
fn words(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                // A literal: skip to its end ('' is a quote inside it).
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '[' => {
                let name: String = chars.by_ref().take_while(|c| *c != ']').collect();
                out.push(name.to_ascii_uppercase());
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut word = c.to_string();
                while let Some(next) = chars.peek() {
                    if next.is_ascii_alphanumeric() || *next == '_' || *next == '.' {
                        word.push(*next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(word.to_ascii_uppercase());
            }
            _ => {}
        }
    }
    out
}

/// The tables and columns one header's SQL names, checked against the
/// schema; every problem found, as text.
fn check_sql(schema: &EspSchema, table_affected: &str, sql: &str) -> Vec<String> {
    let words = words(sql);
    let mut problems = Vec::new();
    let mut tables: BTreeSet<String> = BTreeSet::from([table_affected.to_ascii_uppercase()]);
    let mut aliases = BTreeSet::new();
    for pair in words.windows(2) {
        // `JOIN (SELECT ...)` joins a derived table, named after `AS`.
        if (pair[0] == "FROM" || pair[0] == "JOIN") && !KEYWORDS.contains(&pair[1].as_str()) {
            tables.insert(pair[1].clone());
        }
        if pair[0] == "AS" {
            aliases.insert(pair[1].clone());
        }
    }
    for table in &tables {
        if !schema.has_table(table) {
            problems.push(format!("table {table} is not in the schema"));
        }
    }
    for word in &words {
        if KEYWORDS.contains(&word.as_str()) || tables.contains(word) || aliases.contains(word) {
            continue;
        }
        match word.split_once('.') {
            Some((table, column)) => {
                if !schema.has_column(table, column) {
                    problems.push(format!("column {word} is not in the schema"));
                }
            }
            None => {
                if !tables.iter().any(|table| schema.has_column(table, word)) {
                    problems.push(format!(
                        "column {word} is in none of the tables the SQL names ({tables:?})"
                    ));
                }
            }
        }
    }
    problems
}

/// Every problem of one definition, as text naming it.
fn check(schema: &EspSchema, definition: &Definition) -> Vec<String> {
    let json = definition.to_json();
    let mut problems = Vec::new();
    let headers = json["UploadDownloadDefinition"]["InterfaceHeaders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for header in &headers {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let affected = text(&header["TableAffected"]);
        if !schema.has_table(&affected) {
            problems.push(format!("TableAffected {affected} is not in the schema"));
        }
        for detail in header["InterfaceDetails"].as_array().into_iter().flatten() {
            let (table, column) = (text(&detail["TableName"]), text(&detail["ColumnName"]));
            if !schema.has_column(&table, &column) {
                problems.push(format!("detail {table}.{column} is not in the schema"));
            }
        }
        problems.extend(check_sql(
            schema,
            &affected,
            &text(&header["AdditionalSql"]),
        ));
    }
    problems
        .into_iter()
        .map(|problem| format!("{}: {problem}", definition.interface_id))
        .collect()
}

#[test]
fn every_definition_names_only_tables_and_columns_of_the_real_schema() {
    let schema = EspSchema::real();
    let scope = Scope {
        buildings: vec!["10".into(), "20".into()],
        school_year: 2026,
    };
    let all = definitions::every(&scope, &["512".into(), "513".into()]);
    assert!(all.len() >= 9, "{}", all.len());
    let problems: Vec<String> = all.iter().flat_map(|d| check(schema, d)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_check_catches_a_made_up_column_a_made_up_table_and_an_unbound_name() {
    let schema = EspSchema::real();
    let mut bad = definitions::buildings();
    bad.headers[0].columns = &["BUILDING", "#!#"];
    bad.headers[0].condition = "reg_building.BUILDING IN (SELECT X FROM NO_SUCH_TABLE)".into();
    let problems = check(schema, &bad);
    let text = problems.join("\n");
    assert!(
        text.contains("detail reg_building.#!# is not in the schema"),
        "{text}"
    );
    assert!(
        text.contains("table NO_SUCH_TABLE is not in the schema"),
        "{text}"
    );
    assert!(text.contains("column X is in none of the tables"), "{text}");
    // REG_CONTACT has no SCHOOL_YEAR (a fact of the list).
    let mut no_year = definitions::buildings();
    no_year.headers[0].table = "REG_CONTACT";
    no_year.headers[0].columns = &["CONTACT_ID", "SCHOOL_YEAR"];
    assert_eq!(
        check(schema, &no_year).len(),
        1,
        "{:?}",
        check(schema, &no_year)
    );
}
