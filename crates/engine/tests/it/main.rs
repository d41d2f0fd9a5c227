//! Engine logic over in-memory fakes of the ports: syncs, resume after a
//! crash, thresholds, the acting-user check, dry runs, locks, per-record
//! failures, warnings, the queue, the scheduler and data prep; and how far
//! `MemStore` keeps the `StateStore` conformance suite.

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
