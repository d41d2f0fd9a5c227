//! What each run's SIS read found: how many records it read, and every
//! source problem (unreadable, left out, warning) in reading order, so an
//! administrator finds them after the run without reading the SIS again.

use std::collections::BTreeMap;

use rostersync_ports::{
    ProblemKind, RecordKind, RunId, RunSourceProblem, SourceFilter, SourceProblem, SourceSummary,
};
use rusqlite::types::Value;
use rusqlite::{Connection, params};

use crate::codec::{Named, select_filtered};
use crate::error::StoreError;

/// Keeps a run's read count and problems (replacing what the run had).
pub(crate) fn record(
    conn: &Connection,
    run: RunId,
    read: u64,
    problems: &[SourceProblem],
) -> Result<(), StoreError> {
    let what = "record the source problems";
    let summary = SourceSummary::of(read, problems);
    conn.execute("DELETE FROM source_problems WHERE run = ?1", params![run])
        .map_err(StoreError::sql(what))?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO source_reads (run, read, unreadable, left_out, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            run,
            summary.read,
            summary.unreadable,
            summary.left_out,
            summary.warnings
        ])
    })
    .map_err(StoreError::sql(what))?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO source_problems (run, kind, record, location, key, field, reason, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(StoreError::sql(what))?;
    for problem in problems {
        insert
            .execute(params![
                run,
                problem.kind.name(),
                problem.record.map(Named::name),
                problem.location,
                problem.key,
                problem.field,
                problem.reason,
                problem.message,
            ])
            .map_err(StoreError::sql(what))?;
    }
    Ok(())
}

/// The problems matching `filter`, in run then reading order.
pub(crate) fn problems(
    conn: &Connection,
    filter: &SourceFilter,
) -> Result<Vec<RunSourceProblem>, StoreError> {
    let what = "list source problems";
    let text = |name: &str| Value::Text(name.to_owned());
    select_filtered(
        conn,
        what,
        "SELECT run, kind, record, location, key, field, reason, message FROM source_problems",
        vec![
            ("run", filter.run.map(Value::Integer)),
            ("kind", filter.kind.map(|kind| text(kind.name()))),
            ("record", filter.record.map(|record| text(record.name()))),
        ],
        "run, seq",
        |row| {
            let text = |at: usize| row.get::<_, String>(at).map_err(StoreError::sql(what));
            let optional = |at: usize| {
                row.get::<_, Option<String>>(at)
                    .map_err(StoreError::sql(what))
            };
            let record = optional(2)?
                .map(|name| RecordKind::parse_named("source_problems.record", name))
                .transpose()?;
            Ok(RunSourceProblem {
                run: row.get(0).map_err(StoreError::sql(what))?,
                problem: SourceProblem {
                    location: text(3)?,
                    message: text(7)?,
                    kind: ProblemKind::parse_named("source_problems.kind", text(1)?)?,
                    record,
                    key: optional(4)?,
                    field: optional(5)?,
                    reason: optional(6)?,
                },
            })
        },
    )
}

/// The summaries of the runs given that have one.
pub(crate) fn summaries(
    conn: &Connection,
    runs: &[RunId],
) -> Result<BTreeMap<RunId, SourceSummary>, StoreError> {
    let what = "read the source summaries";
    let mut statement = conn
        .prepare_cached(
            "SELECT read, unreadable, left_out, warnings FROM source_reads WHERE run = ?1",
        )
        .map_err(StoreError::sql(what))?;
    let mut out = BTreeMap::new();
    for run in runs {
        let mut rows = statement
            .query(params![run])
            .map_err(StoreError::sql(what))?;
        if let Some(row) = rows.next().map_err(StoreError::sql(what))? {
            let count = |at: usize| row.get::<_, u64>(at).map_err(StoreError::sql(what));
            out.insert(
                *run,
                SourceSummary {
                    read: count(0)?,
                    unreadable: count(1)?,
                    left_out: count(2)?,
                    warnings: count(3)?,
                },
            );
        }
    }
    Ok(out)
}
