//! Tests of mapping validation and its configuration spelling.

use crate::entity::{Action, Entity};
use crate::mapping::{MappingConfig, MappingSpec, RoleTarget, TermTarget};
use crate::threshold::Limit;

fn spec(json: &str) -> MappingSpec {
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_consistent_mapping_validates() {
    let config = MappingConfig::new(spec(
        r#"{
            "schools": {"101": "9001", "102": "9002"},
            "terms": {"101-S1": "create", "101-S2": "501"},
            "selection": {"users": ["101"], "courses": ["101", "102"], "sections": ["102"]},
            "roles": {"101": {"student": "1214", "teacher": "1215", "guardian": "do_not_sync"}}
        }"#,
    ))
    .unwrap();
    assert_eq!(
        config.building(&"101".into()).map(|b| b.as_str()),
        Some("9001")
    );
    assert_eq!(config.term(&"101-S1".into()), Some(&TermTarget::Create));
    assert_eq!(
        config.term(&"101-S2".into()),
        Some(&TermTarget::Existing("501".into()))
    );
    assert_eq!(
        config.role(&"101".into(), crate::model::sis::SisRole::Guardian),
        Some(&RoleTarget::DoNotSync)
    );
    assert!(config.options().create_empty_sections && !config.options().guardian_links);
}

#[test]
fn every_problem_is_reported_with_its_place() {
    let mut bad = spec(
        r#"{
            "schools": {"101": " "},
            "selection": {"users": ["101", "104"], "sections": ["105"]},
            "roles": {"106": {"student": "1", "teacher": "2", "guardian": "3"}}
        }"#,
    );
    bad.thresholds = bad.thresholds.with(
        Entity::Enrollment,
        Action::Remove,
        Limit {
            max_percent: Some(120.0),
            ..Limit::default()
        },
    );
    let errors = MappingConfig::new(bad).unwrap_err();
    let text = errors.to_string();
    let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "schools.\"101\"",
            "selection.users",
            "selection.sections",
            "roles.\"106\"",
            "roles.\"101\"",
            "roles.\"104\"",
            "thresholds.enrollment.remove.max_percent"
        ],
        "{text}"
    );
    assert!(
        text.contains("school \"104\" is selected but not mapped to an LMS building"),
        "{text}"
    );
    assert!(
        text.contains("120 is not a share between 0 and 100"),
        "{text}"
    );
}

#[test]
fn unknown_keys_and_empty_targets_are_refused_when_read() {
    let unknown = serde_json::from_str::<MappingSpec>(r#"{"school": {}}"#).unwrap_err();
    assert!(
        unknown.to_string().contains("unknown field `school`"),
        "{unknown}"
    );
    let empty = serde_json::from_str::<MappingSpec>(r#"{"terms": {"T1": ""}}"#).unwrap_err();
    assert!(empty.to_string().contains("not empty"), "{empty}");
}

#[test]
fn targets_round_trip_through_their_spelling() {
    for (text, target) in [
        ("do_not_sync", RoleTarget::DoNotSync),
        ("1214", RoleTarget::Lms("1214".into())),
    ] {
        assert_eq!(RoleTarget::try_from(text.to_owned()).unwrap(), target);
        assert_eq!(String::from(target), text);
    }
    assert_eq!(
        RoleTarget::try_from("Do-Not-Sync".to_owned()).unwrap(),
        RoleTarget::DoNotSync
    );
}
