//! In-memory fakes of the ports, for engine tests and end-to-end tests that
//! do not need HTTP: [`FakeSis`] serves a fixed read, [`FakeLms`] keeps an LMS
//! snapshot that writes change (and can refuse records, crash mid-run and
//! count writes), and [`MemStore`] is a complete [`StateStore`](rostersync_ports::StateStore).

mod grades;
mod lms;
mod sis;
mod store;

pub use grades::{FakeGradeSink, FakeGradeSource};
pub use lms::FakeLms;
pub use sis::FakeSis;
pub use store::MemStore;
