//! The write journal: every batch is written to the store before it is sent,
//! and cleared once its outcomes and links are saved. A run killed in between
//! leaves entries; the next run of overlapping scope resolves them.
//!
//! Resolving needs no replay: the plan is recomputed from a fresh LMS
//! snapshot, and records a lost batch created are found again by their SIS key
//! in the LMS unique field (users, courses, sections) or, for enrollments and
//! associations, by their pair of records. Grading periods have no unique
//! field for the key, so a journaled grading-period create is found again by
//! its title and linked here.

use rostersync_core::SyncScope;
use rostersync_core::model::links::{Link, LinkLedger, LinkOrigin};
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_ports::{LmsWrite, RunId};
use serde::{Deserialize, Serialize};

/// One journaled batch, as stored (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    /// The run that sent it.
    pub(crate) run: RunId,
    /// The run's scope; only a run holding an overlapping lock resolves it.
    pub(crate) scope: SyncScope,
    /// The batch.
    pub(crate) write: LmsWrite,
}

impl JournalEntry {
    /// The stored text.
    pub(crate) fn to_text(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Parses a stored entry.
    pub(crate) fn parse(text: &str) -> Option<JournalEntry> {
        serde_json::from_str(text).ok()
    }
}

/// Open entries a run of `scope` may resolve: those of overlapping scope
/// (their writer cannot still be running, since this run holds the lock).
/// Entries that cannot be read are returned as `None` and left in place.
pub(crate) fn resolvable(
    open: Vec<rostersync_ports::JournalEntry>,
    scope: SyncScope,
) -> (Vec<(i64, JournalEntry)>, Vec<i64>) {
    let mut entries = Vec::new();
    let mut unreadable = Vec::new();
    for rostersync_ports::JournalEntry {
        id, entry: text, ..
    } in open
    {
        match JournalEntry::parse(&text) {
            Some(entry) if entry.scope.overlaps(scope) => entries.push((id, entry)),
            Some(_) => {}
            None => unreadable.push(id),
        }
    }
    (entries, unreadable)
}

/// Links the grading periods that journaled creates may have made, found by
/// title in `lms`; returns how many links were added.
pub(crate) fn relink_periods(
    entries: &[(i64, JournalEntry)],
    lms: &LmsSnapshot,
    links: &mut LinkLedger,
) -> usize {
    let mut added = 0;
    for (_, entry) in entries {
        let LmsWrite::GradingPeriods(ops) = &entry.write else {
            continue;
        };
        for op in ops {
            if links.links().grading_periods.contains_key(&op.term) {
                continue;
            }
            let found = lms.grading_periods.iter().find(|period| {
                period.title == op.title && period.start == op.start && period.end == op.end
            });
            if let Some(period) = found {
                let taken = links
                    .links()
                    .grading_periods
                    .values()
                    .any(|link| link.id == period.id);
                if !taken {
                    links.link_period(
                        op.term.clone(),
                        Link::new(period.id.clone(), LinkOrigin::Created),
                    );
                    added += 1;
                }
            }
        }
    }
    added
}
