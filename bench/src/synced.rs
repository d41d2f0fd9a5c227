//! What the scenarios that sync a district share: the Schoology simulator
//! with its rate limit out of the way, the real adapter over it, and an
//! engine over them with the SIS read from memory.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone as _, Utc};
use rostersync_core::MappingConfig;
use rostersync_engine::fakes::FakeSis;
use rostersync_engine::{Engine, EngineOptions};
use rostersync_ports::{SisRead, StateStore};
use rostersync_schoology::{AdapterConfig, Client, Credentials, RateLimit, SchoologyLms};
use rostersync_sim::district::District;
use rostersync_sim::schoology::{RateLimit as SimLimit, RunningSchoology, SchoologySim};

/// The simulator, the SIS it is synced from, and the engine.
pub(crate) struct Synced {
    pub(crate) sim: RunningSchoology,
    pub(crate) sis: Arc<FakeSis>,
    pub(crate) engine: Engine,
}

/// `district` ready to sync into a fresh simulator, state kept in `store`.
pub(crate) async fn start(
    district: &District,
    store: Arc<dyn StateStore>,
) -> Result<Synced, String> {
    let sim = SchoologySim::builder()
        .directory(&district.lms_directory)
        .rate_limit(SimLimit {
            quota: u32::MAX,
            window: Duration::from_secs(1),
            write_cost: 1,
        })
        .start()
        .await
        .map_err(|e| format!("starting the simulator: {e}"))?;
    let key = sim.admin_credentials();
    let client = Client::builder(Credentials::new(key.key.clone(), key.secret.clone()))
        .base_url(sim.url())
        .rate_limit(RateLimit::new(1_000_000, Duration::from_secs(1)))
        .build()
        .map_err(|e| e.to_string())?;
    let lms = SchoologyLms::new(
        client,
        AdapterConfig {
            school_id: Some(sim.school_id()),
            ..AdapterConfig::default()
        },
    );
    let sis = Arc::new(FakeSis::new(SisRead {
        snapshot: district.sis.clone(),
        problems: Vec::new(),
    }));
    let mapping = MappingConfig::new(district.mapping.clone()).map_err(|e| e.to_string())?;
    let engine = Engine::new(
        sis.clone(),
        Arc::new(lms),
        store,
        mapping,
        chrono_tz::America::Chicago,
        EngineOptions {
            school_year: Some(district.school_year),
            ..EngineOptions::default()
        },
    );
    Ok(Synced { sim, sis, engine })
}

/// Midday in the district on `day` (17:00 UTC).
pub(crate) fn midday(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)) + chrono::Duration::hours(17)
}
