//! Tests of the store on files on disk: opening, migrating and refusing
//! files, two stores sharing one file, and the `StateStore` conformance suite.

mod conformance;
mod files;
mod two_stores;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rostersync_core::scope::SyncScope;
use rostersync_ports::{RunRecord, Trigger};
use tempfile::TempDir;

/// A temporary folder and a store path inside it.
#[cfg(test)]
fn temp_store_path() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rostersync.db");
    (dir, path)
}

/// The bytes of a file.
#[cfg(test)]
fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

/// A time from RFC 3339 text.
#[cfg(test)]
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A manual run of everything that has just started.
#[cfg(test)]
fn started_run(started: &str) -> RunRecord {
    rostersync_ports::conformance::started_run(SyncScope::All, Trigger::Manual, started)
}
