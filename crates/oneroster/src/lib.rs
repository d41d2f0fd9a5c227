//! The OneRoster adapter of rostersync: OneRoster 1.1 and 1.2 CSV packages
//! and REST providers read as a `SisSource`, and REST gradebooks written as
//! a `GradeSink`.
//!
//! [`OneRosterCsv`] reads a package (`manifest.csv` plus the files it lists
//! as `bulk` or `delta`), optionally followed by delta packages, maps the
//! records ([`model`]) to core types and reports malformed rows as
//! per-record problems naming file and line. A package is a folder, or a zip
//! file with the files at its top or in one top-level folder; a zip is read
//! in place, never unpacked to disk. A missing required column, a missing
//! listed file or an unreadable zip fails the read with a [`CsvError`]
//! naming the file.
//!
//! [`OneRosterRest`] reads the same records from a REST provider ([`rest`]):
//! 1.1 or 1.2 paths, OAuth 1.0a or OAuth 2 client credentials, paging, and
//! the `imsx_` error payload as a [`RestError`]. It writes line items and
//! results by PUT under sourcedIds it derives, and carries the eSchoolPLUS
//! PLUS360 profile ([`rest::plus360`]).
//!
//! ```no_run
//! # async fn demo() -> rostersync_ports::PortResult<()> {
//! use rostersync_oneroster::OneRosterCsv;
//! use rostersync_ports::{SisRequest, SisSource};
//! let source = OneRosterCsv::new("/exports/oneroster-2025-09-01.zip")
//!     .with_delta("/exports/oneroster-2025-09-02-delta");
//! let request = SisRequest { schools: ["ORG_1".into()].into(), school_year: 2026 };
//! let read = source.snapshot(&request).await?;
//! # let _ = read;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod adapter;
pub mod csv;
mod error;
mod map;
pub mod model;
pub mod rest;

pub use adapter::OneRosterCsv;
pub use error::CsvError;
pub use rest::{OneRosterRest, RestError};
