//! Outcome exports, CSV quoting, and the stored names of enums.

use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{
    OutcomeFilter, OutcomeStatus, RecordOutcome, RunStatus, StateStore, Trigger,
};
use serde::Serialize;

use super::{started_run, store};
use crate::codec::Named;
use crate::{csv_field, outcomes_csv, outcomes_json};

#[test]
fn csv_fields_are_quoted_only_when_needed() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field(""), "");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("\""), "\"\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("cr\r"), "\"cr\r\"");
    assert_eq!(csv_field(" padded"), "\" padded\"");
    assert_eq!(csv_field("padded\t"), "\"padded\t\"");
    assert_eq!(csv_field("inner space"), "inner space");
    assert_eq!(csv_field("Zoë;Ñ"), "Zoë;Ñ");
}

fn outcomes(run: i64) -> Vec<RecordOutcome> {
    vec![
        RecordOutcome {
            run,
            entity: Entity::User,
            key: "P1".to_owned(),
            action: Some(Action::Create),
            status: OutcomeStatus::Done,
            reason: None,
        },
        RecordOutcome {
            run,
            entity: Entity::Section,
            key: "S,1".to_owned(),
            action: Some(Action::Update),
            status: OutcomeStatus::Failed,
            reason: Some("LMS said \"invalid\",\nline 2".to_owned()),
        },
        RecordOutcome {
            run,
            entity: Entity::GuardianLink,
            key: "G1/P1".to_owned(),
            action: None,
            status: OutcomeStatus::Skipped,
            reason: Some("guardian links disabled".to_owned()),
        },
    ]
}

#[test]
fn outcomes_csv_has_a_header_and_one_quoted_line_per_outcome() {
    let csv = outcomes_csv(&outcomes(7));
    assert_eq!(
        csv,
        "run,entity,key,action,status,reason\n\
         7,user,P1,create,done,\n\
         7,section,\"S,1\",update,failed,\"LMS said \"\"invalid\"\",\nline 2\"\n\
         7,guardian_link,G1/P1,,skipped,guardian links disabled\n"
    );
    assert_eq!(outcomes_csv(&[]), "run,entity,key,action,status,reason\n");
}

#[test]
fn outcomes_json_reads_back_as_the_same_outcomes() {
    let json = outcomes_json(&outcomes(7)).expect("json");
    let back: Vec<RecordOutcome> = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, outcomes(7));
    assert!(json.contains("\"status\": \"failed\""), "{json}");
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
