//! Worker processes on the queue shared by many districts: twelve
//! districts' configurations on one private PostgreSQL server, each over
//! simulators of its own with a scheduled sync due now; three `run
//! --districts DIR --once` workers sync every district exactly once, and `status --districts DIR`
//! shows nothing left queued or running. A worker killed mid-run leaves its
//! job to another once its lease ends, and the district ends as one clean
//! sync leaves it. A running worker serves districts added, changed and
//! removed in its folder.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use rostersync_store_postgres::PASSWORD_ENV;
use rostersync_store_postgres::test_server::{PASSWORD, Server};
use tokio::runtime::Runtime;

use crate::flow::{Sims, configure, map_everything, start};
use crate::kills::Roster;
use crate::postgres::{admin, use_postgres};
use crate::{ESP_PASSWORD, code, rostersync, stderr, stdout};

/// The configuration in `dir` with its Schoology secret in the file (one
/// worker serves districts of different secrets) and a daily window open
/// now, in UTC.
fn schedule_now(dir: &Path, sims: &Sims) -> String {
    let text = std::fs::read_to_string(dir.join("rostersync.toml")).unwrap();
    let key = format!("consumer_key = \"{}\"\n", sims.lms.admin_credentials().key);
    assert!(text.contains(&key), "{text}");
    let manual = "mode = \"manual\"\n";
    assert!(text.contains(manual), "{text}");
    let now: DateTime<Utc> = std::time::SystemTime::now().into();
    let window = format!(
        "{}-{}",
        (now - Duration::hours(1)).format("%H:%M"),
        (now + Duration::hours(2)).format("%H:%M")
    );
    text.replace(
        &key,
        &format!(
            "{key}consumer_secret = \"{}\"\n",
            sims.lms.admin_credentials().secret
        ),
    )
    .replace(
        manual,
        &format!("mode = \"daily\"\nwindow = \"{window}\"\ntime_zone = \"UTC\"\n"),
    )
}

fn worker(dir: &Path, name: &str, more: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir)
        .args(["run", "--districts", ".", "--once", "--worker", name])
        .args(more)
        .env_remove("ROSTERSYNC_SCHOOLOGY_SECRET")
        .env_remove("ROSTERSYNC_ONEROSTER_SECRET")
        .env_remove("ROSTERSYNC_CONFIG")
        .env_remove("ROSTERSYNC_LOG")
        .env("ROSTERSYNC_ESP_PASSWORD", ESP_PASSWORD)
        .env(PASSWORD_ENV, PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn three_workers_sync_twelve_scheduled_districts_once_each() {
    let runtime = Runtime::new().unwrap();
    let server = runtime.block_on(Server::start());
    let districts = tempfile::tempdir().unwrap();
    let names: Vec<String> = (1..=12).map(|n| format!("district-{n:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut all = Vec::new();
    for &name in &names {
        let sims = start(&runtime);
        let dir = tempfile::tempdir().unwrap();
        configure(dir.path(), &sims);
        if name == "district-01" {
            // A district on SQLite is named and skipped.
            let sqlite = std::fs::read_to_string(dir.path().join("rostersync.toml")).unwrap();
            std::fs::write(districts.path().join("sqlite.toml"), sqlite).unwrap();
        }
        use_postgres(dir.path(), &server, name);
        let mut admin = admin(dir.path(), &sims);
        admin.ok(&["acting-user", "take"]);
        map_everything(&mut admin, &sims);
        assert_eq!(
            sims.lms.counters().records_written,
            1,
            "the grading period alone"
        );
        let text = schedule_now(dir.path(), &sims);
        std::fs::write(districts.path().join(format!("{name}.toml")), text).unwrap();
        all.push((name, sims, dir));
    }
    // One bad file is named and skipped.
    std::fs::write(districts.path().join("broken.toml"), "[store\n").unwrap();

    let workers: Vec<_> = ["worker-1", "worker-2", "worker-3"]
        .into_iter()
        .map(|name| worker(districts.path(), name, &[]))
        .collect();
    let mut logs = String::new();
    for child in workers {
        let output = child.wait_with_output().unwrap();
        let log = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(code(&output), 0, "{log}");
        assert!(log.contains("broken.toml: skipped"), "{log}");
        assert!(
            log.contains("sqlite.toml: skipped: its [store] is a SQLite file"),
            "{log}"
        );
        logs.push_str(&log);
    }

    let mut written = BTreeSet::new();
    for (name, sims, dir) in &all {
        let mut admin = admin(dir.path(), sims);
        let listed: serde_json::Value =
            serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
        let runs = listed.as_array().unwrap();
        assert_eq!(runs.len(), 1, "{name}: {listed}\n{logs}");
        assert_eq!(runs[0]["run"]["trigger"], "scheduled", "{name}: {listed}");
        assert_eq!(runs[0]["run"]["status"], "succeeded", "{name}: {listed}");
        // Each district's LMS holds what one sync makes: the same generated
        // district, so the same records written, and no user twice.
        let counters = sims.lms.counters();
        assert!(counters.records_written > 100, "{name}: {counters:?}");
        written.insert(counters.records_written);
        let state = sims.lms.state();
        let uids: Vec<_> = state
            .users
            .iter()
            .filter_map(|u| u.school_uid.clone())
            .collect();
        let unique: BTreeSet<_> = uids.iter().collect();
        assert_eq!(unique.len(), uids.len(), "{name}: a user written twice");
        // A second sync plans no writes.
        let again = admin.run(&["sync", "all", "--json"]);
        crate::flow::assert_no_writes_planned(&again);
    }
    assert_eq!(
        written.len(),
        1,
        "the districts' writes differ: {written:?}"
    );

    let status = rostersync(
        districts.path(),
        &["status", "--districts", ".", "--json"],
        &[(PASSWORD_ENV, PASSWORD)],
    );
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    for &name in &names {
        let jobs = &status["districts"][name];
        assert_eq!(jobs["queued"], 0, "{status}");
        assert_eq!(jobs["running"], serde_json::json!([]), "{status}");
        assert_eq!(jobs["stalled"], 0, "{status}");
        assert_eq!(jobs["failed"], 0, "{status}");
        assert_eq!(jobs["done"], 1, "{status}");
    }
    let seen: BTreeSet<&str> = status["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["worker"].as_str().unwrap())
        .collect();
    assert_eq!(
        seen,
        BTreeSet::from(["worker-1", "worker-2", "worker-3"]),
        "{status}"
    );
    let table = rostersync(
        districts.path(),
        &["status", "--districts", "."],
        &[(PASSWORD_ENV, PASSWORD)],
    );
    let table = stdout(&table);
    assert!(table.contains("workers alive: 3 of 3"), "{table}");
    for &name in &names {
        assert!(
            table.lines().any(|line| line.starts_with(name)),
            "{name}: {table}"
        );
    }
}

/// `status --districts DIR --json`.
fn status(dir: &Path) -> serde_json::Value {
    let status = rostersync(
        dir,
        &["status", "--districts", ".", "--json"],
        &[(PASSWORD_ENV, PASSWORD)],
    );
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    serde_json::from_str(&stdout(&status)).unwrap()
}

#[test]
fn a_worker_killed_mid_run_leaves_its_job_to_another_that_finishes_it_once() {
    let runtime = Runtime::new().unwrap();
    let clean_dir = tempfile::tempdir().unwrap();
    let clean_sims = crate::flow::ready(&runtime, clean_dir.path());
    crate::flow::Admin::of(clean_dir.path(), &clean_sims).ok(&["sync", "all"]);
    let clean = Roster::of(&clean_sims.lms.state());

    let server = runtime.block_on(Server::start());
    let districts = tempfile::tempdir().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    use_postgres(dir.path(), &server, "district-k");
    let mut admin = admin(dir.path(), &sims);
    admin.ok(&["acting-user", "take"]);
    map_everything(&mut admin, &sims);
    let text = schedule_now(dir.path(), &sims);
    std::fs::write(districts.path().join("district-k.toml"), text).unwrap();

    // worker-1 is killed once its second user write was applied.
    let held = sims.lms.hold_answer("POST", "users", 1);
    let mut first = worker(districts.path(), "worker-1", &["--lease", "3"]);
    runtime
        .block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(120), held.notified()).await
        })
        .expect("worker-1 never wrote its second users batch");
    first.kill().unwrap();
    first.wait().unwrap();
    assert_ne!(
        Roster::of(&sims.lms.state()),
        clean,
        "killed after the work"
    );

    // Its lease ends within 10 seconds (at least two of the district's
    // 5-second rate-limit windows, whatever `--lease` asks); the job is then
    // stalled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let now = status(districts.path());
        if now["districts"]["district-k"]["stalled"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never stalled: {now}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let second = worker(districts.path(), "worker-2", &["--lease", "3"])
        .wait_with_output()
        .unwrap();
    let log = format!("{}{}", stdout(&second), stderr(&second));
    assert_eq!(code(&second), 0, "{log}");
    assert!(log.contains("attempt 2) taken by worker-2"), "{log}");

    assert_eq!(Roster::of(&sims.lms.state()), clean);
    assert_eq!(sims.lms.counters().deletes, 0, "nothing was deleted");
    let listed: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
    let statuses: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["run"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "interrupted"], "{listed}");
    let after = status(districts.path());
    let jobs = &after["districts"]["district-k"];
    assert_eq!(jobs["done"], 1, "{after}");
    assert_eq!(jobs["stalled"], 0, "{after}");
    assert_eq!(jobs["queued"], 0, "{after}");
}

/// The next line of `lines` that holds `text`, the lines before it added to
/// `seen`; fails after a minute without one.
fn line_with(lines: &std::sync::mpsc::Receiver<String>, text: &str, seen: &mut String) -> String {
    loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no line with {text:?}; the worker said:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(text) {
            return line;
        }
    }
}

/// Writes `text` to `path` whole, as an administrator's tool should (a
/// worker never reads half a file): into a file beside it, then renamed.
fn replace(path: &Path, text: &str) {
    let beside = path.with_extension("partial");
    std::fs::write(&beside, text).unwrap();
    std::fs::rename(&beside, path).unwrap();
}

#[test]
fn a_running_worker_serves_districts_as_its_folder_changes() {
    let runtime = Runtime::new().unwrap();
    let server = runtime.block_on(Server::start());
    let districts = tempfile::tempdir().unwrap();
    let mut kept = Vec::new();
    let mut district = |name: &str| {
        let sims = start(&runtime);
        let dir = tempfile::tempdir().unwrap();
        configure(dir.path(), &sims);
        use_postgres(dir.path(), &server, name);
        let mut admin = admin(dir.path(), &sims);
        admin.ok(&["acting-user", "take"]);
        map_everything(&mut admin, &sims);
        let text = schedule_now(dir.path(), &sims);
        kept.push((sims, dir));
        text
    };
    let (a, b) = (district("district-a"), district("district-b"));
    let (file_a, file_b) = (
        districts.path().join("a.toml"),
        districts.path().join("b.toml"),
    );
    replace(&file_a, &a);

    let mut serving = Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(districts.path())
        .args([
            "run",
            "--districts",
            ".",
            "--interval",
            "1",
            "--worker",
            "w",
        ])
        .env_remove("ROSTERSYNC_CONFIG")
        .env("ROSTERSYNC_ESP_PASSWORD", ESP_PASSWORD)
        .env(PASSWORD_ENV, PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = crate::lines_of(serving.stderr.take().unwrap());
    let mut seen = String::new();
    line_with(&lines, "for 1 districts", &mut seen);
    line_with(&lines, "(district district-a): succeeded", &mut seen);
    // A district added while the worker runs is served at its next check.
    replace(&file_b, &b);
    line_with(&lines, "(district district-b): succeeded", &mut seen);
    // A file broken while served is said once, and its district kept.
    replace(&file_a, "[store\n");
    let said = line_with(&lines, "a.toml: skipped", &mut seen);
    assert!(said.contains("keeps the configuration it had"), "{said}");
    // Mended, it is served as it now says; removed, it is served no more.
    replace(&file_a, &a);
    line_with(&lines, "a.toml: reloaded; district district-a", &mut seen);
    std::fs::remove_file(&file_b).unwrap();
    line_with(
        &lines,
        "b.toml: removed; district district-b is served no more",
        &mut seen,
    );
    let terminated = Command::new("kill")
        .args(["-TERM", &serving.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    assert!(serving.wait().unwrap().success(), "{seen}");
    assert_eq!(
        seen.matches("a.toml: skipped").count(),
        1,
        "said once: {seen}"
    );

    let now = status(districts.path());
    assert_eq!(now["districts"]["district-a"]["done"], 1, "{now}");
    // B's job ran before its file was removed; the queue keeps its record.
    assert_eq!(now["districts"]["district-b"]["done"], 1, "{now}");
}
