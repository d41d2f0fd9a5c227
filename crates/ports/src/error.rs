//! `PortError`: the one error type every port returns, classified by kind so
//! the engine can branch without downcasting.

use std::error::Error as StdError;
use std::fmt;

/// What kind of failure a port reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials were refused or the account lacks a permission.
    Auth,
    /// The thing asked for does not exist.
    NotFound,
    /// The write clashes with existing data (a unique field is taken).
    Conflict,
    /// The remote side asked us to slow down and retries ran out.
    RateLimited,
    /// The remote side could not be reached or failed; trying later may work.
    Unavailable,
    /// The request or the data was invalid.
    Invalid,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Other => "other",
        }
    }
}

/// A failure at a seam: a kind, a message that says what failed, the cause,
/// and whether a write may have been applied before it failed.
#[derive(Debug)]
pub struct PortError {
    kind: ErrorKind,
    message: String,
    may_have_been_applied: bool,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl PortError {
    /// A new error of `kind`. The message must not contain secrets.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        PortError {
            kind,
            message: message.into(),
            may_have_been_applied: false,
            source: None,
        }
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Marks that the failed write may have reached the remote side.
    pub fn maybe_applied(mut self) -> Self {
        self.may_have_been_applied = true;
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether a write may have been applied despite the error; the engine
    /// then finds the record again by its SIS key before retrying.
    pub fn may_have_been_applied(&self) -> bool {
        self.may_have_been_applied
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind.as_str())
    }
}

impl StdError for PortError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// The result type of every port.
pub type PortResult<T> = Result<T, PortError>;
