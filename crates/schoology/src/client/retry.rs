//! When and how long to wait before trying a request again.

use std::time::Duration;

/// Retry settings.
///
/// Transport failures and 5xx answers are retried only for requests that are
/// safe to repeat (reads, and bulk writes made idempotent by
/// `update_existing`); a request that was never sent is always retried; 429
/// answers are always retried, after `Retry-After` when the answer has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after a transport failure or a 5xx answer.
    pub max_retries: u32,
    /// Retries after 429 answers.
    pub max_rate_limited_retries: u32,
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
            max_rate_limited_retries: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(120),
            rate_limited_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A policy with tiny waits, for tests against local servers.
    pub fn fast() -> Self {
        RetryPolicy {
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

    /// How long to wait after a 429: `Retry-After` (capped) or a backoff.
    pub(crate) fn rate_limited_wait(
        &self,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_backoff),
            None => self.backoff(self.rate_limited_backoff, attempt),
        }
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
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(
            policy.rate_limited_wait(Some(Duration::from_secs(7)), 0),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.rate_limited_wait(Some(Duration::from_secs(7200)), 0),
            policy.max_backoff
        );
        let wait = policy.rate_limited_wait(None, 0);
        assert!(wait >= Duration::from_millis(2500) && wait <= Duration::from_secs(5));
    }
}
