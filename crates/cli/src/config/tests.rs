//! Unit tests of configuration parsing, validation and the managed rewrite.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn the_template_parses_with_the_defaults() {
    let config = parse(Path::new("r.toml"), &template(), &no_env).unwrap();
    assert_eq!(config.schoology.base_url, "https://api.schoology.com/v1");
    assert_eq!(config.schoology.signature, Signature::HmacSha1);
    assert_eq!(config.schedule, ScheduleMode::Manual);
    assert!(config.esp.password.is_none());
}

#[test]
fn secrets_come_from_the_environment_and_never_show() {
    let env = |name: &str| Some(format!("value-of-{name}"));
    let config = parse(Path::new("r.toml"), &template(), &env).unwrap();
    assert_eq!(
        config.esp_password().unwrap().expose(),
        "value-of-ROSTERSYNC_ESP_PASSWORD"
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("value-of"), "{shown}");
}

#[test]
fn plain_http_is_refused_off_loopback() {
    assert!(check_address("http://127.0.0.1:8080/v1", false).is_ok());
    assert!(check_address("https://api.example.org/v1", false).is_ok());
    assert!(check_address("http://api.example.org:80/v1", false).is_err());
    assert!(check_address("http://127.0.0.1/v1", false).is_err());
    assert!(check_address("eschool.example.org", true).is_ok());
}

#[test]
fn a_daily_window_reads_with_the_district_zone() {
    let section = ScheduleSection {
        mode: "daily".into(),
        window: Some("22:00-02:00".into()),
        time_zone: None,
    };
    let mode = schedule_mode(&section, "America/Chicago").unwrap();
    assert!(matches!(mode, ScheduleMode::Daily(w) if w.spans_midnight()));
    let bad = ScheduleSection {
        window: Some("25:00-03:00".into()),
        ..section
    };
    let message = schedule_mode(&bad, "America/Chicago").unwrap_err();
    assert!(message.contains("schedule.window"), "{message}");
}

#[test]
fn the_managed_part_is_rewritten_and_the_head_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(&path, template()).unwrap();
    let mut spec = MappingSpec::default();
    spec.schools.insert("101".into(), "9001".into());
    let schedule = ScheduleSection {
        mode: "daily".into(),
        window: Some("00:00-03:00".into()),
        time_zone: None,
    };
    save_managed(&path, &schedule, &spec).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# rostersync configuration."), "{text}");
    let config = parse(&path, &text, &no_env).unwrap();
    assert_eq!(config.mapping.spec().schools.len(), 1);
    assert!(matches!(config.schedule, ScheduleMode::Daily(_)));
}
