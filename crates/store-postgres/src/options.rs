//! How a store is reached: the connection string from the configuration, the
//! district it is opened for, and the password from the environment, which
//! no `Debug` shows.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::PgStoreError;

/// The environment variable the password is read from.
pub const PASSWORD_ENV: &str = "ROSTERSYNC_PG_PASSWORD";

/// The longest district id.
const MAX_DISTRICT: usize = 200;

/// A database password; its `Debug` is redacted and it has no `Display`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// A password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(password.into())
    }

    /// The password from [`PASSWORD_ENV`], if set and not empty.
    pub fn from_env() -> Option<Password> {
        std::env::var(PASSWORD_ENV)
            .ok()
            .filter(|password| !password.is_empty())
            .map(Password)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where and as whom a store connects, and for which district.
#[derive(Clone)]
pub struct PgOptions {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) district: String,
    pub(crate) password: Option<Password>,
    pub(crate) pool_size: usize,
    pub(crate) ca_file: Option<PathBuf>,
}

impl fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgOptions")
            .field("target", &self.target())
            .field("district", &self.district)
            .field("password", &self.password)
            .field("pool_size", &self.pool_size)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// How long a connection attempt may take unless the URL says
/// (`connect_timeout`): a database host that does not answer is said, not
/// waited for as long as the system would.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Refuses an empty or over-long district id.
pub(crate) fn check_district(district: &str) -> Result<(), PgStoreError> {
    if district.is_empty() || district.chars().count() > MAX_DISTRICT {
        return Err(PgStoreError::District(district.to_owned()));
    }
    Ok(())
}

impl PgOptions {
    /// Options for `district` on the database at `url`: a `postgres://` URL
    /// or a `key=value` connection string, without a password.
    ///
    /// # Errors
    ///
    /// A string that cannot be read, one that carries a password (set
    /// [`PASSWORD_ENV`] instead), and an empty or over-long district id.
    pub fn new(url: &str, district: &str) -> Result<PgOptions, PgStoreError> {
        let mut config = tokio_postgres::Config::from_str(url).map_err(PgStoreError::Url)?;
        if config.get_password().is_some() {
            return Err(PgStoreError::PasswordInUrl);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        check_district(district)?;
        Ok(PgOptions {
            config,
            district: district.to_owned(),
            password: None,
            pool_size: 4,
            ca_file: None,
        })
    }

    /// The password to connect with.
    pub fn password(mut self, password: Password) -> PgOptions {
        self.password = Some(password);
        self
    }

    /// The password from [`PASSWORD_ENV`] when it is set.
    pub fn password_from_env(mut self) -> PgOptions {
        if let Some(password) = Password::from_env() {
            self.password = Some(password);
        }
        self
    }

    /// How many connections the pool keeps at most (at least 1; 4 unless set).
    pub fn pool_size(mut self, size: usize) -> PgOptions {
        self.pool_size = size.max(1);
        self
    }

    /// Trusts the certificates of this PEM file (the server's CA, or its own
    /// self-signed certificate) instead of Mozilla's roots. Whether TLS is
    /// used is the connection string's `sslmode`: `prefer` (the default)
    /// when the server offers it, `require` always, `disable` never.
    pub fn ca_certificate(mut self, path: impl AsRef<Path>) -> PgOptions {
        self.ca_file = Some(path.as_ref().to_owned());
        self
    }

    /// The most connections the pool keeps.
    pub fn connections(&self) -> usize {
        self.pool_size
    }

    /// The certificate authority the server's certificate is checked
    /// against, when one is set.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The district this store is opened for.
    pub fn district(&self) -> &str {
        &self.district
    }

    /// The database as messages name it: user, hosts, ports and name.
    pub fn target(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let ports: Vec<String> = self
            .config
            .get_ports()
            .iter()
            .map(ToString::to_string)
            .collect();
        format!(
            "{}@{}:{}/{}",
            self.config.get_user().unwrap_or("(user)"),
            hosts.join(","),
            ports.join(","),
            self.config.get_dbname().unwrap_or("(database)")
        )
    }

    /// The client configuration with the password, for the pool only.
    pub(crate) fn client_config(&self) -> tokio_postgres::Config {
        let mut config = self.config.clone();
        if let Some(Password(password)) = &self.password {
            config.password(password.as_bytes());
        }
        config
    }
}
