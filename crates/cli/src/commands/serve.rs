//! `serve`: the web console (`rostersync-web`) over this configuration's
//! store, on this machine unless told otherwise; `demo --serve` uses it too.

use std::net::SocketAddr;
use std::sync::Arc;

use rostersync_web::{Console, SignInToken};

use crate::EXIT_OK;
use crate::cli::UsageError;
use crate::config::Config;
use crate::console::{Env, FileActions};
use crate::output::Out;
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
    if !address.ip().is_loopback() {
        if !insecure_http {
            return Err(UsageError::new(format!(
                "--address {address} is reachable from other machines, and the console has no TLS yet"
            ))
            .hint("serve on 127.0.0.1 (the default), or add --insecure-http to serve plain HTTP anyway".to_owned())
            .into());
        }
        tracing::warn!(
            %address,
            "the console serves plain HTTP to other machines: its sign-in token and sessions cross the network unencrypted"
        );
    }
    let store = wire::store(config)?;
    let token = SignInToken::random()?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot serve on {address}: {error}"))?;
    let bound = listener.local_addr()?;
    out.line(format!("the console is at http://{bound}/"));
    out.line(format!(
        "sign in with this one-time token (it works until the console stops): {}",
        token.expose()
    ));
    // The console's pages say what happens; no spinner on this terminal.
    crate::output::set_quiet(true);
    let actions = FileActions::new(config.path.clone(), env);
    let console = Console::new(Arc::new(store), Arc::new(actions), config.zone, token);
    rostersync_web::serve(listener, console.router()).await?;
    Ok(EXIT_OK)
}
