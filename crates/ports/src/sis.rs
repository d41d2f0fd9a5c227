//! `SisSource`: reading the roster from a student information system.

use std::collections::BTreeSet;

use async_trait::async_trait;
use rostersync_core::ids::SchoolKey;
use rostersync_core::model::sis::{School, SisSnapshot, Term};
use serde::{Deserialize, Serialize};

use crate::error::PortResult;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SisRequest {
    /// The buildings to read in full; records of other buildings are not read
    /// where the SIS allows scoping (people who also work elsewhere still
    /// list every building, and a student of another building scheduled
    /// into a section of these is read with that section).
    pub schools: BTreeSet<SchoolKey>,
    /// The school year, as its ending calendar year (2026 for 2025-26).
    pub school_year: i32,
}

/// A problem with one record the source could not turn into a core record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProblem {
    /// Where: a file and line, an endpoint and index, a table and key.
    pub location: String,
    /// What is wrong, in words an administrator can act on.
    pub message: String,
}

/// A snapshot and the per-record problems met while reading it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SisRead {
    /// The records read.
    pub snapshot: SisSnapshot,
    /// Records that could not be read; they are absent from the snapshot.
    pub problems: Vec<SourceProblem>,
}

/// A student information system.
///
/// # Contract
///
/// - Reads only: a `SisSource` never writes roster data.
/// - Keys are stable: the same SIS record has the same key in every read,
///   and person keys are unique across students, teachers and guardians.
/// - Each record arrives once, and every link (an enrollment's section and
///   person, a guardian link's two people) names a record of the same read.
/// - A malformed record is reported in [`SisRead::problems`] and the read goes
///   on; an error is returned only when the read as a whole cannot be trusted
///   (authentication, connection, a file that never arrived).
/// - Reading twice without changes in the SIS gives equal snapshots (order aside).
/// - An adapter may keep a connection (a logged-on session) between calls;
///   [`SisSource::close`] ends it, and a call after `close` connects again.
#[async_trait]
pub trait SisSource: Send + Sync {
    /// The schools (buildings) of the district, for mapping.
    ///
    /// # Errors
    ///
    /// When the SIS cannot be reached or refuses the credentials.
    async fn schools(&self) -> PortResult<Vec<School>>;

    /// The terms of the given school year, for mapping.
    ///
    /// # Errors
    ///
    /// When the SIS cannot be reached or refuses the credentials.
    async fn terms(&self, school_year: i32) -> PortResult<Vec<Term>>;

    /// The roster of the requested buildings.
    ///
    /// # Errors
    ///
    /// When the read as a whole fails; per-record problems are in the result.
    async fn snapshot(&self, request: &SisRequest) -> PortResult<SisRead>;

    /// Ends what the adapter keeps open between calls (e.g. a web session),
    /// when the application is done with it. Failures are the adapter's to
    /// log; the default keeps nothing open.
    async fn close(&self) {}
}
