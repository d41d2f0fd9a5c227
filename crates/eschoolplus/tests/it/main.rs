//! Integration tests of the eSchoolPLUS client and adapter against the strict
//! simulator of `rostersync-sim`.

// Helpers of this test binary (the fake server, fixtures) are not `#[test]`
// functions, so `allow-unwrap-in-tests` does not reach them; a failed unwrap
// here is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod connection;
mod grades;
mod parser;
mod reading;
mod retries;
mod schema;
mod support;
