//! A client of the Schoology REST API v1 and the rostersync LMS adapter.
//!
//! The [`Client`] signs every request with two-legged OAuth 1.0a
//! (HMAC-SHA1 or PLAINTEXT), paces requests at a client-side rate limit
//! (50 per 5 s by default) that adapts downwards to the server's 429s and
//! back up, keeps several in flight, follows Schoology's 303
//! redirects by re-signing each hop, retries what is safe to retry, pages
//! through collections and splits bulk writes into batches of 50 whose
//! per-item answers are mapped back to each input record.
//!
//! [`SchoologyLms`] implements `LmsTarget` and `GradeSource` from
//! `rostersync-ports` on top of it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rostersync_schoology::Error> {
//! use rostersync_schoology::{Client, Credentials};
//! let client = Client::builder(Credentials::new("key", "secret")).build()?;
//! let me = client.me().await?;
//! let users = client.users_in_building(&me.building_id.unwrap_or_default()).await?;
//! # let _ = users; Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod adapter;
mod auth;
mod bulk;
mod client;
mod courses;
mod de;
mod enrollments;
mod error;
mod grades;
mod nested;
mod paging;
mod schools;
mod sections;
mod users;

pub use adapter::convert;
pub use adapter::{AdapterConfig, DEFAULT_SYSTEM_ADMIN_ROLES, SchoologyLms};
pub use auth::{Credentials, Secret, SignatureMethod};
pub use bulk::{BATCH_SIZE, BulkFailure, BulkItem, BulkResult};
pub use client::{CallStats, Client, ClientBuilder, DEFAULT_BASE_URL, RateLimit, RetryPolicy};
pub use courses::{Course, CourseRecord};
pub use enrollments::{Enrollment, EnrollmentImport, EnrollmentUpdate, NewEnrollment};
pub use error::{BoxError, Error};
pub use grades::{
    Assignment, FinalGrade, Grade, GradeList, GradingCategory, GradingScale, PeriodGrade,
    PeriodInfo, ScaleLevel, ScaleLevels, SectionGrades,
};
pub use nested::{CourseWithSections, Landed, NestedList};
pub use paging::{Collection, PAGE_SIZE};
pub use schools::{GradingPeriod, NewGradingPeriod, Role, Roles, School};
pub use sections::{Section, SectionRecord};
pub use users::{
    AppUserInfo, EmailConflicts, ParentAssociation, User, UserBulkOptions, UserRecord,
    is_email_in_use,
};
