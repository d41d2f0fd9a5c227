//! The `StateStore` conformance suite on PostgreSQL: each check on a new
//! district of one database, which also shows that a new district starts
//! empty beside the others; and the checks across two stores of one
//! district, each with its own pool, as two processes would open it.

use rostersync_ports::conformance::{
    SHARED_STORE_CHECKS, assert_shared_state_store, assert_state_store,
};

use rostersync_store_postgres::test_server::Server;

/// The name of one more district.
fn next_district(districts: &mut usize) -> String {
    *districts += 1;
    format!("district-{districts}")
}

#[tokio::test]
async fn the_postgres_store_passes_the_suite() {
    let server = Server::start().await;
    let mut districts = 0;
    assert_state_store(|| {
        let (server, district) = (&server, next_district(&mut districts));
        async move { server.store(&district).await }
    })
    .await;
    assert!(districts >= 10, "one district per check");
}

#[tokio::test]
async fn two_stores_of_one_district_pass_the_checks_across_handles() {
    let server = Server::start().await;
    let mut districts = 0;
    assert_shared_state_store(|| {
        let (server, district) = (&server, next_district(&mut districts));
        async move { (server.store(&district).await, server.store(&district).await) }
    })
    .await;
    assert_eq!(
        districts,
        SHARED_STORE_CHECKS.len(),
        "one district per check"
    );
}
