//! The shadow of the LMS: the engine's JSON of it and of the plan a run is
//! applying over it (two settings), and the writes of that plan that landed,
//! one row each, written in the same transaction as their links.

use rostersync_core::entity::Entity;
use rostersync_core::model::links::LandedWrite;
use rostersync_ports::KeptShadow;
use rusqlite::{Connection, params};

use crate::error::StoreError;
use crate::settings;

/// The setting that holds the shadow.
const SHADOW: &str = "lms_shadow";
/// The setting that holds the plan being applied over it.
const PLAN: &str = "lms_shadow_plan";

/// Appends landed writes (inside the link changes' transaction).
pub(crate) fn append(conn: &Connection, landed: &[LandedWrite]) -> Result<(), StoreError> {
    let what = "keep the writes that landed";
    let mut statement = conn
        .prepare_cached("INSERT INTO shadow_landed (entity, key, lms_id) VALUES (?1, ?2, ?3)")
        .map_err(StoreError::sql(what))?;
    for write in landed {
        statement
            .execute(params![write.entity.as_str(), write.key, write.id])
            .map_err(StoreError::sql(what))?;
    }
    Ok(())
}

/// The kept shadow, plan and landed writes.
pub(crate) fn load(conn: &Connection) -> Result<Option<KeptShadow>, StoreError> {
    let shadow = settings::load(conn, SHADOW)?;
    let plan = settings::load(conn, PLAN)?;
    let what = "read the writes that landed";
    let mut statement = conn
        .prepare_cached("SELECT entity, key, lms_id FROM shadow_landed ORDER BY seq")
        .map_err(StoreError::sql(what))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(StoreError::sql(what))?;
    let mut landed = Vec::new();
    for row in rows {
        let (entity, key, id) = row.map_err(StoreError::sql(what))?;
        let Some(entity) = Entity::parse(&entity) else {
            return Err(StoreError::Decode {
                column: "shadow_landed.entity",
                value: entity,
            });
        };
        landed.push(LandedWrite { entity, key, id });
    }
    Ok(KeptShadow::of(shadow, plan, landed))
}

/// Replaces the shadow and the plan, and forgets the landed writes.
pub(crate) fn keep(
    conn: &Connection,
    shadow: Option<&str>,
    plan: Option<&str>,
) -> Result<(), StoreError> {
    for (name, value) in [(SHADOW, shadow), (PLAN, plan)] {
        match value {
            Some(json) => settings::save(conn, name, json)?,
            None => {
                conn.execute("DELETE FROM settings WHERE name = ?1", [name])
                    .map_err(StoreError::sql("drop a setting"))?;
            }
        }
    }
    conn.execute("DELETE FROM shadow_landed", [])
        .map_err(StoreError::sql("forget the writes that landed"))?;
    Ok(())
}
