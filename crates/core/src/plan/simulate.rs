//! Applies a plan to an in-memory LMS snapshot and links, the way a faithful
//! LMS would. Used to check that planning again after applying gives an empty
//! plan, to build a synced LMS for benchmarks, by in-memory fakes, and by the
//! engine to carry its shadow of the LMS forward over the writes that landed
//! ([`apply_landed`]).

use foldhash::HashMap;

use crate::entity::Entity;
use crate::ids::{CourseId, EnrollmentId, GradingPeriodId, SectionId, UserId};
use crate::model::links::{Link, LinkOrigin, Links};
use crate::model::lms::{
    LmsCourse, LmsEnrollment, LmsGradingPeriod, LmsParentLink, LmsSection, LmsSnapshot, LmsUser,
    SectionFields,
};
use crate::model::sis::EnrollmentRole;
use crate::plan::types::{
    EnrollmentAction, GuardianLinkAction, PeriodRef, Plan, RecordAction, SectionSpec,
};

/// Hands out new LMS ids ("9000001", "9000002", ...).
#[derive(Debug, Clone)]
pub struct IdSource {
    next: u64,
}

impl IdSource {
    /// Ids starting at `first`.
    pub fn starting_at(first: u64) -> Self {
        IdSource { next: first }
    }

    /// The next id.
    pub fn next_id(&mut self) -> String {
        let id = self.next;
        self.next += 1;
        id.to_string()
    }
}

impl Default for IdSource {
    fn default() -> Self {
        IdSource::starting_at(9_000_001)
    }
}

/// What became of one operation of a plan that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landed {
    /// It did not land (it failed, was skipped, or was never sent).
    No,
    /// It landed; a create or an enrollment landed with this LMS id.
    Yes(Option<String>),
}

/// Says what became of each operation of a plan, by entity and by the key
/// the engine gives its record (the SIS key; `section/person` for an
/// enrollment, `guardian/student` for a guardian link, the term for a
/// grading period).
pub trait Landing {
    /// What became of the `entity` operation of `key`; `creates` says
    /// whether it makes a new LMS record (whose id matters).
    fn landed(&mut self, entity: Entity, key: &str, creates: bool) -> Landed;
}

/// Writes that landed, by entity and key, with the id each got (the last
/// outcome of a key counts): what a run settled, or what was saved with the
/// links of a run that stopped.
#[derive(Debug, Clone, Default)]
pub struct LandedWrites {
    landed: foldhash::HashMap<(Entity, String), Option<String>>,
    unnamed: bool,
}

impl LandedWrites {
    /// The writes of `landed`, in order.
    pub fn of<'a>(landed: impl IntoIterator<Item = &'a crate::model::links::LandedWrite>) -> Self {
        let mut writes = LandedWrites::default();
        for l in landed {
            writes.record(l.entity, &l.key, l.id.clone());
        }
        writes
    }

    /// The `entity` record `key` landed, with the id the LMS gave it.
    pub fn record(&mut self, entity: Entity, key: &str, id: Option<String>) {
        self.landed.insert((entity, key.to_owned()), id);
    }

    /// Whether nothing landed.
    pub fn is_empty(&self) -> bool {
        self.landed.is_empty()
    }

    /// Whether a create applied from these landed without an id (the
    /// snapshot it was applied to misses that record).
    pub fn created_without_id(&self) -> bool {
        self.unnamed
    }
}

impl Landing for LandedWrites {
    fn landed(&mut self, entity: Entity, key: &str, creates: bool) -> Landed {
        match self.landed.get(&(entity, key.to_owned())) {
            None => Landed::No,
            Some(None) if creates => {
                self.unnamed = true;
                Landed::Yes(None)
            }
            Some(id) => Landed::Yes(id.clone()),
        }
    }
}

impl Landing for IdSource {
    /// Everything lands; a create with a new id.
    fn landed(&mut self, _entity: Entity, _key: &str, creates: bool) -> Landed {
        Landed::Yes(creates.then(|| self.next_id()))
    }
}

/// Applies every operation of `plan` to `lms` and `links`.
///
/// Operations whose references cannot be resolved (which a plan from
/// [`plan`](crate::plan::plan) never produces) are left out.
pub fn simulate_apply(plan: &Plan, lms: &mut LmsSnapshot, links: &mut Links, ids: &mut IdSource) {
    apply_landed(plan, lms, links, ids);
}

/// Applies the operations of `plan` that `landing` says landed to `lms` and
/// `links`, creates with the ids they got. A create that landed without an
/// id is left out, as are operations whose references cannot be resolved.
pub fn apply_landed(
    plan: &Plan,
    lms: &mut LmsSnapshot,
    links: &mut Links,
    landing: &mut dyn Landing,
) {
    for op in &plan.grading_periods {
        let Landed::Yes(Some(id)) = landing.landed(Entity::GradingPeriod, op.term.as_str(), true)
        else {
            continue;
        };
        let id = GradingPeriodId::new(id);
        lms.grading_periods.push(LmsGradingPeriod {
            id: id.clone(),
            title: op.title.clone(),
            start: op.start,
            end: op.end,
        });
        links
            .grading_periods
            .insert(op.term.clone(), Link::new(id, LinkOrigin::Created));
    }
    let mut users: HashMap<String, usize> = lms
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.to_string(), i))
        .collect();
    for op in &plan.users {
        let creates = matches!(op.action, RecordAction::Create { .. });
        let landed = landing.landed(Entity::User, op.key.as_str(), creates);
        if landed == Landed::No {
            continue;
        }
        match &op.action {
            RecordAction::Create { fields } => {
                let Landed::Yes(Some(id)) = landed else {
                    continue;
                };
                let id = UserId::new(id);
                users.insert(id.to_string(), lms.users.len());
                lms.users.push(LmsUser {
                    id: id.clone(),
                    unique_id: Some(op.key.as_str().into()),
                    fields: fields.clone(),
                });
                links
                    .users
                    .insert(op.key.clone(), Link::new(id, LinkOrigin::Created));
            }
            RecordAction::Update { id, fields, .. } | RecordAction::Link { id, fields, .. } => {
                if let Some(&index) = users.get(id.as_str()) {
                    lms.users[index].fields = fields.clone();
                    lms.users[index].unique_id = Some(op.key.as_str().into());
                }
                if matches!(op.action, RecordAction::Link { .. }) {
                    links
                        .users
                        .insert(op.key.clone(), Link::new(id.clone(), LinkOrigin::UniqueId));
                }
            }
        }
    }
    let mut courses: HashMap<String, usize> = lms
        .courses
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.to_string(), i))
        .collect();
    for op in &plan.courses {
        let creates = matches!(op.action, RecordAction::Create { .. });
        let landed = landing.landed(Entity::Course, op.key.as_str(), creates);
        if landed == Landed::No {
            continue;
        }
        match &op.action {
            RecordAction::Create { fields } => {
                let Landed::Yes(Some(id)) = landed else {
                    continue;
                };
                let id = CourseId::new(id);
                courses.insert(id.to_string(), lms.courses.len());
                lms.courses.push(LmsCourse {
                    id: id.clone(),
                    code: op.key.to_string(),
                    fields: fields.clone(),
                });
                links
                    .courses
                    .insert(op.key.clone(), Link::new(id, LinkOrigin::Created));
            }
            RecordAction::Update { id, fields, .. } | RecordAction::Link { id, fields, .. } => {
                if let Some(&index) = courses.get(id.as_str()) {
                    lms.courses[index].fields = fields.clone();
                    // Linking writes the SIS key into the unique field.
                    lms.courses[index].code = op.key.to_string();
                }
                if matches!(op.action, RecordAction::Link { .. }) {
                    links
                        .courses
                        .insert(op.key.clone(), Link::new(id.clone(), LinkOrigin::UniqueId));
                }
            }
        }
    }
    let course_by_code: HashMap<String, CourseId> = lms
        .courses
        .iter()
        .map(|c| (c.code.clone(), c.id.clone()))
        .collect();
    let mut sections: HashMap<String, usize> = lms
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.to_string(), i))
        .collect();
    for op in &plan.sections {
        let creates = matches!(op.action, RecordAction::Create { .. });
        let landed = landing.landed(Entity::Section, op.key.as_str(), creates);
        if landed == Landed::No {
            continue;
        }
        let Some(fields) = section_fields(op.action.fields(), links) else {
            continue;
        };
        match &op.action {
            RecordAction::Create { fields: spec } => {
                let course = links
                    .courses
                    .get(&spec.course)
                    .map(|link| link.id.clone())
                    .or_else(|| course_by_code.get(spec.course.as_str()).cloned());
                let (Some(course), Landed::Yes(Some(id))) = (course, landed) else {
                    continue;
                };
                let id = SectionId::new(id);
                sections.insert(id.to_string(), lms.sections.len());
                lms.sections.push(LmsSection {
                    id: id.clone(),
                    course,
                    unique_code: Some(op.key.to_string()),
                    fields,
                });
                links
                    .sections
                    .insert(op.key.clone(), Link::new(id, LinkOrigin::Created));
            }
            RecordAction::Update { id, .. } | RecordAction::Link { id, .. } => {
                if let Some(&index) = sections.get(id.as_str()) {
                    lms.sections[index].fields = fields;
                    lms.sections[index].unique_code = Some(op.key.to_string());
                }
                if matches!(op.action, RecordAction::Link { .. }) {
                    links
                        .sections
                        .insert(op.key.clone(), Link::new(id.clone(), LinkOrigin::UniqueId));
                }
            }
        }
    }
    apply_enrollments(plan, lms, links, landing);
    apply_guardian_links(plan, lms, links, landing);
}

fn section_fields(spec: &SectionSpec, links: &Links) -> Option<SectionFields> {
    let mut grading_periods = spec
        .grading_periods
        .iter()
        .map(|reference| match reference {
            PeriodRef::Existing(id) => Some(id.clone()),
            PeriodRef::FromTerm(term) => {
                links.grading_periods.get(term).map(|link| link.id.clone())
            }
        })
        .collect::<Option<Vec<_>>>()?;
    grading_periods.sort();
    Some(SectionFields {
        title: spec.title.clone(),
        code: spec.code.clone(),
        grading_periods,
        location: spec.location.clone(),
        periods: spec.periods.clone(),
    })
}

/// LMS ids of people and sections by SIS key: links first, then the unique field.
fn key_ids(
    lms: &LmsSnapshot,
    links: &Links,
) -> (HashMap<String, UserId>, HashMap<String, SectionId>) {
    let mut users: HashMap<String, UserId> = lms
        .users
        .iter()
        .filter_map(|u| {
            u.unique_id
                .as_ref()
                .map(|key| (key.to_string(), u.id.clone()))
        })
        .collect();
    users.extend(
        links
            .users
            .iter()
            .map(|(key, link)| (key.to_string(), link.id.clone())),
    );
    let mut sections: HashMap<String, SectionId> = lms
        .sections
        .iter()
        .filter_map(|s| s.unique_code.clone().map(|key| (key, s.id.clone())))
        .collect();
    sections.extend(
        links
            .sections
            .iter()
            .map(|(key, link)| (key.to_string(), link.id.clone())),
    );
    (users, sections)
}

fn apply_enrollments(
    plan: &Plan,
    lms: &mut LmsSnapshot,
    links: &mut Links,
    landing: &mut dyn Landing,
) {
    if plan.enrollments.is_empty() {
        return;
    }
    let (users, sections) = key_ids(lms, links);
    let mut index: HashMap<EnrollmentId, usize> = lms
        .enrollments
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    let mut removed = vec![false; lms.enrollments.len()];
    for op in &plan.enrollments {
        let creates = matches!(op.action, EnrollmentAction::Enroll { .. });
        let key = format!("{}/{}", op.section, op.person);
        let landed = landing.landed(Entity::Enrollment, &key, creates);
        if landed == Landed::No {
            continue;
        }
        let owned = (op.section.clone(), op.person.clone());
        match &op.action {
            EnrollmentAction::Enroll { role } => {
                let (Some(section), Some(user), Landed::Yes(Some(id))) = (
                    sections.get(op.section.as_str()),
                    users.get(op.person.as_str()),
                    landed,
                ) else {
                    continue;
                };
                let id = EnrollmentId::new(id);
                index.insert(id.clone(), lms.enrollments.len());
                removed.push(false);
                lms.enrollments.push(LmsEnrollment {
                    id,
                    section: section.clone(),
                    user: user.clone(),
                    admin: *role == EnrollmentRole::Teacher,
                    active: true,
                });
                links.enrollments.insert(owned, LinkOrigin::Created);
            }
            EnrollmentAction::ChangeRole { id, to, .. } => {
                if let Some(&i) = index.get(id) {
                    lms.enrollments[i].admin = *to == EnrollmentRole::Teacher;
                }
                links
                    .enrollments
                    .entry(owned)
                    .or_insert(LinkOrigin::Matched);
            }
            EnrollmentAction::Adopt { .. } => {
                links.enrollments.insert(owned, LinkOrigin::Matched);
            }
            EnrollmentAction::Unenroll { id, .. } => {
                if let Some(&i) = index.get(id) {
                    removed[i] = true;
                }
                links.enrollments.remove(&owned);
            }
        }
    }
    let mut flags = removed.into_iter();
    lms.enrollments.retain(|_| !flags.next().unwrap_or(false));
}

fn apply_guardian_links(
    plan: &Plan,
    lms: &mut LmsSnapshot,
    links: &mut Links,
    landing: &mut dyn Landing,
) {
    if plan.guardian_links.is_empty() {
        return;
    }
    let (users, _) = key_ids(lms, links);
    for op in &plan.guardian_links {
        if landing.landed(
            Entity::GuardianLink,
            &format!("{}/{}", op.guardian, op.student),
            false,
        ) == Landed::No
        {
            continue;
        }
        let (Some(parent), Some(child)) = (
            users.get(op.guardian.as_str()),
            users.get(op.student.as_str()),
        ) else {
            continue;
        };
        let pair = LmsParentLink {
            parent: parent.clone(),
            child: child.clone(),
        };
        let owned = (op.guardian.clone(), op.student.clone());
        match op.action {
            GuardianLinkAction::Associate => {
                lms.parent_links.push(pair);
                links.guardian_links.insert(owned, LinkOrigin::Created);
            }
            GuardianLinkAction::Adopt => {
                links.guardian_links.insert(owned, LinkOrigin::Matched);
            }
            GuardianLinkAction::Dissociate => {
                lms.parent_links.retain(|existing| *existing != pair);
                links.guardian_links.remove(&owned);
            }
        }
    }
}
