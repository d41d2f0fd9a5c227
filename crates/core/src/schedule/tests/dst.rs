//! Daylight-saving days in America/Chicago: 2026-03-08 (02:00-03:00 does not
//! exist) and 2026-11-01 (01:00-02:00 happens twice).

use std::collections::BTreeMap;

use chrono::TimeDelta;

use super::*;

/// Ticks every `step` from `from` to `to` (UTC), recording enqueues; returns
/// the enqueue instants per occurrence date.
fn run(
    mode: &ScheduleMode,
    from: &str,
    to: &str,
    step: TimeDelta,
) -> BTreeMap<NaiveDate, Vec<DateTime<Utc>>> {
    let mut state = ScheduleState::default();
    let mut enqueues: BTreeMap<NaiveDate, Vec<DateTime<Utc>>> = BTreeMap::new();
    let (mut now, to) = (utc(from), utc(to));
    while now <= to {
        if let Decision::Enqueue { occurrence, .. } = tick(mode, &mut state, now) {
            enqueues.entry(occurrence.date).or_default().push(now);
        }
        now += step;
    }
    enqueues
}

#[test]
fn spring_forward_start_in_the_gap_opens_when_the_gap_ends() {
    let window = chicago_window("02:30", "04:00");
    let mode = ScheduleMode::Daily(window);
    let before = window
        .occurrence_on(date("2026-03-07"))
        .expect("occurrence");
    let gap_day = window
        .occurrence_on(date("2026-03-08"))
        .expect("occurrence");
    let after = window
        .occurrence_on(date("2026-03-09"))
        .expect("occurrence");
    assert_eq!(before.start, utc("2026-03-07T08:30:00Z")); // 02:30 CST
    assert_eq!(gap_day.start, utc("2026-03-08T08:00:00Z")); // 03:00 CDT
    assert_eq!(gap_day.start.format("%H:%M %Z").to_string(), "03:00 CDT");
    assert_eq!(gap_day.end, utc("2026-03-08T09:00:00Z")); // 04:00 CDT
    assert_eq!(after.start, utc("2026-03-09T07:30:00Z")); // 02:30 CDT

    let mut state = ScheduleState {
        last_scheduled_enqueue: Some(before.start.with_timezone(&Utc)),
        ..ScheduleState::default()
    };
    // 01:59 CST, the last minute before the gap.
    let (until, _) = waited(tick(&mode, &mut state, utc("2026-03-08T07:59:00Z")));
    assert_eq!(until, Some(utc("2026-03-08T08:00:00Z")));
    assert_eq!(
        enqueued(tick(&mode, &mut state, utc("2026-03-08T08:00:00Z"))),
        (date("2026-03-08"), EnqueueKind::InWindow)
    );
    let (until, _) = waited(tick(&mode, &mut state, utc("2026-03-08T08:30:00Z")));
    assert_eq!(until, Some(utc("2026-03-09T07:30:00Z")));
}

#[test]
fn a_window_entirely_inside_the_gap_opens_after_it_for_its_usual_length() {
    let window = chicago_window("02:00", "02:45");
    let gap_day = window
        .occurrence_on(date("2026-03-08"))
        .expect("occurrence");
    assert_eq!(gap_day.start, utc("2026-03-08T08:00:00Z")); // 03:00 CDT
    assert_eq!(gap_day.end, utc("2026-03-08T08:45:00Z")); // 03:45 CDT
    let enqueues = run(
        &ScheduleMode::Daily(window),
        "2026-03-07T00:00:00Z",
        "2026-03-10T00:00:00Z",
        TimeDelta::minutes(5),
    );
    assert_eq!(
        enqueues.get(&date("2026-03-08")),
        Some(&vec![utc("2026-03-08T08:00:00Z")])
    );
    assert_eq!(enqueues.len(), 3, "{enqueues:?}");
}

#[test]
fn fall_back_start_in_the_overlap_opens_at_the_earlier_instant_once() {
    let window = chicago_window("01:30", "03:00");
    let mode = ScheduleMode::Daily(window);
    let overlap_day = window
        .occurrence_on(date("2026-11-01"))
        .expect("occurrence");
    assert_eq!(overlap_day.start, utc("2026-11-01T06:30:00Z")); // 01:30 CDT
    assert_eq!(
        overlap_day.start.format("%H:%M %Z").to_string(),
        "01:30 CDT"
    );
    assert_eq!(overlap_day.end, utc("2026-11-01T09:00:00Z")); // 03:00 CST

    let mut state = ScheduleState {
        last_scheduled_enqueue: Some(utc("2026-10-31T06:30:00Z")),
        ..ScheduleState::default()
    };
    let (until, _) = waited(tick(&mode, &mut state, utc("2026-11-01T06:29:00Z")));
    assert_eq!(until, Some(utc("2026-11-01T06:30:00Z")));
    assert_eq!(
        enqueued(tick(&mode, &mut state, utc("2026-11-01T06:30:00Z"))),
        (date("2026-11-01"), EnqueueKind::InWindow)
    );
    // 01:30 CST, the second time the clock shows 01:30: same occurrence.
    let (until, reason) = waited(tick(&mode, &mut state, utc("2026-11-01T07:30:00Z")));
    assert_eq!(until, Some(utc("2026-11-02T07:30:00Z"))); // 01:30 CST
    assert!(
        matches!(reason, WaitReason::AlreadyRanInWindow { occurrence }
        if occurrence.date == date("2026-11-01"))
    );
}

#[test]
fn fall_back_end_in_the_overlap_closes_at_the_later_instant() {
    let window = chicago_window("00:30", "01:30");
    let overlap_day = window
        .occurrence_on(date("2026-11-01"))
        .expect("occurrence");
    assert_eq!(overlap_day.start, utc("2026-11-01T05:30:00Z")); // 00:30 CDT
    assert_eq!(overlap_day.end, utc("2026-11-01T07:30:00Z")); // 01:30 CST
    assert!(overlap_day.contains(utc("2026-11-01T07:15:00Z")));
}

#[test]
fn every_day_around_both_changes_runs_exactly_once() {
    for (start, end) in [("00:00", "03:00"), ("01:30", "02:30"), ("22:00", "02:00")] {
        let mode = daily(start, end);
        for (from, to, days) in [
            ("2026-03-06T12:00:00Z", "2026-03-10T12:00:00Z", 4),
            ("2026-10-30T12:00:00Z", "2026-11-03T12:00:00Z", 4),
        ] {
            let enqueues = run(&mode, from, to, TimeDelta::minutes(10));
            assert_eq!(
                enqueues.len(),
                days,
                "{start}-{end} from {from}: {enqueues:?}"
            );
            assert!(
                enqueues.values().all(|times| times.len() == 1),
                "{start}-{end} from {from}: {enqueues:?}"
            );
        }
    }
}
