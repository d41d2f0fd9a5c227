//! The client's error, classified by the phase that failed: never sent, may
//! have been sent, an error answer, an undecodable answer, or rate limited.
//! No HTTP library type appears in it.

use std::error::Error as StdError;
use std::time::Duration;

use rostersync_ports::{ErrorKind, PortError};

/// The cause of a transport failure, as text (the HTTP library's error is not exposed).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// How many characters of an error body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 300;

/// A failed Schoology request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (bad base URL, bad settings).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// The request never left this process (bad URL, connection refused, DNS).
    #[error("{method} {endpoint} was not sent: {reason}")]
    NotSent {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// What went wrong.
        reason: String,
        /// The cause.
        #[source]
        source: Option<BoxError>,
    },

    /// The connection failed after the request may have been sent (timeout,
    /// reset); a write may have been applied.
    #[error("{method} {endpoint} failed after it may have been sent: {reason}")]
    Transport {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// What went wrong.
        reason: String,
        /// The cause.
        #[source]
        source: Option<BoxError>,
    },

    /// Schoology answered with an error status.
    #[error("Schoology answered {status} to {method} {endpoint}: {snippet}")]
    Api {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// The status code.
        status: u16,
        /// The start of the body, whatever its format (HTML, text, JSON, empty).
        snippet: String,
    },

    /// The answer was a success but its body could not be decoded.
    #[error("could not decode the answer to {method} {endpoint} at `{path}`: {message}")]
    Decode {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// Where in the body decoding failed, e.g. `user[3].id`.
        path: String,
        /// What was wrong there.
        message: String,
    },

    /// Schoology kept answering 429 after the configured retries.
    #[error("rate limited by Schoology on {method} {endpoint} after {attempts} attempts")]
    RateLimited {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last `Retry-After` asked for, if any.
        retry_after: Option<Duration>,
    },

    /// A redirect could not be followed (no `Location`, too many hops).
    #[error("{method} {endpoint}: {reason}")]
    Redirect {
        /// HTTP method.
        method: String,
        /// The path asked for.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    /// The HTTP status of an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Whether trying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::NotSent { .. } | Error::Transport { .. } | Error::RateLimited { .. } => true,
            Error::Api { status, .. } => *status == 429 || *status >= 500,
            Error::Config(_) | Error::Decode { .. } | Error::Redirect { .. } => false,
        }
    }

    /// Whether a write may have been applied despite the error (always false
    /// for reads).
    pub fn may_have_been_applied(&self) -> bool {
        let (method, possible) = match self {
            Error::Transport { method, .. } | Error::Decode { method, .. } => (method, true),
            Error::Api { method, status, .. } => (method, *status >= 500),
            Error::Config(_)
            | Error::NotSent { .. }
            | Error::RateLimited { .. }
            | Error::Redirect { .. } => return false,
        };
        possible && method != "GET"
    }

    /// The kind of failure as the ports name it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Invalid,
            Error::NotSent { .. } | Error::Transport { .. } => ErrorKind::Unavailable,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Decode { .. } | Error::Redirect { .. } => ErrorKind::Other,
            Error::Api { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                404 | 410 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                429 => ErrorKind::RateLimited,
                400 | 415 | 422 => ErrorKind::Invalid,
                s if *s >= 500 => ErrorKind::Unavailable,
                _ => ErrorKind::Other,
            },
        }
    }
}

impl From<Error> for PortError {
    fn from(error: Error) -> Self {
        let mut port = PortError::new(error.kind(), error.to_string());
        if error.may_have_been_applied() {
            port = port.maybe_applied();
        }
        port.with_source(error)
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, lossily decoded, trimmed.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(method: &str, status: u16) -> Error {
        Error::Api {
            method: method.into(),
            endpoint: "users".into(),
            status,
            snippet: snippet(b"<html>Forbidden</html>"),
        }
    }

    #[test]
    fn classification() {
        assert!(api("GET", 503).is_retryable());
        assert!(!api("GET", 503).may_have_been_applied());
        assert!(api("POST", 503).may_have_been_applied());
        assert!(!api("POST", 400).may_have_been_applied());
        assert_eq!(api("GET", 403).kind(), ErrorKind::Auth);
        assert_eq!(api("GET", 403).status(), Some(403));
        let port: PortError = api("POST", 500).into();
        assert!(port.may_have_been_applied());
        assert_eq!(port.kind(), ErrorKind::Unavailable);
        assert!(port.message().contains("500"));
    }

    #[test]
    fn snippets_are_bounded() {
        assert_eq!(snippet(b"  "), "(empty body)");
        let long = "x".repeat(1000);
        assert_eq!(snippet(long.as_bytes()).chars().count(), SNIPPET_CHARS + 1);
    }
}
