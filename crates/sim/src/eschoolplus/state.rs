//! The simulator's state: environments with their tables, SQL database and
//! saved definitions, web sessions, the user's tasks and file area, the task
//! fault switches and the counters.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::definitions::Definition;
use super::mirror::Mirror;
use super::search::SearchResult;
use super::tables::{EspTable, EspTables};
use super::upload::UploadMode;
use super::{EspCounters, RunMode, download, upload};

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

/// One environment (site code): its tables (saved definitions included, in
/// the `LTDB_INTERFACE_*` tables) and their SQL mirror.
#[derive(Debug)]
pub(crate) struct Environment {
    pub(crate) label: String,
    /// What `DISTRICT` holds in the rows the simulator writes.
    pub(crate) district: String,
    pub(crate) tables: EspTables,
    pub(crate) mirror: Mirror,
}

impl Environment {
    /// An environment of `tables`, its SQL database loaded.
    ///
    /// # Errors
    ///
    /// SQLite's message when the database cannot be built.
    pub(crate) fn new(site_code: &str, label: String, tables: EspTables) -> Result<Self, String> {
        let digits = site_code.trim_start_matches('0');
        let district = if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            digits.to_owned()
        } else {
            site_code.to_owned()
        };
        Ok(Environment {
            label,
            district,
            mirror: Mirror::build(&tables)?,
            tables,
        })
    }

    /// Stores `definition` (replacing one of the same id) in the tables.
    pub(crate) fn save(&mut self, definition: &Definition) {
        for table in definition.store(&self.district, &mut self.tables) {
            self.mirror.mark(table);
        }
    }

    /// The saved definition `interface_id` (case-insensitive).
    pub(crate) fn definition(&self, interface_id: &str) -> Option<Definition> {
        Definition::load(interface_id, &self.tables)
    }

    /// Changes table `name` (created empty if the schema has it but the
    /// environment does not); columns outside the schema that `change` adds
    /// are dropped. Whether the table exists and kept only schema columns.
    pub(crate) fn edit(&mut self, name: &str, change: impl FnOnce(&mut EspTable)) -> bool {
        let Some(table) = self.tables.table_mut(name) else {
            return false;
        };
        change(table);
        let clean = keep_schema_columns(name, table);
        self.mirror.mark(name);
        clean
    }
}

/// Drops the columns of `table` the real table `name` lacks (and their
/// values); whether there were none.
fn keep_schema_columns(name: &str, table: &mut EspTable) -> bool {
    let schema = super::schema::EspSchema::real();
    let keep: Vec<bool> = table
        .columns
        .iter()
        .map(|column| schema.has_column(name, column))
        .collect();
    if keep.iter().all(|k| *k) {
        return true;
    }
    let pick = |values: &mut Vec<String>| {
        let mut at = 0;
        values.retain(|_| {
            at += 1;
            keep.get(at - 1).copied().unwrap_or(true)
        });
    };
    pick(&mut table.columns);
    for row in &mut table.rows {
        pick(row);
    }
    false
}

/// A task fault switched on: tasks of `table` (uploads in `mode` only, when
/// set) fail with `message`; only the next `remaining` of them, when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskFault {
    pub(crate) table: String,
    pub(crate) mode: Option<RunMode>,
    pub(crate) message: String,
    pub(crate) remaining: Option<u32>,
}

impl TaskFault {
    /// Adds this fault to `faults`, replacing one of the same table and mode.
    pub(crate) fn switch_on(self, faults: &mut Vec<TaskFault>) {
        faults.retain(|f| !(f.table == self.table && f.mode == self.mode));
        faults.push(self);
    }

    fn hits(&self, task: &Task) -> bool {
        let mode_matches = match (self.mode, &task.kind) {
            (None, _) => true,
            (Some(wanted), TaskKind::Upload(mode)) => mode.run == (wanted == RunMode::Run),
            (Some(_), TaskKind::Download) => false,
        };
        mode_matches && task.definition.touches(&self.table)
    }
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
    /// Interface ids (upper case) saved in this session: not runnable until
    /// the next logon.
    pub(crate) saved: BTreeSet<String>,
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
    pub(crate) task_faults: Vec<TaskFault>,
    pub(crate) next_id: u64,
}

/// A random hex token.
pub(crate) fn token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

impl Inner {
    pub(crate) fn new(envs: Vec<(String, Environment)>, task_faults: Vec<TaskFault>) -> Self {
        Inner {
            env_order: envs.iter().map(|(code, _)| code.clone()).collect(),
            envs: envs.into_iter().collect(),
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            tasks: Vec::new(),
            files: Vec::new(),
            counters: EspCounters::default(),
            task_faults,
            next_id: 1,
        }
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Switches a task fault on (see [`TaskFault::switch_on`]).
    pub(crate) fn set_task_fault(&mut self, fault: TaskFault) {
        fault.switch_on(&mut self.task_faults);
    }

    /// Starts a task of a saved definition for web session `session`; the
    /// validation message when it cannot.
    pub(crate) fn start_task(
        &mut self,
        session: &str,
        site_code: &str,
        interface_id: &str,
        kind: TaskKind,
        polls: u32,
    ) -> Result<(), String> {
        let definition = self
            .envs
            .get(site_code)
            .and_then(|env| env.definition(interface_id))
            .ok_or_else(|| format!("Interface ID {interface_id} does not exist"))?;
        let upload = matches!(kind, TaskKind::Upload(_));
        if definition.upload != upload {
            return Err(format!(
                "Interface ID {interface_id} is not an {} definition",
                if upload { "upload" } else { "download" }
            ));
        }
        let changed = self.sessions.get(session).is_some_and(|s| {
            s.saved
                .contains(&definition.interface_id.to_ascii_uppercase())
        });
        if changed {
            self.counters.runs_refused += 1;
            return Err(format!(
                "Interface ID {interface_id} was changed in this session; log on again to run it"
            ));
        }
        let id = self.next();
        let verb = if upload { "Upload" } else { "Download" };
        self.tasks.push(Task {
            key: format!("TASK{id}"),
            name: format!(
                "{verb} {} - {}",
                definition.interface_id, definition.description
            ),
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
            task.polls = task.polls.saturating_add(1);
            task.polls_left = task.polls_left.saturating_sub(1);
            if task.polls_left == 0 {
                finished.push(index);
            }
        }
        for index in finished {
            let state = match self.run(index) {
                Ok(()) => TaskState::Done,
                Err(message) => {
                    self.counters.tasks_failed += 1;
                    TaskState::Failed(message)
                }
            };
            if let Some(task) = self.tasks.get_mut(index) {
                task.state = state;
            }
        }
        self.task_list()
    }

    /// Does what task `index` does; the task's error text when it fails.
    fn run(&mut self, index: usize) -> Result<(), String> {
        let task = self.tasks.get(index).cloned().ok_or("the task is gone")?;
        if let Some(at) = self.task_faults.iter().position(|f| f.hits(&task)) {
            let fault = &mut self.task_faults[at];
            let message = fault.message.clone();
            if let Some(remaining) = fault.remaining.as_mut() {
                *remaining = remaining.saturating_sub(1);
                if *remaining == 0 {
                    self.task_faults.remove(at);
                }
            }
            return Err(message);
        }
        let env = self
            .envs
            .get_mut(&task.site_code)
            .ok_or("the environment is gone")?;
        let def = &task.definition;
        match task.kind {
            TaskKind::Download => {
                let files = download::run(def, &mut env.mirror, &env.tables)?;
                for (name, bytes) in files {
                    self.put_file(&name, bytes);
                }
                Ok(())
            }
            TaskKind::Upload(mode) => {
                let header = def
                    .headers
                    .first()
                    .ok_or_else(|| format!("Interface ID {} has no header", def.interface_id))?;
                let file = self
                    .files
                    .iter()
                    .rev()
                    .find(|f| f.display_name.eq_ignore_ascii_case(&header.file_name))
                    .ok_or_else(|| format!("file {} was not found", header.file_name))?;
                let result = upload::run(header, &file.bytes, mode, &mut env.tables)?;
                if result.written > 0 {
                    env.mirror.mark(&header.table);
                }
                self.counters.rows_written += result.written;
                self.counters.rows_rejected += result.rejected;
                Ok(())
            }
        }
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
                "TotalRecords": task.polls.saturating_add(task.polls_left),
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

    /// Puts a file in the file area, replacing one of the same name.
    fn put_file(&mut self, name: &str, bytes: Vec<u8>) {
        let id = self.next();
        self.files
            .retain(|f| !f.display_name.eq_ignore_ascii_case(name));
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        self.files.push(StoredFile {
            display_name: name.to_owned(),
            raw_name: format!("{stem}_{id}.txt"),
            bytes,
        });
    }

    /// Stores an uploaded file (replacing one of the same name).
    pub(crate) fn store_upload(&mut self, name: &str, bytes: Vec<u8>) {
        self.put_file(name, bytes);
        self.counters.uploads += 1;
    }
}
