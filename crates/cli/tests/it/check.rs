//! `check` against the eSchoolPLUS simulator: it saves and runs every
//! definition a sync (and a configured grade passback) needs, saves each
//! only once, and names a definition the server refuses, with the server's
//! message and the permission the account likely lacks.

use rostersync_sim::eschoolplus::{EspSim, RunningEsp};
use tokio::runtime::Runtime;

use crate::flow::{Admin, configure, map_everything, start, start_schoology};
use crate::{ESP_PASSWORD, code, stdout};

/// The structured eSchoolPLUS end of `check --json`.
fn esp_end(output: &std::process::Output) -> serde_json::Value {
    let ends: serde_json::Value = serde_json::from_str(&stdout(output)).unwrap();
    ends[0].clone()
}

#[test]
fn check_saves_every_definition_once_and_names_the_one_the_server_refuses() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    map_everything(&mut admin, &sims);

    // Mapping read the buildings and terms, so their definitions are on the
    // server; the roster's check probe is saved now.
    let first = admin.ok(&["check"]);
    assert!(
        first.contains("definitions (sync): 3 of 3 accepted (1 saved now, 2 already held"),
        "{first}"
    );
    let saved = sims.esp.counters().definitions_saved;
    let again = admin.ok(&["check"]);
    assert!(
        again.contains("definitions (sync): 3 of 3 accepted (0 saved now, 3 already held"),
        "{again}"
    );
    assert_eq!(sims.esp.counters().definitions_saved, saved);
    let held = sims
        .esp
        .table(sims.esp.site_code(), "LTDB_INTERFACE_DEF")
        .unwrap()
        .records();
    let ids: Vec<&str> = held.iter().map(|r| r["INTERFACE_ID"].as_str()).collect();
    for id in ["RSDEF", "RSBLD", "RSTRM", "RSROZ"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    // `check` reads no roster data: the probe selects nothing.
    let roster_rows = sims
        .esp
        .table(sims.esp.site_code(), "REG")
        .unwrap()
        .rows
        .len();
    assert!(roster_rows > 0);

    // The server cannot run the roster's SQL on one of its tables.
    sims.esp
        .fail_tasks_of("SCHD_MS", "Invalid column name 'SUMMER_SCHOOL'.");
    let refused = admin.run(&["check", "--json"]);
    assert_eq!(code(&refused), 1);
    let end = esp_end(&refused);
    assert_eq!(end["ok"], false, "{end}");
    let lines = end["results"].to_string();
    assert!(
        lines.contains("2 of 3 accepted")
            && lines.contains("definition RSROZ (check of roster) failed when run")
            && lines.contains("Invalid column name 'SUMMER_SCHOOL'."),
        "{lines}"
    );
    sims.esp.clear_task_faults();

    // With grade passback configured, the gradebook read and both uploads too.
    let path = dir.path().join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!(
            "{text}\n[grades]\ncategories = {{}}\nsis_categories = [{{ code = \"HW\", weight = 100.0, drop_lowest = 0 }}]\n\
             missing = {{ alpha_mark = \"M\" }}\nincomplete_mark = \"I\"\nexcused_exception = \"EX\"\n\
             rounding = {{ mode = \"half_up\", decimals = 0 }}\nscale = [[0.0, \"F\"]]\n\
             averaging = \"total_points\"\ntolerance = 0.5\nmax_title_len = 30\n"
        ),
    )
    .unwrap();
    let graded = admin.ok(&["check"]);
    assert!(
        graded.contains("definitions (sync and grade passback): 6 of 6 accepted (3 saved now"),
        "{graded}"
    );
    admin.assert_no_secret();
}

#[test]
fn without_the_load_permissions_check_names_the_missing_one() {
    let runtime = Runtime::new().unwrap();
    let mut sims = start(&runtime);
    let esp: RunningEsp = runtime.block_on(async {
        EspSim::builder()
            .district(&sims.district)
            .login("rostersync", ESP_PASSWORD)
            .without_load_permissions()
            .start()
            .await
            .unwrap()
    });
    sims.esp = esp;
    sims.lms = runtime.block_on(start_schoology(&sims.district.lms_directory));
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    let check = admin.run(&["check"]);
    assert_eq!(code(&check), 1);
    let text = stdout(&check);
    assert!(text.contains("eSchoolPLUS: PROBLEM"), "{text}");
    assert!(
        text.contains("missing permission") && text.contains("RUNLOAD"),
        "{text}"
    );
    assert_eq!(sims.esp.counters().definitions_saved, 0);
}
