//! Paths and process helpers shared by the tasks.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.pop();
    root
}

/// The target directory cargo builds into for the workspace at `root`
/// (`CARGO_TARGET_DIR` or the configured one, else `root/target`).
pub(crate) fn target_dir(root: &Path) -> anyhow::Result<PathBuf> {
    Ok(cargo_metadata::MetadataCommand::new()
        .current_dir(root)
        .no_deps()
        .exec()
        .context("running `cargo metadata` to find the target directory")?
        .target_directory
        .into_std_path_buf())
}

/// A `cargo` command run from `root`, using the cargo that started xtask (`$CARGO`).
pub(crate) fn cargo(root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root);
    cmd
}

/// A `git` command run from `root`.
pub(crate) fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(root);
    cmd
}

/// Runs `cmd` with inherited stdio and fails unless it exits successfully.
pub(crate) fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {}", show(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", show(cmd));
    }
    Ok(())
}

/// Runs `cmd`, lets its stderr through, and returns its stdout; fails unless it exits successfully.
pub(crate) fn stdout(cmd: &mut Command) -> anyhow::Result<String> {
    let output = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("could not start {}", show(cmd)))?;
    if !output.status.success() {
        bail!("{} failed ({})", show(cmd), output.status);
    }
    String::from_utf8(output.stdout)
        .with_context(|| format!("{} printed non-UTF-8 output", show(cmd)))
}

/// `cmd` as a user would type it, for messages.
pub(crate) fn show(cmd: &Command) -> String {
    let envs = cmd.get_envs().filter_map(|(key, value)| {
        value.map(|value| format!("{}={}", key.to_string_lossy(), value.to_string_lossy()))
    });
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program())
        .to_string_lossy()
        .into_owned();
    let args = cmd.get_args().map(|arg| arg.to_string_lossy().into_owned());
    let words: Vec<String> = envs.chain([program]).chain(args).collect();
    format!("`{}`", words.join(" "))
}
