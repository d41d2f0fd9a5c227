//! The per-key rate limit (a sliding window of credits) and the counters a
//! test reads.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// A rate limit per consumer key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Credits per window (50 by default).
    pub quota: u32,
    /// The window (5 s by default).
    pub window: Duration,
    /// Credits a POST, PUT or DELETE costs (1 by default; some sources say 3).
    pub write_cost: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            quota: 50,
            window: Duration::from_secs(5),
            write_cost: 1,
        }
    }
}

/// What the simulator counted so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counters {
    /// Requests by `"METHOD route"`, e.g. `"GET users/{id}"` (every request
    /// that reached the API, refused ones included).
    pub requests: BTreeMap<String, u64>,
    /// POST, PUT and DELETE requests that changed state.
    pub writes: u64,
    /// Records created or changed by those requests.
    pub records_written: u64,
    /// Records deleted (users deactivated, courses, sections and
    /// enrollments removed, parent links dropped).
    pub deletes: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// 429 answers from the simulator's own limit (not injected faults).
    pub rate_limited: u64,
    /// By consumer key: the most authenticated requests seen in any window
    /// of the rate limit's length (5 s by default).
    pub peak_per_window: BTreeMap<String, u64>,
}

impl Counters {
    /// Requests of `method` on `route` (`"users/{id}"`, `"courses/{id}/sections"`, ...).
    pub fn requests_to(&self, method: &str, route: &str) -> u64 {
        self.requests
            .get(&format!("{method} {route}"))
            .copied()
            .unwrap_or(0)
    }

    /// Every request counted.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// The highest per-window peak over all keys.
    pub fn peak(&self) -> u64 {
        self.peak_per_window.values().copied().max().unwrap_or(0)
    }
}

/// Rate limiting and counting, behind the simulator's lock.
pub(crate) struct Meter {
    limit: RateLimit,
    keys: HashMap<String, KeyMeter>,
    pub(crate) counters: Counters,
}

#[derive(Default)]
struct KeyMeter {
    /// Credits spent, with when.
    spent: VecDeque<(Instant, u32)>,
    /// Every authenticated request, for the peak.
    seen: VecDeque<Instant>,
    /// When every authenticated request arrived, in order.
    arrivals: Vec<Instant>,
}

impl Meter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Meter {
            limit,
            keys: HashMap::new(),
            counters: Counters::default(),
        }
    }

    pub(crate) fn request(&mut self, method: &str, route: &str) {
        *self
            .counters
            .requests
            .entry(format!("{method} {route}"))
            .or_default() += 1;
    }

    /// When each authenticated request of `key` arrived (admitted or
    /// refused), in order.
    pub(crate) fn arrivals(&self, key: &str) -> Vec<Instant> {
        self.keys
            .get(key)
            .map(|meter| meter.arrivals.clone())
            .unwrap_or_default()
    }

    /// Admits one authenticated request of `key`, or says how many seconds
    /// to wait.
    pub(crate) fn admit(&mut self, key: &str, write: bool) -> Result<(), u64> {
        let now = Instant::now();
        let window = self.limit.window;
        let meter = self.keys.entry(key.to_owned()).or_default();
        while meter
            .seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            meter.seen.pop_front();
        }
        meter.seen.push_back(now);
        meter.arrivals.push(now);
        let seen = meter.seen.len() as u64;
        let peak = self
            .counters
            .peak_per_window
            .entry(key.to_owned())
            .or_default();
        *peak = (*peak).max(seen);

        while meter
            .spent
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= window)
        {
            meter.spent.pop_front();
        }
        let cost = if write {
            self.limit.write_cost.max(1)
        } else {
            1
        };
        let used: u32 = meter.spent.iter().map(|(_, c)| c).sum();
        if used.saturating_add(cost) > self.limit.quota {
            self.counters.rate_limited += 1;
            let wait = meter
                .spent
                .front()
                .map(|(t, _)| window.saturating_sub(now.duration_since(*t)))
                .unwrap_or(window);
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        meter.spent.push_back((now, cost));
        Ok(())
    }
}
