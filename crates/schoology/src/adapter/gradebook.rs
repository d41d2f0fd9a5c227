//! `GradeSource`: a section's assignments, categories, scores and period
//! grades, with students named by their SIS key (`school_uid`).

use std::collections::HashMap;

use rostersync_core::ids::{GradingPeriodId, PersonKey, SectionKey, UserId};
use rostersync_core::model::grades::{
    GradeCategory, GradeItem, LmsGradebook, PeriodGrade, Score, ScoreStatus,
};
use rostersync_ports::PortResult;

use super::{SchoologyLms, convert};
use crate::grades::{Assignment, Grade, GradingCategory};

/// An id that Schoology uses `0` for when there is none.
fn non_zero(id: Option<&String>) -> Option<String> {
    id.filter(|id| id.as_str() != "0").cloned()
}

fn category(category: &GradingCategory) -> GradeCategory {
    GradeCategory {
        id: category.id.clone(),
        title: category.title.clone().unwrap_or_default(),
        weight: category.weight,
        drop_lowest: category
            .drop_lowest
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
    }
}

fn item(assignment: &Assignment) -> GradeItem {
    GradeItem {
        id: assignment.id.clone(),
        title: assignment.title.clone().unwrap_or_default(),
        description: assignment.description.clone(),
        due: assignment.due.as_deref().and_then(convert::date),
        max_points: assignment.max_points.unwrap_or(100.0),
        category: non_zero(assignment.grading_category.as_ref()),
        factor: assignment.factor.unwrap_or(1.0),
        grading_period: non_zero(assignment.grading_period.as_ref()).map(GradingPeriodId::new),
    }
}

/// The state of a grade: exceptions 1 excused, 2 incomplete, 3 missing.
fn status(grade: &Grade) -> ScoreStatus {
    match grade.exception {
        Some(1) => ScoreStatus::Excused,
        Some(2) => ScoreStatus::Incomplete,
        Some(3) => ScoreStatus::Missing,
        _ if grade.grade.is_some() => ScoreStatus::Graded,
        _ => ScoreStatus::Empty,
    }
}

impl SchoologyLms {
    pub(super) async fn read_gradebook(&self, section: &SectionKey) -> PortResult<LmsGradebook> {
        let id = self.section_id(section).await?;
        let (assignments, categories, grades, enrollments) = futures::try_join!(
            self.client.section_assignments(&id),
            self.client.grading_categories(&id),
            self.client.section_grades(&id),
            self.client.section_enrollments(&id),
        )?;
        let students: HashMap<&str, PersonKey> = enrollments
            .items
            .iter()
            .filter_map(|e| Some((e.id.as_str(), PersonKey::new(e.school_uid.clone()?))))
            .collect();
        let mut scores = Vec::new();
        for grade in &grades.grades.grade {
            let Some(student) = students.get(grade.enrollment_id.as_str()) else {
                tracing::warn!(enrollment = %grade.enrollment_id, "grade of an enrollment without a unique id left out");
                continue;
            };
            let status = status(grade);
            scores.push(Score {
                item: grade.assignment_id.clone(),
                student: student.clone(),
                points: grade.grade.filter(|_| status == ScoreStatus::Graded),
                status,
                comment: grade.comment.clone(),
            });
        }
        let mut period_grades = Vec::new();
        for final_grade in &grades.final_grade {
            let Some(student) = students.get(final_grade.enrollment_id.as_str()) else {
                continue;
            };
            for period in &final_grade.period {
                if let Some(period_id) = period.grading_period_id() {
                    period_grades.push(PeriodGrade {
                        student: student.clone(),
                        period: GradingPeriodId::new(period_id),
                        percent: period.grade,
                    });
                }
            }
        }
        Ok(LmsGradebook {
            categories: categories.items.iter().map(category).collect(),
            items: assignments.items.iter().map(item).collect(),
            scores,
            period_grades,
        })
    }

    pub(super) async fn read_section_admins(
        &self,
        section: &SectionKey,
    ) -> PortResult<Vec<UserId>> {
        let id = self.section_id(section).await?;
        let enrollments = self.client.section_enrollments(&id).await?;
        let mut admins: Vec<UserId> = enrollments
            .items
            .iter()
            .filter(|e| e.admin && e.is_active())
            .map(|e| UserId::new(e.uid.clone()))
            .collect();
        admins.sort();
        admins.dedup();
        Ok(admins)
    }
}
