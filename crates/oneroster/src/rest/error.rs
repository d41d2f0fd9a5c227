//! `RestError`: what can go wrong talking to a OneRoster provider, with the
//! `imsx_` status payload turned into words, and its mapping to `PortError`.

use rostersync_ports::{ErrorKind, PortError};
use serde_json::Value;

/// A failure of the OneRoster REST client. Messages never carry secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// The provider could not be reached, or the request failed in
    /// transport (a timeout, a reset) before an answer arrived.
    #[error("cannot reach the OneRoster provider at {url}{}", tries(*attempts))]
    Unreachable {
        /// The URL, without credentials.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// An answer broke off while its body was read (a dropped connection).
    #[error("OneRoster {what}: the connection dropped while the answer was read{}", tries(*attempts))]
    Transport {
        /// The request, e.g. `GET /users`.
        what: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// The provider answered with an error status.
    #[error(
        "OneRoster {what} failed with HTTP {status}: {}{}",
        status_text(.code_major, .code_minor, .description),
        tries(*attempts)
    )]
    Status {
        /// The request, e.g. `GET /users`.
        what: String,
        /// The HTTP status.
        status: u16,
        /// `imsx_codeMajor`, when the body carried one.
        code_major: Option<String>,
        /// `imsx_codeMinorFieldValue`, e.g. `invalid_filter_field`.
        code_minor: Option<String>,
        /// `imsx_description`.
        description: Option<String>,
        /// The `Retry-After` of a 429, when sent.
        retry_after: Option<std::time::Duration>,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// The token endpoint refused the client credentials or answered oddly.
    #[error("the OAuth 2 token request failed: {0}")]
    Token(String),
    /// A body was not the JSON expected.
    #[error("OneRoster {what}: unexpected response: {message}")]
    Body {
        /// The request.
        what: String,
        /// What was wrong.
        message: String,
    },
}

/// ` (after N attempts)` when a request was tried more than once.
fn tries(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl RestError {
    /// The same error, saying that `made` attempts were made.
    pub(crate) fn with_attempts(mut self, made: u32) -> Self {
        match &mut self {
            RestError::Unreachable { attempts, .. }
            | RestError::Transport { attempts, .. }
            | RestError::Status { attempts, .. } => *attempts = made,
            RestError::Token(_) | RestError::Body { .. } => {}
        }
        self
    }
}

fn status_text(
    major: &Option<String>,
    minor: &Option<String>,
    description: &Option<String>,
) -> String {
    let mut parts = Vec::new();
    if let Some(minor) = minor {
        parts.push(minor.clone());
    }
    if let Some(description) = description {
        parts.push(description.clone());
    }
    if let Some(major) = major {
        parts.push(format!("(codeMajor {major})"));
    }
    if parts.is_empty() {
        "no status information".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Reads an `imsx_StatusInfo` payload: bare, in `statusInfoSet[]`, or under
/// `imsx_statusInfo`. Returns (codeMajor, codeMinor, description).
pub(crate) fn status_info(body: &Value) -> (Option<String>, Option<String>, Option<String>) {
    let info = body
        .get("statusInfoSet")
        .and_then(|set| set.get(0))
        .or_else(|| body.get("imsx_statusInfo"))
        .unwrap_or(body);
    let text = |key: &str| info.get(key).and_then(Value::as_str).map(str::to_owned);
    let minor = info
        .get("imsx_CodeMinor")
        .and_then(|m| m.get("imsx_codeMinorField"))
        .and_then(|f| f.get(0).or(Some(f)))
        .and_then(|f| f.get("imsx_codeMinorFieldValue"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    (text("imsx_codeMajor"), minor, text("imsx_description"))
}

impl From<RestError> for PortError {
    fn from(error: RestError) -> Self {
        let kind = match &error {
            RestError::Unreachable { .. } | RestError::Transport { .. } => ErrorKind::Unavailable,
            RestError::Token(_) => ErrorKind::Auth,
            RestError::Body { .. } => ErrorKind::Invalid,
            RestError::Status { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                429 => ErrorKind::RateLimited,
                400 | 422 => ErrorKind::Invalid,
                500.. => ErrorKind::Unavailable,
                _ => ErrorKind::Other,
            },
        };
        PortError::new(kind, error.to_string()).with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_info_in_every_wrapper() {
        let bare = serde_json::json!({
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": "no field nickname",
            "imsx_CodeMinor": {"imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "invalid_filter_field"}
            ]}
        });
        let want = (
            Some("failure".to_owned()),
            Some("invalid_filter_field".to_owned()),
            Some("no field nickname".to_owned()),
        );
        assert_eq!(status_info(&bare), want);
        assert_eq!(
            status_info(&serde_json::json!({"statusInfoSet": [bare.clone()]})),
            want
        );
        assert_eq!(
            status_info(&serde_json::json!({"imsx_statusInfo": bare})),
            want
        );
    }
}
