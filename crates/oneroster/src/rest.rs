//! The OneRoster REST binding: configuration, OAuth 1.0a and OAuth 2
//! authorization, paging, the `imsx_` error payload, JSON entities, and
//! [`OneRosterRest`], the `SisSource` over it.

mod client;
mod config;
mod error;
mod gradebook;
mod json;
mod oauth1;
pub mod plus360;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rostersync_core::ids::{SchoolKey, SectionKey, TermKey};
use rostersync_core::model::grades::{GradeCategory, GradeWrite, SisGradebook};
use rostersync_core::model::sis::{School, Term};
use rostersync_ports::{
    GradeSink, PortResult, SisRead, SisRequest, SisSource, SourceProblem, WriteOutcome,
};

pub use client::{Query, RestClient};
pub use config::{Auth, RestConfig, RestVersion, Secret, Service, SignatureMethod};
pub use error::RestError;
pub use gradebook::{GradeOptions, category_id, line_item_id, result_id, score_status};
pub use rostersync_retry::RetryPolicy;

use crate::map::{self, Options};
use crate::model::{Keyed, Records, Unread};
use crate::problem::{Fault, Sink};

/// A OneRoster REST provider read as a SIS and written as a gradebook.
#[derive(Debug)]
pub struct OneRosterRest {
    client: RestClient,
    grades: GradeOptions,
    options: Options,
}

/// The `filter` of a delta read: records modified after `since`.
pub fn modified_since(since: DateTime<Utc>) -> String {
    format!(
        "dateLastModified>'{}'",
        since.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

impl OneRosterRest {
    /// A source over `config`.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn new(config: RestConfig) -> Result<Self, RestError> {
        Ok(OneRosterRest {
            client: RestClient::new(config)?,
            grades: GradeOptions::default(),
            options: Options::default(),
        })
    }

    /// The eSchoolPLUS PLUS360 profile: its paths, auth and score quirks.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn plus360(profile: &plus360::Plus360) -> Result<Self, RestError> {
        Ok(Self::new(profile.config())?.with_grade_options(plus360::GRADE_OPTIONS))
    }

    /// Makes a course for each course a class names that the provider does
    /// not serve, titled after the first class naming it, with a warning on
    /// each. Off by default: a class whose course is not served is then
    /// unreadable.
    #[must_use]
    pub fn with_courses_from_classes(mut self) -> Self {
        self.options.courses_from_classes = true;
        self
    }

    /// Sets how scores are written.
    #[must_use]
    pub fn with_grade_options(mut self, options: GradeOptions) -> Self {
        self.grades = options;
        self
    }

    /// PUTs a category of `section` under its derived sourcedId, which it returns.
    ///
    /// # Errors
    ///
    /// When the provider refuses the write.
    pub async fn put_category(
        &self,
        section: &SectionKey,
        category: &GradeCategory,
    ) -> Result<String, RestError> {
        gradebook::put_category(&self.client, section, category).await
    }

    /// The client underneath.
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    /// Every record of the rostering collection `name` (its path and its
    /// envelope) read with `query`, mapped by `read`.
    async fn records<T: Keyed>(
        &self,
        name: &str,
        query: &Query,
        sink: &mut Sink<'_>,
        read: impl Fn(json::Entity<'_>) -> Result<T, Fault>,
    ) -> Result<Vec<T>, RestError> {
        let path = format!("/{name}");
        let items = self
            .client
            .collection(Service::Rostering, &path, name, query)
            .await?;
        Ok(json::read_all(&path, &items, sink, read))
    }

    /// Reads every rostering collection with `query` (e.g. a
    /// [`modified_since`] filter for a delta read).
    ///
    /// # Errors
    ///
    /// When a collection cannot be read.
    pub async fn read_records(
        &self,
        query: &Query,
    ) -> Result<(Records, Vec<SourceProblem>), RestError> {
        let mut problems = Vec::new();
        let mut unread = Unread::new();
        let mut sink = Sink {
            problems: &mut problems,
            unread: &mut unread,
        };
        let s = &mut sink;
        let orgs = self.records("orgs", query, s, json::org).await?;
        let sessions = self
            .records("academicSessions", query, s, json::session)
            .await?;
        let courses = self.records("courses", query, s, json::course).await?;
        let classes = self.records("classes", query, s, json::class).await?;
        let users = self.records("users", query, s, json::user).await?;
        let enrollments = self
            .records("enrollments", query, s, json::enrollment)
            .await?;
        let records = Records {
            unread,
            orgs,
            sessions,
            courses,
            classes,
            users,
            enrollments,
        };
        Ok((records, problems))
    }
}

#[async_trait]
impl SisSource for OneRosterRest {
    async fn schools(&self) -> PortResult<Vec<School>> {
        let query = Query::default();
        let mut unread = Unread::new();
        let mut sink = Sink {
            problems: &mut Vec::new(),
            unread: &mut unread,
        };
        let orgs = self.records("orgs", &query, &mut sink, json::org).await?;
        let classes = self
            .records("classes", &query, &mut sink, json::class)
            .await?;
        let records = Records {
            orgs,
            classes,
            unread,
            ..Records::default()
        };
        Ok(map::schools(&records))
    }

    /// The terms of `school_year`; a session marked inactive or tobedeleted
    /// is never one.
    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>> {
        let (records, _) = self.read_records(&Query::default()).await?;
        Ok(map::terms(&records, school_year))
    }

    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead> {
        let (records, mut problems) = self.read_records(&Query::default()).await?;
        let snapshot = map::snapshot(&records, request, self.options, &mut problems);
        Ok(SisRead { snapshot, problems })
    }
}

#[async_trait]
impl GradeSink for OneRosterRest {
    async fn section_school(&self, section: &SectionKey) -> PortResult<Option<SchoolKey>> {
        Ok(gradebook::section_school(&self.client, section)
            .await?
            .map(SchoolKey::new))
    }

    async fn gradebook(&self, section: &SectionKey, term: &TermKey) -> PortResult<SisGradebook> {
        Ok(gradebook::read(&self.client, section, term).await?)
    }

    async fn write(&self, write: &GradeWrite) -> PortResult<Vec<WriteOutcome>> {
        Ok(gradebook::write(&self.client, self.grades, write).await?)
    }
}
