//! The shadow: what rostersync last knew of the LMS roster (read in full, then
//! carried forward over its own writes), kept in the store so that a daily
//! sync plans against it instead of reading every section again; and the
//! rule that says when a run must read the LMS in full instead.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rostersync_core::drift::{self, Drift, DriftKind, DriftRule};
use rostersync_core::entity::Entity;
use rostersync_core::model::links::LinkLedger;
use rostersync_core::model::lms::LmsSnapshot;
use rostersync_core::plan::{LandedWrites, Plan, apply_landed};
use rostersync_core::{Links, SisSnapshot};
use rostersync_ports::{
    ErrorKind, LmsRequest, OutcomeStatus, RecordOutcome, RunId, RunRecord, StateStore, Trigger,
};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{EngineError, lms, store};
use crate::progress::Stage;
use crate::report::RunOptions;

/// The longest a shadow serves without a full read, whatever the cadence.
pub const MAX_AGE_DAYS: i64 = 8;

/// How a run reads the LMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LmsRead {
    /// Incremental for a scheduled sync when the shadow serves, else full.
    #[default]
    Auto,
    /// Always a full read (`sync --full`), which also checks for drift.
    Full,
    /// Incremental whenever the shadow serves (`sync --incremental`).
    Incremental,
}

/// When the full read that checks for drift comes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftCadence {
    /// The weekday of the weekly full read (in the district's time zone).
    pub weekday: Weekday,
}

impl Default for DriftCadence {
    fn default() -> Self {
        DriftCadence {
            weekday: Weekday::Sun,
        }
    }
}

/// The kept shadow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Shadow {
    /// When the LMS was last read in full.
    pub(crate) read_at: DateTime<Utc>,
    /// What that read covered.
    pub(crate) request: LmsRequest,
    /// The mapping it was read and planned under, as the configuration says it.
    pub(crate) mapping: serde_json::Value,
    /// The roster (users, courses, sections, enrollments, parent links);
    /// buildings, roles and grading periods are read afresh every run.
    pub(crate) lms: LmsSnapshot,
    /// Why the next run must read in full anyway (a write found the LMS
    /// other than the shadow said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stale: Option<String>,
}

/// A shadow as it is written: the same fields as [`Shadow`], borrowed.
#[derive(Serialize)]
struct ShadowView<'a> {
    read_at: DateTime<Utc>,
    request: &'a LmsRequest,
    mapping: &'a serde_json::Value,
    lms: &'a LmsSnapshot,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<&'a str>,
}

impl Shadow {
    /// The kept shadow, if there is one, carried over the writes that
    /// landed of a run that stopped while writing (its plan and those
    /// writes are kept with it; `links` are the saved links, which those
    /// writes were saved with).
    pub(crate) async fn load(
        kept: &dyn StateStore,
        links: &Links,
    ) -> Result<Option<Shadow>, EngineError> {
        let Some(kept) = kept
            .shadow()
            .await
            .map_err(store("read the shadow of the LMS"))?
        else {
            return Ok(None);
        };
        let Some(json) = kept.shadow else {
            return Ok(None);
        };
        // A shadow this binary cannot read is as good as none: the run reads
        // the LMS in full and keeps a new one.
        let mut shadow = match serde_json::from_str::<Shadow>(&json) {
            Ok(shadow) => shadow,
            Err(error) => {
                tracing::warn!(%error, "the kept shadow of the LMS could not be read; reading in full");
                return Ok(None);
            }
        };
        if let Some(plan) = kept.plan {
            let landed = LandedWrites::of(&kept.landed);
            if !landed.is_empty() {
                let Ok(plan) = serde_json::from_str::<Plan>(&plan) else {
                    tracing::warn!("the plan of the last run could not be read; reading in full");
                    return Ok(None);
                };
                let mut scratch = links.clone();
                apply_landed(&plan, &mut shadow.lms, &mut scratch, &mut { landed });
            }
        }
        Ok(Some(shadow))
    }

    /// Keeps `shadow`, or drops the kept one with `None`; either way the
    /// plan and landed writes of the run go.
    pub(crate) async fn save(
        kept: &dyn StateStore,
        shadow: Option<&Shadow>,
    ) -> Result<(), EngineError> {
        let json = shadow.and_then(|shadow| {
            encode(&ShadowView {
                read_at: shadow.read_at,
                request: &shadow.request,
                mapping: &shadow.mapping,
                lms: &shadow.lms,
                stale: shadow.stale.as_deref(),
            })
        });
        kept.keep_shadow(json.as_deref(), None)
            .await
            .map_err(store("keep the shadow of the LMS"))
    }
}

/// JSON of one of our own types; were one not to encode, the shadow is
/// dropped and the next run reads in full.
fn encode<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value)
        .map_err(|error| {
            tracing::warn!(%error, "the shadow of the LMS could not be encoded; dropping it");
        })
        .ok()
}

/// What a run decided about reading the LMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadPlan {
    /// Plan against the shadow; only buildings, roles and grading periods
    /// are read.
    Incremental,
    /// Read in full, for this reason.
    Full(String),
}

/// Everything [`decide`] weighs.
pub(crate) struct ReadInputs<'a> {
    pub(crate) read: LmsRead,
    pub(crate) scheduled: bool,
    pub(crate) shadow: Option<&'a Shadow>,
    pub(crate) request: &'a LmsRequest,
    pub(crate) mapping: &'a serde_json::Value,
    pub(crate) now: DateTime<Utc>,
    pub(crate) today: NaiveDate,
    pub(crate) cadence: DriftCadence,
}

/// Whether a run plans against the shadow or reads the LMS in full.
pub(crate) fn decide(inputs: &ReadInputs<'_>) -> ReadPlan {
    let full = |why: &str| ReadPlan::Full(why.to_owned());
    match inputs.read {
        LmsRead::Full => return full("a full read was asked for"),
        LmsRead::Auto if !inputs.scheduled => {
            return full(
                "a sync run by hand reads the LMS in full (--incremental plans against the shadow)",
            );
        }
        LmsRead::Auto | LmsRead::Incremental => {}
    }
    let Some(shadow) = inputs.shadow else {
        return full("no shadow of the LMS is kept yet");
    };
    if !covers(&shadow.request, inputs.request) {
        return full("the kept shadow does not cover these buildings or records");
    }
    if let Some(why) = &shadow.stale {
        return full(why);
    }
    if shadow.mapping != *inputs.mapping {
        return full("the mapping changed since the last full read");
    }
    let age = inputs.now.signed_duration_since(shadow.read_at);
    if age >= Duration::days(MAX_AGE_DAYS) {
        return full(&format!(
            "the last full read is {} days old (the most is {MAX_AGE_DAYS})",
            age.num_days()
        ));
    }
    if inputs.read == LmsRead::Auto
        && inputs.today.weekday() == inputs.cadence.weekday
        && shadow.read_at.date_naive() < inputs.today
    {
        return full(&format!(
            "{} is the day of the weekly drift check",
            inputs.cadence.weekday
        ));
    }
    ReadPlan::Incremental
}

/// Whether a shadow read for `kept` answers `wanted`: the same buildings,
/// and every kind of record it asks for.
/// The object types a request reads, for the drift check.
pub(crate) fn read_types(request: &LmsRequest) -> drift::ReadTypes {
    drift::ReadTypes {
        users: request.users,
        courses: request.courses,
        sections: request.sections,
    }
}

fn covers(kept: &LmsRequest, wanted: &LmsRequest) -> bool {
    kept.buildings == wanted.buildings
        && (kept.users || !wanted.users)
        && (kept.courses || !wanted.courses)
        && (kept.sections || !wanted.sections)
}

/// The union of two requests of the same buildings.
pub(crate) fn widest(a: &LmsRequest, b: &LmsRequest) -> LmsRequest {
    LmsRequest {
        buildings: a.buildings.clone(),
        users: a.users || b.users,
        courses: a.courses || b.courses,
        sections: a.sections || b.sections,
    }
}

/// What a run read of the LMS, and how.
pub(crate) struct LmsReading {
    /// The LMS as the plan sees it.
    pub(crate) snapshot: LmsSnapshot,
    /// How it was read, for the run's notes.
    pub(crate) note: String,
    /// The basis of the shadow this run keeps when it ends.
    pub(crate) kept: Option<Basis>,
    /// What the drift check found, when this run read in full over a kept
    /// shadow (`None` when there was nothing to check against).
    pub(crate) drift: Option<Vec<Drift>>,
    /// Whether the plan works from the shadow.
    pub(crate) incremental: bool,
}

/// What a shadow kept at the end of a run rests on.
pub(crate) struct Basis {
    read_at: DateTime<Utc>,
    request: LmsRequest,
    mapping: serde_json::Value,
}

impl Basis {
    /// Before a run's first write: keeps `lms` (what the plan works from)
    /// as the shadow and `plan` with it, so that the writes that land,
    /// saved with their links, carry it forward should the run stop.
    pub(crate) async fn begin(
        &self,
        kept: &dyn StateStore,
        lms: &LmsSnapshot,
        plan: &Plan,
    ) -> Result<(), EngineError> {
        let shadow = encode(&ShadowView {
            read_at: self.read_at,
            request: &self.request,
            mapping: &self.mapping,
            lms,
            stale: None,
        });
        let plan = encode(plan);
        // Without both, no shadow (the next run reads in full).
        let (shadow, plan) = match (shadow, plan) {
            (Some(shadow), Some(plan)) => (Some(shadow), Some(plan)),
            _ => (None, None),
        };
        kept.keep_shadow(shadow.as_deref(), plan.as_deref())
            .await
            .map_err(store("keep the shadow of the LMS"))
    }

    /// A full read of `request` at `at`, under `mapping`.
    pub(crate) fn full(at: DateTime<Utc>, request: LmsRequest, mapping: serde_json::Value) -> Self {
        Basis {
            read_at: at,
            request,
            mapping,
        }
    }
}

impl Engine {
    /// Reads the LMS for a run of `record`'s scope: in full, or buildings,
    /// roles and grading periods only, with the roster from the shadow.
    pub(crate) async fn read_lms(
        &self,
        record: &RunRecord,
        options: &RunOptions,
        links: &Links,
        sis: &SisSnapshot,
    ) -> Result<LmsReading, EngineError> {
        let request = self.lms_request(record.scope);
        let mapping = self.mapping_json();
        let shadow = Shadow::load(&*self.store, links).await?;
        let decision = decide(&ReadInputs {
            read: options.read,
            scheduled: record.trigger == Trigger::Scheduled,
            shadow: shadow.as_ref(),
            request: &request,
            mapping: &mapping,
            now: options.now,
            today: self.today(options.now),
            cadence: self.options.drift,
        });
        self.progress.stage(Stage::ReadingLms);
        let (decision, shadow) = match (decision, shadow) {
            (ReadPlan::Incremental, Some(shadow)) => {
                match self.read_from_shadow(shadow, &request, sis, links).await? {
                    Ok((snapshot, note, read_at, request_kept)) => {
                        tracing::info!("{note}");
                        return Ok(LmsReading {
                            snapshot,
                            note,
                            kept: Some(Basis {
                                read_at,
                                request: request_kept,
                                mapping,
                            }),
                            drift: None,
                            incremental: true,
                        });
                    }
                    Err((why, shadow)) => (ReadPlan::Full(why), Some(*shadow)),
                }
            }
            other => other,
        };
        let why = match decision {
            ReadPlan::Full(why) => why,
            ReadPlan::Incremental => "no shadow of the LMS is kept".to_owned(),
        };
        let mut snapshot = self
            .lms
            .snapshot(&request)
            .await
            .map_err(lms("read the roster"))?;
        let mut note = format!("read the LMS in full: {why}");
        // The drift check: the fresh read against what rostersync
        // last left in the LMS. Records reported under the "report"
        // rule are planned as it left them, so the plan leaves them.
        let drift = shadow
            .filter(|shadow| covers(&shadow.request, &request))
            .map(|shadow| {
                let drift = drift::compare(
                    &shadow.lms,
                    &snapshot,
                    links,
                    self.mapping.drift(),
                    read_types(&request),
                );
                drift::hold_reported(&drift, &shadow.lms, &mut snapshot, links);
                drift
            });
        if let Some(drift) = &drift {
            note.push_str(&format!(
                "; the drift check found {} record(s) changed in the LMS outside rostersync (`rostersync drift`)",
                drift.len()
            ));
        }
        tracing::info!("{note}");
        Ok(LmsReading {
            snapshot,
            note,
            kept: Some(Basis {
                read_at: options.now,
                request,
                mapping,
            }),
            drift,
            incremental: false,
        })
    }

    /// The mapping as a shadow records it, to tell when it changed.
    pub(crate) fn mapping_json(&self) -> serde_json::Value {
        serde_json::to_value(self.mapping.spec()).unwrap_or_default()
    }

    /// The LMS as the shadow knows it, with buildings, roles and grading
    /// periods read afresh and the SIS sections the shadow has never seen
    /// looked up by code (one made by hand is then linked, not created
    /// twice). `Err` gives the shadow back with the reason to read in full.
    #[allow(clippy::type_complexity)]
    async fn read_from_shadow(
        &self,
        shadow: Shadow,
        request: &LmsRequest,
        sis: &SisSnapshot,
        links: &Links,
    ) -> Result<
        Result<(LmsSnapshot, String, DateTime<Utc>, LmsRequest), (String, Box<Shadow>)>,
        EngineError,
    > {
        let mut found = Vec::new();
        let mut unseen = Vec::new();
        if request.sections {
            let known: HashSet<&str> = shadow
                .lms
                .sections
                .iter()
                .filter_map(|s| s.unique_code.as_deref())
                .collect();
            unseen = sis
                .sections
                .iter()
                .filter(|s| !links.sections.contains_key(&s.key) && !known.contains(s.key.as_str()))
                .map(|s| s.key.to_string())
                .collect();
            unseen.sort_unstable();
            unseen.dedup();
        }
        if !unseen.is_empty() {
            match self.lms.sections_by_codes(&unseen).await {
                Ok(sections) => found = sections,
                Err(error) if error.kind() == ErrorKind::Invalid => {
                    return Ok(Err((
                        format!(
                            "{} SIS section(s) are not in the shadow and {}",
                            unseen.len(),
                            error.message()
                        ),
                        Box::new(shadow),
                    )));
                }
                Err(error) => return Err(lms("look up sections by their codes")(error)),
            }
        }
        let directory = self
            .lms
            .directory()
            .await
            .map_err(lms("read buildings, roles and grading periods"))?;
        let Shadow {
            read_at,
            request: kept,
            lms: mut snapshot,
            ..
        } = shadow;
        snapshot.buildings = directory.buildings;
        snapshot.roles = directory.roles;
        snapshot.grading_periods = directory.grading_periods;
        let looked_up = if unseen.is_empty() {
            String::new()
        } else {
            format!(
                "; {} SIS section(s) it has not seen were looked up by code ({} found)",
                unseen.len(),
                found.len()
            )
        };
        for section in found {
            if !snapshot.sections.iter().any(|s| s.id == section.id) {
                snapshot.sections.push(section);
            }
        }
        let note = format!(
            "planned against the shadow of the LMS (last read in full {}); only buildings, roles and grading periods were read{looked_up}",
            read_at.format("%Y-%m-%d %H:%M UTC")
        );
        Ok(Ok((snapshot, note, read_at, widest(&kept, request))))
    }

    /// Keeps the shadow a run leaves: the LMS it planned against, carried
    /// forward over the writes that landed. None is kept when a create
    /// landed without an id (the shadow would miss it); one is kept marked
    /// for a full read when a write found the LMS other than the shadow said.
    pub(crate) async fn keep_shadow(
        &self,
        basis: Option<Basis>,
        mut lms: LmsSnapshot,
        planned: &Plan,
        landings: &mut LandedWrites,
        links: &Links,
        mismatched: &[(Entity, String)],
    ) -> Result<Kept, EngineError> {
        let Some(basis) = basis else {
            return Ok(Kept::default());
        };
        let mut scratch = links.clone();
        apply_landed(planned, &mut lms, &mut scratch, landings);
        if landings.created_without_id() {
            Shadow::save(&*self.store, None).await?;
            return Ok(Kept::note(
                "a record was created without an id in the answer; the next run reads the LMS in full",
            ));
        }
        // A write refused because the record is gone or differs (404, 409)
        // says the LMS is not what the shadow says: it is read in full.
        let mismatched = mismatched.to_vec();
        let mismatched_count = mismatched.len();
        let stale = (mismatched_count > 0).then(|| {
            format!("{mismatched_count} write(s) of the last sync found the LMS other than the shadow said (404 or 409)")
        });
        let shadow = Shadow {
            read_at: basis.read_at,
            request: basis.request,
            mapping: basis.mapping,
            lms: roster_only(lms),
            stale,
        };
        Shadow::save(&*self.store, Some(&shadow)).await?;
        Ok(Kept {
            note: (mismatched_count > 0).then(|| {
                format!(
                    "{mismatched_count} write(s) found the LMS other than the shadow said (404 or 409); the next run reads the LMS in full"
                )
            }),
            mismatched,
        })
    }
}

/// What keeping the shadow found.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// A note for the run, when the next run must read in full.
    pub(crate) note: Option<String>,
    /// Records whose writes found the LMS other than the shadow said.
    pub(crate) mismatched: Vec<(Entity, String)>,
}

impl Kept {
    fn note(note: &str) -> Self {
        Kept {
            note: Some(note.to_owned()),
            mismatched: Vec::new(),
        }
    }
}

/// `lms` without the lists every run reads afresh.
fn roster_only(mut lms: LmsSnapshot) -> LmsSnapshot {
    lms.buildings = Vec::new();
    lms.roles = Vec::new();
    lms.grading_periods = Vec::new();
    lms
}

/// The store setting naming the last drift check: `{"run": ID, "at": TIME,
/// "found": N}`.
pub const LAST_DRIFT_CHECK: &str = "last_drift_check";

/// The last drift check, as kept in [`LAST_DRIFT_CHECK`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftCheck {
    /// The run that made it; its outcomes of status `drift` are what it found.
    pub run: RunId,
    /// When.
    pub at: DateTime<Utc>,
    /// How many records had drifted.
    pub found: u64,
}

impl Engine {
    /// Acts on what a drift check found: the links of records deleted by
    /// hand under the "restore" rule go, so that the plan creates them again
    /// (saved at once, before any write links the new record), and unless
    /// a dry run, the findings are kept with the run.
    pub(crate) async fn settle_drift(
        &self,
        run: RunId,
        options: &RunOptions,
        drift: &[Drift],
        links: &mut LinkLedger,
    ) -> Result<(), EngineError> {
        let gone = drift
            .iter()
            .filter(|d| d.kind == DriftKind::Deleted && d.rule == DriftRule::Restore);
        for drift in gone {
            links.forget_record(drift.entity, &drift.key);
        }
        if options.dry_run {
            return Ok(());
        }
        self.store
            .apply_link_changes(&links.take_changes())
            .await
            .map_err(store("save links"))?;
        self.record_drift(run, options.now, drift).await
    }

    /// Keeps what a drift check found as outcomes of status `drift` of the
    /// run, and the run as the last drift check.
    pub(crate) async fn record_drift(
        &self,
        run: RunId,
        at: DateTime<Utc>,
        drift: &[Drift],
    ) -> Result<(), EngineError> {
        let outcomes: Vec<RecordOutcome> = drift
            .iter()
            .map(|drift| RecordOutcome {
                run,
                entity: drift.entity,
                key: drift.key.clone(),
                action: None,
                status: OutcomeStatus::Drift,
                reason: Some(drift.to_string()),
            })
            .collect();
        self.store
            .record_outcomes(&outcomes)
            .await
            .map_err(store("keep the drift report"))?;
        let check = DriftCheck {
            run,
            at,
            found: drift.len() as u64,
        };
        let json = serde_json::to_string(&check).unwrap_or_default();
        self.store
            .save_setting(LAST_DRIFT_CHECK, &json)
            .await
            .map_err(store("keep the drift report"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn request(sections: bool) -> LmsRequest {
        LmsRequest {
            buildings: ["9001".into()].into_iter().collect(),
            users: true,
            courses: true,
            sections,
        }
    }

    fn shadow(read_at: DateTime<Utc>) -> Shadow {
        Shadow {
            read_at,
            request: request(true),
            mapping: serde_json::json!({"m": 1}),
            lms: LmsSnapshot::default(),
            stale: None,
        }
    }

    /// A Wednesday noon.
    fn wednesday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    fn decide_at(now: DateTime<Utc>, kept: &Shadow, read: LmsRead, scheduled: bool) -> ReadPlan {
        decide(&ReadInputs {
            read,
            scheduled,
            shadow: Some(kept),
            request: &request(false),
            mapping: &serde_json::json!({"m": 1}),
            now,
            today: now.date_naive(),
            cadence: DriftCadence::default(),
        })
    }

    fn is_full(plan: &ReadPlan, why: &str) -> bool {
        matches!(plan, ReadPlan::Full(reason) if reason.contains(why))
    }

    #[test]
    fn a_scheduled_sync_plans_against_a_fresh_shadow_that_covers_it() {
        let kept = shadow(wednesday() - Duration::days(2));
        assert_eq!(
            decide_at(wednesday(), &kept, LmsRead::Auto, true),
            ReadPlan::Incremental
        );
        assert!(is_full(
            &decide_at(wednesday(), &kept, LmsRead::Auto, false),
            "by hand"
        ));
        assert_eq!(
            decide_at(wednesday(), &kept, LmsRead::Incremental, false),
            ReadPlan::Incremental
        );
        assert!(is_full(
            &decide_at(wednesday(), &kept, LmsRead::Full, true),
            "asked for"
        ));
    }

    #[test]
    fn the_weekly_check_day_and_an_old_shadow_read_in_full() {
        let sunday = wednesday() + Duration::days(4);
        let kept = shadow(sunday - Duration::days(1));
        assert!(is_full(
            &decide_at(sunday, &kept, LmsRead::Auto, true),
            "weekly drift check"
        ));
        // Once read in full that Sunday, later runs that day plan against it.
        let read_today = shadow(sunday - Duration::hours(1));
        assert_eq!(
            decide_at(sunday, &read_today, LmsRead::Auto, true),
            ReadPlan::Incremental
        );
        // --incremental skips the weekly check, but not the age limit.
        assert_eq!(
            decide_at(sunday, &kept, LmsRead::Incremental, true),
            ReadPlan::Incremental
        );
        let old = shadow(wednesday() - Duration::days(MAX_AGE_DAYS));
        assert!(is_full(
            &decide_at(wednesday(), &old, LmsRead::Incremental, true),
            "days old"
        ));
    }

    #[test]
    fn a_shadow_that_does_not_cover_the_request_or_mapping_reads_in_full() {
        let mut kept = shadow(wednesday() - Duration::days(1));
        kept.request.sections = false;
        let wider = ReadInputs {
            read: LmsRead::Auto,
            scheduled: true,
            shadow: Some(&kept),
            request: &request(true),
            mapping: &serde_json::json!({"m": 1}),
            now: wednesday(),
            today: wednesday().date_naive(),
            cadence: DriftCadence::default(),
        };
        assert!(is_full(&decide(&wider), "does not cover"));
        let remapped = ReadInputs {
            request: &request(false),
            mapping: &serde_json::json!({"m": 2}),
            ..wider
        };
        assert!(is_full(&decide(&remapped), "mapping changed"));
        let mut marked = shadow(wednesday() - Duration::days(1));
        marked.stale = Some("2 write(s) of the last sync found the LMS other".to_owned());
        let stale = ReadInputs {
            mapping: &serde_json::json!({"m": 1}),
            shadow: Some(&marked),
            ..remapped
        };
        assert!(is_full(&decide(&stale), "found the LMS other"));
    }
}
