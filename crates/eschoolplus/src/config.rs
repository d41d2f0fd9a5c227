//! What a connection needs: the four credentials, and options such as the
//! school year and the task polling pace.

use std::fmt;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use url::Url;

use rostersync_retry::RetryPolicy;

use crate::assumptions::APP_PATH;
use crate::error::{EspError, EspResult};

/// A password that never shows in `Debug` or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password itself, for the logon form only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The four credentials the product asks for.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The server: a host name (`eschool.district.org`), optionally with a
    /// scheme and the application path (`https://host/eSchoolPLUS40`).
    pub domain: String,
    /// The site code: the environment (database) to select.
    pub site_code: String,
    /// The eSchoolPLUS login name.
    pub login_name: String,
    /// The password.
    pub password: Password,
}

impl Credentials {
    /// The application base URL, always ending in `/`.
    ///
    /// # Errors
    ///
    /// When the domain is not a usable address.
    pub fn base_url(&self) -> EspResult<Url> {
        let domain = self.domain.trim();
        let with_scheme = if domain.contains("://") {
            domain.to_owned()
        } else {
            format!("https://{domain}")
        };
        let mut url = Url::parse(&with_scheme).map_err(|error| EspError::BadDomain {
            domain: self.domain.clone(),
            message: error.to_string(),
        })?;
        if url.path() == "/" || url.path().is_empty() {
            url.set_path(APP_PATH);
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(url)
    }
}

/// The school year (as its ending calendar year) that contains `date`:
/// July starts the next school year, so 2025-07-01 is in 2026 (2025-26).
pub fn school_year_for(date: NaiveDate) -> i32 {
    if date.month() >= 7 {
        date.year() + 1
    } else {
        date.year()
    }
}

/// How the client connects and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The school year to select (ending year).
    pub school_year: i32,
    /// Whether to select the summer school environment.
    pub summer_school: bool,
    /// Pause between two reads of the task list.
    pub poll_interval: Duration,
    /// How many times the task list is read before a task counts as stuck.
    pub max_polls: u32,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// How requests are tried again after a transient failure: a 5xx
    /// answer to a request safe to repeat, a dropped connection or timeout,
    /// a 429 (after its `Retry-After`). Never a 4xx other than 429, and
    /// never an upload write that may have been applied.
    pub retry: RetryPolicy,
    /// How many times a download task the server reports as failed is run
    /// again before [`EspError::TaskFailed`].
    pub task_reruns: u32,
}

impl Options {
    /// Options for the school year that contains `today`, polling every two
    /// seconds for at most thirty minutes, with the default retry policy
    /// (four attempts per request) and two reruns of a failed download task.
    pub fn for_date(today: NaiveDate) -> Self {
        Options {
            school_year: school_year_for(today),
            summer_school: false,
            poll_interval: Duration::from_secs(2),
            max_polls: 900,
            request_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            task_reruns: 2,
        }
    }

    /// The same options with another retry policy and number of task reruns.
    pub fn with_retry(mut self, retry: RetryPolicy, task_reruns: u32) -> Self {
        self.retry = retry;
        self.task_reruns = task_reruns;
        self
    }

    /// The same options with another school year.
    pub fn with_school_year(mut self, school_year: i32) -> Self {
        self.school_year = school_year;
        self
    }

    /// The same options with another polling pace.
    pub fn with_polling(mut self, interval: Duration, max_polls: u32) -> Self {
        self.poll_interval = interval;
        self.max_polls = max_polls;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(domain: &str) -> Credentials {
        Credentials {
            domain: domain.to_owned(),
            site_code: "0850".to_owned(),
            login_name: "admin".to_owned(),
            password: Password::new("hunter2"),
        }
    }

    #[test]
    fn july_starts_the_next_school_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(school_year_for(day(2025, 6, 30)), 2025);
        assert_eq!(school_year_for(day(2025, 7, 1)), 2026);
        assert_eq!(school_year_for(day(2026, 1, 15)), 2026);
        assert_eq!(Options::for_date(day(2025, 8, 1)).school_year, 2026);
    }

    #[test]
    fn bare_domains_get_https_and_the_application_path() {
        let url = |d: &str| {
            creds(d)
                .base_url()
                .map(|u| u.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            url("eschool.example.org"),
            "https://eschool.example.org/eSchoolPLUS/"
        );
        assert_eq!(url("http://127.0.0.1:80/esp40"), "http://127.0.0.1/esp40/");
        assert!(creds("http://").base_url().is_err());
    }

    #[test]
    fn the_password_is_redacted() {
        let shown = format!("{:?}", creds("x"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
