//! Matching SIS courses to existing LMS courses: by unique code (the SIS key
//! in the LMS course code), then by the SIS course code within the building,
//! then by title within the building.

use std::collections::HashSet;

use super::index::{Fold, Hits, Index, by_id, key, same, unlinked};
use super::report::{MatchEntry, MatchMethod, MatchOutcome};
use super::resolve::{decide, finish, found, trimmed};
use crate::ids::{BuildingId, CourseId};
use crate::mapping::MappingConfig;
use crate::model::links::Links;
use crate::model::lms::LmsCourse;
use crate::model::sis::Course;

/// Whether data prep considers a course: its school is mapped and selected for courses.
pub(super) fn in_scope(course: &Course, mapping: &MappingConfig) -> bool {
    mapping.building(&course.school).is_some()
        && mapping.selection().courses.contains(&course.school)
}

/// A lookup value within one building.
fn building_key(building: &BuildingId, text: &str, fold: Fold) -> Option<u64> {
    key(&[(building.as_str(), Fold::Exact), (text, fold)])
}

/// The LMS courses that are not linked yet, indexed by each match method.
struct CourseIndex<'a> {
    courses: Vec<&'a LmsCourse>,
    /// Every SIS course key (trimmed), to tell a SIS key from a hand-made code.
    sis_keys: HashSet<&'a str>,
    code: Index,
    /// By building and code (case-insensitive).
    building_code: Index,
    /// By building and title (normalized).
    building_title: Index,
}

impl<'a> CourseIndex<'a> {
    fn new(courses: &'a [LmsCourse], sis: &'a [Course], links: &Links) -> Self {
        let records = unlinked(
            courses,
            links.courses.values().map(|link| &link.id),
            |course| &course.id,
        );
        Self::of(records, sis)
    }

    /// The index of `records`, the unlinked courses sorted by id.
    fn of(records: Vec<&'a LmsCourse>, sis: &'a [Course]) -> Self {
        let mut index = CourseIndex {
            sis_keys: sis
                .iter()
                .filter_map(|course| trimmed(course.key.as_str()))
                .collect(),
            code: Index::with_capacity(records.len()),
            building_code: Index::with_capacity(records.len()),
            building_title: Index::with_capacity(records.len()),
            courses: records,
        };
        for at in (0..index.courses.len()).rev() {
            let course = index.courses[at];
            let building = &course.fields.building;
            index.code.insert(key(&[(&course.code, Fold::Exact)]), at);
            let code = building_key(building, &course.code, Fold::Lower);
            index.building_code.insert(code, at);
            let title = building_key(building, &course.fields.title, Fold::Words);
            index.building_title.insert(title, at);
        }
        index
    }

    /// What data prep finds for `course`, which has no link.
    fn outcome(&self, course: &Course, building: &BuildingId) -> MatchOutcome<CourseId> {
        let key = course.key.as_str();
        let found = self
            .by_unique_code(course, building)
            .or_else(|| self.by_code(course, building))
            .or_else(|| self.by_title(course, building));
        decide(found, |at| self.id(at), |at| self.other_key(at, key))
    }

    fn id(&self, at: usize) -> CourseId {
        self.courses[at].id.clone()
    }

    /// The other SIS key the course carries in its code, if any.
    ///
    /// Schoology requires a course code, so a hand-made course always has
    /// one. A code counts as "already used by another record" only when it
    /// is the key of another SIS course; any other code is hand-made and is
    /// replaced by the SIS key when the match is applied.
    fn other_key(&self, at: usize, key: &str) -> Option<String> {
        let code = trimmed(&self.courses[at].code)?;
        (code != key.trim() && self.sis_keys.contains(code)).then(|| code.to_owned())
    }

    /// Courses whose code is the SIS key. Course codes are unique per
    /// building only, so when several carry the key, those in the course's
    /// own building are preferred.
    fn by_unique_code(
        &self,
        course: &Course,
        building: &BuildingId,
    ) -> Option<(MatchMethod, Hits)> {
        let sis_key = course.key.as_str();
        let mut hits = self.code.find(key(&[(sis_key, Fold::Exact)]), |at| {
            same(&self.courses[at].code, sis_key, Fold::Exact)
        });
        if hits.positions.len() > 1 {
            let local = |at: &usize| self.courses[*at].fields.building == *building;
            if hits.positions.iter().any(local) {
                hits.positions.retain(local);
            }
        }
        found(MatchMethod::UniqueId, hits)
    }

    /// Courses of the building whose code is the SIS course code.
    fn by_code(&self, course: &Course, building: &BuildingId) -> Option<(MatchMethod, Hits)> {
        let lookup = building_key(building, &course.code, Fold::Lower);
        let candidates = self.building_code.find(lookup, |at| {
            let lms = self.courses[at];
            lms.fields.building == *building && same(&lms.code, &course.code, Fold::Lower)
        });
        found(MatchMethod::Code, candidates)
    }

    /// Courses of the building with the same title.
    fn by_title(&self, course: &Course, building: &BuildingId) -> Option<(MatchMethod, Hits)> {
        let lookup = building_key(building, &course.title, Fold::Words);
        let candidates = self.building_title.find(lookup, |at| {
            let lms = self.courses[at];
            lms.fields.building == *building && same(&lms.fields.title, &course.title, Fold::Words)
        });
        found(MatchMethod::Title, candidates)
    }
}

/// Matches every course in scope, in report order.
pub(super) fn match_courses(
    courses: &[Course],
    lms: &[LmsCourse],
    links: &Links,
    mapping: &MappingConfig,
) -> Vec<MatchEntry<CourseId>> {
    let index = CourseIndex::new(lms, courses, links);
    let mut entries: Vec<MatchEntry<CourseId>> = courses
        .iter()
        .filter(|course| in_scope(course, mapping))
        .filter_map(|course| Some((course, mapping.building(&course.school)?)))
        .map(|(course, building)| {
            let key = course.key.as_str();
            let outcome = if let Some(link) = links.courses.get(&course.key) {
                MatchOutcome::AlreadyLinked {
                    lms_id: link.id.clone(),
                }
            } else {
                index.outcome(course, building)
            };
            MatchEntry {
                key: key.to_owned(),
                name: course.title.trim().to_owned(),
                outcome,
            }
        })
        .collect();
    finish(&mut entries);
    entries
}

/// The courses among `courses` (none of them linked) whose match data prep
/// finds ambiguous, each with its outcome, in the order given; `sis` is
/// every SIS course, `unlinked` the LMS courses no link claims, in any
/// order. Courses data prep does not consider are never ambiguous.
pub(crate) fn ambiguous_courses<T: Copy>(
    courses: &[(T, &Course)],
    sis: &[Course],
    unlinked: Vec<&LmsCourse>,
    mapping: &MappingConfig,
) -> Vec<(T, MatchOutcome<CourseId>)> {
    if unlinked.len() < 2 {
        return Vec::new();
    }
    let index = CourseIndex::of(by_id(unlinked, |course| &course.id), sis);
    courses
        .iter()
        .filter(|(_, course)| in_scope(course, mapping))
        .filter_map(|&(at, course)| {
            let outcome = index.outcome(course, mapping.building(&course.school)?);
            matches!(outcome, MatchOutcome::Ambiguous { .. }).then_some((at, outcome))
        })
        .collect()
}
