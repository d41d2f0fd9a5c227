//! `demo`: both simulators in-process with a generated district, a temporary
//! configuration and store, then check → the mapping made with the commands
//! an administrator runs (`schools map --auto`, `roles set --all`, `terms map
//! --auto`, `terms map --all create`), each printed → prep → sync all →
//! summary and log → a second sync that changes nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rostersync_core::SyncScope;
use rostersync_engine::RunOptions;
use rostersync_ports::{OutcomeFilter, OutcomeStatus, Trigger};
use rostersync_sim::district::{DistrictSize, generate, write_oneroster_csv};
use rostersync_sim::eschoolplus::EspSim;
use rostersync_sim::schoology::{RateLimit, SchoologySim};

use crate::cli::{DemoSis, LogsCommand, RolesCommand, SchoolsCommand, Size, TermsCommand};
use crate::commands::sync::{finish, print_report};
use crate::commands::{mapping, setup};
use crate::config::{self, Config, ESP_PASSWORD_ENV, SCHOOLOGY_SECRET_ENV};
use crate::output::{Out, with_spinner};
use crate::{EXIT_ERROR, EXIT_OK, wire};

/// Requests per 5 seconds the demo allows (the simulator enforces it too);
/// ten times the public API's limit, so the demo is quick.
const DEMO_RATE: u32 = 500;

/// Runs the demo; the exit code is the second sync's. With `serve`, the
/// web console is then left up on the simulated district at that address.
pub(crate) async fn run(
    size: Size,
    sis: DemoSis,
    serve: Option<&str>,
    out: Out,
) -> anyhow::Result<u8> {
    // The demo is a story told in text; `--json` does not apply to it.
    let _ = out;
    let out = Out { json: false };
    let size = match size {
        Size::Tiny => DistrictSize::Tiny,
        Size::Small => DistrictSize::Small,
        Size::Medium => DistrictSize::Medium,
        Size::Large => DistrictSize::Large,
        Size::Xl => DistrictSize::Xl,
    };
    let now = wire::now();
    let zone = chrono_tz::America::Chicago;
    let year = rostersync_eschoolplus::school_year_for(now.with_timezone(&zone).date_naive());
    let district = with_spinner(format!("generating a {size} district"), async {
        generate(size, 2026, year)
    })
    .await;
    let dir = tempfile::tempdir()?;
    let (esp, sis_table) = match sis {
        DemoSis::Eschoolplus => {
            let esp = EspSim::builder()
                .district(&district)
                .task_polls(1)
                .start()
                .await?;
            let table = esp_table(&esp.url(), esp.site_code(), esp.login_name(), year);
            (Some(esp), table)
        }
        DemoSis::OnerosterCsv => {
            write_oneroster_csv(&district, &dir.path().join("oneroster"))?;
            let table = format!(
                "[sis]\nadapter = \"oneroster-csv\"\nschool_year = {year}\n\n[oneroster_csv]\npackage = \"oneroster\"\n"
            );
            (None, table)
        }
    };
    let lms = SchoologySim::builder()
        .directory(&district.lms_directory)
        .rate_limit(RateLimit {
            quota: DEMO_RATE,
            window: Duration::from_secs(5),
            write_cost: 1,
        })
        .start()
        .await?;
    let path = dir.path().join("rostersync.toml");
    let text = demo_config(
        &sis_table,
        &lms.url(),
        &lms.admin_credentials().key,
        &lms.school_id(),
    );
    std::fs::write(&path, text)?;
    let password = esp
        .as_ref()
        .map(|esp| esp.password().to_owned())
        .unwrap_or_default();
    let secret = lms.admin_credentials().secret.clone();
    let env: crate::console::Env = Arc::new(move |name: &str| match name {
        ESP_PASSWORD_ENV => Some(password.clone()),
        SCHOOLOGY_SECRET_ENV => Some(secret.clone()),
        _ => None,
    });
    let load = |path: &Path| -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)?;
        Ok(config::parse(path, &text, &*env)?)
    };
    let config = load(&path)?;
    let profile = size.profile();
    out.line(format!(
        "== rostersync demo: a {size} district ({} schools, {} students, {} teachers, {} sections), school year {}-{:02}",
        profile.schools,
        profile.students,
        profile.teachers,
        profile.sections,
        year - 1,
        year.rem_euclid(100)
    ));
    out.line(match &esp {
        Some(esp) => format!(
            "   eSchoolPLUS simulator at {}, Schoology simulator at {}",
            esp.url(),
            lms.url()
        ),
        None => format!(
            "   the district as a OneRoster 1.1 CSV package in {}, Schoology simulator at {}",
            dir.path().join("oneroster").display(),
            lms.url()
        ),
    });
    out.line(format!(
        "   configuration {} (secrets passed in memory, never written)",
        path.display()
    ));

    out.line("\n== 1. check both ends");
    if setup::check(&config, out).await? != EXIT_OK {
        return Ok(EXIT_ERROR);
    }

    out.line("\n== 2. map schools, terms and roles, as an administrator would");
    let code = map_everything(&path, &load, out).await?;
    if code != EXIT_OK {
        return Ok(code);
    }
    let config = load(&path)?;
    let wired = wire::engine(&config, now).await?;

    out.line("\n== 3. data prep: match existing LMS records");
    let report = with_spinner("matching records", wired.engine.prep_report(now)).await?;
    let counts = report.counts();
    out.line(format!(
        "users: {} matched, {} to create; courses: {} matched, {} to create; sections: {} matched, {} to create",
        counts.users.matched,
        counts.users.unmatched,
        counts.courses.matched,
        counts.courses.unmatched,
        counts.sections.matched,
        counts.sections.unmatched
    ));

    out.line("\n== 4. sync all");
    crate::output::start(&wired.progress, "syncing everything");
    let first = wired
        .engine
        .run(SyncScope::All, Trigger::Manual, RunOptions::at(now))
        .await;
    wired.progress.finish_and_clear();
    let first_run = first.as_ref().ok().and_then(|r| r.run);
    let code = finish(first, out)?;
    if code != EXIT_OK && code != crate::EXIT_FAILURES {
        return Ok(code);
    }

    out.line("\n== 5. the log");
    crate::commands::logs::logs(&LogsCommand::List { limit: 5 }, &config, out).await?;
    if let Some(run) = first_run {
        let filter = OutcomeFilter {
            run: Some(run),
            status: Some(OutcomeStatus::Skipped),
            entity: None,
        };
        let skipped = wired.store.outcomes(&filter).await?;
        out.line(format!(
            "run {run} left {} record(s) alone, with reasons; the first few:",
            skipped.len()
        ));
        for outcome in skipped.iter().take(8) {
            out.line(format!(
                "  {} {}: {}",
                outcome.entity,
                outcome.key,
                outcome.reason.as_deref().unwrap_or_default()
            ));
        }
    }

    out.line("\n== 6. sync all again: nothing changes");
    let again = wire::now();
    let second = with_spinner(
        "syncing everything again",
        wired
            .engine
            .run(SyncScope::All, Trigger::Manual, RunOptions::at(again)),
    )
    .await;
    let nothing = second
        .as_ref()
        .is_ok_and(|report| report.summary.writes_nothing() && report.done == 0);
    match second {
        Ok(report) => print_report(&report, out)?,
        Err(rostersync_engine::EngineError::ThresholdExceeded { report }) => {
            print_report(&report, out)?;
            let dry = wired
                .engine
                .run(SyncScope::All, Trigger::Manual, RunOptions::at(again).dry())
                .await?;
            out.line("what it would change (dry run, first lines):");
            let text = dry.plan.as_ref().map_or_else(String::new, |plan| {
                rostersync_core::plan::render_text(
                    plan,
                    rostersync_core::plan::RenderOptions::full(),
                )
            });
            for line in text.lines().take(30) {
                out.line(format!("  {line}"));
            }
        }
        Err(error) => return Err(error.into()),
    }
    let writes = lms.counters().writes;
    out.line(if nothing {
        format!("the second run planned no writes; the Schoology simulator counted {writes} write(s) in all, every one from the first run")
    } else {
        "the second run still planned writes; see `logs show` above".to_owned()
    });
    wired.sis.close().await;
    if let Some(address) = serve {
        out.line("\n== 7. the web console, on the simulated district (Ctrl-C stops it)");
        crate::commands::serve::console(address, false, &config, env, out).await?;
    }
    out.line(
        "\nNext: `rostersync init` writes a configuration for your district; see docs/admin-guide.md.",
    );
    if let Some(esp) = esp {
        esp.stop().await;
    }
    drop(lms);
    Ok(if nothing { EXIT_OK } else { EXIT_ERROR })
}

/// Maps the district of the configuration at `path` with the commands an
/// administrator runs ([`mapping_steps`]), each printed and each reading the
/// file as the one before left it (`load` reads it). Returns the first exit
/// code that is not OK, or OK.
pub(crate) async fn map_everything(
    path: &Path,
    load: &dyn Fn(&Path) -> anyhow::Result<Config>,
    out: Out,
) -> anyhow::Result<u8> {
    for step in mapping_steps() {
        out.line(format!("$ rostersync {}", step.words));
        let config = load(path)?;
        let code = match &step.command {
            MappingStep::Schools(command) => mapping::schools(command, &config, out).await?,
            MappingStep::Terms(command) => mapping::terms(command, &config, out).await?,
            MappingStep::Roles(command) => mapping::roles(command, &config, out).await?,
        };
        if code != EXIT_OK {
            return Ok(code);
        }
    }
    Ok(EXIT_OK)
}

/// One mapping command the demo runs, with its words on the command line.
struct Step {
    words: &'static str,
    command: MappingStep,
}

/// The mapping command of a [`Step`].
enum MappingStep {
    Schools(SchoolsCommand),
    Terms(TermsCommand),
    Roles(RolesCommand),
}

/// The commands that map a fresh district whose school names and grading
/// period dates match: schools and terms by suggestion, the terms with no
/// grading period to "create", and one role map for every school.
fn mapping_steps() -> Vec<Step> {
    let args = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect();
    let role = |words: &'static str, role: &str, title: &str| Step {
        words,
        command: MappingStep::Roles(RolesCommand::Set {
            all: true,
            args: args(&[role, title]),
        }),
    };
    vec![
        Step {
            words: "schools map --auto",
            command: MappingStep::Schools(SchoolsCommand::Map {
                sis: None,
                lms: None,
                suggest: false,
                auto: true,
            }),
        },
        role("roles set --all student Student", "student", "Student"),
        role("roles set --all teacher Teacher", "teacher", "Teacher"),
        role("roles set --all guardian Parent", "guardian", "Parent"),
        Step {
            words: "roles select --all all",
            command: MappingStep::Roles(RolesCommand::Select {
                all: true,
                args: args(&["all"]),
            }),
        },
        Step {
            words: "terms map --auto",
            command: MappingStep::Terms(TermsCommand::Map {
                term: None,
                period: None,
                suggest: false,
                auto: true,
                all: None,
            }),
        },
        Step {
            words: "terms map --all create",
            command: MappingStep::Terms(TermsCommand::Map {
                term: None,
                period: None,
                suggest: false,
                auto: false,
                all: Some(rostersync_core::mapping::CREATE.to_owned()),
            }),
        },
    ]
}

/// The `[eschoolplus]` table of the demo's configuration.
pub(crate) fn esp_table(esp_url: &str, site_code: &str, login_name: &str, year: i32) -> String {
    format!(
        r#"[eschoolplus]
domain = "{esp_url}"
site_code = "{site_code}"
login_name = "{login_name}"
school_year = {year}
poll_interval_ms = 20
"#
    )
}

/// The demo's configuration text: the SIS's table(s), the Schoology
/// simulator's address, no secrets.
pub(crate) fn demo_config(sis_table: &str, lms_url: &str, key: &str, school_id: &str) -> String {
    format!(
        r#"# Written by `rostersync demo`; secrets are passed in memory.
{sis_table}
[schoology]
base_url = "{lms_url}"
consumer_key = "{key}"
school_id = "{school_id}"
rate_requests = {DEMO_RATE}
rate_per_seconds = 5

[store]
path = "rostersync.db"

[district]
time_zone = "America/Chicago"

{marker}

[schedule]
mode = "manual"
"#,
        marker = config::MANAGED_MARKER
    )
}
