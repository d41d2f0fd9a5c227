//! Signing: HMAC-SHA1 checked against an independent computation, PLAINTEXT,
//! nonce uniqueness, and 303 redirects re-signed and followed by hand.

use std::collections::HashSet;

use rostersync_schoology::{SignatureMethod, UserBulkOptions, UserRecord};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{
    self, assert_signed, client, client_with, fixture, json, oauth_params, received, server,
};

#[tokio::test]
async fn get_with_query_is_signed_per_rfc5849() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("building_id", "55 92/393"))
        .respond_with(json("users_page3.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let users = client(&server)
        .users_in_building("55 92/393")
        .await
        .unwrap();
    assert_eq!(users.items.len(), 1);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    assert!(requests[0].url.query().unwrap().contains("limit=200"));
    assert_signed(&requests[0]);
    let header = requests[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        header.starts_with("OAuth realm=\"Schoology API\""),
        "{header}"
    );
}

#[tokio::test]
async fn post_with_json_body_is_signed_without_the_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .and(query_param("update_existing", "1"))
        .respond_with(ResponseTemplate::new(207).set_body_raw(
            r#"{"user":[{"response_code":200,"id":"9","school_uid":"A"}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let record = UserRecord {
        school_uid: "A".into(),
        name_first: "Ann".into(),
        name_last: "Lee".into(),
        ..UserRecord::default()
    };
    let options = UserBulkOptions {
        update_existing: true,
        ..UserBulkOptions::default()
    };
    let results = client(&server).bulk_users(&[record], options).await;
    assert_eq!(results[0].as_ref().unwrap().id.as_deref(), Some("9"));
    let requests = received(&server).await;
    assert_signed(&requests[0]);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["users"]["user"][0]["school_uid"], "A");
    assert_eq!(
        requests[0].headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn plaintext_signature_is_the_encoded_secret_and_empty_token_secret() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(json("roles.json", &server))
        .mount(&server)
        .await;
    let roles = client_with(&server, SignatureMethod::Plaintext)
        .roles()
        .await
        .unwrap();
    assert_eq!(roles.role.len(), 3);
    let oauth = oauth_params(&received(&server).await[0]);
    assert_eq!(oauth["oauth_signature_method"], "PLAINTEXT");
    assert_eq!(
        oauth["oauth_signature"],
        format!("{}&", support::pct(support::SECRET))
    );
}

#[tokio::test]
async fn every_request_has_a_fresh_nonce_and_timestamps_never_go_back() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(json("roles.json", &server))
        .expect(30)
        .mount(&server)
        .await;
    let client = client(&server);
    let calls: Vec<_> = (0..30).map(|_| client.roles()).collect();
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let requests = received(&server).await;
    let nonces: HashSet<String> = requests
        .iter()
        .map(|r| oauth_params(r)["oauth_nonce"].clone())
        .collect();
    assert_eq!(nonces.len(), 30);
    let timestamps: Vec<u64> = requests
        .iter()
        .map(|r| oauth_params(r)["oauth_timestamp"].parse().unwrap())
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(timestamps.iter().all(|t| now.abs_diff(*t) < 60));
}

#[tokio::test]
async fn users_me_303_is_re_signed_and_followed_by_hand() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(303)
                .insert_header("Location", format!("{}/v1/users/45552", server.uri())),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/45552"))
        .respond_with(json("me.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let me = client(&server).me().await.unwrap();
    assert_eq!(me.user_id(), Some("45552"));
    assert_eq!(me.role_id.as_deref(), Some("796"));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].url.path(), "/v1/users/45552");
    for request in &requests {
        assert_signed(request);
    }
    assert_ne!(
        oauth_params(&requests[0])["oauth_nonce"],
        oauth_params(&requests[1])["oauth_nonce"]
    );
    let _ = fixture("me.json", &server);
}

#[tokio::test]
async fn a_redirect_to_another_host_stays_on_the_configured_origin() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(303)
                .insert_header("Location", "https://api.schoology.com/v1/users/45552"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/45552"))
        .respond_with(json("me.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let me = client(&server).me().await.unwrap();
    assert_eq!(me.name_display.as_deref(), Some("Ada Admin"));
    assert_signed(&received(&server).await[1]);
}
