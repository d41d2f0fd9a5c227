//! For unit tests: a generated district on both simulators, with the
//! configuration text the demo writes for it and its secrets held in
//! memory.

use std::sync::Arc;
use std::time::Duration;

use rostersync_sim::district::{DistrictSize, generate};
use rostersync_sim::eschoolplus::{EspSim, RunningEsp};
use rostersync_sim::schoology::{RateLimit, RunningSchoology, SchoologySim};

use crate::config::{ESP_PASSWORD_ENV, SCHOOLOGY_SECRET_ENV};
use crate::console::Env;
use crate::demo::{demo_config, esp_table};

/// A tiny district of school year 2027 on both simulators.
pub(crate) struct SimDistrict {
    pub(crate) esp: RunningEsp,
    pub(crate) lms: RunningSchoology,
    /// The demo's configuration of it (a SQLite store, `rostersync.db`).
    pub(crate) config: String,
    /// Its secrets, and `more` given to [`SimDistrict::start`].
    pub(crate) env: Env,
}

impl SimDistrict {
    /// Starts the simulators, Schoology's keeping `quota` calls per
    /// `window`; `more` are further variables `env` answers.
    pub(crate) async fn start(
        quota: u32,
        window: Duration,
        more: &[(&'static str, String)],
    ) -> SimDistrict {
        let year = 2027;
        let district = generate(DistrictSize::Tiny, 2026, year);
        let esp = EspSim::builder()
            .district(&district)
            .task_polls(1)
            .start()
            .await
            .unwrap();
        let lms = SchoologySim::builder()
            .directory(&district.lms_directory)
            .rate_limit(RateLimit {
                quota,
                window,
                write_cost: 1,
            })
            .start()
            .await
            .unwrap();
        let config = demo_config(
            &esp_table(&esp.url(), esp.site_code(), esp.login_name(), year),
            &lms.url(),
            &lms.admin_credentials().key,
            &lms.school_id(),
        );
        let mut known: Vec<(&'static str, String)> = vec![
            (ESP_PASSWORD_ENV, esp.password().to_owned()),
            (SCHOOLOGY_SECRET_ENV, lms.admin_credentials().secret.clone()),
        ];
        known.extend(more.iter().cloned());
        let env: Env = Arc::new(move |name: &str| {
            known
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| value.clone())
        });
        SimDistrict {
            esp,
            lms,
            config,
            env,
        }
    }

    /// The secrets: the eSchoolPLUS password and the Schoology secret.
    pub(crate) fn secrets(&self) -> [String; 2] {
        [
            self.esp.password().to_owned(),
            self.lms.admin_credentials().secret.clone(),
        ]
    }
}
