//! Scenario `schoology-rate`: the request rate the Schoology client achieves
//! against a local server that answers every request after 100 ms, at the
//! default limit (50 requests per 5 s), as a share of the allowed rate.
//!
//! The server records when each request arrives; the achieved rate is
//! (requests - 1) / (last arrival - first arrival), and the largest number
//! of arrivals in any 5-second window shows the limit is never exceeded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use rostersync_schoology::{Client, Credentials};
use serde_json::{Value, json};

/// The scenario's name.
pub(crate) const NAME: &str = "schoology-rate";

/// How long the server takes to answer.
const LATENCY: Duration = Duration::from_millis(100);

/// Seconds of traffic at the allowed rate.
const TRAFFIC_SECONDS: f64 = 20.0;

type Arrivals = Arc<Mutex<Vec<Instant>>>;

async fn answer(State(arrivals): State<Arrivals>) -> axum::Json<Value> {
    if let Ok(mut arrivals) = arrivals.lock() {
        arrivals.push(Instant::now());
    }
    tokio::time::sleep(LATENCY).await;
    axum::Json(json!({"role": [{"id": "1", "title": "Student", "faculty": 0}]}))
}

/// Runs the scenario and returns its JSON report.
pub(crate) fn run(size: &str) -> Result<Value, String> {
    super::runtime()?.block_on(measure(size))
}

async fn measure(size: &str) -> Result<Value, String> {
    let arrivals: Arrivals = Arc::default();
    let app = Router::new()
        .route("/v1/roles", get(answer))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| format!("binding the local server: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder(Credentials::new("bench-key", "bench-secret"))
        .base_url(format!("http://{address}/v1/"))
        .build()
        .map_err(|e| e.to_string())?;
    let allowed = client.rate_limit().per_second();
    let requests = (allowed * TRAFFIC_SECONDS).round() as usize;

    let start = Instant::now();
    let calls: Vec<_> = (0..requests).map(|_| client.roles()).collect();
    let results = futures::future::join_all(calls).await;
    let wall = start.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();

    let arrivals = arrivals.lock().map_err(|_| "poisoned".to_owned())?.clone();
    let (Some(first), Some(last)) = (arrivals.first(), arrivals.last()) else {
        return Err("the server saw no request".into());
    };
    let span = last.duration_since(*first).as_secs_f64();
    let achieved = if span > 0.0 {
        (arrivals.len() - 1) as f64 / span
    } else {
        0.0
    };
    let share = achieved / allowed;
    let window = client.rate_limit().per;
    let max_in_window = arrivals
        .iter()
        .enumerate()
        .map(|(i, start)| {
            arrivals[i..]
                .iter()
                .take_while(|t| t.duration_since(*start) < window)
                .count()
        })
        .max()
        .unwrap_or(0);
    let limit = client.rate_limit().requests as usize;
    Ok(json!({
        "scenario": NAME,
        "size": size,
        "wall_ms": (wall.as_secs_f64() * 1e4).round() / 10.0,
        "peak_rss_mib": super::peak_rss_mib(),
        "target": ">= 95 % of the allowed rate, never above it",
        "met": share >= 0.95 && max_in_window <= limit && failed == 0,
        "details": {
            "requests": arrivals.len(),
            "failed": failed,
            "latency_ms": LATENCY.as_millis() as u64,
            "concurrency": client.concurrency(),
            "allowed_per_s": allowed,
            "achieved_per_s": (achieved * 100.0).round() / 100.0,
            "share_pct": (share * 1000.0).round() / 10.0,
            "max_in_5s_window": max_in_window,
        },
    }))
}
