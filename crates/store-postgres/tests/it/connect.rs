//! The connection: a password only from outside the URL, never shown by
//! `Debug` or an error, and refused when wrong or missing.

use rostersync_ports::{ErrorKind, PortError};
use rostersync_store_postgres::{Password, PgOptions, PgStore, PgStoreError};

use rostersync_store_postgres::test_server::{DATABASE, PASSWORD, Server};

#[test]
fn a_url_with_a_password_is_refused_without_repeating_it() {
    for url in [
        "postgres://postgres:hunter2-in-url@db.example/rostersync",
        "host=db.example user=postgres password=hunter2-in-url dbname=rostersync",
    ] {
        let error = PgOptions::new(url, "d1").unwrap_err();
        assert!(matches!(error, PgStoreError::PasswordInUrl), "{error:?}");
        assert!(error.to_string().contains("ROSTERSYNC_PG_PASSWORD"));
        assert!(!format!("{error} {error:?}").contains("hunter2"));
    }
}

#[test]
fn a_district_id_must_be_given_and_short() {
    let url = "postgres://postgres@db.example/rostersync";
    assert!(matches!(
        PgOptions::new(url, ""),
        Err(PgStoreError::District(_))
    ));
    assert!(PgOptions::new(url, &"d".repeat(201)).is_err());
    assert_eq!(PgOptions::new(url, "d-1").unwrap().district(), "d-1");
}

#[test]
fn debug_shows_the_database_but_never_the_password() {
    let options = PgOptions::new("postgres://sync@db.example:5433/rostersync", "d1")
        .unwrap()
        .password(Password::new("hunter2-secret"));
    let shown = format!("{options:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("sync@db.example:5433/rostersync"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[tokio::test]
async fn a_wrong_or_missing_password_is_refused_as_auth_and_not_repeated() {
    let server = Server::start().await;
    let url = server.url(DATABASE);
    let wrong = PgOptions::new(&url, "d1")
        .unwrap()
        .password(Password::new("wrong-secret-99"));
    let missing = PgOptions::new(&url, "d1").unwrap();
    for options in [wrong, missing] {
        let error = PgStore::open(options).await.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("wrong-secret-99"), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert_eq!(PortError::from(error).kind(), ErrorKind::Auth, "{shown}");
    }
    let store = server.store("d1").await;
    let shown = format!("{store:?}");
    assert!(shown.contains("d1") && !shown.contains(PASSWORD), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_takes_the_connection_but_never_answers_is_given_up() {
    // A socket that listens and never speaks: connecting succeeds, the
    // startup exchange gets no answer. The clock is paused, so the bound
    // passes as soon as nothing else is left to do.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let options = PgOptions::new(
        &format!("postgres://postgres@127.0.0.1:{port}/rostersync?sslmode=disable"),
        "d1",
    )
    .unwrap();
    let started = tokio::time::Instant::now();
    let error = PgStore::open(options).await.unwrap_err();
    assert!(matches!(error, PgStoreError::Connect { .. }), "{error:?}");
    assert_eq!(
        PortError::from(error).kind(),
        ErrorKind::Unavailable,
        "a database that does not answer may answer later"
    );
    assert!(started.elapsed() >= rostersync_store_postgres::CONNECT_TIMEOUT);
    drop(silent);
}
