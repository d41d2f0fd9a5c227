//! Shared helpers of rostersync's end-to-end tests: a generated district
//! together with the LMS and links it is synced into.

#![forbid(unsafe_code)]

use chrono::NaiveDate;
use rostersync_core::plan::{IdSource, plan, simulate_apply};
use rostersync_core::{Links, LmsSnapshot, MappingConfig, Plan, PlanInput, SyncScope};
use rostersync_sim::district::{District, DistrictSize, generate, lms_snapshot_empty};

/// A generated district and the in-memory LMS it syncs into.
#[derive(Debug)]
pub struct SyncedDistrict {
    /// The SIS side and the mapping.
    pub district: District,
    /// The LMS side.
    pub lms: LmsSnapshot,
    /// What rostersync owns.
    pub links: Links,
    /// The validated mapping.
    pub mapping: MappingConfig,
    ids: IdSource,
}

impl SyncedDistrict {
    /// A freshly generated district and an LMS holding only its directory.
    ///
    /// # Panics
    ///
    /// When the generator's mapping does not validate, which is a bug of the generator.
    pub fn new(size: DistrictSize, seed: u64) -> Self {
        let district = generate(size, seed, 2026);
        let lms = lms_snapshot_empty(&district);
        let mapping = match MappingConfig::new(district.mapping.clone()) {
            Ok(mapping) => mapping,
            Err(errors) => panic!("the generated mapping is invalid: {errors}"),
        };
        SyncedDistrict {
            district,
            lms,
            links: Links::default(),
            mapping,
            ids: IdSource::default(),
        }
    }

    /// Plans everything as of `today`.
    pub fn plan(&self, today: NaiveDate) -> Plan {
        plan(&PlanInput {
            sis: &self.district.sis,
            lms: &self.lms,
            links: &self.links,
            mapping: &self.mapping,
            scope: SyncScope::All,
            today,
        })
    }

    /// Plans everything and applies the plan; returns the plan.
    pub fn sync(&mut self, today: NaiveDate) -> Plan {
        let planned = self.plan(today);
        simulate_apply(&planned, &mut self.lms, &mut self.links, &mut self.ids);
        planned
    }
}
