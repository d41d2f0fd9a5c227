//! Grade passback math: the settings that make Schoology and eSchoolPLUS
//! compute the same result, the averages eSchoolPLUS will compute, the
//! pre-flight problems, and the plan of items and scores to write.
//!
//! Pure like the rest of the core: the gradebooks, the settings, the record of
//! what rostersync wrote before and the section's SIS roster are parameters.

mod math;
mod plan;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{GradingPeriodId, SchoolKey, TermKey};

pub use math::{Rounding, average, letter, round};
pub use plan::{
    AverageDiff, GradeConflict, GradeInput, GradePlan, GradeProblem, ItemWrite, ProblemKind,
    ScoreValue, ScoreWrite, WrittenScores, external_id, grade_plan,
};

/// One mapped grading period of the section: the LMS period, the SIS term it
/// maps to, the term's school and the term's dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodWindow {
    /// The LMS grading period.
    pub period: GradingPeriodId,
    /// The SIS term (marking period).
    pub term: TermKey,
    /// The school the term belongs to: a section's grades go only into its
    /// own school's terms, even where schools share a grading period.
    pub school: SchoolKey,
    /// First day of the term.
    pub start: NaiveDate,
    /// Last day of the term.
    pub end: NaiveDate,
}

/// What a missing score becomes in the SIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// An alpha mark (e.g. "M"), counted as the mark's value by the SIS.
    AlphaMark(String),
    /// Zero points.
    Zero,
}

/// How an average is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Averaging {
    /// Points earned over points possible, across all items.
    TotalPoints,
    /// Each category's percentage, weighted by the category's weight.
    WeightedCategories,
}

/// A SIS category as the SIS averages it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SisCategory {
    /// The category code.
    pub code: String,
    /// Weight in percent (weighted averaging only).
    pub weight: f64,
    /// How many lowest scores the SIS drops.
    pub drop_lowest: u32,
}

/// The grade settings of one course or section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeSettings {
    /// LMS category id → SIS category code.
    pub categories: BTreeMap<String, String>,
    /// The SIS categories, with their weights and drop-lowest counts.
    pub sis_categories: Vec<SisCategory>,
    /// The section's mapped grading periods (filled from the term mapping at
    /// run time when absent from configuration).
    #[serde(default)]
    pub periods: Vec<PeriodWindow>,
    /// What a missing score becomes.
    pub missing: MissingPolicy,
    /// The alpha mark of incomplete work.
    pub incomplete_mark: String,
    /// The exception code of excused work.
    pub excused_exception: String,
    /// How averages are rounded.
    pub rounding: Rounding,
    /// Percent → letter: (lowest percent, mark), highest first.
    pub scale: Vec<(f64, String)>,
    /// How averages are computed.
    pub averaging: Averaging,
    /// Largest difference, in percentage points, between the SIS's average
    /// and the LMS's period grade that is not reported.
    pub tolerance: f64,
    /// Longest item title the SIS takes.
    pub max_title_len: usize,
}

impl GradeSettings {
    /// The period window holding `date`, if any.
    pub fn window_of(&self, date: NaiveDate) -> Option<&PeriodWindow> {
        self.periods
            .iter()
            .find(|window| window.start <= date && date <= window.end)
    }

    /// The period window of an LMS grading period, if mapped.
    pub fn window_for(&self, period: &GradingPeriodId) -> Option<&PeriodWindow> {
        self.periods.iter().find(|window| &window.period == period)
    }
}

#[cfg(test)]
mod tests;
