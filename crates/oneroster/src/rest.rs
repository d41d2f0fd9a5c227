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

use crate::map::{self, Index};
use crate::model::Records;

/// A OneRoster REST provider read as a SIS and written as a gradebook.
#[derive(Debug)]
pub struct OneRosterRest {
    client: RestClient,
    grades: GradeOptions,
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
        let get = |path: &'static str, envelope: &'static str| {
            self.client
                .collection(Service::Rostering, path, envelope, query)
        };
        let orgs = get("/orgs", "orgs").await?;
        let sessions = get("/academicSessions", "academicSessions").await?;
        let courses = get("/courses", "courses").await?;
        let classes = get("/classes", "classes").await?;
        let users = get("/users", "users").await?;
        let enrollments = get("/enrollments", "enrollments").await?;
        let p = &mut problems;
        let records = Records {
            orgs: json::read_all("/orgs", &orgs, p, json::org),
            sessions: json::read_all("/academicSessions", &sessions, p, json::session),
            // A provider without any course (as a CSV package without
            // courses.csv) gets courses derived from the classes' links.
            courses: (!courses.is_empty())
                .then(|| json::read_all("/courses", &courses, p, json::course)),
            classes: json::read_all("/classes", &classes, p, json::class),
            users: json::read_all("/users", &users, p, json::user),
            enrollments: json::read_all("/enrollments", &enrollments, p, json::enrollment),
        };
        Ok((records, problems))
    }
}

#[async_trait]
impl SisSource for OneRosterRest {
    async fn schools(&self) -> PortResult<Vec<School>> {
        let mut problems = Vec::new();
        let orgs = self
            .client
            .collection(Service::Rostering, "/orgs", "orgs", &Query::default())
            .await?;
        let classes = self
            .client
            .collection(Service::Rostering, "/classes", "classes", &Query::default())
            .await?;
        let records = Records {
            orgs: json::read_all("/orgs", &orgs, &mut problems, json::org),
            classes: json::read_all("/classes", &classes, &mut problems, json::class),
            ..Records::default()
        };
        Ok(map::schools(&Index::new(&records, &mut problems)))
    }

    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>> {
        let (records, mut problems) = self.read_records(&Query::default()).await?;
        let index = Index::new(&records, &mut problems);
        Ok(map::terms(&index, school_year, &mut problems))
    }

    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead> {
        let (records, mut problems) = self.read_records(&Query::default()).await?;
        let index = Index::new(&records, &mut problems);
        let snapshot = map::snapshot(&index, request, &mut problems);
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
