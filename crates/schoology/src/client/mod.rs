//! The Schoology client: signing, rate limiting, concurrency, redirects and
//! retries in one place, and typed requests and answers.

mod builder;
mod limiter;
mod memory;
mod pace;
mod retry;
mod send;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use url::Url;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL};
pub use limiter::RateLimit;
pub use retry::RetryPolicy;

use crate::auth::{Credentials, Signer};
use crate::error::Error;

/// A Schoology API client. Cheap to clone; clones share the limiter, the
/// in-flight budget and the nonce state of one consumer key.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base: Url,
    signer: Signer,
    pace: Mutex<pace::Pace>,
    permits: Semaphore,
    concurrency: usize,
    retry: RetryPolicy,
    rate_limit: RateLimit,
    /// Names this client in its [`rostersync_ports::CallMemory`].
    origin: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("signer", &self.inner.signer)
            .field("concurrency", &self.inner.concurrency)
            .field("rate_limit", &self.inner.rate_limit)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for `credentials` with default settings.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The API base address, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// How many requests may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// The client-side rate limit.
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.rate_limit
    }

    /// What this client's calls came to since it was built: answers, 429s,
    /// the time it was busy and the rate its pace is at now.
    pub fn call_stats(&self) -> CallStats {
        let stats = self.inner.pace(|pace| pace.stats(Instant::now()));
        CallStats {
            answers: stats.answers,
            rate_limited: stats.rate_limited,
            with_retry_after: stats.with_retry_after,
            busy: stats.busy,
            rate_per_second: stats.rate,
        }
    }

    /// GETs `path` (relative to the base URL) with `query` and decodes the answer.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; reads are retried as the [`RetryPolicy`] says.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, Error> {
        self.send(Request::get(path).query(query)).await?.json()
    }

    /// Runs `futures` with at most [`Client::concurrency`] at once, in order.
    pub(crate) async fn all<F: Future>(&self, futures: Vec<F>) -> Vec<F::Output> {
        use futures::StreamExt as _;
        futures::stream::iter(futures)
            .buffered(self.inner.concurrency)
            .collect()
            .await
    }

    /// Like [`Client::all`], stopping at the first error.
    pub(crate) async fn try_all<T, E, F>(&self, futures: Vec<F>) -> Result<Vec<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        use futures::{StreamExt as _, TryStreamExt as _};
        futures::stream::iter(futures)
            .buffered(self.inner.concurrency)
            .try_collect()
            .await
    }

    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        send::execute(&self.inner, request).await
    }
}

impl Inner {
    /// Runs `f` on the pace (kept usable if a panic poisoned its lock: its
    /// numbers stay consistent between calls).
    pub(crate) fn pace<T>(&self, f: impl FnOnce(&mut pace::Pace) -> T) -> T {
        let mut pace = self
            .pace
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut pace)
    }
}

/// What a client's calls came to since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallStats {
    /// Answers received, 429s included.
    pub answers: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// Of those, answers that named a `Retry-After`.
    pub with_retry_after: u64,
    /// Time with at least one request under way (waiting for its slot
    /// included).
    pub busy: Duration,
    /// The pace now, in requests per second (the configured rate until a
    /// 429 slows it).
    pub rate_per_second: f64,
}

/// Whether a request may be repeated after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Repeating it has the same effect as sending it once.
    Idempotent,
    /// Repeating it may apply it twice.
    Once,
}

/// One request, before signing.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// A path relative to the base URL, or an absolute URL (a `links.next`).
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) safety: Safety,
}

impl Request {
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            safety: Safety::Idempotent,
        }
    }

    /// A write with a JSON body.
    pub(crate) fn write<B: Serialize + ?Sized>(
        method: Method,
        path: impl Into<String>,
        body: &B,
        safety: Safety,
    ) -> Result<Self, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::Config(format!("could not encode the request body: {e}")))?;
        Ok(Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(Bytes::from(body)),
            safety,
        })
    }

    pub(crate) fn query(mut self, query: &[(&str, String)]) -> Self {
        self.query
            .extend(query.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        self
    }

    pub(crate) fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) body: Bytes,
    pub(crate) method: Method,
    pub(crate) endpoint: String,
}

impl Response {
    /// Decodes the body, naming the field path on failure.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
            method: self.method.to_string(),
            endpoint: self.endpoint.clone(),
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }
}
