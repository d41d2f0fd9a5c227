//! Grades, read side: section assignments, grading categories, grading
//! scales, and section grades with period and final grades.

use serde::Deserialize;

use crate::client::{Client, Request};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// An assignment (grade item).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Assignment {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub description: Option<String>,
    /// Due, `YYYY-MM-DD HH:MM:SS` without a zone.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub due: Option<String>,
    /// Maximum points.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub max_points: Option<f64>,
    /// Weight multiplier.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub factor: Option<f64>,
    /// Grading category (0 or absent = none).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub grading_category: Option<String>,
    /// Grading period (0 = "Other").
    #[serde(default, deserialize_with = "de::opt_id")]
    pub grading_period: Option<String>,
    /// Grading scale (0 = none).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub grading_scale: Option<String>,
    /// Whether it is a final (exam).
    #[serde(default, deserialize_with = "de::flag")]
    pub is_final: bool,
    /// Whether it is published.
    #[serde(default, deserialize_with = "de::flag")]
    pub published: bool,
    /// assignment, discussion or assessment.
    #[serde(default, rename = "type", deserialize_with = "de::opt_id")]
    pub kind: Option<String>,
}

/// A grading category of a section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GradingCategory {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// Weight in percent.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub weight: Option<f64>,
    /// Lowest scores dropped (0-10).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub drop_lowest: Option<i64>,
    /// 1 percent, 2 total points.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub calculation_type: Option<i64>,
}

/// A grading scale of a section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GradingScale {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// 0 numeric, 1 percent, 3 points.
    #[serde(default, rename = "type", deserialize_with = "de::opt_i64")]
    pub kind: Option<i64>,
    /// The levels.
    #[serde(default)]
    pub scale: ScaleLevels,
}

/// The levels of a grading scale.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ScaleLevels {
    /// Levels, highest first as Schoology lists them.
    #[serde(default, deserialize_with = "de::one_or_many")]
    pub level: Vec<ScaleLevel>,
}

/// One level of a grading scale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScaleLevel {
    /// The letter or label.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub grade: Option<String>,
    /// The lowest percentage of the level.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub cutoff: Option<f64>,
}

/// One grade of one enrollment on one assignment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Grade {
    /// The enrollment.
    #[serde(deserialize_with = "de::id")]
    pub enrollment_id: String,
    /// The assignment.
    #[serde(deserialize_with = "de::id")]
    pub assignment_id: String,
    /// Points (a letter on a scale reads as `None`).
    #[serde(default, deserialize_with = "de::lenient_f64")]
    pub grade: Option<f64>,
    /// 0 none, 1 excused, 2 incomplete, 3 missing.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub exception: Option<i64>,
    /// Maximum points.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub max_points: Option<f64>,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub comment: Option<String>,
    /// Category.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub category_id: Option<String>,
    /// Server time of the last change.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub timestamp: Option<i64>,
}

/// A grading period of a section's grades (`p13011`, `other`, `final`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PeriodInfo {
    /// The period id as the grades name it.
    #[serde(deserialize_with = "de::id")]
    pub period_id: String,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub period_title: Option<String>,
    /// Weight.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub weight: Option<f64>,
}

/// The period and final grades of one enrollment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FinalGrade {
    /// The enrollment.
    #[serde(deserialize_with = "de::id")]
    pub enrollment_id: String,
    /// One grade per period, plus `other` and `final`.
    #[serde(default, deserialize_with = "de::one_or_many")]
    pub period: Vec<PeriodGrade>,
}

/// A computed percentage for one period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PeriodGrade {
    /// `p` + grading period id, `other` or `final`.
    #[serde(deserialize_with = "de::id")]
    pub period_id: String,
    /// The percentage.
    #[serde(default, deserialize_with = "de::lenient_f64")]
    pub grade: Option<f64>,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub comment: Option<String>,
}

impl PeriodGrade {
    /// The grading period id, for `p`-prefixed period ids.
    pub fn grading_period_id(&self) -> Option<&str> {
        self.period_id
            .strip_prefix('p')
            .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// The grades of a section.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct SectionGrades {
    /// Assignment grades.
    pub grades: GradeList,
    /// The grading periods the grades use.
    #[serde(deserialize_with = "de::one_or_many")]
    pub period: Vec<PeriodInfo>,
    /// Period and final grades per enrollment.
    #[serde(deserialize_with = "de::one_or_many")]
    pub final_grade: Vec<FinalGrade>,
}

/// The `grades.grade` wrapper.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct GradeList {
    /// The grades.
    #[serde(deserialize_with = "de::one_or_many")]
    pub grade: Vec<Grade>,
}

impl Client {
    /// The assignments of a section.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn section_assignments(
        &self,
        section_id: &str,
    ) -> Result<Collection<Assignment>, Error> {
        self.list(
            &format!("sections/{section_id}/assignments"),
            &[],
            "assignment",
        )
        .await
    }

    /// The grading categories of a section.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn grading_categories(
        &self,
        section_id: &str,
    ) -> Result<Collection<GradingCategory>, Error> {
        let path = format!("sections/{section_id}/grading_categories");
        self.list(&path, &[], "grading_category").await
    }

    /// The grading scales of a section.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn grading_scales(
        &self,
        section_id: &str,
    ) -> Result<Collection<GradingScale>, Error> {
        let path = format!("sections/{section_id}/grading_scales");
        self.list(&path, &[], "grading_scale").await
    }

    /// The grades of a section, with period and final grades.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn section_grades(&self, section_id: &str) -> Result<SectionGrades, Error> {
        self.send(Request::get(format!("sections/{section_id}/grades")))
            .await?
            .json()
    }
}
