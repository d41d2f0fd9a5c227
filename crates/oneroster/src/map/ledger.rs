//! The ledger of one mapping: every problem, and how each record that is not
//! read ended (its kind of problem and reason), so that a record naming it
//! can say why it is missing and be settled once.

use std::collections::HashMap;

use rostersync_ports::{ProblemKind, RecordKind, SourceProblem};

use crate::model::{Meta, Unread};
use crate::problem::Fault;

/// How a record that is not in the snapshot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fate {
    /// Unreadable or left out.
    pub(crate) kind: ProblemKind,
    /// Its reason; `None` for a row the reader could not read at all.
    pub(crate) reason: Option<&'static str>,
}

impl Fate {
    /// `was not read (reason)`, for the messages of records naming it.
    pub(crate) fn said(self) -> String {
        match self.reason {
            Some(reason) => format!("was not read ({reason})"),
            None => "could not be read".to_owned(),
        }
    }
}

/// Why a record is not read: unreadable, or left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exclusion {
    /// Unreadable or left out.
    pub(crate) kind: ProblemKind,
    /// What, where and why.
    pub(crate) fault: Fault,
}

impl Exclusion {
    /// The record cannot be read.
    pub(crate) fn unreadable(fault: Fault) -> Exclusion {
        Exclusion {
            kind: ProblemKind::Unreadable,
            fault,
        }
    }

    /// The record is left out on purpose.
    pub(crate) fn left_out(fault: Fault) -> Exclusion {
        Exclusion {
            kind: ProblemKind::LeftOut,
            fault,
        }
    }
}

/// The problems of one mapping and the fates of the records left out of it.
#[derive(Debug)]
pub(crate) struct Ledger<'p> {
    problems: &'p mut Vec<SourceProblem>,
    fates: HashMap<RecordKind, HashMap<String, Fate>>,
}

impl<'p> Ledger<'p> {
    /// A ledger adding to `problems`, knowing the records the reader could not read.
    pub(crate) fn new(problems: &'p mut Vec<SourceProblem>, unread: &Unread) -> Ledger<'p> {
        let mut fates: HashMap<RecordKind, HashMap<String, Fate>> = HashMap::new();
        for (kind, ids) in unread {
            let fate = Fate {
                kind: ProblemKind::Unreadable,
                reason: None,
            };
            let of_kind = fates.entry(*kind).or_default();
            of_kind.extend(ids.iter().map(|id| (id.clone(), fate)));
        }
        Ledger { problems, fates }
    }

    fn push(&mut self, kind: ProblemKind, record: RecordKind, meta: &Meta, fault: Fault) {
        self.problems
            .push(fault.problem(kind, record, &meta.location, Some(&meta.sourced_id)));
    }

    /// The record of `meta` is not read, as `exclusion` says.
    pub(crate) fn exclude(&mut self, record: RecordKind, meta: &Meta, exclusion: Exclusion) {
        let Exclusion { kind, fault } = exclusion;
        let fate = Fate {
            kind,
            reason: Some(fault.reason),
        };
        self.fates
            .entry(record)
            .or_default()
            .insert(meta.sourced_id.clone(), fate);
        self.push(kind, record, meta, fault);
    }

    /// The record of `meta` could not be read.
    pub(crate) fn unreadable(&mut self, record: RecordKind, meta: &Meta, fault: Fault) {
        self.exclude(record, meta, Exclusion::unreadable(fault));
    }

    /// The record of `meta` is left out on purpose.
    pub(crate) fn left_out(&mut self, record: RecordKind, meta: &Meta, fault: Fault) {
        self.exclude(record, meta, Exclusion::left_out(fault));
    }

    /// The record of `meta` is read, with something repaired or ignored.
    pub(crate) fn warn(&mut self, record: RecordKind, meta: &Meta, fault: Fault) {
        self.push(ProblemKind::Warning, record, meta, fault);
    }

    /// How the record of kind `record` and key `id` ended, when it is not read.
    pub(crate) fn fate(&self, record: RecordKind, id: &str) -> Option<Fate> {
        self.fates.get(&record)?.get(id).copied()
    }
}
