//! Shell completions (`rostersync completions SHELL`) and man pages
//! (`rostersync man --dir DIR`, run by `cargo xtask man`), both generated
//! from the command line's own definition, so they never fall behind it.

use std::path::Path;

use clap::CommandFactory as _;

use crate::EXIT_OK;
use crate::cli::Cli;
use crate::output::Out;

/// Prints the completion script of `shell` on standard output.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "rostersync", &mut script);
    let mut stdout = std::io::stdout().lock();
    // A closed pipe is not an error worth reporting.
    let _ = std::io::Write::write_all(&mut stdout, &script);
    Ok(EXIT_OK)
}

/// Writes `rostersync.1` and one page per command (`rostersync-sync.1`, ...)
/// into `dir`, creating it.
pub(crate) fn man_pages(dir: &Path, out: Out) -> anyhow::Result<u8> {
    std::fs::create_dir_all(dir)
        .map_err(|error| anyhow::anyhow!("cannot create {}: {error}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(|error| {
        anyhow::anyhow!("cannot write the man pages into {}: {error}", dir.display())
    })?;
    if !crate::output::quiet() {
        out.line(format!(
            "wrote the man pages into {} (read one with `man -l {}`)",
            dir.display(),
            dir.join("rostersync.1").display()
        ));
    }
    Ok(EXIT_OK)
}
