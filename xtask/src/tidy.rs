//! `cargo xtask tidy`: repository rules that the compiler and clippy do not check.
//!
//! The rules are ordinary code and run as a `#[test]` too, so `cargo test --workspace` enforces them.
//! Every violation is reported, each with its file and rule, not just the first one found.
//!
//! - `deps`: the dependency directions of DESIGN.md §2, read from `cargo metadata`, and no
//!   `anyhow` in library crates (see [`deps`]).
//! - `module-doc`, `forbidden-marker`, `file-length`: checks on the text of every `.rs` file
//!   (see [`files`]).

mod deps;
mod files;

use std::{fmt, path::Path};

use anyhow::bail;

/// Runs every tidy check on the workspace at `root`.
///
/// Warnings are printed; violations make the result an error that lists all of them.
pub(crate) fn run_tidy(root: &Path) -> anyhow::Result<()> {
    let mut report = Report::default();
    let graph = deps::Graph::from_metadata(root)?;
    for violation in deps::check(&graph) {
        report.violation(violation.manifest, "deps", violation.message);
    }
    let rust_files = files::check(root, &mut report)?;

    for warning in &report.warnings {
        eprintln!("tidy warning: {warning}");
    }
    if !report.violations.is_empty() {
        let list: Vec<String> = report.violations.iter().map(|v| format!("  {v}")).collect();
        bail!(
            "tidy found {} violation(s):\n{}",
            report.violations.len(),
            list.join("\n")
        );
    }
    eprintln!(
        "tidy: ok ({} workspace packages, {rust_files} Rust files, {} warning(s))",
        graph.len(),
        report.warnings.len()
    );
    Ok(())
}

/// Findings of one tidy run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    violations: Vec<Finding>,
    warnings: Vec<Finding>,
}

impl Report {
    /// Records a broken rule; the run fails.
    pub(crate) fn violation(&mut self, place: String, rule: &'static str, message: String) {
        self.violations.push(Finding {
            place,
            rule,
            message,
        });
    }

    /// Records something to look at; the run still passes.
    pub(crate) fn warning(&mut self, place: String, rule: &'static str, message: String) {
        self.warnings.push(Finding {
            place,
            rule,
            message,
        });
    }
}

/// One finding: where, which rule, and what is wrong.
#[derive(Debug)]
struct Finding {
    place: String,
    rule: &'static str,
    message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] {}", self.place, self.rule, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository itself passes tidy.
    #[test]
    fn tidy() {
        run_tidy(&crate::util::project_root()).unwrap();
    }

    #[test]
    fn findings_name_place_and_rule() {
        let mut report = Report::default();
        report.violation(
            "crates/x/src/lib.rs:3".to_owned(),
            "rule",
            "what is wrong".to_owned(),
        );
        assert_eq!(
            report.violations[0].to_string(),
            "crates/x/src/lib.rs:3: [rule] what is wrong"
        );
    }
}
