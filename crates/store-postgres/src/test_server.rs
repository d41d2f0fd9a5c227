//! A private PostgreSQL server for one test: Debian's `initdb` into a new
//! temporary folder, `pg_ctl` on a free loopback port (its unix socket in
//! that folder too), and `pg_ctl stop` when it is dropped.
//!
//! `initdb` refuses to run as root, so when the tests run as root (as CI
//! does on a fresh machine) the server's folder is given to `nobody` and
//! `initdb` and `pg_ctl` run as `nobody` through `runuser`. Readiness is
//! `pg_ctl start -w`, which polls the server until it accepts connections
//! and gives up after its `-t` timeout. Missing binaries fail the test with
//! what to install; nothing is skipped. A server may also offer TLS, with a
//! self-signed certificate made for the test.
//!
//! Behind the `test-util` feature, for this crate's tests and the binary's;
//! a harness that cannot start its server fails the test, so it unwraps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::{Password, PgOptions, PgStore};
use tempfile::TempDir;

/// The superuser's password (connections over TCP must give it).
pub const PASSWORD: &str = "test-only-secret-7f3a";

/// The database the tests' stores use.
pub const DATABASE: &str = "rostersync";

/// How long `pg_ctl` waits for the server to start or stop, in seconds.
const WAIT_SECONDS: &str = "60";

/// A running private server.
#[derive(Debug)]
pub struct Server {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    user: Option<String>,
    dir: TempDir,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and
/// `pg_ctl`.
fn binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's initdb and pg_ctl are not in /usr/lib/postgresql/*/bin: install Debian's \
             `postgresql` package (apt-get install --no-install-recommends postgresql; .ci/run \
             does it) to run these tests"
        ),
    }
}

/// Whether this process runs as root.
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The uid and gid of `user`.
fn ids_of(user: &str) -> (u32, u32) {
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, user]).output().unwrap();
        assert!(out.status.success(), "id {flag} {user}: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .unwrap()
    };
    (id("-u"), id("-g"))
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Server {
    /// Creates and starts a server, with the database [`DATABASE`].
    pub async fn start() -> Server {
        Server::start_with(false).await
    }

    /// Creates and starts a server that also offers TLS, with a
    /// self-signed certificate for 127.0.0.1 ([`Server::certificate`]).
    pub async fn start_tls() -> Server {
        Server::start_with(true).await
    }

    /// The server's certificate (PEM), when it offers TLS.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("server.crt")
    }

    async fn start_with(tls: bool) -> Server {
        let bin = binaries();
        let user = is_root().then(|| "nobody".to_owned());
        // As root the folder goes in /tmp, which `nobody` can reach whatever
        // TMPDIR says; its unix socket path stays short there too.
        let dir = match user {
            Some(_) => tempfile::Builder::new()
                .prefix("rostersync-pg-")
                .tempdir_in("/tmp")
                .unwrap(),
            None => tempfile::tempdir().unwrap(),
        };
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, PASSWORD).unwrap();
        std::fs::create_dir(dir.path().join("socket")).unwrap();
        let mut owned = vec![
            dir.path().to_owned(),
            password_file.clone(),
            dir.path().join("socket"),
        ];
        let mut settings = String::new();
        if tls {
            let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
            let (certificate, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::write(&certificate, made.cert.pem()).unwrap();
            std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
            // The server refuses a key others may read.
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            settings = format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                certificate.display(),
                key.display()
            );
            owned.extend([certificate, key]);
        }
        if let Some(user) = &user {
            let (uid, gid) = ids_of(user);
            for path in &owned {
                std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
            }
        }
        let data = dir.path().join("data");
        let mut server = Server {
            bin,
            data,
            port: 0,
            user,
            dir,
        };
        let init = server.run(
            "initdb",
            &[
                "-D".as_ref(),
                server.data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth-local=trust".as_ref(),
                "--auth-host=scram-sha-256".as_ref(),
                "--pwfile".as_ref(),
                password_file.as_os_str(),
                "--no-sync".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        );
        assert!(init.status.success(), "initdb failed: {}", text(&init));
        // A port found free may be taken before the server binds it: try again.
        let mut tries = Vec::new();
        for _ in 0..3 {
            server.port = free_port();
            let options = format!(
                "-F -p {} -h 127.0.0.1 -k {}{settings}",
                server.port,
                server.dir.path().join("socket").display()
            );
            let log = server.dir.path().join("server.log");
            let started = server.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    server.data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    WAIT_SECONDS.as_ref(),
                    "start".as_ref(),
                ],
            );
            if started.status.success() {
                server.create_database().await;
                return server;
            }
            tries.push(format!(
                "{}\n{}",
                text(&started),
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        }
        panic!(
            "pg_ctl start failed three times:\n{}",
            tries.join("\n---\n")
        );
    }

    /// Runs one of the server's programs, as the server's user.
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let path = self.bin.join(program);
        let mut command = match &self.user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&path);
                command
            }
            None => Command::new(&path),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", path.display()))
    }

    /// The URL of `database` on this server, as the superuser, without the
    /// password.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Options for `district` on [`DATABASE`], with the password.
    pub fn options(&self, district: &str) -> PgOptions {
        PgOptions::new(&self.url(DATABASE), district)
            .unwrap()
            .password(Password::new(PASSWORD))
    }

    /// The store of `district` on [`DATABASE`].
    pub async fn store(&self, district: &str) -> PgStore {
        PgStore::open(self.options(district)).await.unwrap()
    }

    /// A plain client on [`DATABASE`], for looking under the store.
    pub async fn client(&self) -> tokio_postgres::Client {
        self.client_of(DATABASE).await
    }

    async fn client_of(&self, database: &str) -> tokio_postgres::Client {
        let mut config: tokio_postgres::Config = self.url(database).parse().unwrap();
        config.password(PASSWORD);
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }

    async fn create_database(&self) {
        self.client_of("postgres")
            .await
            .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
            .await
            .unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let stopped = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                WAIT_SECONDS.as_ref(),
                "stop".as_ref(),
            ],
        );
        if !stopped.status.success() && !std::thread::panicking() {
            panic!("pg_ctl stop failed: {}", text(&stopped));
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
