//! The adaptive pace: requests spaced evenly at a rate that starts at the
//! configured limit, comes down to the limit the server shows with its 429s
//! and climbs back after runs of successes, so that a server whose real
//! limit is lower than configured (or that charges writes more) is met
//! within a window or two.
//!
//! [`Pace`] is a pure state machine: every method takes `now`, so the tests
//! drive it on a made-up clock and no test sleeps. The client's request loop
//! reads the clock, sleeps until a [`Ticket`]'s time, and reports each answer
//! back.
//!
//! The rules:
//! - spacing: a request costing `c` (1 for a read, the write cost for a
//!   write) moves the next free slot `c / rate` later (a GCRA with a burst
//!   allowance of `burst` requests after a quiet spell);
//! - decrease: a 429 answering a request sent at the current rate means the
//!   server's window is full of this client's requests, so the requests
//!   answered that were sent within a window before the refused one measure
//!   the real limit: the rate drops to 95 % of that estimate, by at least a
//!   twentieth and at most half (never below a floor), and the estimate
//!   becomes the ceiling (a storm of refusals with nothing answered halves
//!   the rate each time); 429s answering requests sent before that decrease
//!   change nothing, so one burst of refusals counts once, and requests
//!   waiting with slots of the old pace book again;
//! - `Retry-After`: nothing is sent before it has passed;
//! - increase: after a window's worth of successes in a row, the rate
//!   doubles while below 98 % of the ceiling (up to there), then probes
//!   upwards by steps that double from 1 % of the ceiling, up to the
//!   configured rate; the first probe waits three windows' worth, and twice
//!   as long each time a refusal finds the limit where the last one did
//!   (up to 24), since a probe past a known limit costs a refusal and a
//!   pause.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::limiter::RateLimit;

/// The lowest rate, as a share of the configured one.
const FLOOR_SHARE: f64 = 1.0 / 100.0;
/// The most a decrease keeps of the rate.
const MOST_KEPT: f64 = 0.95;
/// The least a decrease keeps of the rate.
const LEAST_KEPT: f64 = 0.5;
/// Where a decrease aims, as a share of the estimated real limit.
const BELOW_ESTIMATE: f64 = 0.95;
/// Below this share of the ceiling the rate climbs fast (doubling).
const NEAR_CEILING: f64 = 0.98;
/// The first probing step from near the ceiling, as a share of it.
const PROBE: f64 = 0.01;
/// The fewest successes that make a run.
const MIN_RUN: u64 = 5;
/// Near the ceiling, the first probing step waits for this many runs: a
/// probe that finds the limit costs a refusal and a pause, so it is rare.
const PROBE_RUNS: u64 = 3;
/// Each time a refusal finds the limit where the last one did (within
/// [`SAME_LIMIT`]), the wait before the next first probe doubles, up to
/// this many runs: a limit found twice is likely to stay.
const MOST_PROBE_RUNS: u64 = 24;
/// Two estimates this close (as a share of the larger) are the same limit.
const SAME_LIMIT: f64 = 0.05;

/// The right to send one request at `at`, under the pace of `epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    /// When the request may go.
    pub(crate) at: Instant,
    epoch: u64,
    cost: u32,
}

/// What one pace remembers for another of the same key (see
/// [`Pace::remembered`] and [`Pace::recall`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Remembered {
    /// When its requests of the last window were booked to go, oldest first.
    pub(crate) booked: Vec<Instant>,
    /// Its rate, in requests per second.
    pub(crate) rate: f64,
    /// The limit the server showed it.
    pub(crate) ceiling: f64,
    /// Nothing goes before this.
    pub(crate) paused_until: Option<Instant>,
}

/// The longest pause another client's memory is honoured for (see
/// [`Pace::recall`]).
const MOST_RECALLED_PAUSE: Duration = Duration::from_secs(600);

/// How much longer than the limit's window `quota` requests are spread over.
const WINDOW_MARGIN: Duration = Duration::from_millis(25);

/// Counters of what the pace saw, for a run's report.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct PaceStats {
    /// Answers received (429s included).
    pub(crate) answers: u64,
    /// 429 answers.
    pub(crate) rate_limited: u64,
    /// Of those, answers that named a `Retry-After`.
    pub(crate) with_retry_after: u64,
    /// Time with at least one request under way (waiting for its slot
    /// included).
    pub(crate) busy: Duration,
    /// The rate now, in requests per second.
    pub(crate) rate: f64,
}

/// The pace of one client.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    configured: f64,
    floor: f64,
    rate: f64,
    ceiling: f64,
    /// Requests answered (not 429) within the last window: when each was
    /// sent, and its cost.
    recent: VecDeque<(Instant, u32)>,
    per: Duration,
    /// The configured requests per window, which no window ever holds
    /// more of, whatever the pace.
    quota: usize,
    /// When the last `quota` requests were booked to go, oldest first.
    booked: VecDeque<Instant>,
    tolerance: f64,
    write_cost: u32,
    /// The theoretical arrival time of the next request.
    next: Option<Instant>,
    /// Nothing goes before this (a `Retry-After`).
    paused_until: Option<Instant>,
    epoch: u64,
    successes: u64,
    probe: f64,
    /// Runs the first probe near the ceiling waits for.
    probe_runs: u64,
    in_flight: u32,
    busy_since: Option<Instant>,
    stats: PaceStats,
}

impl Pace {
    /// A pace at `limit`, which is assumed valid (at least one request per
    /// window, a non-zero window, burst and write cost).
    pub(crate) fn new(limit: &RateLimit) -> Self {
        let configured = limit.per_second().max(f64::MIN_POSITIVE);
        Pace {
            configured,
            floor: configured * FLOOR_SHARE,
            rate: configured,
            ceiling: configured,
            recent: VecDeque::new(),
            per: limit.per,
            quota: usize::try_from(limit.requests).unwrap_or(usize::MAX).max(1),
            booked: VecDeque::new(),
            tolerance: f64::from(limit.burst.saturating_sub(1)),
            write_cost: limit.write_cost.max(1),
            next: None,
            paused_until: None,
            epoch: 0,
            successes: 0,
            probe: PROBE,
            probe_runs: PROBE_RUNS,
            in_flight: 0,
            busy_since: None,
            stats: PaceStats {
                rate: configured,
                ..PaceStats::default()
            },
        }
    }

    /// The rate now, in requests per second.
    #[cfg(test)]
    fn rate(&self) -> f64 {
        self.rate
    }

    /// Books the next free slot for one request (a write costs the write
    /// cost) and says when it may go.
    pub(crate) fn reserve(&mut self, write: bool, now: Instant) -> Ticket {
        let cost = if write { self.write_cost } else { 1 };
        let interval = Duration::from_secs_f64(1.0 / self.rate);
        let next = self.next.unwrap_or(now);
        // A quiet spell lets `burst` requests go at once, no more.
        let earliest = next
            .checked_sub(interval.mul_f64(self.tolerance))
            .unwrap_or(next);
        let mut at = earliest.max(now);
        if let Some(paused) = self.paused_until {
            at = at.max(paused);
        }
        // Evenly spaced requests can still arrive a little closer than they
        // left (a new connection's handshake delays the first ones): no
        // window of the limit's length ever gets more than the quota, with
        // a margin for that.
        if self.booked.len() >= self.quota {
            if let Some(oldest) = self.booked.get(self.booked.len() - self.quota) {
                at = at.max(*oldest + self.per + WINDOW_MARGIN);
            }
        }
        self.booked.push_back(at);
        while self.booked.len() > self.quota {
            self.booked.pop_front();
        }
        self.next = Some(next.max(at) + interval * cost);
        Ticket {
            at,
            epoch: self.epoch,
            cost,
        }
    }

    /// Whether the request holding `ticket` may go at `now`: no decrease and
    /// no `Retry-After` came since it was booked (else it books again, at
    /// the new pace, so that requests queued at the old one do not all run
    /// into the limit).
    pub(crate) fn still_holds(&self, ticket: Ticket, now: Instant) -> bool {
        ticket.epoch == self.epoch && self.paused_until.is_none_or(|until| until <= now)
    }

    /// A request starts waiting for its slot.
    pub(crate) fn begin(&mut self, now: Instant) {
        if self.in_flight == 0 {
            self.busy_since = Some(now);
        }
        self.in_flight += 1;
    }

    /// A request is over (answered, given up or cancelled).
    pub(crate) fn end(&mut self, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.in_flight == 0 {
            if let Some(since) = self.busy_since.take() {
                self.stats.busy += now.saturating_duration_since(since);
            }
        }
    }

    /// The request of `ticket` got an answer other than 429.
    pub(crate) fn answered(&mut self, ticket: Ticket) {
        self.stats.answers += 1;
        self.recent.push_back((ticket.at, ticket.cost));
        self.forget_before(ticket.at);
        self.successes += 1;
        let run = ((self.rate * self.per.as_secs_f64()).ceil() as u64).max(MIN_RUN);
        let below = NEAR_CEILING * self.ceiling;
        // The first probe after a decrease waits longer: the decrease aimed
        // just below the limit, so that probe is the one that finds it.
        let needed = if self.rate >= below && self.probe <= PROBE {
            run * self.probe_runs
        } else {
            run
        };
        if self.successes < needed {
            return;
        }
        self.successes = 0;
        if self.rate < below {
            self.rate = (self.rate * 2.0).min(below);
        } else {
            self.rate += self.probe * self.ceiling;
            self.probe *= 2.0;
        }
        self.rate = self.rate.min(self.configured);
        self.stats.rate = self.rate;
    }

    /// The request of `ticket` got a 429, with `retry_after` if the answer
    /// named one.
    pub(crate) fn rate_limited(
        &mut self,
        ticket: Ticket,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        self.stats.answers += 1;
        self.stats.rate_limited += 1;
        self.successes = 0;
        if let Some(wait) = retry_after {
            self.stats.with_retry_after += 1;
            let until = now + wait;
            self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        }
        if ticket.epoch != self.epoch {
            // Sent before the last decrease: it says nothing of the rate now.
            return;
        }
        self.epoch += 1;
        // What the server held when it refused: the requests answered that
        // were sent within a window before the refused one (plus the margin
        // by which requests may arrive closer than they left, so that one
        // sent a whole window before, which the server may still hold, is
        // counted).
        let from = ticket.at.checked_sub(self.per + WINDOW_MARGIN);
        let answered: u32 = self
            .recent
            .iter()
            .filter(|(sent, _)| *sent < ticket.at && from.is_none_or(|from| *sent > from))
            .map(|(_, cost)| cost)
            .sum();
        let estimate = f64::from(answered) / self.per.as_secs_f64();
        self.probe_runs =
            if (estimate - self.ceiling).abs() <= SAME_LIMIT * estimate.max(self.ceiling) {
                (self.probe_runs * 2).min(MOST_PROBE_RUNS)
            } else {
                PROBE_RUNS
            };
        let aim = (BELOW_ESTIMATE * estimate).clamp(LEAST_KEPT * self.rate, MOST_KEPT * self.rate);
        self.ceiling = estimate.max(aim);
        self.rate = aim.max(self.floor);
        self.probe = PROBE;
        // Requests waiting with slots of the old pace book again (see
        // `still_holds`), spaced at the new one from now on.
        self.next = None;
        self.stats.rate = self.rate;
    }

    /// Drops the answered requests sent a window (and the margin) or more
    /// before `now`.
    fn forget_before(&mut self, now: Instant) {
        while self.recent.front().is_some_and(|(sent, _)| {
            now.saturating_duration_since(*sent) >= self.per + WINDOW_MARGIN
        }) {
            self.recent.pop_front();
        }
    }

    /// What another client of the same key did, for [`Pace::recall`]: its
    /// bookings of the last window, its rate and ceiling, and its pause.
    pub(crate) fn remembered(&self, now: Instant) -> Remembered {
        let from = now.checked_sub(self.per + WINDOW_MARGIN);
        Remembered {
            booked: self
                .booked
                .iter()
                .copied()
                .filter(|at| from.is_none_or(|from| *at > from))
                .collect(),
            rate: self.rate,
            ceiling: self.ceiling,
            paused_until: self.paused_until.filter(|until| *until > now),
        }
    }

    /// Counts another client's calls (see [`Pace::remembered`]) as if this
    /// pace had booked them: no window holds more than the quota of both
    /// together, the next request keeps its spacing after the last of
    /// them, the rate and the ceiling come down to theirs when lower, and
    /// their pause holds here too. Calls older than a window change
    /// nothing.
    pub(crate) fn recall(&mut self, other: &Remembered, now: Instant) {
        let from = now.checked_sub(self.per + WINDOW_MARGIN);
        // Calls booked more than a window ahead, or a pause longer than any
        // server asks for, come from a clock that runs ahead of this one:
        // waiting for them could stall the district, so they are passed over.
        let to = now + self.per;
        let mut booked: Vec<Instant> = self
            .booked
            .iter()
            .copied()
            .chain(
                other
                    .booked
                    .iter()
                    .copied()
                    .filter(|at| from.is_none_or(|from| *at > from) && *at <= to),
            )
            .collect();
        booked.sort_unstable();
        let keep = booked.len().saturating_sub(self.quota);
        self.booked = booked.into_iter().skip(keep).collect();
        if other.rate.is_finite() && other.rate > 0.0 && other.rate < self.rate {
            self.rate = other.rate.max(self.floor);
            self.epoch += 1;
            self.successes = 0;
            self.stats.rate = self.rate;
        }
        if let Some(last) = self.booked.back() {
            let interval = Duration::from_secs_f64(1.0 / self.rate);
            let after = *last + interval;
            self.next = Some(self.next.map_or(after, |next| next.max(after)));
        }
        if other.ceiling.is_finite() && other.ceiling > 0.0 && other.ceiling < self.ceiling {
            self.ceiling = other.ceiling.max(self.floor);
        }
        if let Some(until) = other
            .paused_until
            .filter(|until| *until > now && *until <= now + MOST_RECALLED_PAUSE)
        {
            self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        }
    }

    /// What the pace saw so far; `now` closes the busy time of requests
    /// still under way.
    pub(crate) fn stats(&self, now: Instant) -> PaceStats {
        let mut stats = self.stats;
        if let Some(since) = self.busy_since {
            stats.busy += now.saturating_duration_since(since);
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server model: `quota` credits per sliding `window`, writes costing
    /// `write_cost`, answering 429 (with `Retry-After` when `retry_after`)
    /// when a request does not fit.
    struct Server {
        quota: u32,
        window: Duration,
        write_cost: u32,
        retry_after: bool,
        spent: VecDeque<(Instant, u32)>,
        accepted: Vec<Instant>,
    }

    impl Server {
        fn new(quota: u32, window: Duration, write_cost: u32, retry_after: bool) -> Self {
            Server {
                quota,
                window,
                write_cost,
                retry_after,
                spent: VecDeque::new(),
                accepted: Vec::new(),
            }
        }

        fn call(&mut self, write: bool, now: Instant) -> Result<(), Option<Duration>> {
            while self
                .spent
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= self.window)
            {
                self.spent.pop_front();
            }
            let cost = if write { self.write_cost } else { 1 };
            let used: u32 = self.spent.iter().map(|(_, c)| c).sum();
            if used + cost > self.quota {
                // In whole seconds, at least one, as the header carries it.
                let wait = self.spent.front().map_or(self.window, |(t, _)| {
                    self.window.saturating_sub(now.duration_since(*t))
                });
                let wait = Duration::from_secs(wait.as_secs_f64().ceil().max(1.0) as u64);
                return Err(self.retry_after.then_some(wait));
            }
            self.spent.push_back((now, cost));
            self.accepted.push(now);
            Ok(())
        }

        /// Credits accepted in windows `from..to` (counted from `start`),
        /// as a share of the quota.
        fn share(&self, start: Instant, from: u32, to: u32, credits_each: u32) -> f64 {
            let (a, b) = (start + self.window * from, start + self.window * to);
            let accepted = self.accepted.iter().filter(|t| **t >= a && **t < b).count();
            (accepted as f64 * f64::from(credits_each))
                / (f64::from(self.quota) * f64::from(to - from))
        }
    }

    /// Runs `calls` requests one after another (each sent at its ticket's
    /// time, answered at once; a 429 retried after its `Retry-After` or a
    /// 1 s backoff) and returns the pace, the server and the start.
    fn drive(pace: &mut Pace, server: &mut Server, calls: u32, write: bool) -> (Instant, u64) {
        let start = Instant::now();
        let mut now = start;
        let mut refused = 0;
        for _ in 0..calls {
            loop {
                let ticket = pace.reserve(write, now);
                now = now.max(ticket.at);
                match server.call(write, now) {
                    Ok(()) => {
                        pace.answered(ticket);
                        break;
                    }
                    Err(retry_after) => {
                        refused += 1;
                        pace.rate_limited(ticket, retry_after, now);
                        if retry_after.is_none() {
                            now += Duration::from_secs(1);
                        }
                    }
                }
            }
        }
        (start, refused)
    }

    fn limit(requests: u32, secs: u64) -> RateLimit {
        RateLimit::new(requests, Duration::from_secs(secs))
    }

    #[test]
    fn no_window_of_the_limit_is_booked_with_more_than_its_quota() {
        // Ten per second, with a burst of all ten after a quiet spell: the
        // eleventh waits a whole window and the margin after the first.
        let mut pace = Pace::new(&limit(10, 1).with_burst(10));
        let t0 = Instant::now();
        let times: Vec<Instant> = (0..30).map(|_| pace.reserve(false, t0).at).collect();
        assert!(times[..10].iter().all(|at| *at == t0), "{times:?}");
        assert!(times[10] >= t0 + Duration::from_secs(1) + WINDOW_MARGIN);
        for (i, at) in times.iter().enumerate().skip(10) {
            assert!(
                at.duration_since(times[i - 10]) >= Duration::from_secs(1),
                "request {i} shares a window with ten others: {times:?}"
            );
        }
    }

    /// The most of `times` that fall in one window of `per` (a request
    /// `per` or more after another is in another window).
    fn busiest_window(times: &[Instant], per: Duration) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        (0..sorted.len())
            .map(|i| {
                sorted[i..]
                    .iter()
                    .take_while(|at| at.duration_since(sorted[i]) < per)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_pace_that_recalls_another_keeps_the_quota_of_both_together() {
        let per = Duration::from_secs(1);
        let t0 = Instant::now();
        let mut first = Pace::new(&limit(10, 1).with_burst(3));
        let early: Vec<Instant> = (0..10).map(|_| first.reserve(false, t0).at).collect();
        let t1 = t0 + Duration::from_millis(800);
        // A new pace that knows nothing of them would send three at once
        // into a window that holds ten already.
        let mut unaware = Pace::new(&limit(10, 1).with_burst(3));
        let blind: Vec<Instant> = (0..10).map(|_| unaware.reserve(false, t1).at).collect();
        let both = [early.clone(), blind].concat();
        assert!(busiest_window(&both, per) > 10, "{both:?}");
        // One that recalls them waits for them to leave the window.
        let mut second = Pace::new(&limit(10, 1).with_burst(3));
        second.recall(&first.remembered(t1), t1);
        let later: Vec<Instant> = (0..30).map(|_| second.reserve(false, t1).at).collect();
        let both = [early, later.clone()].concat();
        assert_eq!(busiest_window(&both, per), 10, "{both:?}");
        assert!(later[0] >= t0 + per + WINDOW_MARGIN, "{later:?}");
        // Bookings a window old are not remembered; a quiet pace has none.
        let quiet = t1 + Duration::from_secs(10);
        assert!(second.remembered(quiet).booked.is_empty());
    }

    #[test]
    fn a_recalled_pace_keeps_the_lower_rate_and_the_pause_the_other_learned() {
        let t0 = Instant::now();
        let mut first = Pace::new(&limit(10, 1));
        let ticket = first.reserve(false, t0);
        first.rate_limited(ticket, Some(Duration::from_secs(3)), t0);
        assert_eq!(first.rate(), 5.0);
        let mut second = Pace::new(&limit(10, 1));
        second.recall(&first.remembered(t0), t0);
        assert_eq!(second.rate(), 5.0);
        assert!(second.reserve(false, t0).at >= t0 + Duration::from_secs(3));
        // A faster memory never speeds a slower pace up.
        let fresh = Pace::new(&limit(10, 1));
        second.recall(&fresh.remembered(t0), t0);
        assert_eq!(second.rate(), 5.0);
    }

    #[test]
    fn a_memory_from_a_clock_far_ahead_is_not_waited_for() {
        let t0 = Instant::now();
        let ahead = Remembered {
            booked: (0..10)
                .map(|i| t0 + Duration::from_secs(3600 + i))
                .collect(),
            rate: 10.0,
            ceiling: 10.0,
            paused_until: Some(t0 + Duration::from_secs(3 * 3600)),
        };
        let mut pace = Pace::new(&limit(10, 1));
        pace.recall(&ahead, t0);
        assert_eq!(pace.reserve(false, t0).at, t0);
    }

    #[test]
    fn requests_are_spaced_evenly_at_the_configured_rate() {
        let mut pace = Pace::new(&RateLimit::default());
        let t0 = Instant::now();
        let times: Vec<Duration> = (0..4).map(|_| pace.reserve(false, t0).at - t0).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(times, [ms(0), ms(100), ms(200), ms(300)]);
        // A write costing 3 holds the next slot three intervals later.
        let mut pace = Pace::new(&RateLimit::default().with_write_cost(3));
        assert_eq!(pace.reserve(true, t0).at, t0);
        assert_eq!(pace.reserve(false, t0).at, t0 + ms(300));
    }

    #[test]
    fn a_burst_goes_at_once_after_a_quiet_spell_and_no_more() {
        let mut pace = Pace::new(&limit(10, 1).with_burst(3));
        let t0 = Instant::now();
        let times: Vec<Instant> = (0..4).map(|_| pace.reserve(false, t0).at).collect();
        assert_eq!(&times[..3], &[t0, t0, t0]);
        assert!(times[3] > t0);
    }

    #[test]
    fn no_window_holds_more_than_the_configured_limit() {
        let mut pace = Pace::new(&RateLimit::default());
        let mut server = Server::new(50, Duration::from_secs(5), 1, true);
        let (start, refused) = drive(&mut pace, &mut server, 600, false);
        assert_eq!(refused, 0);
        assert!(server.share(start, 0, 12, 1) > 0.99);
    }

    #[test]
    fn a_429_halves_the_rate_once_per_burst_and_retry_after_pauses_everyone() {
        let mut pace = Pace::new(&limit(10, 1));
        let t0 = Instant::now();
        let tickets: Vec<Ticket> = (0..4).map(|_| pace.reserve(false, t0)).collect();
        pace.rate_limited(tickets[0], Some(Duration::from_secs(2)), t0);
        assert_eq!(pace.rate(), 5.0);
        // The others were sent at the old rate: no further decrease.
        pace.rate_limited(tickets[1], None, t0);
        pace.rate_limited(tickets[2], None, t0);
        assert_eq!(pace.rate(), 5.0);
        assert!(!pace.still_holds(tickets[3], t0), "booked at the old pace");
        let next = pace.reserve(false, t0);
        assert!(next.at >= t0 + Duration::from_secs(2), "the pause holds");
        assert!(pace.still_holds(next, next.at));
        // A refusal of a request sent at the new rate halves it again.
        pace.rate_limited(next, None, t0);
        assert_eq!(pace.rate(), 2.5);
        let stats = pace.stats(t0);
        assert_eq!(
            (stats.answers, stats.rate_limited, stats.with_retry_after),
            (4, 4, 1)
        );
    }

    #[test]
    fn the_rate_never_falls_below_the_floor_and_climbs_back_after_a_storm() {
        let mut pace = Pace::new(&limit(10, 1));
        let t0 = Instant::now();
        for _ in 0..20 {
            let ticket = pace.reserve(false, t0);
            pace.rate_limited(ticket, None, t0);
        }
        assert!((pace.rate() - 0.1).abs() < 1e-9, "{}", pace.rate());
        let mut now = t0;
        for _ in 0..200 {
            let ticket = pace.reserve(false, now);
            now = ticket.at;
            pace.answered(ticket);
        }
        assert_eq!(pace.rate(), 10.0, "back at the configured rate");
    }

    /// The real limit is a fifth of the configured one: within two windows
    /// the pace settles, and then at least 90 % of the real limit is used,
    /// whether or not the server names a `Retry-After` (given in whole
    /// seconds, as in the header).
    #[test]
    fn a_lower_real_limit_is_met_within_a_few_windows() {
        for retry_after in [true, false] {
            let mut pace = Pace::new(&limit(50, 5));
            let mut server = Server::new(10, Duration::from_secs(5), 1, retry_after);
            let (start, refused) = drive(&mut pace, &mut server, 400, false);
            let share = server.share(start, 2, 36, 1);
            assert!(share >= 0.9, "{share} (Retry-After {retry_after})");
            assert!(
                refused < 20,
                "{refused} refusals (Retry-After {retry_after})"
            );
        }
    }

    /// Answers `n` requests spaced `gap` apart from `t0` on `pace`, then
    /// refuses the next one; returns when it was sent.
    fn answer_then_refuse(pace: &mut Pace, t0: Instant, n: u32, gap: Duration) -> Instant {
        for i in 0..n {
            let at = t0 + gap * i;
            let ticket = Ticket {
                at,
                epoch: pace.epoch,
                cost: 1,
            };
            pace.answered(ticket);
        }
        let at = t0 + gap * n;
        let refused = Ticket {
            at,
            epoch: pace.epoch,
            cost: 1,
        };
        pace.rate_limited(refused, None, at);
        at
    }

    /// A request sent a whole window before the refused one may still be in
    /// the server's window (it arrived a little later than it left): it
    /// counts, so ten per 5 s is read as ten, not nine.
    #[test]
    fn the_estimate_counts_a_request_sent_a_whole_window_before() {
        // Told a little more than the real ten, so that the decrease aims
        // at the estimate rather than stopping at half.
        let mut pace = Pace::new(&limit(11, 5));
        answer_then_refuse(&mut pace, Instant::now(), 10, Duration::from_millis(500));
        assert!((pace.ceiling - 2.0).abs() < 1e-9, "{}", pace.ceiling);
        assert!((pace.rate() - 1.9).abs() < 1e-9, "{}", pace.rate());
    }

    /// Each refusal that finds the limit where the last one did doubles the
    /// wait before the next probe; a different limit starts over.
    #[test]
    fn a_limit_found_again_makes_the_next_probe_wait_longer() {
        let mut pace = Pace::new(&limit(11, 5));
        let gap = Duration::from_millis(500);
        let mut t = answer_then_refuse(&mut pace, Instant::now(), 10, gap);
        assert_eq!(pace.probe_runs, PROBE_RUNS, "the first estimate is new");
        for expected in [6, 12, 24, 24] {
            t = answer_then_refuse(&mut pace, t + Duration::from_secs(10), 10, gap);
            assert_eq!(pace.probe_runs, expected);
        }
        // The server now holds twenty: a new limit, probed as soon as before.
        answer_then_refuse(&mut pace, t + Duration::from_secs(10), 20, gap / 2);
        assert_eq!(pace.probe_runs, PROBE_RUNS);
    }

    /// Writes cost 3 on the server but 1 in the client's configuration.
    #[test]
    fn writes_charged_three_are_met_at_90_percent() {
        let mut pace = Pace::new(&limit(10, 5));
        let mut server = Server::new(30, Duration::from_secs(5), 3, true);
        let (start, refused) = drive(&mut pace, &mut server, 300, true);
        let share = server.share(start, 4, 25, 3);
        assert!(share >= 0.9, "{share}");
        assert!(refused < 30, "{refused}");
    }

    #[test]
    fn busy_time_counts_while_a_request_is_under_way() {
        let mut pace = Pace::new(&RateLimit::default());
        let t0 = Instant::now();
        pace.begin(t0);
        pace.begin(t0 + Duration::from_secs(1));
        pace.end(t0 + Duration::from_secs(2));
        assert_eq!(
            pace.stats(t0 + Duration::from_secs(3)).busy,
            Duration::from_secs(3)
        );
        pace.end(t0 + Duration::from_secs(4));
        // Idle time does not count.
        pace.begin(t0 + Duration::from_secs(10));
        pace.end(t0 + Duration::from_secs(11));
        assert_eq!(
            pace.stats(t0 + Duration::from_secs(20)).busy,
            Duration::from_secs(5)
        );
    }
}
