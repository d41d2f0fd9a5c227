//! The pure core of rostersync: the domain model, the validated mapping,
//! `plan()`, data-prep matching, the schedule policy and safety thresholds.
//!
//! Nothing here does I/O, reads the clock or the environment, or runs async
//! code: every input is a parameter, so every behaviour is a plain unit test.
//! Bad data never makes a function here fail; it becomes a skip with a reason.

#![forbid(unsafe_code)]

pub mod drift;
pub mod entity;
pub mod grades;
pub mod ids;
pub mod lms_text;
pub mod mapping;
pub mod model;
pub mod plan;
pub mod prep;
pub mod schedule;
pub mod scope;
pub mod threshold;

pub use entity::{Action, Entity};
pub use mapping::{MappingConfig, MappingSpec};
pub use model::Text;
pub use model::links::Links;
pub use model::lms::LmsSnapshot;
pub use model::sis::SisSnapshot;
pub use plan::{Plan, PlanInput, PlanSummary};
pub use scope::SyncScope;
