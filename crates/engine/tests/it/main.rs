//! Engine logic over in-memory fakes of the ports: syncs, resume after a
//! crash, thresholds, the acting-user check, dry runs, locks, per-record
//! failures, warnings, the queue, the scheduler, data prep and the LMS calls
//! carried from run to run through the store; and how far
//! `MemStore` keeps the `StateStore` conformance suite.

mod call_memory;
mod grades;
mod lock;
mod mem_store;
mod nested;
mod prep;
mod queue;
mod resume;
mod run;
mod shadow;
mod support;
mod threshold;
mod warnings;
