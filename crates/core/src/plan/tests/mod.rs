//! Tests of `plan()`: focused cases, e-mails left off accounts, golden plan
//! files and properties.

mod cases;
mod emails;
mod fixture;
mod golden;
mod held;
mod later;
mod props;
mod text;
