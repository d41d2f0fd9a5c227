//! The web session: log on with the anti-forgery token, select the
//! environment (site code) and school year, send requests that log on again
//! once when the session expired and are tried again after a transient
//! failure (the [`Options::retry`] policy), and log off.

use std::time::Duration;

use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::multipart::{Form, Part};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, Response, StatusCode};
use rostersync_retry::{self as retry, Attempt, Failed};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::assumptions::{self, fields, paths};
use crate::config::{Credentials, Options};
use crate::error::{EspError, EspResult};
use crate::html;

/// One request, kept as data so it can be sent again after a new logon.
#[derive(Debug, Clone)]
pub(crate) enum Req {
    /// `GET path?query`.
    Get(&'static str, Vec<(String, String)>),
    /// `POST path` with a form body.
    Form(&'static str, Vec<(String, String)>),
    /// `POST path` with a JSON body.
    Json(&'static str, Value),
    /// `POST path` with one file as multipart.
    Upload(&'static str, String, Vec<u8>),
}

impl Req {
    /// Whether sending it twice does no harm: everything but the upload of
    /// a file and the run of an upload, which write grades. (Saving a
    /// definition replaces the one of its id; running a download twice
    /// leaves the same files; deleting and clearing are the same twice.)
    fn repeatable(&self) -> bool {
        !matches!(self, Req::Upload(..)) && self.path() != paths::RUN_UPLOAD
    }

    fn path(&self) -> &'static str {
        match self {
            Req::Get(path, _) | Req::Form(path, _) | Req::Json(path, _) | Req::Upload(path, ..) => {
                path
            }
        }
    }
}

#[derive(Debug)]
struct State {
    school_year: i32,
    logged_on: bool,
    /// Increases with every logon, so a request that saw an expiry knows
    /// whether someone else logged on again meanwhile.
    generation: u64,
}

/// A logged-on eSchoolPLUS web session.
#[derive(Debug)]
pub struct Session {
    http: Client,
    base: Url,
    credentials: Credentials,
    options: Options,
    state: Mutex<State>,
}

impl Session {
    /// Logs on and selects the environment and school year of `options`.
    ///
    /// # Errors
    ///
    /// [`EspError::BadCredentials`], [`EspError::UnknownSiteCode`],
    /// [`EspError::Unreachable`], [`EspError::UnsupportedVersion`] and
    /// transport or status errors.
    pub async fn open(credentials: Credentials, options: Options) -> EspResult<Session> {
        let base = credentials.base_url()?;
        let http = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(options.request_timeout)
            .build()
            .map_err(|source| EspError::Unreachable {
                url: base.to_string(),
                source,
                attempts: 1,
            })?;
        let session = Session {
            http,
            base,
            state: Mutex::new(State {
                school_year: options.school_year,
                logged_on: false,
                generation: 0,
            }),
            credentials,
            options,
        };
        {
            let mut state = session.state.lock().await;
            session.log_on(&mut state).await?;
        }
        Ok(session)
    }

    /// The options the session was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The school year currently selected.
    pub async fn school_year(&self) -> i32 {
        self.state.lock().await.school_year
    }

    /// Selects another school year (by logging on again, see
    /// assumption 1 of [`assumptions`]); nothing happens when it is
    /// already selected.
    ///
    /// # Errors
    ///
    /// As [`Session::open`].
    pub async fn select_year(&self, school_year: i32) -> EspResult<()> {
        let mut state = self.state.lock().await;
        if state.school_year == school_year && state.logged_on {
            return Ok(());
        }
        if state.logged_on {
            self.end_session().await;
            state.logged_on = false;
        }
        state.school_year = school_year;
        self.log_on(&mut state).await
    }

    /// Logs on again with the same school year: a new session, as the public
    /// scripts start after saving definitions (see assumption 3 of
    /// [`assumptions`]).
    ///
    /// # Errors
    ///
    /// As [`Session::open`].
    pub async fn log_on_again(&self) -> EspResult<()> {
        let mut state = self.state.lock().await;
        if state.logged_on {
            self.end_session().await;
        }
        state.logged_on = false;
        self.log_on(&mut state).await
    }

    /// Sends the log off; failures are logged, the session is over either way.
    async fn end_session(&self) {
        let url = self.url(paths::LOGOFF);
        if let Err(error) = self.http.get(url).send().await {
            tracing::warn!(%error, "eSchoolPLUS log off failed");
        }
    }

    /// Ends the session. Failures are logged, not returned: the session is
    /// over either way.
    pub async fn log_off(&self) {
        let mut state = self.state.lock().await;
        if !state.logged_on {
            return;
        }
        state.logged_on = false;
        self.end_session().await;
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path(), path);
        url.set_path(&joined);
        url
    }

    /// Logs on: logon page, token, credentials, environment; the whole
    /// sequence again (with a new token) after a transient failure of any
    /// step, as the retry policy allows.
    async fn log_on(&self, state: &mut State) -> EspResult<()> {
        let school_year = state.school_year;
        let result = retry::run(&self.options.retry, "logging on to eSchoolPLUS", || async {
            verdict(self.log_on_once(school_year).await, true)
        })
        .await;
        finish(result)?;
        state.logged_on = true;
        state.generation += 1;
        tracing::info!(school_year, "logged on to eSchoolPLUS");
        Ok(())
    }

    /// One logon attempt.
    async fn log_on_once(&self, school_year: i32) -> EspResult<()> {
        tracing::debug!(login = %self.credentials.login_name, base = %self.base, "logging on to eSchoolPLUS");
        let logon = self.url(paths::LOGON);
        let (status, page) = self.fetch(Method::GET, logon.clone(), None).await?;
        if !status.is_success() {
            return Err(status_error(status, "the logon page"));
        }
        check_version(&page)?;
        let mut form = vec![
            (
                fields::USER_NAME.to_owned(),
                self.credentials.login_name.clone(),
            ),
            (
                fields::PASSWORD.to_owned(),
                self.credentials.password.expose().to_owned(),
            ),
        ];
        // Older servers have no token and accept the post without it.
        if let Some(token) = html::input_value(&page, fields::TOKEN) {
            form.push((fields::TOKEN.to_owned(), token));
        }
        let (status, page) = self.fetch(Method::POST, logon, Some(form)).await?;
        if status.is_server_error() {
            return Err(status_error(status, "the logon"));
        }
        if !status.is_success() || !html::has_field(&page, fields::DATABASE) {
            return Err(EspError::BadCredentials);
        }
        let offered = html::select_options(&page, fields::DATABASE);
        let wanted = self.credentials.site_code.trim();
        let Some((database, _)) = offered
            .iter()
            .find(|(value, _)| same_code(value, wanted))
            .cloned()
        else {
            return Err(EspError::UnknownSiteCode {
                site_code: wanted.to_owned(),
                offered: offered
                    .iter()
                    .map(|(value, label)| format!("{value} ({label})"))
                    .collect(),
            });
        };
        let server = html::input_value(&page, fields::SERVER_NAME).unwrap_or_default();
        let environment = vec![
            (fields::SERVER_NAME.to_owned(), server),
            (fields::DATABASE.to_owned(), database),
            (fields::USER_ERROR_MESSAGE.to_owned(), String::new()),
            (fields::SCHOOL_YEAR.to_owned(), school_year.to_string()),
            (
                fields::SUMMER_SCHOOL.to_owned(),
                self.options.summer_school.to_string(),
            ),
            (fields::IMPERSONATED_USER.to_owned(), String::new()),
        ];
        let (status, page) = self
            .fetch(
                Method::POST,
                self.url(paths::SET_ENVIRONMENT),
                Some(environment),
            )
            .await?;
        if !status.is_success() {
            return Err(status_error(status, "the environment selection"));
        }
        // The credentials were accepted one step ago: the logon page or the
        // environment form again means the site code or school year was
        // refused, never the password.
        if html::has_field(&page, fields::PASSWORD) || html::has_field(&page, fields::DATABASE) {
            return Err(EspError::EnvironmentRefused {
                school_year,
                site_code: wanted.to_owned(),
                detail: html::validation_message(&page),
            });
        }
        Ok(())
    }

    /// Sends a logon-phase request and follows redirects by hand (cookies are
    /// kept by the client); returns the final status and body (a 429 is
    /// [`EspError::RateLimited`]).
    async fn fetch(
        &self,
        method: Method,
        url: Url,
        form: Option<Vec<(String, String)>>,
    ) -> EspResult<(StatusCode, String)> {
        let mut request = self.http.request(method, url.clone());
        if let Some(form) = &form {
            request = request.form(form);
        }
        let mut response = request
            .send()
            .await
            .map_err(|source| unreachable(&url, source))?;
        for _ in 0..5 {
            if !response.status().is_redirection() {
                break;
            }
            let Some(next) = redirect_target(&response) else {
                break;
            };
            response = self
                .http
                .get(next.clone())
                .send()
                .await
                .map_err(|source| unreachable(&next, source))?;
        }
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(rate_limited("the logon", &response));
        }
        let body = response
            .text()
            .await
            .map_err(|source| EspError::Transport {
                what: "the logon".to_owned(),
                source,
                attempts: 1,
            })?;
        Ok((status, body))
    }

    /// Sends a request and reads its whole body, trying again after a
    /// transient failure as the retry policy allows (a 5xx answer or a
    /// failure after sending only when the request is repeatable).
    async fn exchange(&self, what: &str, req: &Req) -> EspResult<Vec<u8>> {
        let repeatable = req.repeatable();
        let result = retry::run(&self.options.retry, what, || async {
            let body = match self.send(what, req).await {
                Ok(response) => response
                    .bytes()
                    .await
                    .map_err(|source| EspError::Transport {
                        what: what.to_owned(),
                        source,
                        attempts: 1,
                    }),
                Err(error) => Err(error),
            };
            verdict(body.map(|bytes| bytes.to_vec()), repeatable)
        })
        .await;
        finish(result)
    }

    /// Sends a request whose answer does not matter beyond its status.
    pub(crate) async fn call(&self, what: &str, req: &Req) -> EspResult<()> {
        self.exchange(what, req).await.map(drop)
    }

    /// Sends a request once; when the session expired, logs on again once
    /// and repeats it. Returns a 2xx response.
    async fn send(&self, what: &str, req: &Req) -> EspResult<Response> {
        let generation = self.state.lock().await.generation;
        let response = self.send_once(what, req).await?;
        if !is_expired(&response) {
            return check_status(what, response);
        }
        tracing::info!(what, "eSchoolPLUS session expired; logging on again");
        {
            let mut state = self.state.lock().await;
            if state.generation == generation {
                state.logged_on = false;
                self.log_on(&mut state).await?;
            }
        }
        let response = self.send_once(what, req).await?;
        if is_expired(&response) {
            return Err(EspError::SessionExpiredTwice {
                what: what.to_owned(),
            });
        }
        check_status(what, response)
    }

    async fn send_once(&self, what: &str, req: &Req) -> EspResult<Response> {
        let url = self.url(req.path());
        let request = match req {
            Req::Get(_, query) => self.http.get(url.clone()).query(query),
            Req::Form(_, form) => self.http.post(url.clone()).form(form),
            Req::Json(_, body) => self.http.post(url.clone()).json(body),
            Req::Upload(_, name, bytes) => {
                let part = Part::bytes(bytes.clone()).file_name(name.clone());
                self.http
                    .post(url.clone())
                    .multipart(Form::new().part(fields::FILE_TO_UPLOAD, part))
            }
        };
        request.send().await.map_err(|source| {
            if source.is_connect() {
                unreachable(&url, source)
            } else {
                EspError::Transport {
                    what: what.to_owned(),
                    source,
                    attempts: 1,
                }
            }
        })
    }

    /// Sends a request and decodes its JSON answer.
    pub(crate) async fn json(&self, what: &str, req: &Req) -> EspResult<Value> {
        let bytes = self.exchange(what, req).await?;
        serde_json::from_slice(&bytes).map_err(|error| EspError::Unexpected {
            what: what.to_owned(),
            message: format!("not JSON: {error}"),
        })
    }

    /// Sends a request and returns its body as bytes.
    pub(crate) async fn bytes(&self, what: &str, req: &Req) -> EspResult<Vec<u8>> {
        self.exchange(what, req).await
    }

    /// Sleeps for the poll interval.
    pub(crate) async fn pause(&self) {
        if self.options.poll_interval > Duration::ZERO {
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }
}

fn unreachable(url: &Url, source: reqwest::Error) -> EspError {
    let mut shown = url.clone();
    shown.set_query(None);
    EspError::Unreachable {
        url: shown.to_string(),
        source,
        attempts: 1,
    }
}

/// Whether a failed attempt is worth another: a 429 or a request that never
/// reached the server always; a 5xx answer or a failure after sending only
/// when the request is repeatable.
fn verdict<T>(result: EspResult<T>, repeatable: bool) -> Attempt<T, EspError> {
    let error = match result {
        Ok(value) => return Attempt::Done(value),
        Err(error) => error,
    };
    let again = match &error {
        EspError::RateLimited { retry_after, .. } => Some(*retry_after),
        EspError::Unreachable { .. } => Some(None),
        EspError::Transport { .. } if repeatable => Some(None),
        EspError::Status { status, .. } if retry::retries_status(*status, repeatable) => Some(None),
        _ => None,
    };
    match again {
        Some(retry_after) => Attempt::Retry { error, retry_after },
        None => Attempt::Fail(error),
    }
}

/// The result of a retried request, its error naming the attempts made.
fn finish<T>(result: Result<T, Failed<EspError>>) -> EspResult<T> {
    result.map_err(|Failed { error, attempts }| error.with_attempts(attempts))
}

/// An unexpected status of one attempt.
fn status_error(status: StatusCode, what: &str) -> EspError {
    EspError::Status {
        status: status.as_u16(),
        what: what.to_owned(),
        attempts: 1,
    }
}

/// A 429 answer, with its `Retry-After`.
fn rate_limited(what: &str, response: &Response) -> EspError {
    EspError::RateLimited {
        what: what.to_owned(),
        retry_after: response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(retry::parse_retry_after),
        attempts: 1,
    }
}

fn redirect_target(response: &Response) -> Option<Url> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    response.url().join(location).ok()
}

fn is_expired(response: &Response) -> bool {
    response.status().is_redirection()
        || assumptions::EXPIRED_STATUSES.contains(&response.status().as_u16())
}

fn check_status(what: &str, response: Response) -> EspResult<Response> {
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        Err(rate_limited(what, &response))
    } else if status == StatusCode::FORBIDDEN {
        Err(EspError::MissingPermission {
            action: what.to_owned(),
            message: "the server answered 403 Forbidden".to_owned(),
        })
    } else {
        Err(status_error(status, what))
    }
}

/// Whether two site codes are the same, ignoring leading zeros of numbers.
fn same_code(offered: &str, wanted: &str) -> bool {
    let offered = offered.trim();
    if offered.eq_ignore_ascii_case(wanted) {
        return true;
    }
    match (offered.parse::<u64>(), wanted.parse::<u64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn check_version(page: &str) -> EspResult<()> {
    let Some(version) = html::version(page, assumptions::VERSION_MARKER) else {
        return Ok(());
    };
    let major = version
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major < assumptions::MIN_MAJOR_VERSION => {
            Err(EspError::UnsupportedVersion { version })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_codes_compare_without_leading_zeros() {
        assert!(same_code(" 0850", "850"));
        assert!(same_code("abc", "ABC"));
        assert!(!same_code("0851", "850"));
    }

    #[test]
    fn versions_below_three_are_refused() {
        assert!(check_version("<p>Version 2.5.1</p>").is_err());
        assert!(check_version("<p>Version 21.4</p>").is_ok());
        assert!(check_version("<p>no marker</p>").is_ok());
    }
}
