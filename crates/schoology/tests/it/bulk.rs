//! Bulk writes: batches of at most 50 and 207 answers mapped to each record.

use rostersync_schoology::{EnrollmentImport, UserBulkOptions, UserRecord};
use serde_json::Value;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::support::{client, json_status, received, server};

fn user(i: usize) -> UserRecord {
    UserRecord {
        school_uid: format!("P{i}"),
        name_first: "First".into(),
        name_last: format!("Last{i}"),
        ..UserRecord::default()
    }
}

/// Answers a bulk user POST with one success per record, echoing `school_uid`.
fn echo_users(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    let items: Vec<Value> = body["users"]["user"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let uid = u["school_uid"].as_str().unwrap();
            serde_json::json!({"response_code": 200, "school_uid": uid, "id": format!("id-{uid}")})
        })
        .collect();
    ResponseTemplate::new(207).set_body_json(serde_json::json!({ "user": items }))
}

#[tokio::test]
async fn fifty_one_users_go_as_fifty_and_one() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .and(query_param("update_existing", "1"))
        .respond_with(echo_users)
        .expect(2)
        .mount(&server)
        .await;
    let users: Vec<UserRecord> = (0..51).map(user).collect();
    let options = UserBulkOptions {
        update_existing: true,
        ..UserBulkOptions::default()
    };
    let results = client(&server).bulk_users(&users, options).await;
    assert_eq!(results.len(), 51);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result.as_ref().unwrap().id, Some(format!("id-P{i}")));
    }
    let mut sizes: Vec<usize> = received(&server)
        .await
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["users"]["user"].as_array().unwrap().len()
        })
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [1, 50]);
}

#[tokio::test]
async fn a_207_with_mixed_answers_maps_to_the_right_records() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .respond_with(json_status(207, "users_bulk_207.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<UserRecord> = (0..5).map(user).collect();
    let results = client(&server)
        .bulk_users(&users, UserBulkOptions::default())
        .await;
    assert_eq!(results.len(), 5);
    assert_eq!(results[0].as_ref().unwrap().id.as_deref(), Some("1710713"));
    let failed = results[1].as_ref().unwrap_err();
    assert_eq!(failed.status, Some(400));
    assert!(failed.message.contains("already in use"));
    assert!(!failed.may_have_been_applied && !failed.whole_request);
    assert_eq!(results[2].as_ref().unwrap().id.as_deref(), Some("1710715"));
    let failed = results[3].as_ref().unwrap_err();
    assert_eq!(failed.status, Some(409));
    assert_eq!(failed.message, "Duplicate school_uid");
    let missing = results[4].as_ref().unwrap_err();
    assert!(
        missing.may_have_been_applied,
        "no answer: it may have landed"
    );
}

#[tokio::test]
async fn enrollment_imports_use_the_nested_envelope_and_flags() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/enrollments/import/course"))
        .respond_with(ResponseTemplate::new(207).set_body_raw(
            r#"{"enrollments":{"enrollment":[{"response_code":200,"location":"http://x/v1/sections/1/enrollments/54302505","school_uid":"T100","section_school_code":"SIS-1001"},{"response_code":404,"message":"No such section"}]}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let lines = [
        EnrollmentImport {
            section_school_code: "SIS-1001".into(),
            school_uid: "T100".into(),
            admin: Some(true),
            delete: false,
        },
        EnrollmentImport {
            section_school_code: "SIS-9".into(),
            school_uid: "S200".into(),
            admin: None,
            delete: true,
        },
    ];
    let results = client(&server).import_enrollments(&lines).await;
    assert_eq!(
        results[0].as_ref().unwrap().id_or_location().as_deref(),
        Some("54302505")
    );
    assert_eq!(results[1].as_ref().unwrap_err().status, Some(404));
    let body: Value = serde_json::from_slice(&received(&server).await[0].body).unwrap();
    let sent = &body["enrollments"]["enrollment"];
    assert_eq!(sent[0]["admin"], 1);
    assert!(sent[0].get("delete").is_none());
    assert_eq!(sent[1]["delete"], 1);
}

#[tokio::test]
async fn bulk_deletes_send_ids_in_the_query_fifty_at_a_time() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/enrollments"))
        .respond_with(|request: &Request| {
            let ids: Vec<String> = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "enrollment_ids")
                .map(|(_, v)| v.split(',').map(str::to_owned).collect())
                .unwrap();
            let items: Vec<Value> = ids
                .iter()
                .map(|id| serde_json::json!({"response_code": 200, "id": id}))
                .collect();
            ResponseTemplate::new(207)
                .set_body_json(serde_json::json!({"enrollments": {"enrollment": items}}))
        })
        .expect(2)
        .mount(&server)
        .await;
    let ids: Vec<String> = (0..51).map(|i| format!("e{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let results = client(&server).remove_enrollments(&ids).await;
    assert_eq!(results.len(), 51);
    assert_eq!(results[50].as_ref().unwrap().id.as_deref(), Some("e50"));
    assert!(received(&server).await.iter().all(|r| r.body.is_empty()));
}
