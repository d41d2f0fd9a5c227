//! `cargo xtask bench`: run the benchmark scenarios of `rostersync-bench` and report them.
//!
//! The protocol with the `rostersync-bench` binary (package `rostersync-bench`):
//! - `rostersync-bench --list` prints one scenario name per line;
//! - `rostersync-bench --scenario NAME --size SIZE` runs one scenario and prints exactly one JSON
//!   line on stdout, e.g. `{"scenario": "plan-initial", "size": "xl", "wall_ms": 1234.5,
//!   "peak_rss_mib": 456.7, "target": "< 2 s, < 1 GiB", "met": true, "details": {"people": 265000}}`.
//!
//! Each scenario runs in a fresh process, so its peak memory is its own.
//! Results are printed as a Markdown table and, unless `--quick`, written between the
//! `<!-- bench:begin -->` and `<!-- bench:end -->` markers of `docs/benchmarks.md`.

use std::{
    fs,
    path::Path,
    process::Command,
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::{flags::BenchArgs, util};

const PACKAGE: &str = "rostersync-bench";
const REPORT: &str = "docs/benchmarks.md";
const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// One line of `rostersync-bench --scenario` output.
#[derive(Debug, Deserialize, PartialEq)]
struct BenchResult {
    scenario: String,
    size: String,
    wall_ms: f64,
    peak_rss_mib: f64,
    target: String,
    met: bool,
    #[serde(default)]
    details: serde_json::Map<String, serde_json::Value>,
}

/// Where and when the numbers were measured.
#[derive(Debug)]
struct Provenance {
    date: String,
    machine: String,
    commit: String,
    command: String,
}

/// Builds and runs every scenario, then reports the results.
pub(crate) fn run(root: &Path, args: &BenchArgs) -> anyhow::Result<()> {
    let mut build = util::cargo(root);
    build.args(["build", "--release", "--package", PACKAGE, "--bin", PACKAGE]);
    eprintln!("==> {}", util::show(&build));
    util::run(&mut build).with_context(|| format!("building {PACKAGE}"))?;

    let target_dir = util::target_dir(root)?;
    let exe = target_dir
        .join("release")
        .join(format!("{PACKAGE}{}", std::env::consts::EXE_SUFFIX));

    let list = util::stdout(Command::new(&exe).arg("--list"))?;
    let scenarios: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if scenarios.is_empty() {
        bail!("`{PACKAGE} --list` printed no scenario");
    }

    let mut results = Vec::new();
    for scenario in scenarios {
        let mut runs = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let mut cmd = Command::new(&exe);
            cmd.args(["--scenario", scenario, "--size", &args.size]);
            eprintln!("==> {}", util::show(&cmd));
            let output = util::stdout(&mut cmd)?;
            let result = parse_result(&output)
                .with_context(|| format!("reading the result of scenario `{scenario}`"))?;
            eprintln!("    {}", row(&result));
            runs.push(result);
        }
        results.push(median(runs)?);
    }

    let provenance = Provenance {
        date: utc_now(),
        machine: machine(),
        commit: commit(root),
        command: format!("cargo xtask bench --size {}", args.size),
    };
    let section = render(&results, &provenance);
    println!("{section}");

    if args.quick {
        eprintln!("--quick: {REPORT} left unchanged");
        return Ok(());
    }
    let path = root.join(REPORT);
    let doc = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let doc =
        rewrite_section(&doc, &section).with_context(|| format!("updating {}", path.display()))?;
    fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {REPORT}");
    if results.iter().any(|result| !result.met) {
        eprintln!("note: at least one scenario missed its target (see the `met` column)");
    }
    Ok(())
}

/// The run with the median wall time (the slower middle one of an even
/// count), with every run's wall time added to its details.
fn median(mut runs: Vec<BenchResult>) -> anyhow::Result<BenchResult> {
    runs.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
    let times: Vec<serde_json::Value> = runs.iter().map(|r| serde_json::json!(r.wall_ms)).collect();
    let middle = runs.len() / 2;
    let mut chosen = runs.into_iter().nth(middle).context("no run to report")?;
    if times.len() > 1 {
        chosen
            .details
            .insert("wall_ms_runs".to_owned(), serde_json::Value::Array(times));
    }
    Ok(chosen)
}

/// Parses the single JSON line a scenario prints.
fn parse_result(stdout: &str) -> anyhow::Result<BenchResult> {
    let lines: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let [line] = lines.as_slice() else {
        bail!(
            "expected exactly one JSON line on stdout, got {} lines:\n{stdout}",
            lines.len()
        );
    };
    serde_json::from_str(line).with_context(|| format!("not a benchmark result: {line}"))
}

/// The Markdown that goes between the markers: provenance, then one table row per scenario.
fn render(results: &[BenchResult], provenance: &Provenance) -> String {
    let mut out = format!(
        "Measured {} on {}, commit `{}`, with `{}`.\n\n",
        provenance.date, provenance.machine, provenance.commit, provenance.command
    );
    out.push_str("| scenario | size | wall time | peak RSS | target | met | details |\n");
    out.push_str("|---|---|---:|---:|---|---|---|\n");
    for result in results {
        out.push_str(&row(result));
        out.push('\n');
    }
    out
}

/// One table row.
fn row(result: &BenchResult) -> String {
    let wall = if result.wall_ms >= 1000.0 {
        format!("{:.2} s", result.wall_ms / 1000.0)
    } else {
        format!("{:.1} ms", result.wall_ms)
    };
    let details: Vec<String> = result
        .details
        .iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => format!("{key}: {text}"),
            other => format!("{key}: {other}"),
        })
        .collect();
    let cells = [
        result.scenario.clone(),
        result.size.clone(),
        wall,
        format!("{:.1} MiB", result.peak_rss_mib),
        result.target.clone(),
        if result.met {
            "yes".to_owned()
        } else {
            "**no**".to_owned()
        },
        details.join(", "),
    ];
    let cells: Vec<String> = cells.iter().map(|cell| cell.replace('|', "\\|")).collect();
    format!("| {} |", cells.join(" | "))
}

/// Replaces what lies between the markers in `doc` with `section`, keeping everything else.
fn rewrite_section(doc: &str, section: &str) -> anyhow::Result<String> {
    let begin = doc
        .find(BEGIN)
        .with_context(|| format!("no `{BEGIN}` marker"))?
        + BEGIN.len();
    let end = begin
        + doc[begin..]
            .find(END)
            .with_context(|| format!("no `{END}` marker after `{BEGIN}`"))?;
    Ok(format!(
        "{}\n{}\n{}",
        &doc[..begin],
        section.trim(),
        &doc[end..]
    ))
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format_utc(seconds)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DD HH:MM UTC`.
fn format_utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let minutes_of_day = (seconds % 86_400) / 60;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes_of_day / 60,
        minutes_of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// CPU count, memory (where `/proc/meminfo` tells) and platform of this machine.
fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map_or_else(|_| "? CPUs".to_owned(), |n| format!("{n} CPUs"));
    let memory = fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        let kib: u64 = info
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()?;
        Some(format!(", {:.1} GiB RAM", kib as f64 / (1024.0 * 1024.0)))
    });
    format!(
        "{cpus}{}, {}-{}",
        memory.unwrap_or_default(),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// The short commit hash, marked `+dirty` when tracked files have changed since.
fn commit(root: &Path) -> String {
    let Ok(hash) = util::stdout(util::git(root).args(["rev-parse", "--short", "HEAD"])) else {
        return "unknown".to_owned();
    };
    let dirty =
        util::stdout(util::git(root).args(["status", "--porcelain", "--untracked-files=no"]))
            .is_ok_and(|status| !status.trim().is_empty());
    format!("{}{}", hash.trim(), if dirty { "+dirty" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(scenario: &str, wall_ms: f64, met: bool) -> BenchResult {
        let line = format!(
            r#"{{"scenario": "{scenario}", "size": "xl", "wall_ms": {wall_ms}, "peak_rss_mib": 456.75, "target": "< 2 s, < 1 GiB", "met": {met}, "details": {{"people": 265000, "note": "a|b"}}}}"#
        );
        parse_result(&line).unwrap()
    }

    #[test]
    fn the_median_run_is_reported_with_every_runs_time() {
        let runs = vec![
            result("plan", 2500.0, false),
            result("plan", 1700.0, true),
            result("plan", 1900.0, true),
        ];
        let chosen = median(runs).unwrap();
        assert_eq!(chosen.wall_ms, 1900.0);
        assert_eq!(
            chosen.details["wall_ms_runs"],
            serde_json::json!([1700.0, 1900.0, 2500.0])
        );
        let one = median(vec![result("plan", 10.0, true)]).unwrap();
        assert!(!one.details.contains_key("wall_ms_runs"));
        assert!(median(Vec::new()).is_err());
    }

    fn provenance() -> Provenance {
        Provenance {
            date: "2025-01-02 03:04 UTC".to_owned(),
            machine: "2 CPUs, x86_64-linux".to_owned(),
            commit: "abc1234".to_owned(),
            command: "cargo xtask bench --size xl".to_owned(),
        }
    }

    const DOC: &str = "# Benchmarks\n\nIntro.\n\n<!-- bench:begin -->\nold results\n<!-- bench:end -->\n\nOutro.\n";

    #[test]
    fn results_are_parsed_strictly() {
        let parsed = result("plan-initial", 1234.5, true);
        assert_eq!(parsed.scenario, "plan-initial");
        assert_eq!(parsed.details.len(), 2);
        assert!(parse_result("").is_err());
        assert!(parse_result("{\"scenario\": \"x\"}").is_err());
        let two = format!(
            "{0}\n{0}\n",
            r#"{"scenario": "a", "size": "xl", "wall_ms": 1, "peak_rss_mib": 1, "target": "", "met": true}"#
        );
        assert!(parse_result(&two).is_err());
    }

    #[test]
    fn table_rendering() {
        let section = render(
            &[
                result("plan-initial", 1234.5, true),
                result("plan-steady", 80.25, false),
            ],
            &provenance(),
        );
        assert_eq!(
            section,
            "Measured 2025-01-02 03:04 UTC on 2 CPUs, x86_64-linux, commit `abc1234`, with `cargo xtask bench --size xl`.\n\
             \n\
             | scenario | size | wall time | peak RSS | target | met | details |\n\
             |---|---|---:|---:|---|---|---|\n\
             | plan-initial | xl | 1.23 s | 456.8 MiB | < 2 s, < 1 GiB | yes | note: a\\|b, people: 265000 |\n\
             | plan-steady | xl | 80.2 ms | 456.8 MiB | < 2 s, < 1 GiB | **no** | note: a\\|b, people: 265000 |\n"
        );
    }

    #[test]
    fn section_between_markers_is_replaced() {
        let updated = rewrite_section(DOC, "| new |\n").unwrap();
        assert_eq!(
            updated,
            "# Benchmarks\n\nIntro.\n\n<!-- bench:begin -->\n| new |\n<!-- bench:end -->\n\nOutro.\n"
        );
        // Rewriting again gives the same document.
        assert_eq!(rewrite_section(&updated, "| new |").unwrap(), updated);
        // Empty markers, as in a fresh docs/benchmarks.md.
        let empty = "a\n<!-- bench:begin -->\n<!-- bench:end -->\nb\n";
        assert_eq!(
            rewrite_section(empty, "x").unwrap(),
            "a\n<!-- bench:begin -->\nx\n<!-- bench:end -->\nb\n"
        );
    }

    #[test]
    fn missing_or_misplaced_markers_are_errors() {
        assert!(rewrite_section("no markers", "x").is_err());
        assert!(rewrite_section("<!-- bench:begin --> only", "x").is_err());
        assert!(rewrite_section("<!-- bench:end --> <!-- bench:begin -->", "x").is_err());
    }

    #[test]
    fn the_report_file_has_its_markers() {
        let doc = fs::read_to_string(util::project_root().join(REPORT)).unwrap();
        assert!(rewrite_section(&doc, "x").is_ok());
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(format_utc(4_107_542_399), "2100-02-28 23:59 UTC");
    }
}
