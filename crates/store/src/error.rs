//! `StoreError`: what can go wrong opening or using the store, and how it
//! becomes a [`PortError`] at the seam.

use std::path::PathBuf;

use rostersync_ports::{ErrorKind, PortError};

/// A failure of the SQLite store.
///
/// The messages name the file and say what to do; none carries stored data
/// beyond keys and names, and nothing secret is ever stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be opened or read at all.
    #[error("cannot open the store file {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// SQLite refused to open the file.
    #[error("cannot open the store file {}: {source}", path.display())]
    OpenSqlite {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },

    /// The file was written by a newer rostersync.
    #[error(
        "the store file {} has schema version {found}, newer than the {supported} this rostersync \
         understands; upgrade rostersync, or point it at another store file (the file was not changed)",
        path.display()
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },

    /// The file is not a rostersync store: not SQLite at all, or another
    /// application's database.
    #[error(
        "the file {} is not a rostersync store ({detail}); move it aside or choose another store \
         path (the file was not changed)",
        path.display()
    )]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },

    /// The file claims to be a rostersync store but is damaged.
    #[error(
        "the store file {} is damaged ({detail}); restore it from a backup or move it aside to \
         start a new store (the file was not changed)",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },

    /// The file can be read but not written by this user (or lies on a
    /// read-only file system). Nothing is wrong with its content.
    #[error(
        "the store file {} is read-only here: rostersync writes to it and to the -wal and -shm \
         files beside it; give the user that runs rostersync write permission on the file and \
         its folder (the file was not changed)",
        path.display()
    )]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },

    /// A statement failed.
    #[error("store: cannot {what}: {source}")]
    Sqlite {
        /// What was being done, as a verb phrase.
        what: &'static str,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },

    /// A stored value could not be decoded.
    #[error("store: the {column} value {value:?} cannot be read")]
    Decode {
        /// The table and column.
        column: &'static str,
        /// The stored text.
        value: String,
    },

    /// A JSON value (a summary or a setting) could not be encoded or decoded.
    #[error("store: the {what} is not valid JSON for its type: {source}")]
    Json {
        /// What the value is.
        what: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },

    /// `finish_run` named a run that was never started.
    #[error("store: run {0} was never started")]
    UnknownRun(i64),

    /// A lease would end beyond the representable time range.
    #[error("store: a lease of {0} is too long")]
    LeaseTooLong(chrono::Duration),

    /// The worker that runs statements off the async threads failed.
    #[error("store: the database worker stopped: {0}")]
    Worker(String),
}

impl StoreError {
    /// A SQLite error met while opening `path`: a read-only file is said to
    /// be read-only, anything else is a failure to open.
    pub(crate) fn opening(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| {
            if source.sqlite_error_code() == Some(rusqlite::ffi::ErrorCode::ReadOnly) {
                StoreError::ReadOnly {
                    path: path.to_owned(),
                }
            } else {
                StoreError::OpenSqlite {
                    path: path.to_owned(),
                    source,
                }
            }
        }
    }

    /// Wraps a SQLite error with what was being done.
    pub(crate) fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |source| StoreError::Sqlite { what, source }
    }

    /// The kind a port caller branches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Open { .. }
            | StoreError::OpenSqlite { .. }
            | StoreError::ReadOnly { .. } => ErrorKind::Unavailable,
            StoreError::NewerVersion { .. }
            | StoreError::NotAStore { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Decode { .. }
            | StoreError::Json { .. }
            | StoreError::LeaseTooLong(_) => ErrorKind::Invalid,
            StoreError::UnknownRun(_) => ErrorKind::NotFound,
            StoreError::Sqlite { source, .. } => sqlite_kind(source),
            StoreError::Worker(_) => ErrorKind::Other,
        }
    }
}

/// Busy and locked databases may work later; constraint failures are invalid
/// data (an outcome of a run that does not exist); the rest is other.
fn sqlite_kind(error: &rusqlite::Error) -> ErrorKind {
    use rusqlite::ffi::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ErrorKind::Unavailable,
        Some(ErrorCode::ConstraintViolation) => ErrorKind::Invalid,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => ErrorKind::Invalid,
        _ => ErrorKind::Other,
    }
}

impl From<StoreError> for PortError {
    fn from(error: StoreError) -> PortError {
        PortError::new(error.kind(), error.to_string()).with_source(error)
    }
}
