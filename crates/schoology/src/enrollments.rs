//! Enrollments: list per section, import by `section_school_code` +
//! `school_uid` (enroll with the admin flag, or `delete`), bulk update by id.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::bulk::{Answer, Bulk, BulkResult};
use crate::client::{Client, Request, Safety};
use crate::de;
use crate::error::Error;
use crate::paging::Collection;

/// An enrollment as Schoology returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Enrollment {
    /// Id.
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// The user.
    #[serde(deserialize_with = "de::id")]
    pub uid: String,
    /// The user's unique id, when the answer includes it.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub school_uid: Option<String>,
    /// Section admin (teacher) rather than member.
    #[serde(default, deserialize_with = "de::flag")]
    pub admin: bool,
    /// 1 active, 2 expired, 3 invite pending, 4 request pending, 5 archived.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub status: Option<i64>,
}

impl Enrollment {
    /// Whether the enrollment is active (status 1, or no status given).
    pub fn is_active(&self) -> bool {
        self.status.is_none_or(|status| status == 1)
    }
}

/// One line of an enrollment import by codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrollmentImport {
    /// The section's unique code.
    pub section_school_code: String,
    /// The user's unique id.
    pub school_uid: String,
    /// Section admin (teacher) or member.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_flag"
    )]
    pub admin: Option<bool>,
    /// Remove the enrollment instead.
    #[serde(
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "de::ser_flag"
    )]
    pub delete: bool,
}

/// A change of one enrollment, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrollmentUpdate {
    /// The enrollment.
    pub id: String,
    /// Section admin (teacher) or member.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::ser_opt_flag"
    )]
    pub admin: Option<bool>,
    /// New status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
}

/// An enrollment to add to a section by Schoology user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEnrollment {
    /// The user.
    pub uid: String,
    /// Section admin (teacher) or member.
    #[serde(serialize_with = "de::ser_flag")]
    pub admin: bool,
    /// Status (1 = active).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
}

impl Client {
    /// Every enrollment of a section.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn section_enrollments(
        &self,
        section_id: &str,
    ) -> Result<Collection<Enrollment>, Error> {
        self.list(
            &format!("sections/{section_id}/enrollments"),
            &[],
            "enrollment",
        )
        .await
    }

    /// Enrolls or unenrolls by codes (`enrollments/import/course`), 50 per
    /// call. Safe to repeat: the same line twice has the effect of once.
    pub async fn import_enrollments(&self, lines: &[EnrollmentImport]) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: "enrollments/import/course".into(),
            query: Vec::new(),
            outer: "enrollments",
            inner: "enrollment",
            answer: Answer::Nested("enrollments", "enrollment"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, lines).await
    }

    /// Adds enrollments to a section by user id, 50 per call. Not repeated
    /// on a 5xx: the enrollments may have been made.
    pub async fn add_enrollments(
        &self,
        section_id: &str,
        enrollments: &[NewEnrollment],
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::POST,
            path: format!("sections/{section_id}/enrollments"),
            query: Vec::new(),
            outer: "enrollments",
            inner: "enrollment",
            answer: Answer::Nested("enrollments", "enrollment"),
            safety: Safety::Once,
        };
        self.bulk(&bulk, enrollments).await
    }

    /// Removes enrollments by id (`DELETE enrollments?enrollment_ids=...`),
    /// 50 per call; one result per id.
    pub async fn remove_enrollments(&self, enrollment_ids: &[&str]) -> Vec<BulkResult> {
        let mut results = Vec::with_capacity(enrollment_ids.len());
        for chunk in enrollment_ids.chunks(crate::bulk::BATCH_SIZE) {
            let request = Request {
                method: Method::DELETE,
                ..Request::get("enrollments")
            }
            .param("enrollment_ids", chunk.join(","));
            results.extend(
                self.bulk_request(
                    request,
                    chunk.len(),
                    Answer::Nested("enrollments", "enrollment"),
                )
                .await,
            );
        }
        results
    }

    /// Updates enrollments of one section by id, 50 per call.
    pub async fn update_enrollments(
        &self,
        section_id: &str,
        updates: &[EnrollmentUpdate],
    ) -> Vec<BulkResult> {
        let bulk = Bulk {
            method: Method::PUT,
            path: format!("sections/{section_id}/enrollments"),
            query: Vec::new(),
            outer: "enrollments",
            inner: "enrollment",
            answer: Answer::Nested("enrollments", "enrollment"),
            safety: Safety::Idempotent,
        };
        self.bulk(&bulk, updates).await
    }
}
