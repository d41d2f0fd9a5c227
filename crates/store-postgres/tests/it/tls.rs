//! TLS: with `sslmode=require` the store speaks TLS to a server whose
//! certificate it trusts (the CA file given), and refuses one it does not.

use rostersync_ports::{ErrorKind, PortError, StateStore};
use rostersync_store_postgres::{Password, PgOptions, PgStore, PgStoreError};

use rostersync_store_postgres::test_server::{DATABASE, PASSWORD, Server};

fn require_tls(server: &Server) -> PgOptions {
    let url = format!("{}?sslmode=require", server.url(DATABASE));
    PgOptions::new(&url, "d1")
        .unwrap()
        .password(Password::new(PASSWORD))
}

#[tokio::test]
async fn over_tls_to_a_trusted_server_the_store_works_and_the_link_is_encrypted() {
    let server = Server::start_tls().await;
    let store = PgStore::open(require_tls(&server).ca_certificate(server.certificate()))
        .await
        .unwrap();
    store
        .save_setting("mapping", "{\"tls\":true}")
        .await
        .unwrap();
    assert_eq!(
        store.setting("mapping").await.unwrap().as_deref(),
        Some("{\"tls\":true}")
    );
    // The pool's connection is still open: the server says it is encrypted.
    let encrypted: i64 = server
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND datname = $1",
            &[&DATABASE],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "{encrypted} encrypted connections");
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_trusted_is_refused() {
    let server = Server::start_tls().await;
    // Mozilla's roots do not hold the test's self-signed certificate.
    let error = PgStore::open(require_tls(&server)).await.unwrap_err();
    assert!(matches!(error, PgStoreError::Connect { .. }), "{error:?}");
    assert!(!format!("{error} {error:?}").contains(PASSWORD));
    let shown = format!("{error:?}");
    assert!(shown.contains("UnknownIssuer"), "{shown}");
    assert_eq!(PortError::from(error).kind(), ErrorKind::Unavailable);
    // Neither does a CA file that is not a certificate.
    let bogus = server.certificate().with_file_name("password");
    let error = PgStore::open(require_tls(&server).ca_certificate(bogus))
        .await
        .unwrap_err();
    assert!(matches!(error, PgStoreError::Tls(_)), "{error:?}");
}
