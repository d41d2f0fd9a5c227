//! A store file this process may read but not write is reported as
//! read-only, never as damaged (that advice would lose the links).

use rusqlite::{Connection, OpenFlags};

use crate::{SqliteStore, StoreError};

#[test]
fn a_store_opened_read_only_is_said_to_be_read_only_and_stays_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rostersync.db");
    drop(SqliteStore::open(&path).expect("create"));
    let before = std::fs::read(&path).expect("read");
    // What SQLite does with a file the user may not write: it opens it
    // read-only (root may write anything, so the test asks for that directly).
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open read-only");
    let error = SqliteStore::setup(conn, &path, true).expect_err("refused");
    assert!(matches!(&error, StoreError::ReadOnly { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("is read-only here"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("write permission"), "{text}");
    assert!(!text.contains("damaged"), "{text}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_read_only_answer_from_sqlite_is_read_only_too() {
    let path = std::path::Path::new("/srv/rostersync/rostersync.db");
    let refused = rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
        None,
    );
    assert!(matches!(
        StoreError::opening(path)(refused),
        StoreError::ReadOnly { .. }
    ));
    let busy =
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None);
    assert!(matches!(
        StoreError::opening(path)(busy),
        StoreError::OpenSqlite { .. }
    ));
}
