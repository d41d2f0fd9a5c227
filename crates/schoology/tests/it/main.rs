//! Integration tests of the Schoology client and adapter against wiremock:
//! one mock server per test, fixtures shaped like Schoology's documented
//! answers, and a catch-all 500 that names any unexpected route.

// Helpers panic on a broken fixture or a malformed request: that is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapter;
mod auth;
mod bulk;
mod concurrency;
mod email_conflicts;
mod nested;
mod paging;
mod retry;
mod support;
