//! What coordinates a district's runs: the schedule state, the job queue,
//! the sync lock, the write journal, settings and the shadow of the LMS.
//!
//! # The lock
//!
//! One row per locked scope of a district: holder and expiry. `try_lock`
//! first takes a transaction-scoped advisory lock keyed by the district, so
//! two connections (in one process or two) cannot both find the lock free
//! and both take it; it is released when the transaction ends. A lease is
//! held while `now` is before its expiry; at or after it the lease is free.

use chrono::{DateTime, Utc};
use rostersync_core::entity::Entity;
use rostersync_core::model::links::LandedWrite;
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{Job, JournalEntry, KeptShadow, Lease, LockAttempt, RunId, Trigger};
use tokio_postgres::{Row, Transaction};

use crate::error::PgStoreError;
use crate::store::{Cells, named, parse_opt_time, parse_time, time_text};

/// The first key of the lock table's advisory lock (`"rslk"`); the second
/// is a hash of the district.
const LOCK_CLASS: i32 = 0x7273_6c6b;

/// The setting that holds the shadow.
const SHADOW: &str = "lms_shadow";
/// The setting that holds the plan being applied over it.
const PLAN: &str = "lms_shadow_plan";

/// The schedule state; a district that never saved one has the default.
pub(crate) async fn schedule_state(
    tx: &Transaction<'_>,
    district: &str,
) -> Result<ScheduleState, PgStoreError> {
    let what = "read the schedule state";
    let row = tx
        .query_opt(
            "SELECT last_manual_sync, last_settings_save, last_scheduled_enqueue
             FROM schedule_state WHERE district = $1",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    let Some(row) = row else {
        return Ok(ScheduleState::default());
    };
    let cells = Cells::of(&row, what);
    Ok(ScheduleState {
        last_manual_sync: parse_opt_time("schedule_state.last_manual_sync", cells.get(0)?)?,
        last_settings_save: parse_opt_time("schedule_state.last_settings_save", cells.get(1)?)?,
        last_scheduled_enqueue: parse_opt_time(
            "schedule_state.last_scheduled_enqueue",
            cells.get(2)?,
        )?,
    })
}

/// Saves the schedule state.
pub(crate) async fn save_schedule_state(
    tx: &Transaction<'_>,
    district: &str,
    state: &ScheduleState,
) -> Result<(), PgStoreError> {
    tx.execute(
        "INSERT INTO schedule_state (district, last_manual_sync, last_settings_save,
                                     last_scheduled_enqueue)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (district) DO UPDATE SET last_manual_sync = EXCLUDED.last_manual_sync,
             last_settings_save = EXCLUDED.last_settings_save,
             last_scheduled_enqueue = EXCLUDED.last_scheduled_enqueue",
        &[
            &district,
            &state.last_manual_sync.map(time_text),
            &state.last_settings_save.map(time_text),
            &state.last_scheduled_enqueue.map(time_text),
        ],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("save the schedule state"))
}

/// Appends a job; ids only grow, even after removals.
pub(crate) async fn enqueue(
    tx: &Transaction<'_>,
    district: &str,
    scope: SyncScope,
    trigger: Trigger,
    at: DateTime<Utc>,
) -> Result<Job, PgStoreError> {
    let what = "enqueue a job";
    let row = tx
        .query_one(
            "INSERT INTO jobs (district, scope, trigger, enqueued_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
            &[
                &district,
                &scope.as_str(),
                &trigger.as_str(),
                &time_text(at),
            ],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    Ok(Job {
        id: Cells::of(&row, what).get(0)?,
        scope,
        trigger,
        enqueued_at: at,
    })
}

/// The job at the head of the queue.
pub(crate) async fn queue_head(
    tx: &Transaction<'_>,
    district: &str,
) -> Result<Option<Job>, PgStoreError> {
    let what = "read the queue";
    let row = tx
        .query_opt(
            "SELECT id, scope, trigger, enqueued_at FROM jobs WHERE district = $1
             ORDER BY id LIMIT 1",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    row.map(|row| {
        let cells = Cells::of(&row, what);
        Ok(Job {
            id: cells.get(0)?,
            scope: named(
                "jobs.scope",
                cells.get(1)?,
                &SyncScope::ALL,
                SyncScope::as_str,
            )?,
            trigger: named(
                "jobs.trigger",
                cells.get(2)?,
                &Trigger::ALL,
                Trigger::as_str,
            )?,
            enqueued_at: parse_time("jobs.enqueued_at", cells.get(3)?)?,
        })
    })
    .transpose()
}

/// Runs one statement of `district` with one more parameter, for the
/// removals that are not an error when nothing is there.
pub(crate) async fn delete(
    tx: &Transaction<'_>,
    what: &'static str,
    sql: &str,
    district: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<(), PgStoreError> {
    let mut all: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&district];
    all.extend_from_slice(params);
    tx.execute(sql, &all)
        .await
        .map(drop)
        .map_err(PgStoreError::pg(what))
}

fn lease_of(row: &Row) -> Result<Lease, PgStoreError> {
    let cells = Cells::of(row, "read the locks");
    Ok(Lease {
        scope: named(
            "locks.scope",
            cells.get(0)?,
            &SyncScope::ALL,
            SyncScope::as_str,
        )?,
        holder: cells.get(1)?,
        expires_at: parse_time("locks.expires_at", cells.get(2)?)?,
    })
}

/// Takes or renews the lock, under the district's advisory lock.
pub(crate) async fn try_lock(
    tx: &Transaction<'_>,
    district: &str,
    scope: SyncScope,
    holder: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> Result<LockAttempt, PgStoreError> {
    let what = "take the lock";
    let expires_at = now
        .checked_add_signed(lease)
        .ok_or(PgStoreError::LeaseTooLong(lease))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&LOCK_CLASS, &district],
    )
    .await
    .map_err(PgStoreError::pg(what))?;
    let leases = tx
        .query(
            "SELECT scope, holder, expires_at FROM locks WHERE district = $1 ORDER BY scope",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?
        .iter()
        .map(lease_of)
        .collect::<Result<Vec<Lease>, _>>()?;
    if let Some(held) = leases.iter().find(|lease| {
        lease.scope.overlaps(scope) && lease.holder != holder && now < lease.expires_at
    }) {
        return Ok(LockAttempt::HeldBy(held.clone()));
    }
    // Expired leases are free: drop them so the table holds live leases only.
    let expired: Vec<&str> = leases
        .iter()
        .filter(|lease| now >= lease.expires_at)
        .map(|lease| lease.scope.as_str())
        .collect();
    if !expired.is_empty() {
        delete(
            tx,
            what,
            "DELETE FROM locks WHERE district = $1 AND scope = ANY($2)",
            district,
            &[&expired],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO locks (district, scope, holder, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (district, scope)
         DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at",
        &[&district, &scope.as_str(), &holder, &time_text(expires_at)],
    )
    .await
    .map_err(PgStoreError::pg(what))?;
    Ok(LockAttempt::Taken(Lease {
        scope,
        holder: holder.to_owned(),
        expires_at,
    }))
}

/// Writes a journal entry of `run`.
pub(crate) async fn journal(
    tx: &Transaction<'_>,
    district: &str,
    run: RunId,
    entry: &str,
) -> Result<i64, PgStoreError> {
    let what = "write a journal entry";
    let row = tx
        .query_one(
            "INSERT INTO journal (district, run, entry) VALUES ($1, $2, $3) RETURNING id",
            &[&district, &run, &entry],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    Cells::of(&row, what).get(0)
}

/// The entries not yet cleared, oldest first.
pub(crate) async fn open_journal(
    tx: &Transaction<'_>,
    district: &str,
) -> Result<Vec<JournalEntry>, PgStoreError> {
    let what = "read the journal";
    let rows = tx
        .query(
            "SELECT id, run, entry FROM journal WHERE district = $1 ORDER BY id",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    rows.iter()
        .map(|row| {
            let cells = Cells::of(row, what);
            Ok(JournalEntry {
                id: cells.get(0)?,
                run: cells.get(1)?,
                entry: cells.get(2)?,
            })
        })
        .collect()
}

/// Saves `json` under `name`, replacing any earlier value.
pub(crate) async fn save_setting(
    tx: &Transaction<'_>,
    district: &str,
    name: &str,
    json: &str,
) -> Result<(), PgStoreError> {
    tx.execute(
        "INSERT INTO settings (district, name, value) VALUES ($1, $2, $3)
         ON CONFLICT (district, name) DO UPDATE SET value = EXCLUDED.value",
        &[&district, &name, &json],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("save a setting"))
}

/// The JSON text saved under `name`, if any.
pub(crate) async fn setting(
    tx: &Transaction<'_>,
    district: &str,
    name: &str,
) -> Result<Option<String>, PgStoreError> {
    let what = "read a setting";
    let row = tx
        .query_opt(
            "SELECT value FROM settings WHERE district = $1 AND name = $2",
            &[&district, &name],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    row.map(|row| Cells::of(&row, what).get(0)).transpose()
}

/// Appends landed writes (inside the link changes' transaction), in order.
pub(crate) async fn append_landed(
    tx: &Transaction<'_>,
    district: &str,
    landed: &[LandedWrite],
) -> Result<(), PgStoreError> {
    if landed.is_empty() {
        return Ok(());
    }
    let entities: Vec<&str> = landed.iter().map(|w| w.entity.as_str()).collect();
    let keys: Vec<&str> = landed.iter().map(|w| w.key.as_str()).collect();
    let ids: Vec<Option<&str>> = landed.iter().map(|w| w.id.as_deref()).collect();
    tx.execute(
        "INSERT INTO shadow_landed (district, entity, key, lms_id)
         SELECT $1, entity, key, lms_id
         FROM UNNEST($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS l(entity, key, lms_id, ord)
         ORDER BY ord",
        &[&district, &entities, &keys, &ids],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("keep the writes that landed"))
}

/// The kept shadow, plan and landed writes.
pub(crate) async fn shadow(
    tx: &Transaction<'_>,
    district: &str,
) -> Result<Option<KeptShadow>, PgStoreError> {
    let what = "read the writes that landed";
    let shadow = setting(tx, district, SHADOW).await?;
    let plan = setting(tx, district, PLAN).await?;
    let rows = tx
        .query(
            "SELECT entity, key, lms_id FROM shadow_landed WHERE district = $1 ORDER BY seq",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    let landed = rows
        .iter()
        .map(|row| {
            let cells = Cells::of(row, what);
            Ok(LandedWrite {
                entity: named(
                    "shadow_landed.entity",
                    cells.get(0)?,
                    &Entity::ALL,
                    Entity::as_str,
                )?,
                key: cells.get(1)?,
                id: cells.get(2)?,
            })
        })
        .collect::<Result<Vec<_>, PgStoreError>>()?;
    Ok(KeptShadow::of(shadow, plan, landed))
}

/// Replaces the shadow and the plan, and forgets the landed writes.
pub(crate) async fn keep_shadow(
    tx: &Transaction<'_>,
    district: &str,
    shadow: Option<&str>,
    plan: Option<&str>,
) -> Result<(), PgStoreError> {
    for (name, value) in [(SHADOW, shadow), (PLAN, plan)] {
        match value {
            Some(json) => save_setting(tx, district, name, json).await?,
            None => {
                delete(
                    tx,
                    "drop a setting",
                    "DELETE FROM settings WHERE district = $1 AND name = $2",
                    district,
                    &[&name],
                )
                .await?;
            }
        }
    }
    delete(
        tx,
        "forget the writes that landed",
        "DELETE FROM shadow_landed WHERE district = $1",
        district,
        &[],
    )
    .await
}
