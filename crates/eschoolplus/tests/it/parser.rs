//! Parser properties: whatever a field holds survives write → parse.

use proptest::prelude::*;
use rostersync_eschoolplus::parse::{self, FileFormat, Layout};

const COLUMNS: &[&str] = &["ID", "NAME", "NOTES"];
const LAYOUT: Layout<'static> = Layout {
    columns: COLUMNS,
    free_text: Some("NOTES"),
};

fn round_trip(rows: &[Vec<String>]) -> Option<Vec<Vec<String>>> {
    let bytes = parse::write(FileFormat::DOWNLOAD, COLUMNS, rows, Some(2)).ok()?;
    let (table, problems) = parse::parse("p.txt", &bytes, FileFormat::DOWNLOAD, LAYOUT).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    Some(table.rows.into_iter().map(|row| row.fields).collect())
}

fn trimmed(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|f| f.trim().to_owned()).collect())
        .collect()
}

// Plain text, accents, Windows-1252 specials, line breaks, tabs and spaces.
const SAFE: &str = "[a-zA-Z0-9 éÉñÑüÜßøØçÇ€’—…\r\n\t,;:'\"#!.-]{0,12}";
// Anything at all, including the delimiter and characters Windows-1252 lacks.
const ANY: &str = "\\PC{0,12}";

proptest! {
    #[test]
    fn representable_fields_survive_write_and_parse(
        rows in prop::collection::vec((SAFE, SAFE, prop::string::string_regex(&format!("{SAFE}(\\|{SAFE})?")).unwrap()), 0..6)
    ) {
        let rows: Vec<Vec<String>> = rows.into_iter().map(|(a, b, c)| vec![a, b, c]).collect();
        let safe_of_terminator = rows.iter().flatten().all(|f| !f.contains("#!#"));
        match round_trip(&rows) {
            Some(parsed) => prop_assert_eq!(parsed, trimmed(&rows)),
            None => prop_assert!(!safe_of_terminator, "write refused {:?}", rows),
        }
    }

    #[test]
    fn any_field_is_refused_or_read_back_unchanged(
        rows in prop::collection::vec((ANY, ANY, ANY), 0..4)
    ) {
        let rows: Vec<Vec<String>> = rows.into_iter().map(|(a, b, c)| vec![a, b, c]).collect();
        if let Some(parsed) = round_trip(&rows) {
            prop_assert_eq!(parsed, trimmed(&rows));
        }
    }
}
