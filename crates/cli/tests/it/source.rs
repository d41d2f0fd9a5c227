//! What a sync's SIS read could not read or left out is kept with the run
//! and found without reading the SIS again: `sync` summarises it, `logs
//! list` counts it, `logs show` groups and lists it, `logs export --kind
//! source` exports it, and `check` and `prep report` summarise it.

use rostersync_sim::eschoolplus::EspTable;
use tokio::runtime::Runtime;

use crate::flow::{Admin, configure, map_everything, start};
use crate::{code, stderr};

#[test]
fn records_the_sis_did_not_give_are_kept_with_the_run_and_shown() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    map_everything(&mut admin, &sims);

    // A district edits its data: a teacher no longer teaches anywhere, and
    // a second student row carries an existing id with stray blanks.
    let site = sims.esp.site_code().to_owned();
    let teacher = sims
        .district
        .sis
        .sections
        .iter()
        .find_map(|s| s.primary_teacher.clone())
        .unwrap();
    let staff_id = teacher.as_str().trim_start_matches('T').to_owned();
    assert!(
        sims.esp
            .edit_table(&site, "REG_STAFF_BLDGS", |t: &mut EspTable| {
                let (id, flag) = (t.index("STAFF_ID").unwrap(), t.index("IS_TEACHER").unwrap());
                for row in t.rows.iter_mut().filter(|row| row[id] == staff_id) {
                    row[flag] = "N".to_owned();
                }
            })
    );
    assert!(sims.esp.edit_table(&site, "REG", |t: &mut EspTable| {
        let (id, first) = (
            t.index("STUDENT_ID").unwrap(),
            t.index("FIRST_NAME").unwrap(),
        );
        let mut other = t.rows[0].clone();
        other[id] = format!("  {} ", other[id]);
        other[first] = "Another".to_owned();
        t.rows.push(other);
    }));

    let sync = admin.run(&["sync", "all"]);
    assert!(code(&sync) == 0 || code(&sync) == 4, "{}", stderr(&sync));
    let text = crate::stdout(&sync);
    assert!(text.contains("SIS record(s) read;"), "{text}");
    assert!(
        text.contains("left out (not synced) person: 1 — not a teacher"),
        "{text}"
    );
    assert!(
        text.contains("unreadable (not synced) person: 2 — duplicate key"),
        "{text}"
    );
    assert!(text.contains("`rostersync logs show 1`"), "{text}");

    let list = admin.ok(&["logs", "list"]);
    assert!(
        list.contains("SIS records") && list.contains(" not read"),
        "{list}"
    );
    let show = admin.ok(&["logs", "show", "1"]);
    assert!(show.contains("What the SIS read found:"), "{show}");
    assert!(
        show.contains("teacher not found") && show.contains("duplicate key"),
        "{show}"
    );
    assert!(
        show.contains("REG_STAFF_BLDGS") || show.contains("IS_TEACHER"),
        "{show}"
    );

    let csv = admin.ok(&["logs", "export", "--kind", "source", "--run", "1"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("run,kind,record,location,key,field,reason,message")
    );
    assert!(csv.contains(",left_out,person,"), "{csv}");
    assert!(csv.contains(",duplicate key,"), "{csv}");
    let left_out = admin.ok(&[
        "logs", "export", "--kind", "source", "--status", "left_out", "--format", "json",
    ]);
    let left_out: serde_json::Value = serde_json::from_str(&left_out).unwrap();
    let kinds: Vec<&str> = left_out
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "left_out"),
        "{kinds:?}"
    );
    let bad = admin.run(&["logs", "export", "--kind", "source", "--status", "lost"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("unreadable, left_out, warning"),
        "{}",
        stderr(&bad)
    );

    let check = admin.ok(&["check"]);
    assert!(
        check.contains("the last sync's read (run 1):") && check.contains("left out"),
        "{check}"
    );
    let prep = admin.ok(&["prep", "report"]);
    assert!(
        prep.contains("SIS record(s) read;") && prep.contains("duplicate key"),
        "{prep}"
    );
    admin.assert_no_secret();
}
