//! The README's Quick start and its five-minute path, run as written.
//!
//! - Quick start: every command of the first code block under `## Quick
//!   start` except `cargo xtask ci` (which is what is running it).
//! - Five minutes with the simulators: three code blocks under that heading.
//!   The first builds the binaries (its `cargo build` line is run; its
//!   `export PATH` line is what the harness does for the other two). The
//!   second starts the simulators, which serve until stopped: it runs in the
//!   background until it prints its `ready` line, and is stopped at the end.
//!   The third is the administrator's path, one command after the other, in
//!   the same fresh folder.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::util;

/// The heading of the five-minute path.
const FIVE_MINUTES: &str = "## Five minutes with the simulators";

/// How long the simulators may take to say they are ready.
const READY_WITHIN: Duration = Duration::from_secs(120);

/// The commands of every fenced code block under the `## ` heading `title`,
/// up to the next `## ` heading; blank lines and comments are left out, and
/// so is a comment at the end of a line.
pub(crate) fn blocks(readme: &str, title: &str) -> Vec<Vec<String>> {
    let Some(section) = readme.split(title).nth(1) else {
        return Vec::new();
    };
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in section.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some(Vec::new()),
            }
            continue;
        }
        if let Some(block) = current.as_mut() {
            let command = line.split(" #").next().unwrap_or_default().trim();
            if !command.is_empty() && !command.starts_with('#') {
                block.push(command.to_owned());
            }
        }
    }
    blocks
}

/// The commands of the first code block under `## Quick start`.
pub(crate) fn commands(readme: &str) -> Vec<String> {
    blocks(readme, "## Quick start")
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Runs the Quick start commands other than `cargo xtask ci`, then the
/// five-minute path.
pub(crate) fn run(root: &Path) -> anyhow::Result<()> {
    let readme = std::fs::read_to_string(root.join("README.md")).context("read README.md")?;
    let commands = commands(&readme);
    if commands.is_empty() {
        bail!("README.md has no Quick start code block");
    }
    for command in commands.iter().filter(|c| c.as_str() != "cargo xtask ci") {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command).current_dir(root);
        eprintln!("    $ {command}");
        util::run(&mut cmd)
            .with_context(|| format!("the Quick start command `{command}` failed"))?;
    }
    five_minutes(root, &readme)
}

/// The five-minute path's three blocks.
struct Path5 {
    build: String,
    simulators: String,
    steps: Vec<String>,
}

/// Reads the five-minute path's blocks, checking their shape.
fn path5(readme: &str) -> anyhow::Result<Path5> {
    let blocks = blocks(readme, FIVE_MINUTES);
    let [setup, simulators, steps] = blocks.as_slice() else {
        bail!(
            "README.md: `{FIVE_MINUTES}` has {} code block(s), not 3 (build, simulators, steps)",
            blocks.len()
        );
    };
    let build = setup
        .iter()
        .find(|line| line.starts_with("cargo build"))
        .context("the five-minute path's first block has no `cargo build` line")?;
    if !setup.iter().any(|line| line.starts_with("export PATH=")) {
        bail!("the five-minute path's first block does not put the binaries on the PATH");
    }
    let [simulators] = simulators.as_slice() else {
        bail!("the five-minute path's second block is not one command (the simulators)");
    };
    if steps.is_empty() {
        bail!("the five-minute path's third block has no command");
    }
    Ok(Path5 {
        build: build.clone(),
        simulators: simulators.clone(),
        steps: steps.clone(),
    })
}

/// Runs the five-minute path in a fresh folder under the target directory.
fn five_minutes(root: &Path, readme: &str) -> anyhow::Result<()> {
    let path5 = path5(readme)?;
    eprintln!("    $ {}", path5.build);
    util::run(
        Command::new("sh")
            .arg("-c")
            .arg(&path5.build)
            .current_dir(root),
    )
    .with_context(|| format!("the five-minute command `{}` failed", path5.build))?;
    let target = util::target_dir(root)?;
    let bin = target.join("debug");
    let dir = target.join("five-minutes");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .context("build the PATH")?;
    let shell = |line: &str| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(line)
            .current_dir(&dir)
            .env("PATH", &path)
            .env_remove("ROSTERSYNC_CONFIG")
            .env_remove("ROSTERSYNC_LOG");
        cmd
    };
    eprintln!("    $ {} &", path5.simulators);
    // `exec`, so that the process stopped at the end is the simulators'.
    let mut simulators = Simulators::start(shell(&format!("exec {}", path5.simulators)))?;
    let result = path5.steps.iter().try_for_each(|step| {
        eprintln!("    $ {step}");
        util::run(&mut shell(step))
            .with_context(|| format!("the five-minute command `{step}` failed"))
    });
    simulators.stop();
    result?;
    std::fs::remove_dir_all(&dir).with_context(|| format!("clear {}", dir.display()))?;
    Ok(())
}

/// The simulators, serving in the background.
struct Simulators {
    child: Child,
}

impl Simulators {
    /// Starts them and waits for their `ready` line; what they print goes on
    /// to standard error.
    fn start(mut cmd: Command) -> anyhow::Result<Simulators> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", util::show(&cmd)))?;
        let stdout = child.stdout.take().context("the simulators' output")?;
        let (ready, wait) = mpsc::channel();
        std::thread::spawn(move || {
            let mut said = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                eprintln!("      {line}");
                if !said && line.starts_with("ready") {
                    said = true;
                    let _ = ready.send(());
                }
            }
        });
        let mut simulators = Simulators { child };
        if wait.recv_timeout(READY_WITHIN).is_err() {
            simulators.stop();
            bail!(
                "the simulators did not say `ready` within {} s",
                READY_WITHIN.as_secs()
            );
        }
        Ok(simulators)
    }

    /// Stops them (they serve until stopped).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::{FIVE_MINUTES, blocks, commands, path5};

    #[test]
    fn the_first_code_block_under_quick_start_is_read() {
        let readme = "# x\n\n## Quick start\n\ntext\n\n```sh\ncargo run -p a -- demo\n\ncargo xtask ci\n```\n\n```sh\nnot this\n```\n";
        assert_eq!(
            commands(readme),
            ["cargo run -p a -- demo", "cargo xtask ci"]
        );
        assert!(commands("# no quick start\n").is_empty());
    }

    #[test]
    fn blocks_end_at_the_next_heading_and_comments_are_left_out() {
        let readme = "## A\n```sh\none   # a comment\n# only a comment\ntwo\n```\ntext\n```\nthree\n```\n## B\n```\nfour\n```\n";
        assert_eq!(blocks(readme, "## A"), [vec!["one", "two"], vec!["three"]]);
    }

    #[test]
    fn the_readme_quick_start_has_the_main_job_and_the_tests() {
        let readme =
            std::fs::read_to_string(crate::util::project_root().join("README.md")).unwrap();
        let commands = commands(&readme);
        assert_eq!(commands.len(), 2, "{commands:?}");
        assert_eq!(commands[1], "cargo xtask ci");
    }

    #[test]
    fn the_readme_five_minute_path_builds_starts_the_simulators_and_syncs() {
        let readme =
            std::fs::read_to_string(crate::util::project_root().join("README.md")).unwrap();
        assert!(readme.contains(FIVE_MINUTES));
        let path = path5(&readme).unwrap();
        assert!(
            path.simulators.starts_with("rostersync-sim both"),
            "{}",
            path.simulators
        );
        assert!(
            path.simulators.contains("--write-config"),
            "{}",
            path.simulators
        );
        assert!(
            path.steps.iter().any(|step| step == "rostersync sync all"),
            "{:?}",
            path.steps
        );
        assert!(
            path.steps
                .iter()
                .all(|step| step.starts_with("rostersync ")),
            "{:?}",
            path.steps
        );
    }
}
