//! Retries: 429 honoured, 5xx retried for safe requests only, transport
//! failures classified by phase.

use std::time::Duration;

use rostersync_schoology::{
    Client, Credentials, Error, NewGradingPeriod, RateLimit, RetryPolicy, SectionRecord,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{client, json, received, server};

/// The first `count` requests of `verb` on `route` get `answer`; mounted
/// before the regular answer, which then takes the rest.
async fn first_answers(
    server: &wiremock::MockServer,
    verb: &str,
    route: &str,
    count: u64,
    answer: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(answer)
        .up_to_n_times(count)
        .with_priority(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_429_is_waited_out_then_the_request_succeeds() {
    let server = server().await;
    first_answers(
        &server,
        "GET",
        "/v1/roles",
        1,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(json("roles.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let roles = client(&server).roles().await.unwrap();
    assert_eq!(roles.building_role.len(), 1);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_storm_of_429s_without_retry_after_is_outlasted_and_counted() {
    let server = server().await;
    first_answers(&server, "GET", "/v1/roles", 30, ResponseTemplate::new(429)).await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(json("roles.json", &server))
        .mount(&server)
        .await;
    let client = client(&server);
    let roles = client.roles().await.unwrap();
    assert_eq!(roles.building_role.len(), 1);
    let stats = client.call_stats();
    assert_eq!((stats.answers, stats.rate_limited), (31, 30));
    assert_eq!(stats.with_retry_after, 0);
    assert!(
        stats.rate_per_second < 100_000.0,
        "the pace slowed down: {stats:?}"
    );
}

#[tokio::test]
async fn endless_429s_become_a_rate_limited_error_once_the_budget_is_spent() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let client = Client::builder(Credentials::new("k", "s"))
        .base_url(format!("{}/v1", server.uri()))
        .rate_limit(RateLimit::new(100_000, Duration::from_secs(1)))
        .retry(RetryPolicy {
            rate_limited_budget: Duration::from_millis(100),
            ..RetryPolicy::fast()
        })
        .build()
        .unwrap();
    let error = client.roles().await.unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { attempts, .. } if attempts > 1),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.kind(), rostersync_ports::ErrorKind::RateLimited);
}

#[tokio::test]
async fn a_500_on_a_get_is_retried() {
    let server = server().await;
    first_answers(
        &server,
        "GET",
        "/v1/gradingperiods",
        2,
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/gradingperiods"))
        .respond_with(json("gradingperiods.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let periods = client(&server).grading_periods().await.unwrap();
    assert_eq!(periods.items.len(), 2);
    assert_eq!(periods.total, Some(2));
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn a_500_on_a_non_idempotent_write_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/gradingperiods"))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/courses/77/sections"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let period = NewGradingPeriod {
        title: "Fall".into(),
        start: "2025-08-25".into(),
        end: "2025-12-19".into(),
    };
    let error = client.create_grading_period(&period).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(error.may_have_been_applied());
    let section = SectionRecord {
        title: "S".into(),
        section_school_code: "SEC".into(),
        ..SectionRecord::default()
    };
    let results = client.create_sections("77", &[section]).await;
    let failure = results[0].as_ref().unwrap_err();
    assert_eq!(failure.status, Some(503));
    assert!(failure.may_have_been_applied && failure.whole_request);
}

#[tokio::test]
async fn a_write_refused_as_a_replay_is_signed_again_and_sent_again() {
    let server = server().await;
    // Another request with a later timestamp reached the server first.
    Mock::given(method("POST"))
        .and(path("/v1/gradingperiods"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            "Duplicate timestamp/nonce combination, possible replay attack. Request rejected.",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/gradingperiods"))
        .respond_with(ResponseTemplate::new(201).set_body_string(
            r#"{"id": 55, "title": "Fall", "start": "2025-08-25", "end": "2025-12-19"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let period = NewGradingPeriod {
        title: "Fall".into(),
        start: "2025-08-25".into(),
        end: "2025-12-19".into(),
    };
    client(&server)
        .create_grading_period(&period)
        .await
        .unwrap();
    let sent = received(&server).await;
    assert_eq!(sent.len(), 2);
    let nonce = |i: usize| {
        let header = sent[i]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap();
        header
            .split(',')
            .find(|part| part.contains("oauth_nonce"))
            .unwrap()
            .to_owned()
    };
    assert_ne!(nonce(0), nonce(1), "signed again");
}

#[tokio::test]
async fn another_401_is_not_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Invalid consumer key"))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).roles().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
}

#[tokio::test]
async fn a_refused_connection_was_never_sent() {
    // Bind a port, then free it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(Credentials::new("k", "s"))
        .base_url(format!("http://127.0.0.1:{port}/v1/"))
        .rate_limit(RateLimit::new(1000, Duration::from_secs(1)))
        .retry(RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::fast()
        })
        .build()
        .unwrap();
    let error = client.roles().await.unwrap_err();
    assert!(matches!(error, Error::NotSent { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(!error.may_have_been_applied());
}

#[tokio::test]
async fn builder_rejects_bad_settings_and_debug_hides_the_secret() {
    let bad = Client::builder(Credentials::new("k", "topsecret")).base_url("ftp://x");
    assert!(matches!(bad.build(), Err(Error::Config(_))));
    let zero = Client::builder(Credentials::new("k", "topsecret")).concurrency(0);
    assert!(matches!(zero.build(), Err(Error::Config(_))));
    let client = Client::builder(Credentials::new("k", "topsecret"))
        .build()
        .unwrap();
    assert_eq!(client.base_url().as_str(), "https://api.schoology.com/v1/");
    assert_eq!(client.rate_limit(), RateLimit::default());
    let shown = format!("{client:?}");
    assert!(!shown.contains("topsecret"), "{shown}");
}

#[tokio::test]
async fn a_500_on_a_bulk_write_with_update_existing_is_retried() {
    use rostersync_schoology::{UserBulkOptions, UserRecord};
    let server = server().await;
    first_answers(&server, "POST", "/v1/users", 1, ResponseTemplate::new(500)).await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .respond_with(ResponseTemplate::new(207).set_body_raw(
            r#"{"user":[{"response_code":200,"id":"7"}]}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let record = UserRecord {
        school_uid: "A".into(),
        ..UserRecord::default()
    };
    let options = UserBulkOptions {
        update_existing: true,
        ..UserBulkOptions::default()
    };
    let results = client(&server).bulk_users(&[record], options).await;
    assert_eq!(results[0].as_ref().unwrap().id.as_deref(), Some("7"));
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_timed_out_write_may_have_been_applied_and_is_not_repeated() {
    use rostersync_schoology::UserRecord;
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/users"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(Credentials::new("k", "s"))
        .base_url(format!("{}/v1/", server.uri()))
        .timeout(Duration::from_millis(100))
        .rate_limit(RateLimit::new(1000, Duration::from_secs(1)))
        .retry(RetryPolicy::fast())
        .build()
        .unwrap();
    let error = client
        .create_user(&UserRecord::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.may_have_been_applied());
    assert!(error.is_retryable());
}
