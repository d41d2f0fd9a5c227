//! The HTTP interface: the routes of the eSchoolPLUS web application the
//! client uses, below `/eSchoolPLUS`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::definitions;
use super::pages;
use super::search;
use super::state::{Config, Inner, Stage, TaskKind, WebSession, token};
use super::upload::UploadMode;
use crate::faults::{self, Faults};

/// The application path.
pub(crate) const BASE: &str = "/eSchoolPLUS";
const SESSION_COOKIE: &str = "ASP.NET_SessionId";
const TOKEN_FIELD: &str = "__RequestVerificationToken";
const DOWNLOAD_CLASS: &str = "LTDB21_4.CRunDownload";
const UPLOAD_CLASS: &str = "LTDB21_4.CRunUpload";
const NO_RUNLOAD: &str = "You do not have permission to run upload/download definitions (RUNLOAD).";

/// The state the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

type S = State<Arc<Shared>>;

/// The router, with request counting and fault injection installed.
pub(crate) fn router(shared: Arc<Shared>, faults: Faults) -> Router {
    let app = Router::new()
        .route("/Account/LogOn", get(logon_page).post(logon))
        .route(
            "/Account/SetEnvironment/SessionStart",
            post(set_environment),
        )
        .route("/Home", get(home))
        .route("/Account/LogOff", get(log_off))
        .route("/Task/TaskAndReportData", get(task_list))
        .route("/ReportViewer/FileStream", get(file_stream))
        .route("/Utility/UploadFile", post(upload_file))
        .route("/Task/DeleteTasksAndReports", post(delete))
        .route("/Task/ClearErroredTask", post(clear_errored))
        .route("/Utility/RunDownload", post(run_download))
        .route("/Utility/RunUpload", post(run_upload))
        .route("/Utility/SaveUploadDownload", post(save_definition))
        .route("/Search/ExecuteSearch", post(execute_search))
        .route("/Search/GetSearchResults", post(search_results));
    Router::new()
        .nest(BASE, app)
        .layer(middleware::from_fn_with_state(faults, faults::inject))
        .layer(middleware::from_fn_with_state(shared.clone(), count))
        .with_state(shared)
}

/// Counts every request by its path below the application base.
async fn count(State(shared): S, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let path = path
        .strip_prefix(BASE)
        .unwrap_or(path)
        .trim_start_matches('/')
        .to_owned();
    *shared.lock().counters.requests.entry(path).or_default() += 1;
    next.run(request).await
}

/// The cookies of a request.
fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A form-urlencoded body, pairs in order (keys may repeat).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A form-urlencoded body (the last value of a repeated key wins).
fn form(body: &[u8]) -> HashMap<String, String> {
    form_pairs(body).into_iter().collect()
}

fn html(body: String) -> Response {
    Html(body).into_response()
}

fn with_cookie(mut response: Response, name: &str, value: &str) -> Response {
    if let Ok(cookie) = HeaderValue::from_str(&format!("{name}={value}; path=/; HttpOnly")) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("{BASE}/{to}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn page_state(result: Result<(), String>) -> Response {
    let body = match result {
        Ok(()) => json!({ "PageState": 2, "ValidationErrorMessages": [] }),
        Err(message) => json!({
            "PageState": 1,
            "ValidationErrorMessages": [{ "message": message }],
        }),
    };
    axum::Json(body).into_response()
}

/// A fresh logon page with its token pair.
fn fresh_logon(shared: &Shared, message: Option<&str>) -> Response {
    let (form_token, cookie_token) = (token(), token());
    {
        let mut inner = shared.lock();
        if inner.tokens.len() > 10_000 {
            inner.tokens.clear();
        }
        inner
            .tokens
            .insert(form_token.clone(), cookie_token.clone());
    }
    let page = pages::logon(&form_token, &shared.config.version, message);
    with_cookie(html(page), TOKEN_FIELD, &cookie_token)
}

async fn logon_page(State(shared): S) -> Response {
    fresh_logon(&shared, None)
}

fn environments(inner: &Inner) -> Vec<(String, String)> {
    inner
        .env_order
        .iter()
        .filter_map(|code| {
            inner
                .envs
                .get(code)
                .map(|e| (code.clone(), e.label.clone()))
        })
        .collect()
}

async fn logon(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let cookie = cookies(&headers).remove(TOKEN_FIELD);
    let token_ok = {
        let inner = shared.lock();
        fields
            .get(TOKEN_FIELD)
            .and_then(|t| inner.tokens.get(t))
            .is_some_and(|expected| cookie.as_ref() == Some(expected))
    };
    if !token_ok {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The required anti-forgery form field \"__RequestVerificationToken\" is not present or does not match the cookie.",
        )
            .into_response();
    }
    let config = &shared.config;
    let good = fields
        .get("UserName")
        .map(|u| u.trim().to_ascii_lowercase())
        == Some(config.login_name.to_ascii_lowercase())
        && fields.get("Password") == Some(&config.password.0);
    if !good {
        shared.lock().counters.failed_logons += 1;
        return fresh_logon(
            &shared,
            Some("The user name or password provided is incorrect."),
        );
    }
    let id = token();
    let page = {
        let mut inner = shared.lock();
        inner.counters.logons += 1;
        inner.sessions.insert(
            id.clone(),
            WebSession {
                stage: Stage::Choosing,
                served: 0,
                saved: Default::default(),
                searches: Default::default(),
            },
        );
        pages::environment(
            &config.server_name,
            &environments(&inner),
            config.school_year,
            None,
        )
    };
    with_cookie(html(page), SESSION_COOKIE, &id)
}

async fn set_environment(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form(&body);
    let Some(id) = cookies(&headers).remove(SESSION_COOKIE) else {
        return redirect("Account/LogOn");
    };
    let mut inner = shared.lock();
    if !inner.sessions.contains_key(&id) {
        return redirect("Account/LogOn");
    }
    let database = fields
        .get("EnvironmentConfiguration.Database")
        .cloned()
        .unwrap_or_default();
    let year = fields
        .get("EnvironmentConfiguration.SchoolYear")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (1901..=9999).contains(y));
    // A school year the server cannot take ends the session: the answer is
    // the logon page, as a district saw for `school_year = 27`, although the
    // credentials were accepted one step before.
    if inner.envs.contains_key(&database) && year.is_none() {
        inner.sessions.remove(&id);
        return redirect("Account/LogOn");
    }
    let problem = (!inner.envs.contains_key(&database))
        .then(|| format!("Environment '{database}' does not exist."));
    if let (None, Some(school_year)) = (&problem, year) {
        if let Some(session) = inner.sessions.get_mut(&id) {
            session.stage = Stage::Working {
                site_code: database,
                school_year,
            };
        }
        return redirect("Home");
    }
    let page = pages::environment(
        &shared.config.server_name,
        &environments(&inner),
        year.unwrap_or_default(),
        problem.as_deref(),
    );
    html(page)
}

/// The answer to a request without a working session: back to the logon page.
struct Expired;

impl IntoResponse for Expired {
    fn into_response(self) -> Response {
        redirect("Account/LogOn")
    }
}

/// A request's working session.
struct Work {
    /// The session cookie.
    id: String,
    site_code: String,
    school_year: i32,
}

/// The working session of a request, counting the request against its
/// lifetime; a redirect to the logon page when there is none (expired).
fn working(shared: &Shared, headers: &HeaderMap) -> Result<Work, Expired> {
    let id = cookies(headers).remove(SESSION_COOKIE).unwrap_or_default();
    let mut inner = shared.lock();
    let limit = shared.config.expire_after;
    let outcome = match inner.sessions.get_mut(&id) {
        Some(session) if limit.is_some_and(|limit| session.served >= limit) => None,
        Some(WebSession {
            stage:
                Stage::Working {
                    site_code,
                    school_year,
                },
            served,
            ..
        }) => {
            *served += 1;
            Some((site_code.clone(), *school_year))
        }
        _ => None,
    };
    match outcome {
        Some((site_code, school_year)) => Ok(Work {
            id,
            site_code,
            school_year,
        }),
        None => {
            inner.sessions.remove(&id);
            inner.counters.expired_requests += 1;
            Err(Expired)
        }
    }
}

async fn home(State(shared): S, headers: HeaderMap) -> Response {
    match working(&shared, &headers) {
        Ok(work) => {
            let label = shared
                .lock()
                .envs
                .get(&work.site_code)
                .map(|e| e.label.clone())
                .unwrap_or_default();
            html(pages::home(&label, work.school_year))
        }
        Err(response) => response.into_response(),
    }
}

async fn log_off(State(shared): S, headers: HeaderMap) -> Response {
    let id = cookies(&headers).remove(SESSION_COOKIE).unwrap_or_default();
    let mut inner = shared.lock();
    if inner.sessions.remove(&id).is_some() {
        inner.counters.logoffs += 1;
    }
    redirect("Account/LogOn")
}

async fn task_list(State(shared): S, headers: HeaderMap) -> Response {
    if let Err(response) = working(&shared, &headers) {
        return response.into_response();
    }
    axum::Json(shared.lock().poll()).into_response()
}

async fn file_stream(
    State(shared): S,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = working(&shared, &headers) {
        return response.into_response();
    }
    let name = query.get("fileName").cloned().unwrap_or_default();
    let mut inner = shared.lock();
    let Some(bytes) = inner
        .files
        .iter()
        .find(|f| f.raw_name == name)
        .map(|f| f.bytes.clone())
    else {
        return (StatusCode::NOT_FOUND, "file not found").into_response();
    };
    inner.counters.files_downloaded += 1;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=windows-1252"),
    );
    response
}

/// The `(file name, bytes)` of the multipart part called `field`.
fn multipart_file(headers: &HeaderMap, body: &[u8], field: &str) -> Option<(String, Vec<u8>)> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let find = |from: usize, needle: &[u8]| {
        body.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|at| at + from)
    };
    let mut at = find(0, delimiter.as_bytes())?;
    loop {
        let start = at + delimiter.len();
        let headers_end = find(start, b"\r\n\r\n")?;
        // An empty part is `\r\n\r\n` straight followed by `\r\n--boundary`.
        let next = find(headers_end + 2, format!("\r\n{delimiter}").as_bytes())?;
        let part_headers = String::from_utf8_lossy(&body[start..headers_end]);
        let named = part_headers.contains(&format!("name=\"{field}\""));
        if named {
            let file_name = part_headers
                .split("filename=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned();
            let content = body.get(headers_end + 4..next).unwrap_or_default();
            return Some((file_name, content.to_vec()));
        }
        at = next + 2;
    }
}

async fn upload_file(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = working(&shared, &headers) {
        return response.into_response();
    }
    match multipart_file(&headers, &body, "FileToUpload") {
        Some((name, bytes)) if !name.is_empty() => {
            shared.lock().store_upload(&name, bytes);
            axum::Json(json!({ "Success": true })).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "FileToUpload is required").into_response(),
    }
}

/// A body that is not JSON.
struct BadJson(String);

impl IntoResponse for BadJson {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("invalid JSON: {}", self.0)).into_response()
    }
}

fn json_body(body: &[u8]) -> Result<Value, BadJson> {
    serde_json::from_slice(body).map_err(|e| BadJson(e.to_string()))
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn delete(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = working(&shared, &headers) {
        return response.into_response();
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    shared.lock().delete(
        &strings(&body, "reportsToDelete"),
        &strings(&body, "tasksToDelete"),
    );
    axum::Json(json!({})).into_response()
}

async fn clear_errored(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = working(&shared, &headers) {
        return response.into_response();
    }
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    let key = body
        .get("paramKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    shared.lock().clear_errored(key);
    axum::Json(json!({})).into_response()
}

async fn run_download(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let work = match working(&shared, &headers) {
        Ok(found) => found,
        Err(response) => return response.into_response(),
    };
    let fields = form(&body);
    let class = fields
        .get("TaskScheduler.CurrentTask.Classname")
        .map_or("", String::as_str);
    if class != DOWNLOAD_CLASS {
        return page_state(Err(format!("Class {class} cannot be scheduled")));
    }
    if shared.config.no_load_permissions {
        return page_state(Err(NO_RUNLOAD.to_owned()));
    }
    let id = fields.get("InterfaceId").map_or("", String::as_str);
    let polls = shared.config.task_polls;
    page_state(
        shared
            .lock()
            .start_task(&work.id, &work.site_code, id, TaskKind::Download, polls),
    )
}

async fn run_upload(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let work = match working(&shared, &headers) {
        Ok(found) => found,
        Err(response) => return response.into_response(),
    };
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    if shared.config.no_load_permissions {
        return page_state(Err(NO_RUNLOAD.to_owned()));
    }
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    if text("Classname") != UPLOAD_CLASS {
        return page_state(Err(format!(
            "Class {} cannot be scheduled",
            text("Classname")
        )));
    }
    let run = match text("RunMode") {
        "V" => false,
        "R" => true,
        other => return page_state(Err(format!("Run mode '{other}' is not V or R"))),
    };
    let mode = UploadMode {
        run,
        insert: text("InsertNewRec") == "Y",
        update: text("UpdateExistRec") == "Y",
        update_blank: text("UpdateBlankRec") == "Y",
    };
    let polls = shared.config.task_polls;
    let mut inner = shared.lock();
    let result = inner.start_task(
        &work.id,
        &work.site_code,
        text("InterfaceId"),
        TaskKind::Upload(mode),
        polls,
    );
    if result.is_ok() {
        if run {
            inner.counters.upload_runs += 1;
        } else {
            inner.counters.upload_verifies += 1;
        }
    }
    page_state(result)
}

async fn save_definition(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let work = match working(&shared, &headers) {
        Ok(found) => found,
        Err(response) => return response.into_response(),
    };
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    if shared.config.no_load_permissions {
        return page_state(Err(
            "You do not have permission to maintain upload/download definitions (LOADDEFS)."
                .to_owned(),
        ));
    }
    let mut inner = shared.lock();
    let result = definitions::parse(&body).and_then(|definition| {
        let env = inner
            .envs
            .get_mut(&work.site_code)
            .ok_or("the environment is gone")?;
        env.save(&definition);
        Ok(definition.interface_id.to_ascii_uppercase())
    });
    match result {
        Ok(interface_id) => {
            inner.counters.definitions_saved += 1;
            if let Some(session) = inner.sessions.get_mut(&work.id) {
                session.saved.insert(interface_id);
            }
            page_state(Ok(()))
        }
        Err(message) => {
            inner.counters.definitions_refused += 1;
            page_state(Err(message))
        }
    }
}

async fn execute_search(State(shared): S, headers: HeaderMap, body: Bytes) -> Response {
    let work = match working(&shared, &headers) {
        Ok(found) => found,
        Err(response) => return response.into_response(),
    };
    let pairs = form_pairs(&body);
    let mut inner = shared.lock();
    let result = inner
        .envs
        .get(&work.site_code)
        .ok_or_else(|| "the environment is gone".to_owned())
        .and_then(|env| search::execute(&pairs, &env.tables));
    let result = result.map(|(search_type, found)| {
        inner.counters.searches += 1;
        if let Some(session) = inner.sessions.get_mut(&work.id) {
            session.searches.insert(search_type, found);
        }
    });
    page_state(result)
}

async fn search_results(
    State(shared): S,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let work = match working(&shared, &headers) {
        Ok(found) => found,
        Err(response) => return response.into_response(),
    };
    let mut fields = query;
    fields.extend(form(&body));
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    };
    let number = |name: &str, default: usize| get(name).trim().parse().unwrap_or(default);
    let search_type = get("searchType").to_ascii_uppercase();
    let inner = shared.lock();
    let Some(found) = inner
        .sessions
        .get(&work.id)
        .and_then(|session| session.searches.get(&search_type))
    else {
        return page_state(Err(format!("no {search_type} search has been run")));
    };
    let page = search::page(
        found,
        number("rows", 20),
        number("page", 1),
        get("sidx"),
        get("sord"),
    );
    axum::Json(page).into_response()
}
