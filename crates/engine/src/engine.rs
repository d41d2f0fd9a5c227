//! `Engine`: one sync end to end — acting-user check, lock, resume, snapshot,
//! plan, thresholds, dry run or apply, record.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use chrono_tz::Tz;
use rostersync_core::entity::Entity;
use rostersync_core::ids::SchoolKey;
use rostersync_core::model::links::LinkLedger;
use rostersync_core::plan::{EXAMPLES, Plan, PlanDigest, PlanSummary, plan};
use rostersync_core::{Links, LmsSnapshot, MappingConfig, PlanInput, SyncScope};
use rostersync_ports::{
    ActingUser, LmsRequest, LmsTarget, OutcomeStatus, RecordOutcome, RunId, RunRecord, RunStatus,
    SisRead, SisRequest, SisSource, SourceSummary, StateStore, Trigger,
};

use crate::apply::{Applier, Renewal};
use crate::error::{EngineError, lms, sis, store};
use crate::first_updates::FirstUpdates;
use crate::journal;
use crate::lock::{ActiveRun, Held};
use crate::progress::{NoProgress, Progress, Stage};
use crate::report::{EngineOptions, LmsCalls, MAX_BATCH, RunOptions, RunReport};

/// Distinguishes engines of one process in lock holder names.
static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// A clock for the end times of runs.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Runs syncs between one SIS and one LMS, keeping state in one store.
///
/// The engine sees the outside world only through the ports, so any adapter
/// plugs in unchanged. Every method takes the current instant as a parameter;
/// only the end time of a run comes from the clock (see [`Engine::with_clock`]).
pub struct Engine {
    pub(crate) sis: Arc<dyn SisSource>,
    pub(crate) lms: Arc<dyn LmsTarget>,
    pub(crate) store: Arc<dyn StateStore>,
    pub(crate) mapping: MappingConfig,
    pub(crate) zone: Tz,
    pub(crate) options: EngineOptions,
    pub(crate) instance: u64,
    pub(crate) clock: Clock,
    pub(crate) progress: Arc<dyn Progress>,
    /// The run in hand, for [`Engine::abandon`].
    pub(crate) active: ActiveRun,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("zone", &self.zone)
            .field("options", &self.options)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over the given ports, with a validated mapping and the
    /// district's time zone. Batch size is clamped to 1..=50 and concurrency
    /// to at least 1.
    pub fn new(
        sis: Arc<dyn SisSource>,
        lms: Arc<dyn LmsTarget>,
        store: Arc<dyn StateStore>,
        mapping: MappingConfig,
        zone: Tz,
        mut options: EngineOptions,
    ) -> Self {
        options.batch_size = options.batch_size.clamp(1, MAX_BATCH);
        options.concurrency = options.concurrency.max(1);
        Engine {
            sis,
            lms,
            store,
            mapping,
            zone,
            options,
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            clock: Arc::new(|| DateTime::<Utc>::from(std::time::SystemTime::now())),
            progress: Arc::new(NoProgress),
            active: ActiveRun::default(),
        }
    }

    /// Reports the progress of every run to `progress` (a display).
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Replaces the clock that stamps the end of runs (tests pass a fixed one).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The options in force.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The mapping in force.
    pub fn mapping(&self) -> &MappingConfig {
        &self.mapping
    }

    /// The district's local date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.zone).date_naive()
    }

    /// The school year read at `now`: the configured one, or the ending
    /// calendar year of the local date (July onwards belongs to the next).
    pub fn school_year(&self, now: DateTime<Utc>) -> i32 {
        self.options.school_year.unwrap_or_else(|| {
            let today = self.today(now);
            if today.month() >= 7 {
                today.year() + 1
            } else {
                today.year()
            }
        })
    }

    pub(crate) fn renewal(&self, holder: &str) -> Renewal {
        Renewal {
            holder: holder.to_owned(),
            lease: self.options.lease,
            clock: self.clock.clone(),
        }
    }

    pub(crate) fn finished_at(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The writer of one run's batches, starting from `links`.
    pub(crate) fn applier(
        &self,
        run: RunId,
        scope: SyncScope,
        holder: &str,
        links: LinkLedger,
    ) -> Applier<'_> {
        Applier {
            progress: &*self.progress,
            renewal: self.renewal(holder),
            lms: &*self.lms,
            store: &*self.store,
            run,
            scope,
            batch_size: self.options.batch_size,
            concurrency: self.options.concurrency,
            links,
            done: 0,
            failures: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            unnamed_periods: Vec::new(),
            flush_records: self.options.link_flush_records,
            unsaved: 0,
            settled: Vec::new(),
            landings: rostersync_core::plan::LandedWrites::default(),
            mismatched: Vec::new(),
            track_landed: false,
        }
    }

    /// Reads the acting user and refuses unless it is a System Administrator.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`], or the LMS error.
    pub async fn require_admin(&self) -> Result<ActingUser, EngineError> {
        let acting = self
            .lms
            .acting_user()
            .await
            .map_err(lms("read the acting user"))?;
        if acting.is_system_admin {
            Ok(acting)
        } else {
            Err(EngineError::not_admin(&acting))
        }
    }

    /// Runs one sync of `scope`.
    ///
    /// Checks the acting user before reading any people data, takes the lock,
    /// resolves journal entries of interrupted runs, snapshots both sides for
    /// the selected buildings, plans as of the local date, checks the
    /// thresholds, then (unless a dry run) applies in dependency order and
    /// records every outcome. One failed record never fails the run.
    ///
    /// # Errors
    ///
    /// [`EngineError::NotAdmin`] and [`EngineError::AlreadyRunning`] before
    /// anything is recorded; [`EngineError::ThresholdExceeded`] for a recorded
    /// run stopped before any write; port errors for whole-run failures (the
    /// run is then recorded as failed when the store allows).
    pub async fn run(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        options: RunOptions,
    ) -> Result<RunReport, EngineError> {
        let calls_before = self.lms.call_stats();
        let mut report = self
            .paced(self.run_checked(scope, trigger, options))
            .await?;
        if let (Some(before), Some(after)) = (calls_before, self.lms.call_stats()) {
            report.lms_calls = Some(LmsCalls::between(&before, &after));
        }
        if report.status == RunStatus::StoppedByThreshold {
            return Err(EngineError::ThresholdExceeded {
                report: Box::new(report),
            });
        }
        Ok(report)
    }

    /// [`Engine::run`] from the acting user's check on, under the lock of
    /// `scope`.
    async fn run_checked(
        &self,
        scope: SyncScope,
        trigger: Trigger,
        options: RunOptions,
    ) -> Result<RunReport, EngineError> {
        let acting = self.require_admin().await?;
        let what = if options.dry_run {
            format!("{scope} dry run")
        } else {
            format!("{scope} sync")
        };
        let held = self.hold(scope, &what, options.now).await?;
        let result = self.run_locked(trigger, options, &acting, &held).await;
        let unlocked = self.release(held).await;
        let report = result?;
        unlocked?;
        Ok(report)
    }

    async fn run_locked(
        &self,
        trigger: Trigger,
        options: RunOptions,
        acting: &ActingUser,
        held: &Held,
    ) -> Result<RunReport, EngineError> {
        let scope = held.scope;
        if trigger == Trigger::Manual && !options.dry_run {
            self.record_manual_sync(options.now).await?;
        }
        let mut record = RunRecord {
            id: 0,
            trigger,
            scope,
            acting_user: acting.name_and_id(),
            forced: options.force,
            started_at: options.now,
            finished_at: None,
            status: RunStatus::Running,
            summary: PlanSummary::default(),
            message: None,
        };
        // A dry run is not recorded: it takes no run id, so the ids of real
        // runs follow each other whatever dry runs happen between them.
        if options.dry_run {
            return self.sync(&mut record, options, held).await;
        }
        record.id = self
            .store
            .start_run(&record)
            .await
            .map_err(store("record the start of the run"))?;
        self.note_run(&held.holder, record.id);
        tracing::info!(
            "run {} started: {} {} sync",
            record.id,
            trigger.as_str(),
            scope
        );
        match self.sync(&mut record, options, held).await {
            Ok(report) => {
                record.status = report.status;
                record.finished_at = Some(self.finished_at());
                self.store
                    .finish_run(&record)
                    .await
                    .map_err(store("record the end of the run"))?;
                Ok(report)
            }
            Err(error) => {
                record.status = RunStatus::Failed;
                record.message = Some(error.to_string());
                record.finished_at = Some(self.finished_at());
                if let Err(store_error) = self.store.finish_run(&record).await {
                    tracing::warn!(run = record.id, error = %store_error, "could not record the failed run");
                }
                Err(error)
            }
        }
    }

    /// The schools whose records a sync of `scope` reads: sections need the
    /// people and courses they refer to, so they read every selected school.
    pub(crate) fn schools(&self, scope: SyncScope) -> BTreeSet<SchoolKey> {
        let selection = self.mapping.selection();
        let mut schools = BTreeSet::new();
        if scope.users() || scope.sections() {
            schools.extend(selection.users.iter().cloned());
        }
        if scope.courses() || scope.sections() {
            schools.extend(selection.courses.iter().cloned());
        }
        if scope.sections() {
            schools.extend(selection.sections.iter().cloned());
        }
        schools
    }

    /// What a full LMS read of `scope` asks for.
    pub(crate) fn lms_request(&self, scope: SyncScope) -> LmsRequest {
        LmsRequest {
            buildings: self
                .schools(scope)
                .iter()
                .filter_map(|school| self.mapping.building(school).cloned())
                .collect(),
            users: scope.users() || scope.sections(),
            courses: scope.courses() || scope.sections(),
            sections: scope.sections(),
        }
    }

    /// Reads the SIS for `scope`.
    pub(crate) async fn read_sis(
        &self,
        scope: SyncScope,
        now: DateTime<Utc>,
    ) -> Result<SisRead, EngineError> {
        self.progress.stage(Stage::ReadingSis);
        self.sis
            .snapshot(&SisRequest {
                schools: self.schools(scope),
                school_year: self.school_year(now),
            })
            .await
            .map_err(sis("read the roster"))
    }

    /// Reads both sides for `scope`, the LMS in full.
    pub(crate) async fn snapshots(
        &self,
        scope: SyncScope,
        now: DateTime<Utc>,
    ) -> Result<(SisRead, LmsSnapshot), EngineError> {
        let sis_read = self.read_sis(scope, now).await?;
        self.progress.stage(Stage::ReadingLms);
        let lms_snapshot = self
            .lms
            .snapshot(&self.lms_request(scope))
            .await
            .map_err(lms("read the roster"))?;
        Ok((sis_read, lms_snapshot))
    }

    /// The body of a run holding the lock; the caller records its end.
    async fn sync(
        &self,
        record: &mut RunRecord,
        options: RunOptions,
        held: &Held,
    ) -> Result<RunReport, EngineError> {
        let mut notes: Vec<String> = held.took_over.iter().cloned().collect();
        let open = self
            .store
            .open_journal()
            .await
            .map_err(store("read the journal"))?;
        let (entries, unreadable) = journal::resolvable(open, record.scope);
        if !options.dry_run {
            // This run holds the lock: a run of overlapping data still
            // marked running was killed, whether or not it wrote anything.
            let resumed: BTreeSet<RunId> = entries.iter().map(|(_, entry)| entry.run).collect();
            let closed = self
                .close_interrupted(record.scope, record.id, &resumed)
                .await?;
            if !closed.is_empty() {
                let ids: Vec<String> = closed.iter().map(ToString::to_string).collect();
                notes.push(format!(
                    "run(s) {} were interrupted before they finished and are closed as interrupted",
                    ids.join(", ")
                ));
            }
        }
        let mut links = LinkLedger::new(self.store.links().await.map_err(store("read links"))?);
        let sis_read = self.read_sis(record.scope, options.now).await?;
        let lms_read = self
            .read_lms(record, &options, links.links(), &sis_read.snapshot)
            .await?;
        notes.push(lms_read.note.clone());
        let lms_snapshot = lms_read.snapshot;
        if let Some(drift) = &lms_read.drift {
            self.settle_drift(record.id, &options, drift, &mut links)
                .await?;
        }
        // What the SIS read found is kept with the run before anything else
        // happens, so a run that stops later still shows it.
        if !options.dry_run {
            self.store
                .record_source(record.id, sis_read.records_read(), &sis_read.problems)
                .await
                .map_err(store("keep what the SIS read found"))?;
        }

        for id in &unreadable {
            notes.push(format!(
                "journal entry {id} could not be read and was left in place"
            ));
        }
        if !entries.is_empty() {
            let relinked = journal::relink_periods(&entries, &lms_snapshot, &mut links);
            if options.dry_run {
                // Planned with the found periods, but nothing is saved or cleared.
                notes.push(format!(
                    "{} write batch(es) of interrupted runs are open; the next run that is not a dry run resolves them",
                    entries.len()
                ));
            } else {
                self.store
                    .apply_link_changes(&links.take_changes())
                    .await
                    .map_err(store("save links"))?;
                for (id, _) in &entries {
                    self.store
                        .clear_journal(*id)
                        .await
                        .map_err(store("clear a journal entry"))?;
                }
                notes.push(format!(
                    "resumed {} write batch(es) of interrupted runs: records they wrote are found again by their SIS key{}",
                    entries.len(),
                    if relinked > 0 {
                        format!(", {relinked} grading period(s) by title")
                    } else {
                        String::new()
                    }
                ));
            }
        }
        let resumed = if options.dry_run { 0 } else { entries.len() };

        let today = self.today(options.now);
        self.progress.stage(Stage::Planning);
        let planned = plan(&PlanInput {
            sis: &sis_read.snapshot,
            lms: &lms_snapshot,
            links: links.links(),
            mapping: &self.mapping,
            scope: record.scope,
            today,
        });
        let summary = PlanSummary::of(&planned);
        record.summary = summary.clone();
        let mut warnings = Vec::new();
        if !options.dry_run {
            let skips = unwritten(
                record.id,
                OutcomeStatus::Skipped,
                planned.skips.iter().map(|s| (s.entity, &s.key, &s.reason)),
            );
            warnings = unwritten(
                record.id,
                OutcomeStatus::Warning,
                planned.notes.iter().map(|n| (n.entity, &n.key, &n.note)),
            );
            self.store
                .record_outcomes(&skips)
                .await
                .map_err(store("record skipped records"))?;
            self.store
                .record_outcomes(&warnings)
                .await
                .map_err(store("record the plan's warnings"))?;
        }
        // The first update of a record data prep linked is not a change the
        // thresholds guard against: it is left out of their counts.
        let mut first_updates = FirstUpdates::load(&*self.store).await?;
        let breaches = self.mapping.thresholds().check(
            &first_updates.exempt(&planned, &summary),
            &managed_counts(links.links()),
        );

        let mut report = RunReport {
            run: (!options.dry_run).then_some(record.id),
            scope: record.scope,
            trigger: record.trigger,
            status: RunStatus::Running,
            forced: options.force,
            acting_user: record.acting_user.clone(),
            summary,
            done: 0,
            failures: Vec::new(),
            warnings,
            skips: planned.skips.len() as u64,
            digest: PlanDigest::of(&planned, EXAMPLES),
            breaches,
            source: SourceSummary::of(sis_read.records_read(), &sis_read.problems),
            source_problems: sis_read.problems,
            resumed_batches: resumed,
            notes,
            lms_calls: None,
            plan: None,
        };
        if options.dry_run {
            report.status = RunStatus::DryRun;
            report.plan = Some(Box::new(planned));
            return Ok(report);
        }
        if !report.breaches.is_empty() && !options.force {
            report.status = RunStatus::StoppedByThreshold;
            let breaches: Vec<String> = report.breaches.iter().map(ToString::to_string).collect();
            record.message = Some(format!("stopped by thresholds: {}", breaches.join("; ")));
            return Ok(report);
        }
        if !report.breaches.is_empty() {
            record.message = Some("forced past the safety thresholds".to_owned());
        }

        self.progress.stage(Stage::Writing);
        self.progress.planned(records_of(&planned));
        let mut applier = self.applier(record.id, record.scope, &held.holder, links);
        // What the plan works from becomes the shadow, with the plan: each
        // write that lands is saved with its links, so a run that stops
        // leaves a shadow carried exactly as far as its saved links.
        if let Some(basis) = &lms_read.kept {
            basis.begin(&*self.store, &lms_snapshot, &planned).await?;
            applier.track_landed = true;
        }
        applier.apply_plan(&planned, &lms_snapshot).await?;
        report.done = applier.done;
        report.notes.append(&mut applier.notes);
        // The records the LMS took with a warning count with the plan's.
        for warning in &applier.warnings {
            report.summary.0.entry(warning.entity).or_default().warnings += 1;
        }
        // Records left for a record they depend on are skips of this run.
        for skip in &applier.skipped {
            report.summary.0.entry(skip.entity).or_default().skipped += 1;
        }
        report.skips += applier.skipped.len() as u64;
        record.summary = report.summary.clone();
        report.warnings.append(&mut applier.warnings);
        report.status = if applier.failures.is_empty() {
            RunStatus::Succeeded
        } else {
            RunStatus::CompletedWithFailures
        };
        report.failures = applier.failures;
        if !first_updates.is_empty() {
            first_updates.settle(record.scope, &report.failures);
            first_updates.save(&*self.store).await?;
        }
        let kept = self
            .keep_shadow(
                lms_read.kept,
                lms_snapshot,
                &planned,
                &mut applier.landings,
                applier.links.links(),
                &applier.mismatched,
            )
            .await?;
        if lms_read.incremental && !kept.mismatched.is_empty() {
            // Put right in this run what the shadow had wrong.
            let links = std::mem::take(&mut applier.links);
            self.repair(
                record,
                &options,
                held,
                &sis_read.snapshot,
                links,
                &kept,
                &mut report,
            )
            .await?;
        } else {
            report.notes.extend(kept.note);
        }
        Ok(report)
    }
}

/// The outcomes of records the plan does not write: skips, and its notes.
fn unwritten<'p, R: fmt::Display + 'p>(
    run: RunId,
    status: OutcomeStatus,
    records: impl Iterator<Item = (Entity, &'p String, &'p R)>,
) -> Vec<RecordOutcome> {
    records
        .map(|(entity, key, reason)| RecordOutcome {
            run,
            entity,
            key: key.clone(),
            action: None,
            status,
            reason: Some(reason.to_string()),
        })
        .collect()
}

/// How many managed records of each entity the links hold: the base of
/// threshold percentages.
pub(crate) fn managed_counts(links: &Links) -> BTreeMap<Entity, u64> {
    BTreeMap::from([
        (Entity::GradingPeriod, links.grading_periods.len() as u64),
        (Entity::User, links.users.len() as u64),
        (Entity::Course, links.courses.len() as u64),
        (Entity::Section, links.sections.len() as u64),
        (Entity::Enrollment, links.enrollments.len() as u64),
        (Entity::GuardianLink, links.guardian_links.len() as u64),
    ])
}

/// The records a plan settles when applied: every operation it holds.
fn records_of(plan: &Plan) -> u64 {
    [
        plan.grading_periods.len(),
        plan.users.len(),
        plan.courses.len(),
        plan.sections.len(),
        plan.enrollments.len(),
        plan.guardian_links.len(),
    ]
    .iter()
    .sum::<usize>() as u64
}
