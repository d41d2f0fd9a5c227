//! The eSchoolPLUS client and adapter of rostersync.
//!
//! eSchoolPLUS is reached the way district scripts reach it: through its web
//! application. [`Session`] logs on with the four credentials the product
//! asks for (domain, site code, login name, password), selects the
//! environment and school year, and logs on again once when the session
//! expires. Roster data is read through download definitions that
//! rostersync saves, runs and polls as server tasks ([`definitions`], built
//! as the public scripts build them, with their filters in [`sql`]); their
//! Windows-1252 files are parsed by [`parse`]. Grades are written through
//! upload definitions, verified before they are run. One adapter keeps one
//! session for all its calls, saves a definition only when the server does
//! not already hold it as it is, and logs off on [`EspAdapter::close`].
//!
//! [`EspAdapter`] implements `SisSource` and `GradeSink` on top of that.
//! Every guess about eSchoolPLUS that the public record leaves open is in
//! [`assumptions`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), rostersync_eschoolplus::EspError> {
//! use rostersync_eschoolplus::{Credentials, EspAdapter, Options, Password};
//! let today = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default();
//! let adapter = EspAdapter::new(
//!     Credentials {
//!         domain: "eschool.district.example".into(),
//!         site_code: "0850".into(),
//!         login_name: "rostersync".into(),
//!         password: Password::new("from the secret store"),
//!     },
//!     Options::for_date(today),
//! );
//! let (schools, problems) = adapter.read_schools().await?;
//! # let _ = (schools, problems);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod adapter;
pub mod assumptions;
mod check;
mod config;
mod connection;
pub mod definitions;
mod error;
mod grades;
mod html;
mod map;
pub mod parse;
mod session;
pub mod sql;
mod tasks;

pub use adapter::EspAdapter;
pub use check::{DefinitionCheck, RefusedAt};
pub use config::{Credentials, Options, Password, school_year_for};
pub use error::{EspError, EspResult};
pub use rostersync_retry::RetryPolicy;
pub use session::Session;
