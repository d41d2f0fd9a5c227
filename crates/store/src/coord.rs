//! What coordinates runs: the schedule state, the job queue, the sync lock
//! and the write journal.
//!
//! # The lock
//!
//! One row per locked scope: holder and expiry. `try_lock` runs in a
//! `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock on the file
//! before it reads, so two connections (in one process or two) cannot both
//! see the lock free and both take it. A lease is held while `now` is before
//! its expiry; at or after it the lease is free to take, so a crashed holder
//! blocks nobody for longer than its lease. A holder renews its lease by
//! calling `try_lock` again with the same scope and holder.

use chrono::{DateTime, Utc};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{Job, Lease, LockAttempt, RunId, Trigger};
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{Named, parse_opt_time, parse_time, time_text};
use crate::error::StoreError;

/// Reads the schedule state; a store that never saved one has the default.
pub(crate) fn schedule_state(conn: &Connection) -> Result<ScheduleState, StoreError> {
    let what = "read the schedule state";
    let row = conn
        .query_row(
            "SELECT last_manual_sync, last_settings_save, last_scheduled_enqueue FROM schedule_state WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(StoreError::sql(what))?;
    let Some((manual, settings, scheduled)) = row else {
        return Ok(ScheduleState::default());
    };
    Ok(ScheduleState {
        last_manual_sync: parse_opt_time("schedule_state.last_manual_sync", manual)?,
        last_settings_save: parse_opt_time("schedule_state.last_settings_save", settings)?,
        last_scheduled_enqueue: parse_opt_time("schedule_state.last_scheduled_enqueue", scheduled)?,
    })
}

/// Saves the schedule state.
pub(crate) fn save_schedule_state(
    conn: &Connection,
    state: &ScheduleState,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO schedule_state (id, last_manual_sync, last_settings_save, last_scheduled_enqueue)
         VALUES (1, ?1, ?2, ?3)",
        params![
            state.last_manual_sync.map(time_text),
            state.last_settings_save.map(time_text),
            state.last_scheduled_enqueue.map(time_text),
        ],
    )
    .map(drop)
    .map_err(StoreError::sql("save the schedule state"))
}

/// Appends a job; ids only grow (`AUTOINCREMENT`), even after removals.
pub(crate) fn enqueue(
    conn: &Connection,
    scope: SyncScope,
    trigger: Trigger,
    at: DateTime<Utc>,
) -> Result<Job, StoreError> {
    conn.execute(
        "INSERT INTO jobs (scope, trigger, enqueued_at) VALUES (?1, ?2, ?3)",
        params![scope.name(), trigger.name(), time_text(at)],
    )
    .map_err(StoreError::sql("enqueue a job"))?;
    Ok(Job {
        id: conn.last_insert_rowid(),
        scope,
        trigger,
        enqueued_at: at,
    })
}

/// The queued jobs in queue order, at most `limit`.
pub(crate) fn jobs(conn: &Connection, limit: usize) -> Result<Vec<Job>, StoreError> {
    let what = "read the queue";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = conn
        .prepare_cached("SELECT id, scope, trigger, enqueued_at FROM jobs ORDER BY id LIMIT ?1")
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([limit]).map_err(StoreError::sql(what))?;
    let mut jobs = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        let get = |at: usize| row.get::<_, String>(at).map_err(StoreError::sql(what));
        jobs.push(Job {
            id: row.get(0).map_err(StoreError::sql(what))?,
            scope: SyncScope::parse_named("jobs.scope", get(1)?)?,
            trigger: Trigger::parse_named("jobs.trigger", get(2)?)?,
            enqueued_at: parse_time("jobs.enqueued_at", get(3)?)?,
        });
    }
    Ok(jobs)
}

/// Removes a job; removing one that is gone already is not an error.
pub(crate) fn dequeue(conn: &Connection, job: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM jobs WHERE id = ?1", [job])
        .map(drop)
        .map_err(StoreError::sql("dequeue a job"))
}

/// Every lease row, expired or not.
pub(crate) fn leases(conn: &Connection) -> Result<Vec<Lease>, StoreError> {
    let what = "read the locks";
    let mut statement = conn
        .prepare_cached("SELECT scope, holder, expires_at FROM locks ORDER BY scope")
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([]).map_err(StoreError::sql(what))?;
    let mut leases = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        let get = |at: usize| row.get::<_, String>(at).map_err(StoreError::sql(what));
        leases.push(Lease {
            scope: SyncScope::parse_named("locks.scope", get(0)?)?,
            holder: get(1)?,
            expires_at: parse_time("locks.expires_at", get(2)?)?,
        });
    }
    Ok(leases)
}

/// The unexpired lease of another holder that keeps `holder` from locking
/// `scope` at `now`, if any.
pub(crate) fn blocker(
    conn: &Connection,
    scope: SyncScope,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<Option<Lease>, StoreError> {
    Ok(leases(conn)?.into_iter().find(|lease| {
        lease.scope.overlaps(scope) && lease.holder != holder && now < lease.expires_at
    }))
}

/// Takes or renews the lock. The caller holds a `BEGIN IMMEDIATE`
/// transaction, so the check and the write are one atomic step.
pub(crate) fn try_lock(
    conn: &Connection,
    scope: SyncScope,
    holder: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> Result<LockAttempt, StoreError> {
    let expires_at = now
        .checked_add_signed(lease)
        .ok_or(StoreError::LeaseTooLong(lease))?;
    if let Some(held) = blocker(conn, scope, holder, now)? {
        return Ok(LockAttempt::HeldBy(held));
    }
    let what = "take the lock";
    // Expired leases are free: drop them so the table holds live leases only.
    for expired in leases(conn)?
        .into_iter()
        .filter(|lease| now >= lease.expires_at)
    {
        conn.execute("DELETE FROM locks WHERE scope = ?1", [expired.scope.name()])
            .map_err(StoreError::sql(what))?;
    }
    conn.execute(
        "INSERT OR REPLACE INTO locks (scope, holder, expires_at) VALUES (?1, ?2, ?3)",
        params![scope.name(), holder, time_text(expires_at)],
    )
    .map_err(StoreError::sql(what))?;
    Ok(LockAttempt::Taken(Lease {
        scope,
        holder: holder.to_owned(),
        expires_at,
    }))
}

/// Releases `holder`'s lease of `scope`; releasing a lease not held is not
/// an error.
pub(crate) fn unlock(conn: &Connection, scope: SyncScope, holder: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM locks WHERE scope = ?1 AND holder = ?2",
        params![scope.name(), holder],
    )
    .map(drop)
    .map_err(StoreError::sql("release the lock"))
}

/// Writes a journal entry of `run`.
pub(crate) fn journal(conn: &Connection, run: RunId, entry: &str) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO journal (run, entry) VALUES (?1, ?2)",
        params![run, entry],
    )
    .map_err(StoreError::sql("write a journal entry"))?;
    Ok(conn.last_insert_rowid())
}

/// Clears a journal entry; clearing one already cleared is not an error.
pub(crate) fn clear_journal(conn: &Connection, entry: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM journal WHERE id = ?1", [entry])
        .map(drop)
        .map_err(StoreError::sql("clear a journal entry"))
}

/// The entries not yet cleared, oldest first, with their runs.
pub(crate) fn open_journal(conn: &Connection) -> Result<Vec<(i64, RunId, String)>, StoreError> {
    let what = "read the journal";
    let mut statement = conn
        .prepare_cached("SELECT id, run, entry FROM journal ORDER BY id")
        .map_err(StoreError::sql(what))?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .map_err(StoreError::sql(what))?;
    rows.collect::<Result<_, _>>()
        .map_err(StoreError::sql(what))
}
