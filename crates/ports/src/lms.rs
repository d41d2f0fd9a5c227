//! `LmsTarget`: reading and writing the roster of a learning management system.

use std::collections::BTreeSet;

use async_trait::async_trait;
use rostersync_core::ids::{BuildingId, CourseId, SectionId, SectionKey, UserId};
use rostersync_core::model::lms::{
    LmsBuilding, LmsGradingPeriod, LmsRole, LmsSection, LmsSnapshot, SectionFields,
};
use rostersync_core::plan::{CourseOp, EnrollmentOp, GradingPeriodOp, GuardianLinkOp, UserOp};
use serde::{Deserialize, Serialize};

use crate::error::PortResult;

/// The account the LMS acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingUser {
    /// LMS id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// Whether the account is a System Administrator of the district.
    pub is_system_admin: bool,
    /// The title of the account's role, when the LMS names one; a refusal
    /// shows it, so that a district whose administrator role has another
    /// title sees which title to accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_title: Option<String>,
}

impl ActingUser {
    /// "Name (id)".
    pub fn name_and_id(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    /// "Name (id) (role "Title")", or "(no role title)" when the LMS names none.
    pub fn describe(&self) -> String {
        match &self.role_title {
            Some(title) => format!("{} (role {title:?})", self.name_and_id()),
            None => format!("{} (no role title)", self.name_and_id()),
        }
    }
}

/// The district-level lists an administrator maps against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LmsDirectory {
    /// Buildings.
    pub buildings: Vec<LmsBuilding>,
    /// Roles.
    pub roles: Vec<LmsRole>,
    /// Grading periods.
    pub grading_periods: Vec<LmsGradingPeriod>,
}

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsRequest {
    /// The buildings whose users, courses, sections and enrollments to read.
    pub buildings: BTreeSet<BuildingId>,
    /// Read users.
    pub users: bool,
    /// Read courses.
    pub courses: bool,
    /// Read sections and their enrollments.
    pub sections: bool,
}

/// A section write with every reference resolved to an LMS id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionWrite {
    /// The section's SIS key (written to the unique code).
    pub key: SectionKey,
    /// The LMS section to update, or `None` to create.
    pub id: Option<SectionId>,
    /// The LMS course.
    pub course: CourseId,
    /// The fields.
    pub fields: SectionFields,
}

/// A section created nested in its course's create: its course has no LMS
/// id yet, so the section names none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NestedSection {
    /// The section's SIS key (written to the unique code).
    pub key: SectionKey,
    /// The fields, grading periods resolved to LMS ids.
    pub fields: SectionFields,
}

/// A course write, with the sections of a course it creates written in the
/// same call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseWrite {
    /// The course operation.
    pub op: CourseOp,
    /// Sections to create with the course, only when `op` creates it; empty
    /// otherwise. At most as many as a batch holds (50).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<NestedSection>,
}

/// One batch of writes of one kind, in the order the engine applies them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "ops", rename_all = "snake_case")]
pub enum LmsWrite {
    /// Create grading periods.
    GradingPeriods(Vec<GradingPeriodOp>),
    /// Create, update or link users.
    Users(Vec<UserOp>),
    /// Create, update or link courses.
    Courses(Vec<CourseOp>),
    /// Create, update or link courses, creating the sections of each new
    /// course with it ([`CourseWrite::sections`]), so that they need no call
    /// of their own. One outcome per course, in batch order: whether the
    /// nested sections landed is not in it; a later
    /// [`LmsWrite::NestedSections`] batch learns that and their ids.
    CoursesWithSections(Vec<CourseWrite>),
    /// Create or update sections.
    Sections(Vec<SectionWrite>),
    /// Sections sent nested in their course's create by an earlier
    /// [`LmsWrite::CoursesWithSections`] batch: nothing is written; each
    /// section the LMS holds under its course (found by its unique code) is
    /// done with its id, and one it does not hold is failed with the reason
    /// (the next run creates it on its own). Resending is harmless.
    NestedSections(Vec<SectionWrite>),
    /// Enroll, unenroll or change roles.
    Enrollments(Vec<EnrollmentOp>),
    /// Add or remove parent associations.
    GuardianLinks(Vec<GuardianLinkOp>),
}

impl LmsWrite {
    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        match self {
            LmsWrite::GradingPeriods(ops) => ops.len(),
            LmsWrite::Users(ops) => ops.len(),
            LmsWrite::Courses(ops) => ops.len(),
            LmsWrite::CoursesWithSections(ops) => ops.len(),
            LmsWrite::Sections(ops) | LmsWrite::NestedSections(ops) => ops.len(),
            LmsWrite::Enrollments(ops) => ops.len(),
            LmsWrite::GuardianLinks(ops) => ops.len(),
        }
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The result of one record of a write batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteResult {
    /// Applied; the LMS id of the record when the LMS returned one.
    Done {
        /// The record's LMS id.
        id: Option<String>,
    },
    /// Refused or failed.
    Failed {
        /// The LMS status, if any.
        status: Option<u16>,
        /// The LMS's message, or ours.
        message: String,
        /// Whether the write may have been applied anyway.
        may_have_been_applied: bool,
    },
}

/// The outcome of one record of a write batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The record's key as the plan names it.
    pub key: String,
    /// What happened.
    pub result: WriteResult,
}

/// Something the administrator should read about a record the LMS took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteWarning {
    /// What happened, in words an administrator can act on; it names the
    /// record and the value left out.
    pub message: String,
    /// The e-mail address the LMS did not take for the account (it holds it
    /// for an account elsewhere). The engine remembers it, and later plans
    /// leave the account's e-mail alone while the SIS address is the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_email: Option<String>,
}

/// The outcome of one record of an LMS write batch, in the batch's order: a
/// [`WriteOutcome`] that an applied record may carry a warning with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmsOutcome {
    /// The record's key as the plan names it.
    pub key: String,
    /// What happened.
    pub result: WriteResult,
    /// With [`WriteResult::Done`]: how the record was written differently
    /// from what was asked (an e-mail left out, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<WriteWarning>,
}

impl From<WriteOutcome> for LmsOutcome {
    fn from(outcome: WriteOutcome) -> Self {
        LmsOutcome {
            key: outcome.key,
            result: outcome.result,
            warning: None,
        }
    }
}

/// A learning management system.
///
/// # Contract
///
/// - `apply` is idempotent per record: applying the same batch twice leaves the
///   LMS as applying it once (creates match existing records by their unique
///   field, e.g. Schoology's `update_existing`), so the engine may resend a
///   batch after a crash.
/// - `apply` returns one outcome per record, in batch order; one failed record
///   never fails the batch. A record the LMS took with something left out
///   (an e-mail it holds for an account elsewhere) is done, with a
///   [`WriteWarning`], not failed. An `Err` means the batch as a whole failed and
///   says, through [`PortError::may_have_been_applied`](crate::PortError::may_have_been_applied),
///   whether any of it may have landed.
/// - Rate limiting and retries of safe requests happen inside the adapter;
///   the engine does not retry again.
/// - Nothing here deletes a user or a course, or sends a password.
#[async_trait]
pub trait LmsTarget: Send + Sync {
    /// The account the credentials act as.
    ///
    /// # Errors
    ///
    /// When the LMS cannot be reached or refuses the credentials.
    async fn acting_user(&self) -> PortResult<ActingUser>;

    /// Buildings, roles and grading periods.
    ///
    /// # Errors
    ///
    /// When the LMS cannot be reached or refuses the credentials.
    async fn directory(&self) -> PortResult<LmsDirectory>;

    /// The roster of the requested buildings.
    ///
    /// # Errors
    ///
    /// When the read fails.
    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot>;

    /// The sections whose unique codes are among `codes`, wherever they are
    /// (a sync planned against the shadow asks for the SIS sections it has
    /// never seen, so that one made by hand with that code is linked, not
    /// created twice). The default says the adapter cannot look them up,
    /// and the engine then reads the LMS in full.
    ///
    /// # Errors
    ///
    /// When the look-up fails; [`ErrorKind::Invalid`](crate::ErrorKind::Invalid)
    /// when the adapter cannot look sections up by code.
    async fn sections_by_codes(&self, codes: &[String]) -> PortResult<Vec<LmsSection>> {
        let _ = codes;
        Err(crate::PortError::new(
            crate::ErrorKind::Invalid,
            "this LMS adapter cannot look sections up by their codes",
        ))
    }

    /// Applies one batch of writes.
    ///
    /// # Errors
    ///
    /// When the batch as a whole fails.
    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>>;

    /// What this adapter's calls came to since it was built, when it counts
    /// them (the engine reports the difference over a run). `None` by default.
    fn call_stats(&self) -> Option<LmsCallStats> {
        None
    }

    /// What this adapter remembers of its recent calls, for the next run of
    /// the district wherever it runs (see [`CallMemory`]). `None` by default:
    /// an adapter that does not pace its calls has nothing to carry.
    fn call_memory(&self) -> Option<CallMemory> {
        None
    }

    /// Takes into account the calls another adapter of the same district
    /// made (as its [`LmsTarget::call_memory`] kept them), so that its calls
    /// and this adapter's together keep to the rate limit. An adapter
    /// ignores its own memory. Does nothing by default.
    fn recall_calls(&self, memory: &CallMemory) {
        let _ = memory;
    }
}

/// What an LMS adapter remembers of its calls, kept in the store between
/// runs: a district's rate limit is the LMS's, not one process's, so the run
/// after this one (in another process, perhaps on another machine) counts
/// these calls against its first window and starts at the pace this one
/// learned. Times are wall-clock: workers on several machines need their
/// clocks in step (NTP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallMemory {
    /// Which adapter kept it (unique per adapter built), so that an
    /// adapter does not count its own calls twice.
    pub origin: String,
    /// When the last window's calls were sent (or are booked to go),
    /// oldest first.
    pub calls: Vec<chrono::DateTime<chrono::Utc>>,
    /// The pace the adapter had come to, in requests per second.
    pub pace_per_second: f64,
    /// The highest rate the LMS showed it allows (its 429s), in requests
    /// per second; the configured limit until one came.
    pub ceiling_per_second: f64,
    /// Nothing may be sent before this (a `Retry-After` the LMS named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// What an LMS adapter's calls came to, counted from its start.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LmsCallStats {
    /// Answers received, refusals for the rate limit included.
    pub calls: u64,
    /// Answers that refused a call for the rate limit (HTTP 429).
    pub rate_limited: u64,
    /// Time with at least one call under way (or waiting for its turn).
    pub busy: std::time::Duration,
    /// The rate the adapter was configured to call at most, per second.
    pub limit_per_second: f64,
    /// The rate it paces its calls at now, per second (lower than the limit
    /// after the LMS refused calls for the rate limit).
    pub pace_per_second: f64,
}
