//! Properties: stepping `now` forward through a week, with the state updated
//! after each enqueue, never enqueues a window occurrence twice, runs every
//! day when nothing resets the schedule, and keeps the grace rule.

use std::collections::BTreeSet;

use chrono::{Days, NaiveTime, TimeDelta};
use proptest::prelude::*;

use super::*;

/// Zones with the usual one-hour changes (both hemispheres), a half-hour
/// change, a fractional offset and no changes.
const ZONES: [Tz; 6] = [
    chrono_tz::America::Chicago,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::St_Johns,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

/// Starting points a few days before daylight-saving changes in 2026, and
/// the start of the year; a random offset of up to four days is added.
const ANCHORS: [&str; 6] = [
    "2026-03-05T00:00:00Z",
    "2026-03-26T00:00:00Z",
    "2026-04-02T00:00:00Z",
    "2026-10-01T00:00:00Z",
    "2026-10-29T00:00:00Z",
    "2026-01-01T00:00:00Z",
];

const WEEK_MINUTES: i64 = 7 * 24 * 60;

#[derive(Debug, Clone)]
struct Scenario {
    window: Window,
    first: DateTime<Utc>,
    /// Whether the state starts empty; otherwise a scheduled sync was
    /// enqueued two days before the first check.
    fresh: bool,
    /// Minutes to the next check, and whether a manual sync (`Some(true)`) or
    /// settings save (`Some(false)`) happens at that check.
    steps: Vec<(i64, Option<bool>)>,
}

impl Scenario {
    /// The check instants over one week (cycling through `steps`), each with
    /// its reset event.
    fn checks(&self) -> Vec<(DateTime<Utc>, Option<bool>)> {
        let mut checks = Vec::new();
        let mut now = self.first;
        let end = self.first + TimeDelta::minutes(WEEK_MINUTES);
        for &(minutes, event) in self.steps.iter().cycle() {
            if now > end {
                break;
            }
            checks.push((now, event));
            now += TimeDelta::minutes(minutes);
        }
        checks
    }

    /// The occurrences whose whole span up to the next occurrence lies within
    /// the checks, so some check falls between their start and the next.
    fn covered_occurrences(&self, last: DateTime<Utc>) -> Vec<(Occurrence, Occurrence)> {
        let zone = self.window.zone();
        let mut day = self.first.with_timezone(&zone).date_naive() - Days::new(1);
        let mut covered = Vec::new();
        while let (Some(this), Some(next)) = (
            self.window.occurrence_on(day),
            self.window.occurrence_on(day + Days::new(1)),
        ) {
            if this.start > last {
                break;
            }
            if this.start >= self.first && next.start <= last {
                covered.push((this, next));
            }
            day = day + Days::new(1);
        }
        covered
    }
}

fn scenario(event_weight: f64) -> impl Strategy<Value = Scenario> {
    let time = (0u32..24, 0u32..60)
        .prop_map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).expect("valid time"));
    let event = prop_oneof![Just(None), prop::bool::ANY.prop_map(Some),];
    let step = (
        1i64..=360,
        prop::bool::weighted(event_weight).prop_flat_map(move |happens| {
            if happens {
                event.clone().boxed()
            } else {
                Just(None).boxed()
            }
        }),
    );
    (
        0..ZONES.len(),
        time.clone(),
        time,
        0..ANCHORS.len(),
        0i64..4 * 24 * 60,
        prop::collection::vec(step, 1..40),
        prop::bool::ANY,
    )
        .prop_filter("start and end differ", |(_, start, end, ..)| start != end)
        .prop_map(
            |(zone, start, end, anchor, offset, steps, fresh)| Scenario {
                window: Window::new(start, end, ZONES[zone]).expect("valid window"),
                first: utc(ANCHORS[anchor]) + TimeDelta::minutes(offset),
                fresh,
                steps,
            },
        )
}

/// Runs the scenario, checking every decision; returns the enqueued
/// occurrence dates and the first enqueue.
fn simulate(
    scenario: &Scenario,
) -> Result<(BTreeSet<NaiveDate>, Option<DateTime<Utc>>), TestCaseError> {
    let mode = ScheduleMode::Daily(scenario.window);
    let mut state = ScheduleState {
        last_scheduled_enqueue: (!scenario.fresh).then(|| scenario.first - TimeDelta::days(2)),
        ..ScheduleState::default()
    };
    let mut first_enqueue = None;
    let mut dates = BTreeSet::new();
    let mut starts = BTreeSet::new();
    // The `until` of the last wait, while the state has not changed since.
    let mut promised: Option<DateTime<Utc>> = None;
    for (now, event) in scenario.checks() {
        match event {
            Some(true) => state.last_manual_sync = Some(now),
            Some(false) => state.last_settings_save = Some(now),
            None => {}
        }
        if event.is_some() {
            promised = None;
        }
        let decision = decide(&mode, &state, now);
        let next = next_run(&mode, &state, now);
        match decision {
            Decision::Enqueue { occurrence, kind } => {
                prop_assert!(occurrence.start <= now, "{occurrence:?} at {now}");
                prop_assert_eq!(kind == EnqueueKind::InWindow, occurrence.contains(now));
                prop_assert!(dates.insert(occurrence.date), "{occurrence:?} twice");
                prop_assert!(starts.insert(occurrence.start.with_timezone(&Utc)));
                if let Some(promised) = promised {
                    prop_assert!(now >= promised, "enqueued at {now} before {promised}");
                }
                first_enqueue = first_enqueue.or(Some(now));
                for reset in [state.last_manual_sync, state.last_settings_save]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(
                        occurrence.start >= reset + GRACE_PERIOD,
                        "{occurrence:?} within the grace period of {reset}"
                    );
                }
                prop_assert_eq!(next.map(|next| next.at), Some(now));
                state.last_scheduled_enqueue = Some(now);
                promised = None;
                let again = decide(&mode, &state, now);
                prop_assert!(
                    matches!(again, Decision::Wait { until: Some(_), .. }),
                    "enqueued again at once: {:?}",
                    again
                );
            }
            Decision::Wait { until, reason } => {
                let until = until.ok_or_else(|| TestCaseError::fail(format!("{reason:?}")))?;
                prop_assert!(until > now, "wait until {until} at {now}");
                let at_until = decide(&mode, &state, until);
                prop_assert!(
                    matches!(at_until, Decision::Enqueue { .. }),
                    "waited until {} at {}, then: {:?}",
                    until,
                    now,
                    at_until
                );
                if let Some(promised) = promised {
                    // A fresh state does not catch up a window the checks
                    // stepped over; otherwise a passed promise enqueues.
                    if !scenario.fresh || state != ScheduleState::default() {
                        prop_assert!(now < promised, "no enqueue at {now}, promised {promised}");
                    }
                    if now < promised {
                        prop_assert_eq!(until, promised);
                    }
                }
                promised = Some(until);
                prop_assert_eq!(next.map(|next| next.at), Some(until));
            }
        }
    }
    Ok((dates, first_enqueue))
}

/// The occurrences that must have run: all covered ones, but in a fresh
/// state only those from the first enqueue on.
fn must_run(
    scenario: &Scenario,
    first_enqueue: Option<DateTime<Utc>>,
) -> Vec<(Occurrence, Occurrence)> {
    let checks = scenario.checks();
    let last = checks.last().map_or(scenario.first, |&(now, _)| now);
    scenario
        .covered_occurrences(last)
        .into_iter()
        .filter(|(occurrence, _)| {
            !scenario.fresh || first_enqueue.is_some_and(|first| occurrence.start >= first)
        })
        .collect()
}

proptest! {
    #[test]
    fn at_most_once_per_occurrence_and_every_day_without_resets(
        scenario in scenario(0.0)
    ) {
        let (dates, first_enqueue) = simulate(&scenario)?;
        let covered = must_run(&scenario, first_enqueue);
        if !scenario.fresh {
            prop_assert!(covered.len() >= 5, "a week covers most days: {covered:?}");
        }
        for (occurrence, _) in covered {
            prop_assert!(dates.contains(&occurrence.date), "{occurrence:?} never ran");
        }
    }

    #[test]
    fn resets_keep_the_grace_rule_and_never_double_run(scenario in scenario(0.05)) {
        let (dates, first_enqueue) = simulate(&scenario)?;
        let checks = scenario.checks();
        // A day with no reset from 24 h before its start to the next start runs.
        for (occurrence, next) in must_run(&scenario, first_enqueue) {
            let quiet = checks.iter().all(|&(at, event)| {
                event.is_none()
                    || at + GRACE_PERIOD <= occurrence.start
                    || at >= next.start
            });
            if quiet {
                prop_assert!(dates.contains(&occurrence.date), "{occurrence:?} never ran");
            }
        }
    }
}
