//! The OneRoster adapter of rostersync: OneRoster 1.1 and 1.2 CSV packages
//! and REST providers read as a `SisSource`, and REST gradebooks written as
//! a `GradeSink`.
//!
//! [`OneRosterCsv`] reads a package (`manifest.csv` plus the files it lists
//! as `bulk` or `delta`), optionally followed by delta packages, and maps the
//! records ([`model`]) to core types. A package is a folder, or a zip file
//! with the files at its top or in one top-level folder; a zip is read in
//! place, never unpacked to disk. A missing required column, a missing
//! listed file or an unreadable zip fails the read with a [`CsvError`]
//! naming the file.
//!
//! Every record the source holds ends in exactly one of: read into the
//! snapshot, or one problem, unreadable or left out, naming its file and line
//! (or endpoint and index), its sourcedId, the field at fault and a
//! [`reason`]. The reader is strict where a guess would corrupt data (a
//! required column, a key, a role, a reference a record cannot do without)
//! and lenient where an export is merely sloppy (metadata, header case and
//! spacing, extra columns, an optional reference), and says so in a warning
//! on the record each time.
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
mod problem;
pub mod rest;

pub use adapter::OneRosterCsv;
pub use error::CsvError;
pub use problem::reason;
pub use rest::{OneRosterRest, RestError};
