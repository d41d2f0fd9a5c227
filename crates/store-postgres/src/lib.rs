//! rostersync's state store on PostgreSQL: the same [`StateStore`] as the
//! embedded SQLite file, in one database that serves many districts.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use rostersync_ports::StateStore;
//! use rostersync_store_postgres::{PgOptions, PgStore};
//!
//! // The password comes from ROSTERSYNC_PG_PASSWORD, never from the URL.
//! let options = PgOptions::new("postgres://rostersync@db.example/rostersync", "district-42")?
//!     .password_from_env();
//! let store = PgStore::open(options).await?;
//! let links = store.links().await?;
//! # let _ = links;
//! # Ok(())
//! # }
//! ```
//!
//! - Districts: a store is opened for one district id; every table has a
//!   `district` column in its key and every statement filters by it, so no
//!   call on one district's store reads or changes another's rows.
//! - Opening: [`PgStore::open`] applies the migrations the database lacks in
//!   one transaction (under an advisory lock, so two processes starting at
//!   once migrate it once) and refuses, untouched, a database whose schema is
//!   newer than this build's [`SCHEMA_VERSION`].
//! - Every method is one transaction; `try_lock` takes a transaction-scoped
//!   advisory lock of its district first, so two processes cannot both take
//!   overlapping scopes.
//! - Times are kept as RFC 3339 text, as in the SQLite store, so every value
//!   round-trips to the nanosecond.
//! - Connection: a URL (or `key=value` string) from the configuration and the
//!   password from the environment ([`PASSWORD_ENV`]); a URL that carries a
//!   password is refused, and no `Debug` or error shows it.
//! - TLS: rustls on ring, as the `sslmode` of the connection string says
//!   (`prefer` by default, `require`, `disable`); the server's certificate
//!   is checked against Mozilla's roots, or the CA file given with
//!   [`PgOptions::ca_certificate`].
//! - Shared queue: [`SharedQueue`] (from [`SharedQueue::open`] or
//!   [`PgStore::shared_queue`]) is one job queue for every district on the
//!   database. Workers take the oldest due job with `SELECT ... FOR UPDATE
//!   SKIP LOCKED` under a lease they renew, never a job of a district that
//!   already has one running; a job whose lease ends is taken again by
//!   another worker, up to [`MAX_ATTEMPTS`], and [`SharedQueue::pool`]
//!   counts queued, running and failed jobs by district and the workers
//!   seen. The per-district queue of [`StateStore`] is unchanged.
//!
//! [`StateStore`]: rostersync_ports::StateStore

#![forbid(unsafe_code)]

mod api;
mod coord;
mod error;
mod links;
mod options;
mod queue;
mod runs;
mod schema;
mod store;
#[cfg(feature = "test-util")]
pub mod test_server;
mod text;

pub use error::PgStoreError;
pub use options::{CONNECT_TIMEOUT, PASSWORD_ENV, Password, PgOptions};
pub use queue::{
    DistrictJobs, JobOutcome, MAX_ATTEMPTS, PoolStatus, RunningJob, SharedJob, SharedQueue,
    WorkerSeen,
};
pub use schema::SCHEMA_VERSION;
pub use store::PgStore;
