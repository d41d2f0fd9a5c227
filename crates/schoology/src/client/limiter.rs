//! The configured rate limit: how fast the client may call the API at most.
//! The pace (`pace`) starts there and adapts to what the server answers.

use std::time::Duration;

use crate::error::Error;

/// How fast the client may call the API.
///
/// Schoology's limit is about 50 requests per 5 seconds per consumer key
/// (secondary sources; not in the official docs). The limiter spaces requests
/// evenly at `requests / per` and allows `burst` at once after a quiet spell;
/// with the default burst of 1, no 5-second window ever holds more than 50
/// requests. Some sources say writes cost 3 credits; set `write_cost` to 3
/// to budget for that.
///
/// This is the most the client sends. A server that answers 429 slows it
/// down (see the `pace` module): the rate halves on a refusal and climbs
/// back after runs of successes, so a real limit lower than this one, or
/// writes charged more, is met within a few windows.
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

    /// Checks the limit: at least one request per window, a window longer
    /// than zero, a burst and a write cost of at least one.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.requests == 0 {
            return Err(Error::Config(
                "rate limit requests must be at least 1".into(),
            ));
        }
        if self.burst == 0 {
            return Err(Error::Config("rate limit burst must be at least 1".into()));
        }
        if self.write_cost == 0 {
            return Err(Error::Config(
                "rate limit write cost must be at least 1".into(),
            ));
        }
        if self.per.is_zero() {
            return Err(Error::Config(
                "rate limit period must be longer than zero".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_fifty_per_five_seconds() {
        let limit = RateLimit::default();
        assert_eq!(limit.per_second(), 10.0);
        assert!(limit.validate().is_ok());
    }

    #[test]
    fn invalid_limits_are_config_errors() {
        assert!(
            RateLimit::new(0, Duration::from_secs(5))
                .validate()
                .is_err()
        );
        assert!(RateLimit::default().with_burst(0).validate().is_err());
        assert!(RateLimit::new(5, Duration::ZERO).validate().is_err());
        assert!(RateLimit::default().with_write_cost(0).validate().is_err());
    }
}
