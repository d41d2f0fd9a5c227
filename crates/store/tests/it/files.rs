//! Opening files: new, reopened, migrated from version 1 (through every
//! later version), and refused
//! (newer, not SQLite, another application's, damaged), untouched.

use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::UserId;
use rostersync_core::model::links::{Link, LinkChanges, LinkOrigin};
use rostersync_core::schedule::ScheduleMode;
use rostersync_ports::{OutcomeFilter, OutcomeStatus, RecordOutcome, StateStore};
use rostersync_store::{SCHEMA_VERSION, SqliteStore, StoreError, TIMING_SETTING};
use rusqlite::Connection;

use super::{at, bytes, started_run, temp_store_path};

/// The version 1 schema exactly as the first release wrote it.
const V1_SCHEMA: &str = "
CREATE TABLE entity_links (
    entity TEXT NOT NULL CHECK (entity IN ('grading_period', 'user', 'course', 'section')),
    sis_key TEXT NOT NULL, lms_id TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (entity, sis_key)) WITHOUT ROWID;
CREATE TABLE enrollment_links (
    section_key TEXT NOT NULL, person_key TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (section_key, person_key)) WITHOUT ROWID;
CREATE TABLE guardian_links (
    guardian_key TEXT NOT NULL, student_key TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (guardian_key, student_key)) WITHOUT ROWID;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, scope TEXT NOT NULL,
    acting_user TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL, summary TEXT NOT NULL, message TEXT);
CREATE TABLE outcomes (
    seq INTEGER PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs (id), entity TEXT NOT NULL,
    key TEXT NOT NULL, action TEXT, status TEXT NOT NULL, reason TEXT);
CREATE INDEX outcomes_by_run ON outcomes (run);
CREATE TABLE schedule_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), last_manual_sync TEXT, last_settings_save TEXT,
    last_scheduled_enqueue TEXT);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, trigger TEXT NOT NULL,
    enqueued_at TEXT NOT NULL);
CREATE TABLE locks (scope TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run INTEGER NOT NULL REFERENCES runs (id),
    entry TEXT NOT NULL);
PRAGMA user_version = 1;
";

#[cfg(test)]
fn user_version(path: &std::path::Path) -> i64 {
    let conn = Connection::open(path).expect("open");
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("version")
}

#[tokio::test]
async fn a_new_file_gets_the_current_schema_in_wal_mode_and_keeps_its_data() {
    let (_dir, path) = temp_store_path();
    {
        let store = SqliteStore::open(&path).expect("create");
        assert_eq!(store.path(), path.as_path());
        store
            .start_run(&started_run("2026-11-28T02:00:00Z"))
            .await
            .expect("start");
    }
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let conn = Connection::open(&path).expect("open");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    drop(conn);

    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(store.runs(10).await.expect("runs").len(), 1);
}

#[tokio::test]
async fn an_empty_file_is_a_new_store() {
    let (_dir, path) = temp_store_path();
    std::fs::write(&path, b"").expect("touch");
    let store = SqliteStore::open(&path).expect("open");
    assert_eq!(store.runs(10).await.expect("runs"), vec![]);
    assert_eq!(user_version(&path), SCHEMA_VERSION);
}

#[tokio::test]
async fn a_version_1_file_is_migrated_with_its_data() {
    let (_dir, path) = temp_store_path();
    {
        let conn = Connection::open(&path).expect("create v1");
        conn.execute_batch(V1_SCHEMA).expect("v1 schema");
        conn.execute_batch(
            "INSERT INTO runs (trigger, scope, acting_user, started_at, finished_at, status, summary, message)
             VALUES ('scheduled', 'users', 'admin', '2026-01-05T02:00:00Z', '2026-01-05T02:10:00Z', 'succeeded', '{}', NULL);
             INSERT INTO outcomes (run, entity, key, action, status, reason) VALUES (1, 'user', 'P1', 'create', 'done', NULL);
             INSERT INTO entity_links VALUES ('user', 'P1', '11', 'created');
             INSERT INTO enrollment_links VALUES ('S1', 'P1', 'unique_id');
             INSERT INTO jobs (scope, trigger, enqueued_at) VALUES ('all', 'manual', '2026-01-05T03:00:00Z');",
        )
        .expect("v1 data");
    }
    assert_eq!(user_version(&path), 1);

    let store = SqliteStore::open(&path).expect("migrate");
    assert_eq!(user_version(&path), SCHEMA_VERSION);

    let runs = store.runs(10).await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert!(
        !runs[0].forced,
        "runs from before version 2 were not forced"
    );
    assert_eq!(runs[0].finished_at, Some(at("2026-01-05T02:10:00Z")));
    let outcomes = store
        .outcomes(&OutcomeFilter::default())
        .await
        .expect("outcomes");
    assert_eq!(outcomes.len(), 1);
    let links = store.links().await.expect("links");
    assert_eq!(
        links.users.get("P1"),
        Some(&Link::new(UserId::new("11"), LinkOrigin::Created))
    );
    assert_eq!(
        links.enrollments.get(&("S1".into(), "P1".into())),
        Some(&LinkOrigin::UniqueId)
    );
    assert!(store.queue_head().await.expect("head").is_some());

    // What version 2 added works.
    store
        .save_setting(TIMING_SETTING, &ScheduleMode::Manual)
        .await
        .expect("settings table exists");
    let mut run = store
        .start_run(&started_run("2026-11-28T02:00:00Z"))
        .await
        .map(|id| {
            let mut run = started_run("2026-11-28T02:00:00Z");
            run.id = id;
            run
        })
        .expect("start");
    run.forced = true;
    store.finish_run(&run).await.expect("finish");
    assert!(store.runs(1).await.expect("runs")[0].forced);

    // What version 3 added works: withheld e-mails and warning outcomes.
    let mut changes = LinkChanges::default();
    changes
        .upsert
        .withheld_emails
        .insert("P1".into(), "p1@elsewhere.example.org".into());
    store.apply_link_changes(&changes).await.expect("withheld");
    assert_eq!(store.links().await.expect("links").withheld_emails.len(), 1);
    let warning = RecordOutcome {
        run: run.id,
        entity: Entity::User,
        key: "P1".into(),
        action: Some(Action::Create),
        status: OutcomeStatus::Warning,
        reason: Some("created without e-mail p1@elsewhere.example.org".into()),
    };
    store
        .record_outcomes(std::slice::from_ref(&warning))
        .await
        .expect("record a warning");
    let warnings = store
        .outcomes(&OutcomeFilter {
            status: Some(OutcomeStatus::Warning),
            ..OutcomeFilter::default()
        })
        .await
        .expect("warnings");
    assert_eq!(warnings, [warning]);
}

/// Opens `path`, expecting a refusal that names the file, and checks the
/// file is byte-for-byte what it was.
#[cfg(test)]
fn assert_refused(path: &std::path::Path) -> StoreError {
    let before = bytes(path);
    let error = SqliteStore::open(path).expect_err("refused");
    assert!(bytes(path) == before, "the refused file was changed");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("the file was not changed"), "{message}");
    error
}

#[test]
fn a_file_from_a_newer_rostersync_is_refused_untouched() {
    let (_dir, path) = temp_store_path();
    drop(SqliteStore::open(&path).expect("create"));
    {
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump version");
        conn.pragma_update(None, "journal_mode", "DELETE")
            .expect("leave WAL so the file holds everything");
    }
    let error = assert_refused(&path);
    assert!(
        matches!(error, StoreError::NewerVersion { found, .. } if found == SCHEMA_VERSION + 1),
        "{error:?}"
    );
    assert!(error.to_string().contains("upgrade rostersync"), "{error}");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let (_dir, path) = temp_store_path();
    std::fs::write(&path, "name,email\nAda,ada@example.org\n".repeat(200)).expect("write");
    let error = assert_refused(&path);
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );
}

#[test]
fn a_damaged_sqlite_file_is_refused_untouched() {
    let (_dir, path) = temp_store_path();
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend((0..8192u32).map(|at| (at.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(&path, &garbage).expect("write");
    let error = assert_refused(&path);
    assert!(
        matches!(
            error,
            StoreError::Corrupt { .. } | StoreError::NotAStore { .. }
        ),
        "{error:?}"
    );
}

#[test]
fn another_applications_database_is_refused_untouched() {
    let (_dir, path) = temp_store_path();
    {
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);")
            .expect("schema");
    }
    let error = assert_refused(&path);
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
    assert!(error.to_string().contains("customers"), "{error}");
}

#[test]
fn a_file_claiming_our_version_without_our_tables_is_refused_untouched() {
    let (_dir, path) = temp_store_path();
    {
        let conn = Connection::open(&path).expect("create");
        conn.execute_batch("CREATE TABLE runs (id INTEGER PRIMARY KEY); PRAGMA user_version = 2;")
            .expect("schema");
    }
    let error = assert_refused(&path);
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("entity_links"), "{message}");
    assert!(message.contains("settings"), "{message}");
}

#[test]
fn a_newer_file_with_a_write_ahead_log_is_refused_with_both_untouched() {
    let (_source_dir, source) = temp_store_path();
    let (_dir, path) = temp_store_path();
    let wal = path.with_file_name("rostersync.db-wal");
    {
        // As if a newer rostersync crashed: its last writes are still only
        // in the write-ahead log next to the file.
        let conn = Connection::open(&source).expect("create");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .expect("no checkpoints");
        conn.execute_batch("CREATE TABLE future (id INTEGER);")
            .expect("schema");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .expect("version");
        std::fs::copy(&source, &path).expect("copy file");
        std::fs::copy(source.with_file_name("rostersync.db-wal"), &wal).expect("copy log");
    }
    let log_before = bytes(&wal);
    assert!(!log_before.is_empty());
    let error = assert_refused(&path);
    assert!(
        matches!(error, StoreError::NewerVersion { found, .. } if found == SCHEMA_VERSION + 5),
        "{error:?}"
    );
    assert!(bytes(&wal) == log_before, "the log was changed");
}
