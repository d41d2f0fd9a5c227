//! Bad configurations exit 2 naming the key; `init` writes a template that parses.

use std::path::Path;

use crate::{code, rostersync, stderr, stdout};

/// Writes the template into `dir` with `init`, then edits it with `edit`.
pub(crate) fn config_with(dir: &Path, edit: impl FnOnce(String) -> String) {
    let init = rostersync(dir, &["init"], &[]);
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    let path = dir.join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
}

/// Runs a command that reads the configuration and checks it exits 2 with
/// every one of `needles` in its error output.
fn refused(edit: impl FnOnce(String) -> String, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), edit);
    let output = rostersync(dir.path(), &["logs", "list"], &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    assert!(stdout(&output).is_empty());
}

#[test]
fn init_writes_a_template_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    let text = std::fs::read_to_string(dir.path().join("rostersync.toml")).unwrap();
    assert!(text.contains("ROSTERSYNC_ESP_PASSWORD"), "{text}");
    let list = rostersync(dir.path(), &["logs", "list"], &[]);
    assert_eq!(code(&list), 0, "{}", stderr(&list));
    assert!(stdout(&list).contains("(none)"), "{}", stdout(&list));
    let again = rostersync(dir.path(), &["init"], &[]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

#[test]
fn a_missing_field_is_named() {
    refused(
        |text| text.replace("site_code = \"0850\"", ""),
        &["eschoolplus.site_code", "is missing"],
    );
}

#[test]
fn an_unknown_time_zone_is_named() {
    refused(
        |text| {
            text.replace(
                "time_zone = \"America/Chicago\"",
                "time_zone = \"Mars/Olympus\"",
            )
        },
        &["district.time_zone", "Mars/Olympus", "America/Chicago"],
    );
}

#[test]
fn an_impossible_window_is_named() {
    refused(
        |text| {
            text.replace(
                "mode = \"manual\"",
                "mode = \"daily\"\nwindow = \"25:00-03:00\"",
            )
        },
        &["schedule.window", "25:00", "HH:MM"],
    );
}

#[test]
fn a_role_map_of_an_unmapped_school_is_named() {
    refused(
        |text| {
            format!(
                "{text}\n[mapping.roles.\"101\"]\nstudent = \"1214\"\nteacher = \"1215\"\nguardian = \"1216\"\n"
            )
        },
        &["mapping.roles.\"101\"", "not mapped", "[schools]"],
    );
}

#[test]
fn an_unknown_key_is_named() {
    refused(
        |text| text.replace("[store]", "[store]\npth = \"x.db\""),
        &["store.pth", "unknown field `pth`"],
    );
}

#[test]
fn an_unreadable_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = rostersync(
        dir.path(),
        &["--config", "missing.toml", "logs", "list"],
        &[],
    );
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(
        err.contains("missing.toml") && err.contains("rostersync init"),
        "{err}"
    );
}

#[test]
fn help_lists_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let output = rostersync(dir.path(), &["--help"], &[]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    assert!(
        text.contains("Exit codes:") && text.contains("3  a safety threshold"),
        "{text}"
    );
}

#[test]
fn the_schedule_is_shown_and_set_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    let show = rostersync(dir.path(), &["schedule", "show"], &[]);
    assert_eq!(code(&show), 0, "{}", stderr(&show));
    assert!(stdout(&show).contains("manual"), "{}", stdout(&show));
    let bad = rostersync(
        dir.path(),
        &["schedule", "set", "daily", "--window", "25:00-03:00"],
        &[],
    );
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("--window"), "{}", stderr(&bad));
    let set = rostersync(
        dir.path(),
        &["schedule", "set", "daily", "--window", "22:00-02:00"],
        &[],
    );
    let text = stdout(&set);
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    assert!(text.contains("22:00 and 02:00 America/Chicago"), "{text}");
    assert!(text.contains("24 hours"), "{text}");
    let file = std::fs::read_to_string(dir.path().join("rostersync.toml")).unwrap();
    assert!(file.contains("window = \"22:00-02:00\""), "{file}");
    assert!(file.starts_with("# rostersync configuration."), "{file}");
}

/// `rostersync run --interval SECONDS` in `dir`, its standard error piped.
#[cfg(unix)]
fn start_service(dir: &Path, interval: &str) -> std::process::Child {
    use std::process::{Command, Stdio};
    Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir)
        .args(["run", "--interval", interval])
        .env("ROSTERSYNC_ESP_PASSWORD", "x")
        .env("ROSTERSYNC_SCHOOLOGY_SECRET", "y")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends SIGTERM to `child`.
#[cfg(unix)]
fn terminate(child: &std::process::Child) {
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

#[cfg(unix)]
#[test]
fn the_service_stops_cleanly_on_sigterm() {
    use std::io::{BufRead as _, BufReader};

    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    let mut child = start_service(dir.path(), "3600");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("service started"), "{first}");
    terminate(&child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[cfg(unix)]
#[test]
fn the_service_takes_up_a_changed_configuration_and_keeps_the_last_good_one() {
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    let path = dir.path().join("rostersync.toml");
    let mut child = start_service(dir.path(), "1");
    let lines = crate::lines_of(child.stderr.take().unwrap());
    // The first line that contains `text`, within a minute.
    let expect = |text: &str| -> String {
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no line containing {text:?}"));
            if line.contains(text) {
                return line;
            }
        }
    };
    expect("service started");

    let set = rostersync(
        dir.path(),
        &["schedule", "set", "daily", "--window", "22:00-02:00"],
        &[],
    );
    assert_eq!(code(&set), 0, "{}", stderr(&set));
    expect("configuration reloaded");

    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, good.replace("America/Chicago", "Mars/Olympus")).unwrap();
    let refused = expect("keeping the previous configuration");
    assert!(refused.contains("Mars/Olympus"), "{refused}");

    terminate(&child);
    expect("stopped");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn commands_that_need_no_end_refuse_an_unmapped_school_and_unmap_a_mapped_one() {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| {
        text.replace("[mapping.schools]\n", "[mapping.schools]\n101 = \"9001\"\n")
            .replace(
                "[mapping.terms]\n",
                "[mapping.terms]\n101-2026-S1 = \"7102\"\n",
            )
            .replace(
                "[mapping.roles]\n",
                "[mapping.roles.101]\nteacher = \"1215\"\n",
            )
    });
    let path = dir.path().join("rostersync.toml");
    let run = |args: &[&str]| rostersync(dir.path(), args, &[]);
    let selected = run(&["roles", "select", "101", "all"]);
    assert_eq!(code(&selected), 0, "{}", stderr(&selected));
    let file = std::fs::read_to_string(&path).unwrap();

    let refused = run(&["roles", "select", "102", "users"]);
    assert_eq!(code(&refused), 2);
    let words = stderr(&refused);
    assert!(
        words.contains("no mapped SIS school \"102\"") && words.contains("101 (building 9001)"),
        "{words}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        file,
        "a refused change leaves the file"
    );

    let unmap = run(&["schools", "unmap", "101"]);
    assert_eq!(code(&unmap), 0, "{}", stderr(&unmap));
    let file = std::fs::read_to_string(&path).unwrap();
    assert!(!file.contains("9001") && !file.contains("1215"), "{file}");
    assert!(file.contains("7102"), "term mappings stay: {file}");
    assert!(file.starts_with("# rostersync configuration."), "{file}");
}
