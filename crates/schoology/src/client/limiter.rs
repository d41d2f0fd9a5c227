//! The client-side rate limiter: a governor GCRA limiter that spaces requests
//! evenly at the allowed rate, so the limiter, not the round trip, sets the pace.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::DefaultClock;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::error::Error;

/// How fast the client may call the API.
///
/// Schoology's limit is about 50 requests per 5 seconds per consumer key
/// (secondary sources; not in the official docs). The limiter spaces requests
/// evenly at `requests / per` and allows `burst` at once after a quiet spell;
/// with the default burst of 1, no 5-second window ever holds more than 50
/// requests. Some sources say writes cost 3 credits; set `write_cost` to 3
/// to budget for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per `per`.
    pub requests: u32,
    /// The window.
    pub per: Duration,
    /// How many requests may go at once after a quiet spell (at least 1).
    pub burst: u32,
    /// How many requests' worth of budget one write (POST, PUT, DELETE) uses.
    pub write_cost: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            requests: 50,
            per: Duration::from_secs(5),
            burst: 1,
            write_cost: 1,
        }
    }
}

impl RateLimit {
    /// `requests` per `per`, burst 1, writes cost 1.
    pub fn new(requests: u32, per: Duration) -> Self {
        RateLimit {
            requests,
            per,
            ..RateLimit::default()
        }
    }

    /// The same limit with another burst.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// The same limit with another write cost.
    pub fn with_write_cost(mut self, write_cost: u32) -> Self {
        self.write_cost = write_cost;
        self
    }

    /// The allowed rate in requests per second.
    pub fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64()
    }

    /// The governor quota: one request every `per / requests`, `burst` at once.
    pub(crate) fn quota(&self) -> Result<Quota, Error> {
        let requests = NonZeroU32::new(self.requests)
            .ok_or_else(|| Error::Config("rate limit requests must be at least 1".into()))?;
        let burst = NonZeroU32::new(self.burst)
            .ok_or_else(|| Error::Config("rate limit burst must be at least 1".into()))?;
        if self.write_cost == 0 {
            return Err(Error::Config(
                "rate limit write cost must be at least 1".into(),
            ));
        }
        let period = self.per / requests.get();
        Quota::with_period(period)
            .map(|quota| quota.allow_burst(burst))
            .ok_or_else(|| Error::Config("rate limit period must be longer than zero".into()))
    }
}

/// The limiter shared by every request of one client.
pub(crate) struct Limiter {
    limiter: RateLimiter<NotKeyed, InMemoryState, DefaultClock>,
    write_cost: u32,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("write_cost", &self.write_cost)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(limit: &RateLimit) -> Result<Self, Error> {
        Ok(Limiter {
            limiter: RateLimiter::direct(limit.quota()?),
            write_cost: limit.write_cost,
        })
    }

    /// Waits until one request (a read) or `write_cost` requests (a write) may go.
    pub(crate) async fn until_ready(&self, write: bool) {
        let cost = if write { self.write_cost } else { 1 };
        for _ in 0..cost {
            self.limiter.until_ready().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use governor::RateLimiter;
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn allowed_in(limit: RateLimit, span: Duration, step: Duration) -> u32 {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(limit.quota().unwrap(), clock.clone());
        let mut allowed = 0;
        let mut elapsed = Duration::ZERO;
        while elapsed < span {
            while limiter.check().is_ok() {
                allowed += 1;
            }
            clock.advance(step);
            elapsed += step;
        }
        allowed
    }

    #[test]
    fn default_is_fifty_per_five_seconds_evenly_spaced() {
        let limit = RateLimit::default();
        assert_eq!(limit.per_second(), 10.0);
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(limit.quota().unwrap(), clock.clone());
        assert!(limiter.check().is_ok());
        assert!(limiter.check().is_err(), "burst of one");
        clock.advance(Duration::from_millis(99));
        assert!(limiter.check().is_err());
        clock.advance(Duration::from_millis(1));
        assert!(limiter.check().is_ok(), "one more every 100 ms");
    }

    #[test]
    fn no_five_second_window_holds_more_than_fifty() {
        let allowed = allowed_in(
            RateLimit::default(),
            Duration::from_secs(5),
            Duration::from_millis(10),
        );
        assert_eq!(allowed, 50);
        let allowed = allowed_in(
            RateLimit::default(),
            Duration::from_secs(60),
            Duration::from_millis(10),
        );
        assert_eq!(allowed, 600, "a steady 10 per second");
    }

    #[test]
    fn configurable_rate_and_burst() {
        let limit = RateLimit::new(100, Duration::from_secs(10)).with_burst(5);
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(limit.quota().unwrap(), clock.clone());
        for _ in 0..5 {
            assert!(limiter.check().is_ok());
        }
        assert!(limiter.check().is_err());
        clock.advance(Duration::from_millis(100));
        assert!(limiter.check().is_ok());
        assert!(limiter.check().is_err());
    }

    #[test]
    fn invalid_limits_are_config_errors() {
        assert!(RateLimit::new(0, Duration::from_secs(5)).quota().is_err());
        assert!(RateLimit::default().with_burst(0).quota().is_err());
        assert!(RateLimit::new(5, Duration::ZERO).quota().is_err());
        assert!(RateLimit::default().with_write_cost(0).quota().is_err());
    }
}
