//! The `StateStore` conformance suite on PostgreSQL: each check on a new
//! district of one database, which also shows that a new district starts
//! empty beside the others.

use rostersync_ports::conformance::assert_state_store;

use rostersync_store_postgres::test_server::Server;

#[tokio::test]
async fn the_postgres_store_passes_the_suite() {
    let server = Server::start().await;
    let mut districts = 0;
    assert_state_store(|| {
        districts += 1;
        let district = format!("district-{districts}");
        let server = &server;
        async move { server.store(&district).await }
    })
    .await;
    assert!(districts >= 10, "one district per check");
}
