//! A tiny CSV reader for the simulator (quoted fields, doubled quotes, CRLF),
//! kept apart from the OneRoster client so the simulator depends on no client.

use std::collections::BTreeMap;

/// Splits `text` into rows of fields; blank lines are skipped.
fn records(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    rows
}

/// The rows of a CSV file with a header, as column → value maps; blank
/// cells are left out.
pub(crate) fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut all = records(text).into_iter();
    let Some(header) = all.next() else {
        return Vec::new();
    };
    all.map(|row| {
        header
            .iter()
            .zip(row)
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect()
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lists_and_blank_cells() {
        let rows = rows("a,b,c\r\n1,\"x,y\",\r\n\r\n2,\"say \"\"hi\"\"\",z");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["b"], "x,y");
        assert!(!rows[0].contains_key("c"));
        assert_eq!(rows[1]["b"], "say \"hi\"");
    }
}
