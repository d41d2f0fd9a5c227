//! Links: the whole set (load and replace) and incremental changes, so a run
//! can save the links of each batch as its writes succeed.
//!
//! Links of records (grading periods, users, courses, sections) share the
//! table `entity_links`; enrollments and guardian links, which are pairs of
//! SIS keys and can number in the millions, have a table each without rowid,
//! so a row is its primary key and nothing more. The e-mails the LMS would
//! not take for an account are kept beside them in `withheld_emails`, saved
//! in the same transaction as the links of their batch.

use std::collections::BTreeMap;

use rostersync_core::entity::Entity;
use rostersync_core::ids::{CourseKey, PersonKey, SectionKey, TermKey};
use rostersync_core::model::links::{LinkChanges, LinkOrigin, Links};
use rusqlite::{Connection, params};

use crate::codec::Named;
use crate::error::StoreError;

/// Reads every link.
pub(crate) fn load(conn: &Connection) -> Result<Links, StoreError> {
    let what = "read the links";
    let mut links = Links::default();
    let mut statement = conn
        .prepare(
            "SELECT entity, sis_key, lms_id, origin FROM entity_links ORDER BY entity, sis_key",
        )
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([]).map_err(StoreError::sql(what))?;
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        let entity = Entity::parse_named(
            "entity_links.entity",
            row.get(0).map_err(StoreError::sql(what))?,
        )?;
        let key: String = row.get(1).map_err(StoreError::sql(what))?;
        let id: String = row.get(2).map_err(StoreError::sql(what))?;
        let origin = LinkOrigin::parse_named(
            "entity_links.origin",
            row.get(3).map_err(StoreError::sql(what))?,
        )?;
        if !links.insert_record_link(entity, key, id, origin) {
            return Err(StoreError::Decode {
                column: "entity_links.entity",
                value: entity.as_str().to_owned(),
            });
        }
    }
    links.enrollments = load_pairs(
        conn,
        "SELECT section_key, person_key, origin FROM enrollment_links ORDER BY section_key, person_key",
        "enrollment_links.origin",
    )?;
    links.guardian_links = load_pairs(
        conn,
        "SELECT guardian_key, student_key, origin FROM guardian_links ORDER BY guardian_key, student_key",
        "guardian_links.origin",
    )?;
    let mut statement = conn
        .prepare("SELECT person_key, email FROM withheld_emails ORDER BY person_key")
        .map_err(StoreError::sql(what))?;
    let mut rows = statement.query([]).map_err(StoreError::sql(what))?;
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        let key: String = row.get(0).map_err(StoreError::sql(what))?;
        let email: String = row.get(1).map_err(StoreError::sql(what))?;
        links.withheld_emails.insert(key.into(), email.into());
    }
    Ok(links)
}

/// Reads a pair table. The rows come in key order (SQLite's text order is
/// byte order, like Rust's), so the map is built from a sorted list.
fn load_pairs<A, B>(
    conn: &Connection,
    sql: &str,
    column: &'static str,
) -> Result<BTreeMap<(A, B), LinkOrigin>, StoreError>
where
    A: From<String> + Ord,
    B: From<String> + Ord,
{
    let what = "read the links";
    let mut statement = conn.prepare(sql).map_err(StoreError::sql(what))?;
    let mut rows = statement.query([]).map_err(StoreError::sql(what))?;
    let mut pairs = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        let a: String = row.get(0).map_err(StoreError::sql(what))?;
        let b: String = row.get(1).map_err(StoreError::sql(what))?;
        let origin = origin_of(column, row.get_ref(2).map_err(StoreError::sql(what))?)?;
        pairs.push(((A::from(a), B::from(b)), origin));
    }
    Ok(pairs.into_iter().collect())
}

/// Decodes an origin without allocating for the common names.
fn origin_of(
    column: &'static str,
    value: rusqlite::types::ValueRef<'_>,
) -> Result<LinkOrigin, StoreError> {
    let text = value.as_str().map_err(|_| StoreError::Decode {
        column,
        value: format!("{value:?}"),
    })?;
    LinkOrigin::VALUES
        .iter()
        .copied()
        .find(|origin| origin.name() == text)
        .ok_or_else(|| StoreError::Decode {
            column,
            value: text.to_owned(),
        })
}

/// Replaces every link with `links`. The caller holds a write transaction.
pub(crate) fn replace(conn: &Connection, links: &Links) -> Result<(), StoreError> {
    let what = "clear the links";
    conn.execute_batch(
        "DELETE FROM entity_links; DELETE FROM enrollment_links; DELETE FROM guardian_links; \
         DELETE FROM withheld_emails;",
    )
    .map_err(StoreError::sql(what))?;
    upsert(conn, links)
}

/// Adds or replaces the links in `links`. The caller holds a write transaction.
pub(crate) fn upsert(conn: &Connection, links: &Links) -> Result<(), StoreError> {
    let what = "save the links";
    let mut statement = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO entity_links (entity, sis_key, lms_id, origin) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(StoreError::sql(what))?;
    let mut put = |entity: Entity, key: &str, id: &str, origin: LinkOrigin| {
        statement
            .execute(params![entity.name(), key, id, origin.name()])
            .map(drop)
            .map_err(StoreError::sql(what))
    };
    for (key, link) in &links.grading_periods {
        put(
            Entity::GradingPeriod,
            key.as_str(),
            link.id.as_str(),
            link.origin,
        )?;
    }
    for (key, link) in &links.users {
        put(Entity::User, key.as_str(), link.id.as_str(), link.origin)?;
    }
    for (key, link) in &links.courses {
        put(Entity::Course, key.as_str(), link.id.as_str(), link.origin)?;
    }
    for (key, link) in &links.sections {
        put(Entity::Section, key.as_str(), link.id.as_str(), link.origin)?;
    }
    let mut statement = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO enrollment_links (section_key, person_key, origin) VALUES (?1, ?2, ?3)",
        )
        .map_err(StoreError::sql(what))?;
    for ((section, person), origin) in &links.enrollments {
        statement
            .execute(params![section.as_str(), person.as_str(), origin.name()])
            .map_err(StoreError::sql(what))?;
    }
    let mut statement = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO guardian_links (guardian_key, student_key, origin) VALUES (?1, ?2, ?3)",
        )
        .map_err(StoreError::sql(what))?;
    for ((guardian, student), origin) in &links.guardian_links {
        statement
            .execute(params![guardian.as_str(), student.as_str(), origin.name()])
            .map_err(StoreError::sql(what))?;
    }
    let mut statement = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO withheld_emails (person_key, email) VALUES (?1, ?2)",
        )
        .map_err(StoreError::sql(what))?;
    for (person, email) in &links.withheld_emails {
        statement
            .execute(params![person.as_str(), email.as_str()])
            .map_err(StoreError::sql(what))?;
    }
    Ok(())
}

/// Applies removals then upserts. The caller holds a write transaction.
pub(crate) fn apply(conn: &Connection, changes: &LinkChanges) -> Result<(), StoreError> {
    let what = "remove links";
    let removals = &changes.remove;
    let mut statement = conn
        .prepare_cached("DELETE FROM entity_links WHERE entity = ?1 AND sis_key = ?2")
        .map_err(StoreError::sql(what))?;
    let keyed: [(Entity, Vec<&str>); 4] = [
        (
            Entity::GradingPeriod,
            removals
                .grading_periods
                .iter()
                .map(TermKey::as_str)
                .collect(),
        ),
        (
            Entity::User,
            removals.users.iter().map(PersonKey::as_str).collect(),
        ),
        (
            Entity::Course,
            removals.courses.iter().map(CourseKey::as_str).collect(),
        ),
        (
            Entity::Section,
            removals.sections.iter().map(SectionKey::as_str).collect(),
        ),
    ];
    for (entity, keys) in keyed {
        for key in keys {
            statement
                .execute(params![entity.name(), key])
                .map_err(StoreError::sql(what))?;
        }
    }
    let mut statement = conn
        .prepare_cached("DELETE FROM enrollment_links WHERE section_key = ?1 AND person_key = ?2")
        .map_err(StoreError::sql(what))?;
    for (section, person) in &removals.enrollments {
        statement
            .execute(params![section.as_str(), person.as_str()])
            .map_err(StoreError::sql(what))?;
    }
    let mut statement = conn
        .prepare_cached("DELETE FROM guardian_links WHERE guardian_key = ?1 AND student_key = ?2")
        .map_err(StoreError::sql(what))?;
    for (guardian, student) in &removals.guardian_links {
        statement
            .execute(params![guardian.as_str(), student.as_str()])
            .map_err(StoreError::sql(what))?;
    }
    let mut statement = conn
        .prepare_cached("DELETE FROM withheld_emails WHERE person_key = ?1")
        .map_err(StoreError::sql(what))?;
    for person in &removals.withheld_emails {
        statement
            .execute(params![person.as_str()])
            .map_err(StoreError::sql(what))?;
    }
    upsert(conn, &changes.upsert)?;
    crate::shadow::append(conn, &changes.landed)
}
