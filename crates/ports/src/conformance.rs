//! The conformance kits: one reusable check that any [`SisSource`] yields
//! the roster it should, with every link resolvable, statuses marked rather
//! than records dropped, malformed records as problems, every record read
//! or accounted for (given how many the source holds), and stable reads.
//!
//! Enabled by the `test-util` feature; adapter crates use it from their tests:
//!
//! ```text
//! let violations = check_sis_source(&source, &request, &expected).await;
//! assert!(violations.is_empty(), "{violations:#?}");
//! ```
//!
//! and the [`StateStore`](crate::StateStore) suite ([`check_state_store`]),
//! which every store passes: each check runs on a new store the caller makes.
//!
//! ```text
//! assert_state_store(|| async { SqliteStore::open_in_memory().unwrap() }).await;
//! ```
//!
//! A store that more than one process (or pool) shares also passes
//! [`check_shared_state_store`]: each check runs on two handles the caller
//! opens onto one new, empty store.
//!
//! ```text
//! assert_shared_state_store(|| async { (open(&path), open(&path)) }).await;
//! ```

mod checks;
mod store;

pub use store::{
    SHARED_STORE_CHECKS, STORE_CHECKS, assert_shared_state_store, assert_state_store,
    check_shared_state_store, check_state_store, sample_links, started_run,
};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;

use crate::sis::{RecordKind, SisRequest, SisSource};

/// The roster a source must yield for one request, as key sets.
///
/// Every set is compared for equality with what the source yields; the
/// status sets name the records that must be marked (all others must be
/// active or current).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// School keys of the snapshot.
    pub schools: BTreeSet<String>,
    /// Term keys.
    pub terms: BTreeSet<String>,
    /// Person keys (students, teachers and guardians).
    pub people: BTreeSet<String>,
    /// Course keys.
    pub courses: BTreeSet<String>,
    /// Section keys.
    pub sections: BTreeSet<String>,
    /// Enrollments as (section key, person key).
    pub enrollments: BTreeSet<(String, String)>,
    /// Guardian links as (guardian key, student key).
    pub guardian_links: BTreeSet<(String, String)>,
    /// People that must be marked inactive.
    pub inactive_people: BTreeSet<String>,
    /// People that must be marked withdrawn.
    pub withdrawn_people: BTreeSet<String>,
    /// Courses that must be marked inactive.
    pub inactive_courses: BTreeSet<String>,
    /// Enrollments (section, person) whose end date must be before `as_of`.
    pub ended_enrollments: BTreeSet<(String, String)>,
    /// The day ended enrollments are judged on.
    pub as_of: Option<NaiveDate>,
    /// Each record the source holds that must be absent from the snapshot
    /// (unreadable or left out): a text its problem's location must contain.
    /// The read must report exactly these (warnings on records read aside).
    pub problem_locations: Vec<String>,
    /// How many records of each kind the source holds; when given, every one
    /// must be read or reported ([`RecordKind::count_in`] the snapshot, plus
    /// one unreadable or left-out problem each).
    pub totals: BTreeMap<RecordKind, usize>,
}

/// One way a source fails the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which check failed, e.g. `"links"` or `"stable"`.
    pub check: &'static str,
    /// What was wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.check, self.detail)
    }
}

/// Reads `source` twice (plus `schools` and `terms`) and returns every way
/// it breaks the [`SisSource`] contract or differs from `expected`.
pub async fn check_sis_source(
    source: &dyn SisSource,
    request: &SisRequest,
    expected: &Expected,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let first = match source.snapshot(request).await {
        Ok(read) => read,
        Err(error) => {
            out.push(Violation {
                check: "read",
                detail: format!("the read failed as a whole: {error}"),
            });
            return out;
        }
    };
    checks::once(&first.snapshot, &mut out);
    checks::keys(&first.snapshot, expected, &mut out);
    checks::links(&first.snapshot, &mut out);
    checks::statuses(&first.snapshot, expected, &mut out);
    checks::problems(&first.problems, expected, &mut out);
    if !expected.totals.is_empty() {
        checks::accounting(&first, &expected.totals, &mut out);
    }
    match source.snapshot(request).await {
        Ok(second) => checks::stable(&first, &second, &mut out),
        Err(error) => out.push(Violation {
            check: "stable",
            detail: format!("the second read failed: {error}"),
        }),
    }
    match source.schools().await {
        Ok(schools) => checks::mapping_schools(&first.snapshot, &schools, &mut out),
        Err(error) => out.push(Violation {
            check: "schools",
            detail: format!("schools() failed: {error}"),
        }),
    }
    match source.terms(request.school_year).await {
        Ok(terms) => checks::mapping_terms(&first.snapshot, &terms, &mut out),
        Err(error) => out.push(Violation {
            check: "terms",
            detail: format!("terms() failed: {error}"),
        }),
    }
    out
}

/// [`check_sis_source`], panicking with every violation when there is one.
///
/// # Panics
///
/// When the source breaks the contract or differs from `expected`.
pub async fn assert_sis_source(source: &dyn SisSource, request: &SisRequest, expected: &Expected) {
    fail_on(
        "the SIS source",
        &check_sis_source(source, request, expected).await,
    );
}

/// Panics with every violation of `subject` when there is one.
fn fail_on(subject: &str, violations: &[Violation]) {
    if !violations.is_empty() {
        let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
        panic!(
            "{subject} breaks {} conformance check(s):\n{}",
            violations.len(),
            lines.join("\n")
        );
    }
}
