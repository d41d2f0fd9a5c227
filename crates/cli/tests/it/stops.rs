//! The service stopped by a second signal in the middle of a sync: the run
//! is marked interrupted, the lock is released, the exit code says so, and
//! the next sync starts at once and finishes the work.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::flow::{Admin, configure, map_everything, start};
use crate::lines_of;

/// Sends SIGTERM to the process `pid`.
fn terminate(pid: u32) {
    let sent = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn a_second_signal_stops_the_service_mid_sync_and_the_next_sync_starts_at_once() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    admin.ok(&["acting-user", "take"]);
    map_everything(&mut admin, &sims);
    let queued = admin.ok(&["sync", "all", "--queue"]);
    assert!(queued.contains("queued job 1: a all sync"), "{queued}");

    // Every Schoology answer takes a while: the sync is still reading when
    // the signals come.
    sims.lms.faults().set_latency(Duration::from_millis(300));
    let mut service = Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir.path())
        .args(["run", "--interval", "3600", "-v"])
        .env("ROSTERSYNC_ESP_PASSWORD", &admin.password)
        .env("ROSTERSYNC_SCHOOLOGY_SECRET", &admin.secret)
        .env_remove("ROSTERSYNC_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(service.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut expect = |text: &str| -> String {
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no line containing {text:?} in {seen:#?}"));
            seen.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
    };
    expect("run 1 started: manual all sync");
    terminate(service.id());
    expect("stopping: letting the work in hand finish");
    terminate(service.id());
    let stopped = expect("stopped during run 1");
    assert!(
        stopped.contains("marked interrupted and the sync lock released"),
        "{stopped}"
    );
    assert_eq!(service.wait().unwrap().code(), Some(5));
    sims.lms.faults().set_latency(Duration::ZERO);

    let runs: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
    let first = &runs.as_array().unwrap()[0]["run"];
    assert_eq!(first["id"], 1, "{runs}");
    assert_eq!(first["status"], "interrupted", "{runs}");

    // No lease to wait out: the next sync runs at once and finishes.
    let next = admin.ok(&["sync", "all"]);
    assert!(next.contains("run 2: manual all sync"), "{next}");
    assert!(next.contains("succeeded"), "{next}");
    admin.assert_no_secret();
}
