//! `PgStore`: the pool, how a store is opened for one district, and how
//! values are written in columns (the same text as the SQLite store's).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres::types::FromSql;
use tokio_postgres::{IsolationLevel, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::PgStoreError;
use crate::options::{CONNECT_TIMEOUT, PgOptions};
use crate::queue::SharedQueue;
use crate::schema;

/// rostersync's state for one district in a PostgreSQL database.
///
/// Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    pub(crate) district: Arc<str>,
    target: Arc<str>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("district", &self.district)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects, brings the schema up to date in one transaction, and
    /// returns the store of `options`' district.
    ///
    /// # Errors
    ///
    /// When the database cannot be reached or refuses the user, when its
    /// schema is newer than this build's (the database is left unchanged),
    /// or when a migration fails (then nothing of it is applied).
    pub async fn open(options: PgOptions) -> Result<PgStore, PgStoreError> {
        let (pool, target) = connect(&options).await?;
        Ok(PgStore {
            pool,
            district: Arc::from(options.district.as_str()),
            target,
        })
    }

    /// The queue shared by all districts on this store's database, through
    /// this store's pool.
    pub fn shared_queue(&self) -> SharedQueue {
        SharedQueue::new(self.pool.clone(), Arc::clone(&self.target))
    }

    /// The district this store reads and writes.
    pub fn district(&self) -> &str {
        &self.district
    }

    /// The schema version of the database, which is
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) once opened.
    ///
    /// # Errors
    ///
    /// When the database cannot be read.
    pub async fn schema_version(&self) -> Result<i64, PgStoreError> {
        let mut client = self.client().await?;
        let tx = read_transaction(&mut client).await?;
        let version = schema::version(&tx).await?;
        tx.commit().await.map_err(PgStoreError::pg("end a read"))?;
        Ok(version)
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Client, PgStoreError> {
        client(&self.pool, &self.target).await
    }
}

/// A connection from `pool`, to the database `target`.
pub(crate) async fn client(
    pool: &Pool,
    target: &str,
) -> Result<deadpool_postgres::Client, PgStoreError> {
    pool.get().await.map_err(|source| PgStoreError::Connect {
        target: target.to_owned(),
        source,
    })
}

/// The pool of `options`, on a database whose schema it has brought up to
/// date in one transaction, and the database as messages name it.
pub(crate) async fn connect(options: &PgOptions) -> Result<(Pool, Arc<str>), PgStoreError> {
    let target = options.target();
    let manager = Manager::from_config(
        options.client_config(),
        tls(options)?,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // A server that takes the connection but never answers is given up on
    // too, not waited for: the whole connection (TCP, TLS and the startup
    // exchange) is bounded.
    let pool = Pool::builder(manager)
        .max_size(options.pool_size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|error| PgStoreError::Pool {
            target: target.clone(),
            detail: error.to_string(),
        })?;
    let mut client = client(&pool, &target).await?;
    // Judge the database before writing anything to it.
    let probe = client
        .build_transaction()
        .read_only(true)
        .start()
        .await
        .map_err(PgStoreError::pg("begin to read the schema version"))?;
    schema::check(schema::version(&probe).await?, &target)?;
    probe
        .rollback()
        .await
        .map_err(PgStoreError::pg("end reading the schema version"))?;
    let tx = client
        .transaction()
        .await
        .map_err(PgStoreError::pg("begin a schema migration"))?;
    schema::migrate(&tx, &target).await?;
    tx.commit()
        .await
        .map_err(PgStoreError::pg("commit a schema migration"))?;
    drop(client);
    Ok((pool, Arc::from(target.as_str())))
}

/// The TLS connector: rustls on ring, trusting the CA file of `options` or
/// else Mozilla's roots. Whether it is used is the `sslmode`.
fn tls(options: &PgOptions) -> Result<MakeRustlsConnect, PgStoreError> {
    let mut roots = rustls::RootCertStore::empty();
    match &options.ca_file {
        Some(path) => {
            let unreadable = |error: &dyn std::fmt::Display| {
                PgStoreError::Tls(format!(
                    "the CA file {} cannot be read: {error}",
                    path.display()
                ))
            };
            for certificate in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                roots
                    .add(certificate.map_err(|e| unreadable(&e))?)
                    .map_err(|e| unreadable(&e))?;
            }
            if roots.is_empty() {
                return Err(unreadable(&"it holds no certificate"));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| PgStoreError::Tls(error.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// A read-only transaction that sees one consistent state.
pub(crate) async fn read_transaction(
    client: &mut deadpool_postgres::Client,
) -> Result<deadpool_postgres::Transaction<'_>, PgStoreError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(PgStoreError::pg("begin a read"))
}

/// A time as stored.
pub(crate) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A stored time.
pub(crate) fn parse_time(
    column: &'static str,
    text: String,
) -> Result<DateTime<Utc>, PgStoreError> {
    match DateTime::parse_from_rfc3339(&text) {
        Ok(at) => Ok(at.with_timezone(&Utc)),
        Err(_) => Err(PgStoreError::Decode {
            column,
            value: text,
        }),
    }
}

/// A stored optional time.
pub(crate) fn parse_opt_time(
    column: &'static str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, PgStoreError> {
    text.map(|text| parse_time(column, text)).transpose()
}

/// An enum stored by its name: the value of `all` whose `name` it is.
pub(crate) fn named<T: Copy>(
    column: &'static str,
    text: String,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, PgStoreError> {
    all.iter()
        .copied()
        .find(|value| name(*value) == text)
        .ok_or(PgStoreError::Decode {
            column,
            value: text,
        })
}

/// The cells of a row, read with what was being done for errors.
pub(crate) struct Cells<'r> {
    row: &'r Row,
    what: &'static str,
}

impl<'r> Cells<'r> {
    /// The cells of `row`.
    pub(crate) fn of(row: &'r Row, what: &'static str) -> Cells<'r> {
        Cells { row, what }
    }

    /// Cell `at`.
    pub(crate) fn get<T: FromSql<'r>>(&self, at: usize) -> Result<T, PgStoreError> {
        self.row.try_get(at).map_err(PgStoreError::pg(self.what))
    }
}

/// A count as the database keeps it.
pub(crate) fn count(value: u64) -> Result<i64, PgStoreError> {
    i64::try_from(value).map_err(|_| PgStoreError::TooLarge(value))
}

/// A stored count (never negative: it was written from a `u64`).
pub(crate) fn stored_count(column: &'static str, value: i64) -> Result<u64, PgStoreError> {
    u64::try_from(value).map_err(|_| PgStoreError::Decode {
        column,
        value: value.to_string(),
    })
}
