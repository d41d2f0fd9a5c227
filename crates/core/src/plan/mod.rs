//! `plan()`: compares the SIS with the LMS through the links and the mapping,
//! and says what one sync would do. Pure, deterministic, never fails on data.

mod builder;
mod courses;
mod digest;
mod emails;
mod enrollments;
mod fit;
mod guardians;
mod held;
mod index;
pub(crate) mod record;
mod render;
mod sections;
mod simulate;
mod summary;
mod types;
mod users;

use chrono::NaiveDate;

pub use digest::{EXAMPLES, Example, PlanDigest, ReasonGroup};
pub use render::{RenderOptions, render_json, render_listing, render_text};
pub use sections::grading_period_title;
pub use simulate::{IdSource, Landed, LandedWrites, Landing, apply_landed, simulate_apply};
pub use summary::{EntityCounts, PlanSummary};
pub use types::{
    CourseOp, EnrollmentAction, EnrollmentOp, FieldChange, GradingPeriodOp, GuardianLinkAction,
    GuardianLinkOp, Note, NoteReason, PeriodRef, Plan, RecordAction, SectionOp, SectionSpec, Skip,
    SkipReason, UserOp,
};

use crate::mapping::MappingConfig;
use crate::model::links::Links;
use crate::model::lms::LmsSnapshot;
use crate::model::sis::SisSnapshot;
use crate::scope::SyncScope;

/// Everything `plan()` reads.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The SIS side.
    pub sis: &'a SisSnapshot,
    /// The LMS side.
    pub lms: &'a LmsSnapshot,
    /// What rostersync owns.
    pub links: &'a Links,
    /// The administrator's mapping.
    pub mapping: &'a MappingConfig,
    /// The object types in scope.
    pub scope: SyncScope,
    /// The district's local date, to judge enrollment begin and end dates.
    pub today: NaiveDate,
}

/// Plans one sync: what to create, update, link, enroll and drop, and what to
/// leave alone and why.
///
/// Pure and deterministic: the same inputs in any order give the same plan.
/// It never fails: a bad record becomes a [`Skip`] with a reason, and a
/// record synced with something changed or left out carries a [`Note`]. It
/// never deletes a user or a course, never removes an enrollment or
/// association the links do not say rostersync manages, never creates a
/// record data prep finds ambiguous or an enrollment before its begin date,
/// and never carries a password. Every text value it sends is made to fit
/// the LMS by [`lms_text::fit`](crate::lms_text::fit).
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let mut b = builder::Builder::new(input);
    let people = if input.scope.users() {
        users::plan_users(&mut b)
    } else {
        users::resolve_users(&b)
    };
    if input.scope.users() && input.mapping.options().guardian_links {
        guardians::plan_guardian_links(&mut b, &people);
    }
    b.release_user_lookups();
    let courses = if input.scope.courses() {
        courses::plan_courses(&mut b)
    } else {
        courses::resolve_courses(&b)
    };
    if input.scope.sections() {
        let periods = sections::plan_grading_periods(&mut b);
        let students = enrollments::students_per_section(&b);
        let section_states = sections::plan_sections(&mut b, &courses, &periods, &students);
        enrollments::plan_enrollments(&mut b, &people, &section_states);
    }
    let mut plan = b.plan;
    plan.users.shrink_to_fit();
    plan.enrollments.shrink_to_fit();
    sort(&mut plan);
    plan
}

/// Puts every list in key order, so that input order never shows.
fn sort(plan: &mut Plan) {
    // Keys are unique within each list but the skips', so an unstable sort
    // is deterministic there.
    plan.grading_periods
        .sort_unstable_by(|a, b| a.term.cmp(&b.term));
    plan.users.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    plan.courses.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    plan.sections.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    plan.enrollments
        .sort_unstable_by(|a, b| (&a.section, &a.person).cmp(&(&b.section, &b.person)));
    plan.guardian_links
        .sort_unstable_by(|a, b| (&a.guardian, &a.student).cmp(&(&b.guardian, &b.student)));
    plan.skips
        .sort_by(|a, b| (a.entity, &a.key).cmp(&(b.entity, &b.key)));
    // A record may have two notes, pushed in a fixed order: a stable sort.
    plan.notes
        .sort_by(|a, b| (a.entity, &a.key).cmp(&(b.entity, &b.key)));
}

#[cfg(test)]
mod tests;
