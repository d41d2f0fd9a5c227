//! Tests of the eSchoolPLUS simulator, spoken to with a plain HTTP client;
//! the helpers here build definitions in the shape the public scripts send
//! (reference §A2.1) and drive a web session.

mod definitions;
mod downloads;
mod uploads;

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::district::{DistrictSize, generate};

/// What the public scripts put first in `AdditionalSql` to end records with `#!#`.
const TERMINATOR_JOIN: &str =
    "LEFT OUTER JOIN (SELECT '#!#' AS 'RC_RUN') AS [spi_checklist_setup_hdr] ON 1=1 ";

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

async fn set_environment(sim: &RunningEsp, client: &Client, database: &str) -> reqwest::Response {
    let url = format!("{}/Account/SetEnvironment/SessionStart", sim.url());
    client
        .post(url)
        .form(&[
            ("ServerName", "ESPSIM01"),
            ("EnvironmentConfiguration.Database", database),
            ("EnvironmentConfiguration.SchoolYear", "2026"),
            ("EnvironmentConfiguration.SummerSchool", "false"),
        ])
        .send()
        .await
        .unwrap()
}

/// Asserts that `answer` redirects to the logon page (no working session).
fn assert_sent_to_logon(answer: &reqwest::Response) {
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(answer.headers()["location"], "/eSchoolPLUS/Account/LogOn");
}

/// One column of a definition, with every field the public scripts send.
fn detail(
    interface_id: &str,
    header_id: &str,
    order: usize,
    (table, column): (&str, &str),
    column_override: Option<&str>,
) -> Value {
    json!({
        "Edit": null, "InterfaceId": interface_id, "HeaderId": header_id,
        "FieldId": order.to_string(), "FieldOrder": order, "TableName": table,
        "TableAlias": null, "ColumnName": column, "ScreenType": null, "ScreenNumber": null,
        "FormatString": null, "StartPosition": null, "EndPosition": null, "FieldLength": "255",
        "ValidationTable": null, "CodeColumn": null, "ValidationList": null, "ErrorMessage": null,
        "ExternalTable": null, "ExternalColumnIn": null, "ExternalColumnOut": null,
        "Literal": null, "ColumnOverride": column_override, "Delete": false, "CanDelete": true,
        "NewRow": true, "InterfaceTranslations": [""],
    })
}

/// A header of `table` writing `<interface id>_<header id>.txt` with
/// `columns` (`table.COLUMN`) and `sql` after `FROM`; `terminated` adds the
/// scripts' `#!#` column and its derived table.
fn header(
    interface_id: &str,
    (header_id, order): (&str, usize),
    table: &str,
    columns: &[&str],
    sql: &str,
    terminated: bool,
) -> Value {
    let mut details: Vec<Value> = columns
        .iter()
        .enumerate()
        .map(|(at, column)| {
            let column = column.split_once('.').unwrap();
            detail(interface_id, header_id, at + 1, column, None)
        })
        .collect();
    let mut sql = sql.to_owned();
    if terminated {
        let mut end = detail(
            interface_id,
            header_id,
            99,
            ("spi_checklist_setup_hdr", "RC_RUN"),
            Some("#!#"),
        );
        end["FieldLength"] = json!("3");
        details.push(end);
        sql = format!("{TERMINATOR_JOIN}{sql}");
    }
    json!({
        "InterfaceId": interface_id, "HeaderId": header_id, "HeaderOrder": order,
        "Description": format!("rostersync {table}"),
        "FileName": format!("{interface_id}_{header_id}.txt"), "LastRunDate": null,
        "DelimitChar": "|", "TableAffected": table, "UseChangeFlag": false,
        "AdditionalSql": sql, "ColumnHeaders": true, "Delete": false, "CanDelete": true,
        "ColumnHeadersRaw": "Y",
        "AffectedTableObject": { "Code": table, "Description": table,
            "CodeAndDescription": table, "ActiveRaw": "Y", "Active": true },
        "InterfaceDetails": details,
    })
}

/// The body of `SaveUploadDownload` (`direction` `D` or `U`).
fn definition(
    direction: &str,
    interface_id: &str,
    description: &str,
    headers: Vec<Value>,
) -> Value {
    json!({
        "IsCopyNew": "False", "NewHeaderNames": [""], "InterfaceHeadersToCopy": [""],
        "InterfaceToCopyFrom": [""], "CopyHeaders": "False", "PageEditMode": 0,
        "UploadDownloadDefinition": {
            "UploadDownload": direction, "DistrictId": 0, "InterfaceId": interface_id,
            "Description": description, "UploadDownloadRaw": direction, "ChangeUser": null,
            "DeleteEntity": false, "InterfaceHeaders": headers,
        },
    })
}

/// The buildings definition: building and name of building 10, terminated.
fn building_definition() -> Value {
    definition(
        "D",
        "RSBLD",
        "buildings",
        vec![header(
            "RSBLD",
            ("BLD", 1),
            "reg_building",
            &["reg_building.BUILDING", "reg_building.NAME"],
            "WHERE reg_building.BUILDING IN ('10')",
            true,
        )],
    )
}

fn buildings(names: &[(&str, &str)]) -> EspTables {
    let mut tables = EspTables::empty();
    let table = tables.table_mut("REG_BUILDING").unwrap();
    for (number, name) in names {
        table.push(&[("BUILDING", (*number).into()), ("NAME", (*name).into())]);
    }
    tables
}

/// A simulator whose tasks finish on the first poll, with `tables` in
/// environment `0850`.
async fn live(builder: EspSimBuilder, tables: EspTables) -> RunningEsp {
    builder
        .task_polls(1)
        .environment("0850", "Live", tables)
        .start()
        .await
        .unwrap()
}

/// A web session logged on to an environment for 2026.
struct Session<'a> {
    sim: &'a RunningEsp,
    client: Client,
}

impl<'a> Session<'a> {
    /// Logs on to the first environment.
    async fn new(sim: &'a RunningEsp) -> Session<'a> {
        let client = client();
        let page = logon_page(sim, &client).await;
        let answer = post_logon(sim, &client, sim.password(), Some(&token_of(&page))).await;
        assert_eq!(answer.status(), StatusCode::OK);
        let answer = set_environment(sim, &client, sim.site_code()).await;
        assert_eq!(answer.status(), StatusCode::FOUND);
        Session { sim, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.sim.url())
    }

    async fn post_json(&self, path: &str, body: &Value) -> Value {
        let response = self.client.post(self.url(path)).json(body).send().await;
        response.unwrap().json().await.unwrap()
    }

    async fn save(&self, definition: &Value) -> Value {
        self.post_json("Utility/SaveUploadDownload", definition)
            .await
    }

    async fn run_download(&self, interface_id: &str) -> Value {
        let form = [
            ("InterfaceId", interface_id),
            ("SearchType", "download_filter"),
            ("ImportDirectory", "UD"),
            (
                "TaskScheduler.CurrentTask.Classname",
                "LTDB21_4.CRunDownload",
            ),
        ];
        let response = self
            .client
            .post(self.url("Utility/RunDownload"))
            .form(&form)
            .send()
            .await;
        response.unwrap().json().await.unwrap()
    }

    async fn run_upload(&self, interface_id: &str, mode: &str) -> Value {
        let body = json!({ "InterfaceId": interface_id, "RunMode": mode, "InsertNewRec": "Y",
            "UpdateExistRec": "Y", "UpdateBlankRec": "N", "RunType": "UPLOAD",
            "Classname": "LTDB21_4.CRunUpload" });
        self.post_json("Utility/RunUpload", &body).await
    }

    async fn tasks(&self) -> Value {
        let response = self
            .client
            .get(self.url("Task/TaskAndReportData"))
            .send()
            .await;
        response.unwrap().json().await.unwrap()
    }

    /// The bytes of the file `display_name` of the task list `list`.
    async fn file(&self, list: &Value, display_name: &str) -> Vec<u8> {
        let reports = list["Reports"].as_array().unwrap();
        let report = reports
            .iter()
            .find(|r| r["DisplayName"] == display_name)
            .unwrap_or_else(|| panic!("no {display_name} in {list}"));
        let response = self
            .client
            .get(self.url("ReportViewer/FileStream"))
            .query(&[("fileName", report["RawFileName"].as_str().unwrap())])
            .send()
            .await;
        response.unwrap().bytes().await.unwrap().to_vec()
    }

    /// Puts `content` in the file area as `name`.
    async fn upload_file(&self, name: &str, content: &str) {
        let body = format!(
            "--XB\r\nContent-Disposition: form-data; name=\"FileToUpload\"; filename=\"{name}\"\r\n\r\n{content}\r\n--XB--\r\n"
        );
        let uploaded = self
            .client
            .post(self.url("Utility/UploadFile"))
            .header("content-type", "multipart/form-data; boundary=XB")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), StatusCode::OK);
    }
}

/// Saves `definition` (which must be accepted) and logs on again, as the
/// public scripts do before running it.
async fn saved<'a>(sim: &'a RunningEsp, definition: &Value) -> Session<'a> {
    let saved = Session::new(sim).await.save(definition).await;
    assert_eq!(saved["PageState"], 2, "{saved}");
    Session::new(sim).await
}

/// Saves and runs download `definition` on a simulator whose tasks finish on
/// the first poll; the task list after that poll.
async fn download(session: &Session<'_>, interface_id: &str) -> Value {
    let run = session.run_download(interface_id).await;
    assert_eq!(run["PageState"], 2, "{run}");
    session.tasks().await
}

/// The one finished task's error text, if it failed.
fn task_error(list: &Value) -> Option<String> {
    let done = list["InactiveTasks"].as_array().unwrap();
    let last = done.last().unwrap();
    (last["ErrorOccurred"] == "True").then(|| {
        last["TaskError"]["ScheduledTaskErrorDescription"]
            .as_str()
            .unwrap()
            .to_owned()
    })
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
    assert_eq!(counters.requests_to("Account/LogOn"), 5);
}

#[tokio::test]
async fn a_site_code_not_offered_selects_nothing_and_gets_the_environment_page_again() {
    let sim = EspSim::builder()
        .environment("0850", "Live", EspTables::empty())
        .start()
        .await
        .unwrap();
    let client = client();
    let page = logon_page(&sim, &client).await;
    post_logon(&sim, &client, sim.password(), Some(&token_of(&page))).await;
    let refused = set_environment(&sim, &client, "0999").await;
    assert_eq!(refused.status(), StatusCode::OK);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Environment '0999' does not exist."),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"0850\">Live</option>"),
        "{page}"
    );
    // Nothing was selected: working requests are sent back to the logon page.
    let url = format!("{}/Task/TaskAndReportData", sim.url());
    let answer = client.get(&url).send().await.unwrap();
    assert_sent_to_logon(&answer);
}

#[tokio::test]
async fn sessions_expire_on_demand_and_after_a_number_of_requests() {
    let sim = EspSim::builder()
        .expire_after_requests(2)
        .start()
        .await
        .unwrap();
    let session = Session::new(&sim).await;
    let url = session.url("Task/TaskAndReportData");
    let client = &session.client;
    // SessionStart's redirect target was not followed: two requests left.
    for _ in 0..2 {
        assert_eq!(
            client.get(&url).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let expired = client.get(&url).send().await.unwrap();
    assert_sent_to_logon(&expired);

    let session = Session::new(&sim).await;
    let client = &session.client;
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    sim.expire_sessions();
    assert_eq!(sim.sessions(), 0);
    assert_sent_to_logon(&client.get(&url).send().await.unwrap());
    assert_eq!(sim.counters().expired_requests, 2);
}

#[tokio::test]
async fn with_expiry_after_no_requests_every_working_request_goes_back_to_logon() {
    let sim = EspSim::builder()
        .expire_after_requests(0)
        .start()
        .await
        .unwrap();
    for _ in 0..2 {
        // Logon and environment choice work; the first working request does not.
        let session = Session::new(&sim).await;
        let answer = session
            .client
            .get(session.url("Home"))
            .send()
            .await
            .unwrap();
        assert_sent_to_logon(&answer);
    }
    let counters = sim.counters();
    assert_eq!((counters.logons, counters.expired_requests), (2, 2));
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
    let counters = sim.counters();
    assert_eq!(counters.requests_to("Account/LogOn"), 2);
    assert_eq!(counters.total_requests(), 2);
}

#[tokio::test]
async fn counters_since_an_earlier_copy_count_what_came_after_it() {
    let sim = EspSim::builder().task_polls(1).start().await.unwrap();
    let session = Session::new(&sim).await;
    let before = sim.counters();
    session.tasks().await;
    session.tasks().await;
    let after = sim.counters().since(&before);
    assert_eq!(after.requests_to("Task/TaskAndReportData"), 2);
    assert_eq!(after.total_requests(), 2);
    assert_eq!(after.logons, 0);
    assert_eq!(sim.counters().logons, 1);
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
    // Real tables and columns only.
    assert_eq!(tables.outside_schema(), Vec::<String>::new());
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
    let session = Session::new(&sim).await;
    let run: Value = session
        .client
        .post(session.url("Search/ExecuteSearch"))
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
    let url = session.url("Search/GetSearchResults");
    let page = |n: &'static str| {
        session
            .client
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
