//! The SQL rostersync writes into a definition's `AdditionalSql`: the
//! record-terminator join and filter conditions, in the subset that both
//! SQL Server (the real server) and SQLite (the simulator) run — `IN`,
//! sub-queries, `OR`, `LIKE`, `IS NULL`, bracketed names — with every value
//! quoted as a string literal, so nothing from the data is spliced as SQL.

use crate::assumptions::file;

/// The join that makes the terminator column: a derived one-row table that
/// shadows `spi_checklist_setup_hdr` and whose `RC_RUN` is `#!#`. FACT
/// (reference §A2.1): the public scripts start every download header's
/// `AdditionalSql` with exactly this, before any filter.
pub fn terminator_join() -> String {
    format!(
        "LEFT OUTER JOIN (SELECT '{}' AS '{}') AS [{}] ON 1=1",
        file::TERMINATOR,
        file::TERMINATOR_COLUMN,
        file::TERMINATOR_TABLE
    )
}

/// A value as a SQL string literal: `'...'` with every `'` doubled. SQL
/// Server converts it where the column is numeric, so numbers are quoted too.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `IN ('a','b')`; `IN (NULL)` (true for no row) when `values` is empty.
pub fn in_list<I, S>(values: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let list: Vec<String> = values.into_iter().map(|v| literal(v.as_ref())).collect();
    if list.is_empty() {
        "IN (NULL)".to_owned()
    } else {
        format!("IN ({})", list.join(","))
    }
}

/// `table.COLUMN`, the qualified name of a column of the header's own table
/// (qualified so that the terminator table's `RC_RUN` never makes a name
/// ambiguous).
pub fn column(table: &str, column: &str) -> String {
    format!("{}.{column}", table.to_ascii_lowercase())
}

/// Conditions joined with `AND`, each in brackets; empty when there are none.
pub fn all(conditions: &[String]) -> String {
    conditions
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The `AdditionalSql` of a download header: the terminator join, then
/// `WHERE condition` unless the condition is empty.
pub fn download_sql(condition: &str) -> String {
    if condition.is_empty() {
        terminator_join()
    } else {
        format!("{} WHERE {condition}", terminator_join())
    }
}

/// A condition that keeps no row, for a check that runs a definition
/// without reading data; SQL Server still compiles everything around it.
pub const NO_ROWS: &str = "1 = 0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_in_a_value_is_doubled_and_never_ends_the_literal() {
        assert_eq!(literal("10"), "'10'");
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(literal("1') OR ('1'='1"), "'1'') OR (''1''=''1'");
        assert_eq!(in_list(["10", "2'0"]), "IN ('10','2''0')");
        assert_eq!(in_list(Vec::<String>::new()), "IN (NULL)");
    }

    #[test]
    fn the_terminator_join_is_the_scripts_and_filters_follow_it() {
        assert_eq!(
            terminator_join(),
            "LEFT OUTER JOIN (SELECT '#!#' AS 'RC_RUN') AS [spi_checklist_setup_hdr] ON 1=1"
        );
        assert_eq!(download_sql(""), terminator_join());
        assert_eq!(
            download_sql("reg.BUILDING IN ('10')"),
            format!("{} WHERE reg.BUILDING IN ('10')", terminator_join())
        );
        assert_eq!(
            all(&["a = '1'".into(), String::new(), "b = '2'".into()]),
            "(a = '1') AND (b = '2')"
        );
    }
}
