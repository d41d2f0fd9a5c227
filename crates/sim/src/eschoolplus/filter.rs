//! The `AdditionalSql` of a download definition, evaluated against the
//! tables: a small subset of SQL that covers what the client writes.
//!
//! ```text
//! filter := "" | WHERE cond
//! cond   := conj (OR conj)*
//! conj   := pred (AND pred)*
//! pred   := column = value
//!         | column IN ( value, ... )
//!         | column IN ( SELECT column FROM table [WHERE cond] )
//! value  := number | 'text'
//! ```
//!
//! Values compare trimmed, numbers by value (`0101` = `101`), text without
//! regard to case (SQL Server's default collation). Anything else is an
//! error, which fails the task as a real server fails a bad definition.

use std::collections::BTreeSet;

use super::tables::{EspTable, EspTables};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(String),
    Text(String),
    Punct(char),
}

fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_.".contains(chars[i])) {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push(Token::Number(chars[start..i].iter().collect()));
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".to_owned()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        text.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        text.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Text(text));
        } else if "(),=".contains(c) {
            out.push(Token::Punct(c));
            i += 1;
        } else {
            return Err(format!("Incorrect syntax near '{c}'"));
        }
    }
    Ok(out)
}

/// One predicate: the column's index and the values it accepts.
type Pred = (usize, BTreeSet<String>);

/// A compiled condition on one table's rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// Alternatives joined by OR, each a list of predicates joined by AND;
    /// no alternative at all accepts every row.
    any_of: Vec<Vec<Pred>>,
}

impl Filter {
    /// Whether `row` passes.
    pub(crate) fn accepts(&self, row: &[String]) -> bool {
        let holds = |(index, values): &Pred| {
            values.contains(&norm(row.get(*index).map_or("", String::as_str)))
        };
        self.any_of.is_empty() || self.any_of.iter().any(|all| all.iter().all(holds))
    }
}

/// The comparison form of a value.
pub(crate) fn norm(value: &str) -> String {
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

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    tables: &'a EspTables,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, String> {
        let token = self.peek().cloned().ok_or("unexpected end of filter")?;
        self.at += 1;
        Ok(token)
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next()? {
            Token::Punct(p) if p == c => Ok(()),
            other => Err(format!("expected '{c}', found {other:?}")),
        }
    }

    fn word(&mut self) -> Result<String, String> {
        match self.next()? {
            Token::Word(w) => Ok(w),
            other => Err(format!("expected a name, found {other:?}")),
        }
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next()? {
            Token::Number(n) | Token::Text(n) => Ok(norm(&n)),
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    fn cond(&mut self, table: &EspTable) -> Result<Filter, String> {
        let mut filter = Filter::default();
        loop {
            let mut all = vec![self.pred(table)?];
            while self.keyword("AND") {
                all.push(self.pred(table)?);
            }
            filter.any_of.push(all);
            if !self.keyword("OR") {
                return Ok(filter);
            }
        }
    }

    fn pred(&mut self, table: &EspTable) -> Result<Pred, String> {
        let column = self.word()?;
        let index = table
            .index(&column)
            .ok_or_else(|| format!("Invalid column name '{column}'"))?;
        if matches!(self.peek(), Some(Token::Punct('='))) {
            self.at += 1;
            return Ok((index, BTreeSet::from([self.value()?])));
        }
        if !self.keyword("IN") {
            return Err(format!("only = and IN are supported after {column}"));
        }
        self.expect('(')?;
        let values = if self.keyword("SELECT") {
            let picked = self.word()?;
            if !self.keyword("FROM") {
                return Err("expected FROM".to_owned());
            }
            let name = self.word()?;
            let inner = self
                .tables
                .table(&name)
                .ok_or_else(|| format!("Invalid object name '{name}'"))?;
            let pick = inner
                .index(&picked)
                .ok_or_else(|| format!("Invalid column name '{picked}'"))?;
            let filter = if self.keyword("WHERE") {
                self.cond(inner)?
            } else {
                Filter::default()
            };
            inner
                .rows
                .iter()
                .filter(|row| filter.accepts(row))
                .map(|row| norm(row.get(pick).map_or("", String::as_str)))
                .collect()
        } else {
            let mut values = BTreeSet::from([self.value()?]);
            while matches!(self.peek(), Some(Token::Punct(','))) {
                self.at += 1;
                values.insert(self.value()?);
            }
            values
        };
        self.expect(')')?;
        Ok((index, values))
    }
}

/// Compiles `sql` (empty or `WHERE ...`) for rows of `table`.
///
/// # Errors
///
/// The server's message when the filter is not understood or names an
/// unknown table or column.
pub(crate) fn compile(sql: &str, table: &EspTable, tables: &EspTables) -> Result<Filter, String> {
    let tokens = tokenize(sql)?;
    if tokens.is_empty() {
        return Ok(Filter::default());
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        tables,
    };
    if !parser.keyword("WHERE") {
        return Err("the filter must start with WHERE".to_owned());
    }
    let filter = parser.cond(table)?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(format!("Incorrect syntax near {token:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> EspTables {
        let mut tables = EspTables::empty();
        let reg = tables.table_mut("REG").unwrap();
        reg.push(&[("STUDENT_ID", "S1".into()), ("BUILDING", "101".into())]);
        reg.push(&[("STUDENT_ID", "S2".into()), ("BUILDING", "102".into())]);
        let links = tables.table_mut("REG_STU_CONTACT").unwrap();
        links.push(&[("STUDENT_ID", "s1".into()), ("CONTACT_ID", "7".into())]);
        links.push(&[("STUDENT_ID", "S2".into()), ("CONTACT_ID", "8".into())]);
        tables
    }

    #[test]
    fn nested_selects_numbers_and_text_compare_like_sql_server() {
        let tables = tables();
        let links = tables.table("REG_STU_CONTACT").unwrap();
        let filter = compile(
            "WHERE CONTACT_ID IN (SELECT CONTACT_ID FROM REG_STU_CONTACT WHERE STUDENT_ID IN (SELECT STUDENT_ID FROM REG WHERE BUILDING IN (0101)))",
            links,
            &tables,
        )
        .unwrap();
        let kept: Vec<bool> = links.rows.iter().map(|r| filter.accepts(r)).collect();
        assert_eq!(kept, vec![true, false]);
        let reg = tables.table("REG").unwrap();
        let filter = compile("where BUILDING = 102 AND STUDENT_ID = 's2'", reg, &tables).unwrap();
        assert_eq!(reg.rows.iter().filter(|r| filter.accepts(r)).count(), 1);
        assert!(compile("WHERE NOPE = 1", reg, &tables).is_err());
        assert!(compile("WHERE BUILDING > 1", reg, &tables).is_err());
        assert!(compile("", reg, &tables).unwrap().accepts(&reg.rows[0]));
    }

    #[test]
    fn or_joins_alternatives_and_binds_looser_than_and() {
        let tables = tables();
        let reg = tables.table("REG").unwrap();
        let kept = |sql: &str| -> Vec<bool> {
            let filter = compile(sql, reg, &tables).unwrap();
            reg.rows.iter().map(|r| filter.accepts(r)).collect()
        };
        assert_eq!(
            kept("WHERE BUILDING = 999 OR STUDENT_ID = 'S2'"),
            [false, true]
        );
        assert_eq!(kept("WHERE BUILDING = 101 OR BUILDING = 102"), [true, true]);
        // (101 AND S2) OR 102: only the second row.
        assert_eq!(
            kept("WHERE BUILDING = 101 AND STUDENT_ID = 'S2' OR BUILDING = 102"),
            [false, true]
        );
        assert!(compile("WHERE BUILDING = 101 OR", reg, &tables).is_err());
    }
}
