//! Data prep (match report, applying accepted matches) and creating the
//! grading period of one term.
//!
//! Accepting a match writes the SIS key into the LMS record's unique field
//! through the ordinary write batches: a user or course `Link` operation with
//! the record's current fields and no changes (the adapter writes the key to
//! `school_uid` or `course_code` with the fields it already has), and a
//! section update ([`SectionWrite`] with the section's id, course and current
//! fields; its key goes to `section_school_code`). A match by unique id needs
//! no write. The link is stored once the write succeeds.

use chrono::{DateTime, Utc};
use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{GradingPeriodId, TermKey};
use rostersync_core::model::links::{Link, LinkLedger, LinkOrigin};
use rostersync_core::model::sis::{School, Term};
use rostersync_core::plan::{CourseOp, GradingPeriodOp, PlanSummary, RecordAction, UserOp};
use rostersync_core::prep::{MatchReport, accepted_links, match_records};
use rostersync_core::{LmsSnapshot, SyncScope};
use rostersync_ports::{
    ErrorKind, LmsRequest, LmsWrite, PortError, RecordOutcome, RunId, RunRecord, RunStatus,
    SectionWrite, SourceProblem, SourceSummary, Trigger, WriteResult,
};

use crate::apply::{Item, LinkUpdate};
use crate::engine::Engine;
use crate::error::{EngineError, lms, sis, store};
use crate::first_updates::FirstUpdates;
use crate::progress::Stage;

/// A data-prep report and what the SIS read behind it found.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepRead {
    /// The matches.
    pub report: MatchReport,
    /// The SIS read in counts.
    pub source: SourceSummary,
    /// Records the SIS could not read or left out, and warnings.
    pub source_problems: Vec<SourceProblem>,
}

/// What applying a data-prep report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepOutcome {
    /// The run the apply is recorded as (scope all, manual).
    pub run: RunId,
    /// Links stored.
    pub linked: u64,
    /// Matches that could not be applied, with reasons.
    pub failures: Vec<RecordOutcome>,
}

fn item(entity: Entity, key: &str, link: LinkUpdate) -> Item {
    Item::new(entity, key, Action::Link, link)
}

impl Engine {
    /// The data-prep match report: every unlinked SIS user, course and
    /// section in scope and the LMS record it could be linked to.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`] before any read, or a port error.
    pub async fn prep_report(&self, now: DateTime<Utc>) -> Result<MatchReport, EngineError> {
        Ok(self.prep_read(now).await?.report)
    }

    /// [`Engine::prep_report`], with what the SIS read found (its counts and
    /// every source problem), for a report that lists both.
    ///
    /// # Errors
    ///
    /// As [`Engine::prep_report`].
    pub async fn prep_read(&self, now: DateTime<Utc>) -> Result<PrepRead, EngineError> {
        self.paced(self.prep_read_checked(now)).await
    }

    async fn prep_read_checked(&self, now: DateTime<Utc>) -> Result<PrepRead, EngineError> {
        self.require_admin().await?;
        let (sis_read, lms_snapshot) = self.snapshots(SyncScope::All, now).await?;
        let links = self.store.links().await.map_err(store("read links"))?;
        let report = match_records(&sis_read.snapshot, &lms_snapshot, &links, &self.mapping);
        Ok(PrepRead {
            report,
            source: SourceSummary::of(sis_read.records_read(), &sis_read.problems),
            source_problems: sis_read.problems,
        })
    }

    /// Applies the accepted (matched) entries of a report: writes each SIS
    /// key to its LMS record's unique field and stores the link. Recorded as a
    /// manual run of scope all, holding the lock of everything.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`], [`EngineError::AlreadyRunning`], or a port error.
    pub async fn prep_apply(
        &self,
        report: &MatchReport,
        now: DateTime<Utc>,
    ) -> Result<PrepOutcome, EngineError> {
        self.paced(self.prep_apply_checked(report, now)).await
    }

    async fn prep_apply_checked(
        &self,
        report: &MatchReport,
        now: DateTime<Utc>,
    ) -> Result<PrepOutcome, EngineError> {
        let acting = self.require_admin().await?;
        let held = self.hold(SyncScope::All, "data-prep apply", now).await?;
        let result = self
            .prep_locked(report, now, acting.name_and_id(), &held.holder)
            .await;
        let unlocked = self.release(held).await;
        let outcome = result?;
        unlocked?;
        Ok(outcome)
    }

    async fn prep_locked(
        &self,
        report: &MatchReport,
        now: DateTime<Utc>,
        acting: String,
        holder: &str,
    ) -> Result<PrepOutcome, EngineError> {
        let mut record = RunRecord {
            id: 0,
            trigger: Trigger::Manual,
            scope: SyncScope::All,
            acting_user: acting,
            forced: false,
            started_at: now,
            finished_at: None,
            status: RunStatus::Running,
            summary: link_summary(report),
            message: Some("data prep: apply accepted matches".to_owned()),
        };
        record.id = self
            .store
            .start_run(&record)
            .await
            .map_err(store("record the start of the run"))?;
        self.note_run(holder, record.id);
        let result = self.prep_writes(report, record.id, holder).await;
        record.finished_at = Some(self.finished_at());
        record.status = match &result {
            Ok(outcome) if outcome.failures.is_empty() => RunStatus::Succeeded,
            Ok(_) => RunStatus::CompletedWithFailures,
            Err(_) => RunStatus::Failed,
        };
        self.store
            .finish_run(&record)
            .await
            .map_err(store("record the end of the run"))?;
        result
    }

    async fn prep_writes(
        &self,
        report: &MatchReport,
        run: RunId,
        holder: &str,
    ) -> Result<PrepOutcome, EngineError> {
        let accepted = accepted_links(report);
        let links = self.store.links().await.map_err(store("read links"))?;
        let lms_snapshot = self.lms_roster().await?;
        let accepted_records = accepted.links.users.len()
            + accepted.links.courses.len()
            + accepted.links.sections.len();
        self.progress.stage(Stage::Writing);
        self.progress.planned(accepted_records as u64);
        let mut applier = self.applier(run, SyncScope::All, holder, LinkLedger::new(links));
        let taken = |entity: Entity, key: &str| {
            format!("the {entity} {key} was linked since the report was made; nothing to do")
        };
        let missing = |id: &str| format!("LMS record {id} no longer exists; make the report again");

        // Unique-id matches need no write.
        let mut local = Vec::new();
        let mut failed = Vec::new();
        let mut users = Vec::new();
        let mut courses = Vec::new();
        let mut sections = Vec::new();
        for (key, link) in &accepted.links.users {
            let entry = item(
                Entity::User,
                key.as_str(),
                LinkUpdate::User(key.clone(), Some(link.id.clone()), link.origin),
            );
            if applier.links.links().users.contains_key(key) {
                failed.push((entry, taken(Entity::User, key.as_str())));
            } else if link.origin == LinkOrigin::UniqueId {
                local.push(entry);
            } else if let Some(user) = lms_snapshot.users.iter().find(|u| u.id == link.id) {
                let action = RecordAction::Link {
                    id: link.id.clone(),
                    fields: user.fields.clone(),
                    changes: Vec::new(),
                };
                users.push((
                    UserOp {
                        key: key.clone(),
                        action,
                    },
                    entry,
                ));
            } else {
                failed.push((entry, missing(link.id.as_str())));
            }
        }
        for (key, link) in &accepted.links.courses {
            let entry = item(
                Entity::Course,
                key.as_str(),
                LinkUpdate::Course(key.clone(), Some(link.id.clone()), link.origin),
            );
            if applier.links.links().courses.contains_key(key) {
                failed.push((entry, taken(Entity::Course, key.as_str())));
            } else if link.origin == LinkOrigin::UniqueId {
                local.push(entry);
            } else if let Some(course) = lms_snapshot.courses.iter().find(|c| c.id == link.id) {
                let action = RecordAction::Link {
                    id: link.id.clone(),
                    fields: course.fields.clone(),
                    changes: Vec::new(),
                };
                courses.push((
                    CourseOp {
                        key: key.clone(),
                        action,
                    },
                    entry,
                ));
            } else {
                failed.push((entry, missing(link.id.as_str())));
            }
        }
        for (key, link) in &accepted.links.sections {
            let entry = item(
                Entity::Section,
                key.as_str(),
                LinkUpdate::Section(key.clone(), Some(link.id.clone()), link.origin),
            );
            if applier.links.links().sections.contains_key(key) {
                failed.push((entry, taken(Entity::Section, key.as_str())));
            } else if link.origin == LinkOrigin::UniqueId {
                local.push(entry);
            } else if let Some(section) = lms_snapshot.sections.iter().find(|s| s.id == link.id) {
                let write = SectionWrite {
                    key: key.clone(),
                    id: Some(link.id.clone()),
                    course: section.course.clone(),
                    fields: section.fields.clone(),
                };
                sections.push((write, entry));
            } else {
                failed.push((entry, missing(link.id.as_str())));
            }
        }
        applier.settle_local(local, failed).await?;
        let batches = applier.batches(users, LmsWrite::Users);
        applier.send(batches).await?;
        let batches = applier.batches(courses, LmsWrite::Courses);
        applier.send(batches).await?;
        let batches = applier.batches(sections, LmsWrite::Sections);
        applier.send(batches).await?;
        // The records linked now get their first update from the next sync,
        // which the update threshold does not count.
        let failed: std::collections::BTreeSet<(Entity, &str)> = applier
            .failures
            .iter()
            .map(|failure| (failure.entity, failure.key.as_str()))
            .collect();
        let linked = |entity: Entity, keys: Vec<&str>| {
            keys.into_iter()
                .filter(|key| !failed.contains(&(entity, *key)))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let mut first_updates = FirstUpdates::load(&*self.store).await?;
        first_updates.add(
            Entity::User,
            linked(
                Entity::User,
                accepted.links.users.keys().map(|k| k.as_str()).collect(),
            ),
        );
        first_updates.add(
            Entity::Course,
            linked(
                Entity::Course,
                accepted.links.courses.keys().map(|k| k.as_str()).collect(),
            ),
        );
        first_updates.add(
            Entity::Section,
            linked(
                Entity::Section,
                accepted.links.sections.keys().map(|k| k.as_str()).collect(),
            ),
        );
        first_updates.save(&*self.store).await?;
        Ok(PrepOutcome {
            run,
            linked: applier.done,
            failures: applier.failures,
        })
    }

    /// The LMS users, courses and sections of every selected building.
    async fn lms_roster(&self) -> Result<LmsSnapshot, EngineError> {
        let buildings = self
            .schools(SyncScope::All)
            .iter()
            .filter_map(|school| self.mapping.building(school).cloned())
            .collect();
        self.lms
            .snapshot(&LmsRequest {
                buildings,
                users: true,
                courses: true,
                sections: true,
            })
            .await
            .map_err(lms("read the roster"))
    }

    /// Creates the grading period of a term (titled like the plan titles
    /// them: "School Title 2025-26") and links the term to it. Idempotent: a
    /// period already linked to the term is returned, and an unlinked period
    /// with the title is linked rather than created again.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`], [`EngineError::AlreadyRunning`],
    /// [`EngineError::UnknownTerm`], [`EngineError::PeriodTitleTaken`], or a
    /// port error (a refused create is an [`EngineError::Lms`]).
    pub async fn create_grading_period(
        &self,
        term: &TermKey,
        now: DateTime<Utc>,
    ) -> Result<GradingPeriodId, EngineError> {
        self.paced(self.create_grading_period_checked(term, now))
            .await
    }

    async fn create_grading_period_checked(
        &self,
        term: &TermKey,
        now: DateTime<Utc>,
    ) -> Result<GradingPeriodId, EngineError> {
        self.require_admin().await?;
        let held = self
            .hold(SyncScope::Sections, "grading-period create", now)
            .await?;
        let result = self.create_period_locked(term, now).await;
        let unlocked = self.release(held).await;
        let id = result?;
        unlocked?;
        Ok(id)
    }

    async fn create_period_locked(
        &self,
        key: &TermKey,
        now: DateTime<Utc>,
    ) -> Result<GradingPeriodId, EngineError> {
        let school_year = self.school_year(now);
        let terms = self
            .sis
            .terms(school_year)
            .await
            .map_err(sis("read terms"))?;
        let term = terms
            .into_iter()
            .find(|term| term.key == *key)
            .ok_or_else(|| EngineError::UnknownTerm {
                term: key.clone(),
                school_year,
            })?;
        let schools = self.sis.schools().await.map_err(sis("read schools"))?;
        let title = period_title(&term, &schools);
        let links = self.store.links().await.map_err(store("read links"))?;
        let directory = self
            .lms
            .directory()
            .await
            .map_err(lms("read the grading periods"))?;
        if let Some(link) = links.grading_periods.get(key) {
            if directory.grading_periods.iter().any(|p| p.id == link.id) {
                return Ok(link.id.clone());
            }
        }
        let existing = directory
            .grading_periods
            .iter()
            .find(|p| p.title.trim().eq_ignore_ascii_case(title.trim()));
        let id = match existing {
            Some(period) => {
                if let Some((other, _)) = links
                    .grading_periods
                    .iter()
                    .find(|(other, link)| link.id == period.id && *other != key)
                {
                    return Err(EngineError::PeriodTitleTaken {
                        title,
                        other: other.clone(),
                    });
                }
                period.id.clone()
            }
            None => self.send_period(&term, title).await?,
        };
        let mut ledger = LinkLedger::new(links);
        ledger.link_period(key.clone(), Link::new(id.clone(), LinkOrigin::Created));
        self.store
            .apply_link_changes(&ledger.take_changes())
            .await
            .map_err(store("save links"))?;
        Ok(id)
    }

    async fn send_period(
        &self,
        term: &Term,
        title: String,
    ) -> Result<GradingPeriodId, EngineError> {
        let op = GradingPeriodOp {
            term: term.key.clone(),
            title: title.clone(),
            start: term.start,
            end: term.end,
        };
        let outcomes = self
            .lms
            .apply(&LmsWrite::GradingPeriods(vec![op]))
            .await
            .map_err(lms("create a grading period"))?;
        match outcomes.into_iter().next().map(|o| o.result) {
            Some(WriteResult::Done { id: Some(id) }) => Ok(GradingPeriodId::new(id)),
            Some(WriteResult::Done { id: None }) => {
                let directory = self
                    .lms
                    .directory()
                    .await
                    .map_err(lms("read the grading periods"))?;
                directory
                    .grading_periods
                    .into_iter()
                    .find(|p| p.title == title)
                    .map(|p| p.id)
                    .ok_or_else(|| EngineError::Lms {
                        what: "create a grading period",
                        source: PortError::new(
                            ErrorKind::Other,
                            format!("the LMS created \"{title}\" but it cannot be found again"),
                        ),
                    })
            }
            Some(WriteResult::Failed { message, .. }) => Err(EngineError::Lms {
                what: "create a grading period",
                source: PortError::new(ErrorKind::Invalid, message),
            }),
            None => Err(EngineError::Lms {
                what: "create a grading period",
                source: PortError::new(ErrorKind::Other, "the LMS returned no outcome"),
            }),
        }
    }
}

/// The links a data-prep apply makes, per entity, as a plan summary.
fn link_summary(report: &MatchReport) -> PlanSummary {
    let counts = report.counts();
    let mut summary = PlanSummary::default();
    for (entity, matched) in [
        (Entity::User, counts.users.matched),
        (Entity::Course, counts.courses.matched),
        (Entity::Section, counts.sections.matched),
    ] {
        if matched > 0 {
            summary.0.entry(entity).or_default().link = matched;
        }
    }
    summary
}

/// The title the plan gives the grading period of a term (the core's rule,
/// so that a period made here and one the plan makes are named alike).
fn period_title(term: &Term, schools: &[School]) -> String {
    let school = schools
        .iter()
        .find(|school| school.key == term.school)
        .map_or("", |school| school.name.as_str());
    rostersync_core::plan::grading_period_title(term, school)
        .text
        .into_owned()
}
