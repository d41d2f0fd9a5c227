//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure.
//!
//! `.ci/run` runs exactly this, so a green `cargo xtask ci` on a developer machine means green CI.
//! The last step runs the README's Quick start commands as written (the main job, the demo),
//! so the first thing a newcomer types is known to work.

use std::path::Path;

use anyhow::Context;

use crate::{tidy, util};

/// One cargo invocation of the CI sequence.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    /// Set `RUSTDOCFLAGS=-D warnings` (rustdoc warnings are not covered by `-D warnings` on clippy).
    deny_rustdoc_warnings: bool,
}

/// The cargo steps; `tidy` runs after them, in process.
/// Every step names `--workspace`, because `default-members` leaves xtask out.
const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        args: &["fmt", "--all", "--", "--check"],
        deny_rustdoc_warnings: false,
    },
    Step {
        name: "clippy",
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        deny_rustdoc_warnings: false,
    },
    Step {
        name: "test",
        args: &["test", "--workspace", "--locked"],
        deny_rustdoc_warnings: false,
    },
    Step {
        name: "doc",
        args: &["doc", "--workspace", "--no-deps", "--locked"],
        deny_rustdoc_warnings: true,
    },
];

/// Runs the CI sequence from the workspace root.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let total = STEPS.len() + 2;
    for (index, step) in STEPS.iter().enumerate() {
        let mut cmd = util::cargo(root);
        cmd.args(step.args);
        // CI builds from clean once, so incremental caches (about 3 GiB here) only cost disk.
        if std::env::var_os("CARGO_INCREMENTAL").is_none() {
            cmd.env("CARGO_INCREMENTAL", "0");
        }
        if step.deny_rustdoc_warnings {
            let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
            if !flags.is_empty() {
                flags.push(' ');
            }
            flags.push_str("-D warnings");
            cmd.env("RUSTDOCFLAGS", flags);
        }
        eprintln!(
            "==> [{}/{total}] {}: {}",
            index + 1,
            step.name,
            util::show(&cmd)
        );
        util::run(&mut cmd).with_context(|| format!("ci step `{}` failed", step.name))?;
    }
    eprintln!("==> [{}/{total}] tidy", total - 1);
    tidy::run_tidy(root).context("ci step `tidy` failed")?;
    eprintln!("==> [{total}/{total}] quick start: the README's commands, as written");
    crate::quickstart::run(root).context("ci step `quick start` failed")?;
    eprintln!("==> ci: all {total} steps passed");
    Ok(())
}
