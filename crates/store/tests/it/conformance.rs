//! The `StateStore` conformance suite on the SQLite store: in memory, and on
//! a file on disk (WAL, as the binary opens it); and the checks across two
//! stores opened on one file, as two processes would open it.

use std::path::PathBuf;

use rostersync_ports::conformance::{assert_shared_state_store, assert_state_store};
use rostersync_store::SqliteStore;
use tempfile::TempDir;

use super::temp_store_path;

/// The path of a new store file, in a folder `dirs` keeps until the test ends.
fn new_file(dirs: &mut Vec<TempDir>) -> PathBuf {
    let (dir, path) = temp_store_path();
    dirs.push(dir);
    path
}

#[tokio::test]
async fn an_in_memory_store_passes_the_suite() {
    assert_state_store(|| async { SqliteStore::open_in_memory().expect("in-memory store") }).await;
}

#[tokio::test]
async fn a_store_on_disk_passes_the_suite() {
    let mut dirs = Vec::new();
    assert_state_store(|| {
        let path = new_file(&mut dirs);
        async move { SqliteStore::open(&path).expect("open") }
    })
    .await;
}

#[tokio::test]
async fn two_stores_on_one_file_pass_the_checks_across_handles() {
    let mut dirs = Vec::new();
    assert_shared_state_store(|| {
        let path = new_file(&mut dirs);
        let open = move || SqliteStore::open(&path).expect("open");
        async move { (open(), open()) }
    })
    .await;
}
