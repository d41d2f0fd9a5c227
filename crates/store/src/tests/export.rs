//! Outcome exports read from the store, and the stored names of enums.
//! (The formatting itself is tested with it, in `rostersync_ports::export`.)

use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, RecordOutcome, RunStatus, StateStore, Trigger,
};
use serde::Serialize;

use super::{started_run, store};
use crate::codec::Named;
use crate::{outcomes_csv, outcomes_json};

/// Outcomes of `run`: one done, then one failed whose reason needs quoting.
fn outcomes(run: i64) -> Vec<RecordOutcome> {
    let failed = Some("LMS said \"invalid\",\nline 2");
    [
        (Entity::User, "P1", OutcomeStatus::Done, None),
        (Entity::Section, "S,1", OutcomeStatus::Failed, failed),
    ]
    .into_iter()
    .map(|(entity, key, status, reason)| RecordOutcome {
        run,
        entity,
        key: key.to_owned(),
        action: Some(Action::Update),
        status,
        reason: reason.map(str::to_owned),
    })
    .collect()
}

#[tokio::test]
async fn exports_read_the_filtered_outcomes_from_the_store() {
    let store = store();
    let run = store
        .start_run(&started_run(SyncScope::All, "2026-11-28T02:00:00Z"))
        .await
        .expect("start");
    store.record_outcomes(&outcomes(run)).await.expect("record");
    let failed = OutcomeFilter {
        status: Some(OutcomeStatus::Failed),
        ..OutcomeFilter::default()
    };
    let csv = store.export_outcomes_csv(&failed).await.expect("csv");
    assert_eq!(csv, outcomes_csv(&outcomes(run)[1..2]));
    let json = store.export_outcomes_json(&failed).await.expect("json");
    assert_eq!(json, outcomes_json(&outcomes(run)[1..2]).expect("json"));
}

/// The stored name of every value, as serde writes it.
fn assert_names_match_serde<T: Named + Serialize + std::fmt::Debug>(count: usize) {
    assert_eq!(T::VALUES.len(), count, "every value is listed");
    for value in T::VALUES {
        let json = serde_json::to_value(value).expect("json");
        assert_eq!(json, serde_json::Value::from(value.name()), "{value:?}");
        assert_eq!(
            T::parse_named("test", value.name().to_owned())
                .expect("parse")
                .name(),
            value.name()
        );
    }
    assert!(T::parse_named("test", "nonsense".to_owned()).is_err());
}

#[test]
fn stored_names_are_the_serde_names() {
    assert_names_match_serde::<Entity>(8);
    assert_names_match_serde::<Action>(4);
    assert_names_match_serde::<SyncScope>(5);
    assert_names_match_serde::<LinkOrigin>(3);
    assert_names_match_serde::<Trigger>(2);
    assert_names_match_serde::<RunStatus>(7);
    assert_names_match_serde::<OutcomeStatus>(5);
}
