//! Tests of the PostgreSQL store against a real server each test starts
//! (`rostersync_store_postgres::test_server`, behind the `test-util`
//! feature): the conformance suite, districts kept apart, the schema's
//! migrations and refusals, the connection's password handling and TLS, the
//! lock across two pools, and the queue shared by districts and workers.

#![allow(clippy::unwrap_used)]

mod conformance;
mod connect;
mod districts;
mod queue;
mod schema;
mod tls;
