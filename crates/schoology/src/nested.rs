//! Sections nested in a course's bulk create, and the one place that holds
//! what the public record leaves open about them.
//!
//! Schoology's import pattern creates a course and its sections in one call
//! (reference §7.6): `POST courses?update_existing=1` with
//! `{"courses":{"course":[{..., "sections":{"section":[{"title", "section_school_code",
//! "grading_periods"}]}}]}}`. The record documents the request, not the answer.
//!
//! ASSUMPTIONS (UNCONFIRMED), held here and nowhere else:
//!
//! - The answer is one item per course, as for a course bulk without
//!   sections; it says nothing reliable about the nested sections: not
//!   their ids, not whether each was created. So a course answered 200 may
//!   hold all, some or none of its sections, and only a read tells which:
//!   [`Client::nested_sections`] reads them back by their unique codes
//!   (`GET sections?section_school_codes=`, 50 codes per call).
//! - A course refused in its item creates none of its sections.
//! - A nested section list obeys the same limits as a separate sections
//!   bulk: at most [`BATCH_SIZE`](crate::BATCH_SIZE) sections per course (the 50-object cap
//!   is taken to apply to each list, not to the request as a whole).
//! - Resending the request after a lost answer duplicates nothing: the
//!   course is matched by `course_code` (`update_existing`), and a nested
//!   section whose `section_school_code` (unique in the school) is taken is
//!   updated or refused, never created twice; the read-back decides.
//!
//! If the answer turns out to carry the sections' ids, only this module
//! changes: the read-back stays correct, one call per 50 sections dearer.

use std::collections::HashMap;

use http::Method;
use serde::Serialize;

use crate::bulk::{Answer, Bulk, BulkResult};
use crate::client::{Client, Safety};
use crate::courses::CourseRecord;
use crate::error::Error;
use crate::sections::SectionRecord;

/// A course to create or update by `course_code`, with the sections to
/// create in it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CourseWithSections {
    /// The course.
    #[serde(flatten)]
    pub course: CourseRecord,
    /// The sections, nested as `{"section":[...]}`; left out when empty.
    #[serde(skip_serializing_if = "NestedList::is_empty")]
    pub sections: NestedList,
}

/// The `{"section":[...]}` envelope of nested sections.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NestedList {
    /// The sections (at most [`BATCH_SIZE`](crate::BATCH_SIZE)).
    pub section: Vec<SectionRecord>,
}

impl NestedList {
    /// Whether there are no sections.
    pub fn is_empty(&self) -> bool {
        self.section.is_empty()
    }
}

/// Where a section sent nested in its course's create was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landed {
    /// Under the course it was sent with: its id.
    Created(String),
    /// Not held by Schoology: the course's answer gave no reason.
    Missing,
    /// Held, but under another course (its code was taken): that course's id.
    ElsewhereIn(String),
}

impl Client {
    /// Creates or updates courses by `course_code` (`update_existing=1`),
    /// each with the sections it carries, 50 courses per call; one result
    /// per course. Repeated after a lost answer (see the module's
    /// assumptions). Whether the sections landed is not in the results:
    /// ask [`Client::nested_sections`].
    pub async fn bulk_courses_with_sections(
        &self,
        courses: &[CourseWithSections],
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: "courses".into(),
            query: vec![("update_existing", "1".to_owned())],
            outer: "courses",
            inner: "course",
            answer: Answer::Flat("course"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, courses).await
    }

    /// Where each section sent nested in a course create landed, read back
    /// by its unique code; `sent` pairs each `section_school_code` with the
    /// id of the course it was sent with. One result per pair, in order.
    ///
    /// # Errors
    ///
    /// When a read fails.
    pub async fn nested_sections(&self, sent: &[(&str, &str)]) -> Result<Vec<Landed>, Error> {
        let mut codes: Vec<&str> = sent.iter().map(|(code, _)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        let held: HashMap<String, (String, Option<String>)> = self
            .sections_by_school_codes(&codes)
            .await?
            .into_iter()
            .filter_map(|s| Some((s.section_school_code?, (s.id, s.course_id))))
            .collect();
        Ok(sent
            .iter()
            .map(|(code, course)| match held.get(*code) {
                None => Landed::Missing,
                Some((_, Some(other))) if other != course => Landed::ElsewhereIn(other.clone()),
                Some((id, _)) => Landed::Created(id.clone()),
            })
            .collect())
    }
}
