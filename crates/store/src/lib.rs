//! rostersync's state store on one embedded SQLite file: links, runs,
//! per-record outcomes, settings, schedule state, the job queue, the sync
//! lock and the write journal, behind [`rostersync_ports::StateStore`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use rostersync_ports::StateStore;
//! use rostersync_store::SqliteStore;
//!
//! let store = SqliteStore::open("rostersync.db")?;
//! let links = store.links().await?;
//! # let _ = links;
//! # Ok(())
//! # }
//! ```
//!
//! - Opening: [`SqliteStore::open`] creates a new file, migrates one written
//!   by an older rostersync (see [`SCHEMA_VERSION`]), and refuses, untouched,
//!   a file from a newer rostersync, a damaged store, a file that is not
//!   SQLite, and another application's database.
//! - Threading: statements run on tokio's blocking pool behind one mutex (see
//!   the `store` module docs); the async methods need a tokio runtime.
//! - Two processes: every write is a `BEGIN IMMEDIATE` transaction, so the
//!   lock check and take in `try_lock` are atomic across processes.
//! - Beyond the trait: incremental links ([`SqliteStore::apply_link_changes`]),
//!   settings as JSON ([`SqliteStore::save_setting`], [`SqliteStore::setting`]),
//!   and outcome exports ([`SqliteStore::export_outcomes_csv`],
//!   [`SqliteStore::export_outcomes_json`]).
//! - Nothing secret is stored: the stored types hold keys, ids, names,
//!   counts and reasons only.

#![forbid(unsafe_code)]

mod api;
mod codec;
mod coord;
mod error;
mod links;
mod runs;
mod schema;
mod settings;
mod shadow;
mod source;
mod store;

#[cfg(test)]
mod tests;

pub use error::StoreError;
// The exports live in `rostersync_ports::export`, the same for every store;
// they keep their names here for this crate's callers.
pub use rostersync_core::model::links::{LinkChanges, LinkRemovals};
pub use rostersync_ports::LockAttempt;
pub use rostersync_ports::export::{
    CSV_HEADER, SOURCE_CSV_HEADER, csv_field, outcomes_csv, outcomes_json, source_problems_csv,
    source_problems_json,
};
pub use schema::SCHEMA_VERSION;
pub use settings::{MAPPING_SETTING, TIMING_SETTING};
pub use store::{BUSY_TIMEOUT, SqliteStore};
