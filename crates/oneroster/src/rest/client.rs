//! The OneRoster REST client: authorization (OAuth 1.0a signing or an
//! OAuth 2 token cached until shortly before it expires, refreshed once on
//! 401), collection paging, query parameters and PUTs.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
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
        let response = self
            .http
            .post(token_url.clone())
            .basic_auth(client_id, Some(client_secret.expose()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|source| RestError::Unreachable {
                url: token_url.to_string(),
                source,
            })?;
        let status = response.status();
        let json: Value = response
            .json()
            .await
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

    /// Sends one request with authorization; with OAuth 2 a 401 fetches a
    /// new token and retries once.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, RestError> {
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
                    request = request.bearer_auth(self.token(refreshed).await?);
                }
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|source| RestError::Unreachable {
                    url: url.path().to_owned(),
                    source,
                })?;
            let oauth2 = matches!(self.config.auth, Auth::OAuth2 { .. });
            if response.status() == StatusCode::UNAUTHORIZED && oauth2 && !refreshed {
                tracing::debug!("OneRoster answered 401; fetching a new token once");
                refreshed = true;
                continue;
            }
            if response.status().is_success() {
                return Ok(response);
            }
            let status = response.status().as_u16();
            let json: Value = response.json().await.unwrap_or(Value::Null);
            let (code_major, code_minor, description) = status_info(&json);
            return Err(RestError::Status {
                what: format!("{method} {}", url.path()),
                status,
                code_major,
                code_minor,
                description,
            });
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
            let response = self.send(Method::GET, &url, None).await?;
            let total = response
                .headers()
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<usize>().ok());
            let (has_link, next) = next_link(response.headers());
            let what = format!("GET {path}");
            let mut body: Value = response.json().await.map_err(|e| RestError::Body {
                what: what.clone(),
                message: e.to_string(),
            })?;
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
        Ok(response.status().as_u16())
    }
}
