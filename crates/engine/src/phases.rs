//! Applying a plan in dependency order: grading periods, users, courses,
//! sections (with their references resolved to LMS ids), enrollments and
//! guardian links. Records that need no LMS write (adoptions, links of records
//! that already carry their SIS key) only change the links.
//!
//! The sections a run creates for a course it also creates are written
//! nested in the course's write ([`LmsWrite::CoursesWithSections`]), so they
//! cost no call of their own; the course batch is journaled with them. The
//! sections phase then settles each of them like any section, through a
//! [`LmsWrite::NestedSections`] batch that learns their ids: a section whose
//! course failed is skipped with the course's reason, one the LMS did not
//! create fails, and each gets its link and outcome.

use std::collections::{HashMap, HashSet};

use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::{CourseKey, GradingPeriodId, SectionKey, UserId};
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::model::lms::{LmsSnapshot, SectionFields, UserFields};
use rostersync_core::plan::{
    EnrollmentAction, GuardianLinkAction, PeriodRef, Plan, RecordAction, SectionOp, SectionSpec,
};
use rostersync_ports::{CourseWrite, LmsWrite, NestedSection, SectionWrite};

use crate::apply::{Applier, Item, LinkUpdate, Ownership};
use crate::error::{EngineError, lms};

/// SIS keys the LMS snapshot already carries in its unique fields.
struct Known<'a> {
    users: HashSet<&'a str>,
    sections: HashSet<&'a str>,
}

impl<'a> Known<'a> {
    fn of(lms: &'a LmsSnapshot) -> Self {
        Known {
            users: lms
                .users
                .iter()
                .filter_map(|u| u.unique_id.as_deref())
                .collect(),
            sections: lms
                .sections
                .iter()
                .filter_map(|s| s.unique_code.as_deref())
                .collect(),
        }
    }
}

fn item(entity: Entity, key: impl Into<String>, action: Action, link: LinkUpdate) -> Item {
    Item::new(entity, key, action, link)
}

/// Whether a user operation gives the account a new e-mail.
fn sets_email(action: &RecordAction<UserId, UserFields>) -> bool {
    match action {
        RecordAction::Create { fields } => fields.email.is_some(),
        RecordAction::Update { changes, .. } | RecordAction::Link { changes, .. } => {
            changes.iter().any(|change| change.field == "email")
        }
    }
}

impl Applier<'_> {
    /// Applies every operation of `plan`, phase by phase.
    pub(crate) async fn apply_plan(
        &mut self,
        plan: &Plan,
        snapshot: &LmsSnapshot,
    ) -> Result<(), EngineError> {
        self.periods(plan).await?;
        self.users(plan).await?;
        let nested = self.courses(plan).await?;
        self.sections(plan, snapshot, &nested).await?;
        let known = Known::of(snapshot);
        self.enrollments(plan, &known).await?;
        self.guardians(plan, &known).await
    }

    async fn periods(&mut self, plan: &Plan) -> Result<(), EngineError> {
        let ops = plan
            .grading_periods
            .iter()
            .map(|op| {
                let link = LinkUpdate::Period {
                    term: op.term.clone(),
                    title: op.title.clone(),
                };
                (
                    op.clone(),
                    item(
                        Entity::GradingPeriod,
                        op.term.as_str(),
                        Action::Create,
                        link,
                    ),
                )
            })
            .collect();
        let batches = self.batches(ops, LmsWrite::GradingPeriods);
        self.send(batches).await?;
        self.name_periods().await
    }

    /// Links grading periods whose create returned no id, found by title.
    async fn name_periods(&mut self) -> Result<(), EngineError> {
        if self.unnamed_periods.is_empty() {
            return Ok(());
        }
        let directory = self
            .lms
            .directory()
            .await
            .map_err(lms("read the grading periods"))?;
        for (term, title) in std::mem::take(&mut self.unnamed_periods) {
            match directory.grading_periods.iter().find(|p| p.title == title) {
                Some(period) => {
                    self.links.link_period(
                        term,
                        rostersync_core::model::links::Link::new(
                            period.id.clone(),
                            LinkOrigin::Created,
                        ),
                    );
                }
                None => self.notes.push(format!(
                    "grading period \"{title}\" for term {term} was created but not found again; map the term by hand"
                )),
            }
        }
        self.store
            .apply_link_changes(&self.links.take_changes())
            .await
            .map_err(crate::error::store("save links"))
    }

    async fn users(&mut self, plan: &Plan) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut ops = Vec::new();
        for op in &plan.users {
            let key = op.key.clone();
            let (link, send) = match &op.action {
                RecordAction::Create { .. } => {
                    (LinkUpdate::User(key, None, LinkOrigin::Created), true)
                }
                RecordAction::Update { .. } => (LinkUpdate::Nothing, true),
                RecordAction::Link { id, changes, .. } => (
                    LinkUpdate::User(key, Some(id.clone()), LinkOrigin::UniqueId),
                    !changes.is_empty(),
                ),
            };
            let mut entry = item(Entity::User, op.key.as_str(), op.action.action(), link);
            if sets_email(&op.action) {
                entry = entry.setting_email_of(op.key.clone());
            }
            if send {
                ops.push((op.clone(), entry));
            } else {
                local.push(entry);
            }
        }
        self.settle_local(local, Vec::new()).await?;
        let batches = self.batches(ops, LmsWrite::Users);
        self.send(batches).await
    }

    /// Writes the courses, with the sections of each course created here
    /// nested in its create; returns the keys of the nested sections.
    async fn courses(&mut self, plan: &Plan) -> Result<HashSet<SectionKey>, EngineError> {
        let mut local = Vec::new();
        let mut ops = Vec::new();
        let mut to_nest = self.sections_to_nest(plan);
        let mut nested = HashSet::new();
        for op in &plan.courses {
            let key = op.key.clone();
            let (link, send) = match &op.action {
                RecordAction::Create { .. } => {
                    (LinkUpdate::Course(key, None, LinkOrigin::Created), true)
                }
                RecordAction::Update { .. } => (LinkUpdate::Nothing, true),
                RecordAction::Link { id, changes, .. } => (
                    LinkUpdate::Course(key, Some(id.clone()), LinkOrigin::UniqueId),
                    !changes.is_empty(),
                ),
            };
            let entry = item(Entity::Course, op.key.as_str(), op.action.action(), link);
            if send {
                let sections = match op.action {
                    RecordAction::Create { .. } => to_nest.remove(&op.key).unwrap_or_default(),
                    _ => Vec::new(),
                };
                nested.extend(sections.iter().map(|section| section.key.clone()));
                let write = CourseWrite {
                    op: op.clone(),
                    sections,
                };
                ops.push((write, entry));
            } else {
                local.push(entry);
            }
        }
        self.settle_local(local, Vec::new()).await?;
        let batches = self.batches(ops, LmsWrite::CoursesWithSections);
        self.send(batches).await?;
        Ok(nested)
    }

    /// The section creates that can ride in their course's create, by
    /// course: those whose grading periods are all known, at most a batch
    /// of them per course (the others take the ordinary path, which writes
    /// them or says why not).
    fn sections_to_nest(&self, plan: &Plan) -> HashMap<CourseKey, Vec<NestedSection>> {
        let mut by_course: HashMap<CourseKey, Vec<NestedSection>> = HashMap::new();
        for op in &plan.sections {
            let RecordAction::Create { fields: spec } = &op.action else {
                continue;
            };
            let Ok(fields) = self.section_fields(spec) else {
                continue;
            };
            let sections = by_course.entry(spec.course.clone()).or_default();
            if sections.len() < self.batch_size {
                sections.push(NestedSection {
                    key: op.key.clone(),
                    fields,
                });
            }
        }
        by_course
    }

    /// Writes the sections; those in `nested` were sent with their courses
    /// and are only found again.
    async fn sections(
        &mut self,
        plan: &Plan,
        snapshot: &LmsSnapshot,
        nested: &HashSet<SectionKey>,
    ) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut unsendable = Vec::new();
        let mut ops = Vec::new();
        let mut found = Vec::new();
        for op in &plan.sections {
            let key = op.key.clone();
            let (link, send) = match &op.action {
                RecordAction::Create { .. } => {
                    (LinkUpdate::Section(key, None, LinkOrigin::Created), true)
                }
                RecordAction::Update { .. } => (LinkUpdate::Nothing, true),
                RecordAction::Link { id, changes, .. } => (
                    LinkUpdate::Section(key, Some(id.clone()), LinkOrigin::UniqueId),
                    !changes.is_empty(),
                ),
            };
            let entry = item(Entity::Section, op.key.as_str(), op.action.action(), link);
            if !send {
                local.push(entry);
                continue;
            }
            match self.section_write(op, snapshot) {
                Ok(write) if nested.contains(&op.key) => found.push((write, entry)),
                Ok(write) => ops.push((write, entry)),
                Err(reason) => unsendable.push((entry, reason)),
            }
        }
        self.settle_dependants(local, unsendable).await?;
        let mut batches = self.batches(found, LmsWrite::NestedSections);
        batches.extend(self.batches(ops, LmsWrite::Sections));
        self.send(batches).await
    }

    /// Resolves a section's course and grading periods to LMS ids.
    fn section_write(
        &self,
        op: &SectionOp,
        snapshot: &LmsSnapshot,
    ) -> Result<SectionWrite, String> {
        let spec = op.action.fields();
        let course = self
            .links
            .links()
            .courses
            .get(&spec.course)
            .map(|link| link.id.clone())
            .or_else(|| {
                snapshot
                    .courses
                    .iter()
                    .find(|course| course.code == spec.course.as_str())
                    .map(|course| course.id.clone())
            })
            .ok_or_else(|| {
                format!(
                    "course {} has no LMS course (its create failed or is pending); the next run retries",
                    spec.course
                )
            })?;
        Ok(SectionWrite {
            key: op.key.clone(),
            id: op.action.id().cloned(),
            course,
            fields: self.section_fields(spec)?,
        })
    }

    /// A section's fields with its grading periods resolved to LMS ids.
    fn section_fields(&self, spec: &SectionSpec) -> Result<SectionFields, String> {
        let mut grading_periods: Vec<GradingPeriodId> =
            Vec::with_capacity(spec.grading_periods.len());
        for reference in &spec.grading_periods {
            match reference {
                PeriodRef::Existing(id) => grading_periods.push(id.clone()),
                PeriodRef::FromTerm(term) => match self.links.links().grading_periods.get(term) {
                    Some(link) => grading_periods.push(link.id.clone()),
                    None => {
                        return Err(format!(
                            "the grading period of term {term} was not created; the next run retries"
                        ));
                    }
                },
            }
        }
        grading_periods.sort();
        Ok(SectionFields {
            title: spec.title.clone(),
            code: spec.code.clone(),
            grading_periods,
            location: spec.location.clone(),
            periods: spec.periods.clone(),
        })
    }

    fn user_known(&self, known: &Known<'_>, key: &str) -> bool {
        self.links.links().users.contains_key(key) || known.users.contains(key)
    }

    async fn enrollments(&mut self, plan: &Plan, known: &Known<'_>) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut unsendable = Vec::new();
        let mut ops = Vec::new();
        for op in &plan.enrollments {
            let pair = (op.section.clone(), op.person.clone());
            let key = format!("{}/{}", op.section, op.person);
            let action = op.action.action();
            match &op.action {
                EnrollmentAction::Adopt { .. } => local.push(item(
                    Entity::Enrollment,
                    key,
                    action,
                    LinkUpdate::Enrollment(pair, Ownership::Own(LinkOrigin::Matched)),
                )),
                EnrollmentAction::Enroll { .. } => {
                    let entry = item(
                        Entity::Enrollment,
                        key,
                        action,
                        LinkUpdate::Enrollment(pair, Ownership::Own(LinkOrigin::Created)),
                    );
                    let section_known = self.links.links().sections.contains_key(&op.section)
                        || known.sections.contains(op.section.as_str());
                    if !section_known {
                        let reason = format!(
                            "section {} is not in the LMS (its create failed); the next run retries",
                            op.section
                        );
                        unsendable.push((entry, reason));
                    } else if !self.user_known(known, op.person.as_str()) {
                        let reason = format!(
                            "person {} has no LMS account (its create failed); the next run retries",
                            op.person
                        );
                        unsendable.push((entry, reason));
                    } else {
                        ops.push((op.clone(), entry));
                    }
                }
                EnrollmentAction::ChangeRole { .. } => ops.push((
                    op.clone(),
                    item(
                        Entity::Enrollment,
                        key,
                        action,
                        LinkUpdate::Enrollment(pair, Ownership::Keep),
                    ),
                )),
                EnrollmentAction::Unenroll { .. } => ops.push((
                    op.clone(),
                    item(
                        Entity::Enrollment,
                        key,
                        action,
                        LinkUpdate::Enrollment(pair, Ownership::Release),
                    ),
                )),
            }
        }
        self.settle_dependants(local, unsendable).await?;
        let batches = self.batches(ops, LmsWrite::Enrollments);
        self.send(batches).await
    }

    async fn guardians(&mut self, plan: &Plan, known: &Known<'_>) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut unsendable = Vec::new();
        let mut ops = Vec::new();
        for op in &plan.guardian_links {
            let pair = (op.guardian.clone(), op.student.clone());
            let key = format!("{}/{}", op.guardian, op.student);
            let action = op.action.action();
            match op.action {
                GuardianLinkAction::Adopt => local.push(item(
                    Entity::GuardianLink,
                    key,
                    action,
                    LinkUpdate::Guardian(pair, Ownership::Own(LinkOrigin::Matched)),
                )),
                GuardianLinkAction::Associate => {
                    let entry = item(
                        Entity::GuardianLink,
                        key,
                        action,
                        LinkUpdate::Guardian(pair, Ownership::Own(LinkOrigin::Created)),
                    );
                    let missing = [&op.guardian, &op.student]
                        .into_iter()
                        .find(|person| !self.user_known(known, person.as_str()));
                    match missing {
                        Some(person) => unsendable.push((
                            entry,
                            format!("person {person} has no LMS account (its create failed); the next run retries"),
                        )),
                        None => ops.push((op.clone(), entry)),
                    }
                }
                GuardianLinkAction::Dissociate => ops.push((
                    op.clone(),
                    item(
                        Entity::GuardianLink,
                        key,
                        action,
                        LinkUpdate::Guardian(pair, Ownership::Release),
                    ),
                )),
            }
        }
        self.settle_dependants(local, unsendable).await?;
        let batches = self.batches(ops, LmsWrite::GuardianLinks);
        self.send(batches).await
    }
}
