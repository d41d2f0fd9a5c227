//! Integration tests of the OneRoster adapter: the sample CSV packages of
//! `tests/data` (see its `SOURCE.md`), edited copies of them, the same packages zipped,
//! the conformance kit, and a generated district written as a package.

// Helpers of this test binary (fixture copies) are not `#[test]` functions,
// so `allow-unwrap-in-tests` does not reach them; a failed unwrap here is a
// failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod csv_packages;
mod district_package;
mod fixture;
mod gradebook;
mod kit;
mod rest;
mod rest_conformance;
mod rest_gradebook;
mod rest_retries;
mod sloppy;
mod zip_packages;
