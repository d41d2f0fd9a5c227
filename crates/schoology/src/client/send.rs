//! The request loop: in-flight budget, rate limiter, signing, redirects
//! followed by hand (each hop re-signed), and retries by phase.

use std::time::{Duration, Instant};

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, Method};
use url::Url;

use super::retry::parse_retry_after;
use super::{Inner, Request, Response, Safety};
use crate::error::{Error, snippet};

/// How many redirect hops one request may take.
const MAX_REDIRECTS: u32 = 5;

/// What one attempt came to.
enum Attempt {
    Done(Response),
    Redirect(Url, bool),
    Retry {
        error: Error,
        retry_after: Option<Duration>,
        rate_limited: bool,
    },
    Fail(Error),
}

pub(super) async fn execute(inner: &Inner, request: Request) -> Result<Response, Error> {
    let endpoint = request.path.clone();
    let method_name = request.method.to_string();
    let mut url = resolve(inner, &request)?;
    // The permit is held for the whole exchange, retries included; the
    // semaphore only bounds how many requests are in flight at once.
    let _permit = inner
        .permits
        .acquire()
        .await
        .map_err(|_| Error::Config("the client is shut down".into()))?;
    let mut method = request.method.clone();
    let mut body = request.body.clone();
    let mut hops = 0;
    let mut retries = 0;
    let mut rate_limited: u32 = 0;
    let mut first_limited: Option<Instant> = None;
    let _busy = Busy::new(inner);
    loop {
        let write = method != Method::GET && method != Method::HEAD;
        let ticket = loop {
            let ticket = inner.pace(|pace| pace.reserve(write, Instant::now()));
            tokio::time::sleep_until(ticket.at.into()).await;
            if inner.pace(|pace| pace.still_holds(ticket, Instant::now())) {
                break ticket;
            }
        };
        let attempt = attempt(inner, &method, &url, body.as_ref(), &request, &endpoint).await;
        if let Attempt::Retry {
            rate_limited: true,
            retry_after,
            ..
        } = &attempt
        {
            let retry_after = retry_after.map(|wait| wait.min(inner.retry.max_backoff));
            inner.pace(|pace| pace.rate_limited(ticket, retry_after, Instant::now()));
        } else if attempt.is_answer() {
            inner.pace(|pace| pace.answered(ticket));
        }
        match attempt {
            Attempt::Done(response) => return Ok(response),
            Attempt::Redirect(next, keep_method) => {
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(Error::Redirect {
                        method: method_name,
                        endpoint,
                        reason: format!("more than {MAX_REDIRECTS} redirects"),
                    });
                }
                if !keep_method {
                    method = Method::GET;
                    body = None;
                }
                tracing::debug!(%endpoint, hop = hops, "following redirect");
                url = on_base_origin(inner, next);
            }
            Attempt::Retry {
                error,
                retry_after,
                rate_limited: true,
            } => {
                // A 429 is retried until the budget is spent; the pace has
                // slowed down and holds every request until a Retry-After.
                let since = *first_limited.get_or_insert_with(Instant::now);
                rate_limited += 1;
                if since.elapsed() >= inner.retry.rate_limited_budget {
                    return Err(Error::RateLimited {
                        method: method_name,
                        endpoint,
                        attempts: rate_limited,
                        retry_after,
                    });
                }
                let wait = match retry_after {
                    Some(_) => Duration::ZERO,
                    None => inner
                        .retry
                        .backoff(inner.retry.rate_limited_backoff, rate_limited - 1),
                };
                tracing::debug!(%endpoint, rate_limited, ?wait, %error, "rate limited, retrying");
                tokio::time::sleep(wait).await;
            }
            Attempt::Retry { error, .. } => {
                if retries >= inner.retry.max_retries {
                    return Err(error);
                }
                let wait = inner.retry.backoff(inner.retry.base_backoff, retries);
                retries += 1;
                tracing::debug!(%endpoint, retry = retries, ?wait, %error, "retrying");
                tokio::time::sleep(wait).await;
            }
            Attempt::Fail(error) => return Err(error),
        }
    }
}

impl Attempt {
    /// Whether the server answered (a transport failure is no answer: it
    /// says nothing of the pace).
    fn is_answer(&self) -> bool {
        match self {
            Attempt::Done(_) | Attempt::Redirect(..) => true,
            Attempt::Retry { error, .. } | Attempt::Fail(error) => {
                !matches!(error, Error::NotSent { .. } | Error::Transport { .. })
            }
        }
    }
}

/// Counts a request as under way from its first wait for a slot until it
/// is over, however it ends (a cancelled request included).
struct Busy<'a>(&'a Inner);

impl<'a> Busy<'a> {
    fn new(inner: &'a Inner) -> Self {
        inner.pace(|pace| pace.begin(Instant::now()));
        Busy(inner)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.pace(|pace| pace.end(Instant::now()));
    }
}

/// Keeps a redirect on the configured origin: a `Location` naming another
/// host (Schoology's own, behind a proxy or test server) is followed on the
/// base URL's host, so credentials and signatures never go elsewhere.
fn on_base_origin(inner: &Inner, next: Url) -> Url {
    if next.origin() == inner.base.origin() {
        return next;
    }
    let mut url = inner.base.clone();
    url.set_path(next.path());
    url.set_query(next.query());
    url
}

fn resolve(inner: &Inner, request: &Request) -> Result<Url, Error> {
    let not_sent = |reason: String| Error::NotSent {
        method: request.method.to_string(),
        endpoint: request.path.clone(),
        reason,
        source: None,
    };
    let mut url = if request.path.starts_with("http://") || request.path.starts_with("https://") {
        Url::parse(&request.path)
    } else {
        inner.base.join(request.path.trim_start_matches('/'))
    }
    .map_err(|e| not_sent(format!("invalid URL: {e}")))?;
    if !request.query.is_empty() {
        url.query_pairs_mut().extend_pairs(request.query.iter());
    }
    Ok(url)
}

async fn attempt(
    inner: &Inner,
    method: &Method,
    url: &Url,
    body: Option<&bytes::Bytes>,
    request: &Request,
    endpoint: &str,
) -> Attempt {
    let safe = request.safety == Safety::Idempotent || *method == Method::GET;
    let method_name = method.to_string();
    let mut auth = match HeaderValue::from_str(&inner.signer.authorization(method.as_str(), url)) {
        Ok(value) => value,
        Err(_) => {
            return Attempt::Fail(Error::NotSent {
                method: method_name,
                endpoint: endpoint.to_owned(),
                reason: "the consumer key cannot be sent in a header".into(),
                source: None,
            });
        }
    };
    auth.set_sensitive(true);
    let mut builder = inner
        .http
        .request(method.clone(), url.clone())
        .header(AUTHORIZATION, auth)
        .header(ACCEPT, "application/json");
    if let Some(body) = body {
        builder = builder
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone());
    }
    let response = match builder.send().await {
        Ok(response) => response,
        Err(error) => return transport_failure(error, &method_name, endpoint, safe),
    };
    let status = response.status().as_u16();
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| url.join(location).ok());
        return match location {
            Some(next) => Attempt::Redirect(next, matches!(status, 307 | 308)),
            None => Attempt::Fail(Error::Redirect {
                method: method_name,
                endpoint: endpoint.to_owned(),
                reason: format!("{status} without a usable Location"),
            }),
        };
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after);
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => return transport_failure(error, &method_name, endpoint, safe),
    };
    if (200..300).contains(&status) {
        return Attempt::Done(Response {
            body: bytes,
            method: request.method.clone(),
            endpoint: endpoint.to_owned(),
        });
    }
    if status == 429 {
        return Attempt::Retry {
            retry_after,
            error: Error::RateLimited {
                method: method_name,
                endpoint: endpoint.to_owned(),
                attempts: 1,
                retry_after,
            },
            rate_limited: true,
        };
    }
    let error = Error::Api {
        method: method_name,
        endpoint: endpoint.to_owned(),
        status,
        snippet: snippet(&bytes),
    };
    // Refused before anything was done, and only for its signature's
    // timestamp or nonce: concurrent requests (or another process with the
    // same key) reached the server out of order across a second. Signed
    // again, it goes through; any method may be sent again.
    if status == 401 && is_replay_refusal(&bytes) {
        return Attempt::Retry {
            retry_after: None,
            error,
            rate_limited: false,
        };
    }
    if status >= 500 && safe {
        Attempt::Retry {
            retry_after: None,
            error,
            rate_limited: false,
        }
    } else {
        Attempt::Fail(error)
    }
}

/// Schoology's answer to a timestamp older than one it saw, or a nonce used
/// twice in one second (its documented words).
fn is_replay_refusal(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).contains("possible replay attack")
}

fn transport_failure(error: reqwest::Error, method: &str, endpoint: &str, safe: bool) -> Attempt {
    let never_sent = error.is_connect() || error.is_builder();
    let reason = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the connection failed".to_owned()
    };
    let source: crate::error::BoxError = Box::new(error.without_url());
    let error = if never_sent {
        Error::NotSent {
            method: method.to_owned(),
            endpoint: endpoint.to_owned(),
            reason,
            source: Some(source),
        }
    } else {
        Error::Transport {
            method: method.to_owned(),
            endpoint: endpoint.to_owned(),
            reason,
            source: Some(source),
        }
    };
    if never_sent || safe {
        Attempt::Retry {
            retry_after: None,
            error,
            rate_limited: false,
        }
    } else {
        Attempt::Fail(error)
    }
}
