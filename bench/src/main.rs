//! Benchmark scenarios of rostersync. Each run measures one scenario in a
//! fresh process and prints one JSON line; `cargo xtask bench` collects them
//! into `docs/benchmarks.md`.
//!
//! ```text
//! rostersync-bench --list
//! rostersync-bench --scenario plan-initial --size xl
//! ```

// A benchmark's output is its report.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod daily_sync;
mod initial_sync;
mod schoology_pace;
mod schoology_rate;
mod stores;
mod synced;

use std::process::ExitCode;
use std::time::Instant;

use chrono::Duration;
use rostersync_core::plan::{IdSource, RenderOptions, plan, render_text, simulate_apply};
use rostersync_core::{Links, MappingConfig, PlanInput, PlanSummary, SyncScope};
use rostersync_sim::district::{District, DistrictSize, generate, lms_snapshot_empty};
use serde_json::{Value, json};

/// Every scenario, in the order `--list` prints them.
const SCENARIOS: [&str; 8] = [
    "plan-initial",
    "plan-steady",
    "render-dry-run",
    schoology_rate::NAME,
    schoology_pace::NAME,
    daily_sync::NAME,
    initial_sync::NAME,
    stores::NAME,
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for scenario in SCENARIOS {
            println!("{scenario}");
        }
        return ExitCode::SUCCESS;
    }
    let value = |flag: &str| args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone());
    let (Some(scenario), size) = (
        value("--scenario"),
        value("--size").unwrap_or_else(|| "xl".into()),
    ) else {
        eprintln!(
            "usage: rostersync-bench --list | --scenario NAME [--size tiny|small|medium|large|xl]"
        );
        return ExitCode::from(2);
    };
    let size: DistrictSize = match size.parse() {
        Ok(size) => size,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    match run(&scenario, size) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The runtime of the scenarios that talk HTTP: two workers, as on the
/// reference machine.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

fn run(scenario: &str, size: DistrictSize) -> Result<Value, String> {
    if scenario == schoology_rate::NAME {
        return schoology_rate::run(size.as_str());
    }
    if scenario == schoology_pace::NAME {
        return schoology_pace::run(size.as_str());
    }
    if scenario == daily_sync::NAME {
        return daily_sync::run(size);
    }
    if scenario == initial_sync::NAME {
        return initial_sync::run(size);
    }
    if scenario == stores::NAME {
        return stores::run(size);
    }
    let setup = Instant::now();
    let mut district = generate(size, 1, 2026);
    let mapping = MappingConfig::new(district.mapping.clone()).map_err(|e| e.to_string())?;
    let mut lms = lms_snapshot_empty(&district);
    let mut links = Links::default();
    let today = district.as_of;
    let generated_ms = ms(setup);
    let setup_peak;
    let (wall_ms, details) = match scenario {
        "plan-initial" => {
            setup_peak = peak_rss_mib();
            let (elapsed, planned) =
                timed(|| plan(&input(&district, &lms, &links, &mapping, today)));
            (elapsed, summary_details(&planned))
        }
        "plan-steady" => {
            let initial = plan(&input(&district, &lms, &links, &mapping, today));
            simulate_apply(&initial, &mut lms, &mut links, &mut IdSource::default());
            drop(initial);
            // The next day's run loads its links from the store, which builds
            // each map from sorted rows; plan against them laid out like that,
            // not as they grew one insert at a time.
            links = as_loaded(links);
            let next = today + Duration::days(1);
            let changes = district.advance(2, next);
            setup_peak = peak_rss_mib();
            let (elapsed, planned) =
                timed(|| plan(&input(&district, &lms, &links, &mapping, next)));
            let mut details = summary_details(&planned);
            details["day_changes"] = json!({
                "added_people": changes.added_people.len(),
                "added_enrollments": changes.added_enrollments.len(),
                "dropped_enrollments": changes.dropped_enrollments().len(),
                "renamed": changes.renamed.len(),
                "moved": changes.moved.len(),
            });
            (elapsed, details)
        }
        "render-dry-run" => {
            let planned = plan(&input(&district, &lms, &links, &mapping, today));
            setup_peak = peak_rss_mib();
            let (elapsed, text) = timed(|| render_text(&planned, RenderOptions::full()));
            (elapsed, json!({ "bytes": text.len() }))
        }
        other => return Err(format!("unknown scenario {other:?}; try --list")),
    };
    let peak = peak_rss_mib();
    // The M1 targets are for planning; rendering is measured for the record,
    // with the plan it renders resident, so only its time has a target.
    let (target, met) = if scenario == "render-dry-run" {
        ("< 2 s", wall_ms < 2000.0)
    } else {
        (
            "< 2 s, < 1 GiB",
            wall_ms < 2000.0 && peak.is_some_and(|p| p < 1024.0),
        )
    };
    let mut details = details;
    details["setup_ms"] = json!(generated_ms);
    details["cpu_ms"] = json!(MEASURED_CPU_MS.load(std::sync::atomic::Ordering::Relaxed));
    details["setup_peak_rss_mib"] = json!(setup_peak);
    details["people"] = json!(district.sis.people.len());
    details["enrollments"] = json!(district.sis.enrollments.len());
    Ok(json!({
        "scenario": scenario,
        "size": size.as_str(),
        "wall_ms": wall_ms,
        "peak_rss_mib": peak,
        "target": target,
        "met": met,
        "details": details,
    }))
}

/// `links` with every map built from its sorted entries at once, as
/// `rostersync-store` loads them (packed nodes, not half-full ones).
fn as_loaded(links: Links) -> Links {
    Links {
        grading_periods: links.grading_periods.into_iter().collect(),
        users: links.users.into_iter().collect(),
        courses: links.courses.into_iter().collect(),
        sections: links.sections.into_iter().collect(),
        enrollments: links.enrollments.into_iter().collect(),
        guardian_links: links.guardian_links.into_iter().collect(),
        withheld_emails: links.withheld_emails.into_iter().collect(),
    }
}

fn input<'a>(
    district: &'a District,
    lms: &'a rostersync_core::LmsSnapshot,
    links: &'a Links,
    mapping: &'a MappingConfig,
    today: chrono::NaiveDate,
) -> PlanInput<'a> {
    PlanInput {
        sis: &district.sis,
        lms,
        links,
        mapping,
        scope: SyncScope::All,
        today,
    }
}

/// Times `work`. The peak-memory mark is reset first, so the scenario's peak
/// is that of the measured step (with the data it needs resident), not of
/// building the district and the synced LMS.
fn timed<T>(work: impl FnOnce() -> T) -> (f64, T) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start = Instant::now();
    let cpu = cpu_ms();
    let out = work();
    if let (Some(before), Some(after)) = (cpu, cpu_ms()) {
        MEASURED_CPU_MS.store(
            (after - before) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
    (ms(start), out)
}

/// CPU time of the last measured step, in milliseconds.
static MEASURED_CPU_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The process's user plus system CPU time in milliseconds (Linux `/proc/self/stat`,
/// in clock ticks of 10 ms), if known. Unlike wall time, it does not grow when
/// other processes compete for the cores.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10.0)
}

fn ms(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1e4).round() / 10.0
}

fn summary_details(planned: &rostersync_core::Plan) -> Value {
    let summary = PlanSummary::of(planned);
    let mut details = serde_json::Map::new();
    for (entity, counts) in &summary.0 {
        details.insert(
            entity.as_str().to_owned(),
            json!(format!(
                "+{} ~{} ={} -{} unchanged {} skipped {}",
                counts.create,
                counts.update,
                counts.link,
                counts.remove,
                counts.unchanged,
                counts.skipped
            )),
        );
    }
    Value::Object(details)
}

/// The process's peak resident set size in MiB (Linux `VmHWM`), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}
