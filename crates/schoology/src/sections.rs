//! Sections: list per course or by school codes, bulk create under a course,
//! bulk update by id.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::bulk::{Answer, BATCH_SIZE, Bulk, BulkResult};
use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// A section as Schoology returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Section {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// The course.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub course_id: Option<String>,
    /// Title (`section_title` on reads).
    #[serde(default, alias = "title", deserialize_with = "de::opt_id")]
    pub section_title: Option<String>,
    /// Code shown to users (unique per course and grading period).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub section_code: Option<String>,
    /// The unique code (the SIS key).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub section_school_code: Option<String>,
    /// Grading periods.
    #[serde(default, deserialize_with = "de::id_list")]
    pub grading_periods: Vec<String>,
    /// Room.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub location: Option<String>,
    /// Class periods.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub class_periods: Option<String>,
    /// Whether the SIS owns the record.
    #[serde(default, deserialize_with = "de::flag")]
    pub synced: bool,
}

/// A section to create or update. `id` is set only for updates by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SectionRecord {
    /// The Schoology id (bulk PUT only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// Code shown to users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_code: Option<String>,
    /// The unique code (the SIS key).
    pub section_school_code: String,
    /// Grading periods.
    #[serde(serialize_with = "de::ser_ids")]
    pub grading_periods: Vec<String>,
    /// Room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Class periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_periods: Option<String>,
    /// Whether the SIS owns the record.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_flag"
    )]
    pub synced: Option<bool>,
}

impl Client {
    /// Every section of a course, past grading periods included.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn course_sections(&self, course_id: &str) -> Result<Collection<Section>, Error> {
        let path = format!("courses/{course_id}/sections");
        self.list(&path, &[("include_past", "1".to_owned())], "section")
            .await
    }

    /// One section.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn section(&self, id: &str) -> Result<Section, Error> {
        self.send(Request::get(format!("sections/{id}")))
            .await?
            .json()
    }

    /// The sections with these unique codes (asked 50 at a time).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn sections_by_school_codes(&self, codes: &[&str]) -> Result<Vec<Section>, Error> {
        let mut sections = Vec::new();
        for chunk in codes.chunks(BATCH_SIZE) {
            let query = [
                ("section_school_codes", chunk.join(",")),
                ("include_past", "1".to_owned()),
            ];
            sections.extend(self.list("sections", &query, "section").await?.items);
        }
        Ok(sections)
    }

    /// Creates one section under a course (201). Not repeated on a 5xx.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_section(
        &self,
        course_id: &str,
        section: &SectionRecord,
    ) -> Result<Section, Error> {
        let path = format!("courses/{course_id}/sections");
        let request = Request::write(Method::POST, path, section, Safety::Once)?;
        self.send(request).await?.json()
    }

    /// Creates sections under a course, 50 per call. Not repeated on a 5xx:
    /// sections may have been created.
    pub async fn create_sections(
        &self,
        course_id: &str,
        sections: &[SectionRecord],
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: format!("courses/{course_id}/sections"),
            query: Vec::new(),
            outer: "sections",
            inner: "section",
            answer: Answer::Flat("section"),
            safety: Safety::Once,
        };
        self.bulk(&bulk, sections).await
    }

    /// Updates sections by id (each record needs `id`), 50 per call.
    pub async fn update_sections(&self, sections: &[SectionRecord]) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::PUT,
            path: "sections".into(),
            query: Vec::new(),
            outer: "sections",
            inner: "section",
            answer: Answer::Flat("section"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, sections).await
    }
}
