//! End-to-end tests of the `rostersync` binary, driven as an administrator
//! would: bad configurations, `init`, and the whole flow against both
//! simulators on loopback, and with a OneRoster SIS (CSV package and REST).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod check;
mod config;
/// The web console in headless Chromium, through chromedriver.
mod console_browser;
mod flow;
mod grades;
mod kills;
mod mapping;
mod oneroster;
mod output;
/// The binary on a PostgreSQL store shared by two districts.
mod postgres;
/// The sloppy OneRoster packages synced into Schoology, every record accounted for.
mod sloppy_sync;
mod source;
mod stops;
/// Worker processes on the queue shared by many districts.
mod workers;

#[cfg(unix)]
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output};
#[cfg(unix)]
use std::sync::mpsc;

/// The eSchoolPLUS password the simulators use in these tests.
pub(crate) const ESP_PASSWORD: &str = "esp-Pa55word-never-shown";

/// Runs the binary in `dir` with `args`; `env` adds variables.
pub(crate) fn rostersync(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rostersync"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("ROSTERSYNC_ESP_PASSWORD")
        .env_remove("ROSTERSYNC_SCHOOLOGY_SECRET")
        .env_remove("ROSTERSYNC_ONEROSTER_SECRET")
        .env_remove("ROSTERSYNC_CONFIG")
        .env_remove("ROSTERSYNC_LOG");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Standard output as text.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines `reader` gives, sent on a channel by a thread of their own, so
/// that a test can wait for one within a time limit (`recv_timeout`).
#[cfg(unix)]
pub(crate) fn lines_of(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// The exit code.
pub(crate) fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}
