//! Unit tests of the store, on in-memory stores: one submodule per table
//! group, and shared fixtures here.

use chrono::{DateTime, Utc};
use rostersync_core::entity::Entity;
use rostersync_core::model::links::Links;
use rostersync_core::plan::{EntityCounts, PlanSummary};
use rostersync_core::scope::SyncScope;
use rostersync_ports::{RunRecord, Trigger};

use crate::SqliteStore;

mod coord;
mod export;
mod links;
mod read_only;
mod runs;
mod settings;
mod shadow;

/// A new in-memory store.
fn store() -> SqliteStore {
    SqliteStore::open_in_memory().expect("in-memory store")
}

/// A time from RFC 3339 text.
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A manual run of `scope` that has just started.
fn started_run(scope: SyncScope, started: &str) -> RunRecord {
    rostersync_ports::conformance::started_run(scope, Trigger::Manual, started)
}

/// A summary with some counts.
fn summary() -> PlanSummary {
    let mut summary = PlanSummary::default();
    summary.0.insert(
        Entity::User,
        EntityCounts {
            create: 3,
            update: 2,
            link: 1,
            remove: 0,
            unchanged: 40,
            skipped: 2,
            conflicts: 1,
            warnings: 1,
        },
    );
    summary.0.insert(
        Entity::Enrollment,
        EntityCounts {
            create: 120,
            remove: 7,
            ..EntityCounts::default()
        },
    );
    summary
}

/// Links of every kind and origin.
fn sample_links() -> Links {
    rostersync_ports::conformance::sample_links()
}
