//! Wiring: the adapters, the store and the engine built from a [`Config`].

mod paced;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use rostersync_engine::{Engine, EngineOptions};
use rostersync_eschoolplus::{Credentials as EspCredentials, EspAdapter, Options, Password};
use rostersync_oneroster::rest::{Auth, RestConfig, Secret as RestSecret, plus360};
use rostersync_oneroster::{OneRosterCsv, OneRosterRest};
use rostersync_ports::{GradeSink, RunRecord, SisSource, StateStore};
use rostersync_schoology::{
    AdapterConfig, Client, Credentials as LmsCredentials, EmailConflicts, RateLimit, RetryPolicy,
    SchoologyLms, SignatureMethod,
};
use rostersync_store::SqliteStore;
use rostersync_store_postgres::PgStore;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{
    Config, ConfigError, EmailConflictSetting, EspSettings, RestAuth, RestProfile, RestSettings,
    Secret, Signature, SisSettings, StoreSettings,
};

pub(crate) use paced::PacedLms;

/// The current instant.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

/// The eSchoolPLUS adapter of `esp`, with its password required.
pub(crate) fn esp(
    config: &Config,
    esp: &EspSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<EspAdapter> {
    Ok(esp_with(config, esp, now, esp.password()?.expose()))
}

fn esp_with(config: &Config, esp: &EspSettings, now: DateTime<Utc>, password: &str) -> EspAdapter {
    let today = now.with_timezone(&config.zone).date_naive();
    let mut options = Options::for_date(today).with_polling(esp.poll_interval, 900);
    if let Some(year) = config.school_year {
        options = options.with_school_year(year);
    }
    let credentials = EspCredentials {
        domain: esp.domain.clone(),
        site_code: esp.site_code.clone(),
        login_name: esp.login_name.clone(),
        password: Password::new(password),
    };
    EspAdapter::new(credentials, options)
}

/// The OneRoster REST adapter of `rest`; `secret` signs or authorizes.
fn oneroster_rest(rest: &RestSettings, secret: &str) -> anyhow::Result<OneRosterRest> {
    let secret = RestSecret::new(secret);
    let mut rest_config = match (&rest.profile, &rest.auth) {
        (RestProfile::Plus360 { district_code }, RestAuth::OAuth1(method)) => plus360::Plus360 {
            host: rest.root.clone(),
            consumer_key: rest.key.clone(),
            secret,
            district_code: district_code.clone(),
            version: rest.version,
            sha256: *method == rostersync_oneroster::rest::SignatureMethod::HmacSha256,
        }
        .config(),
        (_, RestAuth::OAuth1(method)) => RestConfig::new(
            rest.root.clone(),
            rest.version,
            Auth::OAuth1 {
                key: rest.key.clone(),
                secret,
                method: *method,
            },
        ),
        (_, RestAuth::OAuth2 { token_url, scopes }) => RestConfig::new(
            rest.root.clone(),
            rest.version,
            Auth::OAuth2 {
                token_url: token_url.clone(),
                client_id: rest.key.clone(),
                client_secret: secret,
                scopes: scopes.clone(),
            },
        ),
    };
    if let Some(size) = rest.page_size {
        rest_config.page_size = size;
    }
    let mut adapter = OneRosterRest::new(rest_config)?;
    if rest.courses_from_classes {
        adapter = adapter.with_courses_from_classes();
    }
    Ok(match rest.profile {
        RestProfile::Plus360 { .. } => adapter.with_grade_options(plus360::GRADE_OPTIONS),
        RestProfile::Standard => adapter,
    })
}

/// The school year a command reads: the configured one, else the one of
/// today in the district (July starts the next year).
pub(crate) fn school_year(config: &Config, now: DateTime<Utc>) -> i32 {
    config.school_year.unwrap_or_else(|| {
        rostersync_eschoolplus::school_year_for(now.with_timezone(&config.zone).date_naive())
    })
}

/// The SIS end of the configured adapter.
#[derive(Clone)]
pub(crate) struct SisPorts {
    /// Where the roster is read.
    pub(crate) source: Arc<dyn SisSource>,
    /// Where grades are written back; `None` for an adapter that cannot
    /// take them (a CSV package).
    pub(crate) grades: Option<Arc<dyn GradeSink>>,
}

impl SisPorts {
    /// Ends the SIS session the adapter keeps between calls (eSchoolPLUS
    /// logs off); the next call logs on again.
    pub(crate) async fn close(&self) {
        self.source.close().await;
    }

    /// Runs `work`, then ends the SIS session whatever its outcome: one
    /// logon per command.
    pub(crate) async fn closing<T>(&self, work: impl Future<Output = T>) -> T {
        let out = work.await;
        self.close().await;
        out
    }
}

impl std::fmt::Debug for SisPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SisPorts")
            .field("grades", &self.grades.is_some())
            .finish_non_exhaustive()
    }
}

/// The SIS adapter the configuration selects, with its secret required.
pub(crate) fn sis(config: &Config, now: DateTime<Utc>) -> anyhow::Result<SisPorts> {
    sis_ports(config, now, true)
}

/// Builds the SIS ports; without `require_secret` a missing secret is
/// taken as empty (for commands that never call the SIS).
fn sis_ports(
    config: &Config,
    now: DateTime<Utc>,
    require_secret: bool,
) -> anyhow::Result<SisPorts> {
    let expose = |secret: Result<&Secret, ConfigError>| match secret {
        Ok(secret) => Ok(secret.expose().to_owned()),
        Err(error) if require_secret => Err(error),
        Err(_) => Ok(String::new()),
    };
    match &config.sis {
        SisSettings::EschoolPlus(esp) => {
            let password = expose(esp.password())?;
            let adapter = Arc::new(esp_with(config, esp, now, &password));
            Ok(SisPorts {
                source: adapter.clone(),
                grades: Some(adapter),
            })
        }
        SisSettings::OneRosterCsv(csv) => {
            let mut source = csv
                .deltas
                .iter()
                .fold(OneRosterCsv::new(&csv.package), |source, delta| {
                    source.with_delta(delta)
                });
            if csv.courses_from_classes {
                source = source.with_courses_from_classes();
            }
            Ok(SisPorts {
                source: Arc::new(source),
                grades: None,
            })
        }
        SisSettings::OneRosterRest(rest) => {
            let secret = expose(rest.secret())?;
            let adapter = Arc::new(oneroster_rest(rest, &secret)?);
            Ok(SisPorts {
                source: adapter.clone(),
                grades: Some(adapter),
            })
        }
    }
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
        .retry(RetryPolicy {
            rate_limited_budget: settings.rate_limited_budget,
            ..RetryPolicy::default()
        })
        .build()?;
    let mut adapter = AdapterConfig {
        school_id: settings.school_id.clone(),
        email_conflicts: match settings.email_conflicts {
            EmailConflictSetting::Error => EmailConflicts::Fail,
            EmailConflictSetting::Ignore => EmailConflicts::IgnoreOtherSchools,
            EmailConflictSetting::UsernameOnly => EmailConflicts::UsernameOnly,
        },
        ..AdapterConfig::default()
    };
    if let Some(roles) = &settings.system_admin_roles {
        adapter.system_admin_roles = roles.clone();
    }
    Ok(SchoologyLms::new(client, adapter))
}

/// The state store the configuration names: the SQLite file, or this
/// district's rows on the PostgreSQL database (migrated when it lacks them).
pub(crate) async fn store(config: &Config) -> anyhow::Result<Arc<dyn StateStore>> {
    let opened: anyhow::Result<Arc<dyn StateStore>> = match &config.store {
        StoreSettings::Sqlite(path) => match SqliteStore::open(path) {
            Ok(store) => Ok(Arc::new(store)),
            Err(error) => Err(error.into()),
        },
        StoreSettings::Postgres(options) => match PgStore::open(options.as_ref().clone()).await {
            Ok(store) => Ok(Arc::new(store)),
            Err(error) => Err(error.into()),
        },
    };
    opened.map_err(|error| {
        error.context(format!(
            "cannot open the state store {} ({})",
            config.store.describe(),
            config.store.key()
        ))
    })
}

/// One run by id, or `None` when the store has no such run.
pub(crate) async fn run(store: &dyn StateStore, id: i64) -> anyhow::Result<Option<RunRecord>> {
    Ok(store
        .runs(usize::MAX)
        .await?
        .into_iter()
        .find(|run| run.id == id))
}

/// The setting saved under `name`, decoded, or `None` when none is saved.
pub(crate) async fn setting<T: DeserializeOwned>(
    store: &dyn StateStore,
    name: &str,
) -> anyhow::Result<Option<T>> {
    let Some(json) = store.setting(name).await? else {
        return Ok(None);
    };
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|error| anyhow::anyhow!("the stored setting {name:?} cannot be read: {error}"))
}

/// Saves `value` as JSON under `name`, replacing any earlier value.
pub(crate) async fn save_setting<T: Serialize + ?Sized>(
    store: &dyn StateStore,
    name: &str,
    value: &T,
) -> anyhow::Result<()> {
    let json = serde_json::to_string(value)
        .map_err(|error| anyhow::anyhow!("the setting {name:?} cannot be written: {error}"))?;
    Ok(store.save_setting(name, &json).await?)
}

/// Everything a command that syncs needs.
pub(crate) struct Wired {
    /// The engine.
    pub(crate) engine: Engine,
    /// The store (the engine holds a clone).
    pub(crate) store: Arc<dyn StateStore>,
    /// The SIS adapter.
    pub(crate) sis: SisPorts,
    /// The Schoology adapter.
    pub(crate) lms: Arc<SchoologyLms>,
    /// Counts the records the engine sends to the LMS.
    pub(crate) progress: ProgressBar,
}

impl std::fmt::Debug for Wired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wired")
            .field("engine", &self.engine)
            .field("sis", &self.sis)
            .field("lms", &self.lms)
            .finish_non_exhaustive()
    }
}

/// The engine over both adapters and the store.
pub(crate) async fn engine(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Wired> {
    engine_leased(config, now, EngineOptions::default().lease).await
}

/// [`engine`] whose sync lock lasts `lease` unless renewed: a worker's
/// engine holds it as long as its job, so that a dead worker's lock lapses
/// when its job does.
pub(crate) async fn engine_leased(
    config: &Config,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> anyhow::Result<Wired> {
    let sis = sis(config, now)?;
    let lms = schoology(config)?;
    assemble(config, sis, lms, lease).await
}

/// An engine for commands that never call either end (the schedule): the
/// secrets are used when set and not required otherwise.
pub(crate) async fn offline_engine(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Wired> {
    let sis = sis_ports(config, now, false)?;
    let secret = config
        .schoology
        .consumer_secret
        .as_ref()
        .map_or("", |s| s.expose());
    let lms = schoology_with(config, secret)?;
    assemble(config, sis, lms, EngineOptions::default().lease).await
}

async fn assemble(
    config: &Config,
    sis: SisPorts,
    lms: SchoologyLms,
    lease: chrono::Duration,
) -> anyhow::Result<Wired> {
    let lms = Arc::new(lms);
    let store = store(config).await?;
    let options = EngineOptions {
        school_year: config.school_year,
        drift: config.drift,
        lease,
        ..EngineOptions::default()
    };
    let progress = crate::output::record_counter();
    let engine = Engine::new(
        sis.source.clone(),
        lms.clone(),
        store.clone(),
        config.mapping.clone(),
        config.zone,
        options,
    )
    .with_progress(Arc::new(crate::output::BarProgress(progress.clone())));
    Ok(Wired {
        engine,
        store,
        sis,
        lms,
        progress,
    })
}
