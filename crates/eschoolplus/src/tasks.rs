//! Running definitions as server tasks: save them, clear what earlier runs
//! left, run them, poll the task list with a bounded wait and progress, fetch
//! the files their headers write and delete them afterwards.

use serde_json::{Value, json};

use crate::assumptions::{self, paths, tasks};
use crate::definitions::Definition;
use crate::error::{EspError, EspResult};
use crate::parse::{self, FileFormat, Table};
use crate::session::{Req, Session};
use rostersync_ports::SourceProblem;

/// One task of the task list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskInfo {
    key: String,
    name: String,
    progress: String,
    error: bool,
    error_description: String,
    processed: String,
    total: String,
}

/// One file of the user's file area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportInfo {
    display_name: String,
    raw_file_name: String,
}

/// The task and report list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TaskList {
    active: Vec<TaskInfo>,
    inactive: Vec<TaskInfo>,
    reports: Vec<ReportInfo>,
}

/// A value as text, whether the server sent a string, number or bool.
pub(crate) fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl TaskList {
    fn from_json(value: &Value) -> TaskList {
        let tasks = |key: &str| -> Vec<TaskInfo> {
            value
                .get(key)
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|task| TaskInfo {
                            key: text(task, "TaskKey"),
                            name: text(task, "TaskName"),
                            progress: text(task, "ProgressDescription"),
                            error: text(task, "ErrorOccurred")
                                .eq_ignore_ascii_case(tasks::ERROR_TRUE),
                            error_description: task
                                .get("TaskError")
                                .map(|error| text(error, "ScheduledTaskErrorDescription"))
                                .unwrap_or_default(),
                            processed: text(task, "RecordsProcessed"),
                            total: text(task, "TotalRecords"),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        TaskList {
            active: tasks("ActiveTasks"),
            inactive: tasks("InactiveTasks"),
            reports: value
                .get("Reports")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|report| ReportInfo {
                            display_name: text(report, "DisplayName"),
                            raw_file_name: text(report, "RawFileName"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn report(&self, file_name: &str) -> Option<&ReportInfo> {
        let stem = file_name
            .rsplit_once('.')
            .map_or(file_name, |(stem, _)| stem);
        let stem = stem.to_ascii_lowercase();
        self.reports.iter().find(|report| {
            report.display_name.eq_ignore_ascii_case(file_name)
                || report.raw_file_name.to_ascii_lowercase().contains(&stem)
        })
    }
}

fn names(task: &TaskInfo, interface_id: &str) -> bool {
    task.name.contains(interface_id)
}

/// Reads the task and report list.
pub(crate) async fn task_list(session: &Session) -> EspResult<TaskList> {
    let query = [
        ("includeTaskCount", "true"),
        ("includeReports", "true"),
        ("maximumNumberOfReports", "-1"),
        ("includeTasks", "true"),
        ("runningTasksOnly", "false"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let value = session
        .json("reading the task list", &Req::Get(paths::TASKS, query))
        .await?;
    Ok(TaskList::from_json(&value))
}

/// Checks a run or save answer: `PageState` 2, else the validation messages.
pub(crate) fn check_page_state(value: &Value, action: &str) -> EspResult<()> {
    let state = value.get("PageState").and_then(|state| {
        state
            .as_i64()
            .or_else(|| state.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let messages: Vec<String> = value
        .get("ValidationErrorMessages")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|message| {
                    let text = text(message, "message");
                    if text.is_empty() {
                        self::text(message, "Message")
                    } else {
                        text
                    }
                })
                .filter(|message| !message.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if state == Some(assumptions::PAGE_STATE_OK) || (state.is_none() && messages.is_empty()) {
        return Ok(());
    }
    let message = if messages.is_empty() {
        format!(
            "page state {}",
            state.map_or("missing".to_owned(), |s| s.to_string())
        )
    } else {
        messages.join("; ")
    };
    let lower = message.to_ascii_lowercase();
    if assumptions::PERMISSION_WORDS
        .iter()
        .any(|word| lower.contains(word))
    {
        Err(EspError::MissingPermission {
            action: action.to_owned(),
            message,
        })
    } else {
        Err(EspError::Refused {
            action: action.to_owned(),
            message,
        })
    }
}

/// Saves (or replaces) a definition.
pub(crate) async fn save(session: &Session, definition: &Definition) -> EspResult<()> {
    let action = format!("save definition {}", definition.interface_id);
    let answer = session
        .json(
            &action,
            &Req::Json(paths::SAVE_DEFINITION, definition.to_json()),
        )
        .await?;
    check_page_state(&answer, &action)
}

/// Deletes files and finished tasks of `interface_id`; clears its failed tasks.
async fn clean(
    session: &Session,
    list: &TaskList,
    interface_id: &str,
    files: &[String],
) -> EspResult<()> {
    let reports: Vec<String> = files
        .iter()
        .filter_map(|file| list.report(file))
        .map(|report| report.raw_file_name.clone())
        .collect();
    let mut finished = Vec::new();
    for task in list.inactive.iter().filter(|t| names(t, interface_id)) {
        if task.error {
            let body = json!({ "paramKey": task.key });
            session
                .call(
                    "clearing a failed task",
                    &Req::Json(paths::CLEAR_ERRORED, body),
                )
                .await?;
        } else {
            finished.push(task.key.clone());
        }
    }
    delete(session, &reports, &finished).await
}

/// Clears finished and failed tasks of one interface id.
pub(crate) async fn clear_tasks(session: &Session, interface_id: &str) -> EspResult<()> {
    let list = task_list(session).await?;
    clean(session, &list, interface_id, &[]).await
}

/// Deletes one file of the user's file area, if listed.
pub(crate) async fn delete_file(session: &Session, file_name: &str) -> EspResult<()> {
    let list = task_list(session).await?;
    match list.report(file_name) {
        Some(report) => delete(session, std::slice::from_ref(&report.raw_file_name), &[]).await,
        None => Ok(()),
    }
}

/// Deletes files (by raw name) and tasks (by key).
pub(crate) async fn delete(
    session: &Session,
    reports: &[String],
    tasks: &[String],
) -> EspResult<()> {
    if reports.is_empty() && tasks.is_empty() {
        return Ok(());
    }
    let body = json!({ "reportsToDelete": reports, "tasksToDelete": tasks });
    session
        .call("deleting files", &Req::Json(paths::DELETE, body))
        .await
}

/// Starts a download definition.
async fn run_download(session: &Session, definition: &Definition) -> EspResult<()> {
    let mut form: Vec<(String, String)> = vec![
        ("InterfaceId".into(), definition.interface_id.clone()),
        ("SearchType".into(), "download_filter".into()),
        ("SortType".into(), String::new()),
        ("ImportDirectory".into(), "UD".into()),
        (
            "TaskScheduler.CurrentTask.Classname".into(),
            assumptions::RUN_DOWNLOAD_CLASS.into(),
        ),
        (
            "TaskScheduler.CurrentTask.TaskDescription".into(),
            definition.interface_id.clone(),
        ),
    ];
    form.extend(
        assumptions::RUN_NOW_FIELDS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let action = format!("run definition {}", definition.interface_id);
    let answer = session
        .json(&action, &Req::Form(paths::RUN_DOWNLOAD, form))
        .await?;
    check_page_state(&answer, &action)
}

/// Starts an upload definition in verify (`V`) or run (`R`) mode.
pub(crate) async fn run_upload(session: &Session, interface_id: &str, mode: &str) -> EspResult<()> {
    let body = json!({
        "InterfaceId": interface_id,
        "RunMode": mode,
        "InsertNewRec": "Y",
        "UpdateExistRec": "Y",
        "UpdateBlankRec": assumptions::UPDATE_BLANK_RECORDS,
        "RunType": "UPLOAD",
        "Classname": assumptions::RUN_UPLOAD_CLASS,
    });
    let action = format!("run upload {interface_id} in mode {mode}");
    let answer = session
        .json(&action, &Req::Json(paths::RUN_UPLOAD, body))
        .await?;
    check_page_state(&answer, &action)
}

/// Uploads a file into the user's file area.
pub(crate) async fn upload_file(session: &Session, name: &str, bytes: Vec<u8>) -> EspResult<()> {
    session
        .call(
            "uploading a file",
            &Req::Upload(paths::UPLOAD_FILE, name.to_owned(), bytes),
        )
        .await
}

/// What a task leaves when it is done.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaves<'a> {
    /// A download: these files are listed (by display name).
    Files(&'a [String]),
    /// An upload: an inactive task names the interface id.
    Task,
}

/// Polls until the task of `interface_id` is done. Returns the raw names of
/// the files it left (in the order asked), or the upload task's key.
pub(crate) async fn wait(
    session: &Session,
    interface_id: &str,
    leaves: Leaves<'_>,
) -> EspResult<Vec<String>> {
    let max_polls = session.options().max_polls.max(1);
    for poll in 1..=max_polls {
        let list = task_list(session).await?;
        if let Some(failed) = list
            .inactive
            .iter()
            .find(|t| names(t, interface_id) && t.error)
        {
            let description = if failed.error_description.is_empty() {
                failed.progress.clone()
            } else {
                failed.error_description.clone()
            };
            let body = json!({ "paramKey": failed.key });
            if let Err(error) = session
                .call(
                    "clearing a failed task",
                    &Req::Json(paths::CLEAR_ERRORED, body),
                )
                .await
            {
                tracing::warn!(%error, "could not clear the failed task");
            }
            return Err(EspError::TaskFailed {
                task: if failed.name.is_empty() {
                    interface_id.to_owned()
                } else {
                    failed.name.clone()
                },
                description,
                runs: 1,
            });
        }
        if let Some(active) = list.active.iter().find(|t| names(t, interface_id)) {
            tracing::info!(
                task = %interface_id,
                progress = %active.progress,
                processed = %active.processed,
                total = %active.total,
                poll,
                "eSchoolPLUS task running"
            );
        } else {
            match leaves {
                Leaves::Files(files) => {
                    let found: Vec<String> = files
                        .iter()
                        .filter_map(|file| list.report(file))
                        .map(|report| report.raw_file_name.clone())
                        .collect();
                    if found.len() == files.len() {
                        return Ok(found);
                    }
                }
                Leaves::Task => {
                    if let Some(task) = list.inactive.iter().find(|t| names(t, interface_id)) {
                        return Ok(vec![task.key.clone()]);
                    }
                }
            }
        }
        if poll < max_polls {
            session.pause().await;
        }
    }
    Err(EspError::TaskTimedOut {
        task: interface_id.to_owned(),
        polls: max_polls,
    })
}

/// A downloaded and parsed file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Download {
    /// The rows.
    pub(crate) table: Table,
    /// Malformed rows.
    pub(crate) problems: Vec<SourceProblem>,
}

/// Runs a download definition the server holds and waits for it; fetches,
/// parses and deletes its files. Returns one download per header, in order.
/// A task the server reports as failed is run again, up to
/// [`Options::task_reruns`](crate::Options::task_reruns) times: running a
/// download twice changes nothing.
pub(crate) async fn download(
    session: &Session,
    definition: &Definition,
) -> EspResult<Vec<Download>> {
    let reruns = session.options().task_reruns;
    let mut runs = 0;
    loop {
        runs += 1;
        match download_once(session, definition).await {
            Err(EspError::TaskFailed {
                task, description, ..
            }) => {
                if runs > reruns {
                    return Err(EspError::TaskFailed {
                        task,
                        description,
                        runs,
                    });
                }
                tracing::warn!(%task, %description, run = runs, "eSchoolPLUS download task failed; running it again");
            }
            other => return other,
        }
    }
}

/// One run of [`download`].
async fn download_once(session: &Session, definition: &Definition) -> EspResult<Vec<Download>> {
    let id = definition.interface_id.as_str();
    let files: Vec<String> = definition
        .headers
        .iter()
        .map(|header| definition.file_name(header))
        .collect();
    tracing::debug!(definition = %id, purpose = %definition.purpose, "running an eSchoolPLUS download");
    let list = task_list(session).await?;
    clean(session, &list, id, &files).await?;
    run_download(session, definition).await?;
    let raw = match wait(session, id, Leaves::Files(&files)).await {
        Ok(raw) => raw,
        Err(error) => {
            // Best effort: remove what the task wrote.
            if let Ok(list) = task_list(session).await {
                let left: Vec<String> = files
                    .iter()
                    .filter_map(|file| list.report(file))
                    .map(|report| report.raw_file_name.clone())
                    .collect();
                if let Err(error) = delete(session, &left, &[]).await {
                    tracing::warn!(%error, "could not delete downloaded files");
                }
            }
            return Err(error);
        }
    };
    let mut out = Vec::with_capacity(files.len());
    let mut result = Ok(());
    for ((header, file), raw_name) in definition.headers.iter().zip(&files).zip(&raw) {
        let query = vec![("fileName".to_owned(), raw_name.clone())];
        let bytes = match session
            .bytes(
                &format!("downloading {file}"),
                &Req::Get(paths::FILE_STREAM, query),
            )
            .await
        {
            Ok(bytes) => bytes,
            Err(error) => {
                result = Err(error);
                break;
            }
        };
        match parse::parse(file, &bytes, FileFormat::DOWNLOAD, header.layout()) {
            Ok((table, problems)) => out.push(Download { table, problems }),
            Err(error) => {
                result = Err(error);
                break;
            }
        }
    }
    if let Err(error) = delete(session, &raw, &[]).await {
        tracing::warn!(%error, "could not delete downloaded files");
    }
    result.map(|()| out)
}
