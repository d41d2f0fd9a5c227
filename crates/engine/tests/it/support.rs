//! A tiny generated district wired to the fakes.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveTime, TimeZone as _, Utc};
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_core::plan::{IdSource, plan, simulate_apply};
use rostersync_core::{Links, MappingConfig, PlanInput, SyncScope};
use rostersync_engine::fakes::{FakeLms, FakeSis, MemStore};
use rostersync_engine::{Engine, EngineOptions};
use rostersync_ports::SisRead;
use rostersync_sim::district::{District, DistrictSize, generate, lms_snapshot_empty};

/// A district, the fakes and an engine over them.
pub(crate) struct World {
    pub(crate) district: District,
    pub(crate) mapping: MappingConfig,
    pub(crate) sis: Arc<FakeSis>,
    pub(crate) lms: Arc<FakeLms>,
    pub(crate) store: Arc<MemStore>,
    pub(crate) engine: Engine,
}

/// Noon UTC on the district's "today" (morning in Chicago).
pub(crate) fn noon(district: &District) -> DateTime<Utc> {
    Utc.from_utc_datetime(&district.as_of.and_time(NaiveTime::MIN)) + chrono::Duration::hours(12)
}

/// Small batches, so that even a tiny district makes many of them, and
/// links saved every few batches.
pub(crate) fn options() -> EngineOptions {
    EngineOptions {
        batch_size: 10,
        concurrency: 3,
        link_flush_records: 25,
        ..EngineOptions::default()
    }
}

impl World {
    /// A tiny district with guardian links on, and an LMS holding only the directory.
    pub(crate) fn tiny() -> World {
        let mut district = generate(DistrictSize::Tiny, 7, 2026);
        district.mapping.options.guardian_links = true;
        let mapping = match MappingConfig::new(district.mapping.clone()) {
            Ok(mapping) => mapping,
            Err(errors) => panic!("the generated mapping is invalid: {errors}"),
        };
        let sis = Arc::new(FakeSis::new(SisRead {
            snapshot: district.sis.clone(),
            problems: Vec::new(),
        }));
        let lms = Arc::new(FakeLms::with_admin(lms_snapshot_empty(&district)));
        let store = Arc::new(MemStore::new());
        let engine = World::engine_over(&mapping, &sis, &lms, &store);
        World {
            district,
            mapping,
            sis,
            lms,
            store,
            engine,
        }
    }

    /// Another engine over the same fakes (another process on the same store).
    pub(crate) fn engine_over(
        mapping: &MappingConfig,
        sis: &Arc<FakeSis>,
        lms: &Arc<FakeLms>,
        store: &Arc<MemStore>,
    ) -> Engine {
        let fixed = noon_fixed();
        Engine::new(
            sis.clone(),
            lms.clone(),
            store.clone(),
            mapping.clone(),
            chrono_tz::America::Chicago,
            options(),
        )
        .with_clock(Arc::new(move || fixed))
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        noon(&self.district)
    }

    /// What the LMS should hold after one faithful sync of everything.
    pub(crate) fn expected(&self) -> (LmsSnapshot, Links) {
        let mut lms = lms_snapshot_empty(&self.district);
        let mut links = Links::default();
        let planned = plan(&PlanInput {
            sis: &self.district.sis,
            lms: &lms,
            links: &links,
            mapping: &self.mapping,
            scope: SyncScope::All,
            today: self.district.as_of,
        });
        simulate_apply(&planned, &mut lms, &mut links, &mut IdSource::default());
        (lms, links)
    }
}

fn noon_fixed() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_423) + chrono::Duration::hours(12)
}

/// The records of an LMS by their SIS keys: users, courses, sections,
/// enrollments (section key, person key, admin) and parent links (keys).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Keyed {
    pub(crate) users: Vec<String>,
    pub(crate) courses: Vec<String>,
    pub(crate) sections: Vec<String>,
    pub(crate) enrollments: Vec<(String, String, bool)>,
    pub(crate) parent_links: Vec<(String, String)>,
    pub(crate) grading_periods: Vec<String>,
}

/// `lms` by SIS keys, sorted, duplicates kept (so that a duplicate shows).
pub(crate) fn keyed(lms: &LmsSnapshot) -> Keyed {
    let user_key = |id: &rostersync_core::ids::UserId| {
        lms.users
            .iter()
            .find(|u| u.id == *id)
            .and_then(|u| u.unique_id.as_deref().map(str::to_owned))
            .unwrap_or_default()
    };
    let section_key = |id: &rostersync_core::ids::SectionId| {
        lms.sections
            .iter()
            .find(|s| s.id == *id)
            .and_then(|s| s.unique_code.clone())
            .unwrap_or_default()
    };
    let mut keyed = Keyed {
        users: lms
            .users
            .iter()
            .filter_map(|u| u.unique_id.as_deref().map(str::to_owned))
            .collect(),
        courses: lms.courses.iter().map(|c| c.code.clone()).collect(),
        sections: lms
            .sections
            .iter()
            .filter_map(|s| s.unique_code.clone())
            .collect(),
        enrollments: lms
            .enrollments
            .iter()
            .map(|e| (section_key(&e.section), user_key(&e.user), e.admin))
            .collect(),
        parent_links: lms
            .parent_links
            .iter()
            .map(|l| (user_key(&l.parent), user_key(&l.child)))
            .collect(),
        grading_periods: lms
            .grading_periods
            .iter()
            .map(|p| p.title.clone())
            .collect(),
    };
    keyed.users.sort();
    keyed.courses.sort();
    keyed.sections.sort();
    keyed.enrollments.sort();
    keyed.parent_links.sort();
    keyed.grading_periods.sort();
    keyed
}

/// Whether a sorted list holds a value twice.
pub(crate) fn has_duplicates<T: Ord>(sorted: &[T]) -> bool {
    let set: BTreeSet<&T> = sorted.iter().collect();
    set.len() != sorted.len()
}

/// A scheduled run of everything still marked running, started at
/// `started_at`: what a killed process leaves in the store.
pub(crate) fn killed_run(started_at: chrono::DateTime<chrono::Utc>) -> rostersync_ports::RunRecord {
    rostersync_ports::RunRecord {
        id: 0,
        trigger: rostersync_ports::Trigger::Scheduled,
        scope: rostersync_core::SyncScope::All,
        acting_user: "Ada Admin (1)".to_owned(),
        forced: false,
        started_at,
        finished_at: None,
        status: rostersync_ports::RunStatus::Running,
        summary: Default::default(),
        message: None,
    }
}

/// A teacher (id 77) whose role has `title`: not a System Administrator.
pub(crate) fn teacher(title: &str) -> rostersync_ports::ActingUser {
    rostersync_ports::ActingUser {
        id: rostersync_core::ids::UserId::new("77"),
        name: "Tom Teacher".to_owned(),
        is_system_admin: false,
        role_title: Some(title.to_owned()),
    }
}
