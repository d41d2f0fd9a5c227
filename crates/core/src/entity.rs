//! The kinds of record a plan touches and the actions it takes on them,
//! shared by plan summaries, thresholds and logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// Grading periods (from terms).
    GradingPeriod,
    /// User accounts.
    User,
    /// Courses.
    Course,
    /// Sections.
    Section,
    /// Enrollments.
    Enrollment,
    /// Guardian-student associations.
    GuardianLink,
    /// Gradebook items passed back to the SIS.
    GradeItem,
    /// Scores passed back to the SIS.
    Score,
}

impl Entity {
    /// Every entity: the roster in dependency order, then grades.
    pub const ALL: [Entity; 8] = [
        Entity::GradingPeriod,
        Entity::User,
        Entity::Course,
        Entity::Section,
        Entity::Enrollment,
        Entity::GuardianLink,
        Entity::GradeItem,
        Entity::Score,
    ];

    /// The roster entities a sync plans, in dependency order.
    pub const ROSTER: [Entity; 6] = [
        Entity::GradingPeriod,
        Entity::User,
        Entity::Course,
        Entity::Section,
        Entity::Enrollment,
        Entity::GuardianLink,
    ];

    /// The snake_case name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::GradingPeriod => "grading_period",
            Entity::User => "user",
            Entity::Course => "course",
            Entity::Section => "section",
            Entity::Enrollment => "enrollment",
            Entity::GuardianLink => "guardian_link",
            Entity::GradeItem => "grade_item",
            Entity::Score => "score",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|entity| entity.as_str() == name)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a plan does to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create it in the LMS (for enrollments: enroll).
    Create,
    /// Change owned fields (for enrollments: change the role).
    Update,
    /// Take ownership of an LMS record that already matches (no LMS write unless fields differ).
    Link,
    /// Remove it from the LMS (only enrollments and associations rostersync manages).
    Remove,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] = [Action::Create, Action::Update, Action::Link, Action::Remove];

    /// The snake_case name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Link => "link",
            Action::Remove => "remove",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
