//! Data prep: matching SIS records to LMS records that already exist, before
//! the first sync, so that none is created twice.
//!
//! [`match_records`] looks, for every SIS person, course and section in scope
//! that has no link yet, for an LMS record it could link, trying one method
//! after another and stopping at the first that finds any candidate:
//!
//! - people: unique id (the LMS `unique_id` is the SIS key, exact after
//!   trimming), e-mail (case-insensitive), username (case-insensitive), then
//!   legal or preferred first name plus last name within one of the person's
//!   mapped buildings (case-folded, whitespace collapsed, accents kept);
//! - courses: unique code (the LMS course code is the SIS key), the SIS course
//!   code (case-insensitive) within the course's building, then the title
//!   within the building;
//! - sections: unique code (the section school code is the SIS key), the
//!   section code (case-insensitive) within the LMS course that the section's
//!   SIS course is linked to or matched with, then the title within it.
//!
//! An LMS record that is already linked is never a candidate. One candidate
//! is a match unless its unique field carries another SIS key (for courses,
//! whose code Schoology requires: the key of another SIS course), which makes
//! it a conflict; two or more are ambiguous; two SIS records matching one LMS
//! record are both conflicting. Records already linked are listed as such;
//! records in scope whose key occurs more than once are listed as duplicate
//! keys and not matched. Nothing is written here: [`accepted_links`] computes
//! the links and unique-field writes that applying the report means.
//!
//! The report is sorted, so the same inputs in any order give the same
//! report. Every lookup goes through a hash index that allocates nothing per
//! record, and an ambiguous record lists at most [`MAX_CANDIDATES`] candidates:
//! the cost grows as n log n with the number of records (sorting), never as
//! n², even when thousands of records share a name or a placeholder e-mail.

mod apply;
mod courses;
mod index;
mod people;
mod render;
mod report;
mod resolve;
mod sections;

#[cfg(test)]
mod tests;

pub use apply::{PrepApply, UniqueIdWrite, accepted_links};
pub(crate) use courses::ambiguous_courses;
pub(crate) use people::ambiguous_people;
pub use render::{
    CSV_HEADER, render_csv, render_listing, render_summary, render_text, report_rows,
};
pub use report::{
    ConflictReason, MAX_CANDIDATES, MatchCounts, MatchEntry, MatchMethod, MatchOutcome,
    MatchReport, OutcomeKind, ReportCounts,
};
pub(crate) use sections::ambiguous_sections;

use crate::mapping::MappingConfig;
use crate::model::links::Links;
use crate::model::lms::LmsSnapshot;
use crate::model::sis::SisSnapshot;

/// Matches every unlinked SIS user, course and section in scope to the LMS
/// records that already exist. Pure and deterministic; never fails on data.
///
/// In scope means: the record's school is mapped and selected for its object
/// type (people: their primary school, whose role map must give their role an
/// LMS role rather than Do not sync).
pub fn match_records(
    sis: &SisSnapshot,
    lms: &LmsSnapshot,
    links: &Links,
    mapping: &MappingConfig,
) -> MatchReport {
    let users = people::match_people(&sis.people, &lms.users, links, mapping);
    let courses = courses::match_courses(&sis.courses, &lms.courses, links, mapping);
    let sections = sections::match_sections(&sis.sections, &lms.sections, links, mapping, &courses);
    MatchReport {
        users,
        courses,
        sections,
    }
}
