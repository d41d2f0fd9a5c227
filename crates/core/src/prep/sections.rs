//! Matching SIS sections to existing LMS sections: by unique code (the SIS
//! key in the section school code), then by section code within the LMS
//! course of the section's SIS course, then by title within that course.

use std::collections::HashMap;

use super::index::{Fold, Hits, Index, by_id, key, same, unlinked};
use super::report::{MatchEntry, MatchMethod, MatchOutcome};
use super::resolve::{decide, finish, found, trimmed};
use crate::ids::{CourseId, SectionId};
use crate::mapping::MappingConfig;
use crate::model::links::Links;
use crate::model::lms::{LmsSection, LmsSnapshot};
use crate::model::sis::{Section, SisSnapshot};

/// Whether data prep considers a section: its school is mapped and selected for sections.
pub(super) fn in_scope(section: &Section, mapping: &MappingConfig) -> bool {
    mapping.building(&section.school).is_some()
        && mapping.selection().sections.contains(&section.school)
}

/// The LMS course of each SIS course: linked before, or matched in this report.
fn course_targets<'a>(
    links: &'a Links,
    courses: &'a [MatchEntry<CourseId>],
) -> HashMap<&'a str, &'a CourseId> {
    let mut targets: HashMap<&str, &CourseId> = courses
        .iter()
        .filter_map(|entry| match &entry.outcome {
            MatchOutcome::Matched { lms_id, .. } => Some((entry.key.as_str(), lms_id)),
            _ => None,
        })
        .collect();
    targets.extend(
        links
            .courses
            .iter()
            .map(|(key, link)| (key.as_str(), &link.id)),
    );
    targets
}

/// A lookup value within one LMS course.
fn course_key(course: &CourseId, text: &str, fold: Fold) -> Option<u64> {
    key(&[(course.as_str(), Fold::Exact), (text, fold)])
}

/// The LMS sections that are not linked yet, indexed by each match method.
struct SectionIndex<'a> {
    sections: Vec<&'a LmsSection>,
    unique_code: Index,
    /// By LMS course and section code (case-insensitive).
    course_code: Index,
    /// By LMS course and title (normalized).
    course_title: Index,
}

impl<'a> SectionIndex<'a> {
    fn new(sections: &'a [LmsSection], links: &Links) -> Self {
        let records = unlinked(
            sections,
            links.sections.values().map(|link| &link.id),
            |section| &section.id,
        );
        Self::of(records)
    }

    /// The index of `records`, the unlinked sections sorted by id.
    fn of(records: Vec<&'a LmsSection>) -> Self {
        let mut index = SectionIndex {
            unique_code: Index::with_capacity(records.len()),
            course_code: Index::with_capacity(records.len()),
            course_title: Index::with_capacity(records.len()),
            sections: records,
        };
        for at in (0..index.sections.len()).rev() {
            let section = index.sections[at];
            let unique_code = section.unique_code.as_deref().unwrap_or_default();
            index
                .unique_code
                .insert(key(&[(unique_code, Fold::Exact)]), at);
            let code = course_key(&section.course, &section.fields.code, Fold::Lower);
            index.course_code.insert(code, at);
            let title = course_key(&section.course, &section.fields.title, Fold::Words);
            index.course_title.insert(title, at);
        }
        index
    }

    /// What data prep finds for `section`, which has no link, given the
    /// LMS course its SIS course is linked to or matched with.
    fn outcome(&self, section: &Section, course: Option<&CourseId>) -> MatchOutcome<SectionId> {
        let key = section.key.as_str();
        let found = self.by_unique_code(section, course).or_else(|| {
            let course = course?;
            self.by_code(section, course)
                .or_else(|| self.by_title(section, course))
        });
        decide(found, |at| self.id(at), |at| self.other_key(at, key))
    }

    fn id(&self, at: usize) -> SectionId {
        self.sections[at].id.clone()
    }

    /// The unique code the section holds when it is not `key`.
    fn other_key(&self, at: usize, key: &str) -> Option<String> {
        let code = self.sections[at].unique_code.as_deref().and_then(trimmed)?;
        (code != key.trim()).then(|| code.to_owned())
    }

    /// Sections whose unique code is the SIS key; when several carry it,
    /// those in the target course are preferred.
    fn by_unique_code(
        &self,
        section: &Section,
        course: Option<&CourseId>,
    ) -> Option<(MatchMethod, Hits)> {
        let sis_key = section.key.as_str();
        let mut hits = self.unique_code.find(key(&[(sis_key, Fold::Exact)]), |at| {
            let held = self.sections[at].unique_code.as_deref();
            held.is_some_and(|held| same(held, sis_key, Fold::Exact))
        });
        if let (true, Some(course)) = (hits.positions.len() > 1, course) {
            let local = |at: &usize| self.sections[*at].course == *course;
            if hits.positions.iter().any(local) {
                hits.positions.retain(local);
            }
        }
        found(MatchMethod::UniqueId, hits)
    }

    /// Sections of the LMS course whose code is the SIS section code.
    fn by_code(&self, section: &Section, course: &CourseId) -> Option<(MatchMethod, Hits)> {
        let lookup = course_key(course, &section.code, Fold::Lower);
        let candidates = self.course_code.find(lookup, |at| {
            let lms = self.sections[at];
            lms.course == *course && same(&lms.fields.code, &section.code, Fold::Lower)
        });
        found(MatchMethod::Code, candidates)
    }

    /// Sections of the LMS course with the same title.
    fn by_title(&self, section: &Section, course: &CourseId) -> Option<(MatchMethod, Hits)> {
        let lookup = course_key(course, &section.title, Fold::Words);
        let candidates = self.course_title.find(lookup, |at| {
            let lms = self.sections[at];
            lms.course == *course && same(&lms.fields.title, &section.title, Fold::Words)
        });
        found(MatchMethod::Title, candidates)
    }
}

/// Matches every section in scope against the LMS courses `courses` matched
/// (or that were linked before), in report order.
pub(super) fn match_sections(
    sections: &[Section],
    lms: &[LmsSection],
    links: &Links,
    mapping: &MappingConfig,
    courses: &[MatchEntry<CourseId>],
) -> Vec<MatchEntry<SectionId>> {
    let index = SectionIndex::new(lms, links);
    let targets = course_targets(links, courses);
    let mut entries: Vec<MatchEntry<SectionId>> = sections
        .iter()
        .filter(|section| in_scope(section, mapping))
        .map(|section| {
            let key = section.key.as_str();
            let outcome = if let Some(link) = links.sections.get(&section.key) {
                MatchOutcome::AlreadyLinked {
                    lms_id: link.id.clone(),
                }
            } else {
                index.outcome(section, targets.get(section.course.as_str()).copied())
            };
            MatchEntry {
                key: key.to_owned(),
                name: section.title.trim().to_owned(),
                outcome,
            }
        })
        .collect();
    finish(&mut entries);
    entries
}

/// The sections among `sections` (none of them linked) whose match data
/// prep finds ambiguous, each with its outcome, in the order given;
/// `unlinked` are the LMS sections no link claims, in any order. Their
/// courses' LMS courses are found as data prep finds them: linked, or
/// matched among every SIS course. Sections data prep does not consider are
/// never ambiguous.
pub(crate) fn ambiguous_sections<T: Copy>(
    sections: &[(T, &Section)],
    sis: &SisSnapshot,
    lms: &LmsSnapshot,
    links: &Links,
    unlinked: Vec<&LmsSection>,
    mapping: &MappingConfig,
) -> Vec<(T, MatchOutcome<SectionId>)> {
    if unlinked.len() < 2 {
        return Vec::new();
    }
    let index = SectionIndex::of(by_id(unlinked, |section| &section.id));
    let courses = super::courses::match_courses(&sis.courses, &lms.courses, links, mapping);
    let targets = course_targets(links, &courses);
    sections
        .iter()
        .filter(|(_, section)| in_scope(section, mapping))
        .filter_map(|&(at, section)| {
            let course = targets.get(section.course.as_str()).copied();
            let outcome = index.outcome(section, course);
            matches!(outcome, MatchOutcome::Ambiguous { .. }).then_some((at, outcome))
        })
        .collect()
}
