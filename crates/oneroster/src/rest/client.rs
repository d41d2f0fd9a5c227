//! The OneRoster REST client: authorization (OAuth 1.0a signing or an
//! OAuth 2 token cached until shortly before it expires, refreshed once on
//! 401), collection paging, query parameters and PUTs, and retries of
//! transient failures as [`RestConfig::retry`] says.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use rostersync_retry::{self as retry, Attempt, Failed};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::config::{Auth, RestConfig, Service};
use super::error::{RestError, status_info};
use super::oauth1;

/// How long before its expiry a cached token is replaced.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Query parameters of a collection read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `filter`, e.g. `dateLastModified>'2024-01-01T00:00:00Z'`.
    pub filter: Option<String>,
    /// `sort` field.
    pub sort: Option<String>,
    /// `orderBy`: `asc` or `desc`.
    pub order_by: Option<String>,
    /// `fields` projection.
    pub fields: Vec<String>,
}

#[derive(Debug)]
struct Token {
    value: String,
    renew_at: Instant,
}

/// One answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer as a [`RestError::Status`], with its `imsx_` payload and
    /// `Retry-After`.
    fn error(&self, what: &str) -> RestError {
        let json: Value = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
        let (code_major, code_minor, description) = status_info(&json);
        RestError::Status {
            what: what.to_owned(),
            status: self.status,
            code_major,
            code_minor,
            description,
            retry_after: self
                .headers
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(retry::parse_retry_after),
            attempts: 1,
        }
    }

    /// The body as JSON; `what` names the request in the error.
    pub(crate) fn json(&self, what: &str) -> Result<Value, RestError> {
        serde_json::from_slice(&self.body).map_err(|e| RestError::Body {
            what: what.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Why one attempt failed, and whether the request reached the provider
/// (a request that never did is safe to send again whatever its method).
struct Failure {
    error: RestError,
    sent: bool,
}

impl From<RestError> for Failure {
    fn from(error: RestError) -> Self {
        Failure { error, sent: true }
    }
}

/// Whether a failed attempt is worth another: a 429 always; a 5xx, a
/// dropped connection or a timeout when the request is repeatable or never
/// reached the provider.
fn verdict<T>(result: Result<T, Failure>, repeatable: bool) -> Attempt<T, RestError> {
    let Failure { error, sent } = match result {
        Ok(value) => return Attempt::Done(value),
        Err(failure) => failure,
    };
    let again = repeatable || !sent;
    let retry_after = match &error {
        RestError::Status {
            status,
            retry_after,
            ..
        } if retry::retries_status(*status, again) => Some(*retry_after),
        RestError::Unreachable { source, .. } if again || source.is_connect() => Some(None),
        RestError::Transport { .. } if again => Some(None),
        _ => None,
    };
    match retry_after {
        Some(retry_after) => Attempt::Retry { error, retry_after },
        None => Attempt::Fail(error),
    }
}

/// The result of a retried request, its error naming the attempts made.
fn finish<T>(result: Result<T, Failed<RestError>>) -> Result<T, RestError> {
    result.map_err(|Failed { error, attempts }| error.with_attempts(attempts))
}

/// Reads a whole answer, whatever its status.
async fn read(what: &str, response: reqwest::Response) -> Result<Answer, RestError> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|source| RestError::Transport {
            what: what.to_owned(),
            source,
            attempts: 1,
        })?;
    Ok(Answer {
        status,
        headers,
        body: body.to_vec(),
    })
}

/// A OneRoster REST client.
#[derive(Debug)]
pub struct RestClient {
    http: reqwest::Client,
    config: RestConfig,
    token: Mutex<Option<Token>>,
}

/// A parsed `Link` header: the `next` URL if any, and whether one was sent.
fn next_link(headers: &reqwest::header::HeaderMap) -> (bool, Option<String>) {
    let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) else {
        return (false, None);
    };
    let next = link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        is_next.then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    });
    (true, next)
}

impl RestClient {
    /// A client for `config`.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built (TLS setup).
    pub fn new(config: RestConfig) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|source| RestError::Unreachable {
                url: config.root.to_string(),
                source,
                attempts: 1,
            })?;
        Ok(RestClient {
            http,
            config,
            token: Mutex::new(None),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RestConfig {
        &self.config
    }

    /// The URL of `path` (e.g. `/users`) under `service`.
    pub fn url(&self, service: Service, path: &str) -> Url {
        let mut url = self.config.base(service);
        let joined = format!("{}{}", url.path(), path);
        url.set_path(&joined);
        url
    }

    async fn token(&self, refresh: bool) -> Result<String, RestError> {
        let Auth::OAuth2 {
            token_url,
            client_id,
            client_secret,
            scopes,
        } = &self.config.auth
        else {
            return Err(RestError::Token("OAuth 2 is not configured".to_owned()));
        };
        let mut held = self.token.lock().await;
        if !refresh
            && let Some(token) = held.as_ref()
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let mut body = "grant_type=client_credentials".to_owned();
        if !scopes.is_empty() {
            body.push_str("&scope=");
            body.push_str(&oauth1::encode(&scopes.join(" ")));
        }
        let what = format!("POST {}", token_url.path());
        // Asking for a token twice does no harm: tried again like a read.
        let result = retry::run(&self.config.retry, &what, || async {
            let sent = self
                .http
                .post(token_url.clone())
                .basic_auth(client_id, Some(client_secret.expose()))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await;
            let answer = match sent {
                Ok(response) => read(&what, response).await,
                Err(source) => Err(RestError::Unreachable {
                    url: token_url.to_string(),
                    source,
                    attempts: 1,
                }),
            };
            match answer {
                // A refusal is read below; only a transient status is retried.
                Ok(answer) if !retry::retries_status(answer.status, true) => Attempt::Done(answer),
                Ok(answer) => verdict(Err(Failure::from(answer.error(&what))), true),
                Err(error) => verdict(Err(Failure::from(error)), true),
            }
        })
        .await;
        let answer = finish(result)?;
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
        let json = answer
            .json(&what)
            .map_err(|_| RestError::Token(format!("HTTP {status} without a JSON body")))?;
        if !status.is_success() {
            let reason = json
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("refused");
            return Err(RestError::Token(format!("HTTP {status}: {reason}")));
        }
        let value = json
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| RestError::Token("no access_token in the answer".to_owned()))?
            .to_owned();
        let lifetime = json
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3600);
        let renew_at = Instant::now() + Duration::from_secs(lifetime).saturating_sub(TOKEN_MARGIN);
        *held = Some(Token {
            value: value.clone(),
            renew_at,
        });
        Ok(value)
    }

    /// Sends a request with authorization and reads its answer, trying
    /// again as the retry policy allows: a GET after a 5xx, a dropped
    /// connection or a timeout; any request after a 429 or when it never
    /// reached the provider. Returns a 2xx answer.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
    ) -> Result<Answer, RestError> {
        let repeatable = method == Method::GET;
        let what = format!("{method} {}", url.path());
        let result = retry::run(&self.config.retry, &what, || async {
            verdict(self.send_once(&method, url, body, &what).await, repeatable)
        })
        .await;
        finish(result)
    }

    /// One attempt of [`RestClient::send`]; with OAuth 2 a 401 fetches a
    /// new token and sends once more.
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Answer, Failure> {
        let mut refreshed = false;
        loop {
            let mut request = self.http.request(method.clone(), url.clone());
            match &self.config.auth {
                Auth::OAuth1 {
                    key,
                    secret,
                    method: signature,
                } => {
                    let nonce = format!("{:016x}", fastrand::u64(..));
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                    let header = oauth1::authorization(
                        method.as_str(),
                        url,
                        key,
                        secret.expose(),
                        *signature,
                        &nonce,
                        now,
                    );
                    request = request.header(AUTHORIZATION, header);
                }
                Auth::OAuth2 { .. } => {
                    // The request is not sent without a token.
                    let token = self
                        .token(refreshed)
                        .await
                        .map_err(|error| Failure { error, sent: false })?;
                    request = request.bearer_auth(token);
                }
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|source| Failure {
                sent: !source.is_connect(),
                error: RestError::Unreachable {
                    url: url.path().to_owned(),
                    source,
                    attempts: 1,
                },
            })?;
            let oauth2 = matches!(self.config.auth, Auth::OAuth2 { .. });
            if response.status() == StatusCode::UNAUTHORIZED && oauth2 && !refreshed {
                tracing::debug!("OneRoster answered 401; fetching a new token once");
                refreshed = true;
                continue;
            }
            let answer = read(what, response).await?;
            if answer.is_success() {
                return Ok(answer);
            }
            return Err(answer.error(what).into());
        }
    }

    /// Every record of a collection, page by page: `limit`/`offset`,
    /// following `Link: rel="next"` when sent, stopping at `X-Total-Count`
    /// when sent, and otherwise on a short page.
    ///
    /// # Errors
    ///
    /// When a page fails or is not the expected envelope.
    pub async fn collection(
        &self,
        service: Service,
        path: &str,
        envelope: &str,
        query: &Query,
    ) -> Result<Vec<Value>, RestError> {
        let limit = self.config.page_size.max(1);
        let mut first = self.url(service, path);
        {
            let mut pairs = first.query_pairs_mut();
            if let Some(filter) = &query.filter {
                pairs.append_pair("filter", filter);
            }
            if let Some(sort) = &query.sort {
                pairs.append_pair("sort", sort);
            }
            if let Some(order) = &query.order_by {
                pairs.append_pair("orderBy", order);
            }
            if !query.fields.is_empty() {
                pairs.append_pair("fields", &query.fields.join(","));
            }
        }
        let page_url = |offset: usize| {
            let mut url = first.clone();
            url.query_pairs_mut()
                .append_pair("limit", &limit.to_string())
                .append_pair("offset", &offset.to_string());
            url
        };
        let mut out = Vec::new();
        let mut url = page_url(0);
        loop {
            let what = format!("GET {path}");
            let response = self.send(Method::GET, &url, None).await?;
            let total = response
                .headers
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<usize>().ok());
            let (has_link, next) = next_link(&response.headers);
            let mut body = response.json(&what)?;
            let items = match body.get_mut(envelope).map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => {
                    return Err(RestError::Body {
                        what,
                        message: format!("no `{envelope}` array"),
                    });
                }
            };
            let count = items.len();
            out.extend(items);
            if count == 0 {
                break;
            }
            if has_link {
                match next.and_then(|n| url.join(&n).ok()) {
                    // A `next` that points at the page just read would loop.
                    Some(next) if next != url => {
                        url = next;
                        continue;
                    }
                    _ => break,
                }
            }
            match total {
                Some(total) if out.len() >= total => break,
                Some(_) => {}
                None if count < limit as usize => break,
                None => {}
            }
            url = page_url(out.len());
        }
        Ok(out)
    }

    /// PUTs `body` to `path` under `service`; 200 and 201 both succeed.
    ///
    /// # Errors
    ///
    /// When the provider refuses the write.
    pub async fn put(&self, service: Service, path: &str, body: &Value) -> Result<u16, RestError> {
        let url = self.url(service, path);
        let response = self.send(Method::PUT, &url, Some(body)).await?;
        Ok(response.status)
    }
}
