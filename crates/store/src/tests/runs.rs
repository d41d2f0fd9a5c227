//! Runs and outcomes: round trips, order, filters, and refusals.

use rostersync_core::entity::{Action, Entity};
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    ErrorKind, OutcomeFilter, OutcomeStatus, RecordOutcome, RunStatus, StateStore, Trigger,
};

use super::{at, started_run, store, summary};

fn outcome(
    run: i64,
    entity: Entity,
    key: &str,
    status: OutcomeStatus,
    reason: Option<&str>,
) -> RecordOutcome {
    RecordOutcome {
        run,
        entity,
        key: key.to_owned(),
        action: (status != OutcomeStatus::Skipped).then_some(Action::Create),
        status,
        reason: reason.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_run_round_trips_from_start_to_finish() {
    let store = store();
    let mut run = started_run(SyncScope::All, "2026-11-28T02:00:00.123456789Z");
    run.trigger = Trigger::Scheduled;
    run.id = store.start_run(&run).await.expect("start");
    assert_eq!(store.run(run.id).await.expect("run"), Some(run.clone()));

    run.finished_at = Some(at("2026-11-28T02:14:09Z"));
    run.status = RunStatus::CompletedWithFailures;
    run.forced = true;
    run.summary = summary();
    run.message = Some("2 records failed".to_owned());
    store.finish_run(&run).await.expect("finish");

    assert_eq!(store.runs(10).await.expect("runs"), vec![run]);
}

#[tokio::test]
async fn every_run_status_round_trips() {
    let store = store();
    for status in [
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::CompletedWithFailures,
        RunStatus::StoppedByThreshold,
        RunStatus::DryRun,
        RunStatus::Failed,
    ] {
        let mut run = started_run(SyncScope::Users, "2026-11-28T02:00:00Z");
        run.status = status;
        run.id = store.start_run(&run).await.expect("start");
        assert_eq!(store.run(run.id).await.expect("run"), Some(run));
    }
}

#[tokio::test]
async fn runs_are_listed_newest_first_up_to_the_limit() {
    let store = store();
    let mut ids = Vec::new();
    for (scope, time) in [
        (SyncScope::Users, "2026-11-26T02:00:00Z"),
        (SyncScope::Courses, "2026-11-27T02:00:00Z"),
        (SyncScope::Sections, "2026-11-28T02:00:00Z"),
    ] {
        ids.push(
            store
                .start_run(&started_run(scope, time))
                .await
                .expect("start"),
        );
    }
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    let listed: Vec<_> = store
        .runs(2)
        .await
        .expect("runs")
        .into_iter()
        .map(|run| (run.id, run.scope))
        .collect();
    assert_eq!(
        listed,
        vec![(ids[2], SyncScope::Sections), (ids[1], SyncScope::Courses)]
    );
    assert_eq!(store.runs(0).await.expect("runs"), vec![]);
}

#[tokio::test]
async fn finishing_a_run_never_started_is_not_found() {
    let store = store();
    let mut run = started_run(SyncScope::All, "2026-11-28T02:00:00Z");
    run.id = 42;
    let error = store.finish_run(&run).await.expect_err("unknown run");
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(error.message().contains("run 42"), "{error}");
}

#[tokio::test]
async fn a_run_row_holds_exactly_the_record_and_nothing_more() {
    let store = store();
    let mut run = started_run(SyncScope::All, "2026-11-28T02:00:00Z");
    run.summary = summary();
    run.id = store.start_run(&run).await.expect("start");

    let row = store
        .read(move |tx| {
            let mut statement = tx
                .prepare("SELECT * FROM runs")
                .map_err(crate::StoreError::sql("test"))?;
            let names: Vec<String> = statement
                .column_names()
                .into_iter()
                .map(str::to_owned)
                .collect();
            let values = statement
                .query_row([], |row| {
                    (0..names.len())
                        .map(|at| row.get::<_, rusqlite::types::Value>(at))
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(crate::StoreError::sql("test"))?;
            Ok(names.into_iter().zip(values).collect::<Vec<_>>())
        })
        .await
        .expect("raw row");

    use rusqlite::types::Value;
    let summary_json = serde_json::to_string(&run.summary).expect("json");
    assert_eq!(
        row,
        vec![
            ("id".to_owned(), Value::Integer(run.id)),
            ("trigger".to_owned(), Value::Text("manual".to_owned())),
            ("scope".to_owned(), Value::Text("all".to_owned())),
            (
                "acting_user".to_owned(),
                Value::Text("admin@district.example".to_owned())
            ),
            (
                "started_at".to_owned(),
                Value::Text("2026-11-28T02:00:00Z".to_owned())
            ),
            ("finished_at".to_owned(), Value::Null),
            ("status".to_owned(), Value::Text("running".to_owned())),
            ("summary".to_owned(), Value::Text(summary_json)),
            ("message".to_owned(), Value::Null),
            ("forced".to_owned(), Value::Integer(0)),
        ]
    );
}

#[tokio::test]
async fn outcomes_come_back_in_run_then_record_order_and_filter() {
    let store = store();
    let first = store
        .start_run(&started_run(SyncScope::All, "2026-11-27T02:00:00Z"))
        .await
        .expect("start");
    let second = store
        .start_run(&started_run(SyncScope::All, "2026-11-28T02:00:00Z"))
        .await
        .expect("start");
    // The second run's outcomes are recorded first, to check the order.
    let late = vec![
        outcome(second, Entity::User, "P9", OutcomeStatus::Done, None),
        outcome(
            second,
            Entity::Course,
            "C9",
            OutcomeStatus::Failed,
            Some("HTTP 500"),
        ),
    ];
    let early = vec![
        outcome(
            first,
            Entity::User,
            "P2",
            OutcomeStatus::Failed,
            Some("taken"),
        ),
        outcome(
            first,
            Entity::User,
            "P1",
            OutcomeStatus::Skipped,
            Some("no e-mail"),
        ),
        outcome(
            first,
            Entity::Enrollment,
            "S1/P1",
            OutcomeStatus::Done,
            None,
        ),
    ];
    store.record_outcomes(&late).await.expect("record");
    store.record_outcomes(&early).await.expect("record");
    store.record_outcomes(&[]).await.expect("record nothing");

    let all = store
        .outcomes(&OutcomeFilter::default())
        .await
        .expect("outcomes");
    assert_eq!(all, [early.clone(), late.clone()].concat());

    let by_run = OutcomeFilter {
        run: Some(second),
        ..OutcomeFilter::default()
    };
    assert_eq!(store.outcomes(&by_run).await.expect("outcomes"), late);

    let failed = OutcomeFilter {
        status: Some(OutcomeStatus::Failed),
        ..OutcomeFilter::default()
    };
    assert_eq!(
        store.outcomes(&failed).await.expect("outcomes"),
        vec![early[0].clone(), late[1].clone()]
    );

    let users = OutcomeFilter {
        entity: Some(Entity::User),
        ..OutcomeFilter::default()
    };
    assert_eq!(
        store.outcomes(&users).await.expect("outcomes"),
        vec![early[0].clone(), early[1].clone(), late[0].clone()]
    );

    let all_three = OutcomeFilter {
        run: Some(first),
        status: Some(OutcomeStatus::Skipped),
        entity: Some(Entity::User),
    };
    assert_eq!(
        store.outcomes(&all_three).await.expect("outcomes"),
        vec![early[1].clone()]
    );

    let none = OutcomeFilter {
        run: Some(second),
        entity: Some(Entity::Enrollment),
        ..OutcomeFilter::default()
    };
    assert_eq!(store.outcomes(&none).await.expect("outcomes"), vec![]);
}

#[tokio::test]
async fn outcomes_of_an_unknown_run_are_refused_whole() {
    let store = store();
    let run = store
        .start_run(&started_run(SyncScope::All, "2026-11-28T02:00:00Z"))
        .await
        .expect("start");
    let batch = vec![
        outcome(run, Entity::User, "P1", OutcomeStatus::Done, None),
        outcome(run + 1, Entity::User, "P2", OutcomeStatus::Done, None),
    ];
    let error = store
        .record_outcomes(&batch)
        .await
        .expect_err("unknown run");
    assert_eq!(error.kind(), ErrorKind::Invalid);
    // Atomic: the valid first outcome was not kept either.
    assert_eq!(
        store
            .outcomes(&OutcomeFilter::default())
            .await
            .expect("outcomes"),
        vec![]
    );
}

#[tokio::test]
async fn pruning_deletes_old_finished_runs_with_their_outcomes_only() {
    let store = store();
    let mut ids = Vec::new();
    // Finished long ago, finished recently, never finished, and finished
    // long ago but with an open journal entry.
    for finished in [
        Some("2026-01-01T00:00:00.5Z"),
        Some("2026-11-27T00:00:00Z"),
        None,
        Some("2026-01-02T00:00:00Z"),
    ] {
        let mut run = started_run(SyncScope::All, "2026-01-01T00:00:00Z");
        run.id = store.start_run(&run).await.expect("start");
        run.finished_at = finished.map(at);
        run.status = RunStatus::Succeeded;
        store.finish_run(&run).await.expect("finish");
        store
            .record_outcomes(&[outcome(
                run.id,
                Entity::User,
                "P1",
                OutcomeStatus::Done,
                None,
            )])
            .await
            .expect("record");
        ids.push(run.id);
    }
    store.journal(ids[3], "{}").await.expect("journal");

    let pruned = store
        .prune_runs(at("2026-06-01T00:00:00Z"))
        .await
        .expect("prune");
    assert_eq!(pruned, 1);
    let left: Vec<i64> = store
        .runs(10)
        .await
        .expect("runs")
        .into_iter()
        .map(|run| run.id)
        .collect();
    assert_eq!(left, vec![ids[3], ids[2], ids[1]]);
    let runs_with_outcomes: Vec<i64> = store
        .outcomes(&OutcomeFilter::default())
        .await
        .expect("outcomes")
        .into_iter()
        .map(|outcome| outcome.run)
        .collect();
    assert_eq!(runs_with_outcomes, vec![ids[1], ids[2], ids[3]]);
}

#[tokio::test]
async fn a_new_store_is_at_the_current_schema_version() {
    assert_eq!(
        store().schema_version().await.expect("version"),
        crate::SCHEMA_VERSION
    );
}
