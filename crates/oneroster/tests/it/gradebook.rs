//! Gradebook writes and reads over OneRoster against wiremock: PUT by
//! derived sourcedIds (a repeat hits the same ids), `scoreStatus` values,
//! exempt for excused, the PLUS360 score quirks, 1.2 school and flags, and
//! the class gradebook read back.

use chrono::NaiveDate;
use rostersync_core::model::grades::{GradeCategory, GradeItem, GradeWrite, Score, ScoreStatus};
use rostersync_oneroster::rest::plus360::Plus360;
use rostersync_oneroster::rest::{
    Auth, OneRosterRest, RestConfig, RestVersion, Secret, SignatureMethod,
};
use rostersync_ports::{GradeSink, WriteResult};
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(server: &MockServer, version: RestVersion) -> RestConfig {
    RestConfig::new(
        Url::parse(&server.uri()).unwrap(),
        version,
        Auth::OAuth1 {
            key: "ck".into(),
            secret: Secret::new("cs"),
            method: SignatureMethod::HmacSha1,
        },
    )
}

fn write() -> GradeWrite {
    GradeWrite {
        section: "S1".into(),
        term: "T1".into(),
        items: vec![GradeItem {
            id: "hw1".into(),
            title: "Homework 1".into(),
            description: None,
            due: NaiveDate::from_ymd_opt(2025, 10, 1),
            max_points: 10.0,
            category: Some("HW".into()),
            factor: 1.0,
            grading_period: None,
        }],
        scores: vec![
            Score {
                item: "hw1".into(),
                student: "s1".into(),
                points: Some(9.0),
                status: ScoreStatus::Graded,
                comment: Some("good".into()),
            },
            Score {
                item: "hw1".into(),
                student: "s2".into(),
                points: None,
                status: ScoreStatus::Excused,
                comment: None,
            },
        ],
    }
}

const V1P1: &str = "/ims/oneroster/v1p1";

#[tokio::test]
async fn line_items_and_results_are_put_by_derived_ids_and_a_repeat_updates() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{V1P1}/lineItems/rs%3AS1%3AT1%3Ahw1")))
        .and(body_partial_json(json!({"lineItem": {
            "sourcedId": "rs:S1:T1:hw1", "title": "Homework 1", "resultValueMax": 10.0,
            "dueDate": "2025-10-01T00:00:00Z", "class": {"sourcedId": "S1"},
            "category": {"sourcedId": "HW"}, "gradingPeriod": {"sourcedId": "T1"}
        }})))
        .respond_with(ResponseTemplate::new(201))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{V1P1}/results/rs%3AS1%3AT1%3Ahw1%3As1")))
        .and(body_partial_json(json!({"result": {
            "sourcedId": "rs:S1:T1:hw1:s1", "scoreStatus": "fully graded", "score": 9.0,
            "comment": "good", "lineItem": {"sourcedId": "rs:S1:T1:hw1"}, "student": {"sourcedId": "s1"}
        }})))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{V1P1}/results/rs%3AS1%3AT1%3Ahw1%3As2")))
        .and(body_partial_json(
            json!({"result": {"scoreStatus": "exempt"}}),
        ))
        .respond_with(ResponseTemplate::new(201))
        .expect(2)
        .mount(&server)
        .await;
    let sink = OneRosterRest::new(config(&server, RestVersion::V1p1)).unwrap();
    for _ in 0..2 {
        let outcomes = sink.write(&write()).await.unwrap();
        let keys: Vec<&str> = outcomes.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["hw1", "hw1/s1", "hw1/s2"]);
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o.result, WriteResult::Done { .. })),
            "{outcomes:?}"
        );
    }
    // Excused work without the PLUS360 quirk carries no score.
    let requests = server.received_requests().await.unwrap();
    let excused = requests
        .iter()
        .find(|r| r.url.path().ends_with("%3As2"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&excused.body).unwrap();
    assert!(body["result"].get("score").is_none(), "{body}");
}

#[tokio::test]
async fn a_refused_line_item_fails_its_scores_without_writing_them() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{V1P1}/lineItems/rs%3AS1%3AT1%3Ahw1")))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "imsx_codeMajor": "failure", "imsx_severity": "error",
            "imsx_description": "assignDate outside gradingPeriod",
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "invaliddata"}]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{V1P1}/results/rs%3AS1%3AT1%3Ahw1%3As1")))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let sink = OneRosterRest::new(config(&server, RestVersion::V1p1)).unwrap();
    let outcomes = sink.write(&write()).await.unwrap();
    match &outcomes[0].result {
        WriteResult::Failed {
            status,
            message,
            may_have_been_applied,
        } => {
            assert_eq!(*status, Some(422));
            assert!(
                message.contains("invaliddata assignDate outside gradingPeriod"),
                "{message}"
            );
            assert!(!may_have_been_applied);
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(matches!(
        outcomes[1].result,
        WriteResult::Failed { status: None, .. }
    ));
}

#[tokio::test]
async fn plus360_sends_excused_as_zero_and_v1p2_names_school_and_flags() {
    let server = MockServer::start().await;
    let base = "/plus360api/v1/abc/ims/oneroster";
    Mock::given(method("GET"))
        .and(path(format!("{base}/rostering/v1p2/classes/S1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"class": {
            "sourcedId": "S1", "school": {"sourcedId": "SCH", "type": "org"}
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "{base}/gradebook/v1p2/lineItems/rs%3AS1%3AT1%3Ahw1"
        )))
        .and(body_partial_json(
            json!({"lineItem": {"school": {"sourcedId": "SCH"}}}),
        ))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "{base}/gradebook/v1p2/results/rs%3AS1%3AT1%3Ahw1%3As2"
        )))
        .and(body_partial_json(json!({"result": {
            "scoreStatus": "exempt", "score": 0.0, "class": {"sourcedId": "S1"},
            "missing": "false", "incomplete": "false"
        }})))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "{base}/gradebook/v1p2/results/rs%3AS1%3AT1%3Ahw1%3As1"
        )))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let profile = Plus360 {
        host: Url::parse(&server.uri()).unwrap(),
        consumer_key: "OneRoster_ABC_123".into(),
        secret: Secret::new("cs"),
        district_code: None,
        version: RestVersion::V1p2,
        sha256: false,
    };
    let sink = OneRosterRest::plus360(&profile).unwrap();
    let outcomes = sink.write(&write()).await.unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.result, WriteResult::Done { .. })),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn gradebook_reads_back_items_of_the_term_with_their_ids() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{V1P1}/classes/S1/lineItems")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"lineItems": [
            {"sourcedId": "rs:S1:T1:hw1", "title": "Homework 1", "dueDate": "2025-10-01T00:00:00Z",
             "resultValueMax": "10", "gradingPeriod": {"sourcedId": "T1"}, "category": {"sourcedId": "HW"}},
            {"sourcedId": "sis-7", "title": "Quiz", "resultValueMax": 20, "gradingPeriod": {"sourcedId": "T1"}},
            {"sourcedId": "rs:S1:T2:hw9", "title": "Other term", "resultValueMax": 5, "gradingPeriod": {"sourcedId": "T2"}}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{V1P1}/classes/S1/results")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"sourcedId": "r1", "lineItem": {"sourcedId": "rs:S1:T1:hw1"}, "student": {"sourcedId": "s1"}, "score": 9, "scoreStatus": "fully graded"},
            {"sourcedId": "r2", "lineItem": {"sourcedId": "rs:S1:T1:hw1"}, "student": {"sourcedId": "s2"}, "score": 0, "scoreStatus": "exempt"},
            {"sourcedId": "r3", "lineItem": {"sourcedId": "rs:S1:T2:hw9"}, "student": {"sourcedId": "s1"}, "score": 5, "scoreStatus": "fully graded"}
        ]})))
        .mount(&server)
        .await;
    let sink = OneRosterRest::new(config(&server, RestVersion::V1p1)).unwrap();
    let book = GradeSink::gradebook(&sink, &"S1".into(), &"T1".into())
        .await
        .unwrap();
    let ids: Vec<&str> = book.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["hw1", "sis-7"]);
    assert_eq!(book.items[0].max_points, 10.0);
    assert_eq!(book.items[0].due, NaiveDate::from_ymd_opt(2025, 10, 1));
    assert_eq!(book.scores.len(), 2);
    assert_eq!(book.scores[1].status, ScoreStatus::Excused);
    assert_eq!(book.scores[0].points, Some(9.0));
}

#[tokio::test]
async fn categories_are_put_with_class_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/ims/oneroster/gradebook/v1p2/categories/rs%3AS1%3Acat%3AHW"))
        .and(body_partial_json(json!({"category": {
            "sourcedId": "rs:S1:cat:HW", "title": "Homework", "weight": 40.0, "metadata": {"classId": "S1"}
        }})))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let sink = OneRosterRest::new(config(&server, RestVersion::V1p2)).unwrap();
    let category = GradeCategory {
        id: "HW".into(),
        title: "Homework".into(),
        weight: Some(40.0),
        drop_lowest: 0,
    };
    assert_eq!(
        sink.put_category(&"S1".into(), &category).await.unwrap(),
        "rs:S1:cat:HW"
    );
}
