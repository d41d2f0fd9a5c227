//! Saving definitions: what is refused and in which words, where a saved
//! definition is kept, and when it may run.

use super::*;

/// The message of a refused save.
fn refusal(answer: &Value) -> &str {
    assert_eq!(answer["PageState"], 1, "{answer}");
    answer["ValidationErrorMessages"][0]["message"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn a_column_outside_the_schema_is_refused_in_the_real_servers_words() {
    let sim = EspSim::builder().start().await.unwrap();
    let session = Session::new(&sim).await;
    // Our old shape, which a real server refused in these words: a made-up
    // `#!#` column without a table, carrying a literal; and the same
    // column named in the header's table.
    for table in [json!(null), json!("reg_building")] {
        let mut old = building_definition();
        let details =
            &mut old["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"];
        details[2] = json!({ "FieldId": "3", "FieldOrder": 3, "TableName": table,
            "ColumnName": "#!#", "FieldLength": 3, "Literal": "#!#" });
        let answer = session.save(&old).await;
        assert_eq!(refusal(&answer), "Unknown column REG_BUILDING.#!#");
    }
    // Table and column upper case as written, whatever the case sent.
    let mut lower = building_definition();
    lower["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][1]["ColumnName"] =
        json!("no_such");
    assert_eq!(
        refusal(&session.save(&lower).await),
        "Unknown column REG_BUILDING.NO_SUCH"
    );
    // A real table with a column of another table.
    let mut elsewhere = building_definition();
    elsewhere["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][0] =
        detail("RSBLD", "BLD", 1, ("reg_contact", "SCHOOL_YEAR"), None);
    assert_eq!(
        refusal(&session.save(&elsewhere).await),
        "Unknown column REG_CONTACT.SCHOOL_YEAR"
    );
    // Nothing was stored.
    assert!(
        sim.table("0850", "LTDB_INTERFACE_DEF")
            .unwrap()
            .rows
            .is_empty()
    );
    assert!(
        sim.table("0850", "LTDB_INTERFACE_DET")
            .unwrap()
            .rows
            .is_empty()
    );
    let counters = sim.counters();
    assert_eq!(
        (counters.definitions_saved, counters.definitions_refused),
        (0, 4)
    );
}

#[tokio::test]
async fn incomplete_definitions_are_refused_with_what_is_missing() {
    let sim = EspSim::builder().start().await.unwrap();
    let session = Session::new(&sim).await;
    let header = "/UploadDownloadDefinition/InterfaceHeaders/0";
    let detail = "/UploadDownloadDefinition/InterfaceHeaders/0/InterfaceDetails/0";
    let cases: Vec<(String, Value, &str)> = vec![
        (
            "/UploadDownloadDefinition/InterfaceId".into(),
            json!("RSBL"),
            "must be exactly 5 characters",
        ),
        (
            "/UploadDownloadDefinition/InterfaceId".into(),
            json!("RSBLDX"),
            "must be exactly 5 characters",
        ),
        (
            "/UploadDownloadDefinition/UploadDownload".into(),
            json!("X"),
            "must be U or D",
        ),
        (
            format!("{header}/HeaderId"),
            json!(null),
            "must be 1 to 5 characters",
        ),
        (
            format!("{header}/HeaderId"),
            json!("BLDXYZ"),
            "must be 1 to 5 characters",
        ),
        (
            format!("{header}/FileName"),
            json!(""),
            "BLD: FileName is required",
        ),
        (
            format!("{header}/TableAffected"),
            json!("no_such_table"),
            "Unknown table NO_SUCH_TABLE",
        ),
        (
            format!("{header}/InterfaceDetails"),
            json!([]),
            "Header BLD has no columns",
        ),
        (
            format!("{detail}/TableName"),
            json!(null),
            "a column has no TableName",
        ),
        (
            format!("{detail}/ColumnName"),
            json!(" "),
            "a column has no ColumnName",
        ),
        (format!("{detail}/FieldId"), json!(null), "has no FieldId"),
        (
            format!("{detail}/FieldId"),
            json!("2"),
            "Field ID '2' is used twice",
        ),
        (
            format!("{detail}/FieldOrder"),
            json!("first"),
            "has no FieldOrder",
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut definition = building_definition();
        *definition.pointer_mut(&pointer).unwrap() = value;
        let answer = session.save(&definition).await;
        let message = refusal(&answer);
        assert!(message.contains(expected), "{pointer}: {message}");
    }
    // The same check without a server.
    assert_eq!(check_definition(&building_definition()), Ok(()));
    let mut lower = building_definition();
    *lower.pointer_mut(&format!("{detail}/ColumnName")).unwrap() = json!("nope");
    assert_eq!(
        check_definition(&lower),
        Err("Unknown column REG_BUILDING.NOPE".to_owned())
    );
    let mut twice = building_definition();
    let headers = &mut twice["UploadDownloadDefinition"]["InterfaceHeaders"];
    let copy = headers[0].clone();
    headers.as_array_mut().unwrap().push(copy);
    assert_eq!(
        refusal(&session.save(&twice).await),
        "Header ID 'BLD' is used twice"
    );
    assert!(
        sim.table("0850", "LTDB_INTERFACE_DEF")
            .unwrap()
            .rows
            .is_empty()
    );
    assert_eq!(sim.counters().definitions_saved, 0);
}

#[tokio::test]
async fn a_saved_definition_replaces_its_rows_in_the_ltdb_tables_which_downloads_read() {
    let sim = live(EspSim::builder(), EspTables::empty()).await;
    let session = Session::new(&sim).await;
    assert_eq!(session.save(&building_definition()).await["PageState"], 2);
    let mut second = building_definition();
    second["UploadDownloadDefinition"]["Description"] = json!("rostersync buildings #1a2b3c4d");
    let more = header(
        "RSBLD",
        ("MPS", 2),
        "reg_mp_weeks",
        &["reg_mp_weeks.BUILDING", "reg_mp_weeks.MARKING_PERIOD"],
        "",
        true,
    );
    second["UploadDownloadDefinition"]["InterfaceHeaders"]
        .as_array_mut()
        .unwrap()
        .push(more);
    assert_eq!(session.save(&second).await["PageState"], 2);

    let defs = sim.table("0850", "LTDB_INTERFACE_DEF").unwrap().records();
    assert_eq!(defs.len(), 1, "{defs:?}");
    assert_eq!(defs[0]["DISTRICT"], "850");
    assert_eq!(defs[0]["INTERFACE_ID"], "RSBLD");
    assert_eq!(defs[0]["DESCRIPTION"], "rostersync buildings #1a2b3c4d");
    assert_eq!(defs[0]["UPLOAD_DOWNLOAD"], "D");
    let headers = sim.table("0850", "LTDB_INTERFACE_HDR").unwrap().records();
    let ids: Vec<(&str, &str, &str)> = headers
        .iter()
        .map(|h| {
            (
                h["HEADER_ID"].as_str(),
                h["HEADER_ORDER"].as_str(),
                h["TABLE_AFFECTED"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [("BLD", "1", "reg_building"), ("MPS", "2", "reg_mp_weeks")]
    );
    assert_eq!(headers[0]["FILENAME"], "RSBLD_BLD.txt");
    assert_eq!(headers[0]["DELIMIT_CHAR"], "|");
    assert_eq!(headers[0]["COLUMN_HEADERS"], "Y");
    assert!(headers[0]["ADDITIONAL_SQL"].starts_with(TERMINATOR_JOIN));
    let details = sim.table("0850", "LTDB_INTERFACE_DET").unwrap().records();
    assert_eq!(details.len(), 6);
    let last = details.iter().find(|d| d["FIELD_ID"] == "99").unwrap();
    assert_eq!(last["TABLE_NAME"], "spi_checklist_setup_hdr");
    assert_eq!(last["COLUMN_NAME"], "RC_RUN");
    assert_eq!(last["COLUMN_OVERRIDE"], "#!#");

    // The client learns what the server holds through a download of LTDB_INTERFACE_DEF.
    let listing = definition(
        "D",
        "RSDEF",
        "definitions",
        vec![header(
            "RSDEF",
            ("DEF", 1),
            "ltdb_interface_def",
            &[
                "ltdb_interface_def.INTERFACE_ID",
                "ltdb_interface_def.DESCRIPTION",
                "ltdb_interface_def.UPLOAD_DOWNLOAD",
            ],
            "WHERE ltdb_interface_def.INTERFACE_ID LIKE 'rs%' ORDER BY ltdb_interface_def.INTERFACE_ID",
            true,
        )],
    );
    let session = saved(&sim, &listing).await;
    let list = download(&session, "RSDEF").await;
    assert_eq!(task_error(&list), None, "{list}");
    let file = session.file(&list, "RSDEF_DEF.txt").await;
    assert_eq!(
        String::from_utf8(file).unwrap(),
        "INTERFACE_ID|DESCRIPTION|UPLOAD_DOWNLOAD|#!#\r\n\
         RSBLD|rostersync buildings #1a2b3c4d|D|#!#\r\n\
         RSDEF|definitions|D|#!#\r\n"
    );
    assert_eq!(sim.counters().definitions_saved, 3);
}

#[tokio::test]
async fn a_definition_saved_in_a_session_runs_only_after_a_new_logon() {
    let sim = live(EspSim::builder(), buildings(&[("10", "North")])).await;
    let first = Session::new(&sim).await;
    assert_eq!(first.save(&building_definition()).await["PageState"], 2);
    let refused = first.run_download("RSBLD").await;
    assert_eq!(
        refusal(&refused),
        "Interface ID RSBLD was changed in this session; log on again to run it"
    );
    assert_eq!(sim.tasks_and_files(), (0, 0));

    let second = Session::new(&sim).await;
    let list = download(&second, "RSBLD").await;
    assert_eq!(task_error(&list), None, "{list}");
    // The first session still may not run it; saving again in the second
    // session bars the second too.
    assert_eq!(first.run_download("RSBLD").await["PageState"], 1);
    assert_eq!(second.save(&building_definition()).await["PageState"], 2);
    assert_eq!(second.run_download("RSBLD").await["PageState"], 1);
    let counters = sim.counters();
    assert_eq!((counters.runs_refused, counters.tasks_run), (3, 1));
}

#[tokio::test]
async fn without_load_permissions_definitions_are_refused_with_a_message() {
    let sim = EspSim::builder()
        .without_load_permissions()
        .start()
        .await
        .unwrap();
    let session = Session::new(&sim).await;
    let answer = session.save(&building_definition()).await;
    assert!(refusal(&answer).contains("LOADDEFS"), "{answer}");
    let run = session.run_download("RSBLD").await;
    assert!(refusal(&run).contains("RUNLOAD"), "{run}");
    assert_eq!(sim.counters().definitions_saved, 0);
    assert!(
        sim.table("0850", "LTDB_INTERFACE_DEF")
            .unwrap()
            .rows
            .is_empty()
    );
}
