//! A stateful local simulator of the eSchoolPLUS web application, as the
//! `rostersync-eschoolplus` client speaks to it (that client's
//! `assumptions` module is the protocol here; the reference is part A2 of
//! `eschoolplus-and-oneroster.md`, §A2.1 for definitions). It is no kinder
//! than a real server: what the public record says a server refuses, it
//! refuses; where the record is silent and the client assumes, it holds the
//! client to the assumption.
//!
//! * Logon: `GET Account/LogOn` hands out a form with an anti-forgery token
//!   and its matching cookie; `POST Account/LogOn` checks both and the
//!   credentials (a wrong password gets the logon page again, a missing or
//!   mismatched token a 500) and answers with the environment page; `POST
//!   Account/SetEnvironment/SessionStart` picks a site code and school year
//!   and redirects to `Home` (a site code not offered gets the environment
//!   page again with a message, and selects nothing). The session lives in
//!   the `ASP.NET_SessionId` cookie; an expired or unknown session is
//!   answered with a redirect to the logon page. Sessions expire after a
//!   configured number of requests (0: at once after the environment is
//!   chosen) or on demand ([`RunningEsp::expire_sessions`]).
//! * Data: every environment holds [`EspTables`] of real tables and columns
//!   only ([`schema::EspSchema::real`], the eSP database's 1,403 tables), and
//!   mirrors them into an in-memory SQLite database with every table of the
//!   schema, every column text compared as SQL Server compares it by default
//!   (case and trailing spaces ignored), empty values and columns the
//!   tables lack as NULL. Changes (uploads, saved definitions,
//!   [`RunningEsp::edit_table`]) reach the database before the next download.
//! * Definitions: `Utility/SaveUploadDownload` takes the shape the public
//!   scripts send (any number of `InterfaceHeaders`, each with its
//!   `InterfaceDetails`) and refuses, with `PageState` 1 and nothing stored,
//!   a definition that names a table or column outside the schema (`Unknown
//!   column REG_BUILDING.#!#`, the real server's words) or is incomplete (see
//!   `definitions`; [`check_definition`] runs the same check without a
//!   server). `Literal` is ignored; `ColumnOverride` is a column's
//!   label in the header line. A saved definition replaces the one of the
//!   same id and is kept in the environment's `LTDB_INTERFACE_DEF`, `_HDR`
//!   and `_DET` tables, which downloads can read.
//! * A definition saved in a web session cannot run in that session
//!   (`RunDownload`/`RunUpload` answer `PageState` 1, "Interface ID RSROS was
//!   changed in this session; log on again to run it"): the public scripts
//!   log on again after saving, for a reason nobody wrote down, and the
//!   client keeps that assumption. A new logon may run it.
//! * `Utility/RunDownload` and `Utility/RunUpload` start tasks that finish on
//!   the N-th read of `Task/TaskAndReportData` (never, with
//!   `task_polls(u32::MAX)`). A download runs each header, in `HeaderOrder`,
//!   as `SELECT <t1>.<c1>, ... FROM <TableAffected> <AdditionalSql>` on the
//!   SQL database and writes one file per header (`DisplayName` = its
//!   `FileName`): the header line of labels when `ColumnHeaders` is set, then
//!   one line per row, fields joined by `DelimitChar` and not escaped, every
//!   line ended by CR LF and nothing else, in Windows-1252 (see `download`).
//!   The record terminator `#!#` exists only as the public scripts make it:
//!   the last column `spi_checklist_setup_hdr.RC_RUN`, shadowed by `LEFT
//!   OUTER JOIN (SELECT '#!#' AS 'RC_RUN') AS [spi_checklist_setup_hdr] ON
//!   1=1` in `AdditionalSql`. SQL that fails fails the task (`ErrorOccurred`
//!   `True`, SQLite's message as `ScheduledTaskErrorDescription`).
//!   `ReportViewer/FileStream` serves files and `Task/DeleteTasksAndReports`
//!   deletes them.
//! * Uploads: `Utility/UploadFile` (multipart `FileToUpload`) stores a file;
//!   an upload definition of `MR_GB_ASMT`, `MR_GB_STU_SCORE` or
//!   `MR_GB_CAT_SESSION` run in verify mode checks its first header's file,
//!   in run mode writes its valid records (insert or update by the table's
//!   key). Records that name an unknown section, assignment or student, or
//!   carry a bad number or date, are rejected and counted; the task still
//!   succeeds, so the client sees the outcome by reading the gradebook back.
//!   ASSUMPTION: `UpdateBlankRec = N` means blank values in the file leave
//!   stored values unchanged.
//! * Search: `Search/ExecuteSearch` and `Search/GetSearchResults` page
//!   through one table per search type, jqGrid-style (see `search`).
//! * Faults: besides the HTTP faults of [`Faults`], the tasks of a table can
//!   be made to fail with a message ([`EspSimBuilder::fail_tasks_of`],
//!   [`EspSimBuilder::fail_uploads_of`] for one upload mode, and the same on
//!   [`RunningEsp`]; only the next N of them with
//!   [`RunningEsp::fail_next_tasks_of`]), and the user can lack the load
//!   permissions.
//!
//! The data comes from a generated district ([`EspSimBuilder::district`],
//! converted by [`tables_from_district`]) or from JSON tables
//! ([`EspTables::from_json`]).

mod definitions;
mod download;
mod from_district;
mod mirror;
mod pages;
mod routes;
pub mod schema;
mod search;
mod state;
mod tables;
#[cfg(test)]
mod tests;
mod upload;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

pub use download::windows_1252;
pub use from_district::{
    COURSE_SESSION, section_numbers, tables_from_district, tables_from_snapshot,
};
pub use tables::{EspTable, EspTables};

use crate::district::District;
use crate::faults::Faults;
use crate::server::{self, Running};
use state::{Config, Environment, Inner, Secret, TaskFault};

/// Site code of the environment [`EspSimBuilder::district`] loads the district into.
pub const LIVE_SITE_CODE: &str = "0850";
/// Site code of the empty training environment [`EspSimBuilder::district`] adds.
pub const TRAINING_SITE_CODE: &str = "0851";

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EspSimError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
    /// Tables could not be read.
    #[error("cannot read the tables: {0}")]
    Tables(String),
    /// Tables or columns the real eSchoolPLUS database does not have.
    #[error("not in the eSchoolPLUS schema: {0}")]
    NotInSchema(String),
    /// An environment's SQL database could not be built.
    #[error("cannot build the SQL database: {0}")]
    Database(String),
}

/// The mode of an upload run (`RunMode` of `Utility/RunUpload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunMode {
    /// `V`: check the file, write nothing.
    Verify,
    /// `R`: write the valid records.
    Run,
}

/// What the simulator saw, for assertions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EspCounters {
    /// Requests by path below `/eSchoolPLUS/` (e.g. `Task/TaskAndReportData`),
    /// faulted ones included.
    pub requests: BTreeMap<String, u64>,
    /// Successful logons (credentials accepted).
    pub logons: u64,
    /// Logons refused for a wrong login name or password.
    pub failed_logons: u64,
    /// Sessions ended by `Account/LogOff`.
    pub logoffs: u64,
    /// Requests answered with a redirect because the session had expired.
    pub expired_requests: u64,
    /// Definitions saved.
    pub definitions_saved: u64,
    /// Definitions refused (incomplete, or naming what the schema lacks).
    pub definitions_refused: u64,
    /// Runs refused because the definition was saved in the same session.
    pub runs_refused: u64,
    /// Tasks started (downloads and uploads in either mode).
    pub tasks_run: u64,
    /// Tasks that ended with an error (bad SQL, a fault switched on, ...).
    pub tasks_failed: u64,
    /// Files served by `ReportViewer/FileStream`.
    pub files_downloaded: u64,
    /// Files deleted.
    pub files_deleted: u64,
    /// Files uploaded.
    pub uploads: u64,
    /// Upload runs in verify mode.
    pub upload_verifies: u64,
    /// Upload runs in run mode.
    pub upload_runs: u64,
    /// Records written by run-mode uploads.
    pub rows_written: u64,
    /// Upload records rejected (either mode).
    pub rows_rejected: u64,
    /// Searches run (`Search/ExecuteSearch`).
    pub searches: u64,
}

impl EspCounters {
    /// Requests to `path` below `/eSchoolPLUS/` (e.g. `Utility/RunUpload`).
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests.get(path).copied().unwrap_or(0)
    }

    /// Requests to any path.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// What happened after `before` was taken: every count minus its value
    /// then (paths without new requests left out), e.g. the requests of one
    /// grade passback.
    pub fn since(&self, before: &EspCounters) -> EspCounters {
        let requests = self
            .requests
            .iter()
            .map(|(path, n)| (path.clone(), n.saturating_sub(before.requests_to(path))))
            .filter(|(_, n)| *n > 0)
            .collect();
        let minus = |now: u64, then: u64| now.saturating_sub(then);
        EspCounters {
            requests,
            logons: minus(self.logons, before.logons),
            failed_logons: minus(self.failed_logons, before.failed_logons),
            logoffs: minus(self.logoffs, before.logoffs),
            expired_requests: minus(self.expired_requests, before.expired_requests),
            definitions_saved: minus(self.definitions_saved, before.definitions_saved),
            definitions_refused: minus(self.definitions_refused, before.definitions_refused),
            runs_refused: minus(self.runs_refused, before.runs_refused),
            tasks_run: minus(self.tasks_run, before.tasks_run),
            tasks_failed: minus(self.tasks_failed, before.tasks_failed),
            files_downloaded: minus(self.files_downloaded, before.files_downloaded),
            files_deleted: minus(self.files_deleted, before.files_deleted),
            uploads: minus(self.uploads, before.uploads),
            upload_verifies: minus(self.upload_verifies, before.upload_verifies),
            upload_runs: minus(self.upload_runs, before.upload_runs),
            rows_written: minus(self.rows_written, before.rows_written),
            rows_rejected: minus(self.rows_rejected, before.rows_rejected),
            searches: minus(self.searches, before.searches),
        }
    }
}

/// Checks a `SaveUploadDownload` body as the simulator does when it is
/// posted, without a server: `Ok` when it would be saved, else the
/// validation message it would answer (e.g. `Unknown column
/// REG_BUILDING.#!#`). For client tests that check every definition they
/// can send.
///
/// # Errors
///
/// The validation message.
pub fn check_definition(body: &serde_json::Value) -> Result<(), String> {
    definitions::parse(body).map(|_| ())
}

/// Entry point: `EspSim::builder()`.
#[derive(Debug, Clone, Copy)]
pub struct EspSim;

impl EspSim {
    /// A builder with the defaults: login `rostersync` / `sim-password`,
    /// version 21.4.18, tasks done on the second poll, sessions that do not
    /// expire by themselves, and no data until an environment is added.
    pub fn builder() -> EspSimBuilder {
        EspSimBuilder {
            login_name: "rostersync".to_owned(),
            password: Secret("sim-password".to_owned()),
            version: "21.4.18".to_owned(),
            server_name: "ESPSIM01".to_owned(),
            school_year: 2026,
            expire_after: None,
            task_polls: 2,
            port: 0,
            environments: Vec::new(),
            faults: Faults::new(),
            task_faults: Vec::new(),
            no_load_permissions: false,
        }
    }
}

/// Configures and starts an eSchoolPLUS simulator.
#[derive(Debug, Clone)]
pub struct EspSimBuilder {
    login_name: String,
    password: Secret,
    version: String,
    server_name: String,
    school_year: i32,
    expire_after: Option<u32>,
    task_polls: u32,
    port: u16,
    environments: Vec<(String, String, EspTables)>,
    faults: Faults,
    task_faults: Vec<TaskFault>,
    no_load_permissions: bool,
}

/// A task fault: tasks of `table`, uploads in `mode` only when given.
fn task_fault(table: &str, mode: Option<RunMode>, message: &str) -> TaskFault {
    TaskFault {
        table: table.trim().to_ascii_uppercase(),
        mode,
        message: message.to_owned(),
        remaining: None,
    }
}

impl EspSimBuilder {
    /// The one user's login name and password.
    pub fn login(mut self, login_name: &str, password: &str) -> Self {
        self.login_name = login_name.to_owned();
        self.password = Secret(password.to_owned());
        self
    }

    /// The version the logon page shows (`Version X.Y`).
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_owned();
        self
    }

    /// The school year the environment page offers first.
    pub fn school_year(mut self, school_year: i32) -> Self {
        self.school_year = school_year;
        self
    }

    /// Adds an environment (site code) with its tables; the first added is
    /// [`RunningEsp::site_code`]. Missing tables of the schema are added empty.
    pub fn environment(mut self, site_code: &str, label: &str, mut tables: EspTables) -> Self {
        tables.ensure_schema();
        self.environments
            .retain(|(code, _, _)| code.as_str() != site_code);
        self.environments
            .push((site_code.to_owned(), label.to_owned(), tables));
        self
    }

    /// Loads a generated district into [`LIVE_SITE_CODE`] and adds an empty
    /// training environment [`TRAINING_SITE_CODE`]; selects its school year.
    pub fn district(self, district: &District) -> Self {
        self.school_year(district.school_year)
            .environment(
                LIVE_SITE_CODE,
                "Rostersync District Live",
                tables_from_district(district),
            )
            .environment(
                TRAINING_SITE_CODE,
                "Rostersync District Training",
                EspTables::empty(),
            )
    }

    /// Sessions expire after serving `requests` requests (after logon);
    /// the next one is redirected to the logon page.
    pub fn expire_after_requests(mut self, requests: u32) -> Self {
        self.expire_after = Some(requests);
        self
    }

    /// Tasks are done on the `polls`-th read of the task list after they
    /// started (0 or 1: on the first; `u32::MAX`: never).
    pub fn task_polls(mut self, polls: u32) -> Self {
        self.task_polls = polls;
        self
    }

    /// The user lacks the LOADDEFS and RUNLOAD permissions: saving and
    /// running definitions answer with a validation message saying so.
    pub fn without_load_permissions(mut self) -> Self {
        self.no_load_permissions = true;
        self
    }

    /// Every task that reads or writes `table` (a download with a header of
    /// it, or an upload of it, in either mode) fails with `message` as its
    /// `ScheduledTaskErrorDescription`, until cleared
    /// ([`RunningEsp::clear_task_faults`]).
    pub fn fail_tasks_of(mut self, table: &str, message: &str) -> Self {
        task_fault(table, None, message).switch_on(&mut self.task_faults);
        self
    }

    /// Uploads of `table` run in `mode` fail with `message` (those in the
    /// other mode, and downloads, run), until cleared.
    pub fn fail_uploads_of(mut self, table: &str, mode: RunMode, message: &str) -> Self {
        task_fault(table, Some(mode), message).switch_on(&mut self.task_faults);
        self
    }

    /// The port to listen on (0, the default, lets the system pick).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Uses these fault switches (shared with the caller).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Starts serving on 127.0.0.1, once every environment's SQL database is
    /// loaded (one transaction each, off the async threads).
    ///
    /// # Errors
    ///
    /// When an environment holds a table or column the real schema lacks
    /// ([`EspSimError::NotInSchema`], naming them), a database cannot be
    /// built, or the port cannot be bound.
    pub async fn start(self) -> Result<RunningEsp, EspSimError> {
        let mut environments = self.environments;
        if environments.is_empty() {
            environments.push((
                LIVE_SITE_CODE.to_owned(),
                "Rostersync District Live".to_owned(),
                EspTables::empty(),
            ));
        }
        for (code, _, tables) in &environments {
            let outside = tables.outside_schema();
            if !outside.is_empty() {
                return Err(EspSimError::NotInSchema(format!(
                    "environment {code}: {}",
                    outside.join(", ")
                )));
            }
        }
        let site_codes: Vec<String> = environments.iter().map(|(c, _, _)| c.clone()).collect();
        let envs = tokio::task::spawn_blocking(move || {
            environments
                .into_iter()
                .map(|(code, label, tables)| {
                    let env = Environment::new(&code, label, tables)
                        .map_err(|e| EspSimError::Database(format!("environment {code}: {e}")))?;
                    Ok((code, env))
                })
                .collect::<Result<Vec<_>, EspSimError>>()
        })
        .await
        .map_err(|e| EspSimError::Database(e.to_string()))??;
        let shared = Arc::new(routes::Shared {
            config: Config {
                login_name: self.login_name.clone(),
                password: self.password.clone(),
                version: self.version,
                server_name: self.server_name,
                school_year: self.school_year,
                expire_after: self.expire_after,
                task_polls: self.task_polls,
                no_load_permissions: self.no_load_permissions,
            },
            inner: Mutex::new(Inner::new(envs, self.task_faults)),
        });
        let router = routes::router(shared.clone(), self.faults.clone());
        let server = server::serve(router, self.port).await?;
        Ok(RunningEsp {
            server,
            shared,
            faults: self.faults,
            login_name: self.login_name,
            password: self.password,
            site_codes,
        })
    }
}

/// A running simulator. Dropping it stops the server.
pub struct RunningEsp {
    server: Running,
    shared: Arc<routes::Shared>,
    faults: Faults,
    login_name: String,
    password: Secret,
    site_codes: Vec<String>,
}

impl fmt::Debug for RunningEsp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningEsp")
            .field("url", &self.url())
            .field("login_name", &self.login_name)
            .field("site_codes", &self.site_codes)
            .finish_non_exhaustive()
    }
}

impl RunningEsp {
    /// The application URL, `http://127.0.0.1:PORT/eSchoolPLUS` — what the
    /// client takes as its domain.
    pub fn url(&self) -> String {
        format!("{}{}", self.server.url(), routes::BASE)
    }

    /// The login name.
    pub fn login_name(&self) -> &str {
        &self.login_name
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password.0
    }

    /// The first environment's site code (the district's, with
    /// [`EspSimBuilder::district`]).
    pub fn site_code(&self) -> &str {
        self.site_codes.first().map_or("", String::as_str)
    }

    /// Every site code, in the order the environment page lists them.
    pub fn site_codes(&self) -> &[String] {
        &self.site_codes
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// A copy of the counters.
    pub fn counters(&self) -> EspCounters {
        self.shared.lock().counters.clone()
    }

    /// A copy of table `name` of environment `site_code` (e.g. the gradebook
    /// tables `MR_GB_ASMT` and `MR_GB_STU_SCORE` that uploads write).
    pub fn table(&self, site_code: &str, name: &str) -> Option<EspTable> {
        self.shared
            .lock()
            .envs
            .get(site_code)
            .and_then(|env| env.tables.table(name).cloned())
    }

    /// Changes table `name` of environment `site_code` in place, as somebody
    /// working in eSchoolPLUS would; the next download sees the change. A
    /// table of the real schema the environment does not hold yet is
    /// created empty first. Returns whether the table exists and the change
    /// kept to its real columns (columns the real table lacks are dropped).
    pub fn edit_table(
        &self,
        site_code: &str,
        name: &str,
        change: impl FnOnce(&mut EspTable),
    ) -> bool {
        self.shared
            .lock()
            .envs
            .get_mut(site_code)
            .is_some_and(|env| env.edit(name, change))
    }

    /// From now on, every task that reads or writes `table` fails with
    /// `message` (see [`EspSimBuilder::fail_tasks_of`]).
    pub fn fail_tasks_of(&self, table: &str, message: &str) {
        self.shared
            .lock()
            .set_task_fault(task_fault(table, None, message));
    }

    /// The next `count` tasks that read or write `table` fail with
    /// `message`; those after them run (a server that was busy, say).
    pub fn fail_next_tasks_of(&self, table: &str, count: u32, message: &str) {
        let fault = TaskFault {
            remaining: Some(count),
            ..task_fault(table, None, message)
        };
        if count > 0 {
            self.shared.lock().set_task_fault(fault);
        }
    }

    /// From now on, uploads of `table` in `mode` fail with `message` (see
    /// [`EspSimBuilder::fail_uploads_of`]).
    pub fn fail_uploads_of(&self, table: &str, mode: RunMode, message: &str) {
        self.shared
            .lock()
            .set_task_fault(task_fault(table, Some(mode), message));
    }

    /// Switches every task fault off (tasks already failed stay failed).
    pub fn clear_task_faults(&self) {
        self.shared.lock().task_faults.clear();
    }

    /// Ends every session now: their next request is redirected to the logon page.
    pub fn expire_sessions(&self) {
        self.shared.lock().sessions.clear();
    }

    /// How many sessions are logged on.
    pub fn sessions(&self) -> usize {
        self.shared.lock().sessions.len()
    }

    /// How many tasks are listed, and how many files are in the file area.
    pub fn tasks_and_files(&self) -> (usize, usize) {
        let inner = self.shared.lock();
        (inner.tasks.len(), inner.files.len())
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}
