//! `MemStore` against the `StateStore` conformance suite: where it diverges
//! from the stores on disk, named, so a change in either shows here.
//! The checks across two handles are not run: no second handle can share a `MemStore`'s memory.

use rostersync_engine::fakes::MemStore;
use rostersync_ports::conformance::{STORE_CHECKS, check_state_store};

/// The checks `MemStore` fails, and why: it keeps whatever it is given.
/// - `runs`: `finish_run` replaces the whole run (trigger, scope, acting
///   user and start too), where a store keeps them as started.
/// - `finish_unknown_run`: finishing a run never started is not refused.
/// - `outcomes_of_unknown_run`: outcomes of a run never started are kept.
/// - `lease_too_long`: a lease beyond the time range panics (overflow)
///   instead of being refused as invalid.
/// - `journal`: an entry of a run never started is kept.
const KNOWN: [&str; 5] = [
    "runs",
    "finish_unknown_run",
    "outcomes_of_unknown_run",
    "lease_too_long",
    "journal",
];

#[tokio::test]
async fn mem_store_keeps_the_suite_but_where_it_is_known_to_diverge() {
    let violations = check_state_store(|| async { MemStore::new() }).await;
    let failed: Vec<&str> = violations.iter().map(|v| v.check).collect();
    assert_eq!(failed, KNOWN, "{violations:#?}");
    assert!(KNOWN.iter().all(|known| STORE_CHECKS.contains(known)));
}
