//! Local stand-ins for a real district: a seeded district generator, and
//! stateful simulators of the eSchoolPLUS and Schoology APIs that the demo,
//! the end-to-end tests and the benchmarks run against.
//!
//! The simulators listen on 127.0.0.1 with a port the system picks, keep their
//! state in memory, and count what they were asked, so a test can assert, for
//! example, that a second sync wrote nothing.

#![forbid(unsafe_code)]

pub mod district;
pub mod eschoolplus;
pub mod faults;
pub mod oneroster;
pub mod schoology;
pub mod serve;
pub mod server;
