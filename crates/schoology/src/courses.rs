//! Courses: list by building, bulk create or update by `course_code`, bulk update by id.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::bulk::{Answer, Bulk, BulkResult};
use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// A course as Schoology returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Course {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// Building.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub building_id: Option<String>,
    /// Title.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub title: Option<String>,
    /// The unique code (the SIS key).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub course_code: Option<String>,
    /// Department.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub department: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub description: Option<String>,
    /// Credits.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub credits: Option<f64>,
    /// Subject area code, 0-9.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub subject_area: Option<i64>,
    /// Lowest grade level code (0 none, 1 pre-K, 2 K, 3 = grade 1 ... 14 = grade 12, 15 higher-ed).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub grade_level_range_start: Option<i64>,
    /// Highest grade level code.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub grade_level_range_end: Option<i64>,
    /// Whether the SIS owns the record.
    #[serde(default, deserialize_with = "de::flag")]
    pub synced: bool,
}

/// A course to create or update. `id` is set only for updates by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CourseRecord {
    /// The Schoology id (bulk PUT only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// The unique code (the SIS key).
    pub course_code: String,
    /// Building.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_id: Option<String>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Subject area code, 0-9.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_area: Option<u8>,
    /// Lowest grade level code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_level_range_start: Option<u8>,
    /// Highest grade level code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_level_range_end: Option<u8>,
    /// Whether the SIS owns the record (locks the code in the UI).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_flag"
    )]
    pub synced: Option<bool>,
}

impl Client {
    /// Every course of a building.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn courses_in_building(
        &self,
        building_id: &str,
    ) -> Result<Collection<Course>, Error> {
        self.list(
            "courses",
            &[("building_id", building_id.to_owned())],
            "course",
        )
        .await
    }

    /// One course.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn course(&self, id: &str) -> Result<Course, Error> {
        self.send(Request::get(format!("courses/{id}")))
            .await?
            .json()
    }

    /// Creates (or, with `update_existing`, creates or updates by
    /// `course_code`) any number of courses, 50 per call.
    pub async fn bulk_courses(
        &self,
        courses: &[CourseRecord],
        update_existing: bool,
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: "courses".into(),
            query: if update_existing {
                vec![("update_existing", "1".to_owned())]
            } else {
                Vec::new()
            },
            outer: "courses",
            inner: "course",
            answer: Answer::Flat("course"),
            safety: if update_existing {
                Safety::Idempotent
            } else {
                Safety::Once
            },
        };
        self.bulk(&bulk, courses).await
    }

    /// Updates courses by id (each record needs `id`), 50 per call.
    pub async fn update_courses(&self, courses: &[CourseRecord]) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::PUT,
            path: "courses".into(),
            query: Vec::new(),
            outer: "courses",
            inner: "course",
            answer: Answer::Flat("course"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, courses).await
    }
}
