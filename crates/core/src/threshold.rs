//! Safety thresholds: a plan that would touch more than a set number or share
//! of the records is stopped before anything is written.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::entity::{Action, Entity};
use crate::plan::PlanSummary;

/// The limit for one entity and action. Either bound may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limit {
    /// At most this many records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u64>,
    /// At most this share of the existing managed records, in percent (0–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_percent: Option<f64>,
    /// The share applies only from this many records on (default
    /// [`MIN_COUNT`]): a small district's few changes are never a large
    /// share worth stopping for. `max_count` is absolute and always applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u64>,
}

/// Below this many records a share limit never trips, unless a limit sets
/// its own `min_count`.
pub const MIN_COUNT: u64 = 10;

/// Limits per entity and action, e.g. `enrollment.remove = { max_percent = 20 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Thresholds(pub BTreeMap<Entity, BTreeMap<Action, Limit>>);

impl Default for Thresholds {
    /// Removing more than 20 % of managed enrollments or guardian links, or
    /// updating more than 50 % of managed users, courses or sections, stops a run.
    fn default() -> Self {
        let percent = |p: f64| Limit {
            max_percent: Some(p),
            ..Limit::default()
        };
        let mut limits: BTreeMap<Entity, BTreeMap<Action, Limit>> = BTreeMap::new();
        for entity in [Entity::Enrollment, Entity::GuardianLink] {
            limits
                .entry(entity)
                .or_default()
                .insert(Action::Remove, percent(20.0));
        }
        for entity in [Entity::User, Entity::Course, Entity::Section] {
            limits
                .entry(entity)
                .or_default()
                .insert(Action::Update, percent(50.0));
        }
        Thresholds(limits)
    }
}

impl Thresholds {
    /// No limits at all.
    pub fn none() -> Self {
        Thresholds(BTreeMap::new())
    }

    /// Sets one limit.
    pub fn with(mut self, entity: Entity, action: Action, limit: Limit) -> Self {
        self.0.entry(entity).or_default().insert(action, limit);
        self
    }

    /// Structural problems as (path, message) pairs, for mapping validation.
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (entity, actions) in &self.0 {
            for (action, limit) in actions {
                if let Some(percent) = limit.max_percent {
                    if !(0.0..=100.0).contains(&percent) || percent.is_nan() {
                        problems.push((
                            format!("{entity}.{action}.max_percent"),
                            format!("{percent} is not a share between 0 and 100"),
                        ));
                    }
                }
            }
        }
        problems
    }

    /// The limits a plan exceeds, given how many managed records of each
    /// entity exist now (the base of percentages). An empty list means go.
    pub fn check(&self, summary: &PlanSummary, existing: &BTreeMap<Entity, u64>) -> Vec<Breach> {
        let mut breaches = Vec::new();
        for (&entity, actions) in &self.0 {
            let base = existing.get(&entity).copied().unwrap_or(0);
            for (&action, limit) in actions {
                let count = summary.count(entity, action);
                if count == 0 {
                    continue;
                }
                let over_count = limit.max_count.is_some_and(|max| count > max);
                let share = (base > 0).then(|| count as f64 * 100.0 / base as f64);
                let counts = count >= limit.min_count.unwrap_or(MIN_COUNT);
                let over_share = match (share, limit.max_percent) {
                    (Some(share), Some(max)) => counts && share > max,
                    _ => false,
                };
                if over_count || over_share {
                    breaches.push(Breach {
                        entity,
                        action,
                        count,
                        base,
                        share,
                        limit: *limit,
                    });
                }
            }
        }
        breaches
    }
}

/// A limit a plan exceeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breach {
    /// The entity.
    pub entity: Entity,
    /// The action.
    pub action: Action,
    /// How many records the plan would touch.
    pub count: u64,
    /// How many managed records exist now.
    pub base: u64,
    /// `count` as a percentage of `base`, when `base` is not zero.
    pub share: Option<f64>,
    /// The limit exceeded.
    pub limit: Limit,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "would {} {} {}(s)", self.action, self.count, self.entity)?;
        if let Some(share) = self.share {
            write!(f, " of {} managed ({share:.1} %)", self.base)?;
        }
        let mut limits = Vec::new();
        if let Some(max) = self.limit.max_count {
            limits.push(format!("{max} records"));
        }
        if let Some(max) = self.limit.max_percent {
            limits.push(format!("{max} %"));
        }
        write!(f, ", above the limit of {}", limits.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EntityCounts;

    fn updating(users: u64) -> PlanSummary {
        PlanSummary(BTreeMap::from([(
            Entity::User,
            EntityCounts {
                update: users,
                ..EntityCounts::default()
            },
        )]))
    }

    #[test]
    fn a_share_limit_trips_only_from_its_floor_on_and_a_count_limit_always() {
        let existing = BTreeMap::from([(Entity::User, 12)]);
        let defaults = Thresholds::default();
        // 9 of 12 is 75 %, above 50 %, but below the floor of 10 records.
        assert!(defaults.check(&updating(9), &existing).is_empty());
        let breaches = defaults.check(&updating(10), &existing);
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        assert_eq!(
            breaches[0].to_string(),
            "would update 10 user(s) of 12 managed (83.3 %), above the limit of 50 %"
        );
        let counted = Thresholds::none().with(
            Entity::User,
            Action::Update,
            Limit {
                max_count: Some(3),
                ..Limit::default()
            },
        );
        assert_eq!(counted.check(&updating(4), &existing).len(), 1);
        let floorless = Thresholds::none().with(
            Entity::User,
            Action::Update,
            Limit {
                max_percent: Some(50.0),
                min_count: Some(0),
                ..Limit::default()
            },
        );
        assert_eq!(floorless.check(&updating(7), &existing).len(), 1);
    }
}
