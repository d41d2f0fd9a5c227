//! The rewrite of the commands' part of the file (below the marker line),
//! made with `toml_edit` so that what an administrator wrote there stays:
//! comments, the order of keys and tables, inline or standard tables, and
//! any other table kept below the marker.
//!
//! The new `[schedule]` and `[mapping]` are merged into the text as it is:
//! a value that did not change is left exactly as written, a changed value
//! keeps the comment above its key, a key the new mapping no longer has is
//! removed (with its comment), and a new key or table is added after the
//! ones already there.

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// The root tables the commands own; other tables below the marker are left alone.
const OWNED: [&str; 2] = ["schedule", "mapping"];

/// Merges `fresh` (the commands' part as plain TOML) into `written` (the
/// text below the marker as the file has it).
pub(crate) fn merge(written: &str, fresh: &str) -> Result<String, toml_edit::TomlError> {
    let mut doc: DocumentMut = written.parse()?;
    let fresh: DocumentMut = fresh.parse()?;
    let root = doc.as_table_mut();
    for key in OWNED {
        match (root.get_mut(key), fresh.get(key)) {
            (Some(old), Some(new)) => merge_item(old, new),
            (None, Some(new)) => {
                root.insert(key, unplaced(new));
            }
            (Some(_), None) => {
                root.remove(key);
            }
            (None, None) => {}
        }
    }
    Ok(doc.to_string())
}

/// Makes `old` say what `new` says, changing as little of `old` as it can.
fn merge_item(old: &mut Item, new: &Item) {
    if let (Some(old_table), Some(new_table)) = (old.as_table_like_mut(), new.as_table_like()) {
        merge_table(old_table, new_table);
        return;
    }
    match (old.as_value_mut(), new.as_value()) {
        (Some(old_value), Some(new_value)) => {
            if !same(old_value, new_value) {
                let decor = old_value.decor().clone();
                *old_value = new_value.clone();
                *old_value.decor_mut() = decor;
            }
        }
        _ => *old = unplaced(new),
    }
}

fn merge_table(old: &mut dyn TableLike, new: &dyn TableLike) {
    let gone: Vec<String> = old
        .iter()
        .filter(|(key, _)| !new.contains_key(key))
        .map(|(key, _)| key.to_owned())
        .collect();
    for key in gone {
        old.remove(&key);
    }
    for (key, item) in new.iter() {
        match old.get_mut(key) {
            Some(existing) => merge_item(existing, item),
            None => {
                old.insert(key, unplaced(item));
            }
        }
    }
}

/// A copy of `item` whose tables have no place in the document yet, so that
/// they are written after the tables already there rather than at the
/// place they had in the text they were parsed from.
fn unplaced(item: &Item) -> Item {
    match item {
        Item::Table(table) => {
            let mut copy = Table::new();
            copy.set_implicit(table.is_implicit());
            for (key, inner) in table.iter() {
                copy.insert(key, unplaced(inner));
            }
            Item::Table(copy)
        }
        other => other.clone(),
    }
}

/// Whether two values say the same, however each is written.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Float(x), Value::Float(y)) => x.value() == y.value(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Datetime(x), Value::Datetime(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| same(x, y))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same(x, y)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn comments_order_and_other_tables_are_kept() {
        let written = r#"
# The schedule: nights only.
[schedule]
mode = "manual"

[mapping]
drop_policy = "keep"   # parents asked for this

[mapping.schools]
# High schools first.
"103" = "9003"
"101" = "9001" # the old building id
"102" = "9002"

[grades]
scale = "x"
"#;
        let fresh = r#"
[schedule]
mode = "manual"

[mapping]
drop_policy = "keep"

[mapping.schools]
"101" = "9011"
"103" = "9003"
"104" = "9004"
"#;
        let merged = merge(written, fresh).unwrap();
        for kept in [
            "# The schedule: nights only.",
            "drop_policy = \"keep\"   # parents asked for this",
            "# High schools first.\n\"103\" = \"9003\"",
            "\"101\" = \"9011\" # the old building id",
            "[grades]\nscale = \"x\"",
        ] {
            assert!(merged.contains(kept), "{kept:?} in\n{merged}");
        }
        assert!(!merged.contains("\"102\""), "{merged}");
        let order: Vec<usize> = ["\"103\" =", "\"101\" =", "104 ="]
            .iter()
            .map(|key| merged.find(key).expect(&merged))
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "the written order stays, the new key comes last:\n{merged}"
        );
    }

    #[test]
    fn a_new_table_lands_in_an_empty_part() {
        let merged = merge(
            "# nothing yet\n",
            "[schedule]\nmode = \"daily\"\nwindow = \"00:00-03:00\"\n",
        )
        .unwrap();
        assert!(merged.contains("# nothing yet\n"), "{merged}");
        let back: toml::Table = toml::from_str(&merged).unwrap();
        assert_eq!(back["schedule"]["window"].as_str(), Some("00:00-03:00"));
    }
}
