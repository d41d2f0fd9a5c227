//! The schema as numbered migrations, applied at start in one transaction,
//! and the check that refuses a database migrated by a newer build.
//!
//! The version is the one row of `rostersync_schema`; a database without
//! that table is new. Every table of a district's state has a `district`
//! column first in its primary key, so one database serves many districts;
//! the shared queue's tables (version 2) are the exception, since they serve
//! every district at once: a job row names its district in a column.
//!
//! A migration, once released, is never edited: databases in the field were
//! made by it. A change is a new migration at the end of [`MIGRATIONS`].

use tokio_postgres::Transaction;

use crate::error::PgStoreError;

/// One step of the schema.
#[derive(Debug)]
struct Migration {
    /// The version the database has after this step.
    version: i64,
    /// The statements.
    sql: &'static str,
}

/// Version 1: everything the SQLite store keeps at its version 6, by
/// district. Times are RFC 3339 text, as there, so they round-trip exactly;
/// ids are identities, shared by all districts and growing.
const V1: &str = "
CREATE TABLE rostersync_schema (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version BIGINT NOT NULL
);
CREATE TABLE entity_links (
    district TEXT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('grading_period', 'user', 'course', 'section')),
    sis_key TEXT NOT NULL,
    lms_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (district, entity, sis_key)
);
CREATE TABLE enrollment_links (
    district TEXT NOT NULL,
    section_key TEXT NOT NULL,
    person_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (district, section_key, person_key)
);
CREATE TABLE guardian_links (
    district TEXT NOT NULL,
    guardian_key TEXT NOT NULL,
    student_key TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (district, guardian_key, student_key)
);
CREATE TABLE withheld_emails (
    district TEXT NOT NULL,
    person_key TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (district, person_key)
);
CREATE TABLE runs (
    district TEXT NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    trigger TEXT NOT NULL,
    scope TEXT NOT NULL,
    acting_user TEXT NOT NULL,
    forced BOOLEAN NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    message TEXT,
    PRIMARY KEY (district, id)
);
CREATE INDEX runs_by_status ON runs (district, status, id);
CREATE TABLE outcomes (
    district TEXT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    run BIGINT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (district, seq),
    FOREIGN KEY (district, run) REFERENCES runs (district, id)
);
CREATE INDEX outcomes_by_run ON outcomes (district, run, seq);
CREATE INDEX outcomes_by_status ON outcomes (district, status, entity, run);
CREATE INDEX outcomes_by_entity ON outcomes (district, entity, run);
CREATE TABLE schedule_state (
    district TEXT PRIMARY KEY,
    last_manual_sync TEXT,
    last_settings_save TEXT,
    last_scheduled_enqueue TEXT
);
CREATE TABLE jobs (
    district TEXT NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    scope TEXT NOT NULL,
    trigger TEXT NOT NULL,
    enqueued_at TEXT NOT NULL,
    PRIMARY KEY (district, id)
);
CREATE TABLE locks (
    district TEXT NOT NULL,
    scope TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (district, scope)
);
CREATE TABLE journal (
    district TEXT NOT NULL,
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    run BIGINT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (district, id),
    FOREIGN KEY (district, run) REFERENCES runs (district, id)
);
CREATE TABLE settings (
    district TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value::json IS NOT NULL),
    PRIMARY KEY (district, name)
);
CREATE TABLE source_reads (
    district TEXT NOT NULL,
    run BIGINT NOT NULL,
    read BIGINT NOT NULL,
    unreadable BIGINT NOT NULL,
    left_out BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    PRIMARY KEY (district, run),
    FOREIGN KEY (district, run) REFERENCES runs (district, id)
);
CREATE TABLE source_problems (
    district TEXT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    run BIGINT NOT NULL,
    kind TEXT NOT NULL,
    record TEXT,
    location TEXT NOT NULL,
    key TEXT,
    field TEXT,
    reason TEXT,
    message TEXT NOT NULL,
    PRIMARY KEY (district, seq),
    FOREIGN KEY (district, run) REFERENCES runs (district, id)
);
CREATE INDEX source_problems_by_run ON source_problems (district, run, kind);
CREATE TABLE shadow_landed (
    district TEXT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    lms_id TEXT,
    PRIMARY KEY (district, seq)
);
";

/// Version 2: the queue shared by all districts and workers (`queue.rs`),
/// and the workers' heartbeats. Times are nanoseconds since the Unix epoch,
/// so that statements compare and order them (RFC 3339 text with a variable
/// fraction does not sort) and they still round-trip exactly.
const V2: &str = "
CREATE TABLE shared_jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district TEXT NOT NULL,
    scope TEXT NOT NULL,
    trigger TEXT NOT NULL,
    not_before_ns BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'taken', 'done', 'failed')),
    worker TEXT,
    lease_until_ns BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    CHECK (state <> 'taken' OR (worker IS NOT NULL AND lease_until_ns IS NOT NULL))
);
-- Only open jobs: finished ones pile up and no take reads them.
CREATE INDEX shared_jobs_open ON shared_jobs (not_before_ns, id)
    WHERE state IN ('queued', 'taken');
CREATE INDEX shared_jobs_by_district ON shared_jobs (district, state);
CREATE TABLE workers (
    worker TEXT PRIMARY KEY,
    seen_ns BIGINT NOT NULL
);
";

/// Every migration, in order; the last one's version is the current schema.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: V1,
    },
    Migration {
        version: 2,
        sql: V2,
    },
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = 2;

/// The advisory lock key every migration holds (`"rsyn"` as bytes), so two
/// processes opening one database at once migrate it once.
const MIGRATION_LOCK: i64 = 0x7273_796e;

/// The schema version of the database: 0 when it has no rostersync schema.
pub(crate) async fn version(tx: &Transaction<'_>) -> Result<i64, PgStoreError> {
    let what = "read the schema version";
    let row = tx
        // pg_class is read with this statement's snapshot, not the
        // backend's catalog cache, which may still hold what this session
        // saw before it waited for the migration lock.
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class
                            WHERE relname = 'rostersync_schema'
                              AND relnamespace = current_schema()::regnamespace)",
            &[],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    if !row.try_get::<_, bool>(0).map_err(PgStoreError::pg(what))? {
        return Ok(0);
    }
    let row = tx
        .query_opt("SELECT version FROM rostersync_schema", &[])
        .await
        .map_err(PgStoreError::pg(what))?;
    match row {
        Some(row) => row.try_get(0).map_err(PgStoreError::pg(what)),
        None => Ok(0),
    }
}

/// Refuses a schema newer than this build's.
pub(crate) fn check(found: i64, target: &str) -> Result<(), PgStoreError> {
    if found > SCHEMA_VERSION {
        return Err(PgStoreError::NewerVersion {
            target: target.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the database up to [`SCHEMA_VERSION`] inside `tx`; the caller
/// commits. Reads the version again under the migration lock: another
/// process may have migrated meanwhile.
pub(crate) async fn migrate(tx: &Transaction<'_>, target: &str) -> Result<(), PgStoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(PgStoreError::pg("wait for the migration lock"))?;
    let found = version(tx).await?;
    check(found, target)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        tx.batch_execute(migration.sql)
            .await
            .map_err(PgStoreError::pg("migrate the schema"))?;
    }
    tx.execute(
        "INSERT INTO rostersync_schema (singleton, version) VALUES (TRUE, $1)
         ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version",
        &[&SCHEMA_VERSION],
    )
    .await
    .map_err(PgStoreError::pg("set the schema version"))?;
    Ok(())
}
