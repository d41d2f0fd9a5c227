//! Tests of the schedule policy: grace rule, windows, missed windows, modes,
//! and display. Config parsing, daylight saving and properties are in
//! submodules.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use expect_test::expect;

use super::*;

mod config;
mod dst;
mod properties;

const CHICAGO: Tz = chrono_tz::America::Chicago;

/// A window in America/Chicago.
fn chicago_window(start: &str, end: &str) -> Window {
    Window::parse(start, end, "America/Chicago").expect("valid window")
}

fn daily(start: &str, end: &str) -> ScheduleMode {
    ScheduleMode::Daily(chicago_window(start, end))
}

/// An unambiguous local time in Chicago, e.g. `"2026-03-02 14:00"`.
fn local(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("local time");
    CHICAGO
        .from_local_datetime(&naive)
        .single()
        .expect("unambiguous local time")
        .with_timezone(&Utc)
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339 instant")
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// The occurrence date of an enqueue, or a panic showing the decision.
fn enqueued(decision: Decision) -> (NaiveDate, EnqueueKind) {
    match decision {
        Decision::Enqueue { occurrence, kind } => (occurrence.date, kind),
        other => panic!("expected an enqueue, got {other:?}"),
    }
}

/// The `until` and reason of a wait, or a panic showing the decision.
fn waited(decision: Decision) -> (Option<DateTime<Utc>>, WaitReason) {
    match decision {
        Decision::Wait { until, reason } => (until, reason),
        other => panic!("expected a wait, got {other:?}"),
    }
}

/// Calls `decide` and, on an enqueue, records it as the caller would.
fn tick(mode: &ScheduleMode, state: &mut ScheduleState, now: DateTime<Utc>) -> Decision {
    let decision = decide(mode, state, now);
    if matches!(decision, Decision::Enqueue { .. }) {
        state.last_scheduled_enqueue = Some(now);
    }
    decision
}

#[test]
fn product_example_manual_sync_monday_next_scheduled_wednesday() {
    let mode = daily("00:00", "03:00");
    let monday_14 = local("2026-03-02 14:00");
    assert_eq!(monday_14.with_timezone(&CHICAGO).weekday(), Weekday::Mon);
    let state = ScheduleState {
        last_manual_sync: Some(monday_14),
        // Monday's own window had run as usual.
        last_scheduled_enqueue: Some(local("2026-03-02 00:00")),
        ..ScheduleState::default()
    };
    let wednesday_0 = local("2026-03-04 00:00");

    // Tuesday 00:00 is refused, and so is the rest of Tuesday's window and
    // Tuesday after the 24 hours are up (that would be a catch-up of a window
    // that opened inside the grace period).
    for now in [
        "2026-03-02 14:00",
        "2026-03-03 00:00",
        "2026-03-03 02:59",
        "2026-03-03 14:00",
        "2026-03-03 23:59",
    ] {
        let (until, reason) = waited(decide(&mode, &state, local(now)));
        assert_eq!(until, Some(wednesday_0), "at {now}");
        let WaitReason::GracePeriod { cause, at, ends } = reason else {
            panic!("expected the grace period at {now}, got {reason:?}");
        };
        assert_eq!(cause, GraceCause::ManualSync);
        assert_eq!(at, monday_14);
        assert_eq!(ends, local("2026-03-03 14:00"));
    }
    assert_eq!(
        next_run(&mode, &state, local("2026-03-02 15:00")).map(|next| next.at),
        Some(wednesday_0)
    );
    assert_eq!(
        enqueued(decide(&mode, &state, wednesday_0)),
        (date("2026-03-04"), EnqueueKind::InWindow)
    );
}

#[test]
fn saving_settings_resets_the_schedule_like_a_manual_sync() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_settings_save: Some(local("2026-03-02 14:00")),
        ..ScheduleState::default()
    };
    let (until, reason) = waited(decide(&mode, &state, local("2026-03-03 00:00")));
    assert_eq!(until, Some(local("2026-03-04 00:00")));
    assert!(matches!(
        reason,
        WaitReason::GracePeriod {
            cause: GraceCause::SettingsSaved,
            ..
        }
    ));
    assert!(matches!(
        decide(&mode, &state, local("2026-03-04 00:00")),
        Decision::Enqueue { .. }
    ));
}

#[test]
fn a_save_during_the_window_skips_the_next_day_too() {
    // Saved Monday 01:00, after Monday's run: Tuesday 00:00 is 23 h later.
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_settings_save: Some(local("2026-03-02 01:00")),
        last_scheduled_enqueue: Some(local("2026-03-02 00:00")),
        ..ScheduleState::default()
    };
    let (until, _) = waited(decide(&mode, &state, local("2026-03-03 00:00")));
    assert_eq!(until, Some(local("2026-03-04 00:00")));
}

#[test]
fn grace_ending_exactly_at_a_window_start_allows_that_window() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_manual_sync: Some(local("2026-03-02 00:00")),
        ..ScheduleState::default()
    };
    let (until, _) = waited(decide(&mode, &state, local("2026-03-02 23:59")));
    assert_eq!(until, Some(local("2026-03-03 00:00")));
    assert_eq!(
        enqueued(decide(&mode, &state, local("2026-03-03 00:00"))),
        (date("2026-03-03"), EnqueueKind::InWindow)
    );
}

#[test]
fn the_later_of_manual_sync_and_settings_save_counts() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_manual_sync: Some(local("2026-03-01 10:00")),
        last_settings_save: Some(local("2026-03-02 14:00")),
        ..ScheduleState::default()
    };
    let (until, reason) = waited(decide(&mode, &state, local("2026-03-03 00:30")));
    assert_eq!(until, Some(local("2026-03-04 00:00")));
    assert!(matches!(
        reason,
        WaitReason::GracePeriod {
            cause: GraceCause::SettingsSaved,
            ..
        }
    ));
}

#[test]
fn a_window_is_enqueued_once_then_waits_for_the_next_day() {
    let mode = daily("00:00", "03:00");
    let mut state = ScheduleState::default();
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-02 00:00"))),
        (date("2026-03-02"), EnqueueKind::InWindow)
    );
    let (until, reason) = waited(tick(&mode, &mut state, local("2026-03-02 00:05")));
    assert_eq!(until, Some(local("2026-03-03 00:00")));
    assert!(
        matches!(reason, WaitReason::AlreadyRanInWindow { occurrence }
        if occurrence.date == date("2026-03-02"))
    );
    let (until, reason) = waited(tick(&mode, &mut state, local("2026-03-02 03:00")));
    assert_eq!(until, Some(local("2026-03-03 00:00")));
    assert_eq!(
        reason,
        WaitReason::NextWindow {
            starts: local("2026-03-03 00:00").with_timezone(&CHICAGO)
        }
    );
}

#[test]
fn midnight_spanning_window_runs_once_per_occurrence() {
    let mode = daily("22:00", "02:00");
    let mut state = ScheduleState::default();
    let (until, _) = waited(tick(&mode, &mut state, local("2026-03-02 21:00")));
    assert_eq!(until, Some(local("2026-03-02 22:00")));
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-02 23:00"))),
        (date("2026-03-02"), EnqueueKind::InWindow)
    );
    // 01:00 on Tuesday is still Monday's occurrence, which already ran.
    let (until, reason) = waited(tick(&mode, &mut state, local("2026-03-03 01:00")));
    assert_eq!(until, Some(local("2026-03-03 22:00")));
    assert!(
        matches!(reason, WaitReason::AlreadyRanInWindow { occurrence }
        if occurrence.date == date("2026-03-02"))
    );
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-03 22:00"))),
        (date("2026-03-03"), EnqueueKind::InWindow)
    );
}

#[test]
fn after_midnight_in_a_spanning_window_belongs_to_the_previous_day() {
    let mode = daily("22:00", "02:00");
    let mut state = ScheduleState {
        last_scheduled_enqueue: Some(local("2026-03-01 22:00")),
        ..ScheduleState::default()
    };
    // Monday's 22:00 was slept through; Tuesday 01:00 is inside Monday's window.
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-03 01:00"))),
        (date("2026-03-02"), EnqueueKind::InWindow)
    );
    let (until, _) = waited(tick(&mode, &mut state, local("2026-03-03 01:30")));
    assert_eq!(until, Some(local("2026-03-03 22:00")));
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-03 23:59"))),
        (date("2026-03-03"), EnqueueKind::InWindow)
    );
}

#[test]
fn a_missed_window_runs_once_never_twice() {
    let mode = daily("00:00", "03:00");
    let mut state = ScheduleState {
        last_scheduled_enqueue: Some(local("2026-03-01 00:00")),
        ..ScheduleState::default()
    };
    // Asleep through Monday's window; wakes at 08:00.
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-02 08:00"))),
        (date("2026-03-02"), EnqueueKind::CatchUp)
    );
    for now in ["2026-03-02 08:01", "2026-03-02 12:00", "2026-03-02 23:59"] {
        let (until, reason) = waited(tick(&mode, &mut state, local(now)));
        assert_eq!(until, Some(local("2026-03-03 00:00")), "at {now}");
        assert!(matches!(reason, WaitReason::NextWindow { .. }), "at {now}");
    }
    // The regular window the next day runs, once.
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-03 00:00"))),
        (date("2026-03-03"), EnqueueKind::InWindow)
    );
    assert!(matches!(
        tick(&mode, &mut state, local("2026-03-03 01:00")),
        Decision::Wait { .. }
    ));
}

#[test]
fn several_missed_windows_catch_up_once() {
    let mode = daily("00:00", "03:00");
    let mut state = ScheduleState {
        last_scheduled_enqueue: Some(local("2026-03-02 00:00")),
        ..ScheduleState::default()
    };
    // Asleep Tuesday to Thursday morning.
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-05 10:00"))),
        (date("2026-03-05"), EnqueueKind::CatchUp)
    );
    let (until, _) = waited(tick(&mode, &mut state, local("2026-03-05 10:05")));
    assert_eq!(until, Some(local("2026-03-06 00:00")));
}

#[test]
fn a_fresh_state_waits_for_a_window_instead_of_catching_up() {
    let mode = daily("00:00", "03:00");
    let mut state = ScheduleState::default();
    let (until, reason) = waited(tick(&mode, &mut state, local("2026-03-02 10:00")));
    assert_eq!(until, Some(local("2026-03-03 00:00")));
    assert!(matches!(reason, WaitReason::NextWindow { .. }));
    assert_eq!(
        enqueued(tick(&mode, &mut state, local("2026-03-03 00:20"))),
        (date("2026-03-03"), EnqueueKind::InWindow)
    );
}

#[test]
fn an_enqueue_recorded_in_the_future_is_not_repeated() {
    // Recorded by a machine whose clock ran a day ahead: Tuesday's window
    // counts as run, so the next one is Wednesday's.
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_scheduled_enqueue: Some(local("2026-03-03 00:10")),
        ..ScheduleState::default()
    };
    let (until, _) = waited(decide(&mode, &state, local("2026-03-02 12:00")));
    assert_eq!(until, Some(local("2026-03-04 00:00")));
}

#[test]
fn manual_mode_never_enqueues() {
    let mode = ScheduleMode::Manual;
    let states = [
        ScheduleState::default(),
        ScheduleState {
            last_scheduled_enqueue: Some(local("2026-01-01 00:00")),
            ..ScheduleState::default()
        },
    ];
    for state in &states {
        for now in ["2026-03-02 00:00", "2026-03-02 01:00", "2026-06-30 12:00"] {
            assert_eq!(
                decide(&mode, state, local(now)),
                Decision::Wait {
                    until: None,
                    reason: WaitReason::ManualMode
                }
            );
            assert_eq!(next_run(&mode, state, local(now)), None);
        }
    }
}

#[test]
fn next_run_is_now_when_due_and_until_when_waiting() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState::default();
    let now = local("2026-03-02 01:00");
    assert_eq!(
        next_run(&mode, &state, now),
        Some(NextRun {
            at: now,
            reason: NextRunReason::Due(EnqueueKind::InWindow)
        })
    );
    let state = ScheduleState {
        last_scheduled_enqueue: Some(now),
        ..state
    };
    let next = next_run(&mode, &state, now).expect("a next run");
    assert_eq!(next.at, local("2026-03-03 00:00"));
    assert!(matches!(
        next.reason,
        NextRunReason::Waiting(WaitReason::AlreadyRanInWindow { .. })
    ));
}

#[test]
fn reasons_read_in_local_time() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_manual_sync: Some(local("2026-03-02 14:00")),
        ..ScheduleState::default()
    };
    let decision = decide(&mode, &state, local("2026-03-03 00:00"));
    expect![[r#"wait until 2026-03-04 06:00 UTC: grace period: a manual sync was started at Mon 2026-03-02 14:00 CST, so no scheduled sync starts before Tue 2026-03-03 14:00 CST and the next one waits for the following window start"#]]
        .assert_eq(&decision.to_string());
    let state = ScheduleState {
        last_scheduled_enqueue: Some(local("2026-03-02 00:10")),
        ..ScheduleState::default()
    };
    let decision = decide(&mode, &state, local("2026-03-02 01:00"));
    expect![[r#"wait until 2026-03-03 06:00 UTC: the scheduled sync already ran in the window of Mon 2026-03-02 (00:00 CST to 03:00 CST)"#]]
        .assert_eq(&decision.to_string());
    let decision = decide(&mode, &state, local("2026-03-03 08:00"));
    expect![[r#"enqueue a scheduled sync now: catching up on a sync window that was missed (the window of Tue 2026-03-03 (00:00 CST to 03:00 CST))"#]]
        .assert_eq(&decision.to_string());
    let next = next_run(&mode, &state, local("2026-03-02 04:00")).expect("next run");
    expect![[r#"the next sync window starts at Tue 2026-03-03 00:00 CST"#]]
        .assert_eq(&next.reason.to_string());
    expect![[
        r#"no scheduled sync: scheduling is off (manual mode): syncs run only when started by hand"#
    ]]
    .assert_eq(&decide(&ScheduleMode::Manual, &state, local("2026-03-02 04:00")).to_string());
}

#[test]
fn out_of_range_state_waits_without_panicking() {
    let mode = daily("00:00", "03:00");
    let state = ScheduleState {
        last_manual_sync: Some(DateTime::<Utc>::MAX_UTC),
        ..ScheduleState::default()
    };
    assert_eq!(
        decide(&mode, &state, utc("2026-03-02T00:00:00Z")),
        Decision::Wait {
            until: None,
            reason: WaitReason::OutOfRange
        }
    );
    let state = ScheduleState {
        last_scheduled_enqueue: Some(DateTime::<Utc>::MAX_UTC),
        ..ScheduleState::default()
    };
    assert!(matches!(
        decide(&mode, &state, utc("2026-03-02T00:00:00Z")),
        Decision::Wait { .. }
    ));
}
