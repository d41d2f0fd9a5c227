//! The gradebook of one section as either side holds it: categories, items,
//! scores and period grades. Grade math and passback planning build on these.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{GradingPeriodId, PersonKey, SectionKey, TermKey};

/// A grading category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeCategory {
    /// The category's id on its side (LMS id or SIS category code).
    pub id: String,
    /// Title.
    pub title: String,
    /// Weight in percent, when the gradebook weights categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// How many lowest scores are dropped.
    #[serde(default)]
    pub drop_lowest: u32,
}

/// A gradebook item (assignment or assessment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeItem {
    /// The item's id on its side; for items rostersync writes, a stable external id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// Maximum points.
    pub max_points: f64,
    /// Category id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Multiplier of the item's weight.
    pub factor: f64,
    /// The LMS grading period the item belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading_period: Option<GradingPeriodId>,
}

/// The state of one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    /// A number of points.
    Graded,
    /// Excused (exempt): counts for nothing.
    Excused,
    /// Missing work.
    Missing,
    /// Incomplete work.
    Incomplete,
    /// Not graded yet.
    Empty,
}

/// One student's score on one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The item's id.
    pub item: String,
    /// The student.
    pub student: PersonKey,
    /// Points, when graded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// The score's state.
    pub status: ScoreStatus,
    /// A comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A student's grade for a whole grading period, as a percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodGrade {
    /// The student.
    pub student: PersonKey,
    /// The grading period.
    pub period: GradingPeriodId,
    /// The percentage, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
}

/// The LMS gradebook of one section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LmsGradebook {
    /// Categories.
    pub categories: Vec<GradeCategory>,
    /// Items.
    pub items: Vec<GradeItem>,
    /// Scores.
    pub scores: Vec<Score>,
    /// Period grades as the LMS computes them.
    pub period_grades: Vec<PeriodGrade>,
}

/// The SIS gradebook of one section in one term.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SisGradebook {
    /// Categories.
    pub categories: Vec<GradeCategory>,
    /// Items, with the external ids rostersync gave them where it wrote them.
    pub items: Vec<GradeItem>,
    /// Scores.
    pub scores: Vec<Score>,
}

/// Items and scores to write into the SIS gradebook of one section and term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeWrite {
    /// The section.
    pub section: SectionKey,
    /// The term (marking period).
    pub term: TermKey,
    /// Items to create or update, by stable external id.
    pub items: Vec<GradeItem>,
    /// Scores to write.
    pub scores: Vec<Score>,
}
