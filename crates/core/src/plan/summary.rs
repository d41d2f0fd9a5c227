//! Counts per entity and action of a plan, for reports, logs and thresholds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::entity::{Action, Entity};
use crate::plan::Plan;

/// The counts of one entity in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EntityCounts {
    /// Records to create (enrollments: adds).
    pub create: u64,
    /// Records to update (enrollments: role changes).
    pub update: u64,
    /// Records to link (adopt).
    pub link: u64,
    /// Records to remove (enrollments and associations only).
    pub remove: u64,
    /// SIS records that already match.
    pub unchanged: u64,
    /// Records skipped, conflicts included.
    pub skipped: u64,
    /// Of the skipped, those that are conflicts.
    pub conflicts: u64,
    /// Warnings: notes of the plan and, in a run's record, records the LMS
    /// took with something left out.
    #[serde(default)]
    pub warnings: u64,
}

impl EntityCounts {
    /// The count of one action.
    pub fn get(&self, action: Action) -> u64 {
        match action {
            Action::Create => self.create,
            Action::Update => self.update,
            Action::Link => self.link,
            Action::Remove => self.remove,
        }
    }

    fn bump(&mut self, action: Action) {
        match action {
            Action::Create => self.create += 1,
            Action::Update => self.update += 1,
            Action::Link => self.link += 1,
            Action::Remove => self.remove += 1,
        }
    }

    /// Whether nothing is to be written.
    pub fn writes_nothing(&self) -> bool {
        self.create + self.update + self.link + self.remove == 0
    }
}

/// Counts per entity of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlanSummary(pub BTreeMap<Entity, EntityCounts>);

impl PlanSummary {
    /// Counts a plan.
    pub fn of(plan: &Plan) -> PlanSummary {
        let mut counts: BTreeMap<Entity, EntityCounts> = BTreeMap::new();
        let mut bump =
            |entity: Entity, action: Action| counts.entry(entity).or_default().bump(action);
        for _ in &plan.grading_periods {
            bump(Entity::GradingPeriod, Action::Create);
        }
        for op in &plan.users {
            bump(Entity::User, op.action.action());
        }
        for op in &plan.courses {
            bump(Entity::Course, op.action.action());
        }
        for op in &plan.sections {
            bump(Entity::Section, op.action.action());
        }
        for op in &plan.enrollments {
            bump(Entity::Enrollment, op.action.action());
        }
        for op in &plan.guardian_links {
            bump(Entity::GuardianLink, op.action.action());
        }
        for skip in &plan.skips {
            let entry = counts.entry(skip.entity).or_default();
            entry.skipped += 1;
            if skip.reason.is_conflict() {
                entry.conflicts += 1;
            }
        }
        for note in &plan.notes {
            counts.entry(note.entity).or_default().warnings += 1;
        }
        for (&entity, &unchanged) in &plan.unchanged {
            counts.entry(entity).or_default().unchanged += unchanged;
        }
        PlanSummary(counts)
    }

    /// The count of one entity and action.
    pub fn count(&self, entity: Entity, action: Action) -> u64 {
        self.0.get(&entity).map_or(0, |counts| counts.get(action))
    }

    /// The counts of one entity.
    pub fn entity(&self, entity: Entity) -> EntityCounts {
        self.0.get(&entity).copied().unwrap_or_default()
    }

    /// Whether the plan writes nothing at all.
    pub fn writes_nothing(&self) -> bool {
        self.0.values().all(EntityCounts::writes_nothing)
    }
}
