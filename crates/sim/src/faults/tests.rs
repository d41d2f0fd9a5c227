//! Tests of fault injection over real loopback HTTP.

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::faults::{Faults, LostAnswer, inject};
use crate::server::serve;

async fn server(faults: &Faults) -> crate::server::Running {
    let router = Router::new()
        .route("/ok", get(|| async { "x".repeat(300) }))
        .route("/other", get(|| async { "y" }))
        .route("/v1/users", post(|| async { "created" }))
        .route(
            "/v1/courses",
            post(|| async { (axum::http::StatusCode::BAD_REQUEST, "no") }),
        )
        .layer(axum::middleware::from_fn_with_state(faults.clone(), inject));
    serve(router, 0).await.unwrap()
}

#[tokio::test]
async fn failures_rate_limits_and_drops_apply_to_the_next_requests_only() {
    let faults = Faults::new();
    let running = server(&faults).await;
    let client = reqwest::Client::new();
    let url = format!("{}/ok", running.url());

    faults.fail_next(2, 503);
    for _ in 0..2 {
        assert_eq!(client.get(&url).send().await.unwrap().status(), 503);
    }
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);

    faults.rate_limit_next(1, 7);
    let limited = client.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");

    faults.drop_next(1);
    let dropped = match client.get(&url).send().await {
        Ok(response) => response.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(dropped, "a dropped connection never yields a whole body");
    assert_eq!(
        client
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .len(),
        300
    );
    assert_eq!(faults.injected(), 4);
    running.stop().await;
}

#[tokio::test]
async fn slow_bodies_still_arrive_whole() {
    let faults = Faults::new();
    faults.slow_bodies(Some(Duration::from_millis(1)));
    let running = server(&faults).await;
    let body = reqwest::get(format!("{}/ok", running.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "x".repeat(300));
}

#[tokio::test]
async fn a_targeted_fault_waits_for_its_path() {
    let faults = Faults::new();
    let running = server(&faults).await;
    let client = reqwest::Client::new();
    let ok = format!("{}/ok", running.url());
    let other = format!("{}/other", running.url());

    faults.only_on("/other");
    faults.fail_next(1, 500);
    assert_eq!(client.get(&ok).send().await.unwrap().status(), 200);
    assert_eq!(client.get(&other).send().await.unwrap().status(), 500);
    assert_eq!(client.get(&other).send().await.unwrap().status(), 200);
    assert_eq!(faults.injected(), 1);

    faults.clear();
    faults.fail_next(1, 500);
    assert_eq!(client.get(&ok).send().await.unwrap().status(), 500);
}

#[tokio::test]
async fn a_storm_without_retry_after_names_no_wait() {
    let faults = Faults::new();
    let running = server(&faults).await;
    faults.rate_limit_next_without_retry_after(2);
    let client = reqwest::Client::new();
    let url = format!("{}/ok", running.url());
    for _ in 0..2 {
        let limited = client.get(&url).send().await.unwrap();
        assert_eq!(limited.status(), 429);
        assert!(limited.headers().get("retry-after").is_none());
    }
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn answers_are_lost_only_for_matching_writes_the_server_applied() {
    let faults = Faults::new();
    let running = server(&faults).await;
    let client = reqwest::Client::new();
    let users = format!("{}/v1/users", running.url());
    let courses = format!("{}/v1/courses", running.url());
    faults.lose_answers_after_commit(1, "/users", LostAnswer::Status(503));
    // Reads, other paths and refused writes keep their answers.
    assert_eq!(
        client
            .get(format!("{}/ok", running.url()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(client.post(&courses).send().await.unwrap().status(), 400);
    assert_eq!(client.post(&users).send().await.unwrap().status(), 503);
    assert_eq!(client.post(&users).send().await.unwrap().status(), 200);

    faults.lose_answers_after_commit(1, "", LostAnswer::Dropped);
    let dropped = match client.post(&users).send().await {
        Ok(response) => response.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(dropped);
    assert_eq!(faults.injected(), 2);
}
