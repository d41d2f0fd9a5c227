//! Local stand-ins for a real district: a seeded district generator, and (later)
//! stateful simulators of the eSchoolPLUS and Schoology APIs.

#![forbid(unsafe_code)]

pub mod district;
