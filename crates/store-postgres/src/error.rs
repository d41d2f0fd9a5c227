//! `PgStoreError`: what can go wrong opening or using the store, and how it
//! becomes a [`PortError`] at the seam.

use rostersync_ports::{ErrorKind, PortError};

/// A failure of the PostgreSQL store.
///
/// Messages name the database (host, port and name, never the password) and
/// say what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgStoreError {
    /// The connection string could not be read.
    #[error("the PostgreSQL store URL cannot be read: {0}")]
    Url(#[source] tokio_postgres::Error),

    /// The connection string carries a password.
    #[error(
        "the PostgreSQL store URL carries a password; remove it from the URL and set {} instead",
        crate::PASSWORD_ENV
    )]
    PasswordInUrl,

    /// The district id is empty or too long.
    #[error("the district id {0:?} is not valid: it must be 1 to 200 characters")]
    District(String),

    /// The pool could not be built.
    #[error("cannot set up connections to the PostgreSQL store {target}: {detail}")]
    Pool {
        /// The database.
        target: String,
        /// What was wrong.
        detail: String,
    },

    /// The TLS settings could not be made (the CA file).
    #[error("cannot set up TLS to the PostgreSQL store: {0}")]
    Tls(String),

    /// No connection could be had from the pool.
    #[error("cannot connect to the PostgreSQL store {target}: {source}")]
    Connect {
        /// The database.
        target: String,
        /// The cause.
        #[source]
        source: deadpool_postgres::PoolError,
    },

    /// The database was migrated by a newer rostersync.
    #[error(
        "the PostgreSQL store {target} has schema version {found}, newer than the {supported} this \
         rostersync understands; upgrade rostersync (the database was not changed)"
    )]
    NewerVersion {
        /// The database.
        target: String,
        /// The version found.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },

    /// A statement failed.
    #[error("store: cannot {what}: {source}")]
    Postgres {
        /// What was being done, as a verb phrase.
        what: &'static str,
        /// The cause.
        #[source]
        source: tokio_postgres::Error,
    },

    /// A stored value could not be decoded.
    #[error("store: the {column} value {value:?} cannot be read")]
    Decode {
        /// The table and column.
        column: &'static str,
        /// The stored text.
        value: String,
    },

    /// A run summary could not be encoded or decoded.
    #[error("store: the {what} is not valid JSON for its type: {source}")]
    Json {
        /// What the value is.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },

    /// `finish_run` named a run this district never started.
    #[error("store: run {0} was never started")]
    UnknownRun(i64),

    /// A lease would end beyond the representable time range.
    #[error("store: a lease of {0} is too long")]
    LeaseTooLong(chrono::Duration),

    /// A time outside what the shared queue keeps (1677 to 2262).
    #[error("store: the time {0} is out of the range the shared queue keeps")]
    TimeOutOfRange(chrono::DateTime<chrono::Utc>),

    /// The worker id is empty or too long.
    #[error("the worker id {0:?} is not valid: it must be 1 to 200 characters")]
    Worker(String),

    /// A worker renewed or finished a shared job it does not hold.
    #[error(
        "store: job {job} is not held by worker {worker:?} (finished, never taken by it, or its \
         lease ran out and the job was taken again); the worker must stop working on it"
    )]
    NotHeld {
        /// The job.
        job: i64,
        /// The worker that asked.
        worker: String,
    },

    /// A count beyond what the database keeps.
    #[error("store: the count {0} is too large to keep")]
    TooLarge(u64),
}

impl PgStoreError {
    /// Wraps a PostgreSQL error with what was being done.
    pub(crate) fn pg(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> PgStoreError {
        move |source| PgStoreError::Postgres { what, source }
    }

    /// The kind a port caller branches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PgStoreError::Connect { source, .. } => connect_kind(source),
            PgStoreError::Url(_)
            | PgStoreError::PasswordInUrl
            | PgStoreError::District(_)
            | PgStoreError::Pool { .. }
            | PgStoreError::Tls(_)
            | PgStoreError::NewerVersion { .. }
            | PgStoreError::Decode { .. }
            | PgStoreError::Json { .. }
            | PgStoreError::LeaseTooLong(_)
            | PgStoreError::TimeOutOfRange(_)
            | PgStoreError::Worker(_)
            | PgStoreError::TooLarge(_) => ErrorKind::Invalid,
            PgStoreError::NotHeld { .. } => ErrorKind::Conflict,
            PgStoreError::UnknownRun(_) => ErrorKind::NotFound,
            PgStoreError::Postgres { source, .. } => postgres_kind(source),
        }
    }
}

/// A refused password or user is auth (the server's `28` codes, or no
/// password where the server asks for one); anything else may work later.
fn connect_kind(error: &deadpool_postgres::PoolError) -> ErrorKind {
    let deadpool_postgres::PoolError::Backend(error) = error else {
        return ErrorKind::Unavailable;
    };
    let refused = error
        .code()
        .is_some_and(|code| code.code().starts_with("28"))
        || std::error::Error::source(error)
            .is_some_and(|cause| cause.to_string().contains("password missing"));
    if refused {
        ErrorKind::Auth
    } else {
        ErrorKind::Unavailable
    }
}

/// Constraint and data errors are invalid data (an outcome of a run that
/// does not exist); serialization failures, deadlocks, a server shutting
/// down and a lost connection may work later; the rest is other.
fn postgres_kind(error: &tokio_postgres::Error) -> ErrorKind {
    let Some(code) = error.code() else {
        return if error.is_closed() {
            ErrorKind::Unavailable
        } else {
            ErrorKind::Other
        };
    };
    let code = code.code();
    if code.starts_with("23") || code.starts_with("22") {
        ErrorKind::Invalid
    } else if code.starts_with("40") || code.starts_with("57") || code.starts_with("08") {
        ErrorKind::Unavailable
    } else {
        ErrorKind::Other
    }
}

impl From<PgStoreError> for PortError {
    fn from(error: PgStoreError) -> PortError {
        PortError::new(error.kind(), error.to_string()).with_source(error)
    }
}
