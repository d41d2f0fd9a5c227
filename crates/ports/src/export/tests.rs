//! CSV quoting and the outcome exports.

use rostersync_core::entity::{Action, Entity};

use super::{csv_field, outcomes_csv, outcomes_json};
use crate::store::{OutcomeStatus, RecordOutcome};

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
