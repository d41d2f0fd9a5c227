//! The whole flow against both simulators on loopback: init → check → map →
//! prep → dry run → sync (one account made without its e-mail, a warning) →
//! logs → a second sync with no changes; a wrong
//! eSchoolPLUS password; and no secret in any output.

use std::path::Path;
use std::process::Output;

use rostersync_core::model::sis::SisRole;
use rostersync_sim::district::{District, DistrictSize, LmsDirectoryFixture, generate};
use rostersync_sim::eschoolplus::{EspSim, RunningEsp};
use rostersync_sim::schoology::{RateLimit, RunningSchoology, SchoologySim, Seed};
use tokio::runtime::Runtime;

use crate::{ESP_PASSWORD, code, rostersync, stderr, stdout};

pub(crate) struct Sims {
    pub(crate) esp: RunningEsp,
    pub(crate) lms: RunningSchoology,
    pub(crate) district: District,
}

fn school_year() -> i32 {
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    rostersync_eschoolplus::school_year_for(today)
}

pub(crate) fn start(runtime: &Runtime) -> Sims {
    start_district(runtime, generate(DistrictSize::Tiny, 7, school_year()))
}

/// Both simulators, configured and mapped, the acting user taken.
pub(crate) fn ready(runtime: &Runtime, dir: &Path) -> Sims {
    let sims = start(runtime);
    configure(dir, &sims);
    let mut admin = Admin::of(dir, &sims);
    admin.ok(&["acting-user", "take"]);
    map_everything(&mut admin, &sims);
    sims
}

/// Both simulators over `district`.
pub(crate) fn start_district(runtime: &Runtime, district: District) -> Sims {
    runtime.block_on(async {
        let esp = EspSim::builder()
            .district(&district)
            .login("rostersync", ESP_PASSWORD)
            .task_polls(1)
            .start()
            .await
            .unwrap();
        let lms = start_schoology(&district.lms_directory).await;
        Sims { esp, lms, district }
    })
}

/// The Schoology simulator over `directory`, with room for a fast test.
pub(crate) async fn start_schoology(directory: &LmsDirectoryFixture) -> RunningSchoology {
    SchoologySim::builder()
        .directory(directory)
        .rate_limit(RateLimit {
            quota: 1000,
            window: std::time::Duration::from_secs(5),
            write_cost: 1,
        })
        .start()
        .await
        .unwrap()
}

/// The template's Schoology settings pointed at the simulator `lms`.
pub(crate) fn point_at_schoology(text: &str, lms: &RunningSchoology) -> String {
    text.replace(
        "base_url = \"https://api.schoology.com/v1\"",
        &format!(
            "base_url = \"{}\"\nschool_id = \"{}\"",
            lms.url(),
            lms.school_id()
        ),
    )
    .replace("rate_requests = 50", "rate_requests = 1000")
    .replace(
        "consumer_key = \"replace-with-your-consumer-key\"",
        &format!("consumer_key = \"{}\"", lms.admin_credentials().key),
    )
}

/// `init`, then the template's values replaced by the simulators'.
pub(crate) fn configure(dir: &Path, sims: &Sims) {
    let init = rostersync(dir, &["init"], &[]);
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    let path = dir.join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "domain = \"eschool.district.example\"",
        &format!(
            "domain = \"{}\"\nschool_year = {}\npoll_interval_ms = 10",
            sims.esp.url(),
            sims.district.school_year
        ),
    );
    std::fs::write(&path, point_at_schoology(&text, &sims.lms)).unwrap();
}

/// Runs commands with the secrets in the environment and keeps every output.
pub(crate) struct Admin<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) secret: String,
    /// The SIS secret: the eSchoolPLUS password or the OneRoster secret.
    pub(crate) password: String,
    /// More variables for every command (e.g. the database's password).
    pub(crate) env: Vec<(&'static str, String)>,
    pub(crate) seen: Vec<Output>,
}

impl<'a> Admin<'a> {
    /// An administrator working in `dir` with the simulators' admin secret
    /// and the eSchoolPLUS password.
    pub(crate) fn of(dir: &'a Path, sims: &Sims) -> Self {
        Admin {
            dir,
            secret: sims.lms.admin_credentials().secret.clone(),
            password: ESP_PASSWORD.to_owned(),
            env: Vec::new(),
            seen: Vec::new(),
        }
    }

    pub(crate) fn run(&mut self, args: &[&str]) -> Output {
        let mut env = vec![
            ("ROSTERSYNC_ESP_PASSWORD", self.password.as_str()),
            ("ROSTERSYNC_ONEROSTER_SECRET", self.password.as_str()),
            ("ROSTERSYNC_SCHOOLOGY_SECRET", self.secret.as_str()),
        ];
        env.extend(self.env.iter().map(|(name, value)| (*name, value.as_str())));
        let output = rostersync(self.dir, args, &env);
        self.seen.push(output.clone());
        output
    }

    pub(crate) fn ok(&mut self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            code(&output),
            0,
            "{args:?}\nstdout: {}\nstderr: {}",
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    pub(crate) fn assert_no_secret(&self) {
        for output in &self.seen {
            for text in [stdout(output), stderr(output)] {
                assert!(!text.contains(&self.secret), "secret printed: {text}");
                assert!(!text.contains(&self.password), "password printed: {text}");
            }
        }
    }
}

#[test]
fn init_check_map_prep_sync_logs_and_a_second_sync_that_changes_nothing() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);

    let check = admin.ok(&["check", "-vv"]);
    assert!(
        check.contains("eSchoolPLUS: OK") && check.contains("Schoology: OK"),
        "{check}"
    );
    let acting = admin.ok(&["acting-user", "take"]);
    assert!(acting.contains("is now the acting user"), "{acting}");
    assert!(
        admin
            .ok(&["acting-user", "show"])
            .contains("the same account")
    );

    // Map the one school, its roles, its selection and its terms.
    map_everything(&mut admin, &sims);
    let schools = admin.ok(&["schools", "list"]);
    assert!(schools.contains("9001"), "{schools}");
    let terms = admin.ok(&["terms", "list", "--json"]);
    let terms: serde_json::Value = serde_json::from_str(&terms).unwrap();
    assert_eq!(
        terms["mapping"].as_object().unwrap().len(),
        terms["sis_terms"].as_array().unwrap().len(),
        "every term is mapped: {terms}"
    );
    assert!(admin.ok(&["roles", "show"]).contains("Teacher (1215)"));

    let csv = admin.ok(&["prep", "report", "--format", "csv"]);
    assert!(csv.lines().count() > 1, "{csv}");
    let report: serde_json::Value =
        serde_json::from_str(&admin.ok(&["prep", "report", "--json"])).unwrap();
    assert!(report.is_object(), "{report}");

    let applied = admin.ok(&["prep", "apply"]);
    assert!(applied.contains("data prep applied as run 1"), "{applied}");

    // A teacher's address belongs to an account of another school.
    let teacher = sims
        .district
        .sis
        .people
        .iter()
        .find(|p| p.role == SisRole::Teacher && p.is_active() && p.email.is_some())
        .unwrap();
    let foreign = teacher.email.as_deref().unwrap().to_owned();
    sims.lms.seed(Seed::ForeignEmail(foreign.clone()));

    let dry = admin.ok(&["sync", "all", "--dry-run", "-vvv"]);
    assert!(dry.contains("dry run (nothing written)"), "{dry}");
    assert_eq!(
        sims.lms.counters().writes,
        1,
        "only the grading period was written"
    );

    // A threshold of one new user stops the run before any write: exit 3.
    let path = admin.dir.join("rostersync.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{before}\n[mapping.thresholds.user.create]\nmax_count = 1\n"),
    )
    .unwrap();
    let stopped = admin.run(&["sync", "all"]);
    assert_eq!(code(&stopped), 3, "{}", stderr(&stopped));
    assert!(
        stdout(&stopped).contains("nothing was written"),
        "{}",
        stdout(&stopped)
    );
    assert_eq!(
        sims.lms.counters().writes,
        1,
        "a stopped run writes nothing"
    );
    std::fs::write(&path, before).unwrap();

    let first: serde_json::Value =
        serde_json::from_str(&admin.ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(first["status"], "succeeded", "{first}");
    assert!(first["done"].as_u64().unwrap() > 100, "{first}");

    let runs: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
    // Data prep, the stopped run and the sync; the dry run is not recorded.
    assert_eq!(runs.as_array().unwrap().len(), 3, "{runs}");
    let run = first["run"].to_string();
    let show = admin.ok(&["logs", "show", &run]);
    assert!(show.contains("succeeded"), "{show}");
    assert!(
        show.contains("warning") && show.contains(&foreign),
        "the account made without its e-mail is shown: {show}"
    );
    let warnings = admin.ok(&["logs", "show", &run, "--status", "warning"]);
    assert!(warnings.contains(teacher.key.as_str()), "{warnings}");
    assert!(
        !warnings.lines().any(|line| line.starts_with("skipped")),
        "only the warnings: {warnings}"
    );
    let export = admin.ok(&["logs", "export", "--run", &run, "--status", "warning"]);
    assert!(export.contains(&foreign), "{export}");
    let unknown = admin.run(&["logs", "export", "--status", "warned"]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("warning"), "{}", stderr(&unknown));
    let export = admin.ok(&["logs", "export", "--run", &run, "--status", "skipped"]);
    assert!(
        export.starts_with("run,entity,key,action,status,reason"),
        "{export}"
    );
    let users: serde_json::Value = serde_json::from_str(&admin.ok(&[
        "logs", "export", "--format", "json", "--run", &run, "--entity", "user",
    ]))
    .unwrap();
    let users = users.as_array().unwrap();
    assert!(!users.is_empty());
    assert!(users.iter().all(|o| o["entity"] == "user"), "{users:?}");

    let schedule = admin.ok(&["schedule", "set", "daily", "--window", "00:00-03:00"]);
    assert!(schedule.contains("next scheduled sync"), "{schedule}");

    let second = admin.run(&["sync", "all", "--json"]);
    assert_no_writes_planned(&second);
    admin.assert_no_secret();
}

/// A sync's `--json` report that succeeded and planned no create, update,
/// link or removal of any kind.
pub(crate) fn assert_no_writes_planned(sync: &Output) {
    let text = stdout(sync);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let summary = report["summary"].as_object().unwrap();
    assert!(!summary.is_empty(), "{text}");
    for (entity, counts) in summary {
        for action in ["create", "update", "link", "remove"] {
            assert_eq!(
                counts[action], 0,
                "the sync would {action} {entity}: {text}"
            );
        }
    }
    assert_eq!(code(sync), 0, "{}", stderr(sync));
}

#[test]
fn a_wrong_esp_password_is_said_plainly() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin {
        dir: dir.path(),
        secret: sims.lms.admin_credentials().secret.clone(),
        password: "not-the-Password-4711".to_owned(),
        env: Vec::new(),
        seen: Vec::new(),
    };
    // PLAINTEXT sends the secret itself; even the most verbose logs must not show it.
    let path = dir.path().join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"HMAC-SHA1\"", "\"PLAINTEXT\"")).unwrap();
    let check = admin.run(&["check", "-vvv"]);
    assert_eq!(code(&check), 1);
    let text = stdout(&check);
    assert!(text.contains("wrong login name or password"), "{text}");
    assert!(text.contains("Schoology: OK"), "{text}");
    let sync = admin.run(&["sync", "users"]);
    assert_eq!(code(&sync), 1);
    assert!(
        stderr(&sync).contains("eSchoolPLUS refused the login name or password"),
        "{}",
        stderr(&sync)
    );
    admin.assert_no_secret();
}

#[test]
fn missing_secrets_are_named_with_their_variable() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let output = rostersync(dir.path(), &["sync", "all"], &[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("ROSTERSYNC_ESP_PASSWORD"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_demo_syncs_a_tiny_district_twice_and_the_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = rostersync(dir.path(), &["demo", "--size", "tiny"], &[]);
    let text = stdout(&output);
    assert!(
        text.contains("eSchoolPLUS: OK") && text.contains("Schoology: OK"),
        "{text}"
    );
    assert!(text.contains("run 1: manual all sync"), "{text}");
    // The mapping is made with the administrator's commands, shown as run.
    for command in [
        "$ rostersync schools map --auto",
        "$ rostersync roles set --all teacher Teacher",
        "$ rostersync terms map --auto",
        "$ rostersync terms map --all create",
    ] {
        assert!(text.contains(command), "{command}: {text}");
    }
    assert!(text.contains("mapped 1 school(s)"), "{text}");
    assert!(text.contains("the second run planned no writes"), "{text}");
    assert_eq!(code(&output), 0, "{text}\n{}", stderr(&output));
}

#[test]
fn the_demo_also_reads_the_district_as_a_oneroster_package() {
    let dir = tempfile::tempdir().unwrap();
    let output = rostersync(
        dir.path(),
        &["demo", "--size", "tiny", "--sis", "oneroster-csv"],
        &[],
    );
    let text = stdout(&output);
    assert!(
        text.contains("OneRoster CSV: OK") && text.contains("Schoology: OK"),
        "{text}"
    );
    assert!(text.contains("OneRoster 1.1 CSV package"), "{text}");
    assert!(!text.contains("eSchoolPLUS"), "{text}");
    assert!(text.contains("the second run planned no writes"), "{text}");
    assert_eq!(code(&output), 0, "{text}\n{}", stderr(&output));
}

#[test]
fn a_wrong_site_code_a_closed_port_and_a_non_admin_key_are_said_plainly() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let path = dir.path().join("rostersync.toml");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("site_code = \"0850\"", "site_code = \"9999\"")
            .replace(&sims.lms.url(), &closed_url),
    )
    .unwrap();
    let mut admin = Admin::of(dir.path(), &sims);
    let check = admin.run(&["check", "--json"]);
    assert_eq!(code(&check), 1);
    let ends: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    let words = |at: usize| ends[at]["results"].to_string();
    assert!(words(0).contains("wrong site code"), "{ends}");
    assert!(
        words(0).contains("0850"),
        "the offered site codes are listed: {ends}"
    );
    assert!(words(1).contains("host unreachable"), "{ends}");

    // The teacher's key reaches Schoology but may not act for the district.
    configure_fresh(dir.path(), &sims);
    let teacher = sims.lms.non_admin_credentials().clone();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(&sims.lms.admin_credentials().key, &teacher.key),
    )
    .unwrap();
    admin.secret = teacher.secret.clone();
    let check = admin.run(&["check"]);
    assert_eq!(code(&check), 1);
    assert!(
        stdout(&check).contains("not an admin"),
        "{}",
        stdout(&check)
    );
    let take = admin.run(&["acting-user", "take"]);
    assert_eq!(code(&take), 1);
    assert!(
        stderr(&take).contains("not a System Administrator"),
        "{}",
        stderr(&take)
    );
    assert!(
        stderr(&take).contains("schoology.system_admin_roles"),
        "{}",
        stderr(&take)
    );
    let sync = admin.run(&["sync", "users"]);
    assert_eq!(code(&sync), 1);
    for needle in [
        "not a System Administrator",
        "(role \"Teacher\")",
        "schoology.system_admin_roles",
    ] {
        assert!(
            stderr(&sync).contains(needle),
            "{needle}: {}",
            stderr(&sync)
        );
    }
    admin.assert_no_secret();
}

/// [`configure`] over an existing file.
fn configure_fresh(dir: &Path, sims: &Sims) {
    std::fs::remove_file(dir.join("rostersync.toml")).unwrap();
    configure(dir, sims);
}

#[test]
fn a_tls_failure_is_named() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let path = dir.path().join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // The simulator speaks plain HTTP, so a TLS handshake with it fails.
    let https = sims.esp.url().replacen("http://", "https://", 1);
    std::fs::write(&path, text.replace(&sims.esp.url(), &https)).unwrap();
    let mut admin = Admin::of(dir.path(), &sims);
    let check = admin.run(&["check"]);
    assert_eq!(code(&check), 1);
    let text = stdout(&check);
    assert!(
        text.contains("TLS failure") && text.contains("eschoolplus.domain"),
        "{text}"
    );
    assert!(text.contains("Schoology: OK"), "{text}");
    admin.assert_no_secret();
}

/// Maps every school, its roles, its selection and its terms through the
/// commands an administrator would use: suggestions applied, roles by title
/// (the teachers' by id), one grading period created by hand and the other
/// unmatched terms set to "create".
pub(crate) fn map_everything(admin: &mut Admin<'_>, sims: &Sims) {
    let schools = admin.ok(&["schools", "map", "--auto"]);
    assert!(
        schools.contains(&format!(
            "mapped {} school(s)",
            sims.district.mapping.schools.len()
        )),
        "{schools}"
    );
    for (role, target) in [
        ("student", "Student"),
        ("teacher", "1215"),
        ("guardian", "parent"),
    ] {
        admin.ok(&["roles", "set", "--all", role, target]);
    }
    admin.ok(&["roles", "select", "--all", "all"]);
    let auto = admin.ok(&["terms", "map", "--auto"]);
    assert!(auto.contains("with exactly one likely match"), "{auto}");
    let terms: serde_json::Value =
        serde_json::from_str(&admin.ok(&["terms", "list", "--json"])).unwrap();
    let mapped = terms["mapping"].as_object().unwrap();
    let unmapped = terms["sis_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["key"].as_str().unwrap())
        .find(|key| !mapped.contains_key(*key))
        .unwrap()
        .to_owned();
    let made = admin.ok(&["terms", "create-period", &unmapped]);
    assert!(made.contains("is mapped to it"), "{made}");
    admin.ok(&["terms", "map", "--all", "create"]);
}
