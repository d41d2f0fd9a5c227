//! Grade passback of one section: permission, the grade plan, the writes
//! through the SIS grade sink, a read-back of what landed, and per-record
//! outcomes in the store.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rostersync_core::SyncScope;
use rostersync_core::entity::Entity;
use rostersync_core::grades::{
    GradeInput, GradePlan, GradeSettings, ScoreValue, WrittenScores, grade_plan,
};
use rostersync_core::ids::{GradingPeriodId, PersonKey, SectionKey, TermKey, UserId};
use rostersync_core::model::grades::{Score, ScoreStatus, SisGradebook};
use rostersync_core::plan::{EntityCounts, PlanSummary};
use rostersync_ports::{
    GradeSink, GradeSource, OutcomeStatus, RecordOutcome, RunId, RunRecord, RunStatus, Trigger,
    WriteResult,
};
use serde::Serialize;

use crate::engine::Engine;
use crate::error::{EngineError, lms, store};

/// Who asks for a passback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// A System Administrator: any section.
    SystemAdmin,
    /// A teacher, by LMS id: only sections the LMS lists them as admin of.
    Teacher(UserId),
}

/// The options of one passback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeOptions {
    /// The current instant.
    pub now: DateTime<Utc>,
    /// Plan and report, write nothing.
    pub dry_run: bool,
    /// Overwrite SIS scores that rostersync did not write or that changed since.
    pub overwrite: bool,
    /// Only this LMS grading period.
    pub period: Option<GradingPeriodId>,
}

/// What a passback did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeReport {
    /// The run recorded for it.
    pub run: RunId,
    /// The section.
    pub section: SectionKey,
    /// How it ended.
    pub status: RunStatus,
    /// The plan (items, scores, conflicts, problems, average differences).
    pub plan: GradePlan,
    /// Records written.
    pub written: u64,
    /// Records that failed or did not land as sent, with the reason.
    pub failures: Vec<RecordOutcome>,
}

/// The store setting holding what rostersync wrote to a section's gradebook.
pub fn written_setting(section: &SectionKey) -> String {
    format!("grades.written.{section}")
}

impl Engine {
    /// Passes back the grades of one section.
    ///
    /// The acting user must be a System Administrator and, for a teacher, the
    /// LMS must list the teacher as an admin of the section. The SIS roster of
    /// the section is taken from the enrollments rostersync manages (what the
    /// last sync put there). Conflicts and problems are recorded as skipped
    /// outcomes; nothing posted in the SIS by someone else is overwritten
    /// unless `overwrite` is set. After writing, the SIS gradebook is read
    /// back and every score that did not land as sent is a failed outcome.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`], [`EngineError::NotSectionTeacher`],
    /// [`EngineError::AlreadyRunning`], and port errors of whole calls.
    pub async fn grades(
        &self,
        source: &dyn GradeSource,
        sink: &dyn GradeSink,
        settings: &GradeSettings,
        section: &SectionKey,
        requester: &Requester,
        options: GradeOptions,
    ) -> Result<GradeReport, EngineError> {
        self.paced(self.grades_checked(source, sink, settings, section, requester, options))
            .await
    }

    async fn grades_checked(
        &self,
        source: &dyn GradeSource,
        sink: &dyn GradeSink,
        settings: &GradeSettings,
        section: &SectionKey,
        requester: &Requester,
        options: GradeOptions,
    ) -> Result<GradeReport, EngineError> {
        let acting = self.require_admin().await?;
        if let Requester::Teacher(user) = requester {
            let admins = source
                .section_admins(section)
                .await
                .map_err(lms("read the section's admins"))?;
            if !admins.contains(user) {
                return Err(EngineError::NotSectionTeacher {
                    section: section.to_string(),
                    user: user.to_string(),
                });
            }
        }
        let held = self
            .hold(
                SyncScope::Grades,
                &format!("grade passback of {section}"),
                options.now,
            )
            .await?;
        let mut record = RunRecord {
            id: 0,
            trigger: Trigger::Manual,
            scope: SyncScope::Grades,
            acting_user: format!("{} ({})", acting.name, acting.id),
            forced: options.overwrite,
            started_at: options.now,
            finished_at: None,
            status: RunStatus::Running,
            summary: PlanSummary::default(),
            message: Some(format!("grade passback of section {section}")),
        };
        let result = async {
            record.id = self
                .store
                .start_run(&record)
                .await
                .map_err(store("record the start of the run"))?;
            self.note_run(&held.holder, record.id);
            self.pass_back(source, sink, settings, section, &options, &mut record)
                .await
        }
        .await;
        if let Err(error) = &result {
            if record.id != 0 {
                record.status = RunStatus::Failed;
                record.message = Some(error.to_string());
                record.finished_at = Some(self.finished_at());
                if let Err(store_error) = self.store.finish_run(&record).await {
                    tracing::warn!(run = record.id, error = %store_error, "could not record the failed passback");
                }
            }
        }
        let unlocked = self.release(held).await;
        let report = result?;
        unlocked?;
        Ok(report)
    }

    async fn pass_back(
        &self,
        source: &dyn GradeSource,
        sink: &dyn GradeSink,
        settings: &GradeSettings,
        section: &SectionKey,
        options: &GradeOptions,
        record: &mut RunRecord,
    ) -> Result<GradeReport, EngineError> {
        let mut settings = settings.clone();
        if let Some(period) = &options.period {
            settings.periods.retain(|window| &window.period == period);
        }
        // Schools may share a grading period; a section's grades go only into
        // its own school's terms.
        let school = sink
            .section_school(section)
            .await
            .map_err(|source| EngineError::Gradebook {
                what: "find the section's school",
                source,
            })?
            .ok_or_else(|| EngineError::SectionNotInSis {
                section: section.to_string(),
            })?;
        settings.periods.retain(|window| window.school == school);
        let lms_book = source
            .gradebook(section)
            .await
            .map_err(lms("read the section's gradebook"))?;
        let links = self.store.links().await.map_err(store("read links"))?;
        let enrolled: BTreeSet<PersonKey> = links
            .enrollments
            .keys()
            .filter(|(s, _)| s == section)
            .map(|(_, person)| person.clone())
            .collect();
        let sis = self.sis_books(sink, section, &settings).await?;
        let setting = written_setting(section);
        let written: WrittenScores = match self.store.setting(&setting).await.map_err(store("read the grade ledger"))? {
            Some(json) => serde_json::from_str(&json).unwrap_or_else(|error| {
                tracing::warn!(%error, "the grade ledger could not be read; every differing SIS score is treated as someone else's");
                WrittenScores::default()
            }),
            None => WrittenScores::default(),
        };
        let plan = grade_plan(&GradeInput {
            section,
            lms: &lms_book,
            sis: &sis,
            enrolled: &enrolled,
            written: &written,
            settings: &settings,
            overwrite: options.overwrite,
        });
        let mut outcomes = skipped_outcomes(record.id, &plan);
        record.summary = summary(&plan, outcomes.len() as u64);
        if options.dry_run {
            return self
                .finish(record, RunStatus::DryRun, section, plan, 0, outcomes)
                .await;
        }

        let mut written = written;
        let mut done = 0;
        let mut failures = Vec::new();
        let writes = plan.writes(section, &settings);
        for write in &writes {
            let results = sink
                .write(write)
                .await
                .map_err(|source| EngineError::Gradebook {
                    what: "write items and scores",
                    source,
                })?;
            let keys = write
                .items
                .iter()
                .map(|item| (Entity::GradeItem, item.id.clone()))
                .chain(
                    write
                        .scores
                        .iter()
                        .map(|score| (Entity::Score, format!("{}/{}", score.item, score.student))),
                );
            for ((entity, key), result) in keys.zip(results.iter().map(|r| &r.result).chain(
                std::iter::repeat(&WriteResult::Failed {
                    status: None,
                    message: "the SIS returned no outcome for this record".into(),
                    may_have_been_applied: true,
                }),
            )) {
                let outcome = match result {
                    WriteResult::Done { .. } => {
                        done += 1;
                        RecordOutcome {
                            run: record.id,
                            entity,
                            key,
                            action: None,
                            status: OutcomeStatus::Done,
                            reason: None,
                        }
                    }
                    WriteResult::Failed { message, .. } => {
                        let failed = RecordOutcome {
                            run: record.id,
                            entity,
                            key,
                            action: None,
                            status: OutcomeStatus::Failed,
                            reason: Some(message.clone()),
                        };
                        failures.push(failed.clone());
                        failed
                    }
                };
                outcomes.push(outcome);
            }
        }
        // Read back: a score that did not land as sent is a failure, and only
        // what landed goes into the ledger.
        let after = self.sis_books(sink, section, &settings).await?;
        for write in &plan.scores {
            let landed = after
                .get(&write.term)
                .and_then(|book| {
                    book.scores
                        .iter()
                        .find(|s| s.item == write.item && s.student == write.student)
                })
                .is_some_and(|score| matches(score, &write.value));
            if landed {
                written.record(&write.item, write.student.clone(), write.value.clone());
            } else if !failures
                .iter()
                .any(|f| f.key == format!("{}/{}", write.item, write.student))
            {
                let failed = RecordOutcome {
                    run: record.id,
                    entity: Entity::Score,
                    key: format!("{}/{}", write.item, write.student),
                    action: None,
                    status: OutcomeStatus::Failed,
                    reason: Some(format!(
                        "sent {} but the SIS holds something else after the write",
                        write.value
                    )),
                };
                failures.push(failed.clone());
                outcomes.push(failed);
            }
        }
        let json = serde_json::to_string(&written).map_err(|error| EngineError::Store {
            what: "encode the grade ledger",
            source: rostersync_ports::PortError::new(
                rostersync_ports::ErrorKind::Other,
                error.to_string(),
            ),
        })?;
        self.store
            .save_setting(&setting, &json)
            .await
            .map_err(store("save the grade ledger"))?;
        let status = if failures.is_empty() {
            RunStatus::Succeeded
        } else {
            RunStatus::CompletedWithFailures
        };
        let mut report = self
            .finish(record, status, section, plan, done, outcomes)
            .await?;
        report.failures = failures;
        Ok(report)
    }

    async fn sis_books(
        &self,
        sink: &dyn GradeSink,
        section: &SectionKey,
        settings: &GradeSettings,
    ) -> Result<BTreeMap<TermKey, SisGradebook>, EngineError> {
        let mut books = BTreeMap::new();
        let terms: BTreeSet<&TermKey> =
            settings.periods.iter().map(|window| &window.term).collect();
        for term in terms {
            let book =
                sink.gradebook(section, term)
                    .await
                    .map_err(|source| EngineError::Gradebook {
                        what: "read the SIS gradebook",
                        source,
                    })?;
            books.insert(term.clone(), book);
        }
        Ok(books)
    }

    async fn finish(
        &self,
        record: &mut RunRecord,
        status: RunStatus,
        section: &SectionKey,
        plan: GradePlan,
        written: u64,
        outcomes: Vec<RecordOutcome>,
    ) -> Result<GradeReport, EngineError> {
        self.store
            .record_outcomes(&outcomes)
            .await
            .map_err(store("record outcomes"))?;
        record.status = status;
        record.finished_at = Some(self.finished_at());
        self.store
            .finish_run(record)
            .await
            .map_err(store("record the end of the run"))?;
        let failures = outcomes
            .into_iter()
            .filter(|o| o.status == OutcomeStatus::Failed)
            .collect();
        Ok(GradeReport {
            run: record.id,
            section: section.clone(),
            status,
            plan,
            written,
            failures,
        })
    }
}

/// Whether a SIS score holds the value sent.
fn matches(score: &Score, value: &ScoreValue) -> bool {
    match value {
        ScoreValue::Points(points) => {
            score.status == ScoreStatus::Graded
                && score.points.is_some_and(|p| (p - points).abs() < 1e-6)
        }
        ScoreValue::Exception(_) => score.status == ScoreStatus::Excused,
        ScoreValue::Alpha(_) => {
            matches!(score.status, ScoreStatus::Missing | ScoreStatus::Incomplete)
        }
    }
}

/// Conflicts and problems as skipped outcomes.
fn skipped_outcomes(run: RunId, plan: &GradePlan) -> Vec<RecordOutcome> {
    let conflicts = plan.conflicts.iter().map(|c| RecordOutcome {
        run,
        entity: Entity::Score,
        key: format!("{}/{}", c.item, c.student),
        action: None,
        status: OutcomeStatus::Skipped,
        reason: Some(format!(
            "the SIS holds {} ({}); the LMS has {}; not overwritten without an override",
            c.sis, c.reason, c.lms
        )),
    });
    let problems = plan.problems.iter().map(|p| RecordOutcome {
        run,
        entity: if p.student.is_some() && p.item.is_none() {
            Entity::Score
        } else {
            Entity::GradeItem
        },
        key: match (&p.item, &p.student) {
            (Some(item), Some(student)) => format!("{item}/{student}"),
            (Some(item), None) => item.clone(),
            (None, Some(student)) => student.to_string(),
            (None, None) => String::new(),
        },
        action: None,
        status: OutcomeStatus::Skipped,
        reason: Some(p.message.clone()),
    });
    conflicts.chain(problems).collect()
}

fn summary(plan: &GradePlan, skipped: u64) -> PlanSummary {
    let mut items = EntityCounts::default();
    let mut scores = EntityCounts::default();
    for write in &plan.items {
        if write.changes.is_some() {
            items.update += 1;
        } else {
            items.create += 1;
        }
    }
    for write in &plan.scores {
        if write.replaces.is_some() {
            scores.update += 1;
        } else {
            scores.create += 1;
        }
    }
    scores.conflicts = plan.conflicts.len() as u64;
    scores.skipped = skipped;
    scores.unchanged = plan.unchanged as u64;
    PlanSummary(
        [(Entity::GradeItem, items), (Entity::Score, scores)]
            .into_iter()
            .collect(),
    )
}
