//! Text the simulator refuses (too long, control characters) per record,
//! naming the field; and a user sync planned by the core: refused as the
//! SIS has the text, taken as the core's rule makes it, with warnings, and
//! nothing to write the next time.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rostersync_core::lms_text::{NAME_LIMIT, TITLE_LIMIT};
use rostersync_core::mapping::{MappingConfig, MappingSpec, RoleMap, RoleTarget, Selection};
use rostersync_core::model::links::{Link, LinkOrigin, Links};
use rostersync_core::model::lms::{LmsSnapshot, LmsUser, UserFields};
use rostersync_core::model::sis::{Person, PersonName, PersonStatus, SisRole, SisSnapshot};
use rostersync_core::plan::{NoteReason, PlanInput, PlanSummary, RecordAction, UserOp, plan};
use rostersync_core::{Entity, SyncScope};
use serde_json::{Value, json};

use super::{Api, sim, student};

/// The response codes and messages of a 207's items under `key`.
fn items(answer: &Value, key: &str) -> Vec<(i64, String)> {
    answer[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let code = item["response_code"].as_i64().unwrap();
            (code, item["message"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

#[tokio::test]
async fn names_too_long_or_with_control_characters_are_refused_per_record() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let mut long = student("LONG", None);
    long["name_first"] = json!("A".repeat(NAME_LIMIT + 1));
    let mut control = student("CTRL", None);
    control["name_last"] = json!("Lee\n");
    let mut fits = student("FITS", None);
    fits["name_first"] = json!("Ł".repeat(NAME_LIMIT));
    let body = json!({"users": {"user": [long, control, fits]}});
    let answer = api.call("POST", "users", Some(body)).await;
    assert_eq!(answer.status, 207);
    assert_eq!(
        items(&answer.body, "user"),
        [
            (
                400,
                "Invalid value for name_first: it is 65 characters long and the LMS holds at most 64"
                    .to_owned()
            ),
            (
                400,
                "Invalid value for name_last: it holds a control character".to_owned()
            ),
            (200, String::new()),
        ]
    );
    let state = sim.state();
    assert!(state.user_by_school_uid("LONG").is_none());
    assert!(state.user_by_school_uid("CTRL").is_none());
    assert!(state.user_by_school_uid("FITS").is_some());
    // An update is refused the same way, and changes nothing.
    let id = state.user_by_school_uid("FITS").unwrap().id;
    let bad = json!({"name_middle": "Ann\u{0}"});
    let answer = api.call("PUT", &format!("users/{id}"), Some(bad)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("name_middle"), "{}", answer.text);
    assert_eq!(
        sim.state().user_by_school_uid("FITS").unwrap().name_middle,
        None
    );
}

#[tokio::test]
async fn titles_and_codes_too_long_or_with_control_characters_are_refused() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let long_title = "T".repeat(TITLE_LIMIT + 1);
    let courses = json!({"courses": {"course": [
        {"title": long_title, "course_code": "C1", "building_id": "9001"},
        {"title": "Art", "course_code": "C\u{7}2", "building_id": "9001"},
        {"title": "Art", "course_code": "C3", "building_id": "9001", "department": "Fine\tArts"},
        {"title": "Art", "course_code": "C4", "building_id": "9001"},
    ]}});
    let answer = api.call("POST", "courses", Some(courses)).await;
    let codes: Vec<(i64, bool)> = items(&answer.body, "course")
        .into_iter()
        .map(|(code, message)| (code, message.starts_with("Invalid value for ")))
        .collect();
    assert_eq!(codes, [(400, true), (400, true), (400, true), (200, false)]);
    let course = answer.body["course"][3]["id"].as_str().unwrap().to_owned();

    let period = json!({"title": "Q\r1", "start": "2025-08-15", "end": "2025-10-24"});
    let answer = api.call("POST", "gradingperiods", Some(period)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("title"), "{}", answer.text);
    let period = json!({"title": "Q1", "start": "2025-08-15", "end": "2025-10-24"});
    let period = api.call("POST", "gradingperiods", Some(period)).await.body["id"].clone();

    let sections = json!({"sections": {"section": [
        {"title": "P\u{1b}1", "section_school_code": "S1", "grading_periods": [period]},
        {"title": "P2", "section_school_code": "S".repeat(65), "grading_periods": [period]},
        {"title": "P3", "section_school_code": "S3", "location": "Room\n12", "grading_periods": [period]},
        {"title": "P4", "section_school_code": "S4", "grading_periods": [period]},
    ]}});
    let answer = api
        .call(
            "POST",
            &format!("courses/{course}/sections"),
            Some(sections),
        )
        .await;
    let refused: Vec<String> = items(&answer.body, "section")
        .into_iter()
        .map(|(_, message)| message)
        .collect();
    assert!(refused[0].contains("for title:"), "{refused:?}");
    assert!(
        refused[1].contains("for section_school_code:"),
        "{refused:?}"
    );
    assert!(refused[2].contains("for location:"), "{refused:?}");
    assert_eq!(refused[3], "");
    assert_eq!(sim.state().sections.len(), 1);
}

/// School 101 mapped to the simulator's building 9001; students and
/// teachers to its roles.
fn mapping() -> MappingConfig {
    let mut spec = MappingSpec::default();
    spec.schools.insert("101".into(), "9001".into());
    spec.roles.insert(
        "101".into(),
        RoleMap {
            student: Some(RoleTarget::Lms("1214".into())),
            teacher: Some(RoleTarget::Lms("1215".into())),
            guardian: Some(RoleTarget::DoNotSync),
        },
    );
    spec.selection = Selection {
        users: BTreeSet::from(["101".into()]),
        ..Selection::default()
    };
    MappingConfig::new(spec).unwrap()
}

fn person(key: &str, first: &str, last: &str) -> Person {
    Person {
        key: key.into(),
        role: SisRole::Student,
        name: PersonName {
            first: first.into(),
            last: last.into(),
            ..PersonName::default()
        },
        email: Some(format!("{}@students.example.org", key.to_lowercase()).into()),
        username: None,
        grade: None,
        graduation_year: None,
        primary_school: "101".into(),
        other_schools: Vec::new(),
        status: PersonStatus::Active,
    }
}

/// A user record as a Schoology client writes the plan's fields.
fn record(op: &UserOp, name: impl Fn(&str) -> String) -> Value {
    let f = op.action.fields();
    json!({
        "school_uid": op.key.as_str(),
        "name_first": name(&f.first),
        "name_last": name(&f.last),
        "primary_email": f.email.as_deref(),
        "role_id": f.role.as_str(),
        "building_id": f.building.as_str(),
    })
}

/// The simulator's active users with a unique id, as the LMS side of a plan,
/// and the links a sync that created them keeps.
fn read_back(sim: &super::RunningSchoology) -> (LmsSnapshot, Links) {
    let mut lms = LmsSnapshot::default();
    let mut links = Links::default();
    for user in sim.state().users {
        let Some(uid) = user.school_uid.clone().filter(|_| user.active) else {
            continue;
        };
        let id = user.id.to_string();
        links.users.insert(
            uid.as_str().into(),
            Link::new(id.as_str().into(), LinkOrigin::Created),
        );
        lms.users.push(LmsUser {
            id: id.into(),
            unique_id: Some(uid.into()),
            fields: UserFields {
                first: user.name_first.into(),
                preferred_first: None,
                middle: None,
                last: user.name_last.into(),
                email: user.primary_email.map(Into::into),
                username: user.username.map(Into::into),
                graduation_year: None,
                building: user.building_id.into(),
                other_buildings: Vec::new(),
                role: user.role_id.into(),
            },
        });
    }
    (lms, links)
}

#[tokio::test]
async fn the_core_rule_is_what_lets_odd_sis_names_land() {
    let sim = sim().await;
    let mut api = Api::new(&sim, sim.admin_credentials());
    let sis = SisSnapshot {
        people: vec![
            person("S1", &"A".repeat(300), "Lovelace"),
            person("S2", "Alan", "Tur\u{0}ing\r\nJr"),
        ],
        ..SisSnapshot::default()
    };
    let mapping = mapping();
    let today = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    let input = |lms, links| PlanInput {
        sis: &sis,
        lms,
        links,
        mapping: &mapping,
        scope: SyncScope::Users,
        today,
    };
    let (lms, links) = read_back(&sim);
    let first = plan(&input(&lms, &links));
    assert_eq!(first.users.len(), 2);

    // Without the core's rule: the SIS's text as it is, refused per record.
    let raw = |op: &UserOp| {
        let person = sis.people.iter().find(|p| p.key == op.key).unwrap();
        let mut item = record(op, str::to_owned);
        item["name_first"] = json!(person.name.first.as_str());
        item["name_last"] = json!(person.name.last.as_str());
        item
    };
    let body = json!({"users": {"user": first.users.iter().map(raw).collect::<Vec<_>>()}});
    let answer = api
        .call("POST", "users?update_existing=1", Some(body))
        .await;
    let refused: Vec<(i64, String)> = items(&answer.body, "user");
    assert_eq!(refused[0].0, 400);
    assert!(refused[0].1.contains("name_first"), "{refused:?}");
    assert_eq!(refused[1].0, 400);
    assert!(refused[1].1.contains("name_last"), "{refused:?}");
    assert!(sim.state().user_by_school_uid("S1").is_none());

    // With it: both land, and the plan warns about each, naming the field.
    let body = json!({"users": {"user": first.users.iter().map(|op| record(op, str::to_owned)).collect::<Vec<_>>()}});
    let answer = api
        .call("POST", "users?update_existing=1", Some(body))
        .await;
    let landed: Vec<i64> = items(&answer.body, "user").iter().map(|i| i.0).collect();
    assert_eq!(landed, [200, 200]);
    assert!(
        first
            .users
            .iter()
            .all(|op| matches!(op.action, RecordAction::Create { .. }))
    );
    let warned: Vec<(&str, &str)> = first
        .notes
        .iter()
        .map(|note| match &note.note {
            NoteReason::TextCleaned { field, .. } => (note.key.as_str(), field.as_str()),
            other => panic!("unexpected note {other:?}"),
        })
        .collect();
    assert_eq!(warned, [("S1", "first name"), ("S2", "last name")]);
    assert!(first.notes.iter().all(|n| n.entity == Entity::User));
    let state = sim.state();
    assert_eq!(
        state.user_by_school_uid("S2").unwrap().name_last,
        "Turing Jr"
    );

    // The next run compares what the LMS holds with the cleaned values: nothing to write.
    let (lms, links) = read_back(&sim);
    let again = plan(&input(&lms, &links));
    assert!(PlanSummary::of(&again).writes_nothing(), "{again:#?}");
    assert_eq!(again.notes.len(), 2, "the SIS still holds the text");
}
