//! Window parsing, validation and the serde form of the timing settings.

use expect_test::expect;

use super::*;

#[test]
fn window_parse_errors_name_the_bad_value() {
    let error = Window::parse("25:00", "03:00", "America/Chicago").expect_err("25:00");
    expect![[r#"invalid sync window start time "25:00": expected HH:MM between 00:00 and 23:59"#]]
        .assert_eq(&error.to_string());
    let error = Window::parse("00:00", "3", "America/Chicago").expect_err("3");
    expect![[r#"invalid sync window end time "3": expected HH:MM between 00:00 and 23:59"#]]
        .assert_eq(&error.to_string());
    let error = Window::parse("00:00", "03:00", "Mars/Olympus").expect_err("Mars");
    expect![[r#"invalid sync window time zone "Mars/Olympus": not a known IANA time zone name (e.g. "America/Chicago")"#]]
        .assert_eq(&error.to_string());
    let error = Window::parse("03:00", "03:00", "UTC").expect_err("empty");
    expect![[r#"invalid sync window: start and end are both 03:00; a window needs two different times (it may span midnight, e.g. 22:00-02:00)"#]]
        .assert_eq(&error.to_string());
    for bad in ["24:00", "12:60", "-1:00", "1200", "12:5", " :00"] {
        assert!(
            matches!(
                Window::parse(bad, "03:00", "UTC"),
                Err(WindowError::InvalidTime { bound: Bound::Start, ref value }) if value == bad
            ),
            "{bad:?} should be rejected"
        );
    }
}

#[test]
fn window_new_rejects_empty_and_fractional_windows() {
    let time = |h, m, s| chrono::NaiveTime::from_hms_opt(h, m, s).expect("time");
    assert!(matches!(
        Window::new(time(3, 0, 0), time(3, 0, 0), CHICAGO),
        Err(WindowError::EmptyWindow { .. })
    ));
    assert!(matches!(
        Window::new(time(3, 0, 0), time(4, 0, 30), CHICAGO),
        Err(WindowError::NotWholeMinute {
            bound: Bound::End,
            ..
        })
    ));
    let window = Window::new(time(22, 0, 0), time(2, 0, 0), CHICAGO).expect("valid");
    assert!(window.spans_midnight());
    assert_eq!(window.to_string(), "22:00-02:00 America/Chicago");
}

#[test]
fn mode_serde_uses_hh_mm_and_iana_names() {
    let mode = daily("00:00", "03:00");
    let json = serde_json::to_string(&mode).expect("serialize");
    expect![[r#"{"mode":"daily","start":"00:00","end":"03:00","zone":"America/Chicago"}"#]]
        .assert_eq(&json);
    assert_eq!(
        serde_json::from_str::<ScheduleMode>(&json).expect("deserialize"),
        mode
    );
    assert_eq!(
        serde_json::to_string(&ScheduleMode::Manual).expect("serialize"),
        r#"{"mode":"manual"}"#
    );
    let bad = r#"{"mode":"daily","start":"25:00","end":"03:00","zone":"UTC"}"#;
    let error = serde_json::from_str::<ScheduleMode>(bad).expect_err("25:00");
    assert!(error.to_string().contains("\"25:00\""), "{error}");
    let bad = r#"{"mode":"daily","start":"00:00","end":"03:00","zone":"Mars/Olympus"}"#;
    let error = serde_json::from_str::<ScheduleMode>(bad).expect_err("Mars");
    assert!(error.to_string().contains("Mars/Olympus"), "{error}");
}
