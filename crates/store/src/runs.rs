//! Runs and their per-record outcomes.
//!
//! A run row keeps exactly the fields of a [`RunRecord`]: the summary as its
//! JSON text, times as RFC 3339 text. Outcomes keep their insertion order in
//! `seq`, and are listed in run then record order.

use chrono::{DateTime, Utc};
use rostersync_core::entity::{Action, Entity};
use rostersync_core::plan::PlanSummary;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, RecordOutcome, RunId, RunRecord, RunStatus, Trigger,
};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use crate::codec::{Named, parse_opt_time, parse_time, select_filtered, time_text};
use crate::error::StoreError;

const RUN_COLUMNS: &str =
    "id, trigger, scope, acting_user, forced, started_at, finished_at, status, summary, message";

fn summary_text(summary: &PlanSummary) -> Result<String, StoreError> {
    serde_json::to_string(summary).map_err(|source| StoreError::Json {
        what: "run summary".to_owned(),
        source,
    })
}

/// Inserts a run and returns its new id; `run.id` is ignored.
pub(crate) fn start(conn: &Connection, run: &RunRecord) -> Result<RunId, StoreError> {
    let summary = summary_text(&run.summary)?;
    conn.prepare_cached(
        "INSERT INTO runs (trigger, scope, acting_user, forced, started_at, finished_at, status, summary, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            run.trigger.name(),
            run.scope.name(),
            run.acting_user,
            run.forced,
            time_text(run.started_at),
            run.finished_at.map(time_text),
            run.status.name(),
            summary,
            run.message,
        ])
    })
    .map_err(StoreError::sql("record the start of a run"))?;
    Ok(conn.last_insert_rowid())
}

/// Updates what a run can learn while it runs: forced, end, status, summary
/// and message.
pub(crate) fn finish(conn: &Connection, run: &RunRecord) -> Result<(), StoreError> {
    let summary = summary_text(&run.summary)?;
    let changed = conn
        .prepare_cached(
            "UPDATE runs SET forced = ?2, finished_at = ?3, status = ?4, summary = ?5, message = ?6
             WHERE id = ?1",
        )
        .and_then(|mut statement| {
            statement.execute(params![
                run.id,
                run.forced,
                run.finished_at.map(time_text),
                run.status.name(),
                summary,
                run.message,
            ])
        })
        .map_err(StoreError::sql("record the end of a run"))?;
    if changed == 0 {
        return Err(StoreError::UnknownRun(run.id));
    }
    Ok(())
}

fn run_of(row: &Row<'_>) -> Result<RunRecord, StoreError> {
    let what = "read a run";
    let get = |at: usize| row.get::<_, String>(at).map_err(StoreError::sql(what));
    let summary_json = get(8)?;
    let summary = serde_json::from_str(&summary_json).map_err(|source| StoreError::Json {
        what: "stored run summary".to_owned(),
        source,
    })?;
    Ok(RunRecord {
        id: row.get(0).map_err(StoreError::sql(what))?,
        trigger: Trigger::parse_named("runs.trigger", get(1)?)?,
        scope: SyncScope::parse_named("runs.scope", get(2)?)?,
        acting_user: get(3)?,
        forced: row.get(4).map_err(StoreError::sql(what))?,
        started_at: parse_time("runs.started_at", get(5)?)?,
        finished_at: parse_opt_time(
            "runs.finished_at",
            row.get(6).map_err(StoreError::sql(what))?,
        )?,
        status: RunStatus::parse_named("runs.status", get(7)?)?,
        summary,
        message: row.get(9).map_err(StoreError::sql(what))?,
    })
}

/// Runs, newest first, at most `limit`.
pub(crate) fn list(conn: &Connection, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
    let what = "list runs";
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"
        ))
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([limit]).map_err(StoreError::sql(what))?;
    let mut runs = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        runs.push(run_of(row)?);
    }
    Ok(runs)
}

/// One run by id.
pub(crate) fn get(conn: &Connection, id: RunId) -> Result<Option<RunRecord>, StoreError> {
    let what = "read a run";
    let mut statement = conn
        .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"))
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([id]).map_err(StoreError::sql(what))?;
    match rows.next().map_err(StoreError::sql(what))? {
        Some(row) => run_of(row).map(Some),
        None => Ok(None),
    }
}

/// Appends outcomes in the order given.
pub(crate) fn record(conn: &Connection, outcomes: &[RecordOutcome]) -> Result<(), StoreError> {
    let what = "record outcomes";
    let mut statement = conn
        .prepare_cached(
            "INSERT INTO outcomes (run, entity, key, action, status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(StoreError::sql(what))?;
    for outcome in outcomes {
        statement
            .execute(params![
                outcome.run,
                outcome.entity.name(),
                outcome.key,
                outcome.action.map(Named::name),
                outcome.status.name(),
                outcome.reason,
            ])
            .map_err(StoreError::sql(what))?;
    }
    Ok(())
}

/// Outcomes matching `filter`, in run then record order.
pub(crate) fn outcomes(
    conn: &Connection,
    filter: &OutcomeFilter,
) -> Result<Vec<RecordOutcome>, StoreError> {
    let what = "list outcomes";
    let text = |name: &str| Value::Text(name.to_owned());
    select_filtered(
        conn,
        what,
        "SELECT run, entity, key, action, status, reason FROM outcomes",
        vec![
            ("run", filter.run.map(Value::Integer)),
            ("status", filter.status.map(|status| text(status.name()))),
            ("entity", filter.entity.map(|entity| text(entity.name()))),
        ],
        "run, seq",
        |row| {
            let get = |at: usize| row.get::<_, String>(at).map_err(StoreError::sql(what));
            let action: Option<String> = row.get(3).map_err(StoreError::sql(what))?;
            Ok(RecordOutcome {
                run: row.get(0).map_err(StoreError::sql(what))?,
                entity: Entity::parse_named("outcomes.entity", get(1)?)?,
                key: get(2)?,
                action: action
                    .map(|action| Action::parse_named("outcomes.action", action))
                    .transpose()?,
                status: OutcomeStatus::parse_named("outcomes.status", get(4)?)?,
                reason: row.get(5).map_err(StoreError::sql(what))?,
            })
        },
    )
}

/// Deletes finished runs that ended before `cutoff` and have no open
/// journal entry, with their outcomes. The caller holds a write transaction.
pub(crate) fn prune(conn: &Connection, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
    let what = "prune runs";
    // Times are compared after parsing: RFC 3339 text with fractions does
    // not sort as text.
    let mut statement = conn
        .prepare(
            "SELECT id, finished_at FROM runs
             WHERE finished_at IS NOT NULL AND id NOT IN (SELECT run FROM journal)",
        )
        .map_err(StoreError::sql(what))?;
    let candidates = statement
        .query_map([], |row| {
            Ok((row.get::<_, RunId>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(StoreError::sql(what))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::sql(what))?;
    let mut pruned = 0;
    for (id, finished) in candidates {
        if parse_time("runs.finished_at", finished)? < cutoff {
            conn.execute("DELETE FROM outcomes WHERE run = ?1", [id])
                .map_err(StoreError::sql(what))?;
            conn.execute("DELETE FROM runs WHERE id = ?1", [id])
                .map_err(StoreError::sql(what))?;
            pruned += 1;
        }
    }
    Ok(pruned)
}
