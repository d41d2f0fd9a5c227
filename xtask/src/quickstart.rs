//! The README's Quick start, run as written: every command of its first code
//! block except `cargo xtask ci` (which is what is running it).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::util;

/// The commands of the first fenced code block under `## Quick start`.
pub(crate) fn commands(readme: &str) -> Vec<String> {
    let Some(section) = readme.split("## Quick start").nth(1) else {
        return Vec::new();
    };
    let mut lines = section
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("```"));
    lines.next();
    lines
        .take_while(|line| !line.trim_start().starts_with("```"))
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Runs the Quick start commands other than `cargo xtask ci`.
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::commands;

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
    fn the_readme_quick_start_has_the_main_job_and_the_tests() {
        let readme =
            std::fs::read_to_string(crate::util::project_root().join("README.md")).unwrap();
        let commands = commands(&readme);
        assert_eq!(commands.len(), 2, "{commands:?}");
        assert_eq!(commands[1], "cargo xtask ci");
    }
}
