//! Running uploads: verify and run modes, the blank-overwrite rule, what
//! later downloads see, and the upload faults.

use super::*;
use crate::eschoolplus::definitions;
use crate::eschoolplus::upload::{self, UploadMode};

const ASSIGNMENT_COLUMNS: [&str; 4] = [
    "mr_gb_asmt.SECTION_KEY",
    "mr_gb_asmt.COURSE_SESSION",
    "mr_gb_asmt.ASMT_NUMBER",
    "mr_gb_asmt.DESCRIPTION",
];

/// The upload definition `RSGBA` of assignments: one header, no terminator.
fn assignments() -> Value {
    let mut header = header(
        "RSGBA",
        ("GBA", 1),
        "mr_gb_asmt",
        &ASSIGNMENT_COLUMNS,
        "",
        false,
    );
    header["FileName"] = json!("RSGBA_mr_gb_asmt.txt");
    definition("U", "RSGBA", "assignments", vec![header])
}

/// Section 7, session 1.
fn section() -> EspTables {
    let mut tables = EspTables::empty();
    tables
        .table_mut("SCHD_MS_SESSION")
        .unwrap()
        .push(&[("SECTION_KEY", "7".into()), ("COURSE_SESSION", "1".into())]);
    tables
}

const FILE: &str =
    "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|DESCRIPTION\r\n7|1|1|Essay\r\n99|1|1|Nowhere\r\n";

#[tokio::test]
async fn uploads_verify_then_write_valid_records_only_which_downloads_then_see() {
    let sim = live(EspSim::builder(), section()).await;
    let session = saved(&sim, &assignments()).await;
    session.upload_file("RSGBA_mr_gb_asmt.txt", FILE).await;
    for mode in ["V", "R"] {
        let run = session.run_upload("RSGBA", mode).await;
        assert_eq!(run["PageState"], 2, "{run}");
        let list = session.tasks().await;
        let done = list["InactiveTasks"].as_array().unwrap();
        assert!(done.iter().all(|t| t["ErrorOccurred"] == "False"), "{list}");
        if mode == "V" {
            assert_eq!(sim.table("0850", "MR_GB_ASMT").unwrap().rows.len(), 0);
        }
    }
    let written = sim.table("0850", "MR_GB_ASMT").unwrap().records();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["DESCRIPTION"], "Essay");
    let counters = sim.counters();
    assert_eq!((counters.uploads, counters.rows_written), (1, 1));
    assert_eq!(counters.rows_rejected, 2, "the bad record, in both modes");
    assert_eq!((counters.upload_verifies, counters.upload_runs), (1, 1));

    // The next download reads what the upload wrote.
    let read = definition(
        "D",
        "RSGBR",
        "read back",
        vec![header(
            "RSGBR",
            ("GBA", 1),
            "mr_gb_asmt",
            &ASSIGNMENT_COLUMNS,
            "WHERE mr_gb_asmt.SECTION_KEY = '7'",
            true,
        )],
    );
    let session = saved(&sim, &read).await;
    let list = download(&session, "RSGBR").await;
    let text = String::from_utf8(session.file(&list, "RSGBR_GBA.txt").await).unwrap();
    assert!(text.ends_with("\r\n7|1|1|Essay|#!#\r\n"), "{text}");
}

#[tokio::test]
async fn an_upload_saved_in_the_session_waits_for_a_new_logon_too() {
    let sim = live(EspSim::builder(), section()).await;
    let session = Session::new(&sim).await;
    assert_eq!(session.save(&assignments()).await["PageState"], 2);
    session.upload_file("RSGBA_mr_gb_asmt.txt", FILE).await;
    let refused = session.run_upload("RSGBA", "V").await;
    assert_eq!(refused["PageState"], 1);
    assert_eq!(
        refused["ValidationErrorMessages"][0]["message"],
        "Interface ID RSGBA was changed in this session; log on again to run it"
    );
    let session = Session::new(&sim).await;
    assert_eq!(session.run_upload("RSGBA", "V").await["PageState"], 2);
    assert_eq!(sim.counters().upload_verifies, 1);
}

#[tokio::test]
async fn uploads_of_a_table_fail_in_the_mode_switched_on_only() {
    let failing = EspSim::builder().fail_uploads_of("MR_GB_ASMT", RunMode::Run, "Upload aborted");
    let sim = live(failing, section()).await;
    let session = saved(&sim, &assignments()).await;
    session.upload_file("RSGBA_mr_gb_asmt.txt", FILE).await;
    assert_eq!(session.run_upload("RSGBA", "V").await["PageState"], 2);
    assert_eq!(task_error(&session.tasks().await), None);
    assert_eq!(session.run_upload("RSGBA", "R").await["PageState"], 2);
    assert_eq!(
        task_error(&session.tasks().await).as_deref(),
        Some("Upload aborted")
    );
    assert!(sim.table("0850", "MR_GB_ASMT").unwrap().rows.is_empty());
    sim.fail_uploads_of("mr_gb_asmt", RunMode::Verify, "Verify aborted");
    sim.clear_task_faults();
    assert_eq!(session.run_upload("RSGBA", "R").await["PageState"], 2);
    assert_eq!(task_error(&session.tasks().await), None);
    assert_eq!(sim.table("0850", "MR_GB_ASMT").unwrap().rows.len(), 1);
    sim.fail_uploads_of("MR_GB_ASMT", RunMode::Verify, "Verify aborted");
    assert_eq!(session.run_upload("RSGBA", "V").await["PageState"], 2);
    assert_eq!(
        task_error(&session.tasks().await).as_deref(),
        Some("Verify aborted")
    );
}

#[test]
fn blank_values_overwrite_only_when_update_blank_records_is_on() {
    let mut tables = section();
    let def = definitions::parse(&assignments()).unwrap();
    let header = &def.headers[0];
    let mode = |update_blank| UploadMode {
        run: true,
        insert: true,
        update: true,
        update_blank,
    };
    let columns = "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|DESCRIPTION\r\n";
    let first = format!("{columns}7|1|1|Essay\r\n");
    let blank = format!("{columns}7|1|1|\r\n");
    let description = |tables: &EspTables| {
        tables.table("MR_GB_ASMT").unwrap().records()[0]["DESCRIPTION"].clone()
    };
    upload::run(header, first.as_bytes(), mode(false), &mut tables).unwrap();
    upload::run(header, blank.as_bytes(), mode(false), &mut tables).unwrap();
    assert_eq!(description(&tables), "Essay");
    upload::run(header, blank.as_bytes(), mode(true), &mut tables).unwrap();
    assert_eq!(description(&tables), "");
    assert_eq!(tables.table("MR_GB_ASMT").unwrap().rows.len(), 1);
}

#[test]
fn an_upload_header_must_write_one_gradebook_table_with_its_keys() {
    let mut tables = section();
    let mut other = assignments();
    other["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][3]["TableName"] =
        json!("reg");
    other["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][3]["ColumnName"] =
        json!("LAST_NAME");
    let def = definitions::parse(&other).unwrap();
    let mode = UploadMode {
        run: true,
        insert: true,
        update: true,
        update_blank: false,
    };
    let refused = upload::run(&def.headers[0], FILE.as_bytes(), mode, &mut tables).unwrap_err();
    assert_eq!(
        refused,
        "column reg.LAST_NAME is not in the header's table MR_GB_ASMT"
    );
    let mut keyless = assignments();
    keyless["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"]
        .as_array_mut()
        .unwrap()
        .remove(2);
    let def = definitions::parse(&keyless).unwrap();
    let refused = upload::run(&def.headers[0], FILE.as_bytes(), mode, &mut tables).unwrap_err();
    assert_eq!(refused, "the definition lacks the key column ASMT_NUMBER");
}
