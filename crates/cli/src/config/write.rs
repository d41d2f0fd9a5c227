//! Writing the configuration file: the commands' managed part (schedule and
//! mapping) below the marker line, the console's connection settings, each
//! checked by loading the result before the file is replaced, and refused
//! when the file is no longer at the revision a change was made from.

use std::path::{Path, PathBuf};

use rostersync_core::MappingSpec;

use super::{ConfigError, MANAGED_MARKER, Managed, ScheduleSection, managed, parse};

/// The revision of configuration text: a digest of its bytes. A page of the
/// console carries the revision it was made from, and a change it sends is
/// refused when the file has another (see [`save_managed_at`]).
pub(crate) fn revision(text: &str) -> String {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}-{}", hasher.finish(), text.len())
}

/// The file changed on disk after the revision a change was made from.
#[derive(Debug, thiserror::Error)]
#[error("{} changed on disk after the change was prepared; nothing was saved", .0.display())]
pub(crate) struct StaleFile(pub(crate) PathBuf);

/// Rewrites the commands' part of the file at `path` with `schedule` and
/// `mapping`, keeping everything above [`MANAGED_MARKER`] as written.
pub(crate) fn save_managed(
    path: &Path,
    schedule: &ScheduleSection,
    mapping: &MappingSpec,
) -> anyhow::Result<()> {
    save_managed_at(path, None, schedule, mapping)
}

/// [`save_managed`], refused with [`StaleFile`] when `expected` is given and
/// the file's [`revision`] is no longer it.
pub(crate) fn save_managed_at(
    path: &Path,
    expected: Option<&str>,
    schedule: &ScheduleSection,
    mapping: &MappingSpec,
) -> anyhow::Result<()> {
    let text = read_at(path, expected)?;
    let fresh = toml::to_string(&Managed { schedule, mapping })?;
    let (head, written) = match text.find(MANAGED_MARKER) {
        Some(at) => {
            let below = &text[at + MANAGED_MARKER.len()..];
            (
                text[..at].to_owned(),
                below.strip_prefix('\n').unwrap_or(below),
            )
        }
        None => {
            let mut table: toml::Table = toml::from_str(&text)?;
            table.remove("schedule");
            table.remove("mapping");
            (format!("{}\n", toml::to_string(&table)?), "\n")
        }
    };
    let managed = managed::merge(written, &fresh).map_err(|error| {
        ConfigError::new(format!(
            "{}: the part below the marker line is not valid TOML: {error}",
            path.display()
        ))
    })?;
    let new_text = format!("{head}{MANAGED_MARKER}\n{managed}");
    replace_checked(path, &new_text, &|_| None).map_err(|error| match error {
        ReplaceError::Invalid(error) => ConfigError::new(format!(
            "the change would make the configuration invalid: {error}"
        ))
        .into(),
        ReplaceError::Io(error) => error.into(),
    })
}

/// The file's text, refused with [`StaleFile`] when `expected` is given and
/// the file is no longer at that revision.
fn read_at(path: &Path, expected: Option<&str>) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| ConfigError::new(format!("cannot read {}: {error}", path.display())))?;
    if expected.is_some_and(|expected| revision(&text) != expected) {
        return Err(StaleFile(path.to_owned()).into());
    }
    Ok(text)
}

/// Replaces the file with `new_text` once it reads back as a valid
/// configuration (secrets from `env`); the file is untouched otherwise.
fn replace_checked(
    path: &Path,
    new_text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ReplaceError> {
    parse(path, new_text, env).map_err(ReplaceError::Invalid)?;
    let temp = path.with_extension("toml.tmp");
    std::fs::write(&temp, new_text).map_err(ReplaceError::Io)?;
    std::fs::rename(&temp, path).map_err(ReplaceError::Io)
}

/// Why [`replace_checked`] left the file as it was.
#[derive(Debug, thiserror::Error)]
enum ReplaceError {
    /// The new text is not a valid configuration.
    #[error("{0}")]
    Invalid(ConfigError),
    /// The file could not be written.
    #[error("{0}")]
    Io(std::io::Error),
}

/// The connection settings the console may change: text values of the
/// ends' tables (numbers and lists stay the file's).
pub(crate) const CONNECTION_KEYS: [&str; 11] = [
    "eschoolplus.domain",
    "eschoolplus.site_code",
    "eschoolplus.login_name",
    "eschoolplus.password",
    "oneroster_csv.package",
    "oneroster_rest.root",
    "oneroster_rest.key",
    "oneroster_rest.secret",
    "schoology.base_url",
    "schoology.consumer_key",
    "schoology.consumer_secret",
];

/// Sets connection settings (each `table.key` of [`CONNECTION_KEYS`]) in
/// the file at `path`, keeping every other line as written; refused with
/// [`StaleFile`] when the file is no longer at `expected`, and with the
/// configuration's own error when the result would not load.
pub(crate) fn save_connection(
    path: &Path,
    expected: &str,
    changes: &[(&str, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let text = read_at(path, Some(expected))?;
    let mut document: toml_edit::DocumentMut = text.parse()?;
    for (key, value) in changes {
        let Some((table, name)) = key
            .split_once('.')
            .filter(|_| CONNECTION_KEYS.contains(key))
        else {
            return Err(ConfigError::new(format!("{key} is not a connection setting")).into());
        };
        let table = document
            .entry(table)
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        let Some(table) = table.as_table_like_mut() else {
            return Err(ConfigError::new(format!("[{table}] is not a table")).into());
        };
        table.insert(name, toml_edit::value(value.as_str()));
    }
    replace_checked(path, &document.to_string(), env).map_err(|error| match error {
        // The configuration's own error, which names the key at fault.
        ReplaceError::Invalid(error) => error.into(),
        ReplaceError::Io(error) => error.into(),
    })
}
