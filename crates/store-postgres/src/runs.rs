//! Runs of one district, their per-record outcomes, and what each run's SIS
//! read found (counts and source problems).
//!
//! Outcomes and problems keep the order they were recorded in (`seq`, an
//! identity filled in the order of the array they came in) and are listed
//! in run then record order.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rostersync_core::entity::{Action, Entity};
use rostersync_core::plan::PlanSummary;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, ProblemKind, RecordKind, RecordOutcome, RunId, RunRecord,
    RunSourceProblem, RunStatus, SourceFilter, SourceProblem, SourceSummary, Trigger,
};
use tokio_postgres::{Row, Transaction};

use crate::error::PgStoreError;
use crate::store::{Cells, count, named, parse_opt_time, parse_time, stored_count, time_text};
use crate::text::{kept, kept_opt};

fn summary_text(summary: &PlanSummary) -> Result<String, PgStoreError> {
    serde_json::to_string(summary).map_err(|source| PgStoreError::Json {
        what: "run summary",
        source,
    })
}

/// Inserts a run and returns its new id; `run.id` is ignored.
pub(crate) async fn start(
    tx: &Transaction<'_>,
    district: &str,
    run: &RunRecord,
) -> Result<RunId, PgStoreError> {
    let what = "record the start of a run";
    let row = tx
        .query_one(
            "INSERT INTO runs (district, trigger, scope, acting_user, forced, started_at,
                               finished_at, status, summary, message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            &[
                &district,
                &run.trigger.as_str(),
                &run.scope.as_str(),
                &kept(&run.acting_user),
                &run.forced,
                &time_text(run.started_at),
                &run.finished_at.map(time_text),
                &run.status.as_str(),
                &summary_text(&run.summary)?,
                &kept_opt(run.message.as_deref()),
            ],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    Cells::of(&row, what).get(0)
}

/// Updates what a run learns as it goes: forced, end, status, summary and
/// message.
pub(crate) async fn finish(
    tx: &Transaction<'_>,
    district: &str,
    run: &RunRecord,
) -> Result<(), PgStoreError> {
    let changed = tx
        .execute(
            "UPDATE runs SET forced = $3, finished_at = $4, status = $5, summary = $6, message = $7
             WHERE district = $1 AND id = $2",
            &[
                &district,
                &run.id,
                &run.forced,
                &run.finished_at.map(time_text),
                &run.status.as_str(),
                &summary_text(&run.summary)?,
                &kept_opt(run.message.as_deref()),
            ],
        )
        .await
        .map_err(PgStoreError::pg("record the end of a run"))?;
    if changed == 0 {
        return Err(PgStoreError::UnknownRun(run.id));
    }
    Ok(())
}

fn run_of(row: &Row) -> Result<RunRecord, PgStoreError> {
    let cells = Cells::of(row, "read a run");
    let summary: String = cells.get(8)?;
    Ok(RunRecord {
        id: cells.get(0)?,
        trigger: named(
            "runs.trigger",
            cells.get(1)?,
            &Trigger::ALL,
            Trigger::as_str,
        )?,
        scope: named(
            "runs.scope",
            cells.get(2)?,
            &SyncScope::ALL,
            SyncScope::as_str,
        )?,
        acting_user: cells.get(3)?,
        forced: cells.get(4)?,
        started_at: parse_time("runs.started_at", cells.get(5)?)?,
        finished_at: parse_opt_time("runs.finished_at", cells.get(6)?)?,
        status: named(
            "runs.status",
            cells.get(7)?,
            &RunStatus::ALL,
            RunStatus::as_str,
        )?,
        summary: serde_json::from_str(&summary).map_err(|source| PgStoreError::Json {
            what: "stored run summary",
            source,
        })?,
        message: cells.get(9)?,
    })
}

/// Runs, newest first, at most `limit`.
pub(crate) async fn list(
    tx: &Transaction<'_>,
    district: &str,
    limit: usize,
) -> Result<Vec<RunRecord>, PgStoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = tx
        .query(
            "SELECT id, trigger, scope, acting_user, forced, started_at, finished_at, status,
                    summary, message
             FROM runs WHERE district = $1 ORDER BY id DESC LIMIT $2",
            &[&district, &limit],
        )
        .await
        .map_err(PgStoreError::pg("list runs"))?;
    rows.iter().map(run_of).collect()
}

/// Appends outcomes in the order given; one of a run this district never
/// started refuses the whole batch.
pub(crate) async fn record(
    tx: &Transaction<'_>,
    district: &str,
    outcomes: &[RecordOutcome],
) -> Result<(), PgStoreError> {
    let runs: Vec<i64> = outcomes.iter().map(|o| o.run).collect();
    let entities: Vec<&str> = outcomes.iter().map(|o| o.entity.as_str()).collect();
    let keys: Vec<Cow<'_, str>> = outcomes.iter().map(|o| kept(&o.key)).collect();
    let actions: Vec<Option<&str>> = outcomes
        .iter()
        .map(|o| o.action.map(Action::as_str))
        .collect();
    let statuses: Vec<&str> = outcomes.iter().map(|o| o.status.as_str()).collect();
    let reasons: Vec<Option<Cow<'_, str>>> = outcomes
        .iter()
        .map(|o| kept_opt(o.reason.as_deref()))
        .collect();
    tx.execute(
        "INSERT INTO outcomes (district, run, entity, key, action, status, reason)
         SELECT $1, run, entity, key, action, status, reason
         FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS o(run, entity, key, action, status, reason, ord)
         ORDER BY ord",
        &[
            &district, &runs, &entities, &keys, &actions, &statuses, &reasons,
        ],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("record outcomes"))
}

/// Outcomes matching `filter`, in run then record order.
pub(crate) async fn outcomes(
    tx: &Transaction<'_>,
    district: &str,
    filter: &OutcomeFilter,
) -> Result<Vec<RecordOutcome>, PgStoreError> {
    let what = "list outcomes";
    let rows = tx
        .query(
            "SELECT run, entity, key, action, status, reason FROM outcomes
             WHERE district = $1 AND ($2::bigint IS NULL OR run = $2)
               AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR entity = $4)
             ORDER BY run, seq",
            &[
                &district,
                &filter.run,
                &filter.status.map(OutcomeStatus::as_str),
                &filter.entity.map(Entity::as_str),
            ],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    rows.iter()
        .map(|row| {
            let cells = Cells::of(row, what);
            let action: Option<String> = cells.get(3)?;
            Ok(RecordOutcome {
                run: cells.get(0)?,
                entity: named(
                    "outcomes.entity",
                    cells.get(1)?,
                    &Entity::ALL,
                    Entity::as_str,
                )?,
                key: cells.get(2)?,
                action: action
                    .map(|action| named("outcomes.action", action, &Action::ALL, Action::as_str))
                    .transpose()?,
                status: named(
                    "outcomes.status",
                    cells.get(4)?,
                    &OutcomeStatus::ALL,
                    OutcomeStatus::as_str,
                )?,
                reason: cells.get(5)?,
            })
        })
        .collect()
}

/// Keeps a run's read count and problems, replacing what the run had.
pub(crate) async fn record_source(
    tx: &Transaction<'_>,
    district: &str,
    run: RunId,
    read: u64,
    problems: &[SourceProblem],
) -> Result<(), PgStoreError> {
    let what = "record the source problems";
    let summary = SourceSummary::of(read, problems);
    tx.execute(
        "DELETE FROM source_problems WHERE district = $1 AND run = $2",
        &[&district, &run],
    )
    .await
    .map_err(PgStoreError::pg(what))?;
    tx.execute(
        "INSERT INTO source_reads (district, run, read, unreadable, left_out, warnings)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (district, run) DO UPDATE SET read = EXCLUDED.read,
             unreadable = EXCLUDED.unreadable, left_out = EXCLUDED.left_out,
             warnings = EXCLUDED.warnings",
        &[
            &district,
            &run,
            &count(summary.read)?,
            &count(summary.unreadable)?,
            &count(summary.left_out)?,
            &count(summary.warnings)?,
        ],
    )
    .await
    .map_err(PgStoreError::pg(what))?;
    if problems.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = problems.iter().map(|p| p.kind.as_str()).collect();
    let records: Vec<Option<&str>> = problems
        .iter()
        .map(|p| p.record.map(RecordKind::as_str))
        .collect();
    let locations: Vec<Cow<'_, str>> = problems.iter().map(|p| kept(&p.location)).collect();
    let optional = |text: fn(&SourceProblem) -> Option<&str>| -> Vec<Option<Cow<'_, str>>> {
        problems.iter().map(|p| kept_opt(text(p))).collect()
    };
    let keys = optional(|p| p.key.as_deref());
    let fields = optional(|p| p.field.as_deref());
    let reasons = optional(|p| p.reason.as_deref());
    let messages: Vec<Cow<'_, str>> = problems.iter().map(|p| kept(&p.message)).collect();
    tx.execute(
        "INSERT INTO source_problems (district, run, kind, record, location, key, field, reason,
                                      message)
         SELECT $1, $2, kind, record, location, key, field, reason, message
         FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[])
              WITH ORDINALITY AS p(kind, record, location, key, field, reason, message, ord)
         ORDER BY ord",
        &[
            &district, &run, &kinds, &records, &locations, &keys, &fields, &reasons, &messages,
        ],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg(what))
}

/// The problems matching `filter`, in run then reading order.
pub(crate) async fn source_problems(
    tx: &Transaction<'_>,
    district: &str,
    filter: &SourceFilter,
) -> Result<Vec<RunSourceProblem>, PgStoreError> {
    let what = "list source problems";
    let rows = tx
        .query(
            "SELECT run, kind, record, location, key, field, reason, message FROM source_problems
             WHERE district = $1 AND ($2::bigint IS NULL OR run = $2)
               AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR record = $4)
             ORDER BY run, seq",
            &[
                &district,
                &filter.run,
                &filter.kind.map(ProblemKind::as_str),
                &filter.record.map(RecordKind::as_str),
            ],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    rows.iter()
        .map(|row| {
            let cells = Cells::of(row, what);
            let record: Option<String> = cells.get(2)?;
            Ok(RunSourceProblem {
                run: cells.get(0)?,
                problem: SourceProblem {
                    kind: named(
                        "source_problems.kind",
                        cells.get(1)?,
                        &ProblemKind::ALL,
                        ProblemKind::as_str,
                    )?,
                    record: record
                        .map(|name| {
                            named(
                                "source_problems.record",
                                name,
                                &RecordKind::ALL,
                                RecordKind::as_str,
                            )
                        })
                        .transpose()?,
                    location: cells.get(3)?,
                    key: cells.get(4)?,
                    field: cells.get(5)?,
                    reason: cells.get(6)?,
                    message: cells.get(7)?,
                },
            })
        })
        .collect()
}

/// The summaries of the runs given that have one.
pub(crate) async fn summaries(
    tx: &Transaction<'_>,
    district: &str,
    runs: &[RunId],
) -> Result<BTreeMap<RunId, SourceSummary>, PgStoreError> {
    let what = "read the source summaries";
    let rows = tx
        .query(
            "SELECT run, read, unreadable, left_out, warnings FROM source_reads
             WHERE district = $1 AND run = ANY($2)",
            &[&district, &runs],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    let mut found = BTreeMap::new();
    for row in &rows {
        let cells = Cells::of(row, what);
        let counted = |at: usize| stored_count("source_reads", cells.get(at)?);
        found.insert(
            cells.get(0)?,
            SourceSummary {
                read: counted(1)?,
                unreadable: counted(2)?,
                left_out: counted(3)?,
                warnings: counted(4)?,
            },
        );
    }
    Ok(found)
}
