//! A client's recent calls as wall-clock times, so that another client of
//! the same key (the next run, in another process or on another machine)
//! counts them against its rate limit: see [`CallMemory`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use chrono::{DateTime, Utc};
use rostersync_ports::CallMemory;

use super::Client;
use super::pace::Remembered;

/// Clients built by this process so far, for [`origin`].
static BUILT: AtomicU64 = AtomicU64::new(0);

/// A name no other client shares: the process, when it started (so that a
/// process id used again later differs) and how many clients it built.
pub(super) fn origin() -> String {
    let started = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    let built = BUILT.fetch_add(1, Ordering::Relaxed);
    format!("{}-{started}-{built}", std::process::id())
}

/// One moment read from both clocks, to turn the pace's instants into
/// wall-clock times and back.
struct Clocks {
    instant: Instant,
    wall: SystemTime,
}

impl Clocks {
    fn now() -> Self {
        Clocks {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn wall(&self, at: Instant) -> DateTime<Utc> {
        let wall = if at >= self.instant {
            self.wall + (at - self.instant)
        } else {
            self.wall - (self.instant - at)
        };
        DateTime::from(wall)
    }

    /// `None` for a time before this process's clock can say (long past).
    fn instant(&self, at: DateTime<Utc>) -> Option<Instant> {
        let wall = SystemTime::from(at);
        match wall.duration_since(self.wall) {
            Ok(ahead) => self.instant.checked_add(ahead),
            Err(behind) => self.instant.checked_sub(behind.duration()),
        }
    }
}

impl Client {
    /// What this client remembers of its calls for another client of the
    /// same key: the last window's, its pace and the ceiling it learned.
    pub fn call_memory(&self) -> CallMemory {
        let clocks = Clocks::now();
        let remembered = self.inner.pace(|pace| pace.remembered(clocks.instant));
        CallMemory {
            origin: self.inner.origin.clone(),
            calls: remembered
                .booked
                .iter()
                .map(|at| clocks.wall(*at))
                .collect(),
            pace_per_second: remembered.rate,
            ceiling_per_second: remembered.ceiling,
            paused_until: remembered.paused_until.map(|at| clocks.wall(at)),
        }
    }

    /// Counts another client's calls (as its [`Client::call_memory`] kept
    /// them) with this one's, takes its pace and ceiling when lower and
    /// honours its pause. This client's own memory changes nothing.
    pub fn recall_calls(&self, memory: &CallMemory) {
        if memory.origin == self.inner.origin {
            return;
        }
        let clocks = Clocks::now();
        let remembered = Remembered {
            booked: memory
                .calls
                .iter()
                .filter_map(|at| clocks.instant(*at))
                .collect(),
            rate: memory.pace_per_second,
            ceiling: memory.ceiling_per_second,
            paused_until: memory.paused_until.and_then(|at| clocks.instant(at)),
        };
        self.inner
            .pace(|pace| pace.recall(&remembered, clocks.instant));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::Credentials;
    use crate::client::RateLimit;

    fn client(requests: u32) -> Client {
        Client::builder(Credentials::new("key", "secret"))
            .base_url("http://127.0.0.1:9/")
            .rate_limit(RateLimit::new(requests, Duration::from_secs(5)))
            .build()
            .unwrap()
    }

    #[test]
    fn a_memory_round_trips_through_wall_clock_time_and_json() {
        let first = client(10);
        let now = Instant::now();
        first.inner.pace(|pace| {
            for _ in 0..4 {
                pace.reserve(false, now);
            }
        });
        let memory = first.call_memory();
        assert_eq!(memory.calls.len(), 4);
        assert!(memory.calls.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(memory.pace_per_second, 2.0);
        let text = serde_json::to_string(&memory).unwrap();
        let back: CallMemory = serde_json::from_str(&text).unwrap();
        let second = client(10);
        second.recall_calls(&back);
        // The second client's next slot comes after the four, spaced.
        let slot = second
            .inner
            .pace(|pace| pace.reserve(false, Instant::now()));
        let last = second.inner.pace(|pace| pace.remembered(Instant::now()));
        assert_eq!(last.booked.len(), 5);
        assert!(slot.at >= now + Duration::from_millis(1_990), "{slot:?}");
    }

    #[test]
    fn a_client_ignores_its_own_memory_and_each_client_has_its_own_origin() {
        let first = client(10);
        first.inner.pace(|pace| pace.reserve(false, Instant::now()));
        let memory = first.call_memory();
        first.recall_calls(&memory);
        assert_eq!(first.call_memory().calls.len(), 1, "not counted twice");
        assert_ne!(client(10).call_memory().origin, memory.origin);
    }
}
