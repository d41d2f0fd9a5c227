//! `EspAdapter`: the `SisSource` and `GradeSink` of eSchoolPLUS. Every call
//! of one adapter shares one logged-on session (see `connection`): a
//! command logs on once, saves each definition only when the server does not
//! hold it as it is, reuses what it already downloaded, and logs off when
//! the application closes the adapter.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use rostersync_core::ids::{SchoolKey, SectionKey, TermKey};
use rostersync_core::model::grades::{GradeWrite, SisGradebook};
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use rostersync_ports::{
    GradeSink, PortResult, RecordKind, SisRead, SisRequest, SisSource, SourceProblem, WriteOutcome,
};
use tokio::sync::Mutex;

use crate::config::{Credentials, Options};
use crate::connection::Connection;
use crate::definitions::{self, Scope};
use crate::error::EspResult;
use crate::grades::{self, Gradebooks};
use crate::map::{self, RosterFiles};
use crate::parse::Table;
use crate::tasks::Download;

/// What the adapter keeps between calls.
#[derive(Debug, Default)]
struct Held {
    connection: Option<Connection>,
    gradebooks: Gradebooks,
}

/// The eSchoolPLUS adapter.
#[derive(Debug, Clone)]
pub struct EspAdapter {
    credentials: Credentials,
    options: Options,
    held: Arc<Mutex<Held>>,
}

impl EspAdapter {
    /// An adapter that connects with `credentials`; `options.school_year` is
    /// the year used where a call does not name one (schools, grades).
    pub fn new(credentials: Credentials, options: Options) -> Self {
        EspAdapter {
            credentials,
            options,
            held: Arc::new(Mutex::new(Held::default())),
        }
    }

    /// The school year of calls that do not name one.
    pub fn school_year(&self) -> i32 {
        self.options.school_year
    }

    /// Runs `work` on the adapter's connection for `school_year`, logging on
    /// first if there is none yet. Calls are serialised: one session does
    /// one thing at a time.
    pub(crate) async fn with_connection<T, F>(&self, school_year: i32, work: F) -> EspResult<T>
    where
        F: AsyncFnOnce(&mut Connection, &mut Gradebooks) -> EspResult<T>,
    {
        let mut held = self.held.lock().await;
        let Held {
            connection,
            gradebooks,
        } = &mut *held;
        let connection = match connection {
            Some(connection) => {
                connection.select_year(school_year).await?;
                connection
            }
            None => {
                let options = self.options.clone().with_school_year(school_year);
                connection.insert(Connection::open(self.credentials.clone(), options).await?)
            }
        };
        work(connection, gradebooks).await
    }

    /// Logs on for `school_year` (or checks that the adapter's session is
    /// logged on for it).
    ///
    /// # Errors
    ///
    /// As [`Session::open`](crate::Session::open).
    pub async fn connect(&self, school_year: i32) -> EspResult<()> {
        self.with_connection(school_year, async |_, _| Ok(())).await
    }

    /// Logs off and forgets the session and everything it read (downloads
    /// are reused only until then); the next call logs on again. Call it when
    /// a command is done.
    pub async fn close(&self) {
        let connection = {
            let mut held = self.held.lock().await;
            held.gradebooks = Gradebooks::default();
            held.connection.take()
        };
        if let Some(connection) = connection {
            connection.close().await;
        }
    }

    /// Every building, with the problems met.
    ///
    /// # Errors
    ///
    /// When logging on or the download fails.
    pub async fn read_schools(&self) -> EspResult<(Vec<School>, Vec<SourceProblem>)> {
        self.with_connection(self.options.school_year, async |connection, _| {
            let downloads = connection.download_once(&definitions::buildings()).await?;
            let mut problems = Vec::new();
            let table = tables(downloads, &mut problems).next_of(RecordKind::School, false);
            let schools = map::schools(&table, &mut problems);
            Ok((schools, problems))
        })
        .await
    }

    /// The terms of every building in a school year, with the problems met.
    ///
    /// # Errors
    ///
    /// When logging on or a download fails.
    pub async fn read_terms(&self, school_year: i32) -> EspResult<(Vec<Term>, Vec<SourceProblem>)> {
        self.with_connection(school_year, async |connection, _| {
            let downloads = connection
                .download_once(&definitions::terms(school_year))
                .await?;
            let mut problems = Vec::new();
            let mut tables = tables(downloads, &mut problems);
            let (weeks, dates) = (
                tables.next_of(RecordKind::Term, false),
                tables.next_of(RecordKind::Term, true),
            );
            let terms = map::terms(&weeks, &dates, &mut problems);
            Ok((terms, problems))
        })
        .await
    }

    /// The roster of the requested buildings.
    ///
    /// # Errors
    ///
    /// When logging on or the download fails; bad rows are problems in the result.
    pub async fn read_snapshot(&self, request: &SisRequest) -> EspResult<SisRead> {
        let mut problems = Vec::new();
        let mut buildings = Vec::new();
        for school in &request.schools {
            if !school.as_str().is_empty() && school.as_str().chars().all(|c| c.is_ascii_digit()) {
                buildings.push(school.as_str().to_owned());
            } else {
                problems.push(
                    SourceProblem::new(
                        format!("request school {school}"),
                        "not an eSchoolPLUS building number; the school was not read",
                    )
                    .record(RecordKind::School)
                    .key(school.as_str()),
                );
            }
        }
        if buildings.is_empty() {
            let (schools, found) = self.read_schools().await?;
            problems.extend(found);
            let snapshot = SisSnapshot {
                schools,
                ..SisSnapshot::default()
            };
            return Ok(SisRead { snapshot, problems });
        }
        let year = request.school_year;
        let definition = definitions::roster(&Scope {
            buildings,
            school_year: year,
        });
        self.with_connection(year, async |connection, _| {
            let downloads = connection.download(&definition).await?;
            let mut tables = tables(downloads, &mut problems);
            let mut snapshot = SisSnapshot::default();
            use RecordKind as K;
            let buildings_table = tables.next_of(K::School, false);
            let (weeks, dates) = (
                tables.next_of(K::Term, false),
                tables.next_of(K::Term, true),
            );
            let files = RosterFiles {
                students: tables.next_of(K::Person, false),
                academic: tables.next_of(K::Person, true),
                student_contacts: tables.next_of(K::GuardianLink, false),
                contacts: tables.next_of(K::Person, false),
                staff: tables.next_of(K::Person, false),
                staff_buildings: tables.next_of(K::Person, true),
                courses: tables.next_of(K::Course, false),
                sections: tables.next_of(K::Section, true),
                sessions: tables.next_of(K::Section, false),
                section_staff: tables.next_of(K::Enrollment, false),
                section_mps: tables.next_of(K::Section, true),
                student_courses: tables.next_of(K::Enrollment, false),
                student_course_dates: tables.next_of(K::Enrollment, true),
            };
            drop(tables);
            snapshot.schools = map::schools(&buildings_table, &mut problems);
            snapshot.terms = map::terms(&weeks, &dates, &mut problems);
            let selected: BTreeSet<_> = request.schools.clone();
            map::roster(&files, year, &selected, &mut snapshot, &mut problems);
            Ok(SisRead {
                snapshot,
                problems: std::mem::take(&mut problems),
            })
        })
        .await
    }

    /// Notes the sections a passback is about to read, so one read of the
    /// gradebook serves them all.
    ///
    /// # Errors
    ///
    /// When a key is not an eSchoolPLUS section key.
    pub async fn prepare_gradebooks(&self, sections: &[SectionKey]) -> EspResult<()> {
        let year = self.options.school_year;
        self.with_connection(year, async |connection, books| {
            books.add(sections)?;
            // Everything a passback runs, saved (where needed) before the
            // first run: one new logon at most.
            let needed = [
                books.definition(),
                definitions::terms(year),
                definitions::assignment_upload(),
                definitions::score_upload(),
            ];
            let refs: Vec<&crate::definitions::Definition> = needed.iter().collect();
            connection.prepare(&refs).await.map(|_| ())
        })
        .await
    }

    /// The building of a section, `None` when eSchoolPLUS has no such section.
    ///
    /// # Errors
    ///
    /// When logging on or the download fails.
    pub async fn read_section_school(&self, section: &SectionKey) -> EspResult<Option<SchoolKey>> {
        self.with_connection(self.options.school_year, async |connection, books| {
            books.school(connection, section).await
        })
        .await
    }

    /// The gradebook of one section session in one term.
    ///
    /// # Errors
    ///
    /// When logging on or a download fails.
    pub async fn read_gradebook(
        &self,
        section: &SectionKey,
        term: &TermKey,
    ) -> EspResult<SisGradebook> {
        let year = map::split_term_key(term).map_or(self.options.school_year, |(_, year, _)| year);
        self.with_connection(year, async |connection, books| {
            grades::read(connection, books, section, term)
                .await
                .map(|(gradebook, _)| gradebook)
        })
        .await
    }

    /// Writes items and scores; one outcome per item, then per score.
    ///
    /// # Errors
    ///
    /// When logging on, the upload or a run fails as a whole; a failure after
    /// a run-mode upload began is [`EspError::MayHaveBeenApplied`](crate::EspError::MayHaveBeenApplied).
    pub async fn write_grades(&self, write: &GradeWrite) -> EspResult<Vec<WriteOutcome>> {
        let year =
            map::split_term_key(&write.term).map_or(self.options.school_year, |(_, year, _)| year);
        self.with_connection(year, async |connection, books| {
            grades::write(connection, books, write).await
        })
        .await
    }
}

/// The tables of a definition's downloads, in header order; their
/// problems go into the list given.
struct Tables<'p> {
    downloads: std::vec::IntoIter<Download>,
    problems: &'p mut Vec<SourceProblem>,
}

fn tables(downloads: Vec<Download>, problems: &mut Vec<SourceProblem>) -> Tables<'_> {
    Tables {
        downloads: downloads.into_iter(),
        problems,
    }
}

impl Tables<'_> {
    /// The next header's table, whose malformed rows are records of kind
    /// `record`: unreadable when the table holds the records themselves, a
    /// warning when it holds attributes of records read from another table.
    fn next_of(&mut self, record: RecordKind, attributes: bool) -> Table {
        match self.downloads.next() {
            Some(Download { table, problems }) => {
                self.problems.extend(problems.into_iter().map(|problem| {
                    let problem = problem
                        .record(record)
                        .reason("malformed row (a delimiter or line break inside a field)");
                    if attributes {
                        problem.warning()
                    } else {
                        problem
                    }
                }));
                table
            }
            None => Table::default(),
        }
    }
}

#[async_trait]
impl SisSource for EspAdapter {
    async fn schools(&self) -> PortResult<Vec<School>> {
        let (schools, problems) = self.read_schools().await?;
        for problem in problems {
            tracing::warn!(location = %problem.location, "{}", problem.message);
        }
        Ok(schools)
    }

    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>> {
        let (terms, problems) = self.read_terms(school_year).await?;
        for problem in problems {
            tracing::warn!(location = %problem.location, "{}", problem.message);
        }
        Ok(terms)
    }

    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead> {
        Ok(self.read_snapshot(request).await?)
    }

    async fn close(&self) {
        EspAdapter::close(self).await;
    }
}

#[async_trait]
impl GradeSink for EspAdapter {
    async fn prepare(&self, sections: &[SectionKey]) -> PortResult<()> {
        Ok(self.prepare_gradebooks(sections).await?)
    }

    async fn section_school(&self, section: &SectionKey) -> PortResult<Option<SchoolKey>> {
        Ok(self.read_section_school(section).await?)
    }

    async fn gradebook(&self, section: &SectionKey, term: &TermKey) -> PortResult<SisGradebook> {
        Ok(self.read_gradebook(section, term).await?)
    }

    async fn write(&self, write: &GradeWrite) -> PortResult<Vec<WriteOutcome>> {
        Ok(self.write_grades(write).await?)
    }
}
