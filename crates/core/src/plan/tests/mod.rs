//! Tests of `plan()`: focused cases, e-mails left off accounts, text made to
//! fit the LMS, records held for an ambiguous match, enrollments that begin
//! later or ended, golden plan files and properties.

mod cases;
mod drift;
mod emails;
mod ended;
mod fixture;
mod golden;
mod held;
mod later;
mod props;
mod text;
