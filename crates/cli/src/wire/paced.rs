//! The Schoology adapter for commands that call it outside the engine
//! (reading the directory for a mapping, checking the acting user): like
//! the engine's runs, they count the district's last LMS calls kept in the
//! store before their first call and leave their own after, so that a
//! command run right after a sync, or in a script, keeps to the district's
//! rate limit with it.

use std::ops::Deref;
use std::sync::Arc;

use rostersync_engine::{keep_lms_calls, recall_lms_calls};
use rostersync_ports::StateStore;
use rostersync_schoology::SchoologyLms;

use crate::config::{Config, StoreSettings};

/// A Schoology adapter that has counted the district's last calls; call
/// [`PacedLms::done`] after its last call to keep its own.
pub(crate) struct PacedLms {
    lms: SchoologyLms,
    store: Option<Arc<dyn StateStore>>,
}

impl PacedLms {
    /// The adapter of `config`, having counted the calls kept in the
    /// district's store (when it has one yet: a read never makes the store).
    ///
    /// # Errors
    ///
    /// The adapter's configuration errors, as [`super::schoology`]'s.
    pub(crate) async fn open(config: &Config) -> anyhow::Result<PacedLms> {
        let lms = super::schoology(config)?;
        Ok(PacedLms::recalled(lms, existing_store(config).await).await)
    }

    /// [`PacedLms::open`] for a command that has the district's store open
    /// already.
    ///
    /// # Errors
    ///
    /// As [`PacedLms::open`].
    pub(crate) async fn with_store(
        config: &Config,
        store: Arc<dyn StateStore>,
    ) -> anyhow::Result<PacedLms> {
        Ok(PacedLms::recalled(super::schoology(config)?, Some(store)).await)
    }

    /// `lms` having counted the calls kept in `store`.
    async fn recalled(lms: SchoologyLms, store: Option<Arc<dyn StateStore>>) -> PacedLms {
        if let Some(store) = &store {
            recall_lms_calls(store.as_ref(), &lms).await;
        }
        PacedLms { lms, store }
    }

    /// Keeps this adapter's calls in the store for the district's next
    /// user of the LMS.
    pub(crate) async fn done(&self) {
        if let Some(store) = &self.store {
            keep_lms_calls(store.as_ref(), &self.lms).await;
        }
    }
}

impl Deref for PacedLms {
    type Target = SchoologyLms;

    fn deref(&self) -> &SchoologyLms {
        &self.lms
    }
}

/// The district's store when it exists already: a SQLite file is opened only
/// if it is there; a PostgreSQL store is opened (its schema made when new).
/// `None` when it cannot be opened: the calls then go uncounted, which the
/// adapter's own pace and the LMS's answers still bound.
async fn existing_store(config: &Config) -> Option<Arc<dyn StateStore>> {
    if let StoreSettings::Sqlite(path) = &config.store {
        if !path.is_file() {
            return None;
        }
    }
    super::store(config)
        .await
        .map_err(|error| {
            tracing::warn!(error = %format!("{error:#}"), "the LMS calls of the last run are not counted");
        })
        .ok()
}
