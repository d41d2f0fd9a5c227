//! Settings: the administrator's mapping and timing settings (and any other
//! named setting), each kept as JSON text under a name.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// The name the mapping settings are kept under.
pub const MAPPING_SETTING: &str = "mapping";

/// The name the sync timing settings are kept under.
pub const TIMING_SETTING: &str = "timing";

/// Saves `json` (already checked to be JSON) under `name`, replacing any
/// earlier value.
pub(crate) fn save(conn: &Connection, name: &str, json: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)",
        params![name, json],
    )
    .map(drop)
    .map_err(StoreError::sql("save a setting"))
}

/// The JSON text saved under `name`, if any.
pub(crate) fn load(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    conn.query_row(
        "SELECT value FROM settings WHERE name = ?1",
        [name],
        |row| row.get(0),
    )
    .optional()
    .map_err(StoreError::sql("read a setting"))
}
