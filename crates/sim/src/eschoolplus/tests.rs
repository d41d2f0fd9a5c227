//! Tests of the eSchoolPLUS simulator, spoken to with a plain HTTP client.

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::district::{DistrictSize, generate};

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of the hidden token input of a logon page.
fn token_of(page: &str) -> String {
    let at = page.find("__RequestVerificationToken").unwrap();
    let rest = &page[at..];
    let start = rest.find("value=\"").unwrap() + 7;
    rest[start..].split('"').next().unwrap().to_owned()
}

async fn logon_page(sim: &RunningEsp, client: &Client) -> String {
    let url = format!("{}/Account/LogOn", sim.url());
    client.get(url).send().await.unwrap().text().await.unwrap()
}

async fn post_logon(
    sim: &RunningEsp,
    client: &Client,
    password: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("UserName", sim.login_name()), ("Password", password)];
    if let Some(token) = token {
        form.push(("__RequestVerificationToken", token));
    }
    let url = format!("{}/Account/LogOn", sim.url());
    client.post(url).form(&form).send().await.unwrap()
}

/// A client logged on to the first environment for 2026.
async fn logged_on(sim: &RunningEsp) -> Client {
    let client = client();
    let page = logon_page(sim, &client).await;
    let token = token_of(&page);
    let answer = post_logon(sim, &client, sim.password(), Some(&token)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let url = format!("{}/Account/SetEnvironment/SessionStart", sim.url());
    let answer = client
        .post(url)
        .form(&[
            ("ServerName", "ESPSIM01"),
            ("EnvironmentConfiguration.Database", sim.site_code()),
            ("EnvironmentConfiguration.SchoolYear", "2026"),
            ("EnvironmentConfiguration.SummerSchool", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    client
}

fn buildings(names: &[(&str, &str)]) -> EspTables {
    let mut tables = EspTables::empty();
    let table = tables.table_mut("REG_BUILDING").unwrap();
    for (number, name) in names {
        table.push(&[("BUILDING", (*number).into()), ("NAME", (*name).into())]);
    }
    tables
}

fn building_definition() -> Value {
    json!({ "UploadDownloadDefinition": {
        "UploadDownload": "D", "InterfaceId": "RSBLD", "Description": "buildings",
        "InterfaceHeaders": [{
            "HeaderId": "1", "FileName": "RSBLD_reg_building.txt", "TableAffected": "reg_building",
            "DelimitChar": "|", "ColumnHeaders": true, "AdditionalSql": "WHERE BUILDING IN (10)",
            "InterfaceDetails": [
                { "FieldOrder": 2, "ColumnName": "NAME", "Literal": null },
                { "FieldOrder": 1, "ColumnName": "BUILDING", "Literal": null },
                { "FieldOrder": 3, "ColumnName": "#!#", "Literal": "#!#" },
            ],
        }],
    }})
}

async fn tasks(sim: &RunningEsp, client: &Client) -> Value {
    let url = format!("{}/Task/TaskAndReportData", sim.url());
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn run_buildings(sim: &RunningEsp, client: &Client) {
    let url = format!("{}/Utility/SaveUploadDownload", sim.url());
    let saved: Value = client
        .post(url)
        .json(&building_definition())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["PageState"], 2);
    let url = format!("{}/Utility/RunDownload", sim.url());
    let run: Value = client
        .post(url)
        .form(&[
            ("InterfaceId", "RSBLD"),
            (
                "TaskScheduler.CurrentTask.Classname",
                "LTDB21_4.CRunDownload",
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["PageState"], 2, "{run}");
}

#[tokio::test]
async fn logon_needs_the_token_and_a_wrong_password_gets_the_logon_page_again() {
    let sim = EspSim::builder()
        .environment("0850", "Live", EspTables::empty())
        .environment("0851", "Training", EspTables::empty())
        .start()
        .await
        .unwrap();
    let client = client();
    let page = logon_page(&sim, &client).await;
    assert!(page.contains("Version 21.4.18"), "{page}");
    let token = token_of(&page);

    let refused = post_logon(&sim, &client, "wrong", Some(&token)).await;
    assert_eq!(refused.status(), StatusCode::OK);
    let page = refused.text().await.unwrap();
    assert!(page.contains("name=\"Password\""), "{page}");
    assert!(!page.contains("EnvironmentConfiguration.Database"));

    let no_token = post_logon(&sim, &client, sim.password(), None).await;
    assert_eq!(no_token.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let page = logon_page(&sim, &client).await;
    let accepted = post_logon(&sim, &client, sim.password(), Some(&token_of(&page))).await;
    let page = accepted.text().await.unwrap();
    assert!(page.contains("name=\"EnvironmentConfiguration.Database\""));
    assert!(page.contains("<option value=\"0850\">Live</option>"));
    assert!(page.contains("<option value=\"0851\">Training</option>"));
    let counters = sim.counters();
    assert_eq!((counters.logons, counters.failed_logons), (1, 1));
    assert_eq!(counters.requests.get("Account/LogOn"), Some(&5));
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
    let client = logged_on(&sim).await;
    run_buildings(&sim, &client).await;
    for poll in 1..=2 {
        let list = tasks(&sim, &client).await;
        assert_eq!(
            list["ActiveTasks"].as_array().unwrap().len(),
            1,
            "poll {poll}"
        );
        assert!(
            list["ActiveTasks"][0]["TaskName"]
                .as_str()
                .unwrap()
                .contains("RSBLD")
        );
        assert_eq!(list["Reports"].as_array().unwrap().len(), 0);
    }
    let list = tasks(&sim, &client).await;
    assert_eq!(list["ActiveTasks"].as_array().unwrap().len(), 0);
    assert_eq!(list["InactiveTasks"][0]["ErrorOccurred"], "False");
    assert_eq!(list["Reports"][0]["DisplayName"], "RSBLD_reg_building.txt");
    let raw = list["Reports"][0]["RawFileName"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/ReportViewer/FileStream", sim.url());
    let bytes = client
        .get(&url)
        .query(&[("fileName", &raw)])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    // Columns in field order, the filter keeps building 10 only.
    assert_eq!(&bytes[..], b"BUILDING|NAME|#!#\r\n10|North|#!#\r\n");
    let url_delete = format!("{}/Task/DeleteTasksAndReports", sim.url());
    client
        .post(url_delete)
        .json(&json!({ "reportsToDelete": [raw], "tasksToDelete": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(sim.counters().files_deleted, 1);
    assert_eq!(sim.tasks_and_files().1, 0);
}

#[tokio::test]
async fn files_are_windows_1252_with_line_breaks_left_inside_fields() {
    let sim = EspSim::builder()
        .task_polls(1)
        .environment(
            "0850",
            "Live",
            buildings(&[("10", "École Zoë\r\nAnnex 汉")]),
        )
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    run_buildings(&sim, &client).await;
    let list = tasks(&sim, &client).await;
    let raw = list["Reports"][0]["RawFileName"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/ReportViewer/FileStream", sim.url());
    let response = client
        .get(&url)
        .query(&[("fileName", &raw)])
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.contains(&0xC9), "É is one byte in Windows-1252");
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!bad);
    // The character Windows-1252 lacks becomes `?`; the line break stays.
    assert!(text.contains("10|École Zoë\r\nAnnex ?|#!#\r\n"), "{text}");
    assert_eq!(sim.counters().files_downloaded, 1);
}

#[tokio::test]
async fn sessions_expire_on_demand_and_after_a_number_of_requests() {
    let sim = EspSim::builder()
        .expire_after_requests(2)
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    let url = format!("{}/Task/TaskAndReportData", sim.url());
    // SessionStart's redirect target was not followed: two requests left.
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let expired = client.get(&url).send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::FOUND);
    assert_eq!(expired.headers()["location"], "/eSchoolPLUS/Account/LogOn");

    let client = logged_on(&sim).await;
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    sim.expire_sessions();
    assert_eq!(sim.sessions(), 0);
    let expired = client.get(&url).send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::FOUND);
    assert_eq!(sim.counters().expired_requests, 2);
}

#[tokio::test]
async fn a_switched_on_fault_answers_503_once() {
    let sim = EspSim::builder().start().await.unwrap();
    sim.faults().fail_next(1, 503);
    let url = format!("{}/Account/LogOn", sim.url());
    let client = client();
    let failed = client.get(&url).send().await.unwrap();
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(sim.faults().injected(), 1);
    assert_eq!(sim.counters().requests.get("Account/LogOn"), Some(&2));
}

#[tokio::test]
async fn uploads_verify_then_write_valid_records_only() {
    let mut tables = EspTables::empty();
    tables
        .table_mut("SCHD_MS_SESSION")
        .unwrap()
        .push(&[("SECTION_KEY", "7".into()), ("COURSE_SESSION", "1".into())]);
    let sim = EspSim::builder()
        .task_polls(1)
        .environment("0850", "Live", tables)
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    let columns = [
        "SECTION_KEY",
        "COURSE_SESSION",
        "ASMT_NUMBER",
        "DESCRIPTION",
    ];
    let details: Vec<Value> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| json!({ "FieldOrder": i + 1, "ColumnName": c }))
        .collect();
    let definition = json!({ "UploadDownloadDefinition": {
        "UploadDownload": "U", "InterfaceId": "RSGBA", "Description": "assignments",
        "InterfaceHeaders": [{ "FileName": "RSGBA_mr_gb_asmt.txt", "TableAffected": "mr_gb_asmt",
            "DelimitChar": "|", "ColumnHeaders": true, "AdditionalSql": "", "InterfaceDetails": details }],
    }});
    let url = format!("{}/Utility/SaveUploadDownload", sim.url());
    client.post(url).json(&definition).send().await.unwrap();
    let file =
        "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|DESCRIPTION\r\n7|1|1|Essay\r\n99|1|1|Nowhere\r\n";
    let body = format!(
        "--XB\r\nContent-Disposition: form-data; name=\"FileToUpload\"; filename=\"RSGBA_mr_gb_asmt.txt\"\r\n\r\n{file}\r\n--XB--\r\n"
    );
    let url = format!("{}/Utility/UploadFile", sim.url());
    let uploaded = client
        .post(url)
        .header("content-type", "multipart/form-data; boundary=XB")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::OK);
    for mode in ["V", "R"] {
        let url = format!("{}/Utility/RunUpload", sim.url());
        let run: Value = client
            .post(url)
            .json(
                &json!({ "InterfaceId": "RSGBA", "RunMode": mode, "InsertNewRec": "Y",
                "UpdateExistRec": "Y", "UpdateBlankRec": "N", "Classname": "LTDB21_4.CRunUpload" }),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(run["PageState"], 2);
        let list = tasks(&sim, &client).await;
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
}

#[test]
fn a_district_becomes_tables_with_the_clients_keys() {
    let district = generate(DistrictSize::Tiny, 7, 2026);
    let tables = tables_from_district(&district);
    let students = district
        .sis
        .people
        .iter()
        .filter(|p| p.role == rostersync_core::model::sis::SisRole::Student)
        .count();
    assert_eq!(tables.table("REG").unwrap().rows.len(), students);
    let staff = tables.table("REG_STAFF").unwrap();
    assert!(
        staff
            .records()
            .iter()
            .all(|r| !r["STAFF_ID"].starts_with('T'))
    );
    let sections = tables.table("SCHD_MS").unwrap();
    assert_eq!(sections.rows.len(), district.sis.sections.len());
    // Four quarters per school are the marking periods.
    assert_eq!(tables.table("REG_MP_WEEKS").unwrap().rows.len(), 4);
    let json = serde_json::to_vec(&tables).unwrap();
    assert_eq!(EspTables::from_json(&json).unwrap(), tables);
}

#[tokio::test]
async fn searches_page_jqgrid_style_with_filters_and_sorting() {
    let mut tables = EspTables::empty();
    let reg = tables.table_mut("REG").unwrap();
    for (id, status, last) in [
        ("1", "A", "Zed"),
        ("2", "I", "Amos"),
        ("3", "A", "O'Neil & Co"),
        ("4", "A", "Baker"),
    ] {
        reg.push(&[
            ("STUDENT_ID", id.into()),
            ("CURRENT_STATUS", status.into()),
            ("LAST_NAME", last.into()),
        ]);
    }
    let sim = EspSim::builder()
        .environment("0850", "Live", tables)
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    let url = format!("{}/Search/ExecuteSearch", sim.url());
    let run: Value = client
        .post(url)
        .form(&[
            ("searchType", "REGMAINT"),
            ("ListFields.Fields[0].TableName", "REG"),
            ("ListFields.Fields[0].ColumnName", "STUDENT_ID"),
            ("ListFields.Fields[0].ListFieldIndex", "1"),
            ("ListFields.Fields[1].TableName", "REG"),
            ("ListFields.Fields[1].ColumnName", "LAST_NAME"),
            ("ListFields.Fields[1].ListFieldIndex", "2"),
            ("Filter.Predicates[0].LogicalOperator", "And"),
            ("Filter.Predicates[0].TableName", "REG"),
            ("Filter.Predicates[0].ColumnName", "CURRENT_STATUS"),
            ("Filter.Predicates[0].Operator", "In"),
            ("Filter.Predicates[0].Values", "A"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["PageState"], 2, "{run}");
    let url = format!("{}/Search/GetSearchResults", sim.url());
    let page = |n: &'static str| {
        client
            .post(&url)
            .query(&[("searchType", "REGMAINT"), ("SearchNumber", "0")])
            .form(&[
                ("rows", "2"),
                ("page", n),
                ("sidx", "LAST_NAME"),
                ("sord", "asc"),
            ])
            .send()
    };
    let first: Value = page("1").await.unwrap().json().await.unwrap();
    assert_eq!(
        (first["total"].as_u64(), first["records"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(first["rows"][0]["Column2"]["RawValue"], "Baker      ");
    assert_eq!(
        first["rows"][1]["Column2"]["RawValue"],
        "O&#39;Neil &amp; Co"
    );
    let second: Value = page("2").await.unwrap().json().await.unwrap();
    assert_eq!(second["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        second["rows"][0]["Column1"]["RawValue"]
            .as_str()
            .map(str::trim),
        Some("1")
    );
    assert_eq!(sim.counters().searches, 1);
}

#[tokio::test]
async fn a_definition_naming_an_unknown_column_fails_its_task_until_cleared() {
    let sim = EspSim::builder().task_polls(1).start().await.unwrap();
    let client = logged_on(&sim).await;
    let mut definition = building_definition();
    definition["UploadDownloadDefinition"]["InterfaceHeaders"][0]["InterfaceDetails"][0]["ColumnName"] =
        json!("NO_SUCH_COLUMN");
    let url = format!("{}/Utility/SaveUploadDownload", sim.url());
    client.post(url).json(&definition).send().await.unwrap();
    let url = format!("{}/Utility/RunDownload", sim.url());
    client
        .post(url)
        .form(&[
            ("InterfaceId", "RSBLD"),
            (
                "TaskScheduler.CurrentTask.Classname",
                "LTDB21_4.CRunDownload",
            ),
        ])
        .send()
        .await
        .unwrap();
    let list = tasks(&sim, &client).await;
    let failed = &list["InactiveTasks"][0];
    assert_eq!(failed["ErrorOccurred"], "True");
    let description = failed["TaskError"]["ScheduledTaskErrorDescription"]
        .as_str()
        .unwrap();
    assert!(description.contains("NO_SUCH_COLUMN"), "{description}");
    assert_eq!(list["Reports"].as_array().unwrap().len(), 0);
    let url = format!("{}/Task/ClearErroredTask", sim.url());
    client
        .post(url)
        .json(&json!({ "paramKey": failed["TaskKey"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(sim.tasks_and_files(), (0, 0));
}

#[tokio::test]
async fn without_load_permissions_definitions_are_refused_with_a_message() {
    let sim = EspSim::builder()
        .without_load_permissions()
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    let url = format!("{}/Utility/SaveUploadDownload", sim.url());
    let saved: Value = client
        .post(url)
        .json(&building_definition())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["PageState"], 1);
    let message = saved["ValidationErrorMessages"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("LOADDEFS"), "{message}");
    assert_eq!(sim.counters().definitions_saved, 0);
}

#[test]
fn blank_values_overwrite_only_when_update_blank_records_is_on() {
    let mut tables = EspTables::empty();
    tables
        .table_mut("SCHD_MS_SESSION")
        .unwrap()
        .push(&[("SECTION_KEY", "7".into()), ("COURSE_SESSION", "1".into())]);
    let columns = [
        "SECTION_KEY",
        "COURSE_SESSION",
        "ASMT_NUMBER",
        "DESCRIPTION",
    ];
    let details: Vec<Value> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| json!({ "FieldOrder": i + 1, "ColumnName": c }))
        .collect();
    let def = definitions::parse(&json!({ "UploadDownloadDefinition": {
        "UploadDownload": "U", "InterfaceId": "RSGBA",
        "InterfaceHeaders": [{ "FileName": "a.txt", "TableAffected": "MR_GB_ASMT",
            "DelimitChar": "|", "ColumnHeaders": true, "InterfaceDetails": details }],
    }}))
    .unwrap();
    let mode = |update_blank| definitions::UploadMode {
        run: true,
        insert: true,
        update: true,
        update_blank,
    };
    let header = "SECTION_KEY|COURSE_SESSION|ASMT_NUMBER|DESCRIPTION\r\n";
    let first = format!("{header}7|1|1|Essay\r\n");
    let blank = format!("{header}7|1|1|\r\n");
    let description = |tables: &EspTables| {
        tables.table("MR_GB_ASMT").unwrap().records()[0]["DESCRIPTION"].clone()
    };
    definitions::upload(&def, first.as_bytes(), mode(false), &mut tables).unwrap();
    definitions::upload(&def, blank.as_bytes(), mode(false), &mut tables).unwrap();
    assert_eq!(description(&tables), "Essay");
    definitions::upload(&def, blank.as_bytes(), mode(true), &mut tables).unwrap();
    assert_eq!(description(&tables), "");
    assert_eq!(tables.table("MR_GB_ASMT").unwrap().rows.len(), 1);
}

#[tokio::test]
async fn tables_load_from_a_json_file_and_feed_downloads() {
    let json = r#"{"reg_building": {"columns": ["BUILDING", "NAME"], "rows": [["10", "North"], ["30", "East"]]}}"#;
    let path = std::env::temp_dir().join(format!("esp-tables-{}.json", std::process::id()));
    std::fs::write(&path, json).unwrap();
    let loaded = EspTables::load(&path);
    std::fs::remove_file(&path).unwrap();
    let tables = loaded.unwrap();
    assert_eq!(tables.table("REG_BUILDING").unwrap().rows.len(), 2);
    assert!(EspTables::from_json(b"[1, 2]").is_err());
    let sim = EspSim::builder()
        .task_polls(1)
        .environment("0850", "Live", tables)
        .start()
        .await
        .unwrap();
    let client = logged_on(&sim).await;
    run_buildings(&sim, &client).await;
    let list = tasks(&sim, &client).await;
    // `BUILDING|NAME|#!#` and building 10 only (the filter), CRLF after each.
    assert_eq!(list["Reports"][0]["ReportSize"], 19 + 14, "{list}");
    // The schema's other tables were added empty.
    assert!(sim.table("0850", "MR_GB_ASMT").is_some());
}
