//! When and how long to wait before trying a request again.

use std::time::Duration;

/// Retry settings.
///
/// Transport failures and 5xx answers are retried only for requests that are
/// safe to repeat (reads, and bulk writes made idempotent by
/// `update_existing`); a request that was never sent is always retried; 429
/// answers are retried for as long as `rate_limited_budget` lasts, after
/// `Retry-After` when the answer has one, else after a capped backoff, while
/// the client's pace slows down (so a 429 is not a record failure unless the
/// server refuses for longer than the budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after a transport failure or a 5xx answer.
    pub max_retries: u32,
    /// How long one request keeps retrying 429 answers, from the first
    /// (default 30 minutes): a storm of 429s slows a run, it does not fail it.
    pub rate_limited_budget: Duration,
    /// The first backoff; doubled on each retry.
    pub base_backoff: Duration,
    /// The longest backoff, and the longest `Retry-After` honoured.
    pub max_backoff: Duration,
    /// The first backoff after a 429 without `Retry-After`.
    pub rate_limited_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            rate_limited_budget: Duration::from_secs(30 * 60),
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(120),
            rate_limited_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy with tiny waits, for tests against local servers (a 429
    /// budget of 5 s).
    pub fn fast() -> Self {
        RetryPolicy {
            rate_limited_budget: Duration::from_secs(5),
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            rate_limited_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        }
    }

    /// Exponential backoff from `base` for retry number `attempt` (0-based),
    /// capped, with jitter between half and all of it.
    pub(crate) fn backoff(&self, base: Duration, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        let full = base.saturating_mul(factor).min(self.max_backoff);
        let jitter = 0.5 + fastrand::f64() * 0.5;
        full.mul_f64(jitter)
    }
}

/// Parses a `Retry-After` header given in seconds.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        let base = Duration::from_secs(1);
        for attempt in 0..4 {
            let wait = policy.backoff(base, attempt);
            let full = base * 2u32.pow(attempt);
            assert!(wait >= full / 2 && wait <= full, "{wait:?} for {attempt}");
        }
        assert!(policy.backoff(base, 30) <= policy.max_backoff);
    }

    #[test]
    fn retry_after_in_seconds_is_read() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
