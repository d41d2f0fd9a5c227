//! The configuration file: its TOML shape, validation with messages that name
//! the key and the fix, secrets from the environment, and the rewrite of the
//! commands' part of the file (`[schedule]` and `[mapping]`).
//!
//! # Where the mapping lives
//!
//! The file is the only source of truth. Everything above the marker line
//! [`MANAGED_MARKER`] is the administrator's and is never touched; everything
//! below it (`[schedule]` and `[mapping]`) is rewritten by the commands that
//! change the mapping or the schedule (`schools map`, `terms map`, `roles set`,
//! `schedule set`, ...). That part is rewritten with `toml_edit`
//! (`managed`): comments, the order of keys and tables an administrator
//! wrote there, and values that did not change stay as written. A file
//! without the marker is rewritten through TOML's data model (its comments
//! are lost) and gains the marker.

use rostersync_engine::DriftCadence;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use rostersync_core::grades::GradeSettings;
use rostersync_core::schedule::{ScheduleMode, Window};
use rostersync_core::{MappingConfig, MappingSpec};
use serde::{Deserialize, Serialize};

mod console;
mod managed;
mod shape;
mod sis;
mod store;
mod write;

pub(crate) use write::{
    CONNECTION_KEYS, StaleFile, revision, save_connection, save_managed, save_managed_at,
};

pub(crate) use console::ConsoleSettings;
pub(crate) use store::StoreSettings;

pub(crate) use sis::{
    AdapterKind, CsvSettings, ONEROSTER_SECRET_ENV, RestAuth, RestProfile, RestSettings,
};

/// The line that separates the administrator's settings from the part the
/// commands rewrite.
pub(crate) const MANAGED_MARKER: &str =
    "# ---- below this line: [schedule] and [mapping], rewritten by rostersync commands ----";

/// The environment variable holding the eSchoolPLUS password.
pub(crate) const ESP_PASSWORD_ENV: &str = "ROSTERSYNC_ESP_PASSWORD";

/// The environment variable holding the Schoology consumer secret.
pub(crate) const SCHOOLOGY_SECRET_ENV: &str = "ROSTERSYNC_SCHOOLOGY_SECRET";

/// The default Schoology API address.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.schoology.com/v1";

/// A configuration problem: bad usage, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A problem described in full.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

/// A secret from the environment or the file; never shown.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself, for the client that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// `[eschoolplus]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEsp {
    domain: Option<String>,
    site_code: Option<String>,
    login_name: Option<String>,
    password: Option<Secret>,
    school_year: Option<i32>,
    poll_interval_ms: Option<u64>,
}

/// `[schoology]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSchoology {
    base_url: Option<String>,
    consumer_key: Option<String>,
    consumer_secret: Option<Secret>,
    school_id: Option<String>,
    signature_method: Option<String>,
    rate_requests: Option<u32>,
    rate_per_seconds: Option<u64>,
    rate_limited_budget_minutes: Option<u64>,
    concurrency: Option<usize>,
    system_admin_roles: Option<Vec<String>>,
    email_conflicts: Option<String>,
}

/// `[district]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDistrict {
    time_zone: Option<String>,
}

/// `[schedule]`: `mode = "manual"`, or `mode = "daily"` with a window and
/// optionally a time zone (default: the district's).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleSection {
    /// "manual" or "daily".
    pub(crate) mode: String,
    /// "HH:MM-HH:MM", for daily.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) window: Option<String>,
    /// IANA zone of the window; the district's when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) time_zone: Option<String>,
    /// The weekday ("sunday", ...) on which the service's scheduled sync
    /// reads the LMS in full and checks it for drift; Sunday when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) drift_check: Option<String>,
}

/// The whole file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    sis: Option<sis::RawSis>,
    eschoolplus: Option<RawEsp>,
    oneroster_csv: Option<sis::RawCsv>,
    oneroster_rest: Option<sis::RawRest>,
    schoology: Option<RawSchoology>,
    store: Option<store::RawStore>,
    district: Option<RawDistrict>,
    schedule: Option<ScheduleSection>,
    #[serde(default)]
    mapping: MappingSpec,
    grades: Option<GradeSettings>,
    #[serde(default)]
    grades_by_section: std::collections::BTreeMap<String, GradeSettings>,
    #[serde(default)]
    grades_by_course: std::collections::BTreeMap<String, GradeSettings>,
    console: Option<console::RawConsole>,
}

/// The part of the file the commands rewrite.
#[derive(Serialize)]
struct Managed<'a> {
    schedule: &'a ScheduleSection,
    mapping: &'a MappingSpec,
}

/// eSchoolPLUS settings.
#[derive(Debug, Clone)]
pub(crate) struct EspSettings {
    /// The server address.
    pub(crate) domain: String,
    /// The environment.
    pub(crate) site_code: String,
    /// The login name.
    pub(crate) login_name: String,
    /// The password, when set.
    pub(crate) password: Option<Secret>,
    /// The pause between two reads of the task list.
    pub(crate) poll_interval: Duration,
}

impl EspSettings {
    /// The password, from the environment or the file.
    pub(crate) fn password(&self) -> Result<&Secret, ConfigError> {
        self.password.as_ref().ok_or_else(|| {
            ConfigError::new(format!(
                "eschoolplus.password is not set: set the environment variable {ESP_PASSWORD_ENV} \
                 to the eSchoolPLUS password of {}",
                self.login_name
            ))
        })
    }
}

/// The SIS adapter chosen in `[sis]` with its settings.
#[derive(Debug, Clone)]
pub(crate) enum SisSettings {
    /// eSchoolPLUS.
    EschoolPlus(EspSettings),
    /// A OneRoster CSV package.
    OneRosterCsv(CsvSettings),
    /// A OneRoster REST provider.
    OneRosterRest(RestSettings),
}

impl SisSettings {
    /// Which adapter this is.
    pub(crate) fn kind(&self) -> AdapterKind {
        match self {
            SisSettings::EschoolPlus(_) => AdapterKind::EschoolPlus,
            SisSettings::OneRosterCsv(_) => AdapterKind::OneRosterCsv,
            SisSettings::OneRosterRest(_) => AdapterKind::OneRosterRest,
        }
    }
}

/// How Schoology requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signature {
    /// HMAC-SHA1.
    HmacSha1,
    /// PLAINTEXT.
    Plaintext,
}

/// What to do with a new account whose e-mail Schoology says is in use
/// (`schoology.email_conflicts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmailConflictSetting {
    /// The record fails.
    Error,
    /// The account is made without the e-mail (default).
    Ignore,
    /// The account is made with a username only.
    UsernameOnly,
}

/// Schoology settings.
#[derive(Debug, Clone)]
pub(crate) struct SchoologySettings {
    /// The API base address.
    pub(crate) base_url: String,
    /// The consumer key.
    pub(crate) consumer_key: String,
    /// The consumer secret, when set.
    pub(crate) consumer_secret: Option<Secret>,
    /// The district's school id.
    pub(crate) school_id: Option<String>,
    /// The signature method.
    pub(crate) signature: Signature,
    /// Requests allowed per `rate_per`.
    pub(crate) rate_requests: u32,
    /// The rate window.
    pub(crate) rate_per: Duration,
    /// How long one request keeps retrying 429 answers.
    pub(crate) rate_limited_budget: Duration,
    /// Requests in flight.
    pub(crate) concurrency: usize,
    /// Role titles that count as System Administrator, when set (never empty).
    pub(crate) system_admin_roles: Option<Vec<String>>,
    /// What to do when Schoology says a new account's e-mail is in use.
    pub(crate) email_conflicts: EmailConflictSetting,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Where it was read from.
    pub(crate) path: PathBuf,
    /// The SIS adapter and its settings.
    pub(crate) sis: SisSettings,
    /// The school year to read, when fixed (`sis.school_year`, or
    /// `eschoolplus.school_year`); otherwise it follows the date.
    pub(crate) school_year: Option<i32>,
    /// Schoology.
    pub(crate) schoology: SchoologySettings,
    /// The state store: the SQLite file or the PostgreSQL database.
    pub(crate) store: StoreSettings,
    /// The district's time zone.
    pub(crate) zone: Tz,
    /// The schedule as written.
    pub(crate) schedule_section: ScheduleSection,
    /// The schedule.
    pub(crate) schedule: ScheduleMode,
    /// When the service's weekly drift check falls (`schedule.drift_check`).
    pub(crate) drift: DriftCadence,
    /// The validated mapping.
    pub(crate) mapping: MappingConfig,
    /// Grade passback settings, if configured.
    pub(crate) grades: Option<GradeSettings>,
    /// Settings of single sections (by SIS key) that differ from `grades`.
    pub(crate) grades_by_section: std::collections::BTreeMap<String, GradeSettings>,
    /// Settings of the sections of one course (by SIS course key).
    pub(crate) grades_by_course: std::collections::BTreeMap<String, GradeSettings>,
    /// The web console (`[console]`).
    pub(crate) console: ConsoleSettings,
}

impl Config {
    /// The grade settings of a section: its own, else its course's, else the district's.
    pub(crate) fn grade_settings(
        &self,
        section: &str,
        course: Option<&str>,
    ) -> Option<&GradeSettings> {
        self.grades_by_section
            .get(section)
            .or_else(|| course.and_then(|course| self.grades_by_course.get(course)))
            .or(self.grades.as_ref())
    }

    /// The Schoology consumer secret, from the environment or the file.
    pub(crate) fn schoology_secret(&self) -> Result<&Secret, ConfigError> {
        self.schoology.consumer_secret.as_ref().ok_or_else(|| {
            ConfigError::new(format!(
                "schoology.consumer_secret is not set: set the environment variable \
                 {SCHOOLOGY_SECRET_ENV} to the secret of consumer key {}",
                self.schoology.consumer_key
            ))
        })
    }
}

/// Reads and validates the file at `path`, taking secrets from the
/// environment when set there.
pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        ConfigError::new(format!(
            "cannot read the configuration file {}: {error}; \
             create one with `rostersync init` or pass --config PATH",
            path.display()
        ))
    })?;
    parse(path, &text, &|name| std::env::var(name).ok())
}

/// Parses and validates configuration text; `env` reads a variable.
pub(crate) fn parse(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let fail = |message: String| ConfigError::new(format!("{}: {message}", path.display()));
    let value: toml::Table = toml::from_str(text)
        .map_err(|error| fail(format!("not valid TOML: {}", error.message())))?;
    // Every unknown or mistyped key is reported, with the value problems
    // found in the rest of the file, not one per try.
    let (raw, shape) = shape::read(value);
    let Some(raw) = raw else {
        return Err(fail(shape::listed(&shape, &[])));
    };
    let mut problems = Vec::new();
    let base_dir = path.parent().unwrap_or_else(|| Path::new("."));
    let raw_sis = raw.sis.unwrap_or_default();
    let adapter = AdapterKind::parse(raw_sis.adapter.as_deref()).map_err(|message| {
        problems.push(message);
    });
    let mut school_year = raw_sis.school_year;
    let mut school_year_key = "sis.school_year";
    let sis = match adapter {
        Err(()) => None,
        Ok(AdapterKind::EschoolPlus) => {
            let raw_esp = raw.eschoolplus.unwrap_or_default();
            if school_year.is_none() {
                school_year = raw_esp.school_year;
                school_year_key = "eschoolplus.school_year";
            }
            Some(SisSettings::EschoolPlus(esp(raw_esp, env, &mut problems)))
        }
        Ok(AdapterKind::OneRosterCsv) => {
            sis::csv(raw.oneroster_csv, base_dir, &mut problems).map(SisSettings::OneRosterCsv)
        }
        Ok(AdapterKind::OneRosterRest) => {
            sis::rest(raw.oneroster_rest, env(ONEROSTER_SECRET_ENV), &mut problems)
                .map(SisSettings::OneRosterRest)
        }
    };
    if let Some(year) = school_year {
        if let Err(message) = check_school_year(year, this_year()) {
            problems.push(format!("{school_year_key} = {year}: {message}"));
        }
    }
    let lms = raw.schoology.unwrap_or_default();
    let consumer_key = need(
        &mut problems,
        "schoology.consumer_key",
        lms.consumer_key,
        "set it to the API consumer key of a System Administrator",
    );
    let district = raw.district.unwrap_or_default();
    let zone_name = need(
        &mut problems,
        "district.time_zone",
        district.time_zone,
        "set it to the district's IANA time zone, e.g. \"America/Chicago\"",
    );
    let store = store::store(raw.store, base_dir, env, &mut problems);

    let base_url = lms
        .base_url
        .map(|u| u.trim().to_owned())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    if let Err(message) = check_address(&base_url, false) {
        problems.push(format!("schoology.base_url {base_url:?} {message}"));
    }
    let signature = match lms.signature_method.as_deref().map(str::trim) {
        None => Signature::HmacSha1,
        Some(m) if m.eq_ignore_ascii_case("HMAC-SHA1") => Signature::HmacSha1,
        Some(m) if m.eq_ignore_ascii_case("PLAINTEXT") => Signature::Plaintext,
        Some(other) => {
            problems.push(format!(
                "schoology.signature_method {other:?} is not known: use \"HMAC-SHA1\" (default) or \"PLAINTEXT\""
            ));
            Signature::HmacSha1
        }
    };
    let rate_requests = lms.rate_requests.unwrap_or(50);
    let rate_seconds = lms.rate_per_seconds.unwrap_or(5);
    if rate_requests == 0 || rate_seconds == 0 {
        problems.push(
            "schoology.rate_requests and schoology.rate_per_seconds must be at least 1 (default 50 per 5)".to_owned(),
        );
    }
    let budget_minutes = lms.rate_limited_budget_minutes.unwrap_or(30);
    if budget_minutes == 0 {
        problems.push(
            "schoology.rate_limited_budget_minutes must be at least 1 (default 30)".to_owned(),
        );
    }
    let system_admin_roles = lms.system_admin_roles.map(|titles| {
        let titles: Vec<String> = titles.iter().map(|t| t.trim().to_owned()).collect();
        if titles.is_empty() || titles.iter().any(String::is_empty) {
            problems.push(
                "schoology.system_admin_roles must list role titles, none of them empty: \
                 write the title(s) of the district's System Administrator role, e.g. \
                 [\"System Admin\", \"System Administrator\"] (the default when the key is absent)"
                    .to_owned(),
            );
        }
        titles
    });
    let email_conflicts = match lms.email_conflicts.as_deref().map(str::trim) {
        None | Some("ignore") => EmailConflictSetting::Ignore,
        Some("error") => EmailConflictSetting::Error,
        Some("username_only") => EmailConflictSetting::UsernameOnly,
        Some(other) => {
            problems.push(format!(
                "schoology.email_conflicts {other:?} is not known: use \"ignore\" (default: create \
                 the account without the e-mail), \"username_only\" or \"error\""
            ));
            EmailConflictSetting::Ignore
        }
    };
    let zone = match zone_name.parse::<Tz>() {
        Ok(zone) => Some(zone),
        Err(_) if zone_name.is_empty() => None,
        Err(_) => {
            problems.push(format!(
                "district.time_zone {zone_name:?} is not a known IANA time zone: use a name such as \"America/Chicago\""
            ));
            None
        }
    };
    let schedule_section = raw.schedule.unwrap_or_else(|| ScheduleSection {
        mode: "manual".to_owned(),
        ..ScheduleSection::default()
    });
    let schedule = match schedule_mode(&schedule_section, &zone_name) {
        Ok(mode) => Some(mode),
        Err(message) => {
            problems.push(message);
            None
        }
    };
    let drift = match drift_cadence(&schedule_section) {
        Ok(drift) => drift,
        Err(message) => {
            problems.push(message);
            DriftCadence::default()
        }
    };
    let grades = raw.grades;
    let grades_by_section = raw.grades_by_section;
    let grades_by_course = raw.grades_by_course;
    let console = console::console(raw.console, base_dir, &mut problems);
    let mapping = match MappingConfig::new(raw.mapping) {
        Ok(mapping) => Some(mapping),
        Err(errors) => {
            for error in errors.0 {
                problems.push(format!("mapping.{}: {}", error.path, error.message));
            }
            None
        }
    };

    let (Some(sis), Some(zone), Some(schedule), Some(mapping), Some(store), true) = (
        sis,
        zone,
        schedule,
        mapping,
        store,
        problems.is_empty() && shape.is_empty(),
    ) else {
        return Err(fail(shape::listed(&shape, &problems)));
    };
    let consumer_secret = env(SCHOOLOGY_SECRET_ENV)
        .filter(|s| !s.is_empty())
        .map(Secret)
        .or(lms.consumer_secret);
    Ok(Config {
        path: path.to_owned(),
        sis,
        school_year,
        schoology: SchoologySettings {
            base_url,
            consumer_key,
            consumer_secret,
            school_id: lms.school_id.filter(|id| !id.trim().is_empty()),
            signature,
            rate_requests,
            rate_per: Duration::from_secs(rate_seconds),
            rate_limited_budget: Duration::from_secs(budget_minutes.saturating_mul(60)),
            concurrency: lms.concurrency.unwrap_or(8).max(1),
            system_admin_roles,
            email_conflicts,
        },
        store,
        zone,
        schedule_section,
        schedule,
        drift,
        mapping,
        grades,
        grades_by_section,
        grades_by_course,
        console,
    })
}

/// A required value, or a problem naming `key` and the fix.
/// How far from the current calendar year a configured school year may be.
const SCHOOL_YEAR_SPAN: i32 = 10;

/// Refuses a school year that cannot be one: not four digits (`27` for
/// 2027), or further than [`SCHOOL_YEAR_SPAN`] years from `this_year`. Such a
/// year would reach the SIS, which refuses it in words about credentials.
fn check_school_year(year: i32, this_year: i32) -> Result<(), String> {
    let example = format!(
        "e.g. {} for {}-{:02}",
        this_year + 1,
        this_year,
        (this_year + 1) % 100
    );
    if !(1000..=9999).contains(&year) {
        return Err(format!(
            "a school year is the four-digit calendar year it ends in ({example})"
        ));
    }
    if (year - this_year).abs() > SCHOOL_YEAR_SPAN {
        return Err(format!(
            "{year} is more than {SCHOOL_YEAR_SPAN} years from today; a school year is the calendar year it ends in ({example}); leave the key out to follow the date"
        ));
    }
    Ok(())
}

/// The current calendar year (UTC), for the plausibility of a school year.
fn this_year() -> i32 {
    use chrono::Datelike as _;
    crate::wire::now().year()
}

fn need(problems: &mut Vec<String>, key: &str, value: Option<String>, fix: &str) -> String {
    match value {
        Some(value) if !value.trim().is_empty() => value.trim().to_owned(),
        _ => {
            problems.push(format!("{key} is missing: {fix}"));
            String::new()
        }
    }
}

/// Checks `[eschoolplus]`; the password from the environment wins over the file's.
fn esp(
    raw: RawEsp,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> EspSettings {
    let domain = need(
        problems,
        "eschoolplus.domain",
        raw.domain,
        "set it to the eSchoolPLUS server, e.g. \"https://eschool.district.org\"",
    );
    let site_code = need(
        problems,
        "eschoolplus.site_code",
        raw.site_code,
        "set it to the environment (site code) to use, e.g. \"0850\"",
    );
    let login_name = need(
        problems,
        "eschoolplus.login_name",
        raw.login_name,
        "set it to the eSchoolPLUS login name rostersync uses",
    );
    if !domain.is_empty() {
        if let Err(message) = check_address(&domain, true) {
            problems.push(format!("eschoolplus.domain {domain:?} {message}"));
        }
    }
    let password = env(ESP_PASSWORD_ENV)
        .filter(|p| !p.is_empty())
        .map(Secret)
        .or(raw.password);
    EspSettings {
        domain,
        site_code,
        login_name,
        password,
        poll_interval: Duration::from_millis(raw.poll_interval_ms.unwrap_or(2000)),
    }
}

/// The weekday of the weekly drift check; the error names the key and the fix.
pub(crate) fn drift_cadence(section: &ScheduleSection) -> Result<DriftCadence, String> {
    match section.drift_check.as_deref().map(str::trim) {
        None => Ok(DriftCadence::default()),
        Some(day) => day
            .parse::<chrono::Weekday>()
            .map(|weekday| DriftCadence { weekday })
            .map_err(|_| {
                format!(
                    "schedule.drift_check {day:?} is not a weekday: use one of \"monday\" .. \"sunday\""
                )
            }),
    }
}

/// Builds the schedule from its section; the error names the key and the fix.
pub(crate) fn schedule_mode(
    section: &ScheduleSection,
    district_zone: &str,
) -> Result<ScheduleMode, String> {
    match section.mode.trim() {
        "manual" => Ok(ScheduleMode::Manual),
        "daily" => {
            let window = section.window.as_deref().unwrap_or_default();
            let Some((start, end)) = window.split_once('-') else {
                return Err(format!(
                    "schedule.window {window:?} is not a window: write it as \"HH:MM-HH:MM\", e.g. \"00:00-03:00\""
                ));
            };
            let zone = section.time_zone.as_deref().unwrap_or(district_zone);
            Window::parse(start, end, zone)
                .map(ScheduleMode::Daily)
                .map_err(|error| {
                    format!(
                        "schedule.window {window:?} (time zone {zone:?}): {error}; e.g. \"00:00-03:00\""
                    )
                })
        }
        other => Err(format!(
            "schedule.mode {other:?} is not known: use \"manual\" or \"daily\" (with window = \"00:00-03:00\")"
        )),
    }
}

/// Checks an address: `https://` anywhere, `http://` only on loopback. A
/// bare host name is allowed where `bare_host` (https is then implied).
fn check_address(address: &str, bare_host: bool) -> Result<(), String> {
    if !address.contains("://") {
        return if bare_host {
            Ok(())
        } else {
            Err("is not an address: write it as \"https://host/v1\"".to_owned())
        };
    }
    let url = url::Url::parse(address).map_err(|error| {
        format!("is not a valid address ({error}): write it as \"https://host\"")
    })?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(name)) => name == "localhost",
                None => false,
            };
            if loopback && url.port().is_some() {
                Ok(())
            } else {
                Err("uses http:// off loopback: use https://, or http://127.0.0.1:PORT for a local simulator".to_owned())
            }
        }
        other => Err(format!("has scheme {other:?}: use https://")),
    }
}

/// The commented template `rostersync init` writes.
pub(crate) fn template() -> String {
    let schedule = ScheduleSection {
        mode: "manual".to_owned(),
        ..ScheduleSection::default()
    };
    let managed = toml::to_string(&Managed {
        schedule: &schedule,
        mapping: &MappingSpec::default(),
    })
    .unwrap_or_default();
    format!("{TEMPLATE_HEAD}{MANAGED_MARKER}\n\n{managed}")
}

const TEMPLATE_HEAD: &str = r#"# rostersync configuration.
#
# Secrets do not belong in this file: set them in the environment instead.
#   ROSTERSYNC_ESP_PASSWORD      the eSchoolPLUS password of login_name
#   ROSTERSYNC_SCHOOLOGY_SECRET  the Schoology consumer secret of consumer_key
#   ROSTERSYNC_ONEROSTER_SECRET  the OneRoster REST secret of oneroster_rest.key
# (eschoolplus.password, schoology.consumer_secret and oneroster_rest.secret
# are read from here too, but anyone who can read this file could then read them.)

[sis]
# Which SIS adapter reads the roster (and takes grades back):
#   "eschoolplus"     eSchoolPLUS, the [eschoolplus] table below (default)
#   "oneroster-csv"   a OneRoster 1.1/1.2 CSV package, [oneroster_csv]; read
#                     only, so no grade passback
#   "oneroster-rest"  a OneRoster 1.1/1.2 REST provider, [oneroster_rest]
adapter = "eschoolplus"
# The school year to read, as its ending year (2026 for 2025-26). Without it,
# the year follows the date: July starts the next school year.
# school_year = 2026

[eschoolplus]
# The eSchoolPLUS server: a host name (https is implied), an https:// address
# (with the application path if it is not /eSchoolPLUS), or, for a local
# simulator only, http://127.0.0.1:PORT.
domain = "eschool.district.example"
# The environment (database) to select.
site_code = "0850"
login_name = "rostersync"
# How often the server's task list is read while a download runs.
# poll_interval_ms = 2000

# [oneroster_csv]
# The bulk package, a folder or a zip, relative to this file, and delta
# packages applied over it in order.
# package = "exports/oneroster.zip"
# deltas = ["exports/oneroster-delta.zip"]

# [oneroster_rest]
# The provider's OneRoster root, with or without the version segment.
# root = "https://sis.district.org/ims/oneroster"
# version = "1.1"                  # or "1.2"
# profile = "standard"             # or "plus360" (eSchoolPLUS): root is then
#                                  # the HAC host, e.g. "https://hac.district.org"
# auth = "oauth1"                  # or "oauth2", with token_url and scopes
# key = "consumer-key-or-client-id"
# signature_method = "HMAC-SHA1"   # or "HMAC-SHA256" (OAuth 1.0a)
# token_url = "https://sis.district.org/oauth/token"
# scopes = ["https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly"]
# page_size = 100

[schoology]
# The API address; any https:// address, or http://127.0.0.1:PORT for a simulator.
base_url = "https://api.schoology.com/v1"
# The API consumer key of the acting user, a System Administrator.
consumer_key = "replace-with-your-consumer-key"
# The district's school id; its buildings are the ones mapped below.
# school_id = "1234567"
# "HMAC-SHA1" (default) or "PLAINTEXT".
signature_method = "HMAC-SHA1"
# The API rate limit: rate_requests per rate_per_seconds (default 50 per 5).
# The most rostersync sends; when Schoology answers 429 it slows down by
# itself, and keeps retrying a refused request for rate_limited_budget_minutes
# (default 30) before the record fails.
rate_requests = 50
rate_per_seconds = 5
# rate_limited_budget_minutes = 30
# Role titles that make an account a System Administrator, compared without
# regard to case; list your district's title if its role was renamed.
# system_admin_roles = ["System Admin", "System Administrator"]
# A new account whose e-mail Schoology says belongs to an account in another
# school: "ignore" (default) creates it without the e-mail and records a
# warning naming the person and the address; "username_only" creates it with
# a username only; "error" records a failure (retried every run).
# email_conflicts = "ignore"

[store]
# The state store (links, run logs, queue, schedule state), relative to this file.
path = "rostersync.db"
# Or, instead of path, a PostgreSQL database that many districts share: its
# URL without a password (set ROSTERSYNC_PG_PASSWORD), with sslmode "require"
# (or "prefer", the default, or "disable"), and this district's id, under
# which all its rows are kept.
# url = "postgres://rostersync@db.district.org:5432/rostersync?sslmode=require"
# district = "district-42"
# With sslmode "require", the server's certificate is checked against the
# public roots, or against this certificate authority (PEM), relative to
# this file; and how many connections one process keeps at most (4).
# ca_certificate = "db-ca.pem"
# pool_size = 4

[district]
# The district's IANA time zone: it sets "today" and the schedule window.
time_zone = "America/Chicago"

# [console]
# The web console (`rostersync serve`). Sign-in takes the one-time token it
# prints at start, or the password whose argon2 hash is here; make the hash
# with `rostersync serve --hash-password` (it reads the password on stdin).
# password_hash = "$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH"
# HTTPS: the certificate chain and its private key, PEM files relative to
# this file. With them the console may serve an address other machines reach
# (`rostersync serve --address 0.0.0.0:8460`); without them it needs
# --insecure-http to, and sends passwords and sessions unencrypted.
# tls_certificate = "console-cert.pem"
# tls_key = "console-key.pem"

# [schedule] and [mapping] below are written by the commands:
#   rostersync schedule set daily --window 00:00-03:00
#   rostersync schools map --auto      (or SIS_SCHOOL LMS_BUILDING; --suggest to look first)
#   rostersync terms map --auto        (or SIS_TERM GRADING_PERIOD|create, or --all create)
#   rostersync roles set --all student|teacher|guardian LMS_ROLE_TITLE (or do_not_sync;
#                                      or SIS_SCHOOL[,SIS_SCHOOL...] instead of --all)
#   rostersync roles select --all users|courses|sections|all
# You may edit them by hand too, comments included: the commands change only
# the values they set and keep your comments and order below the marker line.
# Thresholds stop a run that would change too much, e.g.
#   [mapping.thresholds.enrollment.remove]
#   max_percent = 20

"#;

#[cfg(test)]
mod tests;
