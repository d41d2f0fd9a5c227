//! rostersync's end-to-end tests, in one binary:
//! - `daily_e2e`: daily syncs against the shadow of the LMS, and the drift check.
//! - `district`: a generated district planned and applied, then a next day.
//! - `faults_e2e`: the fault matrix: a first sync against a Schoology
//!   simulator that is stricter than configured or fails on purpose.
//! - `email_e2e`: e-mails that cannot go on an account (held outside the
//!   district, shared by two SIS people), against both simulators.
//! - `eschoolplus_contract`: the eSchoolPLUS client against the simulator.
//! - `eschoolplus_conformance`: the SIS conformance kit on the eSchoolPLUS client.
//! - `schoology_contract`: the Schoology client against the Schoology simulator.
//! - `sync_e2e`: the engine, the store and both clients against both simulators.
//! - `nested_e2e`: a first sync nests new courses' sections in the course bulk.
//! - `grades_e2e`: grade passback from the Schoology simulator to the eSchoolPLUS simulator.

mod daily_e2e;
mod district;
mod email_e2e;
mod eschoolplus_conformance;
mod eschoolplus_contract;
mod faults_e2e;
mod grades_e2e;
mod nested_e2e;
mod schoology_contract;
mod sync_e2e;
