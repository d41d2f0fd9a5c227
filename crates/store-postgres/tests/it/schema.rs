//! The schema: applied once at start, kept on reopening, migrated once by
//! two stores opening a new database at once, a version 1 database brought
//! to the shared queue's version 2, and a newer one refused with the
//! database untouched.

use rostersync_ports::StateStore;
use rostersync_store_postgres::{PgStore, PgStoreError, SCHEMA_VERSION};

use rostersync_store_postgres::test_server::Server;

#[tokio::test]
async fn stores_opening_a_new_database_at_once_migrate_it_once_and_reopen_it() {
    let server = Server::start().await;
    let (first, second) = tokio::join!(
        PgStore::open(server.options("d1")),
        PgStore::open(server.options("d2"))
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.schema_version().await.unwrap(), SCHEMA_VERSION);
    first
        .save_setting("mapping", "{\"kept\":true}")
        .await
        .unwrap();
    drop((first, second));
    let again = server.store("d1").await;
    assert_eq!(
        again.setting("mapping").await.unwrap().as_deref(),
        Some("{\"kept\":true}")
    );
    let versions = server
        .client()
        .await
        .query("SELECT version FROM rostersync_schema", &[])
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].get::<_, i64>(0), SCHEMA_VERSION);
}

#[tokio::test]
async fn a_schema_newer_than_this_build_is_refused_untouched() {
    let server = Server::start().await;
    let store = server.store("d1").await;
    store.save_setting("mapping", "{\"v\":1}").await.unwrap();
    drop(store);
    let client = server.client().await;
    let newer = SCHEMA_VERSION + 1;
    client
        .execute("UPDATE rostersync_schema SET version = $1", &[&newer])
        .await
        .unwrap();
    // What a newer build might have added.
    client
        .batch_execute("CREATE TABLE from_the_future (id BIGINT)")
        .await
        .unwrap();
    let snapshot = "SELECT (SELECT version FROM rostersync_schema),
                           (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'),
                           (SELECT string_agg(name || '=' || value, ',') FROM settings)";
    let before = client.query_one(snapshot, &[]).await.unwrap();

    let error = PgStore::open(server.options("d1")).await.unwrap_err();
    assert!(
        matches!(
            error,
            PgStoreError::NewerVersion { found, supported, .. }
                if found == newer && supported == SCHEMA_VERSION
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("not changed"), "{error}");

    let after = client.query_one(snapshot, &[]).await.unwrap();
    assert_eq!(before.get::<_, i64>(0), after.get::<_, i64>(0));
    assert_eq!(before.get::<_, i64>(1), after.get::<_, i64>(1));
    assert_eq!(
        before.get::<_, Option<String>>(2),
        after.get::<_, Option<String>>(2)
    );
    assert_eq!(after.get::<_, i64>(0), newer);
}

#[tokio::test]
async fn a_version_1_database_gains_the_shared_queue_and_keeps_its_rows() {
    let server = Server::start().await;
    let store = server.store("d1").await;
    store.save_setting("mapping", "{\"v\":1}").await.unwrap();
    drop(store);
    // What version 1 left: no shared queue.
    let client = server.client().await;
    client
        .batch_execute(
            "DROP TABLE shared_jobs; DROP TABLE workers;
             UPDATE rostersync_schema SET version = 1",
        )
        .await
        .unwrap();

    let store = server.store("d1").await;
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        store.setting("mapping").await.unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    let queue = store.shared_queue();
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
    let id = queue
        .put(
            "d1",
            rostersync_core::scope::SyncScope::All,
            rostersync_ports::Trigger::Manual,
            now,
        )
        .await
        .unwrap();
    let job = queue
        .take("worker", now, chrono::Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.id, job.district.as_str()), (id, "d1"));
}
