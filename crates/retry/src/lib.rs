//! Retrying transient failures of the SIS clients (eSchoolPLUS and the
//! OneRoster REST client): capped exponential backoff with jitter, 429
//! answers honoured after their `Retry-After` (capped), and a bounded number
//! of attempts that the final error can name.
//!
//! The policy mirrors the Schoology client's (`rostersync_schoology`'s
//! `RetryPolicy`): what is worth another try is decided by each client, next
//! to the status codes and transport errors it interprets; this crate only
//! says how long to wait and when to stop.

#![forbid(unsafe_code)]

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// How many times a request is tried and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; doubled on each retry.
    pub base_backoff: Duration,
    /// The longest wait: the cap of the backoff and of a `Retry-After`.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, backing off from half a second, never waiting more
    /// than thirty seconds.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The default attempts with millisecond waits, for tests against local
    /// servers (a `Retry-After` of seconds is cut to the cap).
    pub fn fast() -> Self {
        RetryPolicy {
            base_backoff: Duration::from_millis(1),
            max_wait: Duration::from_millis(20),
            ..RetryPolicy::default()
        }
    }

    /// One attempt: nothing is retried.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (0-based): `retry_after` when
    /// the server sent one, else the backoff doubled per retry, with jitter
    /// between half and all of it; never more than [`RetryPolicy::max_wait`].
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_wait);
        }
        let factor = 2u32.saturating_pow(retry.min(16));
        let full = self.base_backoff.saturating_mul(factor).min(self.max_wait);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// Whether an HTTP status is worth another try: 429 always, a 5xx only for
/// a request that is safe to repeat (a read, or a write that is idempotent).
pub fn retries_status(status: u16, repeatable: bool) -> bool {
    status == 429 || (repeatable && (500..=599).contains(&status))
}

/// Parses a `Retry-After` header given in seconds (an HTTP date is not
/// used: `None`).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// It succeeded.
    Done(T),
    /// It failed in a way another try may mend, after `retry_after` when
    /// the server said so.
    Retry {
        /// The failure, returned if no attempt is left.
        error: E,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// It failed for good.
    Fail(E),
}

/// The last failure, and how many attempts were made in all.
#[derive(Debug)]
pub struct Failed<E> {
    /// The last attempt's failure.
    pub error: E,
    /// Attempts made, the first one included.
    pub attempts: u32,
}

/// Runs `attempt` until it is done, fails for good, or the policy's
/// attempts are spent, sleeping between tries as the policy says. `what`
/// names the request in the log.
///
/// # Errors
///
/// The last failure with the number of attempts made.
pub async fn run<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    mut attempt: F,
) -> Result<T, Failed<E>>
where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T, E>>,
{
    let max = policy.max_attempts.max(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt().await {
            Attempt::Done(value) => return Ok(value),
            Attempt::Fail(error) => return Err(Failed { error, attempts }),
            Attempt::Retry { error, .. } if attempts >= max => {
                return Err(Failed { error, attempts });
            }
            Attempt::Retry { error, retry_after } => {
                let wait = policy.wait(attempts - 1, retry_after);
                tracing::info!(what, attempt = attempts, ?wait, %error, "transient failure; trying again");
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        for retry in 0..4 {
            let wait = policy.wait(retry, None);
            let full = policy.base_backoff * 2u32.pow(retry);
            assert!(wait >= full / 2 && wait <= full, "{wait:?} for {retry}");
        }
        assert!(policy.wait(30, None) <= policy.max_wait);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(
            policy.wait(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.wait(0, Some(Duration::from_secs(7200))),
            policy.max_wait
        );
    }

    #[test]
    fn only_429_and_repeatable_5xx_are_retried() {
        assert!(retries_status(429, false));
        assert!(retries_status(503, true));
        assert!(!retries_status(503, false));
        assert!(!retries_status(404, true));
        assert!(!retries_status(401, true));
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_stop_at_the_bound_and_are_counted() {
        let tries = Cell::new(0);
        let result: Result<(), Failed<&str>> = run(&RetryPolicy::default(), "test", || {
            tries.set(tries.get() + 1);
            async {
                Attempt::Retry {
                    error: "down",
                    retry_after: Some(Duration::from_secs(1)),
                }
            }
        })
        .await;
        let failed = result.unwrap_err();
        assert_eq!((failed.attempts, tries.get()), (4, 4));

        let tries = Cell::new(0);
        let result = run(&RetryPolicy::default(), "test", || {
            tries.set(tries.get() + 1);
            let n = tries.get();
            async move {
                if n < 3 {
                    Attempt::Retry {
                        error: "down",
                        retry_after: None,
                    }
                } else {
                    Attempt::Done(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_failure_is_not_retried() {
        let tries = Cell::new(0);
        let result: Result<(), Failed<&str>> = run(&RetryPolicy::default(), "test", || {
            tries.set(tries.get() + 1);
            async { Attempt::Fail("refused") }
        })
        .await;
        let failed = result.unwrap_err();
        assert_eq!(
            (failed.error, failed.attempts, tries.get()),
            ("refused", 1, 1)
        );
    }
}
