//! `plan()`: compares the SIS with the LMS through the links and the mapping,
//! and says what one sync would do. Pure, deterministic, never fails on data.

mod summary;
mod types;

use chrono::NaiveDate;

pub use summary::{EntityCounts, PlanSummary};
pub use types::{
    CourseOp, EnrollmentAction, EnrollmentOp, FieldChange, GradingPeriodOp, GuardianLinkAction,
    GuardianLinkOp, PeriodRef, Plan, RecordAction, SectionOp, SectionSpec, Skip, SkipReason,
    UserOp,
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
    /// The district's local date, to judge enrollment end dates.
    pub today: NaiveDate,
}
