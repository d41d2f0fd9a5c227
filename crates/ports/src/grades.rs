//! `GradeSource` and `GradeSink`: reading grades from the LMS and writing them to the SIS.

use async_trait::async_trait;
use rostersync_core::ids::{SchoolKey, SectionKey, TermKey, UserId};
use rostersync_core::model::grades::{GradeWrite, LmsGradebook, SisGradebook};

use crate::error::PortResult;
use crate::lms::WriteOutcome;

/// Where grades come from (the LMS).
///
/// # Contract
///
/// Reads only. Scores name students by their SIS key (the LMS unique id).
#[async_trait]
pub trait GradeSource: Send + Sync {
    /// The gradebook of a section.
    ///
    /// # Errors
    ///
    /// When the section does not exist or the read fails.
    async fn gradebook(&self, section: &SectionKey) -> PortResult<LmsGradebook>;

    /// The section admins (teachers) of a section, by LMS id.
    ///
    /// # Errors
    ///
    /// When the section does not exist or the read fails.
    async fn section_admins(&self, section: &SectionKey) -> PortResult<Vec<UserId>>;
}

/// Where grades go (the SIS gradebook).
///
/// # Contract
///
/// Items carry stable external ids: writing the same item twice updates it.
/// `write` returns one outcome per item and score, in order (items first).
/// A write goes only into terms of the section's own school
/// ([`GradeSink::section_school`]); the engine keeps to that.
#[async_trait]
pub trait GradeSink: Send + Sync {
    /// Tells the sink which sections the next reads and writes are for, so
    /// that it can read them together (one read for a teacher's sections).
    /// A hint: reading a section not named here still works.
    ///
    /// # Errors
    ///
    /// When a key cannot be a section of this SIS.
    async fn prepare(&self, sections: &[SectionKey]) -> PortResult<()> {
        let _ = sections;
        Ok(())
    }

    /// The school that teaches a section, as the SIS records it; `None`
    /// when the SIS has no such section.
    ///
    /// # Errors
    ///
    /// When the read fails.
    async fn section_school(&self, section: &SectionKey) -> PortResult<Option<SchoolKey>>;

    /// The SIS gradebook of a section in one term.
    ///
    /// # Errors
    ///
    /// When the read fails.
    async fn gradebook(&self, section: &SectionKey, term: &TermKey) -> PortResult<SisGradebook>;

    /// Writes items and scores.
    ///
    /// # Errors
    ///
    /// When the write as a whole fails.
    async fn write(&self, write: &GradeWrite) -> PortResult<Vec<WriteOutcome>>;
}
