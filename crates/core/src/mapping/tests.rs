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

#[test]
fn a_role_left_out_is_unset_and_do_not_sync_stays_do_not_sync() {
    let config = MappingConfig::new(spec(
        r#"{
            "schools": {"101": "9001"},
            "roles": {"101": {"student": "1214", "guardian": "do_not_sync"}}
        }"#,
    ))
    .unwrap();
    use crate::model::sis::SisRole;
    assert_eq!(config.role(&"101".into(), SisRole::Teacher), None);
    assert_eq!(
        config.role(&"101".into(), SisRole::Guardian),
        Some(&RoleTarget::DoNotSync)
    );
    let written = serde_json::to_value(config.spec()).unwrap();
    assert_eq!(
        written["roles"]["101"],
        serde_json::json!({"student": "1214", "guardian": "do_not_sync"}),
        "an unset role is not written"
    );
}

#[test]
fn stale_entries_and_shared_buildings_are_found() {
    use crate::model::sis::{School, Term};
    let mapping = spec(
        r#"{
            "schools": {"101": "9001", "102": "9001", "103": "9003"},
            "terms": {"101-S1": "create", "999-S1": "501"}
        }"#,
    );
    let listed = |key: &str| School {
        key: key.into(),
        name: key.into(),
        code: None,
    };
    let schools = [listed("101"), listed("102")];
    assert_eq!(mapping.stale_schools(&schools), [&"103".into()]);
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let terms = [Term {
        key: "101-S1".into(),
        school: "101".into(),
        school_year: 2026,
        title: "S1".into(),
        start: date,
        end: date,
        parent: None,
    }];
    assert_eq!(mapping.stale_terms(&terms), [&"999-S1".into()]);
    let shared = mapping.shared_buildings();
    assert_eq!(shared.len(), 1);
    let building = crate::ids::BuildingId::new("9001");
    assert_eq!(shared[&building], [&"101".into(), &"102".into()]);
}
