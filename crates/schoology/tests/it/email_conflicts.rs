//! Users whose e-mail Schoology says is in use: sent once more the way the
//! adapter is set (`ignore_email_conflicts=1` by default,
//! `email_conflict_resolution=1`, or not at all), and done with a warning
//! naming the person and the address.

use rostersync_core::ids::{BuildingId, PersonKey, RoleId, UserId};
use rostersync_core::model::lms::UserFields;
use rostersync_core::plan::{FieldChange, RecordAction, UserOp};
use rostersync_ports::{LmsOutcome, LmsTarget, LmsWrite, WriteResult};
use rostersync_schoology::{AdapterConfig, EmailConflicts, SchoologyLms};
use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{client, received, server};

const IN_USE: &str = "The email address p2@x.example is already in use";

fn lms(server: &MockServer, email_conflicts: EmailConflicts) -> SchoologyLms {
    let config = AdapterConfig {
        school_id: Some("344232".into()),
        email_conflicts,
        ..AdapterConfig::default()
    };
    SchoologyLms::new(client(server), config)
}

fn multi(body: String) -> ResponseTemplate {
    ResponseTemplate::new(207).set_body_raw(body, "application/json")
}

fn fields(key: &str) -> UserFields {
    UserFields {
        first: "Ann".into(),
        preferred_first: None,
        middle: None,
        last: key.into(),
        email: Some(format!("{}@x.example", key.to_lowercase()).into()),
        username: None,
        graduation_year: None,
        building: BuildingId::new("5592393"),
        other_buildings: Vec::new(),
        role: RoleId::new("1214"),
    }
}

fn create(key: &str) -> UserOp {
    UserOp {
        key: PersonKey::new(key),
        action: RecordAction::Create {
            fields: fields(key),
        },
    }
}

/// The first try: P1 lands, P2 is refused for its e-mail.
async fn first_try_refuses_p2(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .and(query_param("update_existing", "1"))
        .and(query_param_is_missing("ignore_email_conflicts"))
        .and(query_param_is_missing("email_conflict_resolution"))
        .respond_with(multi(format!(
            r#"{{"user":[{{"response_code":200,"id":"601","school_uid":"P1"}},{{"response_code":400,"message":"{IN_USE}"}}]}}"#
        )))
        .expect(1)
        .mount(server)
        .await;
}

fn body(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

async fn posts(server: &MockServer) -> Vec<wiremock::Request> {
    received(server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect()
}

/// Asserts a record done with a warning that names P2, its address,
/// Schoology's answer and `how` it was sent again.
fn assert_withheld(outcome: &LmsOutcome, id: &str, how: &str) {
    assert_eq!(
        outcome.result,
        WriteResult::Done {
            id: Some(id.into())
        }
    );
    let warning = outcome.warning.as_ref().expect("a warning");
    assert_eq!(warning.withheld_email.as_deref(), Some("p2@x.example"));
    for needle in ["P2", "p2@x.example", IN_USE, how] {
        assert!(
            warning.message.contains(needle),
            "{needle}: {}",
            warning.message
        );
    }
}

/// The second try of P2: `flag=1` without the other flag, answered `answer`.
async fn second_try(server: &MockServer, flag: &str, other: &str, answer: String) {
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .and(query_param("update_existing", "1"))
        .and(query_param(flag, "1"))
        .and(query_param_is_missing(other))
        .respond_with(multi(answer))
        .expect(1)
        .mount(server)
        .await;
}

const P2_CREATED: &str = r#"{"user":[{"response_code":200,"id":"602","school_uid":"P2"}]}"#;

/// Applies the creates of P1 and P2 with `policy`.
async fn create_both(server: &MockServer, policy: EmailConflicts) -> Vec<LmsOutcome> {
    lms(server, policy)
        .apply(&LmsWrite::Users(vec![create("P1"), create("P2")]))
        .await
        .unwrap()
}

#[tokio::test]
async fn by_default_a_refused_create_is_sent_again_ignoring_the_conflict() {
    let server = server().await;
    first_try_refuses_p2(&server).await;
    let (flag, other) = ("ignore_email_conflicts", "email_conflict_resolution");
    second_try(&server, flag, other, P2_CREATED.into()).await;
    let outcomes = create_both(&server, AdapterConfig::default().email_conflicts).await;
    assert_eq!(
        outcomes[0].result,
        WriteResult::Done {
            id: Some("601".into())
        }
    );
    assert_eq!(outcomes[0].warning, None, "P1 landed as asked");
    assert_withheld(&outcomes[1], "602", "ignore_email_conflicts=1");
    let posts = posts(&server).await;
    assert_eq!(posts.len(), 2);
    let again = &body(&posts[1])["users"]["user"];
    assert_eq!(again.as_array().map(Vec::len), Some(1), "only P2 again");
    assert_eq!(again[0]["school_uid"], "P2");
}

#[tokio::test]
async fn the_error_policy_keeps_the_failure() {
    let server = server().await;
    first_try_refuses_p2(&server).await;
    let outcomes = create_both(&server, EmailConflicts::Fail).await;
    assert!(matches!(
        &outcomes[1].result,
        WriteResult::Failed { status: Some(400), message, .. } if message == IN_USE
    ));
    assert_eq!(outcomes[1].warning, None);
    assert_eq!(posts(&server).await.len(), 1, "nothing is sent again");
}

#[tokio::test]
async fn username_only_sends_the_conflict_resolution_flag() {
    let server = server().await;
    first_try_refuses_p2(&server).await;
    let (flag, other) = ("email_conflict_resolution", "ignore_email_conflicts");
    second_try(&server, flag, other, P2_CREATED.into()).await;
    let outcomes = create_both(&server, EmailConflicts::UsernameOnly).await;
    assert_withheld(&outcomes[1], "602", "email_conflict_resolution=1");
}

#[tokio::test]
async fn a_second_refusal_stays_a_failure() {
    let server = server().await;
    first_try_refuses_p2(&server).await;
    // A conflict inside the school is refused even with the flag.
    let refused = format!(r#"{{"user":[{{"response_code":400,"message":"{IN_USE}"}}]}}"#);
    let (flag, other) = ("ignore_email_conflicts", "email_conflict_resolution");
    second_try(&server, flag, other, refused).await;
    let outcomes = create_both(&server, EmailConflicts::IgnoreOtherSchools).await;
    assert!(matches!(&outcomes[1].result, WriteResult::Failed { .. }));
    assert_eq!(outcomes[1].warning, None);
}

#[tokio::test]
async fn a_refused_update_lands_without_the_email() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/v1/users"))
        .respond_with(|request: &wiremock::Request| {
            let sent: Value = serde_json::from_slice(&request.body).unwrap();
            let answer = if sent["users"]["user"][0].get("primary_email").is_some() {
                format!(r#"{{"user":[{{"response_code":400,"message":"{IN_USE}"}}]}}"#)
            } else {
                r#"{"user":[{"response_code":200,"id":"9"}]}"#.to_owned()
            };
            multi(answer)
        })
        .expect(2)
        .mount(&server)
        .await;
    let op = UserOp {
        key: PersonKey::new("P2"),
        action: RecordAction::Update {
            id: UserId::new("9"),
            fields: fields("P2"),
            changes: vec![FieldChange {
                field: "email".into(),
                old: Some("old@x.example".into()),
                new: Some("p2@x.example".into()),
            }],
        },
    };
    let outcomes = lms(&server, EmailConflicts::IgnoreOtherSchools)
        .apply(&LmsWrite::Users(vec![op]))
        .await
        .unwrap();
    assert_withheld(&outcomes[0], "9", "updated without e-mail");
    let puts: Vec<_> = received(&server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect();
    let again = &body(&puts[1])["users"]["user"][0];
    assert_eq!(again["name_last"], "P2", "the other fields are sent again");
    assert!(again.get("primary_email").is_none());
}
