//! Wiring: the adapters, the store and the engine built from a [`Config`].

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rostersync_core::LmsSnapshot;
use rostersync_engine::{Engine, EngineOptions};
use rostersync_eschoolplus::{Credentials as EspCredentials, EspAdapter, Options, Password};
use rostersync_ports::{
    ActingUser, LmsDirectory, LmsRequest, LmsTarget, LmsWrite, PortResult, WriteOutcome,
};
use rostersync_schoology::{
    AdapterConfig, Client, Credentials as LmsCredentials, RateLimit, SchoologyLms, SignatureMethod,
};
use rostersync_store::SqliteStore;

use crate::config::{Config, Signature};

/// The current instant.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

/// The eSchoolPLUS adapter.
pub(crate) fn esp(config: &Config, now: DateTime<Utc>) -> anyhow::Result<EspAdapter> {
    let password = config.esp_password()?;
    Ok(esp_with(config, now, password.expose()))
}

fn esp_with(config: &Config, now: DateTime<Utc>, password: &str) -> EspAdapter {
    let today = now.with_timezone(&config.zone).date_naive();
    let mut options = Options::for_date(today).with_polling(config.esp.poll_interval, 900);
    if let Some(year) = config.esp.school_year {
        options = options.with_school_year(year);
    }
    let credentials = EspCredentials {
        domain: config.esp.domain.clone(),
        site_code: config.esp.site_code.clone(),
        login_name: config.esp.login_name.clone(),
        password: Password::new(password),
    };
    EspAdapter::new(credentials, options)
}

/// The Schoology adapter.
pub(crate) fn schoology(config: &Config) -> anyhow::Result<SchoologyLms> {
    let secret = config.schoology_secret()?;
    schoology_with(config, secret.expose())
}

fn schoology_with(config: &Config, secret: &str) -> anyhow::Result<SchoologyLms> {
    let settings = &config.schoology;
    let method = match settings.signature {
        Signature::HmacSha1 => SignatureMethod::HmacSha1,
        Signature::Plaintext => SignatureMethod::Plaintext,
    };
    let client = Client::builder(LmsCredentials::new(settings.consumer_key.clone(), secret))
        .base_url(settings.base_url.clone())
        .signature_method(method)
        .concurrency(settings.concurrency)
        .rate_limit(RateLimit::new(settings.rate_requests, settings.rate_per))
        .build()?;
    let mut adapter = AdapterConfig {
        school_id: settings.school_id.clone(),
        ..AdapterConfig::default()
    };
    if let Some(roles) = &settings.system_admin_roles {
        adapter.system_admin_roles = roles.clone();
    }
    Ok(SchoologyLms::new(client, adapter))
}

/// The state store.
pub(crate) fn store(config: &Config) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(&config.store_path).map_err(|error| {
        anyhow::Error::new(error).context(format!(
            "cannot open the state store {} (store.path)",
            config.store_path.display()
        ))
    })
}

/// Everything a command that syncs needs.
#[derive(Debug)]
pub(crate) struct Wired {
    /// The engine.
    pub(crate) engine: Engine,
    /// The store (the engine holds a clone).
    pub(crate) store: SqliteStore,
    /// The eSchoolPLUS adapter.
    pub(crate) esp: Arc<EspAdapter>,
    /// The Schoology adapter.
    pub(crate) lms: Arc<SchoologyLms>,
    /// Counts the records the engine sends to the LMS.
    pub(crate) progress: ProgressBar,
}

/// The LMS port with every record sent counted on a progress bar: a
/// decorator at the seam, so neither the engine nor the adapter knows of it.
struct Counted {
    inner: Arc<SchoologyLms>,
    bar: ProgressBar,
}

#[async_trait]
impl LmsTarget for Counted {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        self.inner.acting_user().await
    }

    async fn directory(&self) -> PortResult<LmsDirectory> {
        self.inner.directory().await
    }

    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        self.inner.snapshot(request).await
    }

    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<WriteOutcome>> {
        let result = self.inner.apply(write).await;
        self.bar.inc(write.len() as u64);
        result
    }
}

/// The engine over both adapters and the store.
pub(crate) fn engine(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Wired> {
    let esp = esp(config, now)?;
    let lms = schoology(config)?;
    assemble(config, esp, lms)
}

/// An engine for commands that never call either end (the schedule): the
/// secrets are used when set and not required otherwise.
pub(crate) fn offline_engine(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Wired> {
    let password = config.esp.password.as_ref().map_or("", |p| p.expose());
    let secret = config
        .schoology
        .consumer_secret
        .as_ref()
        .map_or("", |s| s.expose());
    let esp = esp_with(config, now, password);
    let lms = schoology_with(config, secret)?;
    assemble(config, esp, lms)
}

fn assemble(config: &Config, esp: EspAdapter, lms: SchoologyLms) -> anyhow::Result<Wired> {
    let esp = Arc::new(esp);
    let lms = Arc::new(lms);
    let store = store(config)?;
    let options = EngineOptions {
        school_year: config.esp.school_year,
        ..EngineOptions::default()
    };
    let progress = crate::output::record_counter();
    let counted = Arc::new(Counted {
        inner: lms.clone(),
        bar: progress.clone(),
    });
    let engine = Engine::new(
        esp.clone(),
        counted,
        Arc::new(store.clone()),
        config.mapping.clone(),
        config.zone,
        options,
    );
    Ok(Wired {
        engine,
        store,
        esp,
        lms,
        progress,
    })
}
