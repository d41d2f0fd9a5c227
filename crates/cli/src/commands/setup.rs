//! `init`, `check` and `acting-user`.
use std::path::Path;

use std::collections::BTreeSet;

use rostersync_eschoolplus::definitions::{self, Scope};
use rostersync_eschoolplus::{DefinitionCheck, EspAdapter, EspError};
use rostersync_ports::{ActingUser, ErrorKind, LmsTarget as _, PortError};
use rostersync_schoology::SchoologyLms;
use serde::Serialize;

use crate::cli::{ActingUserCommand, UsageError};
use crate::commands::mapping;
use crate::config::{self, Config, EspSettings, SisSettings, StoreSettings};
use crate::output::{Out, with_spinner};
use crate::wire;
use crate::{EXIT_ERROR, EXIT_OK};

/// The setting the acting user taken with `acting-user take` is kept under.
pub(crate) const ACTING_USER_SETTING: &str = "acting_user";

/// `init`: writes the template.
pub(crate) fn init(path: &Path, force: bool, out: Out) -> anyhow::Result<u8> {
    if path.exists() && !force {
        return Err(
            UsageError::new(format!("{} already exists", path.display()))
                .hint("pass --force to replace it, or --config OTHER_PATH to write another")
                .into(),
        );
    }
    std::fs::write(path, config::template())
        .map_err(|error| UsageError::new(format!("cannot write {}: {error}", path.display())))?;
    if out.json {
        out.json(&serde_json::json!({ "wrote": path }))?;
    } else if !crate::output::quiet() {
        out.line(format!(
            "wrote {}; edit it, set {} and {} in the environment, then run `rostersync check`",
            path.display(),
            config::ESP_PASSWORD_ENV,
            config::SCHOOLOGY_SECRET_ENV
        ));
    }
    Ok(EXIT_OK)
}

/// What `check` found at one end.
#[derive(Debug, Serialize)]
pub(crate) struct EndReport {
    /// Which end.
    pub(crate) end: &'static str,
    /// Whether everything checked works.
    pub(crate) ok: bool,
    /// What works and what does not, one step each, in the order tried.
    pub(crate) results: Vec<StepResult>,
}

/// One thing `check` tried at an end.
#[derive(Debug, Serialize)]
pub(crate) struct StepResult {
    /// What was tried: `configuration`, `logon`, `buildings`, `definitions`,
    /// `definition RSROS`, `read`, `acting_user`, `directory`, `last_sync_read`.
    pub(crate) step: String,
    /// Whether it worked.
    pub(crate) ok: bool,
    /// What was found, or what is wrong and what to do, in words.
    pub(crate) message: String,
}

impl EndReport {
    /// A report of `end` with nothing tried yet.
    fn new(end: &'static str) -> Self {
        EndReport {
            end,
            ok: false,
            results: Vec::new(),
        }
    }

    /// Records a step that worked.
    fn passed(&mut self, step: impl Into<String>, message: String) {
        self.results.push(StepResult {
            step: step.into(),
            ok: true,
            message,
        });
    }

    /// Records warnings about the mapping: the step works, but the
    /// administrator should read them.
    fn warn_all(&mut self, warnings: Vec<String>) {
        for warning in warnings {
            self.passed("mapping", format!("warning: {warning}"));
        }
    }

    /// Records a step that did not.
    fn failed(&mut self, step: impl Into<String>, message: String) {
        self.results.push(StepResult {
            step: step.into(),
            ok: false,
            message,
        });
    }
}

/// `check`: connects to both ends.
pub(crate) async fn check(config: &Config, out: Out) -> anyhow::Result<u8> {
    let (sis, lms) = with_spinner("checking the SIS and Schoology", async {
        tokio::join!(check_sis(config), check_lms(config))
    })
    .await;
    let reports = [sis, lms];
    if out.json {
        out.json(&reports)?;
    } else {
        for report in &reports {
            out.line(format!(
                "{}: {}",
                report.end,
                if report.ok { "OK" } else { "PROBLEM" }
            ));
            for result in &report.results {
                out.line(format!("  {}", result.message));
            }
        }
    }
    Ok(if reports.iter().all(|r| r.ok) {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}

pub(crate) async fn check_sis(config: &Config) -> EndReport {
    let mut report = check_sis_end(config).await;
    if let Some(line) = last_read(config).await {
        report.passed("last_sync_read", line);
    }
    report
}

/// What the last sync's SIS read found, from the store (never a new read),
/// when there is a store with such a run.
async fn last_read(config: &Config) -> Option<String> {
    if let StoreSettings::Sqlite(path) = &config.store {
        if !path.exists() {
            return None;
        }
    }
    let store = wire::store(config).await.ok()?;
    let runs = store.runs(20).await.ok()?;
    let ids: Vec<i64> = runs.iter().map(|run| run.id).collect();
    let reads = store.source_summaries(&ids).await.ok()?;
    let run = runs.iter().find(|run| reads.contains_key(&run.id))?;
    let read = reads.get(&run.id)?;
    Some(format!(
        "the last sync's read (run {}): {}{}",
        run.id,
        crate::source::summary_line(read),
        if read.unreadable + read.left_out + read.warnings > 0 {
            format!(" — each with its reason: `rostersync logs show {}`", run.id)
        } else {
            String::new()
        }
    ))
}

async fn check_sis_end(config: &Config) -> EndReport {
    match &config.sis {
        SisSettings::EschoolPlus(esp) => check_esp(config, esp).await,
        SisSettings::OneRosterCsv(csv) => {
            let from = format!("package {}", csv.package.display());
            check_oneroster(config, "OneRoster CSV", from, true).await
        }
        SisSettings::OneRosterRest(rest) => {
            let from = format!("{} (OneRoster REST, key {})", rest.root, rest.key);
            check_oneroster(config, "OneRoster REST", from, false).await
        }
    }
}

/// Reads the schools and the terms of the school year from a OneRoster source.
async fn check_oneroster(config: &Config, end: &'static str, from: String, csv: bool) -> EndReport {
    let mut report = EndReport::new(end);
    let now = wire::now();
    let sis = match wire::sis(config, now) {
        Ok(sis) => sis,
        Err(error) => {
            report.failed("configuration", error.to_string());
            return report;
        }
    };
    let year = wire::school_year(config, now);
    match tokio::join!(sis.source.schools(), sis.source.terms(year)) {
        (Ok(schools), Ok(terms)) => {
            report.ok = true;
            report.passed(
                "read",
                format!(
                    "reads {from}: {} school(s), {} term(s) of school year {}-{:02}",
                    schools.len(),
                    terms.len(),
                    year - 1,
                    year.rem_euclid(100)
                ),
            );
            report.warn_all(mapping::mapping_warnings(config, &schools, Some(&terms)));
        }
        (Err(error), _) | (_, Err(error)) => {
            report.failed(
                "read",
                format!("cannot read {from}: {}", oneroster_words(&error, csv)),
            );
        }
    }
    report
}

/// A OneRoster failure with the setting to look at.
fn oneroster_words(error: &PortError, csv: bool) -> String {
    match error.kind() {
        _ if csv => format!(
            "{error}; check oneroster_csv.package (a folder or a .zip holding manifest.csv) and the files its manifest lists"
        ),
        ErrorKind::Auth => format!(
            "the provider refused the credentials ({error}); check oneroster_rest.key, {} and, for OAuth 2, oneroster_rest.token_url and scopes",
            config::ONEROSTER_SECRET_ENV
        ),
        ErrorKind::Unavailable if is_tls(error) => format!(
            "TLS failure ({error}): the provider does not speak TLS on that address, or its certificate is not trusted; check oneroster_rest.root"
        ),
        ErrorKind::Unavailable => {
            format!("unreachable ({error}); check oneroster_rest.root and the network")
        }
        ErrorKind::NotFound => {
            format!("not found ({error}); check oneroster_rest.root and oneroster_rest.version")
        }
        _ => error.to_string(),
    }
}

async fn check_esp(config: &Config, esp: &EspSettings) -> EndReport {
    let mut report = EndReport::new("eSchoolPLUS");
    let adapter = match wire::esp(config, esp, wire::now()) {
        Ok(adapter) => adapter,
        Err(error) => {
            report.failed("configuration", error.to_string());
            return report;
        }
    };
    let year = adapter.school_year();
    check_esp_with(config, esp, &adapter, year, &mut report).await;
    adapter.close().await;
    report
}

/// Logs on, reads the buildings, then saves and runs every definition a
/// sync (and, when configured, a grade passback) needs.
async fn check_esp_with(
    config: &Config,
    esp: &EspSettings,
    adapter: &EspAdapter,
    year: i32,
    report: &mut EndReport,
) {
    if let Err(error) = adapter.connect(year).await {
        report.failed("logon", esp_words(&error, esp));
        return;
    }
    report.passed(
        "logon",
        format!(
            "logged on as {} at {}, site code {} selected, school year {}-{:02}",
            esp.login_name,
            esp.domain,
            esp.site_code,
            year - 1,
            year.rem_euclid(100)
        ),
    );
    match adapter.read_schools().await {
        Ok((schools, problems)) => {
            report.passed(
                "buildings",
                format!(
                    "reads buildings: {} school(s){}",
                    schools.len(),
                    if problems.is_empty() {
                        String::new()
                    } else {
                        format!(", {} record(s) unreadable", problems.len())
                    }
                ),
            );
            let terms = if config.mapping.spec().terms.is_empty() {
                Some(Vec::new())
            } else {
                rostersync_ports::SisSource::terms(adapter, year).await.ok()
            };
            report.warn_all(mapping::mapping_warnings(
                config,
                &schools,
                terms.as_deref(),
            ));
        }
        Err(error) => {
            report.failed(
                "buildings",
                format!("cannot read buildings: {}", esp_words(&error, esp)),
            );
            return;
        }
    }
    let selection = &config.mapping.spec().selection;
    let scope = Scope {
        buildings: selection
            .users
            .iter()
            .chain(&selection.courses)
            .chain(&selection.sections)
            .map(|school| school.as_str().to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        school_year: year,
    };
    let mut needed = vec![
        definitions::buildings(),
        definitions::terms(year),
        definitions::roster(&scope).probe(),
    ];
    let grades = config.grades.is_some()
        || !config.grades_by_section.is_empty()
        || !config.grades_by_course.is_empty();
    if grades {
        needed.push(definitions::gradebook(&[]).probe());
        needed.push(definitions::assignment_upload());
        needed.push(definitions::score_upload());
    }
    let checks = match adapter.check_definitions(&needed).await {
        Ok(checks) => checks,
        Err(error) => {
            report.failed(
                "definitions",
                format!(
                    "cannot check rostersync's definitions: {}",
                    esp_words(&error, esp)
                ),
            );
            return;
        }
    };
    let saved = checks.iter().filter(|c| c.saved).count();
    let refused: Vec<&DefinitionCheck> = checks.iter().filter(|c| c.result.is_err()).collect();
    let message = format!(
        "definitions{}: {} of {} accepted ({saved} saved now, {} already held by the server)",
        if grades {
            " (sync and grade passback)"
        } else {
            " (sync)"
        },
        checks.len() - refused.len(),
        checks.len(),
        checks.len() - saved - refused.len(),
    );
    if refused.is_empty() {
        report.passed("definitions", message);
    } else {
        report.failed("definitions", message);
    }
    for check in &refused {
        if let Err((at, error)) = &check.result {
            let step = format!("definition {}", check.interface_id);
            report.failed(step, match at.likely_permission() {
                Some(permission) => format!(
                    "definition {} ({}) refused: {error}; the account likely lacks the eSchoolPLUS permission {permission}",
                    check.interface_id, check.purpose
                ),
                None => format!(
                    "definition {} ({}) failed when run: {error}; the server does not take a table, column or filter it names",
                    check.interface_id, check.purpose
                ),
            });
        }
    }
    report.ok = refused.is_empty();
}

/// An eSchoolPLUS failure in words an administrator can act on.
fn esp_words(error: &EspError, esp: &EspSettings) -> String {
    match error {
        EspError::BadCredentials => format!(
            "wrong login name or password: eSchoolPLUS refused {}; check eschoolplus.login_name and {}",
            esp.login_name,
            config::ESP_PASSWORD_ENV
        ),
        EspError::UnknownSiteCode { .. } => {
            format!("wrong site code: {error}; fix eschoolplus.site_code")
        }
        EspError::EnvironmentRefused { .. } => format!(
            "school year or environment refused: {error}; check the school year (sis.school_year, or leave it out to follow the date) and eschoolplus.site_code"
        ),
        EspError::Unreachable { .. } if is_tls(error) => format!(
            "TLS failure talking to {}: the server does not speak TLS on that address, or its certificate is not trusted; check eschoolplus.domain",
            esp.domain
        ),
        EspError::Unreachable { .. } => {
            format!("host unreachable: {error}; check eschoolplus.domain and the network")
        }
        EspError::UnsupportedVersion { .. } => format!("SIS version too old: {error}"),
        EspError::MissingPermission { .. } => {
            format!("missing permission: {error}; give the account that right in eSchoolPLUS")
        }
        other => other.to_string(),
    }
}

/// Whether a failure's causes mention TLS or certificates.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        let text = current.to_string().to_ascii_lowercase();
        let tls_words = [
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "invalidcontenttype",
            "unknownissuer",
        ];
        if tls_words.iter().any(|word| text.contains(word)) {
            return true;
        }
        cause = current.source();
    }
    false
}

pub(crate) async fn check_lms(config: &Config) -> EndReport {
    let mut report = EndReport::new("Schoology");
    let lms = match wire::PacedLms::open(config).await {
        Ok(lms) => lms,
        Err(error) => {
            report.failed("configuration", error.to_string());
            return report;
        }
    };
    check_lms_calls(config, &lms, &mut report).await;
    lms.done().await;
    report
}

/// The calls of [`check_lms`]: the acting user, then the directory.
async fn check_lms_calls(config: &Config, lms: &SchoologyLms, report: &mut EndReport) {
    match lms.acting_user().await {
        Ok(acting) if acting.is_system_admin => report.passed(
            "acting_user",
            format!(
                "signed in with consumer key {} as {}, a System Administrator",
                config.schoology.consumer_key,
                acting.describe()
            ),
        ),
        Ok(acting) => {
            report.failed("acting_user", format!(
                "not an admin: the consumer key {} belongs to {}, who is not a System Administrator; \
                 use the API key of a System Administrator, or if the district renamed the role, \
                 list its title in schoology.system_admin_roles",
                config.schoology.consumer_key,
                acting.describe()
            ));
            return;
        }
        Err(error) => {
            report.failed("acting_user", lms_words(&error, config));
            return;
        }
    }
    match lms.directory().await {
        Ok(directory) => {
            report.ok = true;
            report.passed(
                "directory",
                format!(
                    "reads the directory: {} building(s), {} role(s), {} grading period(s)",
                    directory.buildings.len(),
                    directory.roles.len(),
                    directory.grading_periods.len()
                ),
            );
        }
        Err(error) => report.failed(
            "directory",
            format!("cannot read the directory: {}", lms_words(&error, config)),
        ),
    }
}

/// A Schoology failure in words an administrator can act on.
fn lms_words(error: &PortError, config: &Config) -> String {
    match error.kind() {
        ErrorKind::Auth => format!(
            "wrong consumer key or secret: Schoology refused consumer key {} ({}); check schoology.consumer_key and {}",
            config.schoology.consumer_key,
            error.message(),
            config::SCHOOLOGY_SECRET_ENV
        ),
        ErrorKind::Unavailable if is_tls(error) => format!(
            "TLS failure talking to {}: the server does not speak TLS on that address, or its certificate is not trusted; check schoology.base_url",
            config.schoology.base_url
        ),
        ErrorKind::Unavailable => format!(
            "host unreachable: {} ({}); check schoology.base_url and the network",
            config.schoology.base_url,
            error.message()
        ),
        _ => error.message().to_owned(),
    }
}

/// `acting-user show|take`.
pub(crate) async fn acting_user(
    command: &ActingUserCommand,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    let store = wire::store(config).await?;
    let lms = wire::PacedLms::with_store(config, store.clone()).await?;
    let current = with_spinner(
        "asking Schoology who the credentials act as",
        lms.acting_user(),
    )
    .await;
    lms.done().await;
    let current = current
        .map_err(|error| anyhow::Error::new(error).context("cannot read the acting user"))?;
    let recorded: Option<ActingUser> = wire::setting(store.as_ref(), ACTING_USER_SETTING).await?;
    match command {
        ActingUserCommand::Show => {
            if out.json {
                out.json(&serde_json::json!({ "credentials": current, "recorded": recorded }))?;
            } else {
                out.line(format!(
                    "the credentials act as {}{}",
                    current.describe(),
                    if current.is_system_admin {
                        ", a System Administrator"
                    } else {
                        ", NOT a System Administrator: syncs will be refused; \
                         if the district renamed the role, list its title in schoology.system_admin_roles"
                    }
                ));
                match &recorded {
                    Some(user) if user.id == current.id => {
                        out.line("recorded acting user: the same account")
                    }
                    Some(user) => out.line(format!(
                        "recorded acting user: {} ({}); run `rostersync acting-user take` to record the credentials' account",
                        user.name, user.id
                    )),
                    None => out.line(
                        "no acting user recorded yet; run `rostersync acting-user take`",
                    ),
                }
            }
            Ok(EXIT_OK)
        }
        ActingUserCommand::Take => {
            if !current.is_system_admin {
                return Err(anyhow::Error::new(
                    rostersync_engine::EngineError::not_admin(&current),
                ));
            }
            wire::save_setting(store.as_ref(), ACTING_USER_SETTING, &current).await?;
            if out.json {
                out.json(&current)?;
            } else {
                out.line(format!(
                    "{} ({}) is now the acting user; every change in Schoology is made as this account",
                    current.name, current.id
                ));
            }
            Ok(EXIT_OK)
        }
    }
}
