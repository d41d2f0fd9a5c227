//! The schema as numbered migrations, and the checks that decide whether an
//! existing file is ours to open, to migrate, or to refuse untouched.
//!
//! The schema version is SQLite's `PRAGMA user_version`. Version 0 with no
//! tables is a new file. Each migration runs in one `BEGIN IMMEDIATE`
//! transaction that also sets the version, so a migration happens whole or
//! not at all, and two processes opening one file at once migrate it once.
//!
//! A migration, once released, is never edited: files in the field were made
//! by it. A change is a new migration at the end of [`MIGRATIONS`].

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StoreError;

/// One step of the schema.
#[derive(Debug)]
pub(crate) struct Migration {
    /// The version the file has after this step.
    pub(crate) version: i64,
    /// The statements.
    pub(crate) sql: &'static str,
    /// The tables this step creates, which every file at or above this
    /// version must have.
    pub(crate) creates: &'static [&'static str],
}

/// Version 1: links, runs, outcomes, schedule state, queue, lock, journal.
const V1: &str = "
CREATE TABLE entity_links (
    entity TEXT NOT NULL CHECK (entity IN ('grading_period', 'user', 'course', 'section')),
    sis_key TEXT NOT NULL,
    lms_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (entity, sis_key)
) WITHOUT ROWID;
CREATE TABLE enrollment_links (
    section_key TEXT NOT NULL,
    person_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (section_key, person_key)
) WITHOUT ROWID;
CREATE TABLE guardian_links (
    guardian_key TEXT NOT NULL,
    student_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (guardian_key, student_key)
) WITHOUT ROWID;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    scope TEXT NOT NULL,
    acting_user TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    message TEXT
);
CREATE TABLE outcomes (
    seq INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id),
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT,
    status TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX outcomes_by_run ON outcomes (run);
CREATE TABLE schedule_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_manual_sync TEXT,
    last_settings_save TEXT,
    last_scheduled_enqueue TEXT
);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    trigger TEXT NOT NULL,
    enqueued_at TEXT NOT NULL
);
CREATE TABLE locks (
    scope TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run INTEGER NOT NULL REFERENCES runs (id),
    entry TEXT NOT NULL
);
";

/// Version 2: whether a run was forced past a threshold, the settings
/// table, and indexes for the outcome filters by status and entity.
const V2: &str = "
ALTER TABLE runs ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL CHECK (json_valid(value))
);
CREATE INDEX outcomes_by_status ON outcomes (status, entity, run);
CREATE INDEX outcomes_by_entity ON outcomes (entity, run);
";

/// Version 3: e-mails the LMS would not take for an account, kept with the
/// links. From this version on outcomes may also have the status `warning`,
/// which an older build could not read: it refuses the file as newer instead.
const V3: &str = "
CREATE TABLE withheld_emails (
    person_key TEXT PRIMARY KEY,
    email TEXT NOT NULL
) WITHOUT ROWID;
";

/// Version 4: what each run's SIS read found, kept with the run: how many
/// records it read, and every source problem (unreadable, left out, warning).
const V4: &str = "
CREATE TABLE source_reads (
    run INTEGER PRIMARY KEY REFERENCES runs (id),
    read INTEGER NOT NULL,
    unreadable INTEGER NOT NULL,
    left_out INTEGER NOT NULL,
    warnings INTEGER NOT NULL
);
CREATE TABLE source_problems (
    seq INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs (id),
    kind TEXT NOT NULL,
    record TEXT,
    location TEXT NOT NULL,
    key TEXT,
    field TEXT,
    reason TEXT,
    message TEXT NOT NULL
);
CREATE INDEX source_problems_by_run ON source_problems (run, kind);
";

/// Version 5: runs may have the status `interrupted` (killed, or stopped by
/// a signal), which an older build could not read: it refuses the file as
/// newer instead. The table of runs is unchanged; the index serves the
/// look-up of runs still marked running, which the next run closes.
const V5: &str = "
CREATE INDEX runs_by_status ON runs (status, id);
";

/// Version 6: the writes of a run that landed, kept with their links so the
/// shadow of the LMS can be carried over them after a stop.
const V6: &str = "
CREATE TABLE shadow_landed (
    seq INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    lms_id TEXT
);
";

/// Every migration, in order; the last one's version is the current schema.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: V1,
        creates: &[
            "entity_links",
            "enrollment_links",
            "guardian_links",
            "runs",
            "outcomes",
            "schedule_state",
            "jobs",
            "locks",
            "journal",
        ],
    },
    Migration {
        version: 2,
        sql: V2,
        creates: &["settings"],
    },
    Migration {
        version: 3,
        sql: V3,
        creates: &["withheld_emails"],
    },
    Migration {
        version: 4,
        sql: V4,
        creates: &["source_reads", "source_problems"],
    },
    Migration {
        version: 5,
        sql: V5,
        creates: &[],
    },
    Migration {
        version: 6,
        sql: V6,
        creates: &["shadow_landed"],
    },
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 6;

/// The header every SQLite database file starts with.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a file that exists, is not empty and is not a SQLite database,
/// before SQLite touches it. Returns whether the file has content to judge;
/// a missing or empty file is a new store.
pub(crate) fn check_header(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(StoreError::Open {
                path: path.to_owned(),
                source,
            });
        }
    };
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    file.by_ref()
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut header)
        .map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
    if header.is_empty() {
        return Ok(false);
    }
    if header == SQLITE_HEADER {
        return Ok(true);
    }
    Err(StoreError::NotAStore {
        path: path.to_owned(),
        detail: "it is not a SQLite database".to_owned(),
    })
}

/// What an existing file holds, read without writing anything.
#[derive(Debug)]
struct Found {
    version: i64,
    tables: BTreeSet<String>,
}

fn inspect(conn: &Connection, path: &Path) -> Result<Found, StoreError> {
    let damaged = |source: rusqlite::Error| {
        use rusqlite::ffi::ErrorCode;
        match source.sqlite_error_code() {
            // Another process is busy with the file: not damage.
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::CannotOpen) => {
                StoreError::OpenSqlite {
                    path: path.to_owned(),
                    source,
                }
            }
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
                path: path.to_owned(),
            },
            _ => StoreError::Corrupt {
                path: path.to_owned(),
                detail: source.to_string(),
            },
        }
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(damaged)?;
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .map_err(damaged)?;
    let tables = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(damaged)?
        .collect::<Result<BTreeSet<String>, _>>()
        .map_err(damaged)?;
    Ok(Found { version, tables })
}

/// Decides whether the file is ours: returns its version, or the error that
/// refuses it. Nothing has been written when this returns an error.
pub(crate) fn check_existing(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let found = inspect(conn, path)?;
    if found.version > SCHEMA_VERSION {
        return Err(StoreError::NewerVersion {
            path: path.to_owned(),
            found: found.version,
            supported: SCHEMA_VERSION,
        });
    }
    if found.version < 0 {
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            detail: format!("its schema version is {}", found.version),
        });
    }
    if found.version == 0 {
        if found.tables.is_empty() {
            return Ok(0);
        }
        let names: Vec<&str> = found.tables.iter().map(String::as_str).take(5).collect();
        return Err(StoreError::NotAStore {
            path: path.to_owned(),
            detail: format!(
                "it is another SQLite database, with tables {}{}",
                names.join(", "),
                if found.tables.len() > names.len() {
                    ", ..."
                } else {
                    ""
                }
            ),
        });
    }
    let missing: Vec<&str> = MIGRATIONS
        .iter()
        .filter(|migration| migration.version <= found.version)
        .flat_map(|migration| migration.creates.iter().copied())
        .filter(|table| !found.tables.contains(*table))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!(
                "it claims schema version {} but has no table {}",
                found.version,
                missing.join(", ")
            ),
        });
    }
    Ok(found.version)
}

/// Brings the file up to [`SCHEMA_VERSION`], one migration per transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    for migration in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sql("begin a schema migration"))?;
        // Read again under the write lock: another process may have migrated
        // the file since it was checked.
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(StoreError::sql("read the schema version"))?;
        if version >= migration.version {
            continue;
        }
        tx.execute_batch(migration.sql)
            .map_err(StoreError::sql("migrate the schema"))?;
        tx.pragma_update(None, "user_version", migration.version)
            .map_err(StoreError::sql("set the schema version"))?;
        tx.commit()
            .map_err(StoreError::sql("commit a schema migration"))?;
    }
    Ok(())
}
