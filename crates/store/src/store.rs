//! `SqliteStore`: the connection, how it is opened, and how async callers
//! reach it without blocking their threads.
//!
//! # Threading
//!
//! The store holds one connection behind a `std::sync::Mutex`, shared by
//! clones of the store. Every async method moves its work into
//! [`tokio::task::spawn_blocking`], which locks the mutex and runs the
//! statements on tokio's blocking pool, so a long statement (saving 1.5 million
//! links) never stalls the async worker threads. This was chosen over a
//! dedicated thread with a channel because it needs no extra machinery, and
//! the one mutex serializes the statements of this process exactly as one
//! SQLite connection must. The async methods must be called inside a tokio
//! runtime (any flavour). Other processes are kept in step by SQLite's file
//! locks: every write is a `BEGIN IMMEDIATE` transaction, and a busy file is
//! waited on for [`BUSY_TIMEOUT`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::StoreError;
use crate::schema;

/// How long a statement waits for another process's write to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The name shown for an in-memory store.
const IN_MEMORY: &str = ":memory:";

/// rostersync's state on one embedded SQLite file.
///
/// Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store file at `path`, creating it when it does not exist and
    /// migrating it when an older rostersync wrote it.
    ///
    /// This blocks while it checks and migrates the file; call it at start-up
    /// (or inside `spawn_blocking`).
    ///
    /// # Errors
    ///
    /// A file that is not a SQLite database, another application's database,
    /// a damaged store or one from a newer rostersync is refused with an error
    /// that names the file and says what to do; such a file is left
    /// byte-for-byte unchanged. Errors also come from the file system and
    /// SQLite.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        let opening = StoreError::opening(path);
        if schema::check_header(path)? {
            // Judge an existing file through a read-only connection first:
            // it cannot write to the file, not even a checkpoint of a
            // write-ahead log left beside it, so a refused file stays as it was.
            let probe = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(&opening)?;
            probe.busy_timeout(BUSY_TIMEOUT).map_err(&opening)?;
            schema::check_existing(&probe, path)?;
        }
        let conn = Connection::open(path).map_err(&opening)?;
        SqliteStore::setup(conn, path, true)
    }

    /// A new store in memory, gone when the last clone is dropped; for tests.
    ///
    /// # Errors
    ///
    /// When SQLite cannot create it.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let path = Path::new(IN_MEMORY);
        let conn = Connection::open_in_memory().map_err(|source| StoreError::OpenSqlite {
            path: path.to_owned(),
            source,
        })?;
        SqliteStore::setup(conn, path, false)
    }

    pub(crate) fn setup(
        mut conn: Connection,
        path: &Path,
        on_disk: bool,
    ) -> Result<SqliteStore, StoreError> {
        let opening = StoreError::opening(path);
        // Connection settings only: nothing is written to the file yet.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&opening)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(&opening)?;
        schema::check_existing(&conn, path)?;
        // The file is ours (or new): now it may be written. SQLite opens a
        // file it may not write read-only without a word; say so before a
        // write fails in a way that would look like damage.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(&opening)? {
            return Err(StoreError::ReadOnly {
                path: path.to_owned(),
            });
        }
        if on_disk {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(&opening)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Corrupt {
                    path: path.to_owned(),
                    detail: format!("it cannot use write-ahead logging (journal mode {mode})"),
                });
            }
            // In WAL mode NORMAL never corrupts the file; at worst the last
            // transactions before a power cut are lost.
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(&opening)?;
        }
        schema::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path.to_owned()),
        })
    }

    /// The file this store keeps its state in (`:memory:` for an in-memory
    /// store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection on tokio's blocking pool.
    pub(crate) async fn call<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while the lock was held rolled its transaction back when
            // the transaction was dropped, so the connection is still sound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
        .map_err(|error| StoreError::Worker(error.to_string()))?
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction on the blocking pool,
    /// committing when it returns `Ok`.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::sql("begin a write"))?;
            let value = work(&tx)?;
            tx.commit().map_err(StoreError::sql("commit a write"))?;
            Ok(value)
        })
        .await
    }

    /// Runs `work` in one read transaction, so it sees one consistent state.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(StoreError::sql("begin a read"))?;
            let value = work(&tx)?;
            tx.commit().map_err(StoreError::sql("end a read"))?;
            Ok(value)
        })
        .await
    }
}
