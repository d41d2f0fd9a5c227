//! Grade passback through the REST client into the local OneRoster
//! simulator: PUT by derived sourcedIds (created, then replaced), exempt for
//! excused work, the gradebook read back, under OAuth 2 (1.2) and signed
//! OAuth 1.0a requests with encoded ids (1.1).

use rostersync_core::model::grades::{GradeItem, GradeWrite, Score, ScoreStatus};
use rostersync_oneroster::rest::{
    Auth, OneRosterRest, RestConfig, RestVersion, Secret, Service, SignatureMethod,
};
use rostersync_ports::{GradeSink, WriteResult};
use rostersync_sim::oneroster::{OneRosterSim, SimAuth};
use serde_json::json;
use url::Url;

use crate::fixture::{DELTA_1_2, MINIMAL_1_1};

fn write(section: &str, term: &str, student: &str, status: ScoreStatus) -> GradeWrite {
    GradeWrite {
        section: section.into(),
        term: term.into(),
        items: vec![GradeItem {
            id: "hw 1".into(),
            title: "Homework 1".into(),
            description: None,
            due: chrono::NaiveDate::from_ymd_opt(2023, 10, 2),
            max_points: 10.0,
            category: None,
            factor: 1.0,
            grading_period: None,
        }],
        scores: vec![Score {
            item: "hw 1".into(),
            student: student.into(),
            points: (status == ScoreStatus::Graded).then_some(9.0),
            status,
            comment: None,
        }],
    }
}

#[tokio::test]
async fn passback_to_the_v1p2_simulator_creates_then_updates_and_reads_back_exempt() {
    let sim = OneRosterSim::from_package(
        DELTA_1_2.as_ref(),
        SimAuth::OAuth2 {
            client_id: "client".into(),
            client_secret: "secret".into(),
        },
    )
    .unwrap()
    .start()
    .await
    .unwrap();
    let sink = OneRosterRest::new(RestConfig::new(
        Url::parse(&sim.url()).unwrap(),
        RestVersion::V1p2,
        Auth::OAuth2 {
            token_url: Url::parse(&sim.token_url()).unwrap(),
            client_id: "client".into(),
            client_secret: Secret::new("secret"),
            scopes: vec![
                "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.createput".into(),
            ],
        },
    ))
    .unwrap();
    for status in [ScoreStatus::Graded, ScoreStatus::Excused] {
        let outcomes = sink
            .write(&write("CLASS_001", "ACAD_SESS_1", "USER_0", status))
            .await
            .unwrap();
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o.result, WriteResult::Done { .. })),
            "{outcomes:?}"
        );
    }
    let items = sim.gradebook("lineItems");
    assert_eq!(items.len(), 1, "a repeat updates");
    assert_eq!(items[0]["sourcedId"], "rs:CLASS_001:ACAD_SESS_1:hw 1");
    assert_eq!(items[0]["school"]["sourcedId"], "ORG_1");
    let results = sim.gradebook("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["scoreStatus"], "exempt");
    let book = sink
        .gradebook(&"CLASS_001".into(), &"ACAD_SESS_1".into())
        .await
        .unwrap();
    assert_eq!(book.items[0].id, "hw 1");
    assert_eq!(book.scores[0].status, ScoreStatus::Excused);
}

#[tokio::test]
async fn passback_to_the_v1p1_simulator_with_signed_requests() {
    let sim = OneRosterSim::from_package(
        MINIMAL_1_1.as_ref(),
        SimAuth::OAuth1 {
            key: "ck".into(),
            secret: "cs".into(),
        },
    )
    .unwrap()
    .start()
    .await
    .unwrap();
    let sink = OneRosterRest::new(RestConfig::new(
        Url::parse(&sim.url()).unwrap(),
        RestVersion::V1p1,
        Auth::OAuth1 {
            key: "ck".into(),
            secret: Secret::new("cs"),
            method: SignatureMethod::HmacSha1,
        },
    ))
    .unwrap();
    let outcomes = sink
        .write(&write(
            "cls-222-123456",
            "as-trm-222-1234",
            "usr-222-987654",
            ScoreStatus::Graded,
        ))
        .await
        .unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.result, WriteResult::Done { .. })),
        "{outcomes:?}"
    );
    assert_eq!(sim.gradebook("results")[0]["scoreStatus"], "fully graded");
    // The provider answers 201 for a new record and 200 for a replaced one.
    let body = json!({"category": {"sourcedId": "cat-1", "title": "Homework"}});
    let client = sink.client();
    assert_eq!(
        client
            .put(Service::Gradebook, "/categories/cat-1", &body)
            .await
            .unwrap(),
        201
    );
    assert_eq!(
        client
            .put(Service::Gradebook, "/categories/cat-1", &body)
            .await
            .unwrap(),
        200
    );
}
