//! What an administrator reads: reports that put a summary first and list
//! everything only when asked; `--json` that is structured, honoured or
//! refused, never silently overriding `--format`; hints that fit the error;
//! every configuration problem at once; real runs numbered without the dry
//! runs between them; logs that are plain off a terminal and show the HTTP
//! libraries only at `-vvvv`; completions, man pages and the version; the
//! console's address and sign-in line, over HTTP on loopback or HTTPS, and
//! the console password's hash; and a simulator configuration
//! (`rostersync-sim --write-config`) that `check` accepts.

use std::path::Path;

use rostersync_sim::district::DistrictSize;
use rostersync_sim::serve::{ServeOptions, serve};
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::config::config_with;
use crate::flow::{Admin, configure, map_everything, start};
use crate::{code, rostersync, stderr, stdout};

/// The hint a configuration problem carries, and only it.
const CONFIG_HINT: &str = "fix the configuration file";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[test]
fn json_is_refused_where_it_cannot_apply_and_never_overrides_format() {
    let dir = tempfile::tempdir().unwrap();
    for (args, named) in [
        (
            &["prep", "report", "--format", "csv", "--json"][..],
            "--format csv",
        ),
        (
            &["prep", "report", "--format", "table", "--json"],
            "--format table",
        ),
        (
            &["logs", "export", "--format", "csv", "--json"],
            "--format csv",
        ),
        (&["demo", "--json"], "demo"),
        (&["run", "--json"], "run"),
        (&["completions", "bash", "--json"], "completions"),
    ] {
        // Refused before anything runs: no configuration is even read.
        bad_usage(dir.path(), args, &["--json", named, "hint:"]);
    }

    // Honoured by the commands that can print JSON.
    config_with(dir.path(), |text| text);
    let schedule = rostersync(dir.path(), &["schedule", "show", "--json"], &[]);
    assert_eq!(code(&schedule), 0, "{}", stderr(&schedule));
    assert!(json(&stdout(&schedule))["timing"].is_string());
    let runs = rostersync(dir.path(), &["logs", "list", "--json"], &[]);
    assert_eq!(json(&stdout(&runs)), Value::Array(Vec::new()));
    let export = rostersync(dir.path(), &["logs", "export", "--json"], &[]);
    assert_eq!(code(&export), 0, "{}", stderr(&export));
    assert!(json(&stdout(&export)).is_array());
    let init = rostersync(
        dir.path(),
        &["init", "--config", "other.toml", "--json"],
        &[],
    );
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    assert_eq!(json(&stdout(&init))["wrote"], "other.toml");
}

/// Runs `args` in `dir` and checks it is refused as bad usage (exit 2)
/// with every one of `needles`, and without the configuration hint.
fn bad_usage(dir: &Path, args: &[&str], needles: &[&str]) {
    let output = rostersync(dir, args, &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
    }
    assert!(!err.contains(CONFIG_HINT), "{args:?}: {err}");
    assert!(stdout(&output).is_empty(), "{args:?}: {}", stdout(&output));
}

#[test]
fn the_hint_fits_the_error() {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    bad_usage(
        dir.path(),
        &["logs", "show", "99"],
        &["there is no run 99", "no run is recorded yet"],
    );
    bad_usage(
        dir.path(),
        &["logs", "show", "1", "--status", "warned"],
        &["\"warned\"", "done, warning, skipped, failed"],
    );
    bad_usage(
        dir.path(),
        &["schedule", "set", "daily", "--window", "25:00-03:00"],
        &["--window", "25:00"],
    );
    bad_usage(
        dir.path(),
        &["init"],
        &["already exists", "hint: pass --force"],
    );
    bad_usage(
        dir.path(),
        &["serve", "--address", "0.0.0.0:8460"],
        &[
            "reachable from other machines",
            "sets no TLS certificate",
            "hint: serve on 127.0.0.1",
        ],
    );
    bad_usage(
        dir.path(),
        &["serve", "--json"],
        &["--json does not apply to `serve`"],
    );

    // Only a problem of the file points at the file.
    let path = dir.path().join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("America/Chicago", "Mars/Olympus")).unwrap();
    let config = rostersync(dir.path(), &["logs", "list"], &[]);
    let err = stderr(&config);
    assert_eq!(code(&config), 2, "{err}");
    assert!(err.contains(&format!("hint: {CONFIG_HINT}")), "{err}");
}

#[test]
fn every_unknown_key_is_reported_at_once_with_the_other_problems() {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| {
        text.replace("site_code = ", "sitecode = ")
            .replace("[store]", "[store]\npth = \"x.db\"")
            .replace("rate_requests = 50", "rate_requests = \"fifty\"")
            .replace("America/Chicago", "Mars/Olympus")
            + "\n[stor]\npath = \"y.db\"\n"
    });
    let output = rostersync(dir.path(), &["logs", "list"], &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    for needle in [
        "key `eschoolplus.sitecode`: unknown field `sitecode`",
        "key `store.pth`: unknown field `pth`",
        "key `schoology.rate_requests`: invalid type",
        "key `stor`: unknown field `stor`",
        "district.time_zone \"Mars/Olympus\"",
        "eschoolplus.site_code is missing",
        "6 problem(s)",
    ] {
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
    assert!(
        !err.contains("schoology.rate_requests and"),
        "a mistyped key is not reported twice: {err}"
    );
}

#[test]
fn completions_and_man_pages_are_generated() {
    let dir = tempfile::tempdir().unwrap();
    let bash = rostersync(dir.path(), &["completions", "bash"], &[]);
    assert_eq!(code(&bash), 0, "{}", stderr(&bash));
    let script = stdout(&bash);
    assert!(script.contains("_rostersync()"), "{script}");
    for command in ["sync", "logs", "completions", "--dry-run"] {
        assert!(script.contains(command), "{command} not in the script");
    }
    let zsh = rostersync(dir.path(), &["completions", "zsh"], &[]);
    assert!(stdout(&zsh).starts_with("#compdef rostersync"));
    let wrong = rostersync(dir.path(), &["completions", "cmd"], &[]);
    assert_eq!(code(&wrong), 2);

    let man = rostersync(dir.path(), &["man", "--dir", "pages"], &[]);
    assert_eq!(code(&man), 0, "{}", stderr(&man));
    let page = std::fs::read_to_string(dir.path().join("pages/rostersync.1")).unwrap();
    assert!(page.contains(".TH rostersync 1"), "{page}");
    assert!(page.contains("Exit codes:"), "{page}");
    let sync = std::fs::read_to_string(dir.path().join("pages/rostersync-sync.1")).unwrap();
    assert!(sync.contains(".TH rostersync-sync 1"), "{sync}");
    assert!(sync.contains("\\-\\-dry\\-run"), "{sync}");
    assert!(dir.path().join("pages/rostersync-logs-show.1").exists());
    assert!(
        !dir.path().join("pages/rostersync-man.1").exists(),
        "hidden"
    );
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let output = rostersync(dir.path(), &["--version"], &[]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    let commit = text
        .trim()
        .strip_prefix(&format!(
            "rostersync {} (commit ",
            env!("CARGO_PKG_VERSION")
        ))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    // These tests run from a clone, so the commit is known.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if root.join(".git").exists() {
        assert_eq!(commit.len(), 12, "{text}");
        assert!(commit.chars().all(|c| c.is_ascii_hexdigit()), "{text}");
    } else {
        assert_eq!(commit, "unknown");
    }
}

#[test]
fn reports_put_a_summary_first_json_is_structured_and_dry_runs_take_no_run_number() {
    let runtime = Runtime::new().unwrap();
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    let mut admin = Admin::of(dir.path(), &sims);
    map_everything(&mut admin, &sims);

    // Data prep: the counts, then the records grouped with three examples each.
    let prep = admin.ok(&["prep", "report"]);
    assert!(prep.contains("Data prep match report"), "{prep}");
    assert!(prep.contains("Users, by outcome"), "{prep}");
    assert!(prep.contains("unmatched (will be created)\n"), "{prep}");
    let examples = prep
        .lines()
        .filter(|l| l.trim_start().starts_with("e.g."))
        .count();
    assert!(examples >= 3, "{prep}");
    assert!(
        !prep.contains("unmatched (will be created) ("),
        "no listing: {prep}"
    );
    assert!(prep.contains("prep report --full"), "{prep}");
    let full = admin.ok(&["prep", "report", "--full"]);
    assert!(full.contains("unmatched (will be created) ("), "{full}");
    assert!(full.len() > prep.len());

    // A dry run: its summary, and every change only with --full.
    let dry = admin.ok(&["sync", "all", "--dry-run"]);
    let first = dry.lines().next().unwrap_or_default();
    assert!(first.starts_with("dry run: manual all sync"), "{dry}");
    assert!(dry.contains("not recorded"), "{dry}");
    assert!(dry.contains("object") && dry.contains("create"), "{dry}");
    assert!(!dry.contains("\nUsers ("), "no listing: {dry}");
    assert!(dry.contains("sync all --dry-run --full"), "{dry}");
    let full = admin.ok(&["sync", "all", "--dry-run", "--full"]);
    let table = full.find("unchanged").unwrap();
    let listing = full.find("\nUsers (").unwrap_or_else(|| panic!("{full}"));
    assert!(table < listing, "summary first: {full}");
    assert!(full.contains(" create \""), "{full}");

    // The plan as JSON: operations with their fields, and the summary.
    let planned = json(&admin.ok(&["sync", "all", "--dry-run", "--json"]));
    assert_eq!(planned["status"], "dry_run");
    assert_eq!(planned["run"], Value::Null);
    let users = planned["plan"]["users"].as_array().unwrap();
    assert!(!users.is_empty(), "{planned}");
    let user = &users[0];
    assert_eq!(user["action"], "create", "{user}");
    assert!(
        user["key"].is_string() && user["fields"]["last"].is_string(),
        "{user}"
    );
    let enrollment = &planned["plan"]["enrollments"][0];
    assert!(enrollment["section"].is_string() && enrollment["person"].is_string());
    assert_eq!(enrollment["action"], "enroll", "{enrollment}");
    assert_eq!(
        planned["summary"]["user"]["create"].as_u64(),
        Some(users.len() as u64)
    );
    assert!(planned["digest"]["skips"].is_array(), "{planned}");

    // Real runs are 1 and 2 whatever dry runs happen between them.
    let run = json(&admin.ok(&["sync", "all", "--json"]));
    assert_eq!(run["run"], 1, "{run}");
    admin.ok(&["sync", "all", "--dry-run"]);
    admin.ok(&["sync", "users", "--dry-run", "--json"]);
    let again = json(&admin.ok(&["sync", "users", "--json"]));
    assert_eq!(again["run"], 2, "{again}");
    let runs = json(&admin.ok(&["logs", "list", "--json"]));
    let ids: Vec<i64> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|listed| listed["run"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 1], "{runs}");
    let listed = admin.ok(&["logs", "list"]);
    assert!(
        listed.contains(" CST") || listed.contains(" CDT"),
        "district time: {listed}"
    );

    // A run that does not exist: which do.
    bad_usage(
        dir.path(),
        &["logs", "show", "99"],
        &["there is no run 99; the recorded runs are 1-2"],
    );

    // check --json: per end, each step with its result.
    let ends = json(&admin.ok(&["check", "--json"]));
    for end in ends.as_array().unwrap() {
        assert_eq!(end["ok"], true, "{end}");
        let results = end["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{end}");
        for result in results {
            assert!(
                result["step"].is_string() && result["message"].is_string(),
                "{result}"
            );
            assert_eq!(result["ok"], true, "{result}");
        }
    }
    let steps: Vec<&str> = ends[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|result| result["step"].as_str())
        .collect();
    assert!(
        steps.contains(&"logon") && steps.contains(&"definitions"),
        "{steps:?}"
    );

    // The log: plain off a terminal, rostersync's debug lines at -vv, the
    // HTTP libraries' only at -vvvv.
    let debug = admin.run(&["check", "-vv"]);
    let err = stderr(&debug);
    assert!(!err.contains('\u{1b}'), "no colour off a terminal: {err}");
    assert!(err.contains("logging on to eSchoolPLUS"), "{err}");
    assert!(!err.contains("hyper") && !err.contains("reqwest"), "{err}");
    let all = admin.run(&["check", "-vvvv"]);
    let err = stderr(&all);
    assert!(err.contains("hyper") || err.contains("reqwest"), "{err}");

    // --quiet: a successful sync says nothing.
    let quiet = admin.run(&["sync", "all", "--quiet"]);
    assert_eq!(code(&quiet), 0, "{}", stderr(&quiet));
    assert!(stdout(&quiet).is_empty(), "{}", stdout(&quiet));
    admin.assert_no_secret();
}

#[test]
fn the_simulators_write_a_configuration_that_check_accepts() {
    let runtime = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rostersync.toml");
    let options = ServeOptions {
        size: DistrictSize::Tiny,
        write_config: Some(path.clone()),
        ..ServeOptions::default()
    };
    // The school year of the day, as rostersync counts it in the district.
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let serving = runtime.block_on(serve(&options, today)).unwrap();
    assert!(path.exists());
    let check = rostersync(dir.path(), &["check"], &[]);
    let text = stdout(&check);
    assert_eq!(code(&check), 0, "{text}\n{}", stderr(&check));
    assert!(
        text.contains("eSchoolPLUS: OK") && text.contains("Schoology: OK"),
        "{text}"
    );
    let year = serving.school_year;
    let terms = rostersync(dir.path(), &["terms", "list"], &[]);
    assert_eq!(code(&terms), 0, "{}", stderr(&terms));
    assert!(
        stdout(&terms).contains(&format!("101-{year}-Q1")),
        "{}",
        stdout(&terms)
    );
    assert_eq!(year, rostersync_eschoolplus::school_year_for(today));
    runtime.block_on(serving.stop());
}

/// A console started by a test, stopped however the test ends.
struct Console(std::process::Child);

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rostersync serve ARGS` in `dir`: the console, the address it
/// printed (what follows "the console is at ") and its sign-in line.
fn start_console(dir: &Path, args: &[&str]) -> (Console, String, String) {
    use std::io::{BufRead as _, BufReader};

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .env_remove("ROSTERSYNC_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let console = Console(child);
    let mut lines = BufReader::new(stdout).lines();
    let at = lines.next().unwrap().unwrap();
    let sign_in = lines.next().unwrap().unwrap();
    let address = at
        .strip_prefix("the console is at ")
        .unwrap_or_else(|| panic!("{at}"))
        .to_owned();
    (console, address, sign_in)
}

#[test]
fn serve_prints_its_address_and_a_token_and_answers_on_loopback() {
    use std::io::{Read as _, Write as _};

    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), |text| text);
    let (console, at, token_line) = start_console(dir.path(), &["--address", "127.0.0.1:0"]);
    let address = at
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{at}"))
        .to_owned();
    assert!(
        token_line.starts_with("sign in with this one-time token"),
        "{token_line}"
    );
    let token = token_line.rsplit(' ').next().unwrap();
    assert_eq!(token.len(), 64, "{token_line}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token_line}");
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .write_all(b"GET /sign-in HTTP/1.1\r\nHost: console\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    drop(console);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'"),
        "{answer}"
    );
    assert!(!answer.contains(token), "the token never reaches a page");
}

/// One HTTP/1.1 exchange with the console at `address`; the answer in full.
fn exchange(address: &str, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn demo_serve_leaves_the_console_up_on_the_synced_district() {
    use std::io::{BufRead as _, BufReader};

    /// Stops the demo however the test ends.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .args([
            "demo",
            "--size",
            "tiny",
            "--serve",
            "--address",
            "127.0.0.1:0",
        ])
        .env_remove("ROSTERSYNC_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _demo = Stop(child);
    let mut lines = BufReader::new(stdout).lines().map(|line| line.unwrap());
    let at = lines
        .by_ref()
        .find(|line| line.starts_with("the console is at http://"))
        .expect("the demo printed the console's address");
    let token_line = lines.next().unwrap();
    let address = at
        .trim_start_matches("the console is at http://")
        .trim_end_matches('/')
        .to_owned();
    let token = token_line.rsplit(' ').next().unwrap();
    let body = format!("token={token}");
    let signed = exchange(
        &address,
        &format!(
            "POST /sign-in HTTP/1.1\r\nHost: console\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    let cookie = signed
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie: "))
        .and_then(|value| value.split(';').next())
        .unwrap_or_else(|| panic!("{signed}"))
        .to_owned();
    let logs = exchange(
        &address,
        &format!(
            "GET /logs HTTP/1.1\r\nHost: console\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n"
        ),
    );
    // The demo's two syncs are in the console's log.
    assert!(logs.starts_with("HTTP/1.1 200"), "{logs}");
    assert!(
        logs.contains("href=\"/logs/1\"") && logs.contains("href=\"/logs/2\""),
        "{logs}"
    );
}

/// Runs `rostersync serve --hash-password` in `dir` with `input` on stdin.
fn hash_password(dir: &Path, input: &str) -> std::process::Output {
    use std::io::Write as _;

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rostersync"))
        .current_dir(dir)
        .args(["serve", "--hash-password"])
        .env_remove("ROSTERSYNC_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn serve_hash_password_prints_a_hash_of_the_line_read_and_never_the_password() {
    use argon2::password_hash::{PasswordHash, PasswordVerifier as _};

    const PASSWORD: &str = "Tr0ub4dor & 3, with spaces";
    // No configuration in this folder: none is needed.
    let dir = tempfile::tempdir().unwrap();
    let output = hash_password(dir.path(), &format!("{PASSWORD}\n"));
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(code(&output), 0, "{err}");
    let phc = out.lines().next().unwrap();
    assert!(phc.starts_with("$argon2id$v=19$"), "{out}");
    assert!(
        out.contains(&format!("[console]\npassword_hash = \"{phc}\"\n")),
        "{out}"
    );
    let hash = PasswordHash::new(phc).unwrap();
    let argon2 = argon2::Argon2::default();
    assert!(argon2.verify_password(PASSWORD.as_bytes(), &hash).is_ok());
    assert!(argon2.verify_password(b"Tr0ub4dor & 3", &hash).is_err());
    for text in [&out, &err] {
        assert!(
            !text.contains("Tr0ub4dor"),
            "the password is never printed: {text}"
        );
    }

    let empty = hash_password(dir.path(), "\n");
    assert_eq!(code(&empty), 2, "{}", stderr(&empty));
    assert!(stderr(&empty).contains("no password on standard input"));
    assert!(stdout(&empty).is_empty());
}

#[test]
fn with_tls_the_console_serves_https_on_any_address_and_a_missing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    std::fs::write(dir.path().join("tls/console.pem"), made.cert.pem()).unwrap();
    let phc = rostersync_web::hash_password("open sesame").unwrap();
    config_with(dir.path(), |text| {
        text.replace(
            "# [console]\n",
            &format!(
                "[console]\npassword_hash = \"{phc}\"\ntls_certificate = \"tls/console.pem\"\ntls_key = \"tls/console.key\"\n"
            ),
        )
    });
    // The key is not there yet: a configuration problem naming the file.
    let missing = rostersync(dir.path(), &["serve"], &[]);
    let err = stderr(&missing);
    assert_eq!(code(&missing), 2, "{err}");
    assert!(
        err.contains("console.key") && err.contains("cannot be read"),
        "{err}"
    );
    assert!(err.contains(&format!("hint: {CONFIG_HINT}")), "{err}");

    std::fs::write(
        dir.path().join("tls/console.key"),
        made.signing_key.serialize_pem(),
    )
    .unwrap();
    // An address other machines reach needs no --insecure-http with TLS.
    let (console, at, sign_in) = start_console(dir.path(), &["--address", "0.0.0.0:0"]);
    let port = at
        .strip_prefix("https://0.0.0.0:")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{at}"));
    assert!(
        sign_in.starts_with("sign in with the console password, or this one-time token"),
        "{sign_in}"
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(made.cert.pem().as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let runtime = Runtime::new().unwrap();
    let signed = runtime
        .block_on(
            client
                .post(format!("https://127.0.0.1:{port}/sign-in"))
                .form(&[("token", "open sesame")])
                .send(),
        )
        .unwrap();
    drop(console);
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
