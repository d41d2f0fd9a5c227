//! The simulator's state: environments with their tables and definitions,
//! web sessions, the user's tasks and file area, and the counters.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::EspCounters;
use super::definitions::{self, Definition, UploadMode};
use super::search::SearchResult;
use super::tables::EspTables;

/// A password that never shows in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the simulator behaves; fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) login_name: String,
    pub(crate) password: Secret,
    pub(crate) version: String,
    pub(crate) server_name: String,
    /// The school year the environment page offers first.
    pub(crate) school_year: i32,
    /// A session expires after serving this many requests.
    pub(crate) expire_after: Option<u32>,
    /// Task list reads until a task is done.
    pub(crate) task_polls: u32,
    /// Whether the user lacks the LOADDEFS and RUNLOAD permissions.
    pub(crate) no_load_permissions: bool,
}

/// One environment (site code): its tables and saved definitions.
#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub(crate) label: String,
    pub(crate) tables: EspTables,
    pub(crate) definitions: BTreeMap<String, Definition>,
}

/// Where a web session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Logged on, no environment chosen yet.
    Choosing,
    /// Working in an environment and school year.
    Working { site_code: String, school_year: i32 },
}

#[derive(Debug, Clone)]
pub(crate) struct WebSession {
    pub(crate) stage: Stage,
    pub(crate) served: u32,
    /// The last result of each search type, for paging.
    pub(crate) searches: BTreeMap<String, SearchResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TaskKind {
    Download,
    Upload(UploadMode),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TaskState {
    Running,
    Done,
    Failed(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) site_code: String,
    pub(crate) definition: Definition,
    pub(crate) kind: TaskKind,
    pub(crate) polls_left: u32,
    pub(crate) polls: u32,
    pub(crate) state: TaskState,
}

/// One file of the user's file area.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) display_name: String,
    pub(crate) raw_name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Everything that changes.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) envs: BTreeMap<String, Environment>,
    /// Site codes in the order the environment page lists them.
    pub(crate) env_order: Vec<String>,
    pub(crate) sessions: HashMap<String, WebSession>,
    /// Form token → cookie token, for logon pages handed out.
    pub(crate) tokens: HashMap<String, String>,
    pub(crate) tasks: Vec<Task>,
    pub(crate) files: Vec<StoredFile>,
    pub(crate) counters: EspCounters,
    pub(crate) next_id: u64,
}

/// A random hex token.
pub(crate) fn token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

impl Inner {
    pub(crate) fn new(envs: Vec<(String, Environment)>) -> Self {
        Inner {
            env_order: envs.iter().map(|(code, _)| code.clone()).collect(),
            envs: envs.into_iter().collect(),
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            tasks: Vec::new(),
            files: Vec::new(),
            counters: EspCounters::default(),
            next_id: 1,
        }
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Starts a task of a saved definition; the validation message when it cannot.
    pub(crate) fn start_task(
        &mut self,
        site_code: &str,
        interface_id: &str,
        kind: TaskKind,
        polls: u32,
    ) -> Result<(), String> {
        let definition = self
            .envs
            .get(site_code)
            .and_then(|env| env.definitions.get(interface_id))
            .cloned()
            .ok_or_else(|| format!("Interface ID {interface_id} does not exist"))?;
        let upload = matches!(kind, TaskKind::Upload(_));
        if definition.upload != upload {
            return Err(format!(
                "Interface ID {interface_id} is not an {} definition",
                if upload { "upload" } else { "download" }
            ));
        }
        let id = self.next();
        let verb = if upload { "Upload" } else { "Download" };
        self.tasks.push(Task {
            key: format!("TASK{id}"),
            name: format!("{verb} {interface_id} - {}", definition.description),
            site_code: site_code.to_owned(),
            definition,
            kind,
            polls_left: polls,
            polls: 0,
            state: TaskState::Running,
        });
        self.counters.tasks_run += 1;
        Ok(())
    }

    /// One read of the task list: running tasks advance, those due finish.
    pub(crate) fn poll(&mut self) -> Value {
        let mut finished = Vec::new();
        for (index, task) in self.tasks.iter_mut().enumerate() {
            if task.state != TaskState::Running {
                continue;
            }
            task.polls += 1;
            task.polls_left = task.polls_left.saturating_sub(1);
            if task.polls_left == 0 {
                finished.push(index);
            }
        }
        for index in finished {
            self.finish(index);
        }
        self.task_list()
    }

    fn finish(&mut self, index: usize) {
        let task = self.tasks[index].clone();
        let Some(env) = self.envs.get_mut(&task.site_code) else {
            self.tasks[index].state = TaskState::Failed("the environment is gone".to_owned());
            return;
        };
        let def = &task.definition;
        let outcome = match task.kind {
            TaskKind::Download => definitions::download(def, &env.tables).map(|bytes| {
                let id = self.next_id;
                self.next_id += 1;
                let stem = def
                    .file_name
                    .rsplit_once('.')
                    .map_or(def.file_name.as_str(), |(stem, _)| stem);
                self.files
                    .retain(|f| !f.display_name.eq_ignore_ascii_case(&def.file_name));
                self.files.push(StoredFile {
                    display_name: def.file_name.clone(),
                    raw_name: format!("{stem}_{id}.txt"),
                    bytes,
                });
            }),
            TaskKind::Upload(mode) => {
                let file = self
                    .files
                    .iter()
                    .rev()
                    .find(|f| f.display_name.eq_ignore_ascii_case(&def.file_name));
                match file {
                    None => Err(format!("file {} was not found", def.file_name)),
                    Some(file) => {
                        definitions::upload(def, &file.bytes, mode, &mut env.tables).map(|result| {
                            self.counters.rows_written += result.written;
                            self.counters.rows_rejected += result.rejected;
                        })
                    }
                }
            }
        };
        self.tasks[index].state = match outcome {
            Ok(()) => TaskState::Done,
            Err(message) => TaskState::Failed(message),
        };
    }

    /// The `TaskAndReportData` answer.
    pub(crate) fn task_list(&self) -> Value {
        let mut active = Vec::new();
        let mut inactive = Vec::new();
        for task in &self.tasks {
            let mut entry = json!({
                "TaskKey": task.key,
                "TaskName": task.name,
                "RunTime": "",
                "RecordsProcessed": task.polls,
                "TotalRecords": task.polls + task.polls_left,
            });
            match &task.state {
                TaskState::Running => {
                    entry["ProgressDescription"] = json!(format!("Processing ({})", task.polls));
                    entry["ErrorOccurred"] = json!("False");
                    active.push(entry);
                }
                TaskState::Done => {
                    entry["ProgressDescription"] = json!("Completed");
                    entry["ErrorOccurred"] = json!("False");
                    inactive.push(entry);
                }
                TaskState::Failed(message) => {
                    entry["ProgressDescription"] = json!("Error");
                    entry["ErrorOccurred"] = json!("True");
                    entry["TaskError"] = json!({ "ScheduledTaskErrorDescription": message });
                    inactive.push(entry);
                }
            }
        }
        let reports: Vec<Value> = self
            .files
            .iter()
            .map(|f| {
                json!({
                    "DisplayName": f.display_name,
                    "RawFileName": f.raw_name,
                    "FileExtension": ".txt",
                    "ModifiedDate": "",
                    "ReportSize": f.bytes.len(),
                    "ReportPath": f.raw_name,
                })
            })
            .collect();
        json!({
            "RunningTaskCount": active.len(),
            "ActiveTasks": active,
            "InactiveTasks": inactive,
            "Reports": reports,
        })
    }

    /// Deletes files by raw name and finished tasks by key.
    pub(crate) fn delete(&mut self, reports: &[String], tasks: &[String]) {
        let before = self.files.len();
        self.files.retain(|f| !reports.contains(&f.raw_name));
        self.counters.files_deleted += (before - self.files.len()) as u64;
        self.tasks
            .retain(|t| t.state == TaskState::Running || !tasks.contains(&t.key));
    }

    /// Clears one failed task.
    pub(crate) fn clear_errored(&mut self, key: &str) {
        self.tasks
            .retain(|t| !(t.key == key && matches!(t.state, TaskState::Failed(_))));
    }

    /// Stores an uploaded file (replacing one of the same name).
    pub(crate) fn store_upload(&mut self, name: &str, bytes: Vec<u8>) {
        let id = self.next();
        self.files
            .retain(|f| !f.display_name.eq_ignore_ascii_case(name));
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        self.files.push(StoredFile {
            display_name: name.to_owned(),
            raw_name: format!("{stem}_{id}.txt"),
            bytes,
        });
        self.counters.uploads += 1;
    }
}
