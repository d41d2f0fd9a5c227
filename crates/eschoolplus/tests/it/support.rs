//! A small stateful fake of the eSchoolPLUS web application on wiremock:
//! logon with token and cookie, environment page with two site codes,
//! definitions, tasks that run for a configurable number of polls, files,
//! uploads, and session expiry on demand.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use rostersync_eschoolplus::parse::{self, FileFormat, Layout};
use rostersync_eschoolplus::{Credentials, Options, Password};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const PASSWORD: &str = "s3cret-pass";
const TOKEN: &str = "form-token-123";
const COOKIE_TOKEN: &str = "cookie-token-456";

pub(crate) fn logon_page(version: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><title>Login</title></head><body>
<form action="/eSchoolPLUS/Account/LogOn" method="post">
<input name="__RequestVerificationToken" type="hidden" value="{TOKEN}" />
<input id="UserName" name="UserName" type="text" value="" />
<input id="Password" name="Password" type="password" />
</form><footer>eSchoolPLUS Version {version}</footer></body></html>"#
    )
}

const ENVIRONMENT_PAGE: &str = r#"<!DOCTYPE html><html><head><title>Environment</title></head><body>
<form action="/eSchoolPLUS/Account/SetEnvironment/SessionStart" method="post">
<input id="ServerName" name="ServerName" type="hidden" value="ESPSRV01" />
<select id="EnvironmentConfiguration_Database" name="EnvironmentConfiguration.Database">
<option value="0850">Wayland Live</option>
<option value="0851">Wayland Training</option>
</select>
<input id="EnvironmentConfiguration_SchoolYear" name="EnvironmentConfiguration.SchoolYear" value="2026" />
<button id="setEnvOkButton">OK</button></form></body></html>"#;

/// How the fake behaves.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) version: String,
    pub(crate) polls_needed: u32,
    pub(crate) fail_table: Option<(String, String)>,
    pub(crate) expire_at_poll: Option<u32>,
    pub(crate) always_expire: bool,
    pub(crate) run_refusal: Option<String>,
    pub(crate) save_forbidden: bool,
    /// Fails the upload of this table in this mode (`V` or `R`).
    pub(crate) fail_upload: Option<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: "21.4.18".to_owned(),
            polls_needed: 1,
            fail_table: None,
            expire_at_poll: None,
            always_expire: false,
            run_refusal: None,
            save_forbidden: false,
            fail_upload: None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) table: String,
    pub(crate) file: String,
    pub(crate) polls: u32,
    pub(crate) upload: bool,
    pub(crate) mode: String,
}

/// What the fake saw and holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) logons: u32,
    pub(crate) logoffs: u32,
    pub(crate) environments: Vec<String>,
    pub(crate) saved: BTreeMap<String, Value>,
    pub(crate) tasks: BTreeMap<String, Task>,
    pub(crate) task_polls: u32,
    pub(crate) deleted: Vec<String>,
    pub(crate) cleared: Vec<String>,
    pub(crate) uploads: BTreeMap<String, Vec<u8>>,
    pub(crate) upload_runs: Vec<(String, String)>,
    pub(crate) tables: BTreeMap<String, Vec<u8>>,
}

pub(crate) struct FakeEsp {
    pub(crate) server: MockServer,
    pub(crate) state: Arc<Mutex<State>>,
}

fn form(request: &Request) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn redirect_to_logon() -> ResponseTemplate {
    ResponseTemplate::new(302).insert_header("Location", "/eSchoolPLUS/Account/LogOn")
}

fn html(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/html")
}

/// The file part of a multipart body.
fn multipart_file(body: &[u8]) -> (String, Vec<u8>) {
    let text = String::from_utf8_lossy(body);
    let name = text
        .split("filename=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let start = body
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |at| at + 4);
    let end = body
        .windows(4)
        .rposition(|w| w == b"\r\n--")
        .unwrap_or(body.len());
    (name, body[start..end].to_vec())
}

/// Converts an uploaded one-line file into the download format of the same columns.
fn upload_to_download(bytes: &[u8], columns: &[String]) -> Vec<u8> {
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let layout = Layout {
        columns: &names,
        free_text: None,
    };
    let (table, _) = parse::parse("upload", bytes, FileFormat::UPLOAD, layout).unwrap();
    let rows: Vec<Vec<String>> = table.rows.iter().map(|row| row.fields.clone()).collect();
    parse::write(FileFormat::DOWNLOAD, &names, &rows, None).unwrap()
}

impl FakeEsp {
    pub(crate) async fn start(config: Config, tables: BTreeMap<String, Vec<u8>>) -> FakeEsp {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            tables,
            ..State::default()
        }));
        let base = "/eSchoolPLUS";
        let page = logon_page(&config.version);
        Mock::given(method("GET"))
            .and(path(format!("{base}/Account/LogOn")))
            .respond_with(html(&page).insert_header(
                "Set-Cookie",
                format!("__RequestVerificationToken={COOKIE_TOKEN}; path=/"),
            ))
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Account/LogOn")))
            .respond_with(move |request: &Request| {
                let fields = form(request);
                let cookie = request
                    .headers
                    .get("cookie")
                    .and_then(|c| c.to_str().ok())
                    .unwrap_or_default();
                let ok = fields.get("UserName").map(String::as_str) == Some("rostersync")
                    && fields.get("Password").map(String::as_str) == Some(PASSWORD)
                    && fields.get("__RequestVerificationToken").map(String::as_str) == Some(TOKEN)
                    && cookie.contains(COOKIE_TOKEN);
                if ok {
                    s.lock().unwrap().logons += 1;
                    html(ENVIRONMENT_PAGE).insert_header("Set-Cookie", "ESP_SESSION=abc; path=/")
                } else {
                    html(&logon_page("21.4.18"))
                }
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Account/SetEnvironment/SessionStart")))
            .respond_with(move |request: &Request| {
                s.lock()
                    .unwrap()
                    .environments
                    .push(String::from_utf8_lossy(&request.body).into_owned());
                ResponseTemplate::new(302).insert_header("Location", "/eSchoolPLUS/Home")
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{base}/Home")))
            .respond_with(html("<html><head><title>Home</title></head></html>"))
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("GET"))
            .and(path(format!("{base}/Account/LogOff")))
            .respond_with(move |_: &Request| {
                s.lock().unwrap().logoffs += 1;
                redirect_to_logon()
            })
            .mount(&server)
            .await;
        let s = state.clone();
        let forbidden = config.save_forbidden;
        Mock::given(method("POST"))
            .and(path(format!("{base}/Utility/SaveUploadDownload")))
            .respond_with(move |request: &Request| {
                if forbidden {
                    return ResponseTemplate::new(403);
                }
                let body: Value = request.body_json().unwrap();
                let id = body["UploadDownloadDefinition"]["InterfaceId"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                s.lock().unwrap().saved.insert(id, body);
                ResponseTemplate::new(200).set_body_json(json!({ "PageState": 2 }))
            })
            .mount(&server)
            .await;
        let s = state.clone();
        let refusal = config.run_refusal.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Utility/RunDownload")))
            .respond_with(move |request: &Request| {
                if let Some(message) = &refusal {
                    return ResponseTemplate::new(200).set_body_json(json!({
                        "PageState": 1,
                        "ValidationErrorMessages": [{ "message": message }]
                    }));
                }
                let id = form(request)
                    .get("InterfaceId")
                    .cloned()
                    .unwrap_or_default();
                let mut state = s.lock().unwrap();
                let header = &state.saved[&id]["UploadDownloadDefinition"]["InterfaceHeaders"][0];
                let task = Task {
                    table: header["TableAffected"]
                        .as_str()
                        .unwrap()
                        .to_ascii_uppercase(),
                    file: header["FileName"].as_str().unwrap().to_owned(),
                    polls: 0,
                    upload: false,
                    mode: String::new(),
                };
                state.tasks.insert(id, task);
                ResponseTemplate::new(200).set_body_json(json!({ "PageState": 2 }))
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Utility/UploadFile")))
            .respond_with(move |request: &Request| {
                let (name, bytes) = multipart_file(&request.body);
                s.lock().unwrap().uploads.insert(name, bytes);
                ResponseTemplate::new(200)
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Utility/RunUpload")))
            .respond_with(move |request: &Request| {
                let body: Value = request.body_json().unwrap();
                let id = body["InterfaceId"].as_str().unwrap().to_owned();
                let mode = body["RunMode"].as_str().unwrap().to_owned();
                let mut state = s.lock().unwrap();
                let header =
                    state.saved[&id]["UploadDownloadDefinition"]["InterfaceHeaders"][0].clone();
                let table = header["TableAffected"]
                    .as_str()
                    .unwrap()
                    .to_ascii_uppercase();
                let file = header["FileName"].as_str().unwrap().to_owned();
                if mode == "R" {
                    let columns: Vec<String> = header["InterfaceDetails"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d["ColumnName"].as_str().unwrap().to_owned())
                        .collect();
                    let converted = upload_to_download(&state.uploads[&file], &columns);
                    state.tables.insert(table.clone(), converted);
                }
                state.upload_runs.push((id.clone(), mode.clone()));
                state.tasks.insert(
                    id,
                    Task {
                        table,
                        file,
                        polls: 0,
                        upload: true,
                        mode,
                    },
                );
                ResponseTemplate::new(200).set_body_json(json!({ "PageState": 2 }))
            })
            .mount(&server)
            .await;
        let s = state.clone();
        let cfg = config.clone();
        Mock::given(method("GET"))
            .and(path(format!("{base}/Task/TaskAndReportData")))
            .respond_with(move |_: &Request| {
                let mut state = s.lock().unwrap();
                state.task_polls += 1;
                if cfg.always_expire || cfg.expire_at_poll == Some(state.task_polls) {
                    return redirect_to_logon();
                }
                let (mut active, mut inactive, mut reports) = (vec![], vec![], vec![]);
                for (id, task) in state.tasks.iter_mut() {
                    task.polls += 1;
                    let name = format!("Run {id} ({})", task.table);
                    let failing = cfg.fail_table.as_ref().filter(|(t, _)| *t == task.table).cloned().or_else(|| {
                        cfg.fail_upload
                            .as_ref()
                            .filter(|(t, m)| task.upload && *t == task.table && *m == task.mode)
                            .map(|(t, _)| (t.clone(), format!("Upload of {t} failed")))
                    });
                    if task.polls < cfg.polls_needed {
                        active.push(json!({
                            "TaskKey": format!("{id}-key"), "TaskName": name,
                            "ProgressDescription": format!("poll {}", task.polls),
                            "ErrorOccurred": "False", "RecordsProcessed": task.polls, "TotalRecords": cfg.polls_needed,
                        }));
                    } else if let Some((_, description)) = failing {
                        inactive.push(json!({
                            "TaskKey": format!("{id}-key"), "TaskName": name, "ErrorOccurred": "True",
                            "TaskError": { "ScheduledTaskErrorDescription": description },
                        }));
                    } else if task.upload {
                        inactive.push(json!({
                            "TaskKey": format!("{id}-key"), "TaskName": name, "ErrorOccurred": "False",
                        }));
                    } else {
                        reports.push(json!({
                            "DisplayName": task.file, "RawFileName": format!("srv_{}", task.file),
                            "FileExtension": ".txt", "ReportSize": 1,
                        }));
                    }
                }
                ResponseTemplate::new(200).set_body_json(json!({
                    "RunningTaskCount": active.len(),
                    "ActiveTasks": active, "InactiveTasks": inactive, "Reports": reports,
                }))
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("GET"))
            .and(path(format!("{base}/ReportViewer/FileStream")))
            .respond_with(move |request: &Request| {
                let raw = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "fileName")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let state = s.lock().unwrap();
                let task = state
                    .tasks
                    .values()
                    .find(|t| format!("srv_{}", t.file) == raw);
                match task.and_then(|t| state.tables.get(&t.table)) {
                    Some(bytes) => {
                        ResponseTemplate::new(200).set_body_raw(bytes.clone(), "text/plain")
                    }
                    None => ResponseTemplate::new(404),
                }
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Task/DeleteTasksAndReports")))
            .respond_with(move |request: &Request| {
                let body: Value = request.body_json().unwrap();
                let mut state = s.lock().unwrap();
                for raw in body["reportsToDelete"].as_array().unwrap() {
                    let raw = raw.as_str().unwrap().to_owned();
                    state
                        .tasks
                        .retain(|_, t| t.upload || format!("srv_{}", t.file) != raw);
                    state.deleted.push(raw);
                }
                for key in body["tasksToDelete"].as_array().unwrap() {
                    let key = key.as_str().unwrap().to_owned();
                    state.tasks.retain(|id, _| format!("{id}-key") != key);
                }
                ResponseTemplate::new(200).set_body_json(json!({}))
            })
            .mount(&server)
            .await;
        let s = state.clone();
        Mock::given(method("POST"))
            .and(path(format!("{base}/Task/ClearErroredTask")))
            .respond_with(move |request: &Request| {
                let body: Value = request.body_json().unwrap();
                let key = body["paramKey"].as_str().unwrap().to_owned();
                let mut state = s.lock().unwrap();
                state.tasks.retain(|id, _| format!("{id}-key") != key);
                state.cleared.push(key);
                ResponseTemplate::new(200).set_body_json(json!({}))
            })
            .mount(&server)
            .await;
        FakeEsp { server, state }
    }

    pub(crate) fn credentials(&self, site_code: &str, password: &str) -> Credentials {
        Credentials {
            domain: self.server.uri(),
            site_code: site_code.to_owned(),
            login_name: "rostersync".to_owned(),
            password: Password::new(password),
        }
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

/// Options for 2025-09-01 (school year 2026) that poll without waiting.
pub(crate) fn options() -> Options {
    let today = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    Options::for_date(today).with_polling(Duration::from_millis(1), 20)
}

/// A download file: header and records as text, `|#!#` and CRLF after each,
/// encoded as Windows-1252.
pub(crate) fn file(header: &str, rows: &[&str]) -> Vec<u8> {
    let mut text = format!("{header}|#!#\r\n");
    for row in rows {
        text.push_str(row);
        text.push_str("|#!#\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

pub(crate) fn buildings() -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([(
        "REG_BUILDING".to_owned(),
        file(
            "BUILDING|ABBREVIATION|STATE_CODE_EQUIV|NAME",
            &[
                "10|WHS|0401001|Wayland High School",
                "20|WMS|0401002|Wayland Middle | Annex",
            ],
        ),
    )])
}
