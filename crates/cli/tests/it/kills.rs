//! The binary killed with SIGKILL in the middle of a sync (after the grading
//! periods, mid-users, mid-sections, mid-enrollments), each time while a
//! write it sent was applied but not yet answered: the next `sync all`
//! starts at once (the dead holder's lock is taken over), finishes the work,
//! and the roster is exactly that of a sync never interrupted, with no
//! duplicate and no delete.

#![cfg(unix)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use rostersync_sim::schoology::State;
use tokio::runtime::Runtime;

use crate::flow::{Admin, ready};

/// What a roster is, by SIS keys: accounts, sections with their course,
/// enrollments with their role, grading periods by title.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Roster {
    users: BTreeSet<String>,
    sections: BTreeSet<(String, String)>,
    enrollments: BTreeSet<(String, String, bool)>,
    periods: BTreeSet<String>,
}

impl Roster {
    /// The roster of `state`, asserting that no SIS key is held twice.
    pub(crate) fn of(state: &State) -> Roster {
        let uid = |id: u64| {
            state
                .users
                .iter()
                .find(|u| u.id == id)
                .and_then(|u| u.school_uid.clone())
                .unwrap_or_else(|| format!("unkeyed user {id}"))
        };
        let code = |id: u64| {
            state
                .sections
                .iter()
                .find(|s| s.id == id)
                .and_then(|s| s.section_school_code.clone())
                .unwrap_or_else(|| format!("unkeyed section {id}"))
        };
        let course = |id: u64| {
            state
                .courses
                .iter()
                .find(|c| c.id == id)
                .map_or_else(|| format!("no course {id}"), |c| c.course_code.clone())
        };
        let users: Vec<String> = state
            .users
            .iter()
            .filter_map(|u| u.school_uid.clone())
            .collect();
        let sections: Vec<(String, String)> = state
            .sections
            .iter()
            .filter_map(|s| Some((s.section_school_code.clone()?, course(s.course_id))))
            .collect();
        let enrollments: Vec<(String, String, bool)> = state
            .enrollments
            .iter()
            .filter(|e| e.status == 1)
            .map(|e| (code(e.section_id), uid(e.uid), e.admin))
            .collect();
        let periods: Vec<String> = state
            .grading_periods
            .iter()
            .map(|p| p.title.clone())
            .collect();
        let roster = Roster {
            users: users.iter().cloned().collect(),
            sections: sections.iter().cloned().collect(),
            enrollments: enrollments.iter().cloned().collect(),
            periods: periods.iter().cloned().collect(),
        };
        assert_eq!(roster.users.len(), users.len(), "a user twice");
        assert_eq!(roster.sections.len(), sections.len(), "a section twice");
        let pairs: BTreeSet<(&str, &str)> = enrollments
            .iter()
            .map(|(s, u, _)| (s.as_str(), u.as_str()))
            .collect();
        assert_eq!(pairs.len(), enrollments.len(), "an enrollment twice");
        assert_eq!(
            roster.periods.len(),
            periods.len(),
            "a grading period twice"
        );
        roster
    }
}

/// Kills `rostersync sync all` once the `pass + 1`-th `method` write on
/// `route` was applied, then syncs again and compares with a clean sync.
fn killed_while_writing(method: &str, route: &str, pass: usize) {
    let runtime = Runtime::new().unwrap();
    let clean_dir = tempfile::tempdir().unwrap();
    let clean_sims = ready(&runtime, clean_dir.path());
    Admin::of(clean_dir.path(), &clean_sims).ok(&["sync", "all"]);
    let clean = Roster::of(&clean_sims.lms.state());

    let dir = tempfile::tempdir().unwrap();
    let sims = ready(&runtime, dir.path());
    let mut admin = Admin::of(dir.path(), &sims);
    let held = sims.lms.hold_answer(method, route, pass);
    let mut sync = Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir.path())
        .args(["sync", "all"])
        .env("ROSTERSYNC_ESP_PASSWORD", &admin.password)
        .env("ROSTERSYNC_SCHOOLOGY_SECRET", &admin.secret)
        .env_remove("ROSTERSYNC_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(120), held.notified()).await })
        .unwrap_or_else(|_| panic!("no {method} {route} write after {pass}"));
    sync.kill().unwrap();
    sync.wait().unwrap();
    let cut = Roster::of(&sims.lms.state());
    assert_ne!(cut, clean, "the kill came before the work was done");

    // At once: no lease to wait out.
    let next = admin.ok(&["sync", "all"]);

    assert!(next.contains("run 2: manual all sync"), "{next}");
    assert!(next.contains("succeeded"), "{next}");
    assert!(
        next.contains("took over the all sync lock of process"),
        "{next}"
    );
    assert_eq!(Roster::of(&sims.lms.state()), clean);
    assert_eq!(sims.lms.counters().deletes, 0, "nothing was deleted");
    let runs: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
    let killed = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["run"]["id"] == 1)
        .unwrap();
    assert_eq!(killed["run"]["status"], "interrupted", "{runs}");
    // A third sync has nothing left to do.
    let again = admin.ok(&["sync", "all", "--dry-run", "--json"]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    for (entity, counts) in again["summary"].as_object().unwrap() {
        for action in ["create", "update", "link", "remove"] {
            assert_eq!(counts[action], 0, "{entity} {action}: {again}");
        }
    }
    admin.assert_no_secret();
}

#[test]
fn killed_after_the_grading_periods() {
    killed_while_writing("POST", "users", 0);
}

#[test]
fn killed_mid_users() {
    killed_while_writing("POST", "users", 1);
}

/// The course bulk carries the new courses' sections (a first sync makes
/// no section call of its own): killed once it was applied, unanswered.
#[test]
fn killed_while_writing_the_courses_and_their_sections() {
    killed_while_writing("POST", "courses", 0);
}

#[test]
fn killed_mid_enrollments() {
    killed_while_writing("POST", "enrollments/import/course", 2);
}
