//! `EspAdapter`: the `SisSource` and `GradeSink` of eSchoolPLUS. Every call
//! logs on, works through download or upload definitions, and logs off.

use std::collections::BTreeSet;

use async_trait::async_trait;
use rostersync_core::ids::{SectionKey, TermKey};
use rostersync_core::model::grades::{GradeWrite, SisGradebook};
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use rostersync_ports::{
    GradeSink, PortResult, SisRead, SisRequest, SisSource, SourceProblem, WriteOutcome,
};

use crate::config::{Credentials, Options};
use crate::definitions::{self, Scope};
use crate::error::{EspError, EspResult};
use crate::grades;
use crate::map::{self, RosterFiles};
use crate::parse::Table;
use crate::session::Session;
use crate::tasks::{self, Download};

/// The eSchoolPLUS adapter.
#[derive(Debug, Clone)]
pub struct EspAdapter {
    credentials: Credentials,
    options: Options,
}

impl EspAdapter {
    /// An adapter that connects with `credentials`; `options.school_year` is
    /// the year used where a call does not name one (schools, grades).
    pub fn new(credentials: Credentials, options: Options) -> Self {
        EspAdapter {
            credentials,
            options,
        }
    }

    /// Logs on for `school_year`.
    ///
    /// # Errors
    ///
    /// As [`Session::open`].
    pub async fn connect(&self, school_year: i32) -> EspResult<Session> {
        let options = self.options.clone().with_school_year(school_year);
        Session::open(self.credentials.clone(), options).await
    }

    /// Logs on, runs `work`, and logs off whatever the outcome.
    async fn with_session<T, F>(&self, school_year: i32, work: F) -> EspResult<T>
    where
        F: AsyncFnOnce(&Session) -> EspResult<T>,
    {
        let session = self.connect(school_year).await?;
        let result = work(&session).await;
        session.log_off().await;
        result
    }

    /// Every building, with the problems met.
    ///
    /// # Errors
    ///
    /// When logging on or the download fails.
    pub async fn read_schools(&self) -> EspResult<(Vec<School>, Vec<SourceProblem>)> {
        self.with_session(self.options.school_year, async |session| {
            let mut downloads = tasks::download(session, &[definitions::buildings()]).await?;
            let Download {
                table,
                mut problems,
            } = take(&mut downloads, 0);
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
        self.with_session(school_year, async |session| {
            let defs = definitions::marking_periods(school_year, None);
            let mut downloads = tasks::download(session, &defs).await?;
            let mut problems = Vec::new();
            let weeks = take_into(&mut downloads, 0, &mut problems);
            let dates = take_into(&mut downloads, 1, &mut problems);
            let terms = map::terms(&weeks, &dates, &mut problems);
            Ok((terms, problems))
        })
        .await
    }

    /// The roster of the requested buildings.
    ///
    /// # Errors
    ///
    /// When logging on or a download fails; bad rows are problems in the result.
    pub async fn read_snapshot(&self, request: &SisRequest) -> EspResult<SisRead> {
        let mut problems = Vec::new();
        let mut buildings = Vec::new();
        for school in &request.schools {
            match school.as_str().parse::<i64>() {
                Ok(number) => buildings.push(number),
                Err(_) => problems.push(SourceProblem {
                    location: format!("request school {school}"),
                    message: "not an eSchoolPLUS building number; the school was not read"
                        .to_owned(),
                }),
            }
        }
        let year = request.school_year;
        self.with_session(year, async |session| {
            let mut defs = vec![definitions::buildings()];
            if !buildings.is_empty() {
                defs.extend(definitions::marking_periods(year, Some(&buildings)));
                defs.extend(definitions::roster(&Scope {
                    buildings: buildings.clone(),
                    school_year: year,
                }));
            }
            let mut downloads = tasks::download(session, &defs).await?;
            let academic = if buildings.is_empty() {
                Table::default()
            } else {
                let scope = Scope {
                    buildings: buildings.clone(),
                    school_year: year,
                };
                graduation_years(session, &scope, &mut problems).await?
            };
            let mut snapshot = SisSnapshot::default();
            let buildings_table = take_into(&mut downloads, 0, &mut problems);
            snapshot.schools = map::schools(&buildings_table, &mut problems);
            if buildings.is_empty() {
                return Ok(SisRead { snapshot, problems });
            }
            let weeks = take_into(&mut downloads, 1, &mut problems);
            let dates = take_into(&mut downloads, 2, &mut problems);
            snapshot.terms = map::terms(&weeks, &dates, &mut problems);
            let mut next = 3;
            let mut table = || {
                let table = take_into(&mut downloads, next, &mut problems);
                next += 1;
                table
            };
            let files = RosterFiles {
                students: table(),
                academic,
                student_contacts: table(),
                contacts: table(),
                staff: table(),
                staff_buildings: table(),
                courses: table(),
                sections: table(),
                sessions: table(),
                section_staff: table(),
                section_mps: table(),
                student_courses: table(),
                student_course_dates: table(),
            };
            let selected: BTreeSet<_> = request.schools.clone();
            map::roster(&files, year, &selected, &mut snapshot, &mut problems);
            Ok(SisRead { snapshot, problems })
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
        self.with_session(year, async |session| {
            grades::read(session, section, term)
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
        self.with_session(year, async |session| grades::write(session, write).await)
            .await
    }
}

/// Takes download `index` out of the list (an empty one if absent).
fn take(downloads: &mut [Download], index: usize) -> Download {
    downloads
        .get_mut(index)
        .map(|download| Download {
            table: std::mem::take(&mut download.table),
            problems: std::mem::take(&mut download.problems),
        })
        .unwrap_or(Download {
            table: Table::default(),
            problems: Vec::new(),
        })
}

/// Takes download `index`'s table and moves its problems into `problems`.
/// Reads `REG_ACADEMIC`. Its year column is an assumption: when the server
/// refuses the definition or sends another layout, the students are read
/// without years and one problem says why; other failures fail the read.
async fn graduation_years(
    session: &Session,
    scope: &Scope,
    problems: &mut Vec<SourceProblem>,
) -> EspResult<Table> {
    let definition = definitions::academic(scope);
    match tasks::download(session, std::slice::from_ref(&definition)).await {
        Ok(mut downloads) => Ok(take_into(&mut downloads, 0, problems)),
        Err(error @ (EspError::TaskFailed { .. } | EspError::Layout { .. })) => {
            problems.push(SourceProblem {
                location: format!(
                    "download {} ({})",
                    definition.interface_id, definition.table
                ),
                message: format!(
                    "graduation years were not read ({error}); students are read without them. \
                     The column {}.{} is an assumption (see rostersync_eschoolplus::assumptions)",
                    definition.table,
                    crate::assumptions::academic::GRADUATION_YEAR
                ),
            });
            Ok(Table::default())
        }
        Err(error) => Err(error),
    }
}

fn take_into(downloads: &mut [Download], index: usize, problems: &mut Vec<SourceProblem>) -> Table {
    let Download {
        table,
        problems: found,
    } = take(downloads, index);
    problems.extend(found);
    table
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
}

#[async_trait]
impl GradeSink for EspAdapter {
    async fn gradebook(&self, section: &SectionKey, term: &TermKey) -> PortResult<SisGradebook> {
        Ok(self.read_gradebook(section, term).await?)
    }

    async fn write(&self, write: &GradeWrite) -> PortResult<Vec<WriteOutcome>> {
        Ok(self.write_grades(write).await?)
    }
}
