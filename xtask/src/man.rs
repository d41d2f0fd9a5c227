//! `cargo xtask man`: the man pages of the `rostersync` binary, written into
//! `target/man` by the binary itself (`rostersync man --dir DIR`, generated
//! with clap_mangen from its command line), so they never fall behind it.

use std::path::Path;

use anyhow::Context;

use crate::util;

/// Builds the binary and has it write its pages into `<target>/man`.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let dir = util::target_dir(root)?.join("man");
    let mut cmd = util::cargo(root);
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "rostersync",
        "--",
        "man",
        "--dir",
    ])
    .arg(&dir);
    eprintln!("==> {}", util::show(&cmd));
    util::run(&mut cmd).context("writing the man pages")?;
    Ok(())
}
