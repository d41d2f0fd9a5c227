//! Fault injection a test can switch on in either simulator: added latency,
//! the next N requests failing with a status, 429 storms (with or without
//! `Retry-After`), dropped connections, slow bodies, and writes whose answer
//! is lost after the server applied them.
//!
//! Install with `axum::middleware::from_fn_with_state(faults.clone(), faults::inject)`.
//! Every switch applies to the requests that arrive after it is set; with
//! [`Faults::only_on`], only to those of one path (e.g. the task list).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// The faults switched on, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
}

#[derive(Debug, Default)]
struct FaultState {
    latency: Duration,
    fail: u32,
    fail_status: u16,
    rate_limited: u32,
    retry_after_secs: Option<u64>,
    dropped: u32,
    lost: u32,
    lost_on: String,
    lost_answer: Option<LostAnswer>,
    slow_chunk: Option<Duration>,
    injected: u64,
    /// When set, only requests whose path ends with it are faulted.
    path: Option<String>,
}

/// What a write whose answer is lost gets instead of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostAnswer {
    /// An error status (e.g. 503), as from a proxy that gave up waiting.
    Status(u16),
    /// The connection is reset before the answer arrives.
    Dropped,
}

/// What happens to one request.
enum Fault {
    Fail(StatusCode),
    RateLimit(Option<u64>),
    Drop,
}

impl Faults {
    /// No faults.
    pub fn new() -> Self {
        Faults::default()
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        // A panic while holding this lock cannot leave the counters inconsistent
        // in a way that matters; keep serving.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds `latency` before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The next `count` requests fail with `status` (e.g. 500 or 503).
    pub fn fail_next(&self, count: u32, status: u16) {
        let mut state = self.lock();
        state.fail = count;
        state.fail_status = status;
    }

    /// The next `count` requests get 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, count: u32, retry_after_secs: u64) {
        let mut state = self.lock();
        state.rate_limited = count;
        state.retry_after_secs = Some(retry_after_secs);
    }

    /// The next `count` requests get 429 without `Retry-After`: a storm the
    /// client can only wait out by backing off.
    pub fn rate_limit_next_without_retry_after(&self, count: u32) {
        let mut state = self.lock();
        state.rate_limited = count;
        state.retry_after_secs = None;
    }

    /// The next `count` writes (POST, PUT, DELETE) whose path contains `on`
    /// are applied by the server, then their answer is lost: replaced by
    /// `answer`. A write the server refused as a whole (not 2xx) keeps its
    /// answer and does not count.
    pub fn lose_answers_after_commit(&self, count: u32, on: &str, answer: LostAnswer) {
        let mut state = self.lock();
        state.lost = count;
        on.clone_into(&mut state.lost_on);
        state.lost_answer = Some(answer);
    }

    /// The next `count` requests have their connection dropped before an answer arrives.
    pub fn drop_next(&self, count: u32) {
        self.lock().dropped = count;
    }

    /// From now on, the failing, 429 and dropping switches count only the
    /// requests whose path ends with `path` (e.g. `Task/TaskAndReportData`);
    /// others pass untouched. [`Faults::clear`] lifts it.
    pub fn only_on(&self, path: &str) {
        self.lock().path = Some(path.to_owned());
    }

    /// Answers are sent in small chunks with `delay` between them (`None` = at once).
    pub fn slow_bodies(&self, delay: Option<Duration>) {
        self.lock().slow_chunk = delay;
    }

    /// Switches every fault off.
    pub fn clear(&self) {
        let injected = self.lock().injected;
        *self.lock() = FaultState {
            injected,
            ..FaultState::default()
        };
    }

    /// How many requests a fault was injected into so far.
    pub fn injected(&self) -> u64 {
        self.lock().injected
    }

    /// Whether the answer to a write of `method` on `path` that the server
    /// applied is to be lost, and how.
    fn lose(&self, method: &str, path: &str) -> Option<LostAnswer> {
        let mut state = self.lock();
        let write = matches!(method, "POST" | "PUT" | "DELETE");
        if state.lost == 0 || !write || !path.contains(state.lost_on.as_str()) {
            return None;
        }
        state.lost -= 1;
        state.injected += 1;
        state.lost_answer
    }

    fn next_fault(&self, path: &str) -> (Duration, Option<Fault>, Option<Duration>) {
        let mut state = self.lock();
        let targeted = state
            .path
            .as_deref()
            .is_none_or(|wanted| path.ends_with(wanted));
        let fault = if !targeted {
            None
        } else if state.dropped > 0 {
            state.dropped -= 1;
            Some(Fault::Drop)
        } else if state.rate_limited > 0 {
            state.rate_limited -= 1;
            Some(Fault::RateLimit(state.retry_after_secs))
        } else if state.fail > 0 {
            state.fail -= 1;
            Some(Fault::Fail(
                StatusCode::from_u16(state.fail_status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            ))
        } else {
            None
        };
        if fault.is_some() {
            state.injected += 1;
        }
        (state.latency, fault, state.slow_chunk)
    }
}

/// The middleware: applies the faults switched on to one request.
pub async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let (latency, fault, slow) = faults.next_fault(request.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Fail(status)) => return (status, "simulated server error").into_response(),
        Some(Fault::RateLimit(secs)) => {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
            if let Some(Ok(value)) = secs.map(|secs| HeaderValue::from_str(&secs.to_string())) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Some(Fault::Drop) => return dropped_connection(),
        None => {}
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status().is_success() {
        match faults.lose(&method, &path) {
            Some(LostAnswer::Status(status)) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                return (status, "simulated failure after the write was applied").into_response();
            }
            Some(LostAnswer::Dropped) => return dropped_connection(),
            None => {}
        }
    }
    match slow {
        Some(delay) => slow_body(response, delay).await,
        None => response,
    }
}

/// A response whose body fails at once: the server resets the connection
/// before a complete answer is sent.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated dropped connection",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1024"));
    response
}

/// Re-sends a response's body in 64-byte chunks with `delay` between them.
async fn slow_body(response: Response, delay: Duration) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return dropped_connection();
    };
    let chunks: Vec<Bytes> = bytes.chunks(64).map(Bytes::copy_from_slice).collect();
    let stream = futures::stream::unfold(chunks.into_iter(), move |mut rest| async move {
        let chunk = rest.next()?;
        tokio::time::sleep(delay).await;
        Some((Ok::<Bytes, std::io::Error>(chunk), rest))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests;
