//! Applying a plan in dependency order: grading periods, users, courses,
//! sections (with their references resolved to LMS ids), enrollments and
//! guardian links. Records that need no LMS write (adoptions, links of records
//! that already carry their SIS key) only change the links.

use std::collections::HashSet;

use rostersync_core::entity::{Action, Entity};
use rostersync_core::ids::UserId;
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::model::lms::{LmsSnapshot, SectionFields, UserFields};
use rostersync_core::plan::{
    EnrollmentAction, GuardianLinkAction, PeriodRef, Plan, RecordAction, SectionOp,
};
use rostersync_ports::{LmsWrite, SectionWrite};

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
        self.courses(plan).await?;
        self.sections(plan, snapshot).await?;
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

    async fn courses(&mut self, plan: &Plan) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut ops = Vec::new();
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
                ops.push((op.clone(), entry));
            } else {
                local.push(entry);
            }
        }
        self.settle_local(local, Vec::new()).await?;
        let batches = self.batches(ops, LmsWrite::Courses);
        self.send(batches).await
    }

    async fn sections(&mut self, plan: &Plan, snapshot: &LmsSnapshot) -> Result<(), EngineError> {
        let mut local = Vec::new();
        let mut unsendable = Vec::new();
        let mut ops = Vec::new();
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
                Ok(write) => ops.push((write, entry)),
                Err(reason) => unsendable.push((entry, reason)),
            }
        }
        self.settle_dependants(local, unsendable).await?;
        let batches = self.batches(ops, LmsWrite::Sections);
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
        let mut grading_periods = Vec::with_capacity(spec.grading_periods.len());
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
        Ok(SectionWrite {
            key: op.key.clone(),
            id: op.action.id().cloned(),
            course,
            fields: SectionFields {
                title: spec.title.clone(),
                code: spec.code.clone(),
                grading_periods,
                location: spec.location.clone(),
                periods: spec.periods.clone(),
            },
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
