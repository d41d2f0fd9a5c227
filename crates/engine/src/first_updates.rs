//! Records linked by data prep whose first update is still to come: that
//! update brings an existing LMS record in line with the SIS once, so it does
//! not count toward the update threshold (a first sync after `prep apply`
//! would otherwise update up to every linked record and stop).
//!
//! Kept in the store's settings as JSON (entity → sorted SIS keys): written
//! by `prep apply`, read by the threshold check of the next runs, and
//! cleared for every record a completed run wrote or found unchanged.

use std::collections::{BTreeMap, BTreeSet};

use rostersync_core::entity::{Action, Entity};
use rostersync_core::plan::{Plan, PlanSummary};
use rostersync_core::scope::SyncScope;
use rostersync_ports::{ErrorKind, PortError, RecordOutcome, StateStore};

use crate::error::{EngineError, store};

/// The settings entry that holds them.
pub(crate) const SETTING: &str = "first_updates_pending";

/// The linked records whose first update has not run yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct FirstUpdates(BTreeMap<Entity, BTreeSet<String>>);

impl FirstUpdates {
    /// Reads them from the store; none when never written.
    pub(crate) async fn load(states: &dyn StateStore) -> Result<Self, EngineError> {
        let text = states
            .setting(SETTING)
            .await
            .map_err(store("read the records awaiting their first update"))?;
        let Some(text) = text else {
            return Ok(FirstUpdates::default());
        };
        // Unreadable, they are forgotten: first updates then count again,
        // which can only stop a run, never let one through.
        Ok(serde_json::from_str(&text).unwrap_or_else(|error| {
            tracing::warn!(%error, "the records awaiting their first update cannot be read; counting their updates");
            FirstUpdates::default()
        }))
    }

    /// Writes them to the store.
    pub(crate) async fn save(&self, states: &dyn StateStore) -> Result<(), EngineError> {
        let what = "keep the records awaiting their first update";
        let text = serde_json::to_string(self)
            .map_err(|error| store(what)(PortError::new(ErrorKind::Other, error.to_string())))?;
        states
            .save_setting(SETTING, &text)
            .await
            .map_err(store(what))
    }

    /// Adds records just linked.
    pub(crate) fn add(&mut self, entity: Entity, keys: impl IntoIterator<Item = String>) {
        self.0.entry(entity).or_default().extend(keys);
    }

    /// Whether none are waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.values().all(BTreeSet::is_empty)
    }

    fn contains(&self, entity: Entity, key: &str) -> bool {
        self.0.get(&entity).is_some_and(|keys| keys.contains(key))
    }

    /// `summary` without the updates that are first updates, for the
    /// threshold check; the run's own summary keeps them.
    pub(crate) fn exempt(&self, plan: &Plan, summary: &PlanSummary) -> PlanSummary {
        let mut counted = summary.clone();
        if self.is_empty() {
            return counted;
        }
        let first = |entity: Entity, ops: &mut dyn Iterator<Item = (&str, Action)>| {
            let count = ops
                .filter(|(key, action)| *action == Action::Update && self.contains(entity, key))
                .count();
            (entity, count)
        };
        let updates = [
            first(
                Entity::User,
                &mut plan
                    .users
                    .iter()
                    .map(|op| (op.key.as_str(), op.action.action())),
            ),
            first(
                Entity::Course,
                &mut plan
                    .courses
                    .iter()
                    .map(|op| (op.key.as_str(), op.action.action())),
            ),
            first(
                Entity::Section,
                &mut plan
                    .sections
                    .iter()
                    .map(|op| (op.key.as_str(), op.action.action())),
            ),
        ];
        for (entity, first) in updates {
            if let Some(counts) = counted.0.get_mut(&entity) {
                counts.update = counts.update.saturating_sub(first as u64);
            }
        }
        counted
    }

    /// After a run of `scope` that wrote its plan: the records of the
    /// entities it covers are settled, except those whose write failed.
    pub(crate) fn settle(&mut self, scope: SyncScope, failures: &[RecordOutcome]) {
        for (entity, keys) in &mut self.0 {
            if !covers(scope, *entity) {
                continue;
            }
            let failed: BTreeSet<&str> = failures
                .iter()
                .filter(|failure| failure.entity == *entity)
                .map(|failure| failure.key.as_str())
                .collect();
            keys.retain(|key| failed.contains(key.as_str()));
        }
        self.0.retain(|_, keys| !keys.is_empty());
    }
}

/// Whether a run of `scope` plans records of `entity`.
fn covers(scope: SyncScope, entity: Entity) -> bool {
    match entity {
        Entity::User => scope.users(),
        Entity::Course => scope.courses(),
        Entity::Section => scope.sections(),
        _ => false,
    }
}
