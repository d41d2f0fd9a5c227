//! What the console asks of the binary that serves it: each tab's reads and
//! changes, done over the same configuration file, engine and store as the
//! CLI, and returned as plain views for the pages to render.
//!
//! The binary implements [`Actions`]; this crate knows nothing of how the
//! configuration is parsed or written, so a change is validated exactly as
//! the CLI validates it, by the CLI's own code.

use std::sync::Arc;

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_core::prep::MatchReport;
use rostersync_engine::Progress;
use rostersync_ports::RunId;

/// One problem with a change, beside the field it is about (`None`: the
/// change as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field's name, when the problem is one field's.
    pub field: Option<String>,
    /// What is wrong and what to do, in the CLI's words.
    pub message: String,
}

impl Problem {
    /// A problem of the field `field`.
    pub fn of(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A problem of the change as a whole.
    pub fn whole(message: impl Into<String>) -> Self {
        Problem {
            field: None,
            message: message.into(),
        }
    }
}

/// Why an action did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActionError {
    /// The change is invalid; nothing was saved.
    #[error("the change was refused: {}", join_problems(.0))]
    Refused(Vec<Problem>),
    /// The configuration file changed on disk after the page was loaded;
    /// nothing was saved.
    #[error(
        "the configuration file changed on disk after this page was loaded; nothing was saved: reload the page and make the change again"
    )]
    Stale,
    /// An end or the store failed; the message says which and why.
    #[error("{0}")]
    Failed(String),
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A change saved in the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    /// What changed, in words.
    pub message: String,
    /// What the administrator should read (e.g. a building two schools share).
    pub warnings: Vec<String>,
}

/// One setting of an end as the Configuration tab shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key as written in the file (e.g. `schoology.base_url`).
    pub key: String,
    /// What it is set to.
    pub value: SettingValue,
    /// Whether the console may change it.
    pub editable: bool,
}

/// A setting's value; a secret is never given, only whether it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// A plain value.
    Plain(String),
    /// A secret, and whether it is set (in the file or the environment).
    Secret {
        /// Whether a value is set.
        set: bool,
        /// Where it is read from, e.g. "the environment variable X".
        from: String,
    },
}

/// The sync timing as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    /// "manual" or "daily".
    pub mode: String,
    /// The daily window, "HH:MM-HH:MM".
    pub window: String,
    /// The window's time zone; empty for the district's.
    pub time_zone: String,
}

/// The Configuration tab.
#[derive(Debug, Clone)]
pub struct ConfigurationView {
    /// The configuration file.
    pub path: String,
    /// The file's revision when read (see [`Revision`]).
    pub revision: Revision,
    /// The SIS end's settings.
    pub sis: Vec<Setting>,
    /// The LMS end's settings.
    pub lms: Vec<Setting>,
    /// The sync timing.
    pub timing: Timing,
    /// The district's time zone.
    pub district_zone: String,
    /// The next scheduled sync and why, in words.
    pub next_sync: String,
    /// When things last happened (last manual sync, timing saved, ...).
    pub history: Vec<(String, String)>,
}

/// What `check` found at one end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndCheck {
    /// Which end.
    pub end: String,
    /// Whether everything works.
    pub ok: bool,
    /// Each step: whether it worked, and what was found, in `check`'s words.
    pub steps: Vec<(bool, String)>,
}

/// The revision of the configuration file a page was made from: a digest of
/// its bytes. A change carries it back, and is refused when the file now
/// has another.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revision(pub String);

/// The Acting user tab.
#[derive(Debug, Clone)]
pub struct ActingUserView {
    /// Who the credentials act as, in words.
    pub credentials: String,
    /// Whether that account is a System Administrator.
    pub is_system_admin: bool,
    /// The acting user recorded in the store, in words.
    pub recorded: Option<String>,
    /// Whether the recorded one is the credentials' account.
    pub same: bool,
}

/// One record of an end: its id and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The id or key.
    pub id: String,
    /// The title or name.
    pub name: String,
}

/// One SIS school on the Schools tab.
#[derive(Debug, Clone)]
pub struct SchoolRow {
    /// The school.
    pub school: Named,
    /// The building it is mapped to (`None`: unmapped, not synced).
    pub mapped: Option<Named>,
    /// The suggested building, for an unmapped school, with why.
    pub suggestion: Option<(Named, String)>,
    /// Whether the SIS no longer lists the school (the mapping is stale).
    pub stale: bool,
}

/// The Schools tab.
#[derive(Debug, Clone)]
pub struct SchoolsView {
    /// The file's revision.
    pub revision: Revision,
    /// The SIS schools (then stale mapped ones).
    pub schools: Vec<SchoolRow>,
    /// The LMS buildings.
    pub buildings: Vec<Named>,
    /// Warnings about the mapping (shared buildings, stale schools).
    pub warnings: Vec<String>,
}

/// One SIS term on the Terms tab.
#[derive(Debug, Clone)]
pub struct TermRow {
    /// The term.
    pub term: Named,
    /// Its school.
    pub school: String,
    /// Its dates, "start..end".
    pub dates: String,
    /// What it is mapped to: a grading period's id, or "create".
    pub mapped: Option<String>,
    /// The suggested grading period, for an unmapped term, with why.
    pub suggestion: Option<(Named, String)>,
    /// Whether the term's school is mapped (else the term is in no sync).
    pub school_mapped: bool,
}

/// The Terms tab.
#[derive(Debug, Clone)]
pub struct TermsView {
    /// The file's revision.
    pub revision: Revision,
    /// The school year, e.g. "2025-26".
    pub year: String,
    /// The SIS terms.
    pub terms: Vec<TermRow>,
    /// The LMS grading periods, with their dates in the name.
    pub periods: Vec<Named>,
    /// Warnings (stale terms, terms of unmapped schools).
    pub warnings: Vec<String>,
}

/// The Data prep tab.
#[derive(Debug, Clone)]
pub struct PrepView {
    /// What the SIS read, in words, and its problems.
    pub source: Vec<String>,
    /// The summary as `prep report` prints it.
    pub summary: String,
    /// Every record and what was found.
    pub report: MatchReport,
    /// The report as CSV, as `prep report --format csv` writes it.
    pub csv: String,
}

/// The buildings and role map of one object type's tab.
#[derive(Debug, Clone)]
pub struct SelectionView {
    /// The file's revision.
    pub revision: Revision,
    /// The mapped schools: the school, its building, and whether it is
    /// selected for this object type.
    pub schools: Vec<(Named, Named, bool)>,
    /// The role map (Users only): per mapped school, per SIS role, the
    /// target as written ("" when unset).
    pub roles: Vec<(String, Vec<(String, String)>)>,
    /// The LMS roles to pick from (Users only), and "do_not_sync".
    pub lms_roles: Vec<Named>,
}

/// A change of one object type's selection (and, for users, the role map).
#[derive(Debug, Clone, Default)]
pub struct SelectionChange {
    /// The schools selected; the others are deselected.
    pub selected: Vec<String>,
    /// (school, SIS role, target) for each role field given; an empty
    /// target clears it.
    pub roles: Vec<(String, String, String)>,
}

/// A plan shown before anything is written.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The summary table, as `sync --dry-run` prints it.
    pub summary: String,
    /// Every planned change, field by field.
    pub changes: String,
}

/// How a sync started in the console ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncEnd {
    /// Its run in the log (`None` when it did not start one).
    pub run: Option<RunId>,
    /// Its status or what stopped it, in words.
    pub status: String,
    /// Whether it ended without failures.
    pub ok: bool,
}

/// A grade passback asked for on the Grades tab: one section, or every
/// section of a teacher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradesRequest {
    /// Act for this teacher (LMS user id): only their sections are allowed.
    pub teacher: String,
    /// The section (SIS key); empty for every section of the teacher.
    pub section: String,
    /// Only this LMS grading period; empty for every one.
    pub period: String,
    /// Pass back (`false`: only the pre-flight check, nothing written).
    pub pass_back: bool,
    /// Overwrite SIS scores rostersync did not write or that changed since.
    pub overwrite: bool,
}

/// What a passback or its check found, per section, in `grades`'s words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradesView {
    /// The report of each section.
    pub text: String,
    /// Whether a record failed.
    pub failed: bool,
}

/// Everything the console does that is not reading the store: implemented
/// by the binary over the configuration file, the ends and the engine.
#[async_trait]
pub trait Actions: Send + Sync {
    /// The Configuration tab.
    async fn configuration(&self) -> Result<ConfigurationView, ActionError>;
    /// Saves connection settings: (key, value) pairs; a secret's value is
    /// written, never shown again.
    async fn save_connection(
        &self,
        revision: &Revision,
        changes: Vec<(String, String)>,
    ) -> Result<Saved, ActionError>;
    /// `check`: what works at each end and what does not.
    async fn check(&self) -> Vec<EndCheck>;
    /// Saves the sync timing (the grace rule applies); the saved message
    /// says when the next scheduled sync is and why.
    async fn save_timing(&self, revision: &Revision, timing: Timing) -> Result<Saved, ActionError>;
    /// The Acting user tab.
    async fn acting_user(&self) -> Result<ActingUserView, ActionError>;
    /// Records the credentials' account as the acting user; refused unless
    /// it is a System Administrator.
    async fn take_acting_user(&self) -> Result<Saved, ActionError>;
    /// The Schools tab: both ends read now.
    async fn schools(&self) -> Result<SchoolsView, ActionError>;
    /// Maps each (school, building) pair, or unmaps a school whose building
    /// is `None`.
    async fn save_schools(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError>;
    /// The Terms tab: both ends read now.
    async fn terms(&self) -> Result<TermsView, ActionError>;
    /// Maps each (term, target) pair (a grading period id or "create"), or
    /// unmaps a term whose target is `None`.
    async fn save_terms(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError>;
    /// Creates a grading period from a term and maps the term to it.
    async fn add_grading_period(
        &self,
        revision: &Revision,
        term: &str,
    ) -> Result<Saved, ActionError>;
    /// Data prep's match report, read now.
    async fn prep_report(&self) -> Result<PrepView, ActionError>;
    /// Links what data prep matched, as a run in the log.
    async fn prep_apply(&self) -> Result<Saved, ActionError>;
    /// The buildings (and role map) of one object type's tab.
    async fn selection(&self, scope: SyncScope) -> Result<SelectionView, ActionError>;
    /// Saves one object type's buildings (and role map).
    async fn save_selection(
        &self,
        revision: &Revision,
        scope: SyncScope,
        change: SelectionChange,
    ) -> Result<Saved, ActionError>;
    /// A dry run of `scope`: the plan, nothing written.
    async fn dry_run(&self, scope: SyncScope) -> Result<PlanView, ActionError>;
    /// Grade passback, or its pre-flight check, refused as `grades`
    /// refuses it.
    async fn grades(&self, request: GradesRequest) -> Result<GradesView, ActionError>;
    /// Runs a sync of `scope` by hand, reporting to `progress`, under the
    /// same lock as the CLI and the service.
    async fn sync(&self, scope: SyncScope, progress: Arc<dyn Progress>) -> SyncEnd;
}
