//! `serve`: the web console (`rostersync-web`) over this configuration's
//! store, on this machine unless it has TLS (`[console]` certificate and
//! key) or is told otherwise (`demo --serve` uses it too); and `serve
//! --hash-password`, which makes the hash of the console password for
//! `[console] password_hash`.

use std::io::{BufRead as _, IsTerminal as _};
use std::net::SocketAddr;
use std::sync::Arc;

use rostersync_web::{Console, SignInToken, TlsFiles};

use crate::EXIT_OK;
use crate::cli::UsageError;
use crate::config::{Config, ConfigError};
use crate::console::{Env, FileActions};
use crate::output::{Out, eprint_line};
use crate::wire;

/// `serve --address ADDR [--insecure-http]`.
pub(crate) async fn serve(
    address: &str,
    insecure_http: bool,
    config: &Config,
    out: Out,
) -> anyhow::Result<u8> {
    let env: Env = Arc::new(|name: &str| std::env::var(name).ok());
    console(address, insecure_http, config, env, out).await
}

/// Serves the console over `config` (whose secrets `env` gives) on
/// `address` until the process ends.
pub(crate) async fn console(
    address: &str,
    insecure_http: bool,
    config: &Config,
    env: Env,
    out: Out,
) -> anyhow::Result<u8> {
    let address: SocketAddr = address.parse().map_err(|_| {
        UsageError::new(format!(
            "--address {address:?} is not an address: write it as \"127.0.0.1:8460\""
        ))
    })?;
    let tls = config
        .console
        .tls
        .as_ref()
        .map(TlsFiles::load)
        .transpose()
        .map_err(|error| ConfigError::new(error.to_string()))?;
    if tls.is_some() && insecure_http {
        tracing::warn!("--insecure-http does nothing here: the console has TLS and serves HTTPS");
    }
    if !address.ip().is_loopback() && tls.is_none() {
        if !insecure_http {
            return Err(UsageError::new(format!(
                "--address {address} is reachable from other machines, and the configuration sets no TLS certificate for the console"
            ))
            .hint("serve on 127.0.0.1 (the default), set console.tls_certificate and console.tls_key to serve HTTPS, or add --insecure-http to serve plain HTTP anyway".to_owned())
            .into());
        }
        tracing::warn!(
            %address,
            "the console serves plain HTTP to other machines: its sign-in token, password and sessions cross the network unencrypted"
        );
    }
    let store = wire::store(config).await?;
    let token = SignInToken::random()?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot serve on {address}: {error}"))?;
    let bound = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    out.line(format!("the console is at {scheme}://{bound}/"));
    let or_password = if config.console.password.is_some() {
        "the console password, or "
    } else {
        ""
    };
    out.line(format!(
        "sign in with {or_password}this one-time token (it works until the console stops): {}",
        token.expose()
    ));
    // The console's pages say what happens; no spinner on this terminal.
    crate::output::set_quiet(true);
    let actions = FileActions::new(config.path.clone(), env);
    let mut console = Console::new(store, Arc::new(actions), config.zone, token);
    if let Some(password) = &config.console.password {
        console = console.with_password(password.clone());
    }
    let router = console.router();
    match tls {
        Some(tls) => rostersync_web::serve_tls(listener, router, tls).await?,
        None => rostersync_web::serve(listener, router).await?,
    }
    Ok(EXIT_OK)
}

/// `serve --hash-password`: one line of standard input (the console
/// password, never printed) to its argon2 hash and the lines to paste.
pub(crate) fn hash_password(out: Out) -> anyhow::Result<u8> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint_line("type the console password and press Enter (it shows as you type):");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|error| {
        anyhow::anyhow!("cannot read the password from standard input: {error}")
    })?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(UsageError::new(
            "no password on standard input: --hash-password reads the console password from one line",
        )
        .hint("e.g. `rostersync serve --hash-password < password.txt`, or type it when asked".to_owned())
        .into());
    }
    let phc = rostersync_web::hash_password(password)?;
    out.line(&phc);
    out.line("put it in the configuration file, above the marker line:");
    out.line("[console]");
    out.line(format!("password_hash = \"{phc}\""));
    Ok(EXIT_OK)
}
