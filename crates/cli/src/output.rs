//! Presentation: tables, JSON, progress spinners and the printing of lines.
//! Nothing here knows a secret.

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rostersync_engine::{Progress, Stage};
use serde::Serialize;

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
    if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
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
    if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
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
