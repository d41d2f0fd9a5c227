//! The web console's actions (`rostersync_web::Actions`) done by the CLI's
//! own code: the configuration file is read again for every request,
//! changes are validated and written as the commands write them, only when
//! the file is still at the revision the page was made from, and syncs run
//! on the same engine and lock as `sync` and the service.

mod mapping;
mod runs;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use rostersync_core::SyncScope;
use rostersync_engine::Progress;
use rostersync_ports::{ActingUser, LmsTarget as _};
use rostersync_web::{
    ActingUserView, ActionError, Actions, ConfigurationView, EndCheck, GradesRequest, GradesView,
    PlanView, PrepView, Problem, Revision, Saved, SchoolsView, SelectionChange, SelectionView,
    Setting, SettingValue, SyncEnd, TermsView, Timing,
};

use crate::commands::setup::{self, ACTING_USER_SETTING, EndReport};
use crate::config::{self, Config, SisSettings};
use crate::output::local_time;
use crate::wire;

/// Where secrets named in the configuration are read: the process's
/// environment, or (in the demo) values held in memory.
pub(crate) type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The console's actions over the configuration file at `path`.
pub(crate) struct FileActions {
    path: PathBuf,
    env: Env,
    /// Held while a change is checked and written, so two changes from the
    /// console never interleave.
    writing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for FileActions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileActions")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileActions {
    /// Actions over the configuration file at `path`, reading secrets from
    /// `env`.
    pub(crate) fn new(path: PathBuf, env: Env) -> Self {
        FileActions {
            path,
            env,
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// The configuration as it is on disk now, with its revision.
    fn load(&self) -> Result<(Config, Revision), ActionError> {
        let text = std::fs::read_to_string(&self.path).map_err(|error| {
            ActionError::Failed(format!(
                "cannot read the configuration file {}: {error}",
                self.path.display()
            ))
        })?;
        let config = config::parse(&self.path, &text, &*self.env)
            .map_err(|error| ActionError::Failed(error.to_string()))?;
        Ok((config, Revision(config::revision(&text))))
    }

    /// The store, and who the credentials act as.
    async fn acting(
        &self,
    ) -> Result<(Arc<dyn rostersync_ports::StateStore>, ActingUser), ActionError> {
        let (config, _) = self.load()?;
        let store = wire::store(&config).await.map_err(failed)?;
        let lms = wire::PacedLms::with_store(&config, store.clone())
            .await
            .map_err(failed)?;
        let current = lms.acting_user().await;
        lms.done().await;
        let current = current.map_err(|error| {
            ActionError::Failed(format!("cannot read the acting user: {error}"))
        })?;
        Ok((store, current))
    }

    /// The configuration, when the file is still at `revision`; else
    /// [`ActionError::Stale`].
    fn load_at(&self, revision: &Revision) -> Result<Config, ActionError> {
        let (config, now) = self.load()?;
        if now != *revision {
            return Err(ActionError::Stale);
        }
        Ok(config)
    }
}

/// What saving a form that changes nothing says.
fn unchanged() -> Saved {
    Saved {
        message: "Nothing changed; nothing was saved.".to_owned(),
        warnings: Vec::new(),
    }
}

/// An error of the CLI's code as the console shows it: a stale file as
/// [`ActionError::Stale`], a refused value as the problem of the change.
fn failed(error: anyhow::Error) -> ActionError {
    if error.downcast_ref::<config::StaleFile>().is_some() {
        return ActionError::Stale;
    }
    if let Some(usage) = error.downcast_ref::<crate::cli::UsageError>() {
        return ActionError::Refused(vec![Problem::whole(usage.to_string())]);
    }
    if error.downcast_ref::<config::ConfigError>().is_some() {
        return ActionError::Refused(vec![Problem::whole(format!("{error:#}"))]);
    }
    ActionError::Failed(format!("{error:#}"))
}

/// A saved mapping change as the console shows it.
fn saved(saved: crate::commands::mapping::Saved) -> Saved {
    Saved {
        message: saved.message,
        warnings: saved.warnings,
    }
}

fn secret(set: bool, key: &str, env: &str) -> Setting {
    Setting {
        key: key.to_owned(),
        value: SettingValue::Secret {
            set,
            from: format!("the environment variable {env}, or {key} in the file"),
        },
        editable: config::CONNECTION_KEYS.contains(&key),
    }
}

fn plain(key: &str, value: impl ToString) -> Setting {
    Setting {
        key: key.to_owned(),
        value: SettingValue::Plain(value.to_string()),
        editable: config::CONNECTION_KEYS.contains(&key),
    }
}

/// The SIS end's settings as the Configuration tab lists them.
fn sis_settings(config: &Config) -> Vec<Setting> {
    let mut settings = vec![plain("sis.adapter", config.sis.kind().name())];
    match &config.sis {
        SisSettings::EschoolPlus(esp) => {
            settings.push(plain("eschoolplus.domain", &esp.domain));
            settings.push(plain("eschoolplus.site_code", &esp.site_code));
            settings.push(plain("eschoolplus.login_name", &esp.login_name));
            settings.push(secret(
                esp.password.is_some(),
                "eschoolplus.password",
                config::ESP_PASSWORD_ENV,
            ));
        }
        SisSettings::OneRosterCsv(csv) => {
            settings.push(plain("oneroster_csv.package", csv.package.display()));
            for delta in &csv.deltas {
                settings.push(plain("oneroster_csv.deltas", delta.display()));
            }
        }
        SisSettings::OneRosterRest(rest) => {
            settings.push(plain("oneroster_rest.root", &rest.root));
            settings.push(plain("oneroster_rest.key", &rest.key));
            settings.push(secret(
                rest.secret.is_some(),
                "oneroster_rest.secret",
                config::ONEROSTER_SECRET_ENV,
            ));
        }
    }
    if let Some(year) = config.school_year {
        settings.push(plain("school year", year));
    }
    settings
}

/// Schoology's settings as the Configuration tab lists them.
fn lms_settings(config: &Config) -> Vec<Setting> {
    let lms = &config.schoology;
    vec![
        plain("schoology.base_url", &lms.base_url),
        plain("schoology.consumer_key", &lms.consumer_key),
        secret(
            lms.consumer_secret.is_some(),
            "schoology.consumer_secret",
            config::SCHOOLOGY_SECRET_ENV,
        ),
        plain(
            "schoology.rate",
            format!(
                "{} requests per {} s",
                lms.rate_requests,
                lms.rate_per.as_secs()
            ),
        ),
        plain(config.store.key(), config.store.describe()),
        plain("district.time_zone", config.zone),
    ]
}

fn end_check(report: EndReport) -> EndCheck {
    EndCheck {
        end: report.end.to_owned(),
        ok: report.ok,
        steps: report
            .results
            .into_iter()
            .map(|step| (step.ok, step.message))
            .collect(),
    }
}

/// The sync timing a form gives, as the `[schedule]` section, keeping the
/// weekly drift check as written.
fn timing_section(config: &Config, timing: &Timing) -> config::ScheduleSection {
    let given = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    config::ScheduleSection {
        mode: timing.mode.trim().to_owned(),
        window: given(&timing.window),
        time_zone: given(&timing.time_zone),
        drift_check: config.schedule_section.drift_check.clone(),
    }
}

/// What is wrong with a timing, beside the field it is about.
fn timing_problem(message: String, timing: &Timing) -> Problem {
    if message.starts_with("schedule.mode") {
        Problem::of("mode", message)
    } else if !timing.time_zone.trim().is_empty()
        && timing.time_zone.trim().parse::<chrono_tz::Tz>().is_err()
    {
        Problem::of(
            "time_zone",
            format!(
                "schedule.time_zone {:?} is not a time zone: use a name like \"America/Chicago\"",
                timing.time_zone.trim()
            ),
        )
    } else {
        Problem::of("window", message)
    }
}

#[async_trait]
impl Actions for FileActions {
    async fn configuration(&self) -> Result<ConfigurationView, ActionError> {
        let (config, revision) = self.load()?;
        let now = wire::now();
        let wired = wire::offline_engine(&config, now).await.map_err(failed)?;
        let next = wired
            .engine
            .next_run(&config.schedule, now)
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        let state = wired
            .engine
            .schedule_state()
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        let local = |at| local_time(at, config.zone);
        let section = &config.schedule_section;
        Ok(ConfigurationView {
            path: config.path.display().to_string(),
            revision,
            sis: sis_settings(&config),
            lms: lms_settings(&config),
            timing: Timing {
                mode: section.mode.clone(),
                window: section.window.clone().unwrap_or_default(),
                time_zone: section.time_zone.clone().unwrap_or_default(),
            },
            district_zone: config.zone.name().to_owned(),
            next_sync: match next {
                Some(next) => format!("{} — {}", local(next.at), next.reason),
                None => "none (manual mode: syncs run only when started by hand)".to_owned(),
            },
            history: [
                ("last manual sync", state.last_manual_sync),
                ("timing last saved", state.last_settings_save),
                ("last scheduled sync enqueued", state.last_scheduled_enqueue),
            ]
            .into_iter()
            .filter_map(|(what, at)| at.map(|at| (what.to_owned(), local(at))))
            .collect(),
        })
    }

    async fn save_connection(
        &self,
        revision: &Revision,
        changes: Vec<(String, String)>,
    ) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        // Only what differs from the file is written (a secret always is).
        let shown: Vec<Setting> = sis_settings(&config)
            .into_iter()
            .chain(lms_settings(&config))
            .collect();
        let changed: Vec<(&str, String)> = changes
            .iter()
            .filter(|(key, value)| {
                shown.iter().any(|s| {
                    s.key == *key
                        && s.editable
                        && match &s.value {
                            SettingValue::Plain(was) => was != value,
                            SettingValue::Secret { .. } => true,
                        }
                })
            })
            .map(|(key, value)| (key.as_str(), value.clone()))
            .collect();
        if changed.is_empty() {
            return Ok(unchanged());
        }
        let keys: Vec<&str> = changed.iter().map(|(key, _)| *key).collect();
        config::save_connection(&self.path, &revision.0, &changed, &*self.env).map_err(
            |error| {
                match failed(error) {
                    // The configuration's message names the key at fault.
                    ActionError::Refused(problems) => ActionError::Refused(
                        problems
                            .into_iter()
                            .map(|problem| {
                                match keys.iter().find(|key| problem.message.contains(**key)) {
                                    Some(key) => Problem::of(*key, problem.message),
                                    None => problem,
                                }
                            })
                            .collect(),
                    ),
                    other => other,
                }
            },
        )?;
        Ok(Saved {
            message: format!("Saved {}.", keys.join(", ")),
            warnings: Vec::new(),
        })
    }

    async fn check(&self) -> Vec<EndCheck> {
        let config = match self.load() {
            Ok((config, _)) => config,
            Err(error) => {
                return vec![EndCheck {
                    end: "configuration".to_owned(),
                    ok: false,
                    steps: vec![(false, error.to_string())],
                }];
            }
        };
        let (sis, lms) = tokio::join!(setup::check_sis(&config), setup::check_lms(&config));
        vec![end_check(sis), end_check(lms)]
    }

    async fn save_timing(&self, revision: &Revision, timing: Timing) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        let section = timing_section(&config, &timing);
        let mode = config::schedule_mode(&section, config.zone.name())
            .map_err(|message| ActionError::Refused(vec![timing_problem(message, &timing)]))?;
        config::save_managed_at(
            &config.path,
            Some(&revision.0),
            &section,
            config.mapping.spec(),
        )
        .map_err(failed)?;
        let now = wire::now();
        let wired = wire::offline_engine(&config, now).await.map_err(failed)?;
        wired
            .engine
            .record_settings_saved(now)
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        let next = wired
            .engine
            .next_run(&mode, now)
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        Ok(Saved {
            message: match next {
                Some(next) => format!(
                    "Sync timing saved. The next scheduled sync: {} — {}",
                    local_time(next.at, config.zone),
                    next.reason
                ),
                None => {
                    "Sync timing saved: manual, syncs run only when started by hand.".to_owned()
                }
            },
            warnings: Vec::new(),
        })
    }

    async fn acting_user(&self) -> Result<ActingUserView, ActionError> {
        let (store, current) = self.acting().await?;
        let recorded: Option<ActingUser> = wire::setting(store.as_ref(), ACTING_USER_SETTING)
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        Ok(ActingUserView {
            credentials: current.describe(),
            is_system_admin: current.is_system_admin,
            same: recorded.as_ref().is_some_and(|user| user.id == current.id),
            recorded: recorded.map(|user| format!("{} ({})", user.name, user.id)),
        })
    }

    async fn take_acting_user(&self) -> Result<Saved, ActionError> {
        let (store, current) = self.acting().await?;
        if !current.is_system_admin {
            return Err(ActionError::Refused(vec![Problem::whole(
                rostersync_engine::EngineError::not_admin(&current).to_string(),
            )]));
        }
        wire::save_setting(store.as_ref(), ACTING_USER_SETTING, &current)
            .await
            .map_err(|e| ActionError::Failed(e.to_string()))?;
        Ok(Saved {
            message: format!(
                "{} ({}) is now the acting user; every change in Schoology is made as this account",
                current.name, current.id
            ),
            warnings: Vec::new(),
        })
    }

    async fn schools(&self) -> Result<SchoolsView, ActionError> {
        let (config, revision) = self.load()?;
        mapping::schools(&config, revision).await
    }

    async fn save_schools(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        mapping::save_schools(&config, revision, pairs).await
    }

    async fn terms(&self) -> Result<TermsView, ActionError> {
        let (config, revision) = self.load()?;
        mapping::terms(&config, revision).await
    }

    async fn save_terms(
        &self,
        revision: &Revision,
        pairs: Vec<(String, Option<String>)>,
    ) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        mapping::save_terms(&config, revision, pairs).await
    }

    async fn add_grading_period(
        &self,
        revision: &Revision,
        term: &str,
    ) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        mapping::add_grading_period(&config, revision, term).await
    }

    async fn prep_report(&self) -> Result<PrepView, ActionError> {
        let (config, _) = self.load()?;
        runs::prep_report(&config).await
    }

    async fn prep_apply(&self) -> Result<Saved, ActionError> {
        let (config, _) = self.load()?;
        runs::prep_apply(&config).await
    }

    async fn selection(&self, scope: SyncScope) -> Result<SelectionView, ActionError> {
        let (config, revision) = self.load()?;
        mapping::selection(&config, revision, scope).await
    }

    async fn save_selection(
        &self,
        revision: &Revision,
        scope: SyncScope,
        change: SelectionChange,
    ) -> Result<Saved, ActionError> {
        let _writing = self.writing.lock().await;
        let config = self.load_at(revision)?;
        mapping::save_selection(&config, revision, scope, change).await
    }

    async fn dry_run(&self, scope: SyncScope) -> Result<PlanView, ActionError> {
        let (config, _) = self.load()?;
        runs::dry_run(&config, scope).await
    }

    async fn grades(&self, request: GradesRequest) -> Result<GradesView, ActionError> {
        let (config, _) = self.load()?;
        runs::grades(&config, request).await
    }

    async fn sync(&self, scope: SyncScope, progress: Arc<dyn Progress>) -> SyncEnd {
        match self.load() {
            Ok((config, _)) => runs::sync(&config, scope, progress).await,
            Err(error) => SyncEnd {
                run: None,
                status: format!("not started: {error}"),
                ok: false,
            },
        }
    }
}

#[cfg(test)]
mod tests;
