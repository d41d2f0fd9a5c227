//! A local OneRoster REST provider serving a OneRoster CSV package, for
//! contract and conformance tests of OneRoster clients (reference part B of
//! `eschoolplus-and-oneroster.md`).
//!
//! * The package's `manifest.csv` picks the version: 1.1 is served under
//!   `/ims/oneroster/v1p1` with users' `role` and `orgs`; 1.2 under
//!   `/ims/oneroster/rostering/v1p2` with users' `roles[]` (from `roles.csv`).
//! * Collections: `orgs`, `academicSessions`, `courses`, `classes`, `users`,
//!   `enrollments`, with `limit`/`offset` (default 100), `filter` (one or two
//!   predicates joined by ` AND ` or ` OR `; an unknown field is a 400
//!   `invalid_filter_field`), `sort`/`orderBy` and `fields`. `X-Total-Count`
//!   and `Link: rel="next"` are sent unless turned off
//!   ([`OneRosterSim::without_paging_headers`]), so clients must then stop on
//!   a short page.
//! * Auth: OAuth 1.0a HMAC-SHA1 signatures, recomputed here (the simulator
//!   has no SHA-256), or OAuth 2 client credentials from `POST /oauth/token`
//!   with Basic client auth; [`RunningOneRoster::expire_tokens`] makes every
//!   issued token unknown, so the next request gets a 401.
//! * Gradebook (under `/ims/oneroster/gradebook/v1p2` for 1.2):
//!   `PUT lineItems|results|categories/{id}` create (201) or replace (200)
//!   by the consumer's sourcedId, which must equal the body's;
//!   `GET classes/{id}/lineItems|results` list them; `GET classes/{id}`
//!   reads one class.
//! * Errors are `imsx_StatusInfo` payloads.
//! * Faults: the HTTP faults of [`Faults`] ([`RunningOneRoster::faults`]),
//!   token endpoint included; every request is counted by path, faulted
//!   ones too ([`RunningOneRoster::requests_to`]).
//!
//! The CSV files are read by a reader of the simulator's own, so the
//! simulator depends on no client.

mod auth;
mod csv;
mod entities;
mod gradebook;
mod routes;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::faults::{self, Faults};
use crate::server::{Running, serve};

/// How the simulator checks requests.
#[derive(Debug, Clone)]
pub enum SimAuth {
    /// OAuth 1.0a, HMAC-SHA1.
    OAuth1 {
        /// Consumer key.
        key: String,
        /// Consumer secret.
        secret: String,
    },
    /// OAuth 2 client credentials at `/oauth/token`.
    OAuth2 {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
}

/// State shared by the handler.
#[derive(Debug)]
struct Shared {
    base: String,
    gradebook_base: String,
    gradebook: Mutex<gradebook::Gradebook>,
    auth: SimAuth,
    paging_headers: bool,
    collections: entities::Collections,
    tokens: Mutex<BTreeSet<String>>,
    issued: AtomicUsize,
    requests: Mutex<BTreeMap<String, u64>>,
}

/// A OneRoster provider to start.
#[derive(Debug)]
pub struct OneRosterSim {
    base: String,
    auth: SimAuth,
    paging_headers: bool,
    collections: entities::Collections,
}

impl OneRosterSim {
    /// Reads the package in `dir` (its manifest picks 1.1 or 1.2).
    ///
    /// # Errors
    ///
    /// When a file of the package cannot be read.
    pub fn from_package(dir: &Path, auth: SimAuth) -> std::io::Result<Self> {
        let manifest = csv::rows(&String::from_utf8_lossy(&std::fs::read(
            dir.join("manifest.csv"),
        )?));
        let modern = manifest.iter().any(|row| {
            row.get("propertyName").map(String::as_str) == Some("oneroster.version")
                && row.get("value").is_some_and(|v| v.starts_with("1.2"))
        });
        let base = if modern {
            "/ims/oneroster/rostering/v1p2"
        } else {
            "/ims/oneroster/v1p1"
        };
        Ok(OneRosterSim {
            base: base.to_owned(),
            auth,
            paging_headers: true,
            collections: entities::load(dir, modern)?,
        })
    }

    /// Sends neither `X-Total-Count` nor `Link`.
    #[must_use]
    pub fn without_paging_headers(mut self) -> Self {
        self.paging_headers = false;
        self
    }

    /// Starts the simulator on 127.0.0.1 with a free port.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start(self) -> std::io::Result<RunningOneRoster> {
        let gradebook_base = self.base.replace("/rostering/", "/gradebook/");
        let shared = Arc::new(Shared {
            base: self.base,
            gradebook_base,
            gradebook: Mutex::new(gradebook::Gradebook::new()),
            auth: self.auth,
            paging_headers: self.paging_headers,
            collections: self.collections,
            tokens: Mutex::new(BTreeSet::new()),
            issued: AtomicUsize::new(0),
            requests: Mutex::new(BTreeMap::new()),
        });
        let faults = Faults::new();
        let router = Router::new()
            .fallback(routes::handle)
            .layer(middleware::from_fn_with_state(
                faults.clone(),
                faults::inject,
            ))
            .layer(middleware::from_fn_with_state(Arc::clone(&shared), count))
            .with_state(Arc::clone(&shared));
        let running = serve(router, 0).await?;
        Ok(RunningOneRoster {
            running,
            shared,
            faults,
        })
    }
}

/// Counts every request by its path.
async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Ok(mut requests) = shared.requests.lock() {
        *requests.entry(request.uri().path().to_owned()).or_default() += 1;
    }
    next.run(request).await
}

/// A running OneRoster simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningOneRoster {
    running: Running,
    shared: Arc<Shared>,
    faults: Faults,
}

impl RunningOneRoster {
    /// The root URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The token endpoint, `http://127.0.0.1:PORT/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.running.url())
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Requests whose path ends with `path` (e.g. `/users` or
    /// `/oauth/token`), faulted ones included.
    pub fn requests_to(&self, path: &str) -> u64 {
        self.shared
            .requests
            .lock()
            .map(|requests| {
                requests
                    .iter()
                    .filter(|(seen, _)| seen.ends_with(path))
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// How many OAuth 2 tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.issued.load(Ordering::SeqCst)
    }

    /// Forgets every issued token; the next request with one gets a 401.
    pub fn expire_tokens(&self) {
        if let Ok(mut tokens) = self.shared.tokens.lock() {
            tokens.clear();
        }
    }

    /// The stored gradebook records of `kind` (`lineItems`, `results`,
    /// `categories`), in sourcedId order.
    pub fn gradebook(&self, kind: &str) -> Vec<serde_json::Value> {
        self.shared
            .gradebook
            .lock()
            .map(|book| {
                book.get(kind)
                    .map(|r| r.values().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(self) {
        self.running.stop().await;
    }
}
