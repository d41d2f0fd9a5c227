//! Which object types one sync covers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The object types one sync covers. Sections always come with their
/// enrollments and the grading periods they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncScope {
    /// User accounts (and guardian links when enabled).
    Users,
    /// Courses.
    Courses,
    /// Grading periods, sections and enrollments.
    Sections,
    /// Everything, in dependency order.
    All,
    /// Grade passback (LMS to SIS); overlaps only itself.
    Grades,
}

impl SyncScope {
    /// Every scope.
    pub const ALL: [SyncScope; 5] = [
        SyncScope::Users,
        SyncScope::Courses,
        SyncScope::Sections,
        SyncScope::All,
        SyncScope::Grades,
    ];

    /// Whether users are in scope.
    pub fn users(self) -> bool {
        matches!(self, SyncScope::Users | SyncScope::All)
    }

    /// Whether courses are in scope.
    pub fn courses(self) -> bool {
        matches!(self, SyncScope::Courses | SyncScope::All)
    }

    /// Whether grading periods, sections and enrollments are in scope.
    pub fn sections(self) -> bool {
        matches!(self, SyncScope::Sections | SyncScope::All)
    }

    /// Whether two scopes touch any object type in common (and so must not run at once).
    pub fn overlaps(self, other: SyncScope) -> bool {
        (self.users() && other.users())
            || (self.courses() && other.courses())
            || (self.sections() && other.sections())
            || (self == SyncScope::Grades && other == SyncScope::Grades)
    }

    /// The snake_case name used in configuration and output.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncScope::Users => "users",
            SyncScope::Courses => "courses",
            SyncScope::Sections => "sections",
            SyncScope::All => "all",
            SyncScope::Grades => "grades",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(name: &str) -> Option<SyncScope> {
        SyncScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == name)
    }
}

impl fmt::Display for SyncScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
