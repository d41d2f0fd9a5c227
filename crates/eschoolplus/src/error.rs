//! `EspError`: what can go wrong talking to eSchoolPLUS, and its mapping to `PortError`.

use rostersync_ports::{ErrorKind, PortError};

/// A failure of the eSchoolPLUS client. Messages never contain the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EspError {
    /// The login name or password was refused.
    #[error("eSchoolPLUS refused the login name or password")]
    BadCredentials,
    /// The login was accepted, but the environment step (site code and
    /// school year) was refused: the server answered with its logon page or
    /// the environment form again. Not a credentials problem.
    #[error(
        "eSchoolPLUS accepted the login but refused the environment: school year {school_year} \
         with site code {site_code:?}{}",
        detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    EnvironmentRefused {
        /// The school year sent (the calendar year it ends in).
        school_year: i32,
        /// The site code sent.
        site_code: String,
        /// The server's own words, when its page had any.
        detail: Option<String>,
    },
    /// The site code is not one of the environments the server offers.
    #[error("unknown site code {site_code:?}; the server offers: {}", offered.join(", "))]
    UnknownSiteCode {
        /// The site code asked for.
        site_code: String,
        /// The environments offered, as `code (name)`.
        offered: Vec<String>,
    },
    /// The host could not be reached, or TLS failed.
    #[error("cannot reach eSchoolPLUS at {url}{}", tries(*attempts))]
    Unreachable {
        /// The address tried (without credentials).
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// The session expired again right after logging on again.
    #[error("the eSchoolPLUS session expired twice in a row during {what}")]
    SessionExpiredTwice {
        /// The request that failed.
        what: String,
    },
    /// A server task (a download or upload run) failed; a download is run
    /// again a bounded number of times before this is returned.
    #[error(
        "eSchoolPLUS task {task:?} failed{}: {description}",
        if *runs > 1 { format!(" in each of {runs} runs") } else { String::new() }
    )]
    TaskFailed {
        /// The task's name.
        task: String,
        /// The server's description of the (last) error.
        description: String,
        /// How many times the task was run.
        runs: u32,
    },
    /// A server task did not finish within the wait allowed.
    #[error("eSchoolPLUS task {task:?} did not finish after {polls} polls")]
    TaskTimedOut {
        /// The task (interface id).
        task: String,
        /// How many times the task list was read.
        polls: u32,
    },
    /// The account lacks a permission (RUNLOAD to run, LOADDEFS to save definitions).
    #[error("the eSchoolPLUS account may not {action}: {message}")]
    MissingPermission {
        /// What was refused.
        action: String,
        /// The server's message.
        message: String,
    },
    /// The server is older than eSchoolPLUS 3.0.
    #[error("eSchoolPLUS version {version} is older than 3.0, which rostersync requires")]
    UnsupportedVersion {
        /// The version the server shows.
        version: String,
    },
    /// The server refused a request with validation messages.
    #[error("eSchoolPLUS refused to {action}: {message}")]
    Refused {
        /// What was refused.
        action: String,
        /// The server's messages.
        message: String,
    },
    /// The server answered with an unexpected HTTP status.
    #[error("eSchoolPLUS answered {status} to {what}{}", tries(*attempts))]
    Status {
        /// The HTTP status.
        status: u16,
        /// The request.
        what: String,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// The server answered 429 Too Many Requests.
    #[error(
        "eSchoolPLUS is rate limiting {what}{}{}",
        retry_after.map(|wait| format!(" (it asked to wait {} s)", wait.as_secs())).unwrap_or_default(),
        tries(*attempts)
    )]
    RateLimited {
        /// The request.
        what: String,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<std::time::Duration>,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// A request failed in transport (a dropped connection, a timeout)
    /// after it may have been sent.
    #[error("request to eSchoolPLUS failed during {what}{}", tries(*attempts))]
    Transport {
        /// The request.
        what: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
        /// Attempts made, the first one included.
        attempts: u32,
    },
    /// An answer could not be understood.
    #[error("unexpected answer from eSchoolPLUS to {what}: {message}")]
    Unexpected {
        /// The request.
        what: String,
        /// What was wrong.
        message: String,
    },
    /// A finished task left no file.
    #[error("eSchoolPLUS listed no file {file:?} after its task finished")]
    FileMissing {
        /// The file name.
        file: String,
    },
    /// A downloaded file does not have the columns its definition asks for.
    #[error("file {file:?} does not have the expected layout: {message}")]
    Layout {
        /// The file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A value cannot be written into an upload file.
    #[error("cannot write {value:?} into an upload file: {reason}")]
    Unwritable {
        /// The value (never a secret).
        value: String,
        /// Why.
        reason: String,
    },
    /// A write failed after an upload began running in run mode, so part of
    /// it may have been applied.
    #[error("{source} (after the upload began running; part of it may have been applied)")]
    MayHaveBeenApplied {
        /// The failure.
        source: Box<EspError>,
    },
    /// The domain is not a usable address.
    #[error("invalid eSchoolPLUS domain {domain:?}: {message}")]
    BadDomain {
        /// The domain as configured.
        domain: String,
        /// What is wrong.
        message: String,
    },
}

impl EspError {
    /// The port error kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EspError::MayHaveBeenApplied { source } => source.kind(),
            EspError::BadCredentials | EspError::MissingPermission { .. } => ErrorKind::Auth,
            EspError::EnvironmentRefused { .. } => ErrorKind::Invalid,
            EspError::UnknownSiteCode { .. }
            | EspError::UnsupportedVersion { .. }
            | EspError::BadDomain { .. }
            | EspError::Unwritable { .. }
            | EspError::Refused { .. } => ErrorKind::Invalid,
            // A task that failed in every run may well run later (the
            // server was busy or restarting), so the service tries the job
            // again rather than dropping it.
            EspError::Unreachable { .. }
            | EspError::SessionExpiredTwice { .. }
            | EspError::TaskTimedOut { .. }
            | EspError::TaskFailed { .. }
            | EspError::Transport { .. } => ErrorKind::Unavailable,
            EspError::RateLimited { .. } => ErrorKind::RateLimited,
            EspError::Status { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Unavailable,
                _ => ErrorKind::Other,
            },
            EspError::Unexpected { .. }
            | EspError::FileMissing { .. }
            | EspError::Layout { .. } => ErrorKind::Other,
        }
    }

    /// The same error, saying that `attempts` attempts were made (for the
    /// errors of one request; others are returned unchanged).
    pub(crate) fn with_attempts(mut self, made: u32) -> Self {
        match &mut self {
            EspError::Unreachable { attempts, .. }
            | EspError::Status { attempts, .. }
            | EspError::RateLimited { attempts, .. }
            | EspError::Transport { attempts, .. } => *attempts = made,
            _ => {}
        }
        self
    }

    /// Whether a write may have been applied despite the error.
    pub fn may_have_been_applied(&self) -> bool {
        matches!(self, EspError::MayHaveBeenApplied { .. })
    }

    /// Converts into a port error; `may_have_been_applied` (or the error
    /// itself) marks writes that may have landed.
    pub fn into_port(self, may_have_been_applied: bool) -> PortError {
        let may_have_been_applied = may_have_been_applied || self.may_have_been_applied();
        let error = PortError::new(self.kind(), self.to_string());
        let error = if may_have_been_applied {
            error.maybe_applied()
        } else {
            error
        };
        error.with_source(self)
    }
}

impl From<EspError> for PortError {
    fn from(error: EspError) -> Self {
        error.into_port(false)
    }
}

/// ` (after N attempts)` when a request was tried more than once.
fn tries(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// The result type of this crate.
pub type EspResult<T> = Result<T, EspError>;
