//! `cargo xtask bless`: rewrite the core's golden files, then show what changed.
//!
//! Goldens change only through this task, and the diff it prints is what a reviewer reads.

use std::path::Path;

use anyhow::Context;

use crate::util;

/// Where the core's golden inputs and expected outputs live, relative to the root.
const TEST_DATA: &str = "crates/core/test_data";

/// Runs `UPDATE_EXPECT=1 cargo test -p rostersync-core`, then `git diff --stat` of the goldens.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let mut test = util::cargo(root);
    test.env("UPDATE_EXPECT", "1")
        .args(["test", "--package", "rostersync-core"]);
    eprintln!("==> {}", util::show(&test));
    util::run(&mut test)?;

    let mut diff = util::git(root);
    diff.args(["diff", "--stat", "--", TEST_DATA]);
    eprintln!("==> {}", util::show(&diff));
    util::run(&mut diff)?;

    // `git diff` does not show files it has never seen, and a new golden case is one.
    let untracked = util::stdout(util::git(root).args([
        "ls-files",
        "--others",
        "--exclude-standard",
        "--",
        TEST_DATA,
    ]))
    .context("listing new golden files")?;
    if !untracked.trim().is_empty() {
        println!("new, untracked files:\n{untracked}");
    }
    Ok(())
}
