//! `FakeLms`: an in-memory LMS that applies writes the way the `LmsTarget`
//! contract says (idempotent per record, matched by unique fields, one
//! outcome per record in batch order), and can refuse chosen records, hold
//! e-mails for accounts outside the district (writing users without them,
//! with a warning), crash after a number of batches, and count what it was
//! asked to write.

use std::collections::BTreeSet;
use std::sync::Mutex;

use async_trait::async_trait;
use rostersync_core::ids::{CourseId, EnrollmentId, GradingPeriodId, PersonKey, SectionId, UserId};
use rostersync_core::model::lms::{
    LmsCourse, LmsEnrollment, LmsGradingPeriod, LmsParentLink, LmsSection, LmsSnapshot, LmsUser,
};
use rostersync_core::model::sis::EnrollmentRole;
use rostersync_core::plan::{
    CourseOp, EnrollmentAction, EnrollmentOp, GradingPeriodOp, GuardianLinkAction, GuardianLinkOp,
    IdSource, RecordAction, UserOp,
};
use rostersync_ports::{
    ActingUser, CourseWrite, ErrorKind, LmsDirectory, LmsOutcome, LmsRequest, LmsTarget, LmsWrite,
    PortError, PortResult, SectionWrite, WriteResult, WriteWarning,
};

use super::sis::lock;

/// An in-memory LMS.
#[derive(Debug)]
pub struct FakeLms {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    lms: LmsSnapshot,
    acting: ActingUser,
    ids: IdSource,
    refused: BTreeSet<String>,
    foreign_emails: BTreeSet<String>,
    crash_after: Option<usize>,
    crashed: bool,
    /// After this many batches, a batch never answers; the sender says so.
    hang_after: Option<(usize, futures::channel::oneshot::Sender<()>)>,
    batches: usize,
    writes: usize,
    reads: usize,
    lookups: usize,
    batch_sizes: Vec<usize>,
}

impl FakeLms {
    /// An LMS holding `lms`, acting as `acting`.
    pub fn new(lms: LmsSnapshot, acting: ActingUser) -> Self {
        FakeLms {
            state: Mutex::new(State {
                lms,
                acting,
                ids: IdSource::default(),
                refused: BTreeSet::new(),
                foreign_emails: BTreeSet::new(),
                crash_after: None,
                crashed: false,
                hang_after: None,
                batches: 0,
                writes: 0,
                reads: 0,
                lookups: 0,
                batch_sizes: Vec::new(),
            }),
        }
    }

    /// An LMS holding `lms`, acting as a System Administrator (id "1").
    pub fn with_admin(lms: LmsSnapshot) -> Self {
        FakeLms::new(
            lms,
            ActingUser {
                id: UserId::new("1"),
                name: "Ada Admin".to_owned(),
                is_system_admin: true,
                role_title: Some("System Admin".to_owned()),
            },
        )
    }

    /// Replaces the acting user.
    pub fn set_acting_user(&self, acting: ActingUser) {
        lock(&self.state).acting = acting;
    }

    /// Refuses every write to the record with this key (as outcomes name it:
    /// a person, course, section or term key, `section/person` for
    /// enrollments, `guardian/student` for associations).
    pub fn refuse(&self, key: impl Into<String>) {
        lock(&self.state).refused.insert(key.into());
    }

    /// Holds `email` for an account outside the district: a user written
    /// with it is written without it (keeping the e-mail it had), with a
    /// warning naming the address.
    pub fn hold_email_elsewhere(&self, email: impl Into<String>) {
        lock(&self.state)
            .foreign_emails
            .insert(email.into().to_lowercase());
    }

    /// Stops refusing records.
    pub fn accept_all(&self) {
        lock(&self.state).refused.clear();
    }

    /// After `batches` more batches are applied, the next one is taken in
    /// but never answered, as when the process dies while waiting; the
    /// receiver hears when that happens, so a test can drop the run then.
    pub fn hang_after(&self, batches: usize) -> futures::channel::oneshot::Receiver<()> {
        let (tell, told) = futures::channel::oneshot::channel();
        let mut state = lock(&self.state);
        state.hang_after = Some((state.batches + batches, tell));
        told
    }

    /// Simulates a kill after `batches` more answered batches: the next batch
    /// is applied but answered with an error saying it may have been
    /// applied, and every later call fails (nothing applied) until
    /// [`FakeLms::recover`].
    pub fn crash_after(&self, batches: usize) {
        let mut state = lock(&self.state);
        state.crash_after = Some(state.batches + batches);
    }

    /// Makes the LMS unreachable now: every call fails (nothing applied)
    /// until [`FakeLms::recover`].
    pub fn go_down(&self) {
        lock(&self.state).crashed = true;
    }

    /// Ends a crash: calls succeed again.
    pub fn recover(&self) {
        let mut state = lock(&self.state);
        state.crash_after = None;
        state.crashed = false;
    }

    /// Changes what the LMS holds, as someone editing it by hand would.
    pub fn edit(&self, change: impl FnOnce(&mut LmsSnapshot)) {
        change(&mut lock(&self.state).lms);
    }

    /// A copy of everything the LMS holds.
    pub fn snapshot_all(&self) -> LmsSnapshot {
        lock(&self.state).lms.clone()
    }

    /// Records written (every record of an answered batch that was not
    /// refused), since creation or the last [`FakeLms::reset_counts`].
    pub fn writes(&self) -> usize {
        lock(&self.state).writes
    }

    /// Write batches received (answered or crashed).
    pub fn batches(&self) -> usize {
        lock(&self.state).batch_sizes.len()
    }

    /// The size of every write batch received, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        lock(&self.state).batch_sizes.clone()
    }

    /// Roster snapshots served.
    pub fn reads(&self) -> usize {
        lock(&self.state).reads
    }

    /// Look-ups of sections by code served.
    pub fn lookups(&self) -> usize {
        lock(&self.state).lookups
    }

    /// Sets the counters to zero.
    pub fn reset_counts(&self) {
        let mut state = lock(&self.state);
        state.writes = 0;
        state.reads = 0;
        state.lookups = 0;
        state.batch_sizes.clear();
    }
}

fn unavailable(message: &str) -> PortError {
    PortError::new(ErrorKind::Unavailable, message)
}

#[async_trait]
impl LmsTarget for FakeLms {
    async fn acting_user(&self) -> PortResult<ActingUser> {
        let state = lock(&self.state);
        if state.crashed {
            return Err(unavailable("the fake LMS is unreachable"));
        }
        Ok(state.acting.clone())
    }

    async fn directory(&self) -> PortResult<LmsDirectory> {
        let state = lock(&self.state);
        if state.crashed {
            return Err(unavailable("the fake LMS is unreachable"));
        }
        Ok(LmsDirectory {
            buildings: state.lms.buildings.clone(),
            roles: state.lms.roles.clone(),
            grading_periods: state.lms.grading_periods.clone(),
        })
    }

    async fn snapshot(&self, request: &LmsRequest) -> PortResult<LmsSnapshot> {
        let mut state = lock(&self.state);
        if state.crashed {
            return Err(unavailable("the fake LMS is unreachable"));
        }
        state.reads += 1;
        Ok(filtered(&state.lms, request))
    }

    async fn sections_by_codes(&self, codes: &[String]) -> PortResult<Vec<LmsSection>> {
        let mut state = lock(&self.state);
        if state.crashed {
            return Err(unavailable("the fake LMS is unreachable"));
        }
        state.lookups += 1;
        Ok(state
            .lms
            .sections
            .iter()
            .filter(|s| s.unique_code.as_ref().is_some_and(|c| codes.contains(c)))
            .cloned()
            .collect())
    }

    async fn apply(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        let hang = {
            let mut state = lock(&self.state);
            match state.hang_after.take() {
                Some((after, tell)) if state.batches >= after => Some(tell),
                other => {
                    state.hang_after = other;
                    None
                }
            }
        };
        if let Some(tell) = hang {
            let _ = tell.send(());
            futures::future::pending::<()>().await;
        }
        let mut state = lock(&self.state);
        state.batch_sizes.push(write.len());
        if state.crashed {
            return Err(unavailable("the fake LMS is unreachable"));
        }
        let outcomes = apply_write(&mut state, write);
        state.batches += 1;
        if state.crash_after.is_some_and(|after| state.batches > after) {
            state.crashed = true;
            return Err(
                unavailable("the connection was lost after the batch was sent").maybe_applied(),
            );
        }
        state.writes += outcomes
            .iter()
            .filter(|o| matches!(o.result, WriteResult::Done { .. }))
            .count();
        Ok(outcomes)
    }
}

/// The part of `lms` a request asks for; the directory always comes whole.
fn filtered(lms: &LmsSnapshot, request: &LmsRequest) -> LmsSnapshot {
    let in_scope =
        |building: &rostersync_core::ids::BuildingId| request.buildings.contains(building);
    let mut out = LmsSnapshot {
        buildings: lms.buildings.clone(),
        roles: lms.roles.clone(),
        grading_periods: lms.grading_periods.clone(),
        ..LmsSnapshot::default()
    };
    if request.users {
        out.users = lms
            .users
            .iter()
            .filter(|u| {
                in_scope(&u.fields.building) || u.fields.other_buildings.iter().any(in_scope)
            })
            .cloned()
            .collect();
        let ids: BTreeSet<&UserId> = out.users.iter().map(|u| &u.id).collect();
        out.parent_links = lms
            .parent_links
            .iter()
            .filter(|l| ids.contains(&l.parent) || ids.contains(&l.child))
            .cloned()
            .collect();
    }
    let courses: BTreeSet<&CourseId> = lms
        .courses
        .iter()
        .filter(|c| in_scope(&c.fields.building))
        .map(|c| &c.id)
        .collect();
    if request.courses {
        out.courses = lms
            .courses
            .iter()
            .filter(|c| courses.contains(&c.id))
            .cloned()
            .collect();
    }
    if request.sections {
        out.sections = lms
            .sections
            .iter()
            .filter(|s| courses.contains(&s.course))
            .cloned()
            .collect();
        let sections: BTreeSet<&SectionId> = out.sections.iter().map(|s| &s.id).collect();
        out.enrollments = lms
            .enrollments
            .iter()
            .filter(|e| sections.contains(&e.section))
            .cloned()
            .collect();
    }
    out
}

fn done(key: String, id: Option<String>, warning: Option<WriteWarning>) -> LmsOutcome {
    LmsOutcome {
        key,
        result: WriteResult::Done { id },
        warning,
    }
}

fn failed(key: String, status: u16, message: String) -> LmsOutcome {
    LmsOutcome {
        key,
        result: WriteResult::Failed {
            status: Some(status),
            message,
            may_have_been_applied: false,
        },
        warning: None,
    }
}

fn apply_write(state: &mut State, write: &LmsWrite) -> Vec<LmsOutcome> {
    let keys: Vec<String> = match write {
        LmsWrite::GradingPeriods(ops) => ops.iter().map(|op| op.term.to_string()).collect(),
        LmsWrite::Users(ops) => ops.iter().map(|op| op.key.to_string()).collect(),
        LmsWrite::Courses(ops) => ops.iter().map(|op| op.key.to_string()).collect(),
        LmsWrite::CoursesWithSections(ops) => ops.iter().map(|w| w.op.key.to_string()).collect(),
        LmsWrite::Sections(ops) | LmsWrite::NestedSections(ops) => {
            ops.iter().map(|op| op.key.to_string()).collect()
        }
        LmsWrite::Enrollments(ops) => ops
            .iter()
            .map(|op| format!("{}/{}", op.section, op.person))
            .collect(),
        LmsWrite::GuardianLinks(ops) => ops
            .iter()
            .map(|op| format!("{}/{}", op.guardian, op.student))
            .collect(),
    };
    keys.into_iter()
        .enumerate()
        .map(|(index, key)| {
            if state.refused.contains(&key) {
                return failed(key, 400, "refused by the fake LMS".to_owned());
            }
            let mut warning = None;
            let result = match write {
                LmsWrite::GradingPeriods(ops) => period(state, &ops[index]),
                LmsWrite::Users(ops) => user(state, &ops[index], &mut warning),
                LmsWrite::Courses(ops) => course(state, &ops[index]),
                LmsWrite::CoursesWithSections(ops) => course_with_sections(state, &ops[index]),
                LmsWrite::Sections(ops) => section(state, &ops[index]),
                LmsWrite::NestedSections(ops) => nested_section(state, &ops[index]),
                LmsWrite::Enrollments(ops) => enrollment(state, &ops[index]),
                LmsWrite::GuardianLinks(ops) => guardian(state, &ops[index]),
            };
            match result {
                Ok(id) => done(key, id, warning),
                Err(message) => failed(key, 404, message),
            }
        })
        .collect()
}

type Applied = Result<Option<String>, String>;

fn period(state: &mut State, op: &GradingPeriodOp) -> Applied {
    if let Some(existing) = state
        .lms
        .grading_periods
        .iter()
        .find(|p| p.title == op.title)
    {
        return Ok(Some(existing.id.to_string()));
    }
    let id = GradingPeriodId::new(state.ids.next_id());
    state.lms.grading_periods.push(LmsGradingPeriod {
        id: id.clone(),
        title: op.title.clone(),
        start: op.start,
        end: op.end,
    });
    Ok(Some(id.to_string()))
}

fn user(state: &mut State, op: &UserOp, warning: &mut Option<WriteWarning>) -> Applied {
    let key = op.key.to_string();
    let index = match op.action.id() {
        Some(id) => Some(
            state
                .lms
                .users
                .iter()
                .position(|u| u.id == *id)
                .ok_or_else(|| format!("user {id} not found"))?,
        ),
        None => state
            .lms
            .users
            .iter()
            .position(|u| u.unique_id.as_deref() == Some(key.as_str())),
    };
    let mut fields = op.action.fields().clone();
    let held = fields
        .email
        .as_deref()
        .filter(|email| state.foreign_emails.contains(&email.to_lowercase()))
        .map(str::to_owned);
    if let Some(email) = held {
        fields.email = index.and_then(|i| state.lms.users[i].fields.email.clone());
        *warning = Some(WriteWarning {
            message: format!("{key} was written without e-mail {email}, held elsewhere"),
            withheld_email: Some(email),
        });
    }
    match index {
        Some(index) => {
            let user = &mut state.lms.users[index];
            user.fields = fields;
            user.unique_id = Some(key.into());
            Ok(Some(user.id.to_string()))
        }
        None => {
            let id = UserId::new(state.ids.next_id());
            state.lms.users.push(LmsUser {
                id: id.clone(),
                unique_id: Some(key.into()),
                fields,
            });
            Ok(Some(id.to_string()))
        }
    }
}

fn course(state: &mut State, op: &CourseOp) -> Applied {
    let key = op.key.to_string();
    let fields = op.action.fields().clone();
    let index = match &op.action {
        RecordAction::Create { .. } => state
            .lms
            .courses
            .iter()
            .position(|c| c.code == key && c.fields.building == fields.building),
        RecordAction::Update { id, .. } | RecordAction::Link { id, .. } => Some(
            state
                .lms
                .courses
                .iter()
                .position(|c| c.id == *id)
                .ok_or_else(|| format!("course {id} not found"))?,
        ),
    };
    match index {
        Some(index) => {
            let course = &mut state.lms.courses[index];
            course.fields = fields;
            course.code = key;
            Ok(Some(course.id.to_string()))
        }
        None => {
            let id = CourseId::new(state.ids.next_id());
            state.lms.courses.push(LmsCourse {
                id: id.clone(),
                code: key,
                fields,
            });
            Ok(Some(id.to_string()))
        }
    }
}

/// A course and the sections nested in its create; a refused section is
/// left out without a word, as the course's answer says nothing of them.
fn course_with_sections(state: &mut State, write: &CourseWrite) -> Applied {
    let id = course(state, &write.op)?;
    if let Some(course) = &id {
        for nested in &write.sections {
            if state.refused.contains(nested.key.as_str()) {
                continue;
            }
            let section_write = SectionWrite {
                key: nested.key.clone(),
                id: None,
                course: CourseId::new(course.clone()),
                fields: nested.fields.clone(),
            };
            section(state, &section_write)?;
        }
    }
    Ok(id)
}

/// A section sent nested in its course's create, found by its unique code.
fn nested_section(state: &mut State, write: &SectionWrite) -> Applied {
    state
        .lms
        .sections
        .iter()
        .find(|s| s.unique_code.as_deref() == Some(write.key.as_str()) && s.course == write.course)
        .map(|s| Some(s.id.to_string()))
        .ok_or_else(|| {
            format!(
                "section {} was sent with its course but the LMS does not hold it",
                write.key
            )
        })
}

fn section(state: &mut State, write: &SectionWrite) -> Applied {
    let key = write.key.to_string();
    let index = match &write.id {
        Some(id) => Some(
            state
                .lms
                .sections
                .iter()
                .position(|s| s.id == *id)
                .ok_or_else(|| format!("section {id} not found"))?,
        ),
        None => state
            .lms
            .sections
            .iter()
            .position(|s| s.unique_code.as_deref() == Some(key.as_str())),
    };
    match index {
        Some(index) => {
            let section = &mut state.lms.sections[index];
            section.fields = write.fields.clone();
            section.unique_code = Some(key);
            Ok(Some(section.id.to_string()))
        }
        None => {
            if !state.lms.courses.iter().any(|c| c.id == write.course) {
                return Err(format!("course {} not found", write.course));
            }
            let id = SectionId::new(state.ids.next_id());
            state.lms.sections.push(LmsSection {
                id: id.clone(),
                course: write.course.clone(),
                unique_code: Some(key),
                fields: write.fields.clone(),
            });
            Ok(Some(id.to_string()))
        }
    }
}

fn user_id(state: &State, person: &PersonKey) -> Result<UserId, String> {
    state
        .lms
        .users
        .iter()
        .find(|u| u.unique_id.as_deref() == Some(person.as_str()))
        .map(|u| u.id.clone())
        .ok_or_else(|| format!("no user has unique id {person}"))
}

fn enrollment(state: &mut State, op: &EnrollmentOp) -> Applied {
    match &op.action {
        EnrollmentAction::Enroll { role } => {
            let section = state
                .lms
                .sections
                .iter()
                .find(|s| s.unique_code.as_deref() == Some(op.section.as_str()))
                .map(|s| s.id.clone())
                .ok_or_else(|| format!("no section has unique code {}", op.section))?;
            let user = user_id(state, &op.person)?;
            let admin = *role == EnrollmentRole::Teacher;
            if let Some(existing) = state
                .lms
                .enrollments
                .iter_mut()
                .find(|e| e.section == section && e.user == user)
            {
                existing.admin = admin;
                existing.active = true;
                return Ok(Some(existing.id.to_string()));
            }
            let id = EnrollmentId::new(state.ids.next_id());
            state.lms.enrollments.push(LmsEnrollment {
                id: id.clone(),
                section,
                user,
                admin,
                active: true,
            });
            Ok(Some(id.to_string()))
        }
        EnrollmentAction::ChangeRole { id, to, .. } => {
            let existing = state
                .lms
                .enrollments
                .iter_mut()
                .find(|e| e.id == *id)
                .ok_or_else(|| format!("enrollment {id} not found"))?;
            existing.admin = *to == EnrollmentRole::Teacher;
            Ok(Some(id.to_string()))
        }
        EnrollmentAction::Adopt { id } => Ok(Some(id.to_string())),
        EnrollmentAction::Unenroll { id, .. } => {
            state.lms.enrollments.retain(|e| e.id != *id);
            Ok(None)
        }
    }
}

fn guardian(state: &mut State, op: &GuardianLinkOp) -> Applied {
    let pair = LmsParentLink {
        parent: user_id(state, &op.guardian)?,
        child: user_id(state, &op.student)?,
    };
    match op.action {
        GuardianLinkAction::Associate => {
            if !state.lms.parent_links.contains(&pair) {
                state.lms.parent_links.push(pair);
            }
        }
        GuardianLinkAction::Adopt => {}
        GuardianLinkAction::Dissociate => state.lms.parent_links.retain(|l| *l != pair),
    }
    Ok(None)
}
