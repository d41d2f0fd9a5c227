//! Sending write batches: journal, send with several batches in flight, then
//! settle each batch's per-record outcomes into links and stored outcomes.

use futures::StreamExt as _;
use rostersync_core::SyncScope;
use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{
    CourseId, CourseKey, PersonKey, SectionId, SectionKey, TermKey, UserId,
};
use rostersync_core::model::links::{LandedWrite, Link, LinkLedger, LinkOrigin};
use rostersync_ports::{
    ErrorKind, LmsOutcome, LmsTarget, LmsWrite, OutcomeStatus, PortError, PortResult,
    RecordOutcome, RunId, StateStore, WriteResult, WriteWarning,
};

use crate::error::{EngineError, store};
use crate::journal::JournalEntry;
use crate::progress::Progress;

/// What a successful write means for the links.
#[derive(Debug, Clone)]
pub(crate) enum LinkUpdate {
    /// Nothing (an update of a linked record).
    Nothing,
    /// A grading period created from a term; the id comes from the outcome.
    Period {
        /// The term.
        term: TermKey,
        /// The title, to find the period when the LMS returns no id.
        title: String,
    },
    /// A user linked to `id` (or to the id the outcome returns).
    User(PersonKey, Option<UserId>, LinkOrigin),
    /// A course linked to `id` (or to the id the outcome returns).
    Course(CourseKey, Option<CourseId>, LinkOrigin),
    /// A section linked to `id` (or to the id the outcome returns).
    Section(SectionKey, Option<SectionId>, LinkOrigin),
    /// An enrollment by SIS section and person.
    Enrollment((SectionKey, PersonKey), Ownership),
    /// A guardian-student association by guardian and student.
    Guardian((PersonKey, PersonKey), Ownership),
}

/// How a pair link changes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ownership {
    /// Owned from now on, with this origin.
    Own(LinkOrigin),
    /// Owned from now on, keeping an earlier origin.
    Keep,
    /// No longer owned (removed from the LMS).
    Release,
}

/// One record of a batch, in batch order.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) entity: Entity,
    pub(crate) key: String,
    pub(crate) action: Action,
    pub(crate) link: LinkUpdate,
    /// The person whose account the record gives a new e-mail: an address
    /// the LMS withholds is remembered for them, and one it takes forgets
    /// the address it withheld before.
    pub(crate) sets_email_of: Option<PersonKey>,
}

impl Item {
    pub(crate) fn new(
        entity: Entity,
        key: impl Into<String>,
        action: Action,
        link: LinkUpdate,
    ) -> Self {
        Item {
            entity,
            key: key.into(),
            action,
            link,
            sets_email_of: None,
        }
    }

    /// The same record, giving the person's account a new e-mail.
    pub(crate) fn setting_email_of(mut self, person: PersonKey) -> Self {
        self.sets_email_of = Some(person);
        self
    }
}

/// The lock a run holds, renewed before each phase so that a long run keeps it.
pub(crate) struct Renewal {
    pub(crate) holder: String,
    pub(crate) lease: chrono::Duration,
    pub(crate) clock: crate::engine::Clock,
}

/// The state of one run's (or one data-prep apply's) writes.
pub(crate) struct Applier<'a> {
    pub(crate) progress: &'a dyn Progress,
    pub(crate) renewal: Renewal,
    pub(crate) lms: &'a dyn LmsTarget,
    pub(crate) store: &'a dyn StateStore,
    pub(crate) run: RunId,
    pub(crate) scope: SyncScope,
    pub(crate) batch_size: usize,
    pub(crate) concurrency: usize,
    pub(crate) links: LinkLedger,
    pub(crate) done: u64,
    pub(crate) failures: Vec<RecordOutcome>,
    /// Records skipped because a record they depend on failed.
    pub(crate) skipped: Vec<RecordOutcome>,
    /// Records applied with a warning (also counted in `done`).
    pub(crate) warnings: Vec<RecordOutcome>,
    pub(crate) notes: Vec<String>,
    /// Grading periods created without an id in the outcome: (term, title).
    pub(crate) unnamed_periods: Vec<(TermKey, String)>,
    /// Save the links after this many settled records (and at phase ends).
    pub(crate) flush_records: usize,
    /// Records settled since the links were last saved.
    pub(crate) unsaved: usize,
    /// Journal entries to clear once the links are saved.
    pub(crate) settled: Vec<i64>,
    /// Records whose writes the LMS refused as gone or changed (404, 409).
    pub(crate) mismatched: Vec<(Entity, String)>,
    /// What landed, to carry the shadow of the LMS forward.
    pub(crate) landings: rostersync_core::plan::LandedWrites,
    /// Whether what lands is saved with the links, for the shadow of a
    /// run that stops while writing (a sync's writes; not data prep's).
    pub(crate) track_landed: bool,
}

impl Applier<'_> {
    /// Splits `ops` into batches of at most `batch_size`.
    pub(crate) fn batches<Op>(
        &self,
        ops: Vec<(Op, Item)>,
        wrap: fn(Vec<Op>) -> LmsWrite,
    ) -> Vec<(LmsWrite, Vec<Item>)> {
        let mut batches = Vec::new();
        let mut ops = ops.into_iter().peekable();
        while ops.peek().is_some() {
            let (chunk, items): (Vec<Op>, Vec<Item>) = ops.by_ref().take(self.batch_size).unzip();
            batches.push((wrap(chunk), items));
        }
        batches
    }

    /// Sends batches, up to `concurrency` at once, journaling each before it
    /// is sent, and settles them in order.
    pub(crate) async fn send(
        &mut self,
        batches: Vec<(LmsWrite, Vec<Item>)>,
    ) -> Result<(), EngineError> {
        if batches.is_empty() {
            return Ok(());
        }
        self.renew().await?;
        let (lms, journal, run, scope) = (self.lms, self.store, self.run, self.scope);
        let mut results =
            futures::stream::iter(batches.into_iter().map(|(write, items)| async move {
                let entry = JournalEntry { run, scope, write };
                let text = entry.to_text().map_err(|e| EngineError::Store {
                    what: "journal a batch",
                    source: PortError::new(ErrorKind::Other, format!("cannot encode: {e}")),
                })?;
                let id = journal
                    .journal(run, &text)
                    .await
                    .map_err(store("journal a batch"))?;
                let result = lms.apply(&entry.write).await;
                Ok::<_, EngineError>((id, items, result))
            }))
            .buffered(self.concurrency.max(1));
        while let Some(next) = results.next().await {
            let (entry, items, result) = next?;
            self.settle(entry, items, result).await?;
        }
        drop(results);
        self.flush().await
    }

    /// Extends the lease of the run's lock from the current time.
    async fn renew(&self) -> Result<(), EngineError> {
        let Renewal {
            holder,
            lease,
            clock,
        } = &self.renewal;
        let renewed = self
            .store
            .try_lock(self.scope, holder, clock(), *lease)
            .await
            .map_err(store("renew the sync lock"))?;
        if renewed.is_taken() {
            Ok(())
        } else {
            Err(EngineError::LockLost { scope: self.scope })
        }
    }

    /// Records what a batch did: its outcomes now, its links and the
    /// clearing of its journal entry at the next flush (the entry stays open
    /// when some of it may have landed without an outcome saying so).
    async fn settle(
        &mut self,
        entry: i64,
        items: Vec<Item>,
        result: PortResult<Vec<LmsOutcome>>,
    ) -> Result<(), EngineError> {
        let mut outcomes = Vec::with_capacity(items.len());
        let mut clear = true;
        match result {
            Ok(results) => {
                let mut results = results.into_iter();
                for item in items {
                    match results
                        .next()
                        .map(|outcome| (outcome.result, outcome.warning))
                    {
                        Some((WriteResult::Done { id }, warning)) => {
                            outcomes.push(self.done(item, id, warning));
                        }
                        Some((
                            WriteResult::Failed {
                                status,
                                message,
                                may_have_been_applied,
                            },
                            _,
                        )) => {
                            clear &= !may_have_been_applied;
                            // Gone or changed: the LMS is not what the plan's
                            // snapshot said.
                            if matches!(status, Some(404 | 409)) {
                                self.mismatched.push((item.entity, item.key.clone()));
                            }
                            let reason = match status {
                                Some(status) => format!("{message} (LMS status {status})"),
                                None => message,
                            };
                            outcomes.push(self.failed(item, reason));
                        }
                        None => outcomes.push(
                            self.failed(item, "the LMS returned no outcome for this record".into()),
                        ),
                    }
                }
            }
            Err(error) => {
                clear = !error.may_have_been_applied();
                if !clear {
                    self.notes.push(format!(
                        "a {} batch failed and may have been applied in part; the next run finds its records again",
                        items.first().map_or("write", |item| item.entity.as_str())
                    ));
                }
                for item in items {
                    outcomes.push(self.failed(item, format!("the whole batch failed: {error}")));
                }
            }
        }
        self.store
            .record_outcomes(&outcomes)
            .await
            .map_err(store("record outcomes"))?;
        self.progress.settled(outcomes.len() as u64);
        if clear {
            self.settled.push(entry);
        }
        self.unsaved += outcomes.len();
        if self.unsaved >= self.flush_records {
            self.flush().await?;
        }
        Ok(())
    }

    /// Saves the link changes of every settled batch, then clears their
    /// journal entries; it happens once per `flush_records` settled records
    /// and at the end of each phase. A run killed in between loses nothing,
    /// since the entries stay open and the records are found again by their keys.
    pub(crate) async fn flush(&mut self) -> Result<(), EngineError> {
        if self.unsaved == 0 && self.settled.is_empty() {
            return Ok(());
        }
        self.store
            .apply_link_changes(&self.links.take_changes())
            .await
            .map_err(store("save links"))?;
        for entry in std::mem::take(&mut self.settled) {
            self.store
                .clear_journal(entry)
                .await
                .map_err(store("clear a journal entry"))?;
        }
        self.unsaved = 0;
        Ok(())
    }

    /// Settles records decided without a write: `done` ones, and `failed`
    /// ones with their reasons.
    pub(crate) async fn settle_local(
        &mut self,
        done: Vec<Item>,
        failed: Vec<(Item, String)>,
    ) -> Result<(), EngineError> {
        self.settle_unsent(done, failed, OutcomeStatus::Failed)
            .await
    }

    /// Settles records decided without a write: `done` ones, and `waiting`
    /// ones that depend on a record this run could not create (a section
    /// whose course, an enrollment whose person failed): skipped with the
    /// reason, not failed themselves; the next run retries them.
    pub(crate) async fn settle_dependants(
        &mut self,
        done: Vec<Item>,
        waiting: Vec<(Item, String)>,
    ) -> Result<(), EngineError> {
        self.settle_unsent(done, waiting, OutcomeStatus::Skipped)
            .await
    }

    async fn settle_unsent(
        &mut self,
        done: Vec<Item>,
        unsent: Vec<(Item, String)>,
        status: OutcomeStatus,
    ) -> Result<(), EngineError> {
        if done.is_empty() && unsent.is_empty() {
            return Ok(());
        }
        let mut outcomes = Vec::with_capacity(done.len() + unsent.len());
        for item in done {
            outcomes.push(self.done(item, None, None));
        }
        for (item, reason) in unsent {
            outcomes.push(if status == OutcomeStatus::Failed {
                self.failed(item, reason)
            } else {
                let outcome = self.outcome(&item, status, Some(reason));
                self.skipped.push(outcome.clone());
                outcome
            });
        }
        self.store
            .apply_link_changes(&self.links.take_changes())
            .await
            .map_err(store("save links"))?;
        self.store
            .record_outcomes(&outcomes)
            .await
            .map_err(store("record outcomes"))?;
        self.progress.settled(outcomes.len() as u64);
        Ok(())
    }

    fn outcome(&self, item: &Item, status: OutcomeStatus, reason: Option<String>) -> RecordOutcome {
        RecordOutcome {
            run: self.run,
            entity: item.entity,
            key: item.key.clone(),
            action: Some(item.action),
            status,
            reason,
        }
    }

    fn failed(&mut self, item: Item, reason: String) -> RecordOutcome {
        let outcome = self.outcome(&item, OutcomeStatus::Failed, Some(reason));
        self.failures.push(outcome.clone());
        outcome
    }

    /// Records a success and updates the links; `id` is what the LMS
    /// returned, `warning` what it left out.
    fn done(
        &mut self,
        item: Item,
        id: Option<String>,
        warning: Option<WriteWarning>,
    ) -> RecordOutcome {
        self.done += 1;
        self.landings.record(item.entity, &item.key, id.clone());
        if self.track_landed {
            self.links.record_landed(LandedWrite {
                entity: item.entity,
                key: item.key.clone(),
                id: id.clone(),
            });
        }
        if let Some(person) = item.sets_email_of.clone() {
            match warning.as_ref().and_then(|w| w.withheld_email.as_deref()) {
                Some(email) => self.links.withhold_email(person, email.into()),
                None => self.links.forget_withheld_email(person),
            }
        }
        let mut reason = None;
        let no_id = |key: &str| {
            format!("the LMS returned no id for {key}; the next run links it by its SIS key")
        };
        let links = &mut self.links;
        match item.link.clone() {
            LinkUpdate::Nothing => {}
            LinkUpdate::Period { term, title } => match id {
                Some(id) => links.link_period(term, Link::new(id.into(), LinkOrigin::Created)),
                None => self.unnamed_periods.push((term, title)),
            },
            LinkUpdate::User(key, fixed, origin) => match fixed.or_else(|| id.map(UserId::new)) {
                Some(id) => links.link_user(key, Link::new(id, origin)),
                None => reason = Some(no_id(key.as_str())),
            },
            LinkUpdate::Course(key, fixed, origin) => match fixed.or_else(|| id.map(CourseId::new))
            {
                Some(id) => links.link_course(key, Link::new(id, origin)),
                None => reason = Some(no_id(key.as_str())),
            },
            LinkUpdate::Section(key, fixed, origin) => {
                match fixed.or_else(|| id.map(SectionId::new)) {
                    Some(id) => links.link_section(key, Link::new(id, origin)),
                    None => reason = Some(no_id(key.as_str())),
                }
            }
            LinkUpdate::Enrollment(pair, ownership) => match ownership {
                Ownership::Own(origin) => links.own_enrollment(pair, origin),
                Ownership::Keep => links.keep_enrollment(pair),
                Ownership::Release => links.release_enrollment(pair),
            },
            LinkUpdate::Guardian(pair, ownership) => match ownership {
                Ownership::Own(origin) => links.own_guardian_link(pair, origin),
                Ownership::Keep => links.keep_guardian_link(pair),
                Ownership::Release => links.release_guardian_link(pair),
            },
        }
        match warning {
            Some(warning) => {
                let reason = match reason {
                    Some(no_id) => format!("{}; {no_id}", warning.message),
                    None => warning.message,
                };
                let outcome = self.outcome(&item, OutcomeStatus::Warning, Some(reason));
                self.warnings.push(outcome.clone());
                outcome
            }
            None => self.outcome(&item, OutcomeStatus::Done, reason),
        }
    }
}
