//! Fakes of the grade ports: [`FakeGradeSource`] serves fixed LMS gradebooks
//! and section admins; [`FakeGradeSink`] keeps SIS gradebooks that writes
//! change, can be edited "by hand", and can be told to lose a score.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use rostersync_core::ids::{PersonKey, SchoolKey, SectionKey, TermKey, UserId};
use rostersync_core::model::grades::{GradeWrite, LmsGradebook, Score, SisGradebook};
use rostersync_ports::{
    ErrorKind, GradeSink, GradeSource, PortError, PortResult, WriteOutcome, WriteResult,
};

use super::sis::lock;

/// LMS gradebooks and section admins.
#[derive(Debug, Default)]
pub struct FakeGradeSource {
    books: Mutex<BTreeMap<SectionKey, (LmsGradebook, Vec<UserId>)>>,
}

impl FakeGradeSource {
    /// No sections.
    pub fn new() -> Self {
        FakeGradeSource::default()
    }

    /// Sets a section's gradebook and admins.
    pub fn set(&self, section: SectionKey, book: LmsGradebook, admins: Vec<UserId>) {
        lock(&self.books).insert(section, (book, admins));
    }

    /// Changes a section's gradebook in place (a teacher at work).
    pub fn edit(&self, section: &SectionKey, change: impl FnOnce(&mut LmsGradebook)) {
        if let Some((book, _)) = lock(&self.books).get_mut(section) {
            change(book);
        }
    }

    fn get(&self, section: &SectionKey) -> PortResult<(LmsGradebook, Vec<UserId>)> {
        lock(&self.books).get(section).cloned().ok_or_else(|| {
            PortError::new(
                ErrorKind::NotFound,
                format!("no section {section} in the LMS"),
            )
        })
    }
}

#[async_trait]
impl GradeSource for FakeGradeSource {
    async fn gradebook(&self, section: &SectionKey) -> PortResult<LmsGradebook> {
        Ok(self.get(section)?.0)
    }

    async fn section_admins(&self, section: &SectionKey) -> PortResult<Vec<UserId>> {
        Ok(self.get(section)?.1)
    }
}

#[derive(Debug, Default)]
struct SinkState {
    books: BTreeMap<(SectionKey, TermKey), SisGradebook>,
    schools: BTreeMap<SectionKey, SchoolKey>,
    writes: u64,
    lose: Vec<(String, PersonKey)>,
}

/// SIS gradebooks per section and term.
#[derive(Debug, Default)]
pub struct FakeGradeSink {
    state: Mutex<SinkState>,
}

impl FakeGradeSink {
    /// Empty gradebooks.
    pub fn new() -> Self {
        FakeGradeSink::default()
    }

    /// Records the school of a section; the sink knows only sections given here.
    pub fn set_school(&self, section: SectionKey, school: SchoolKey) {
        lock(&self.state).schools.insert(section, school);
    }

    /// A gradebook as it stands.
    pub fn book(&self, section: &SectionKey, term: &TermKey) -> SisGradebook {
        lock(&self.state)
            .books
            .get(&(section.clone(), term.clone()))
            .cloned()
            .unwrap_or_default()
    }

    /// Changes a gradebook in place (someone at the SIS).
    pub fn edit(
        &self,
        section: &SectionKey,
        term: &TermKey,
        change: impl FnOnce(&mut SisGradebook),
    ) {
        change(
            lock(&self.state)
                .books
                .entry((section.clone(), term.clone()))
                .or_default(),
        );
    }

    /// From now on, accepts but does not keep this student's score on this item.
    pub fn lose(&self, item: &str, student: PersonKey) {
        lock(&self.state).lose.push((item.to_owned(), student));
    }

    /// Items and scores written so far.
    pub fn writes(&self) -> u64 {
        lock(&self.state).writes
    }
}

#[async_trait]
impl GradeSink for FakeGradeSink {
    async fn section_school(&self, section: &SectionKey) -> PortResult<Option<SchoolKey>> {
        Ok(lock(&self.state).schools.get(section).cloned())
    }

    async fn gradebook(&self, section: &SectionKey, term: &TermKey) -> PortResult<SisGradebook> {
        Ok(self.book(section, term))
    }

    async fn write(&self, write: &GradeWrite) -> PortResult<Vec<WriteOutcome>> {
        let mut state = lock(&self.state);
        let lose = state.lose.clone();
        state.writes += (write.items.len() + write.scores.len()) as u64;
        let book = state
            .books
            .entry((write.section.clone(), write.term.clone()))
            .or_default();
        let mut outcomes = Vec::new();
        for item in &write.items {
            book.items.retain(|existing| existing.id != item.id);
            book.items.push(item.clone());
            outcomes.push(WriteOutcome {
                key: item.id.clone(),
                result: WriteResult::Done {
                    id: Some(item.id.clone()),
                },
            });
        }
        for score in &write.scores {
            if !lose
                .iter()
                .any(|(item, student)| *item == score.item && *student == score.student)
            {
                book.scores
                    .retain(|s: &Score| !(s.item == score.item && s.student == score.student));
                book.scores.push(score.clone());
            }
            outcomes.push(WriteOutcome {
                key: format!("{}/{}", score.item, score.student),
                result: WriteResult::Done { id: None },
            });
        }
        Ok(outcomes)
    }
}
