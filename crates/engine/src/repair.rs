//! The repair pass of a sync planned against the shadow: when writes found
//! the LMS other than the shadow said (a record deleted or changed by hand:
//! 404 or 409), the LMS is read in full in the same run, checked for drift
//! against the shadow, and planned and applied again, so those records are
//! put right now instead of at the next run.

use rostersync_core::drift;
use rostersync_core::model::links::LinkLedger;
use rostersync_core::plan::{Plan, PlanSummary, plan};
use rostersync_core::{PlanInput, SisSnapshot};
use rostersync_ports::{RunRecord, RunStatus};

use crate::engine::{Engine, managed_counts};
use crate::error::{EngineError, lms};
use crate::lock::Held;
use crate::progress::Stage;
use crate::report::{RunOptions, RunReport};
use crate::shadow::{Basis, Kept, Shadow, read_types};

impl Engine {
    /// Reads the LMS in full, plans again and applies, folding what it did
    /// into `report`: the writes that found the LMS other than the shadow
    /// said are no longer failures of the run when this pass settles them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn repair(
        &self,
        record: &RunRecord,
        options: &RunOptions,
        held: &Held,
        sis: &SisSnapshot,
        mut links: LinkLedger,
        kept: &Kept,
        report: &mut RunReport,
    ) -> Result<(), EngineError> {
        // The shadow just kept: the LMS as the first pass knew it, with
        // what landed.
        let Some(shadow) = Shadow::load(&*self.store, links.links()).await? else {
            report.notes.extend(kept.note.clone());
            return Ok(());
        };
        self.progress.stage(Stage::ReadingLms);
        let request = self.lms_request(record.scope);
        let mut fresh = self
            .lms
            .snapshot(&request)
            .await
            .map_err(lms("read the roster again"))?;
        let found = drift::compare(
            &shadow.lms,
            &fresh,
            links.links(),
            self.mapping.drift(),
            read_types(&request),
        );
        drift::hold_reported(&found, &shadow.lms, &mut fresh, links.links());
        self.settle_drift(record.id, options, &found, &mut links)
            .await?;
        self.progress.stage(Stage::Planning);
        let again: Plan = plan(&PlanInput {
            sis,
            lms: &fresh,
            links: links.links(),
            mapping: &self.mapping,
            scope: record.scope,
            today: self.today(options.now),
        });
        let breaches = self
            .mapping
            .thresholds()
            .check(&PlanSummary::of(&again), &managed_counts(links.links()));
        let mismatched = kept.mismatched.len();
        if !breaches.is_empty() && !options.force {
            report.notes.push(format!(
                "{mismatched} write(s) found the LMS other than the shadow said; planned again after a full read, that plan exceeds a safety threshold and was not applied: the next run reads in full"
            ));
            return Ok(());
        }
        self.progress.stage(Stage::Writing);
        let basis = Basis::full(options.now, request, self.mapping_json());
        basis.begin(&*self.store, &fresh, &again).await?;
        let mut applier = self.applier(record.id, record.scope, &held.holder, links);
        applier.track_landed = true;
        applier.apply_plan(&again, &fresh).await?;
        let repaired = kept
            .mismatched
            .iter()
            .filter(|(entity, key)| {
                !applier
                    .failures
                    .iter()
                    .any(|failure| failure.entity == *entity && failure.key == *key)
            })
            .count();
        report.done += applier.done;
        report.notes.append(&mut applier.notes);
        report.notes.push(format!(
            "{mismatched} write(s) found the LMS other than the shadow said (404 or 409): the LMS was read in full, checked for drift ({} record(s) changed by hand) and the sync planned again in this run; {repaired} of them were put right",
            found.len()
        ));
        report.warnings.append(&mut applier.warnings);
        report.skips += applier.skipped.len() as u64;
        report.failures.retain(|failure| {
            !kept
                .mismatched
                .contains(&(failure.entity, failure.key.clone()))
        });
        report.failures.append(&mut applier.failures);
        report.status = if report.failures.is_empty() {
            RunStatus::Succeeded
        } else {
            RunStatus::CompletedWithFailures
        };
        let last = self
            .keep_shadow(
                Some(basis),
                fresh,
                &again,
                &mut applier.landings,
                applier.links.links(),
                &applier.mismatched,
            )
            .await?;
        report.notes.extend(last.note);
        Ok(())
    }
}
