//! `[store]`: the embedded SQLite file (`path`, the default) or a PostgreSQL
//! database (`url` and `district`, with `ca_certificate` and `pool_size`
//! when needed), never both; the database's password comes from the
//! environment, never from the URL.

use std::fmt;
use std::path::{Path, PathBuf};

use rostersync_store_postgres::{PASSWORD_ENV, Password, PgOptions, PgStoreError};
use serde::Deserialize;

/// `[store]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    path: Option<PathBuf>,
    url: Option<String>,
    district: Option<String>,
    ca_certificate: Option<PathBuf>,
    pool_size: Option<usize>,
}

/// The most connections `store.pool_size` may ask for.
const MOST_CONNECTIONS: usize = 64;

/// Where the state is kept.
#[derive(Clone)]
pub(crate) enum StoreSettings {
    /// The embedded SQLite file (`store.path`, relative to the configuration).
    Sqlite(PathBuf),
    /// A PostgreSQL database shared by districts (`store.url`,
    /// `store.district`), with the password from [`PASSWORD_ENV`] if set.
    Postgres(Box<PgOptions>),
}

impl StoreSettings {
    /// The key that says where the store is, for messages.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            StoreSettings::Sqlite(_) => "store.path",
            StoreSettings::Postgres(_) => "store.url",
        }
    }

    /// Where the store is, as messages show it (never a password).
    pub(crate) fn describe(&self) -> String {
        match self {
            StoreSettings::Sqlite(path) => path.display().to_string(),
            StoreSettings::Postgres(options) => {
                format!("{} (district {})", options.target(), options.district())
            }
        }
    }
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSettings::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            StoreSettings::Postgres(options) => f.debug_tuple("Postgres").field(options).finish(),
        }
    }
}

/// Checks `[store]`: a `path` (taken relative to `base_dir`), or a `url`
/// with its `district`. `None` when it is refused (the problems say why).
pub(super) fn store(
    raw: Option<RawStore>,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<StoreSettings> {
    let raw = raw.unwrap_or_default();
    match (raw.path, raw.url) {
        (Some(_), Some(_)) => {
            problems.push(
                "store.path and store.url are both set: keep path for the SQLite file, or url \
                 (with district) for a PostgreSQL database, not both"
                    .to_owned(),
            );
            None
        }
        (Some(path), None) => {
            if raw.ca_certificate.is_some() || raw.pool_size.is_some() {
                problems.push(
                    "store.ca_certificate and store.pool_size go with store.url: a SQLite file \
                     (store.path) has no server to reach; remove them"
                        .to_owned(),
                );
            }
            if raw.district.is_some() {
                problems.push(
                    "store.district goes with store.url: a SQLite file (store.path) holds one \
                     district; remove it, or set store.url instead of store.path"
                        .to_owned(),
                );
            }
            if path.as_os_str().is_empty() {
                problems.push(
                    "store.path is empty: set it to the state store file, e.g. \"rostersync.db\""
                        .to_owned(),
                );
                return None;
            }
            Some(StoreSettings::Sqlite(base_dir.join(path)))
        }
        (None, Some(url)) => {
            let options = postgres(&url, raw.district, env, problems)?;
            let options = match raw.ca_certificate {
                Some(file) if file.as_os_str().is_empty() => {
                    problems.push(
                        "store.ca_certificate is empty: set it to the PEM file of the \
                         certificate authority that signed the server's certificate, or remove it"
                            .to_owned(),
                    );
                    return None;
                }
                Some(file) => options.ca_certificate(base_dir.join(file)),
                None => options,
            };
            match raw.pool_size {
                Some(size) if size == 0 || size > MOST_CONNECTIONS => {
                    problems.push(format!(
                        "store.pool_size {size} is out of range: 1 to {MOST_CONNECTIONS} \
                         connections (4 by default)"
                    ));
                    None
                }
                Some(size) => Some(StoreSettings::Postgres(Box::new(options.pool_size(size)))),
                None => Some(StoreSettings::Postgres(Box::new(options))),
            }
        }
        (None, None) => {
            problems.push(
                "store.path is missing: set it to the state store file, e.g. \"rostersync.db\" \
                 (or store.url and store.district for a PostgreSQL database)"
                    .to_owned(),
            );
            None
        }
    }
}

/// Checks `store.url` and `store.district`.
fn postgres(
    url: &str,
    district: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> Option<PgOptions> {
    let Some(district) = district else {
        problems.push(
            "store.district is missing: with store.url set it to this district's id, e.g. \
             \"district-42\" (every row on the database is kept under it)"
                .to_owned(),
        );
        return None;
    };
    match PgOptions::new(url.trim(), district.trim()) {
        Ok(options) => Some(
            match env(PASSWORD_ENV).filter(|password| !password.is_empty()) {
                Some(password) => options.password(Password::new(password)),
                None => options,
            },
        ),
        Err(PgStoreError::PasswordInUrl) => {
            problems.push(format!(
                "store.url carries a password: remove it from the URL and set the environment \
                 variable {PASSWORD_ENV} instead"
            ));
            None
        }
        Err(PgStoreError::District(_)) => {
            problems.push(format!(
                "store.district {district:?} is not valid: it must be 1 to 200 characters"
            ));
            None
        }
        // The URL is not shown: a malformed one may still hold a password.
        Err(error) => {
            problems.push(format!(
                "store.url is not a PostgreSQL URL ({error}): write it as \
                 \"postgres://user@host:5432/database?sslmode=require\""
            ));
            None
        }
    }
}
