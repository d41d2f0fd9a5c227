//! Tests of the PostgreSQL store against a real server each test starts
//! (`server.rs`): the conformance suite, districts kept apart, the schema's
//! migrations and refusals, the connection's password handling and TLS, and
//! the lock across two pools.

#![allow(clippy::unwrap_used)]

mod conformance;
mod connect;
mod districts;
mod schema;
mod server;
mod tls;
