//! `ClientBuilder`: every setting of a [`Client`](super::Client), with defaults.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use url::Url;

use super::limiter::RateLimit;
use super::pace::Pace;
use super::retry::RetryPolicy;
use super::{Client, Inner};
use crate::auth::{Credentials, SignatureMethod, Signer};
use crate::error::Error;

/// The public Schoology API.
pub const DEFAULT_BASE_URL: &str = "https://api.schoology.com/v1/";

/// Builds a [`Client`]. No setting is global: two clients share nothing.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    signature_method: SignatureMethod,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    concurrency: usize,
    rate_limit: RateLimit,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// A builder with the default settings for `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials,
            signature_method: SignatureMethod::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: concat!("rostersync-schoology/", env!("CARGO_PKG_VERSION")).to_owned(),
            concurrency: 8,
            rate_limit: RateLimit::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// The API base address (default `https://api.schoology.com/v1/`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// PLAINTEXT or HMAC-SHA1 (the default).
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.signature_method = method;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How many requests may be in flight at once (default 8).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// The client-side rate limit (default 50 requests per 5 s).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// When and how long to wait before retrying.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a base URL that is not http(s), a zero
    /// concurrency, an invalid rate limit or a TLS setup failure.
    pub fn build(self) -> Result<Client, Error> {
        let mut base = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL {:?} must be an http or https address",
                self.base_url
            )));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        if self.concurrency == 0 {
            return Err(Error::Config("concurrency must be at least 1".into()));
        }
        self.rate_limit.validate()?;
        let pace = std::sync::Mutex::new(Pace::new(&self.rate_limit));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                signer: Signer::new(self.credentials, self.signature_method),
                pace,
                permits: Semaphore::new(self.concurrency),
                concurrency: self.concurrency,
                retry: self.retry,
                rate_limit: self.rate_limit,
                origin: super::memory::origin(),
            }),
        })
    }
}
