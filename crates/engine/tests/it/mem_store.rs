//! `MemStore` passes the `StateStore` conformance suite, as the stores on
//! disk do, so that the engine's tests over it hold for them too. The checks
//! across two handles are not run: no second handle can share a
//! `MemStore`'s memory.

use rostersync_engine::fakes::MemStore;
use rostersync_ports::conformance::assert_state_store;

#[tokio::test]
async fn mem_store_passes_the_suite() {
    assert_state_store(|| async { MemStore::new() }).await;
}
