//! `[console]`: the web console's password hash (argon2, checked at load)
//! and its TLS certificate and key (both or neither, relative to the file).

use std::path::{Path, PathBuf};

use rostersync_web::{ConsolePassword, TlsFiles};
use serde::Deserialize;

/// `[console]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConsole {
    password_hash: Option<String>,
    tls_certificate: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

/// The web console's settings; `Debug` shows neither the hash nor a key.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConsoleSettings {
    /// The hash of the password that signs in, besides the one-time token.
    pub(crate) password: Option<ConsolePassword>,
    /// The certificate and key to serve HTTPS with.
    pub(crate) tls: Option<TlsFiles>,
}

/// Checks `[console]`; the TLS files are taken relative to `base_dir`.
pub(super) fn console(
    raw: Option<RawConsole>,
    base_dir: &Path,
    problems: &mut Vec<String>,
) -> ConsoleSettings {
    let raw = raw.unwrap_or_default();
    let password = raw
        .password_hash
        .and_then(|phc| match ConsolePassword::parse(&phc) {
            Ok(password) => Some(password),
            Err(error) => {
                problems.push(format!(
                    "console.password_hash is {error}; make one with `rostersync serve --hash-password`"
                ));
                None
            }
        });
    let file = |key: &str, path: Option<PathBuf>, problems: &mut Vec<String>| {
        let path = path?;
        if path.as_os_str().is_empty() {
            problems.push(format!("console.{key} is empty: set it to a PEM file"));
            return None;
        }
        Some(base_dir.join(path))
    };
    let certificate = file("tls_certificate", raw.tls_certificate, problems);
    let key = file("tls_key", raw.tls_key, problems);
    let tls = match (certificate, key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate, key }),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            problems.push(
                "console.tls_certificate and console.tls_key go together: set both (the PEM \
                 certificate chain and its private key) to serve HTTPS, or neither"
                    .to_owned(),
            );
            None
        }
    };
    ConsoleSettings { password, tls }
}
