//! The shape of the configuration file: every key it does not know and every
//! value of the wrong type, found in one reading. serde stops at the first
//! such key, so each one found is noted and taken out of the table, and the
//! rest is read again, until the rest reads (or nothing more can be taken out).

use serde_path_to_error::Segment;

use super::RawConfig;

/// A key the file should not have, or whose value has the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Misfit {
    /// Where, e.g. `eschoolplus.sitecode` or `grades.scale[2]`.
    pub(super) key: String,
    /// What serde says is wrong ("unknown field `sitecode`, expected one of ...").
    pub(super) message: String,
}

/// At most this many misfits are collected; a file with more is not a
/// configuration file at all.
const MAX_MISFITS: usize = 50;

/// Reads the file's table as a configuration, collecting every misfit; the
/// configuration is what remains once they are taken out (`None` when that
/// cannot be done, e.g. a table missing a required key).
pub(super) fn read(table: toml::Table) -> (Option<RawConfig>, Vec<Misfit>) {
    let mut value = toml::Value::Table(table);
    let mut misfits = Vec::new();
    loop {
        match serde_path_to_error::deserialize::<_, RawConfig>(value.clone()) {
            Ok(raw) => return (Some(raw), misfits),
            Err(error) => {
                let segments: Vec<Segment> = error.path().iter().cloned().collect();
                misfits.push(Misfit {
                    key: error.path().to_string(),
                    message: error.into_inner().message().to_owned(),
                });
                if misfits.len() >= MAX_MISFITS || !remove(&mut value, &segments) {
                    return (None, misfits);
                }
            }
        }
    }
}

/// Takes the value at `path` out of `value`; false when there is none.
fn remove(value: &mut toml::Value, path: &[Segment]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for segment in parents {
        let next = match (segment, at) {
            (Segment::Map { key }, toml::Value::Table(table)) => table.get_mut(key),
            (Segment::Seq { index }, toml::Value::Array(array)) => array.get_mut(*index),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    match (last, at) {
        (Segment::Map { key }, toml::Value::Table(table)) => table.remove(key).is_some(),
        (Segment::Seq { index }, toml::Value::Array(array)) if *index < array.len() => {
            array.remove(*index);
            true
        }
        _ => false,
    }
}

/// The problems in one message: the misfits, then the value problems of the
/// rest (less those about a misfit's key, already said).
pub(super) fn listed(misfits: &[Misfit], problems: &[String]) -> String {
    let mut all: Vec<String> = misfits
        .iter()
        .map(|misfit| format!("key `{}`: {}", misfit.key, misfit.message))
        .collect();
    all.extend(
        problems
            .iter()
            .filter(|problem| !misfits.iter().any(|misfit| about(problem, &misfit.key)))
            .cloned(),
    );
    let mut text = format!("{} problem(s):\n  - {}", all.len(), all.join("\n  - "));
    if !misfits.is_empty() {
        text.push_str("\n(the keys each table takes are in the template `rostersync init` writes)");
    }
    text
}

/// Whether a problem is about `key` (or a key inside it): it starts with
/// the key, and the key's name ends there.
fn about(problem: &str, key: &str) -> bool {
    problem.strip_prefix(key).is_some_and(|rest| {
        !rest
            .chars()
            .next()
            .is_some_and(|next| next.is_alphanumeric() || next == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn every_unknown_or_mistyped_key_is_found_in_one_reading() {
        let (raw, misfits) = read(table(
            "[eschoolplus]\nsitecode = \"1\"\ndomain = \"x\"\nloginname = \"y\"\n\
             [schoology]\nrate_requests = \"fifty\"\n[stor]\npath = \"a.db\"\n",
        ));
        assert!(raw.is_some(), "the rest reads");
        let keys: Vec<&str> = misfits.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "eschoolplus.loginname",
                "eschoolplus.sitecode",
                "schoology.rate_requests",
                "stor"
            ]
        );
        assert!(
            misfits[0].message.contains("expected one of"),
            "{misfits:?}"
        );
        let text = listed(
            &misfits,
            &[
                "schoology.rate_requests is odd".to_owned(),
                "store.path is missing".to_owned(),
            ],
        );
        assert!(
            text.starts_with("5 problem(s):\n  - key `eschoolplus.loginname`"),
            "{text}"
        );
        assert!(!text.contains("is odd"), "said once: {text}");
        assert!(
            text.contains("store.path is missing"),
            "`stor` is not `store`: {text}"
        );
        assert!(about("stor.path is odd", "stor") && !about("store.path", "stor"));
    }

    #[test]
    fn a_nested_unknown_key_is_taken_out_where_it_is() {
        let mut value = toml::Value::Table(table("[a]\nb = [1, 2]\nc = 3\n"));
        let path = [
            Segment::Map { key: "a".into() },
            Segment::Map { key: "b".into() },
            Segment::Seq { index: 1 },
        ];
        assert!(remove(&mut value, &path));
        assert_eq!(
            value["a"]["b"],
            toml::Value::Array(vec![toml::Value::Integer(1)])
        );
        assert_eq!(value["a"]["c"], toml::Value::Integer(3));
        assert!(!remove(&mut value, &[Segment::Map { key: "z".into() }]));
        assert!(!remove(&mut value, &[]));
    }
}
