//! The commands that need a configuration, one module per group.

pub(crate) mod drift;
pub(crate) mod grades;
pub(crate) mod logs;
pub(crate) mod mapping;
pub(crate) mod schedule;
pub(crate) mod serve;
pub(crate) mod setup;
pub(crate) mod sync;
pub(crate) mod workers;

use crate::cli::Command;
use crate::config::Config;
use crate::output::Out;

/// Runs one command over a loaded configuration; returns the exit code.
pub(crate) async fn run(command: &Command, config: &Config, out: Out) -> anyhow::Result<u8> {
    match command {
        Command::Check => setup::check(config, out).await,
        Command::ActingUser(command) => setup::acting_user(command, config, out).await,
        Command::Schools(command) => mapping::schools(command, config, out).await,
        Command::Terms(command) => mapping::terms(command, config, out).await,
        Command::Roles(command) => mapping::roles(command, config, out).await,
        Command::Prep(command) => sync::prep(command, config, out).await,
        Command::Sync(args) => sync::sync(args, config, out).await,
        Command::Schedule(command) => schedule::schedule(command, config, out).await,
        Command::Run { interval, .. } => schedule::service(config, *interval, out).await,
        Command::Logs(command) => logs::logs(command, config, out).await,
        Command::Drift { run } => drift::drift(*run, config, out).await,
        Command::Serve {
            address,
            insecure_http,
            ..
        } => serve::serve(address, *insecure_http, config, out).await,
        Command::Grades(command) => grades::grades(command, config, out).await,
        Command::Init { .. }
        | Command::Status { .. }
        | Command::Demo { .. }
        | Command::Completions { .. }
        | Command::Man { .. } => {
            anyhow::bail!("internal: this command does not read a configuration")
        }
    }
}
