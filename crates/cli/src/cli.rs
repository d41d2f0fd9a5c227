//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, shown at the end of `--help`.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  error (a connection, the LMS, the SIS or the store failed)
  2  bad usage or configuration (the message names the key and the fix)
  3  a safety threshold stopped the run before any write
  4  the run completed, but some records failed (see `rostersync logs show RUN`)
  5  the service was stopped during a sync (second signal); the next run resumes it

Secrets: set ROSTERSYNC_ESP_PASSWORD and ROSTERSYNC_SCHOOLOGY_SECRET in the
environment; they are never printed.";

/// The version `--version` prints: the package's, and the commit it was
/// built from ("unknown" when the source had no git metadata).
pub(crate) const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ROSTERSYNC_COMMIT"),
    ")"
);

/// A command-line problem: bad usage, exit code 2, with the message that
/// names the flag or value and, where one helps, a next step.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct UsageError {
    message: String,
    hint: Option<String>,
}

impl UsageError {
    /// A problem described in full.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            hint: None,
        }
    }

    /// The same problem with a next step.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The next step, if any.
    pub(crate) fn next_step(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

/// Keeps a Schoology district populated from eSchoolPLUS.
#[derive(Debug, Parser)]
#[command(name = "rostersync", version = VERSION, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        default_value = "rostersync.toml",
        env = "ROSTERSYNC_CONFIG"
    )]
    pub(crate) config: PathBuf,
    /// Print JSON instead of text; a command that cannot refuses it.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// More logging on standard error: -v info, -vv debug, -vvv trace of
    /// rostersync's own lines; -vvvv also the HTTP libraries' (or set
    /// ROSTERSYNC_LOG, e.g. "rostersync=debug,reqwest=debug").
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors and what was asked for: no progress, no log lines below
    /// errors, and nothing printed when a sync or a change succeeds.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a commented configuration template.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Connect to both ends and report what works.
    Check,
    /// The LMS account every change is made as.
    #[command(subcommand)]
    ActingUser(ActingUserCommand),
    /// SIS schools and LMS buildings.
    #[command(subcommand)]
    Schools(SchoolsCommand),
    /// SIS terms and LMS grading periods.
    #[command(subcommand)]
    Terms(TermsCommand),
    /// Role maps and building selection per object type.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Data prep: match SIS records to existing LMS records before the first sync.
    #[command(subcommand)]
    Prep(PrepCommand),
    /// Sync now.
    Sync(SyncArgs),
    /// Sync timing.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Run as a service: the scheduler and the queue worker, until SIGINT or SIGTERM.
    Run {
        /// Seconds between two scheduler checks.
        #[arg(long, default_value_t = 60)]
        interval: u64,
        /// Work the queue shared by many districts instead: every `*.toml`
        /// in this folder is one district's configuration, each with
        /// `[store] url` and `district` on one database (no configuration
        /// file is read).
        #[arg(long, value_name = "DIR")]
        districts: Option<PathBuf>,
        /// This worker's name in `status --districts` (default: host name
        /// and process id).
        #[arg(long, requires = "districts")]
        worker: Option<String>,
        /// Put the due scheduled syncs on the shared queue, work until
        /// nothing is left to take, then exit.
        #[arg(long, requires = "districts")]
        once: bool,
        /// Seconds a job is leased for (renewed every third of it).
        #[arg(long, hide = true, default_value_t = crate::commands::workers::LEASE_SECONDS)]
        lease: u64,
    },
    /// The workers and each district's jobs on the shared queue.
    Status {
        /// The folder of district configurations, as `run --districts`.
        #[arg(long, value_name = "DIR")]
        districts: PathBuf,
    },
    /// Run logs.
    #[command(subcommand)]
    Logs(LogsCommand),
    /// The web console on this machine: prints its address and a one-time
    /// sign-in token, and serves until stopped (today: the Logs tab). The
    /// console password (`[console] password_hash`) signs in too; with
    /// `[console] tls_certificate` and `tls_key` it serves HTTPS.
    Serve {
        /// The address to serve on; only 127.0.0.1 (or ::1) unless the
        /// configuration sets TLS or --insecure-http is given.
        #[arg(long, default_value = "127.0.0.1:8460")]
        address: String,
        /// Serve plain HTTP on an address other machines reach, without TLS;
        /// the log warns about it.
        #[arg(long)]
        insecure_http: bool,
        /// Read the console password from one line of standard input, print
        /// its argon2 hash for `[console] password_hash`, and exit without
        /// serving (no configuration is read).
        #[arg(long, conflicts_with_all = ["address", "insecure_http"])]
        hash_password: bool,
    },
    /// What the last drift check found: records edited, deleted or
    /// unenrolled in the LMS by hand, and what the sync did about each.
    Drift {
        /// The run whose drift check to show (default: the last one).
        #[arg(long)]
        run: Option<i64>,
    },
    /// Grade passback from Schoology to eSchoolPLUS (settings under `[grades]`).
    #[command(subcommand)]
    Grades(GradesCommand),
    /// Start both simulators with a generated district and sync it, twice.
    Demo {
        /// The district size.
        #[arg(long, value_enum, default_value_t = Size::Small)]
        size: Size,
        /// Where the demo's roster comes from: the eSchoolPLUS simulator, or
        /// the same district written as a OneRoster CSV package.
        #[arg(long, value_enum, default_value_t = DemoSis::Eschoolplus)]
        sis: DemoSis,
        /// After the demo, leave the web console up on the simulated
        /// district (until Ctrl-C), and print its address and sign-in token.
        #[arg(long)]
        serve: bool,
        /// Where `--serve` listens.
        #[arg(long, default_value = "127.0.0.1:8460", requires = "serve")]
        address: String,
    },
    /// Print a shell completion script, e.g. `rostersync completions bash >
    /// /etc/bash_completion.d/rostersync`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (rostersync.1 and one per command) into a folder;
    /// `cargo xtask man` runs it.
    #[command(hide = true)]
    Man {
        /// The folder to write them into.
        #[arg(long, default_value = "man")]
        dir: PathBuf,
    },
}

impl Cli {
    /// Refuses `--json` where it cannot be honoured, and where it would
    /// contradict `--format`: JSON never silently overrides another choice.
    pub(crate) fn check_json(&self) -> Result<(), UsageError> {
        if !self.json {
            return Ok(());
        }
        let refuse = |what: &str, instead: &str| {
            Err(UsageError::new(format!("--json does not apply to {what}"))
                .hint(instead.to_owned()))
        };
        match &self.command {
            Command::Serve { .. } => refuse(
                "`serve`, which prints its address and sign-in token",
                "run it without --json",
            ),
            Command::Run { .. } => refuse(
                "`run`, which logs as it goes",
                "its runs are in `rostersync logs list --json` and `rostersync logs show RUN --json`",
            ),
            Command::Demo { .. } => refuse(
                "`demo`, a story told in text",
                "run it without --json; every command it shows takes --json on its own",
            ),
            Command::Completions { .. } | Command::Man { .. } => {
                refuse("shell completions and man pages", "run it without --json")
            }
            Command::Prep(PrepCommand::Report {
                format: Some(format),
                ..
            }) if *format != ReportFormat::Json => Err(both("--format", format.name())),
            Command::Logs(LogsCommand::Export {
                format: Some(format),
                ..
            }) if *format != ExportFormat::Json => Err(both("--format", "csv")),
            _ => Ok(()),
        }
    }
}

/// The refusal of `--json` beside a flag that asks for another form.
fn both(flag: &str, value: &str) -> UsageError {
    UsageError::new(format!(
        "--json and {flag} {value} ask for two different outputs"
    ))
    .hint(format!("give one of them: --json, or {flag} {value}"))
}

/// `acting-user`.
#[derive(Debug, Subcommand)]
pub(crate) enum ActingUserCommand {
    /// Who the configured credentials act as, and who is recorded.
    Show,
    /// Record the credentials' account as the acting user (System Administrators only).
    Take,
}

/// `schools`.
#[derive(Debug, Subcommand)]
pub(crate) enum SchoolsCommand {
    /// SIS schools and LMS buildings side by side.
    List,
    /// Map a SIS school to an LMS building (both must exist), or with
    /// --suggest / --auto match them by name, code or abbreviation.
    Map {
        /// The SIS school key.
        #[arg(required_unless_present_any = ["suggest", "auto"], conflicts_with_all = ["suggest", "auto"])]
        sis: Option<String>,
        /// The LMS building id.
        #[arg(required_unless_present_any = ["suggest", "auto"])]
        lms: Option<String>,
        /// List proposed pairs with their reason and confidence; save nothing.
        #[arg(long, conflicts_with = "auto")]
        suggest: bool,
        /// Map every unmapped school that has exactly one likely building,
        /// and list the rest.
        #[arg(long)]
        auto: bool,
    },
    /// Leave a SIS school unmapped (also drops its role map and selection).
    Unmap {
        /// The SIS school key.
        sis: String,
    },
}

/// `terms`.
#[derive(Debug, Subcommand)]
pub(crate) enum TermsCommand {
    /// SIS terms and LMS grading periods side by side.
    List,
    /// Map a SIS term to a grading period id, or to "create" (both ends
    /// must exist), or with --suggest / --auto match them by dates and
    /// title, or with --all map every unmapped term of the mapped schools.
    Map {
        /// The SIS term key.
        #[arg(required_unless_present_any = ["suggest", "auto", "all"], conflicts_with_all = ["suggest", "auto", "all"])]
        term: Option<String>,
        /// The grading period id, or "create".
        #[arg(required_unless_present_any = ["suggest", "auto", "all"])]
        period: Option<String>,
        /// List proposed pairs with their reason and confidence; save nothing.
        #[arg(long, conflicts_with_all = ["auto", "all"])]
        suggest: bool,
        /// Map every unmapped term of a mapped school that has exactly one
        /// likely grading period, and list the rest.
        #[arg(long, conflicts_with = "all")]
        auto: bool,
        /// Map every unmapped term of the mapped schools to this: "create"
        /// (a grading period made by the sync) or a grading period id.
        #[arg(long, value_name = "PERIOD")]
        all: Option<String>,
    },
    /// Create the grading period of a term in the LMS and map the term to it.
    CreatePeriod {
        /// The SIS term key.
        term: String,
    },
}

/// The SIS roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SisRoleArg {
    /// Students.
    Student,
    /// Teachers.
    Teacher,
    /// Guardians.
    Guardian,
}

impl SisRoleArg {
    /// The core's SIS role.
    pub(crate) fn sis(self) -> rostersync_core::model::sis::SisRole {
        use rostersync_core::model::sis::SisRole;
        match self {
            SisRoleArg::Student => SisRole::Student,
            SisRoleArg::Teacher => SisRole::Teacher,
            SisRoleArg::Guardian => SisRole::Guardian,
        }
    }
}

/// Object types a building is selected for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// Users.
    Users,
    /// Courses.
    Courses,
    /// Sections and enrollments.
    Sections,
    /// All three.
    All,
}

/// `roles`.
#[derive(Debug, Subcommand)]
pub(crate) enum RolesCommand {
    /// Role maps and selection per building, with the LMS roles.
    Show,
    /// Map a SIS role in one or more mapped schools to an LMS role (its
    /// title, as Schoology lists it, or its id), or to "do_not_sync":
    /// `roles set 101 teacher Teacher`, `roles set 101,102 student Student`,
    /// `roles set --all guardian Parent`.
    Set {
        /// Every mapped school (then give only ROLE and TARGET).
        #[arg(long)]
        all: bool,
        /// SCHOOL[,SCHOOL...] ROLE TARGET: the SIS school key(s) (not with
        /// --all), the SIS role (student, teacher, guardian), and the LMS
        /// role title or id, or "do_not_sync".
        #[arg(value_name = "ARGS", num_args = 2..=3, required = true)]
        args: Vec<String>,
    },
    /// Select mapped schools for an object type: `roles select 101 all`,
    /// `roles select --all users`.
    Select {
        /// Every mapped school (then give only KIND).
        #[arg(long)]
        all: bool,
        /// SCHOOL[,SCHOOL...] KIND: the SIS school key(s) (not with --all)
        /// and users, courses, sections or all.
        #[arg(value_name = "ARGS", num_args = 1..=2, required = true)]
        args: Vec<String>,
    },
    /// Deselect mapped schools for an object type (same arguments as select).
    Deselect {
        /// Every mapped school (then give only KIND).
        #[arg(long)]
        all: bool,
        /// SCHOOL[,SCHOOL...] KIND.
        #[arg(value_name = "ARGS", num_args = 1..=2, required = true)]
        args: Vec<String>,
    },
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// Readable text: a summary, and every record with --full.
    Table,
    /// CSV, every record.
    Csv,
    /// JSON, every record.
    Json,
}

impl ReportFormat {
    /// The value as written on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ReportFormat::Table => "table",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
        }
    }
}

/// `prep`.
#[derive(Debug, Subcommand)]
pub(crate) enum PrepCommand {
    /// The match report, a summary first; nothing is written.
    Report {
        /// The format (default: table; `--json` is the same as `--format json`).
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        /// After the summary, list every record (table format).
        #[arg(long)]
        full: bool,
    },
    /// Make the report again and link every match.
    Apply,
}

/// Sync scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScopeArg {
    /// Users.
    Users,
    /// Courses.
    Courses,
    /// Grading periods, sections and enrollments.
    Sections,
    /// Everything.
    All,
}

/// `sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// What to sync.
    #[arg(value_enum)]
    pub(crate) scope: ScopeArg,
    /// Print the plan's summary; write nothing (not recorded as a run).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Apply even past a safety threshold.
    #[arg(long)]
    pub(crate) force: bool,
    /// After the summary, list everything: with --dry-run every planned
    /// change with its fields, otherwise every warning and failure.
    #[arg(long)]
    pub(crate) full: bool,
    /// Put the sync on the queue of the service (`rostersync run`) instead
    /// of running it here; the service runs it when no other sync holds the lock.
    #[arg(long, conflicts_with_all = ["dry_run", "force", "full", "full_read", "incremental"])]
    pub(crate) queue: bool,
    /// Read the LMS in full and check it for drift against the shadow
    /// (what a sync run by hand does anyway; the service's scheduled syncs
    /// do it once a week, on `schedule.drift_check`).
    #[arg(long, conflicts_with = "incremental")]
    pub(crate) full_read: bool,
    /// Plan against the shadow of the LMS kept by the last sync instead of
    /// reading its whole roster (as the service's scheduled syncs do); falls
    /// back to a full read when the shadow cannot serve, and says why.
    #[arg(long)]
    pub(crate) incremental: bool,
}

/// `schedule`.
#[derive(Debug, Subcommand)]
pub(crate) enum ScheduleCommand {
    /// The timing, and when the next scheduled sync is and why.
    Show,
    /// Save the timing (this starts the 24-hour grace period).
    #[command(subcommand)]
    Set(ScheduleSet),
}

/// `schedule set`.
#[derive(Debug, Subcommand)]
pub(crate) enum ScheduleSet {
    /// No scheduled syncs.
    Manual,
    /// Once a day within a window of local time.
    Daily {
        /// The window, "HH:MM-HH:MM" (may span midnight).
        #[arg(long)]
        window: String,
        /// The window's IANA time zone (default: district.time_zone).
        #[arg(long)]
        time_zone: Option<String>,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// CSV.
    Csv,
    /// JSON.
    Json,
}

/// `logs`.
#[derive(Debug, Subcommand)]
pub(crate) enum LogsCommand {
    /// Recorded runs, newest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One run and its records with a warning, skipped or failed.
    Show {
        /// The run id.
        run: i64,
        /// Only records with this status (done, warning, skipped, failed).
        #[arg(long)]
        status: Option<String>,
    },
    /// Per-record outcomes, filtered.
    Export {
        /// The format (default: csv; `--json` is the same as `--format json`).
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// Only this run.
        #[arg(long)]
        run: Option<i64>,
        /// Only this status (done, warning, skipped, failed).
        #[arg(long)]
        status: Option<String>,
        /// Only this object type (user, course, section, enrollment, ...).
        #[arg(long)]
        entity: Option<String>,
        /// What to export: `outcomes` (default, every record's outcome) or
        /// `source` (what the SIS reads could not read, left out or warned
        /// about; `--status` then takes unreadable, left_out or warning).
        #[arg(long, value_enum, default_value_t = ExportKind::Outcomes)]
        kind: ExportKind,
    },
}

/// What `logs export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportKind {
    /// Every record's outcome.
    Outcomes,
    /// The SIS read's problems.
    Source,
}

/// The SIS the demo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DemoSis {
    /// The eSchoolPLUS simulator.
    Eschoolplus,
    /// A OneRoster 1.1 CSV package of the district.
    OnerosterCsv,
}

/// District sizes for the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Size {
    /// One school, 50 students.
    Tiny,
    /// Four schools, 1,500 students.
    Small,
    /// Twenty schools, 25,000 students.
    Medium,
    /// Sixty schools, 100,000 students.
    Large,
    /// 150 schools, 250,000 students.
    Xl,
}

/// `grades check|sync`.
#[derive(Debug, Subcommand)]
pub(crate) enum GradesCommand {
    /// Plan a passback and report problems, conflicts and average differences; write nothing.
    Check(GradesArgs),
    /// Pass grades back.
    Sync {
        /// What to pass back.
        #[command(flatten)]
        target: GradesArgs,
        /// Plan and report only.
        #[arg(long)]
        dry_run: bool,
        /// Overwrite SIS scores that rostersync did not write or that changed since.
        #[arg(long)]
        overwrite: bool,
    },
}

/// Which sections, for whom.
#[derive(Debug, clap::Args)]
pub(crate) struct GradesArgs {
    /// The section (SIS key); without it, every section of `--teacher`.
    #[arg(long)]
    pub(crate) section: Option<String>,
    /// Act for this teacher (LMS user id): only their sections are allowed.
    #[arg(long)]
    pub(crate) teacher: Option<String>,
    /// Only this LMS grading period.
    #[arg(long)]
    pub(crate) period: Option<String>,
}
