//! The state one `plan()` call accumulates: the input, look-up tables, the
//! plan under construction, and the per-record state later phases read.

use foldhash::HashMap;

use crate::entity::Entity;
use crate::plan::PlanInput;
use crate::plan::index::{LinkIndex, LmsIndex};
use crate::plan::types::{Plan, Skip, SkipReason};

/// The plan under construction.
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    pub(crate) input: &'a PlanInput<'a>,
    pub(crate) lms: LmsIndex<'a>,
    pub(crate) linked: LinkIndex<'a>,
    pub(crate) plan: Plan,
}

/// The result of a scoped thread; a panic there is re-raised here, as if
/// the work had run on this thread.
pub(crate) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

impl<'a> Builder<'a> {
    pub(crate) fn new(input: &'a PlanInput<'a>) -> Self {
        // The two indexes are independent: build them on two cores.
        let (lms, linked) = std::thread::scope(|scope| {
            let lms = scope.spawn(|| LmsIndex::new(input.lms));
            let linked = LinkIndex::new(input.links);
            (join(lms), linked)
        });
        Builder {
            input,
            lms,
            linked,
            plan: Plan::default(),
        }
    }

    pub(crate) fn skip(&mut self, entity: Entity, key: impl Into<String>, reason: SkipReason) {
        self.plan.skips.push(Skip {
            entity,
            key: key.into(),
            reason,
        });
    }

    pub(crate) fn unchanged(&mut self, entity: Entity) {
        *self.plan.unchanged.entry(entity).or_insert(0) += 1;
    }
}

/// What later phases need to know about a person, course or section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Party {
    /// The LMS record exists, or this plan creates it.
    pub(crate) synced: bool,
    /// The SIS record is active (people: status active).
    pub(crate) active: bool,
    /// The record was skipped for a conflict: leave everything hanging off it alone.
    pub(crate) conflict: bool,
}

impl Party {
    pub(crate) fn synced(active: bool) -> Self {
        Party {
            synced: true,
            active,
            conflict: false,
        }
    }

    pub(crate) fn skipped(reason: &SkipReason) -> Self {
        Party {
            synced: false,
            active: false,
            conflict: reason.is_conflict(),
        }
    }

    pub(crate) fn absent() -> Self {
        Party {
            synced: false,
            active: false,
            conflict: false,
        }
    }

    /// Whether the record takes part in this run.
    pub(crate) fn ready(self) -> bool {
        self.synced && self.active
    }
}

/// Keeps the records whose key occurs once; every key that occurs more than
/// once becomes one `DuplicateKey` skip, whichever order the records came in.
pub(crate) fn dedupe<'a, T>(
    records: &'a [T],
    key: fn(&T) -> &str,
    b: &mut Builder<'_>,
    entity: Entity,
) -> Vec<&'a T> {
    let mut counts: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(records.len(), Default::default());
    for record in records {
        *counts.entry(key(record)).or_insert(0) += 1;
    }
    let mut duplicates: Vec<(&str, usize)> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, n)| (*k, *n))
        .collect();
    duplicates.sort_unstable();
    for (dup, count) in duplicates {
        b.skip(entity, dup, SkipReason::DuplicateKey { count });
    }
    records
        .iter()
        .filter(|record| counts.get(key(record)) == Some(&1))
        .collect()
}
