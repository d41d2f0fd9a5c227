//! `rostersync`: the thin reference binary. It reads the configuration,
//! wires the eSchoolPLUS and Schoology adapters, the SQLite store and the
//! engine together, and presents what the libraries do; it holds no sync
//! logic of its own.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod console;
mod demo;
mod manual;
mod output;
#[cfg(test)]
mod sim_district;
mod source;
mod wire;

use std::process::ExitCode;

use clap::Parser as _;
use rostersync_engine::EngineError;
use rostersync_ports::{ErrorKind, PortError};

use crate::cli::{Cli, Command, UsageError};
use crate::config::ConfigError;
use crate::output::{Out, eprint_line};

/// Exit code: done.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: an error.
pub(crate) const EXIT_ERROR: u8 = 1;
/// Exit code: bad usage or configuration.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: a safety threshold stopped the run.
pub(crate) const EXIT_THRESHOLD: u8 = 3;
/// Exit code: the run completed with record failures.
pub(crate) const EXIT_FAILURES: u8 = 4;
/// Exit code: the service was stopped during a sync by a second signal.
pub(crate) const EXIT_INTERRUPTED: u8 = 5;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    output::set_quiet(cli.quiet);
    output::init_logging(cli.verbose, cli.quiet);
    if let Err(error) = cli.check_json() {
        report(&error.into());
        return ExitCode::from(EXIT_USAGE);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprint_line(format!("error: cannot start the async runtime: {error}"));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let out = Out { json: cli.json };
    match runtime.block_on(dispatch(&cli, out)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            report(&error);
            ExitCode::from(exit_code(&error))
        }
    }
}

async fn dispatch(cli: &Cli, out: Out) -> anyhow::Result<u8> {
    let path = &cli.config;
    match &cli.command {
        Command::Init { force } => commands::setup::init(path, *force, out),
        Command::Demo {
            size,
            sis,
            serve,
            address,
        } => demo::run(*size, *sis, serve.then_some(address.as_str()), out).await,
        Command::Completions { shell } => manual::completions(*shell),
        Command::Man { dir } => manual::man_pages(dir, out),
        Command::Serve {
            hash_password: true,
            ..
        } => commands::serve::hash_password(out),
        Command::Run {
            districts: Some(dir),
            worker,
            once,
            interval,
            lease,
        } => {
            let args = commands::workers::WorkerArgs {
                dir,
                worker: worker.as_deref(),
                once: *once,
                interval: *interval,
                lease: *lease,
            };
            commands::workers::run(&args, out).await
        }
        Command::Status { districts } => commands::workers::status(districts, out).await,
        command => {
            let config = config::load(path)?;
            output::set_zone(config.zone);
            commands::run(command, &config, out).await
        }
    }
}

/// Bad configuration or usage exits 2; everything else 1.
fn exit_code(error: &anyhow::Error) -> u8 {
    if error
        .chain()
        .any(|cause| cause.is::<ConfigError>() || cause.is::<UsageError>())
    {
        EXIT_USAGE
    } else {
        EXIT_ERROR
    }
}

/// Prints an error with its causes and a hint.
fn report(error: &anyhow::Error) {
    eprint_line(format!("error: {error}"));
    let mut shown = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        // Wrappers often repeat their source's message; show each once.
        if !shown.contains(&text) {
            eprint_line(format!("  caused by: {text}"));
            shown.push_str(&text);
        }
    }
    if let Some(hint) = hint(error) {
        eprint_line(format!("hint: {hint}"));
    }
}

/// A next step for the administrator, from the kind of failure: a usage
/// problem brings its own (or none), only a configuration problem points at
/// the configuration file.
fn hint(error: &anyhow::Error) -> Option<&str> {
    if let Some(usage) = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<UsageError>())
    {
        return usage.next_step();
    }
    if error.chain().any(|cause| cause.is::<ConfigError>()) {
        return Some("fix the configuration file (see `rostersync init` for a commented template)");
    }
    let kind = error.chain().find_map(|cause| {
        cause
            .downcast_ref::<EngineError>()
            .and_then(EngineError::port_kind)
            .or_else(|| cause.downcast_ref::<PortError>().map(PortError::kind))
    });
    match kind {
        Some(ErrorKind::Auth) => {
            Some("a credential was refused; `rostersync check` says which end and why")
        }
        Some(ErrorKind::Unavailable) => Some(
            "an end could not be reached; check the address and the network, then `rostersync check`",
        ),
        Some(ErrorKind::RateLimited) => Some("the LMS rate limit was hit; try again later"),
        _ => None,
    }
}
