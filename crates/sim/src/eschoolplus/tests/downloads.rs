//! Running downloads: the SQL each header runs, the files they write, and
//! the task faults.

use super::*;

/// Students 1 to 4 in buildings 10, 20 and 30, student 1 and 4 in section 7.
fn students() -> EspTables {
    let mut tables = EspTables::empty();
    let reg = tables.table_mut("REG").unwrap();
    for (id, building, last, middle) in [
        ("1", "10", "Baker", "Ann"),
        ("2", "20", "O'Brien", ""),
        ("3", "30", "Brown", ""),
        ("4", "20", "Zed", "Jo"),
    ] {
        reg.push(&[
            ("STUDENT_ID", id.into()),
            ("BUILDING", building.into()),
            ("LAST_NAME", last.into()),
            ("MIDDLE_NAME", middle.into()),
        ]);
    }
    let courses = tables.table_mut("SCHD_STU_COURSE").unwrap();
    for id in ["1", "4"] {
        courses.push(&[("STUDENT_ID", id.into()), ("SECTION_KEY", "7".into())]);
    }
    let contacts = tables.table_mut("REG_STU_CONTACT").unwrap();
    for (student, contact) in [("1", "501"), ("2", "502"), ("4", "504")] {
        contacts.push(&[
            ("STUDENT_ID", student.into()),
            ("CONTACT_ID", contact.into()),
            ("CONTACT_TYPE", "G".into()),
        ]);
    }
    tables
}

/// A one-header download `RSTST` of `table` with `columns` and `sql`.
fn one_header(table: &str, columns: &[&str], sql: &str, terminated: bool) -> Value {
    definition(
        "D",
        "RSTST",
        "test",
        vec![header("RSTST", ("H", 1), table, columns, sql, terminated)],
    )
}

/// Saves `def`, logs on again and runs it: the task list and the text of
/// its file `RSTST_H.txt` (empty when the task failed).
async fn run_one(sim: &RunningEsp, def: &Value) -> (Value, String) {
    let session = saved(sim, def).await;
    let list = download(&session, "RSTST").await;
    if task_error(&list).is_some() {
        return (list, String::new());
    }
    let bytes = session.file(&list, "RSTST_H.txt").await;
    (list, String::from_utf8(bytes).unwrap())
}

#[tokio::test]
async fn a_download_task_finishes_on_the_third_poll_and_its_file_is_deleted() {
    let sim = EspSim::builder()
        .task_polls(3)
        .environment(
            "0850",
            "Live",
            buildings(&[("10", "North"), ("20", "South")]),
        )
        .start()
        .await
        .unwrap();
    let session = saved(&sim, &building_definition()).await;
    assert_eq!(session.run_download("RSBLD").await["PageState"], 2);
    for poll in 1..=2 {
        let list = session.tasks().await;
        let active = list["ActiveTasks"].as_array().unwrap();
        assert_eq!(active.len(), 1, "poll {poll}");
        assert!(active[0]["TaskName"].as_str().unwrap().contains("RSBLD"));
        assert_eq!(list["Reports"].as_array().unwrap().len(), 0);
    }
    let list = session.tasks().await;
    assert_eq!(list["ActiveTasks"].as_array().unwrap().len(), 0);
    assert_eq!(list["InactiveTasks"][0]["ErrorOccurred"], "False");
    assert_eq!(list["Reports"][0]["DisplayName"], "RSBLD_BLD.txt");
    let bytes = session.file(&list, "RSBLD_BLD.txt").await;
    // Columns in field order, labels from ColumnOverride else ColumnName,
    // the filter keeps building 10 only, `#!#` from the derived table.
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "BUILDING|NAME|#!#\r\n10|North|#!#\r\n"
    );
    let raw = list["Reports"][0]["RawFileName"].clone();
    session
        .post_json(
            "Task/DeleteTasksAndReports",
            &json!({ "reportsToDelete": [raw], "tasksToDelete": [] }),
        )
        .await;
    assert_eq!(sim.counters().files_deleted, 1);
    assert_eq!(sim.tasks_and_files().1, 0);
}

#[tokio::test]
async fn files_are_windows_1252_with_line_breaks_left_inside_fields() {
    let sim = live(
        EspSim::builder(),
        buildings(&[("10", "École Zoë\r\nAnnex 汉|B")]),
    )
    .await;
    let session = saved(&sim, &building_definition()).await;
    let list = download(&session, "RSBLD").await;
    let bytes = session.file(&list, "RSBLD_BLD.txt").await;
    assert!(bytes.contains(&0xC9), "É is one byte in Windows-1252");
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad);
    // The character Windows-1252 lacks becomes `?`; the line break and the
    // delimiter inside the value stay.
    assert!(
        text.ends_with("\r\n10|École Zoë\r\nAnnex ?|B|#!#\r\n"),
        "{text}"
    );
    assert_eq!(sim.counters().files_downloaded, 1);
}

#[tokio::test]
async fn every_header_writes_its_own_file_in_header_order() {
    let sim = live(EspSim::builder(), students()).await;
    let scope = "WHERE reg.BUILDING IN ('10','20')";
    let contacts_scope = "WHERE reg_stu_contact.STUDENT_ID IN \
                          (SELECT STUDENT_ID FROM reg WHERE BUILDING IN ('10','20'))";
    let def = definition(
        "D",
        "RSROS",
        "rostersync roster #1a2b3c4d",
        vec![
            header(
                "RSROS",
                ("STC", 2),
                "reg_stu_contact",
                &["reg_stu_contact.STUDENT_ID", "reg_stu_contact.CONTACT_ID"],
                contacts_scope,
                true,
            ),
            header(
                "RSROS",
                ("STU", 1),
                "reg",
                &["reg.STUDENT_ID", "reg.LAST_NAME"],
                scope,
                true,
            ),
        ],
    );
    let session = saved(&sim, &def).await;
    let list = download(&session, "RSROS").await;
    assert_eq!(task_error(&list), None, "{list}");
    let names: Vec<&str> = list["Reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["DisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["RSROS_STU.txt", "RSROS_STC.txt"]);
    let reg = String::from_utf8(session.file(&list, "RSROS_STU.txt").await).unwrap();
    assert_eq!(
        reg,
        "STUDENT_ID|LAST_NAME|#!#\r\n1|Baker|#!#\r\n2|O'Brien|#!#\r\n4|Zed|#!#\r\n"
    );
    let links = String::from_utf8(session.file(&list, "RSROS_STC.txt").await).unwrap();
    assert_eq!(
        links,
        "STUDENT_ID|CONTACT_ID|#!#\r\n1|501|#!#\r\n2|502|#!#\r\n4|504|#!#\r\n"
    );
    let counters = sim.counters();
    assert_eq!((counters.tasks_run, counters.files_downloaded), (1, 2));
}

#[tokio::test]
async fn the_terminator_comes_only_from_the_derived_column() {
    let sim = live(EspSim::builder(), buildings(&[("10", "North")])).await;
    let columns = ["reg_building.BUILDING", "reg_building.NAME"];
    // Without the terminator column nothing adds `#!#`; a Literal is ignored.
    let mut plain = one_header("reg_building", &columns, "", false);
    plain["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][1]["Literal"] =
        json!("#!#");
    let (_, text) = run_one(&sim, &plain).await;
    assert_eq!(text, "BUILDING|NAME\r\n10|North\r\n");
    assert!(!text.contains("#!#"));
    // The real column without the derived table that shadows it: the real
    // table is not in FROM, so the statement fails.
    let mut unjoined = one_header("reg_building", &columns, "", true);
    unjoined["UploadDownloadDefinition"]["InterfaceHeaders"][0]["AdditionalSql"] = json!("");
    let (list, _) = run_one(&sim, &unjoined).await;
    assert_eq!(
        task_error(&list).as_deref(),
        Some("no such column: spi_checklist_setup_hdr.RC_RUN")
    );
    // With it, every line ends `|#!#` and CR LF.
    let (_, text) = run_one(&sim, &one_header("reg_building", &columns, "", true)).await;
    assert_eq!(text, "BUILDING|NAME|#!#\r\n10|North|#!#\r\n");
}

#[tokio::test]
async fn sql_that_fails_fails_the_task_with_sqlites_message_until_cleared() {
    let sim = live(EspSim::builder(), students()).await;
    let cases = [
        (
            &["reg.STUDENT_ID"][..],
            "WHERE reg.BUILDING IN (",
            "incomplete input",
        ),
        (
            &["reg.STUDENT_ID"],
            "WHERE MONTH(GetDate()) > 6",
            "no such function: GetDate",
        ),
        (
            &["reg.STUDENT_ID"],
            "WHERE \"A\" = reg.CURRENT_STATUS",
            "no such column: \"A\" - should this be a string literal in single-quotes?",
        ),
        (
            &["reg.STUDENT_ID", "reg_contact.EMAIL"],
            "",
            "no such column: reg_contact.EMAIL",
        ),
        (
            &["reg.STUDENT_ID"],
            "; DELETE FROM reg",
            "Multiple statements provided",
        ),
    ];
    for (columns, sql, message) in cases {
        let (list, text) = run_one(&sim, &one_header("reg", columns, sql, false)).await;
        assert_eq!(task_error(&list).as_deref(), Some(message), "{sql}");
        assert_eq!(text, "");
        assert_eq!(list["Reports"].as_array().unwrap().len(), 0, "no file");
        let failed = list["InactiveTasks"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        let session = Session::new(&sim).await;
        session
            .post_json(
                "Task/ClearErroredTask",
                &json!({ "paramKey": failed["TaskKey"] }),
            )
            .await;
        assert_eq!(sim.tasks_and_files(), (0, 0));
    }
    assert_eq!(sim.counters().tasks_failed, 5);
    assert_eq!(sim.table("0850", "REG").unwrap().rows.len(), 4);
}

#[tokio::test]
async fn filters_in_the_clients_shapes_run_as_sql_server_would() {
    let sim = live(EspSim::builder(), students()).await;
    let columns = ["reg.STUDENT_ID"];
    let cases = [
        ("WHERE reg.LAST_NAME = 'O''Brien'", "2"),
        ("WHERE reg.LAST_NAME = 'o''BRIEN'", "2"),
        (
            "WHERE [reg].[BUILDING] IN ('20','30') AND reg.LAST_NAME LIKE 'b%'",
            "3",
        ),
        (
            "WHERE reg.MIDDLE_NAME IS NULL OR reg.BUILDING = '10'",
            "1,2,3",
        ),
        (
            "WHERE reg.STUDENT_ID IN (SELECT STUDENT_ID FROM SCHD_STU_COURSE WHERE SECTION_KEY = '7')",
            "1,4",
        ),
        // A column the table lacks in the simulator is NULL, as unset in a real one.
        ("WHERE reg.NICKNAME IS NULL AND reg.BUILDING = '20'", "2,4"),
    ];
    for (sql, want) in cases {
        let (list, text) = run_one(&sim, &one_header("reg", &columns, sql, true)).await;
        assert_eq!(task_error(&list), None, "{sql}");
        let ids: Vec<&str> = text
            .lines()
            .skip(1)
            .map(|line| line.trim_end_matches("|#!#"))
            .collect();
        assert_eq!(ids.join(","), want, "{sql}");
    }
}

#[tokio::test]
async fn edits_are_seen_by_the_next_download() {
    let sim = live(EspSim::builder(), buildings(&[("10", "North")])).await;
    let session = saved(&sim, &building_definition()).await;
    let list = download(&session, "RSBLD").await;
    let before = session.file(&list, "RSBLD_BLD.txt").await;
    assert!(before.ends_with(b"10|North|#!#\r\n"));
    assert!(sim.edit_table("0850", "reg_building", |table| {
        let at = table.index("NAME").unwrap();
        table.rows[0][at] = "North Campus".into();
    }));
    let list = download(&session, "RSBLD").await;
    let after = session.file(&list, "RSBLD_BLD.txt").await;
    assert!(after.ends_with(b"10|North Campus|#!#\r\n"), "{after:?}");
    // A real table the environment did not hold is created; a made-up
    // column is dropped and said so.
    assert!(sim.edit_table("0850", "REG_CALENDAR", |t| {
        t.push(&[("CALENDAR", "A".into())])
    }));
    assert_eq!(sim.table("0850", "REG_CALENDAR").unwrap().rows.len(), 1);
    assert!(!sim.edit_table("0850", "REG_BUILDING", |t| t.columns.push("MADE_UP".into())));
    assert!(
        !sim.table("0850", "REG_BUILDING")
            .unwrap()
            .columns
            .contains(&"MADE_UP".to_owned())
    );
    assert!(!sim.edit_table("0850", "NO_SUCH_TABLE", |_| {}));
}

#[tokio::test]
async fn tables_load_from_a_json_file_of_real_tables_only() {
    let json = r#"{"reg_building": {"columns": ["building", "NAME"], "rows": [["10", "North"], ["30", "East"]]}}"#;
    let path = std::env::temp_dir().join(format!("esp-tables-{}.json", std::process::id()));
    std::fs::write(&path, json).unwrap();
    let loaded = EspTables::load(&path);
    std::fs::remove_file(&path).unwrap();
    let tables = loaded.unwrap();
    assert_eq!(tables.table("REG_BUILDING").unwrap().rows.len(), 2);
    assert!(EspTables::from_json(b"[1, 2]").is_err());
    let made_up = br#"{"REG": {"columns": ["STUDENT_ID", "SHOE_SIZE"], "rows": []},
                       "MY_TABLE": {"columns": ["X"], "rows": []}}"#;
    let refused = EspTables::from_json(made_up).unwrap_err().to_string();
    assert_eq!(
        refused,
        "not in the eSchoolPLUS schema: MY_TABLE, REG.SHOE_SIZE"
    );

    let sim = live(EspSim::builder(), tables).await;
    let session = saved(&sim, &building_definition()).await;
    let list = download(&session, "RSBLD").await;
    // `BUILDING|NAME|#!#` and building 10 only (the filter), CRLF after each.
    assert_eq!(list["Reports"][0]["ReportSize"], 19 + 14, "{list}");
    // The schema's other tables were added empty.
    assert!(sim.table("0850", "MR_GB_ASMT").is_some());
}

#[tokio::test]
async fn starting_with_tables_or_columns_outside_the_schema_is_an_error_naming_them() {
    let mut tables = EspTables::empty();
    tables
        .table_mut("REG")
        .unwrap()
        .columns
        .push("SHOE_SIZE".into());
    tables
        .tables
        .insert("MY_TABLE".into(), EspTable::new(&["X"]));
    let refused = EspSim::builder()
        .environment("0851", "Training", tables)
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "not in the eSchoolPLUS schema: environment 0851: MY_TABLE, REG.SHOE_SIZE"
    );
}

#[tokio::test]
async fn the_tasks_of_a_table_fail_with_the_message_switched_on_until_cleared() {
    let failing = EspSim::builder().fail_tasks_of("REG_BUILDING", "Timeout expired");
    let sim = live(failing, buildings(&[("10", "North")])).await;
    let session = saved(&sim, &building_definition()).await;
    let list = download(&session, "RSBLD").await;
    assert_eq!(task_error(&list).as_deref(), Some("Timeout expired"));
    assert_eq!(list["Reports"].as_array().unwrap().len(), 0);
    sim.clear_task_faults();
    let list = download(&session, "RSBLD").await;
    assert_eq!(task_error(&list), None);
    sim.fail_tasks_of("reg_building", "Deadlock victim");
    let list = download(&session, "RSBLD").await;
    assert_eq!(task_error(&list).as_deref(), Some("Deadlock victim"));
    sim.fail_tasks_of("REG", "not this one");
    sim.clear_task_faults();
    assert_eq!(task_error(&download(&session, "RSBLD").await), None);
    assert_eq!(sim.counters().tasks_failed, 2);
}

#[tokio::test]
async fn with_task_polls_at_the_maximum_a_task_never_finishes() {
    let sim = EspSim::builder()
        .task_polls(u32::MAX)
        .environment("0850", "Live", buildings(&[("10", "North")]))
        .start()
        .await
        .unwrap();
    let session = saved(&sim, &building_definition()).await;
    assert_eq!(session.run_download("RSBLD").await["PageState"], 2);
    for _ in 0..5 {
        let list = session.tasks().await;
        assert_eq!(list["RunningTaskCount"], 1);
        assert_eq!(list["ActiveTasks"][0]["TotalRecords"], u32::MAX);
        assert_eq!(list["Reports"].as_array().unwrap().len(), 0);
    }
}
