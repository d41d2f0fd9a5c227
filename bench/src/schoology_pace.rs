//! Scenario `schoology-pace`: the share of a real limit five times lower than
//! configured that the Schoology client's adaptive pace achieves.
//!
//! The Schoology simulator allows 10 requests per 5-second window (the
//! district of issue M12), answering 429 with `Retry-After` in whole seconds
//! beyond, as Schoology's own limit does, and answers after 250 ms; the
//! client is told the default, 50 per 5 s, and sends 8 at a time. Reads
//! (`GET roles`) go for about 16 windows. Each answered request is
//! stamped when it completes; the share is the answered requests per window
//! over the real limit, from the fourth window (the first three are the pace
//! finding the limit) to the last whole one before the traffic runs out.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rostersync_schoology::{Client, Credentials, RateLimit, RetryPolicy};
use rostersync_sim::schoology::{RateLimit as SimLimit, SchoologySim};
use serde_json::{Value, json};

/// The scenario's name.
pub(crate) const NAME: &str = "schoology-pace";

/// The real limit: requests per window.
const REAL: u32 = 10;
/// The window.
const WINDOW: Duration = Duration::from_secs(5);
/// What the client is told, per window.
const CONFIGURED: u32 = 50;
/// Windows of traffic at the real limit.
const WINDOWS: u32 = 20;
/// Windows left out at the start while the pace finds the limit.
const SETTLING: u32 = 3;

/// Runs the scenario and returns its JSON report.
pub(crate) fn run(size: &str) -> Result<Value, String> {
    super::runtime()?.block_on(measure(size))
}

async fn measure(size: &str) -> Result<Value, String> {
    let sim = SchoologySim::builder()
        .rate_limit(SimLimit {
            quota: REAL,
            window: WINDOW,
            write_cost: 1,
        })
        .start()
        .await
        .map_err(|e| format!("starting the simulator: {e}"))?;
    sim.faults().set_latency(Duration::from_millis(250));
    let key = sim.admin_credentials();
    let client = Client::builder(Credentials::new(key.key.clone(), key.secret.clone()))
        .base_url(sim.url())
        .rate_limit(RateLimit::new(CONFIGURED, WINDOW))
        .retry(RetryPolicy::default())
        .build()
        .map_err(|e| e.to_string())?;

    let answered: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let start = Instant::now();
    let calls: Vec<_> = (0..REAL * WINDOWS)
        .map(|_| {
            let (client, answered) = (client.clone(), answered.clone());
            async move {
                let result = client.roles().await;
                if result.is_ok() {
                    if let Ok(mut answered) = answered.lock() {
                        answered.push(Instant::now());
                    }
                }
                result
            }
        })
        .collect();
    let results = futures::future::join_all(calls).await;
    let wall = start.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let answered = answered.lock().map_err(|_| "poisoned".to_owned())?.clone();
    let whole = (answered
        .last()
        .map_or(0.0, |last| last.duration_since(start).as_secs_f64())
        / WINDOW.as_secs_f64())
    .floor() as u32;
    let per_window: Vec<usize> = (0..whole)
        .map(|w| {
            let (from, to) = (start + WINDOW * w, start + WINDOW * (w + 1));
            answered.iter().filter(|t| **t >= from && **t < to).count()
        })
        .collect();
    // The last whole window may be the one where the requests ran out.
    let settled = per_window
        .get(SETTLING as usize..per_window.len().saturating_sub(1))
        .unwrap_or_default();
    let share = if settled.is_empty() {
        0.0
    } else {
        settled.iter().sum::<usize>() as f64 / (f64::from(REAL) * settled.len() as f64)
    };
    let stats = client.call_stats();
    let counters = sim.counters();
    Ok(json!({
        "scenario": NAME,
        "size": size,
        "wall_ms": (wall.as_secs_f64() * 1e4).round() / 10.0,
        "peak_rss_mib": super::peak_rss_mib(),
        "target": ">= 90 % of a real limit 5x lower than configured after 3 windows, 0 failed",
        "met": share >= 0.9 && failed == 0,
        "details": {
            "requests": REAL * WINDOWS,
            "failed": failed,
            "real_per_window": REAL,
            "configured_per_window": CONFIGURED,
            "window_ms": WINDOW.as_millis() as u64,
            "answered_per_window": per_window,
            "share_pct": (share * 1000.0).round() / 10.0,
            "rate_limited": stats.rate_limited,
            "sim_rate_limited": counters.rate_limited,
            "pace_at_end_per_s": (stats.rate_per_second * 100.0).round() / 100.0,
            "max_in_window": counters.peak(),
        },
    }))
}
