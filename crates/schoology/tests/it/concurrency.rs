//! Several requests in flight at once: a local server answers only when
//! four requests are waiting together, so the test completes only if the
//! client really keeps four in flight.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use rostersync_schoology::{Client, Credentials, RateLimit, RetryPolicy};
use tokio::sync::Barrier;

async fn together(State(barrier): State<Arc<Barrier>>) -> axum::Json<serde_json::Value> {
    barrier.wait().await;
    axum::Json(serde_json::json!({"role": [{"id": 1, "title": "Student"}]}))
}

#[tokio::test]
async fn four_requests_are_in_flight_at_once() {
    let barrier = Arc::new(Barrier::new(4));
    let app = Router::new()
        .route("/v1/roles", get(together))
        .with_state(barrier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder(Credentials::new("k", "s"))
        .base_url(format!("http://{address}/v1/"))
        .rate_limit(RateLimit::new(100_000, Duration::from_secs(1)).with_burst(100))
        .retry(RetryPolicy::fast())
        .concurrency(4)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..8).map(|_| client.roles()).collect();
    let results = tokio::time::timeout(Duration::from_secs(20), futures::future::join_all(calls))
        .await
        .expect("four requests must be in flight together for the server to answer");
    assert_eq!(results.len(), 8);
    assert!(results.iter().all(Result::is_ok));
}
