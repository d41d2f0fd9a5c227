//! Presentation: tables, JSON, progress spinners, the printing of lines,
//! and the log on standard error (its level, colours and clock). Nothing
//! here knows a secret.

use std::io::{IsTerminal as _, Write as _};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rostersync_engine::{Progress, Stage};
use serde::Serialize;

/// `--quiet`, for the whole process.
static QUIET: AtomicBool = AtomicBool::new(false);

/// The district's time zone, once the configuration is read; log lines and
/// listed times are shown in it (UTC before).
static ZONE: OnceLock<Tz> = OnceLock::new();

/// Records `--quiet`: no progress display and no chatter.
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Records the district's time zone for the log's clock.
pub(crate) fn set_zone(zone: Tz) {
    let _ = ZONE.set(zone);
}

/// An instant in the district's time zone, as every listing shows it.
pub(crate) fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The log filter of a verbosity: rostersync's own lines get more detail
/// with each `-v`; the HTTP libraries' only at `-vvvv`.
pub(crate) fn log_filter(verbose: u8, quiet: bool) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,rostersync=info",
        (false, 2) => "warn,rostersync=debug",
        (false, 3) => "warn,rostersync=trace",
        (false, _) => "trace",
    }
}

/// Whether the log is coloured: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string.
pub(crate) fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Starts the log on standard error; `ROSTERSYNC_LOG` overrides the level.
pub(crate) fn init_logging(verbose: u8, quiet: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROSTERSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(log_filter(verbose, quiet)));
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        // Other libraries' lines (at -vvvv) are told apart by their target.
        .with_target(verbose >= 4)
        .with_timer(DistrictClock)
        .try_init();
}

/// The log's clock: the district's local time once it is known.
struct DistrictClock;

impl tracing_subscriber::fmt::time::FormatTime for DistrictClock {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let now = DateTime::<Utc>::from(std::time::SystemTime::now());
        match ZONE.get() {
            Some(zone) => write!(
                w,
                "{}",
                now.with_timezone(zone).format("%Y-%m-%d %H:%M:%S%.3f %Z")
            ),
            None => write!(w, "{}", now.format("%Y-%m-%d %H:%M:%S%.3f UTC")),
        }
    }
}

/// Whether progress may be drawn: both outputs are terminals and
/// `--quiet` was not given.
fn show_progress() -> bool {
    !quiet() && std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
}

/// Where the lines of a report go: standard output ([`Out`]), or a text
/// gathered for the console ([`Gathered`]).
pub(crate) trait Lines {
    /// One line.
    fn line(&self, text: impl AsRef<str>);
    /// Text as is (it ends with its own newline, or not).
    fn text(&self, text: &str);
}

impl Lines for Out {
    fn line(&self, text: impl AsRef<str>) {
        Out::line(self, text);
    }

    fn text(&self, text: &str) {
        Out::text(self, text);
    }
}

/// Lines gathered into one text, as they would be printed.
#[derive(Debug, Default)]
pub(crate) struct Gathered(std::cell::RefCell<String>);

impl Gathered {
    /// The text gathered.
    pub(crate) fn into_text(self) -> String {
        self.0.into_inner()
    }
}

impl Lines for &Gathered {
    fn line(&self, text: impl AsRef<str>) {
        let mut gathered = self.0.borrow_mut();
        gathered.push_str(text.as_ref());
        gathered.push('\n');
    }

    fn text(&self, text: &str) {
        let mut gathered = self.0.borrow_mut();
        gathered.push_str(text);
        if !text.ends_with('\n') {
            gathered.push('\n');
        }
    }
}

/// Where command output goes, and in which form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    /// Print JSON instead of tables.
    pub(crate) json: bool,
}

impl Out {
    /// Prints one line to standard output.
    pub(crate) fn line(&self, text: impl AsRef<str>) {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = writeln!(stdout, "{}", text.as_ref());
    }

    /// Prints text as is (it ends with its own newline, or not).
    pub(crate) fn text(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stdout.write_all(b"\n");
        }
    }

    /// Prints a value as pretty JSON.
    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) -> anyhow::Result<()> {
        self.text(&serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// Prints a table with a header row.
    pub(crate) fn table(&self, headers: &[&str], rows: &[Vec<String>]) {
        self.text(&table(headers, rows));
    }
}

/// Prints one line to standard error.
pub(crate) fn eprint_line(text: impl AsRef<str>) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", text.as_ref());
}

/// A plain text table: columns padded to their widest cell.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (at, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(at) {
                *width = (*width).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (at, cell) in cells.enumerate() {
            if at > 0 {
                line.push_str("  ");
            }
            let width = widths.get(at).copied().unwrap_or_default();
            line.push_str(cell);
            for _ in cell.chars().count()..width {
                line.push(' ');
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_row(&mut headers.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    push_row(&mut rule.iter().map(String::as_str));
    for row in rows {
        push_row(&mut row.iter().map(String::as_str));
    }
    if rows.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// A spinner for long work, drawn on standard error only when standard
/// output is a terminal; hidden otherwise.
pub(crate) fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if show_progress() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_message(message.into());
    bar
}

/// A progress counter of records sent to the LMS, hidden until [`start`].
pub(crate) fn record_counter() -> ProgressBar {
    let bar = ProgressBar::hidden();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar
}

/// A run's progress on a bar: the stage as its message, then the records
/// settled out of the plan's total.
pub(crate) struct BarProgress(pub(crate) ProgressBar);

impl Progress for BarProgress {
    fn stage(&self, stage: Stage) {
        self.0.set_message(stage.to_string());
    }

    fn planned(&self, records: u64) {
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} {wide_bar} {pos}/{len} record(s) ({eta} left)",
        ) {
            self.0.set_style(style);
        }
        self.0.set_length(records);
        self.0.set_position(0);
    }

    fn settled(&self, records: u64) {
        self.0.inc(records);
    }
}

/// Shows `bar` with `message`, on standard error, when both standard
/// output and standard error are terminals.
pub(crate) fn start(bar: &ProgressBar, message: impl Into<String>) {
    bar.set_message(message.into());
    if show_progress() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
    }
}

/// Runs `work` under a spinner showing `message`.
pub(crate) async fn with_spinner<T>(
    message: impl Into<String>,
    work: impl std::future::Future<Output = T>,
) -> T {
    let bar = spinner(message);
    let result = work.await;
    bar.finish_and_clear();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_to_the_widest_cell() {
        let text = table(
            &["a", "bb"],
            &[
                vec!["long".into(), "x".into()],
                vec!["y".into(), "z".into()],
            ],
        );
        assert_eq!(text, "a     bb\n----  --\nlong  x\ny     z\n");
        assert!(table(&["a"], &[]).ends_with("(none)\n"));
    }

    #[test]
    fn colours_only_on_a_terminal_and_never_with_no_color() {
        use std::ffi::OsStr;
        assert!(colour(true, None));
        assert!(
            colour(true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
    }

    #[test]
    fn more_v_shows_more_of_rostersync_and_the_http_libraries_only_at_four() {
        assert_eq!(log_filter(0, false), "warn");
        assert_eq!(log_filter(2, false), "warn,rostersync=debug");
        assert!(log_filter(3, false).starts_with("warn,"));
        assert_eq!(log_filter(4, false), "trace");
        assert_eq!(log_filter(3, true), "error");
    }

    #[test]
    fn times_are_shown_in_the_district_zone() {
        let at = DateTime::parse_from_rfc3339("2026-12-05T06:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_time(at, chrono_tz::America::Chicago),
            "Sat 2026-12-05 00:30 CST"
        );
    }

    #[test]
    fn a_run_shows_its_stage_then_records_settled_of_the_total() {
        let bar = record_counter();
        let progress = BarProgress(bar.clone());
        progress.stage(Stage::ReadingSis);
        assert_eq!(bar.message(), "reading the SIS");
        progress.stage(Stage::Writing);
        progress.planned(120);
        progress.settled(50);
        progress.settled(20);
        assert_eq!((bar.position(), bar.length()), (70, Some(120)));
        assert_eq!(bar.message(), "writing to the LMS");
    }
}
