//! Applying one batch of plan operations with the fewest calls the API allows:
//!
//! - grading periods: one POST each (Schoology has no bulk create); a
//!   create whose answer was lost is looked for by its title and dates,
//!   and created again only when Schoology does not hold it;
//! - users and courses: creates by bulk POST with `update_existing=1` (the
//!   unique field `school_uid` / `course_code` carries the SIS key, so a
//!   resent create updates instead of duplicating); updates by bulk PUT by
//!   id, because a record linked in data prep may not carry the SIS key yet;
//!   a link without field changes needs no call; users whose e-mail
//!   Schoology says is in use are sent once more (see `users`);
//! - courses created with their sections: the sections ride nested in the
//!   course's create (no call of their own), and a later batch reads them
//!   back by their unique codes, 50 per call, to learn their ids and which
//!   landed (`crate::nested` holds what the record leaves open);
//! - other sections: bulk POST under their course for creates (Schoology's
//!   `update_existing` for sections matches `section_code` and grading
//!   periods, not the unique code, so it is not used: a resent create is
//!   expected to be refused per record for its taken `section_school_code` rather than
//!   duplicated, and the engine finds the section again by its key), bulk
//!   PUT by id for updates;
//! - enrollments: enroll and unenroll by the import-by-codes endpoint
//!   (`section_school_code` + `school_uid`, admin flag, `delete=1`; an
//!   unenroll answered 404 finds the enrollment already gone, and is done); role
//!   changes by bulk PUT on the section's enrollments by id; adoption needs no call;
//! - guardian links: the parent associations import (`delete=1` to remove).
//!
//! Every record gets one outcome, in batch order.

use std::collections::HashMap;

use rostersync_core::model::sis::EnrollmentRole;
use rostersync_core::plan::{
    CourseOp, EnrollmentAction, GradingPeriodOp, GuardianLinkAction, RecordAction,
};
use rostersync_ports::{
    ErrorKind, LmsOutcome, LmsWrite, NestedSection, PortError, PortResult, SectionWrite,
    WriteResult, WriteWarning,
};

use super::{SchoologyLms, convert};
use crate::bulk::{BATCH_SIZE, BulkFailure, BulkItem, BulkResult};
use crate::enrollments::{EnrollmentImport, EnrollmentUpdate};
use crate::nested::{CourseWithSections, Landed, NestedList};
use crate::schools::NewGradingPeriod;
use crate::sections::SectionRecord;
use crate::users::ParentAssociation;

/// Outcomes being collected, by position in the batch.
pub(super) struct Outcomes {
    keys: Vec<String>,
    results: Vec<Option<WriteResult>>,
    warnings: Vec<Option<WriteWarning>>,
    whole_request: Vec<BulkFailure>,
}

impl Outcomes {
    pub(super) fn new(keys: Vec<String>) -> Self {
        let results = vec![None; keys.len()];
        let warnings = vec![None; keys.len()];
        Outcomes {
            keys,
            results,
            warnings,
            whole_request: Vec::new(),
        }
    }

    pub(super) fn done(&mut self, index: usize, id: Option<String>) {
        self.results[index] = Some(WriteResult::Done { id });
    }

    /// Records the results of records sent together, by their places.
    pub(super) fn record_all(
        &mut self,
        places: Vec<(usize, Option<String>)>,
        results: Vec<BulkResult>,
    ) {
        for ((i, id), result) in places.into_iter().zip(results) {
            self.record(i, result, id);
        }
    }

    /// Adds a warning to a record that was applied.
    pub(super) fn warn(&mut self, index: usize, warning: WriteWarning) {
        self.warnings[index] = Some(warning);
    }

    pub(super) fn record(&mut self, index: usize, result: BulkResult, known_id: Option<String>) {
        match result {
            Ok(item) => self.done(index, item.id_or_location().or(known_id)),
            Err(failure) => {
                self.results[index] = Some(WriteResult::Failed {
                    status: failure.status,
                    message: failure.message.clone(),
                    may_have_been_applied: failure.may_have_been_applied,
                });
                if failure.whole_request {
                    self.whole_request.push(failure);
                }
            }
        }
    }

    /// The outcomes; an error when every record failed because its request
    /// failed as a whole (the batch as a whole failed).
    pub(super) fn finish(self) -> PortResult<Vec<LmsOutcome>> {
        if !self.keys.is_empty() && self.whole_request.len() == self.keys.len() {
            let first = &self.whole_request[0];
            let mut error = PortError::new(kind(first.status), first.message.clone());
            if self.whole_request.iter().any(|f| f.may_have_been_applied) {
                error = error.maybe_applied();
            }
            return Err(error);
        }
        Ok(self
            .keys
            .into_iter()
            .zip(self.results)
            .zip(self.warnings)
            .map(|((key, result), warning)| {
                let result = result.unwrap_or(WriteResult::Failed {
                    status: None,
                    message: "no call was made for this record".into(),
                    may_have_been_applied: false,
                });
                let warning = warning.filter(|_| matches!(result, WriteResult::Done { .. }));
                LmsOutcome {
                    key,
                    result,
                    warning,
                }
            })
            .collect())
    }
}

fn kind(status: Option<u16>) -> ErrorKind {
    match status {
        None => ErrorKind::Unavailable,
        Some(401 | 403) => ErrorKind::Auth,
        Some(404) => ErrorKind::NotFound,
        Some(409) => ErrorKind::Conflict,
        Some(429) => ErrorKind::RateLimited,
        Some(s) if s >= 500 => ErrorKind::Unavailable,
        Some(400 | 415 | 422) => ErrorKind::Invalid,
        Some(_) => ErrorKind::Other,
    }
}

/// A record with its index in the batch and its known LMS id.
pub(super) type Placed<T> = (usize, T, Option<String>);

/// Splits `(index, record, known id)` triples into indices and records.
pub(super) fn split<T>(items: Vec<Placed<T>>) -> Split<T> {
    let mut places = Vec::with_capacity(items.len());
    let mut records = Vec::with_capacity(items.len());
    for (index, record, id) in items {
        places.push((index, id));
        records.push(record);
    }
    (places, records)
}

/// Places and wire records of one kind of call, in batch order.
pub(super) type Split<R> = (Vec<(usize, Option<String>)>, Vec<R>);

/// The outcomes of a batch of record operations to collect, and its creates
/// and its updates by id as wire records; a link without field changes
/// needs no call and is done at once.
pub(super) fn record_writes<'o, Id: ToString + 'o, F: 'o, R>(
    ops: impl Iterator<Item = (&'o str, &'o RecordAction<Id, F>)>,
    record: impl Fn(&str, Option<&Id>, &F) -> R,
) -> (Outcomes, Split<R>, Split<R>) {
    let (mut keys, mut creates, mut updates) = (Vec::new(), Vec::new(), Vec::new());
    let mut linked = Vec::new();
    for (i, (key, action)) in ops.enumerate() {
        keys.push(key.to_owned());
        match action {
            RecordAction::Create { fields } => creates.push((i, record(key, None, fields), None)),
            RecordAction::Link { id, changes, .. } if changes.is_empty() => {
                linked.push((i, id.to_string()));
            }
            RecordAction::Update { id, fields, .. } | RecordAction::Link { id, fields, .. } => {
                updates.push((i, record(key, Some(id), fields), Some(id.to_string())));
            }
        }
    }
    let mut out = Outcomes::new(keys);
    for (i, id) in linked {
        out.done(i, Some(id));
    }
    (out, split(creates), split(updates))
}

impl SchoologyLms {
    pub(super) async fn write(&self, write: &LmsWrite) -> PortResult<Vec<LmsOutcome>> {
        match write {
            LmsWrite::GradingPeriods(ops) => self.write_grading_periods(ops).await,
            LmsWrite::Users(ops) => self.write_users(ops).await,
            LmsWrite::Courses(ops) => {
                let ops: Vec<_> = ops.iter().map(|op| (op, &[] as &[NestedSection])).collect();
                self.write_courses(&ops).await
            }
            LmsWrite::CoursesWithSections(ops) => {
                let ops: Vec<_> = ops.iter().map(|w| (&w.op, w.sections.as_slice())).collect();
                self.write_courses(&ops).await
            }
            LmsWrite::NestedSections(ops) => self.find_nested_sections(ops).await,
            LmsWrite::Sections(ops) => self.write_sections(ops).await,
            LmsWrite::Enrollments(ops) => self.write_enrollments(ops).await,
            LmsWrite::GuardianLinks(ops) => {
                let keys = ops
                    .iter()
                    .map(|op| format!("{}/{}", op.guardian, op.student))
                    .collect();
                let mut out = Outcomes::new(keys);
                let mut lines = Vec::new();
                for (i, op) in ops.iter().enumerate() {
                    let line = |delete| ParentAssociation {
                        student_school_uid: op.student.to_string(),
                        parent_school_uid: op.guardian.to_string(),
                        delete,
                    };
                    match op.action {
                        GuardianLinkAction::Adopt => out.done(i, None),
                        GuardianLinkAction::Associate => lines.push((i, line(false), None)),
                        GuardianLinkAction::Dissociate => lines.push((i, line(true), None)),
                    }
                }
                let (at, lines) = split(lines);
                let results = self.client.import_parent_associations(&lines).await;
                out.record_all(at, results);
                out.finish()
            }
        }
    }

    /// Courses: creates by bulk POST by `course_code`, each with the
    /// sections it carries nested; updates by bulk PUT by id.
    async fn write_courses(
        &self,
        ops: &[(&CourseOp, &[NestedSection])],
    ) -> PortResult<Vec<LmsOutcome>> {
        let synced = self.config.mark_synced;
        let (mut out, (create_at, creates), (update_at, updates)) = record_writes(
            ops.iter().map(|(op, _)| (op.key.as_str(), &op.action)),
            |key, id, fields| convert::course_record(key, id, fields, synced),
        );
        let creates: Vec<CourseWithSections> = create_at
            .iter()
            .zip(creates)
            .map(|((i, _), course)| CourseWithSections {
                course,
                sections: NestedList {
                    section: ops[*i]
                        .1
                        .iter()
                        .take(BATCH_SIZE)
                        .map(|s| convert::section_record(s.key.as_str(), None, &s.fields, synced))
                        .collect(),
                },
            })
            .collect();
        let (created, updated) = futures::join!(
            self.client.bulk_courses_with_sections(&creates),
            self.client.update_courses(&updates)
        );
        out.record_all(create_at, created);
        out.record_all(update_at, updated);
        out.finish()
    }

    /// Sections sent nested in their courses' creates: read back, each one
    /// Schoology holds under its course done with its id, the others failed
    /// with the reason (see [`crate::nested`]).
    async fn find_nested_sections(&self, ops: &[SectionWrite]) -> PortResult<Vec<LmsOutcome>> {
        let keys = ops.iter().map(|op| op.key.to_string()).collect();
        let mut out = Outcomes::new(keys);
        let sent: Vec<(&str, &str)> = ops
            .iter()
            .map(|op| (op.key.as_str(), op.course.as_str()))
            .collect();
        let failure = |status, message, whole_request| BulkFailure {
            status,
            message,
            may_have_been_applied: whole_request,
            whole_request,
        };
        match self.client.nested_sections(&sent).await {
            Ok(landed) => {
                let mut learned = Vec::new();
                for (i, (landed, (key, course))) in landed.into_iter().zip(&sent).enumerate() {
                    match landed {
                        Landed::Created(id) => {
                            learned.push((*key, id.clone()));
                            out.done(i, Some(id));
                        }
                        Landed::Missing => out.record(
                            i,
                            Err(failure(
                                None,
                                format!(
                                    "Schoology does not hold section {key}, sent in the create of course {course}, \
                                     and its answer for the course gives no reason; the next run creates the section on its own"
                                ),
                                false,
                            )),
                            None,
                        ),
                        Landed::ElsewhereIn(other) => out.record(
                            i,
                            Err(failure(
                                None,
                                format!(
                                    "section_school_code {key} belongs to a section of course {other}, \
                                     not of course {course} it was sent with"
                                ),
                                false,
                            )),
                            None,
                        ),
                    }
                }
                self.remember_sections(learned.iter().map(|(c, i)| (*c, i.as_str())));
            }
            Err(error) => {
                let message =
                    format!("reading back the sections sent with their courses failed: {error}");
                for i in 0..ops.len() {
                    out.record(i, Err(failure(error.status(), message.clone(), true)), None);
                }
            }
        }
        out.finish()
    }

    async fn write_grading_periods(&self, ops: &[GradingPeriodOp]) -> PortResult<Vec<LmsOutcome>> {
        let keys = ops.iter().map(|op| op.term.to_string()).collect();
        let mut out = Outcomes::new(keys);
        let periods: Vec<NewGradingPeriod> = ops
            .iter()
            .map(|op| NewGradingPeriod {
                title: op.title.clone(),
                start: op.start.format("%Y-%m-%d").to_string(),
                end: op.end.format("%Y-%m-%d").to_string(),
            })
            .collect();
        let creating: Vec<_> = periods
            .iter()
            .map(|period| async move { self.client.create_grading_period(period).await })
            .collect();
        let mut results: Vec<Result<String, crate::Error>> = self
            .client
            .all(creating)
            .await
            .into_iter()
            .map(|result| result.map(|period| period.id))
            .collect();
        // A create whose answer was lost may have landed: a period Schoology
        // holds with the same title (unique in the school) and dates is it;
        // the others are created once more. When the look-up fails, the
        // failures stay (the next run finds the periods by title).
        let lost: Vec<usize> = (0..results.len())
            .filter(|i| matches!(&results[*i], Err(e) if e.may_have_been_applied()))
            .collect();
        if !lost.is_empty() {
            if let Ok(held) = self.client.grading_periods().await {
                for i in lost {
                    let want = &periods[i];
                    let found = held.items.iter().find(|period| {
                        period.title.as_deref() == Some(want.title.as_str())
                            && period
                                .start
                                .as_deref()
                                .is_some_and(|s| s.starts_with(&want.start))
                            && period
                                .end
                                .as_deref()
                                .is_some_and(|e| e.starts_with(&want.end))
                    });
                    results[i] = match found {
                        Some(period) => Ok(period.id.clone()),
                        None => self
                            .client
                            .create_grading_period(want)
                            .await
                            .map(|period| period.id),
                    };
                }
            }
        }
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(id) => out.done(i, Some(id)),
                Err(error) => out.record(
                    i,
                    Err(BulkFailure {
                        status: error.status(),
                        message: error.to_string(),
                        may_have_been_applied: error.may_have_been_applied(),
                        whole_request: error.status().is_none_or(|s| s != 400 && s != 409),
                    }),
                    None,
                ),
            }
        }
        out.finish()
    }

    async fn write_sections(
        &self,
        ops: &[rostersync_ports::SectionWrite],
    ) -> PortResult<Vec<LmsOutcome>> {
        let keys = ops.iter().map(|op| op.key.to_string()).collect();
        let mut out = Outcomes::new(keys);
        let synced = self.config.mark_synced;
        let mut updates = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if let Some(id) = &op.id {
                let record = convert::section_record(op.key.as_str(), Some(id), &op.fields, synced);
                updates.push((i, record, Some(id.to_string())));
            }
        }
        let creates: Vec<usize> = (0..ops.len()).filter(|i| ops[*i].id.is_none()).collect();
        let (update_at, updates) = split(updates);
        let (mut created, updated) = futures::join!(
            self.create_sections(ops, &creates),
            self.client.update_sections(&updates)
        );
        // A create whose answer was lost may have landed: what Schoology
        // holds now is done, the rest is created once more.
        let unknown: Vec<usize> = created
            .iter()
            .filter(|(_, result)| matches!(result, Err(f) if f.may_have_been_applied))
            .map(|(i, _)| *i)
            .collect();
        if !unknown.is_empty() {
            let mut resolved = self.resolve_sections(ops, &unknown).await;
            for (i, result) in &mut created {
                if let Some(at) = resolved.iter().position(|(j, _)| j == i) {
                    *result = resolved.swap_remove(at).1;
                }
            }
        }
        let mut learned = Vec::new();
        for (i, result) in created {
            if let Ok(item) = &result {
                if let Some(new_id) = item.id_or_location() {
                    learned.push((ops[i].key.to_string(), new_id));
                }
            }
            out.record(i, result, None);
        }
        self.remember_sections(learned.iter().map(|(c, i)| (c.as_str(), i.as_str())));
        out.record_all(update_at, updated);
        out.finish()
    }

    /// Creates the sections of `ops` at `indices` (bulk, under their
    /// courses), with each one's result by index.
    async fn create_sections(
        &self,
        ops: &[rostersync_ports::SectionWrite],
        indices: &[usize],
    ) -> Vec<(usize, BulkResult)> {
        let synced = self.config.mark_synced;
        // Grouped by course, in order of first appearance.
        let mut by_course: Vec<(&str, Vec<usize>, Vec<SectionRecord>)> = Vec::new();
        for &i in indices {
            let op = &ops[i];
            let record = convert::section_record(op.key.as_str(), None, &op.fields, synced);
            let course = op.course.as_str();
            match by_course.iter_mut().find(|(c, _, _)| *c == course) {
                Some((_, at, records)) => {
                    at.push(i);
                    records.push(record);
                }
                None => by_course.push((course, vec![i], vec![record])),
            }
        }
        let created = futures::future::join_all(
            by_course
                .iter()
                .map(|(course, _, records)| self.client.create_sections(course, records)),
        )
        .await;
        by_course
            .into_iter()
            .zip(created)
            .flat_map(|((_, at, _), results)| at.into_iter().zip(results))
            .collect()
    }

    /// Sections whose create may have landed without an answer saying so:
    /// each one Schoology holds by its unique code is done with that id,
    /// the others are created once more. When the look-up fails, their
    /// results stay the failures they were (the next run finds them).
    async fn resolve_sections(
        &self,
        ops: &[rostersync_ports::SectionWrite],
        unknown: &[usize],
    ) -> Vec<(usize, BulkResult)> {
        let codes: Vec<&str> = unknown.iter().map(|i| ops[*i].key.as_str()).collect();
        let Ok(held) = self.section_ids(&codes).await else {
            return Vec::new();
        };
        let mut resolved = Vec::new();
        let mut missing = Vec::new();
        for &i in unknown {
            match held.get(ops[i].key.as_str()) {
                Some(id) => resolved.push((
                    i,
                    Ok(BulkItem {
                        response_code: Some(200),
                        id: Some(id.clone()),
                        location: None,
                        message: None,
                        extra: serde_json::Map::new(),
                    }),
                )),
                None => missing.push(i),
            }
        }
        resolved.extend(self.create_sections(ops, &missing).await);
        resolved
    }

    async fn write_enrollments(
        &self,
        ops: &[rostersync_core::plan::EnrollmentOp],
    ) -> PortResult<Vec<LmsOutcome>> {
        let keys = ops
            .iter()
            .map(|op| format!("{}/{}", op.section, op.person))
            .collect();
        let mut out = Outcomes::new(keys);
        let mut lines = Vec::new();
        let mut changes: Vec<(usize, &str, EnrollmentUpdate)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let line = |admin, delete| EnrollmentImport {
                section_school_code: op.section.to_string(),
                school_uid: op.person.to_string(),
                admin,
                delete,
            };
            match &op.action {
                EnrollmentAction::Enroll { role } => {
                    lines.push((i, line(Some(*role == EnrollmentRole::Teacher), false), None));
                }
                EnrollmentAction::Unenroll { id, .. } => {
                    lines.push((i, line(None, true), Some(id.to_string())));
                }
                EnrollmentAction::Adopt { id } => out.done(i, Some(id.to_string())),
                EnrollmentAction::ChangeRole { id, to, .. } => changes.push((
                    i,
                    op.section.as_str(),
                    EnrollmentUpdate {
                        id: id.to_string(),
                        admin: Some(*to == EnrollmentRole::Teacher),
                        status: None,
                    },
                )),
            }
        }
        let (at, lines) = split(lines);
        let imported = self.client.import_enrollments(&lines).await;
        for ((i, id), result) in at.into_iter().zip(imported) {
            match result {
                // A removal that finds the enrollment gone has what it wanted:
                // a retried removal whose first answer was lost, or one made
                // by hand in between.
                Err(failure)
                    if failure.status == Some(404)
                        && !failure.whole_request
                        && matches!(ops[i].action, EnrollmentAction::Unenroll { .. }) =>
                {
                    out.done(i, id);
                }
                result => out.record(i, result, id),
            }
        }
        if !changes.is_empty() {
            let codes: Vec<&str> = changes.iter().map(|(_, code, _)| *code).collect();
            // A failed look-up fails only the role changes: the imports above
            // may already have landed and keep their outcomes.
            let (ids, lookup_error) = match self.section_ids(&codes).await {
                Ok(ids) => (ids, None),
                Err(error) => (HashMap::new(), Some(error.to_string())),
            };
            let mut by_section: HashMap<&str, Vec<(usize, EnrollmentUpdate)>> = HashMap::new();
            for (i, code, update) in changes {
                match ids.get(code) {
                    Some(section_id) => by_section.entry(section_id).or_default().push((i, update)),
                    None => out.record(
                        i,
                        Err(BulkFailure {
                            status: None,
                            message: lookup_error.clone().unwrap_or_else(|| {
                                format!("no Schoology section has section_school_code {code}")
                            }),
                            may_have_been_applied: false,
                            whole_request: lookup_error.is_some(),
                        }),
                        None,
                    ),
                }
            }
            let mut groups: Vec<_> = by_section.into_iter().collect();
            groups.sort_by(|a, b| a.0.cmp(b.0));
            let groups: Vec<(&str, Vec<usize>, Vec<EnrollmentUpdate>)> = groups
                .into_iter()
                .map(|(section, items)| {
                    let (at, updates) = items.into_iter().unzip();
                    (section, at, updates)
                })
                .collect();
            let results = futures::future::join_all(
                groups
                    .iter()
                    .map(|(section, _, updates)| self.client.update_enrollments(section, updates)),
            )
            .await;
            for ((_, at, updates), results) in groups.iter().zip(results) {
                for ((i, update), result) in at.iter().zip(updates).zip(results) {
                    out.record(*i, result, Some(update.id.clone()));
                }
            }
        }
        out.finish()
    }
}
