//! Two districts on one database: neither can read or change the other's
//! links, runs, outcomes, settings, schedule, locks, queue, journal, shadow
//! or source problems, even by naming the other's ids.

use chrono::{DateTime, Duration, Utc};
use rostersync_core::model::links::{LinkChanges, Links};
use rostersync_core::schedule::ScheduleState;
use rostersync_core::scope::SyncScope;
use rostersync_ports::conformance::{sample_links, started_run};
use rostersync_ports::{
    ErrorKind, OutcomeFilter, OutcomeStatus, ProblemKind, RecordOutcome, RunRecord, RunStatus,
    SourceFilter, SourceProblem, StateStore, Trigger,
};

use rostersync_store_postgres::test_server::Server;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn run() -> RunRecord {
    started_run(SyncScope::All, Trigger::Manual, "2026-11-28T02:00:00Z")
}

#[tokio::test]
async fn one_district_cannot_read_or_change_anothers_state() {
    let server = Server::start().await;
    let a = server.store("district-a").await;
    let b = server.store("district-b").await;
    let now = at("2026-11-28T10:00:00Z");
    let lease = Duration::minutes(5);

    // District A keeps something of every kind.
    let links = sample_links();
    a.save_links(&links).await.unwrap();
    let run_a = a.start_run(&run()).await.unwrap();
    let outcome = RecordOutcome {
        run: run_a,
        entity: rostersync_core::entity::Entity::User,
        key: "P1".to_owned(),
        action: None,
        status: OutcomeStatus::Done,
        reason: None,
    };
    a.record_outcomes(std::slice::from_ref(&outcome))
        .await
        .unwrap();
    let problem = SourceProblem {
        location: "users.csv line 3".to_owned(),
        message: "no key".to_owned(),
        kind: ProblemKind::Unreadable,
        record: None,
        key: None,
        field: None,
        reason: None,
    };
    a.record_source(run_a, 10, std::slice::from_ref(&problem))
        .await
        .unwrap();
    a.save_setting("mapping", "{\"a\":1}").await.unwrap();
    let schedule = ScheduleState {
        last_manual_sync: Some(now),
        ..ScheduleState::default()
    };
    a.save_schedule_state(&schedule).await.unwrap();
    let job = a
        .enqueue(SyncScope::All, Trigger::Manual, now)
        .await
        .unwrap();
    let entry = a.journal(run_a, "{\"batch\":1}").await.unwrap();
    a.keep_shadow(Some("{\"shadow\":1}"), None).await.unwrap();
    assert!(
        a.try_lock(SyncScope::All, "holder-a", now, lease)
            .await
            .unwrap()
            .is_taken()
    );

    // District B sees none of it.
    assert_eq!(b.links().await.unwrap(), Links::default());
    assert_eq!(b.runs(10).await.unwrap(), vec![]);
    assert_eq!(b.outcomes(&OutcomeFilter::default()).await.unwrap(), vec![]);
    assert_eq!(
        b.source_problems(&SourceFilter::default()).await.unwrap(),
        vec![]
    );
    assert!(b.source_summaries(&[run_a]).await.unwrap().is_empty());
    assert_eq!(b.setting("mapping").await.unwrap(), None);
    assert_eq!(b.schedule_state().await.unwrap(), ScheduleState::default());
    assert_eq!(b.queue_head().await.unwrap(), None);
    assert_eq!(b.open_journal().await.unwrap(), vec![]);
    assert_eq!(b.shadow().await.unwrap(), None);
    // A's lock does not hold B back: each district has its own.
    assert!(
        b.try_lock(SyncScope::All, "holder-b", now, lease)
            .await
            .unwrap()
            .is_taken()
    );

    // Nor can B change A's state, even naming A's ids and keys.
    let finished = RunRecord {
        id: run_a,
        status: RunStatus::Failed,
        ..run()
    };
    assert_eq!(
        b.finish_run(&finished).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        b.record_outcomes(std::slice::from_ref(&outcome))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Invalid
    );
    assert_eq!(
        b.journal(run_a, "{}").await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    assert_eq!(
        b.record_source(run_a, 1, &[]).await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    b.dequeue(job.id).await.unwrap();
    b.clear_journal(entry).await.unwrap();
    b.unlock(SyncScope::All, "holder-a").await.unwrap();
    b.save_links(&Links::default()).await.unwrap();
    let mut removals = LinkChanges::default();
    removals.remove.users = links.users.keys().cloned().collect();
    b.apply_link_changes(&removals).await.unwrap();
    b.keep_shadow(None, None).await.unwrap();
    b.save_setting("mapping", "{\"b\":2}").await.unwrap();
    b.save_schedule_state(&ScheduleState::default())
        .await
        .unwrap();

    // A's state is as A left it.
    assert_eq!(a.links().await.unwrap(), links);
    let runs = a.runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].id, runs[0].status), (run_a, RunStatus::Running));
    assert_eq!(
        a.outcomes(&OutcomeFilter::default()).await.unwrap(),
        vec![outcome]
    );
    assert_eq!(
        a.source_problems(&SourceFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        a.setting("mapping").await.unwrap().as_deref(),
        Some("{\"a\":1}")
    );
    assert_eq!(
        b.setting("mapping").await.unwrap().as_deref(),
        Some("{\"b\":2}")
    );
    assert_eq!(a.schedule_state().await.unwrap(), schedule);
    assert_eq!(a.queue_head().await.unwrap(), Some(job));
    assert_eq!(a.open_journal().await.unwrap().len(), 1);
    assert_eq!(
        a.shadow()
            .await
            .unwrap()
            .and_then(|kept| kept.shadow)
            .as_deref(),
        Some("{\"shadow\":1}")
    );
    assert!(
        !a.try_lock(SyncScope::Users, "holder-c", now, lease)
            .await
            .unwrap()
            .is_taken(),
        "A's lease survived B's unlock"
    );
}

#[tokio::test]
async fn two_pools_on_one_district_take_one_lock_between_them() {
    let server = Server::start().await;
    // As two processes would: each its own pool.
    let first = server.store("district-a").await;
    let second = server.store("district-a").await;
    let now = at("2026-11-28T10:00:00Z");
    let attempts = (0..8).map(|index| {
        let store = if index % 2 == 0 { &first } else { &second };
        let scope = [SyncScope::All, SyncScope::Sections][index % 2];
        let holder = format!("process-{index}");
        async move {
            store
                .try_lock(scope, &holder, now, Duration::minutes(5))
                .await
                .unwrap()
                .is_taken()
        }
    });
    let taken = futures::future::join_all(attempts).await;
    assert_eq!(taken.iter().filter(|taken| **taken).count(), 1);
    // The other pool sees the lease.
    let held = first
        .try_lock(SyncScope::All, "process-late", now, Duration::minutes(5))
        .await
        .unwrap();
    assert!(!held.is_taken());
}
