//! Links of one district: the whole set (load and replace) and incremental
//! changes. Rows go in and out as arrays (`UNNEST`), one statement per
//! table, so saving a million links is a handful of round trips.

use std::collections::BTreeMap;

use rostersync_core::entity::Entity;
use rostersync_core::model::links::{LinkChanges, LinkOrigin, Links};
use tokio_postgres::Transaction;

use crate::error::PgStoreError;
use crate::store::{Cells, named};

/// Every origin, by stored name.
const ORIGINS: [LinkOrigin; 3] = [
    LinkOrigin::Created,
    LinkOrigin::UniqueId,
    LinkOrigin::Matched,
];

/// The tables of pair links: (table, first key column, second key column).
const PAIR_TABLES: [(&str, &str, &str); 2] = [
    ("enrollment_links", "section_key", "person_key"),
    ("guardian_links", "guardian_key", "student_key"),
];

fn origin(column: &'static str, text: String) -> Result<LinkOrigin, PgStoreError> {
    named(column, text, &ORIGINS, LinkOrigin::as_str)
}

/// Reads every link of `district`.
pub(crate) async fn load(tx: &Transaction<'_>, district: &str) -> Result<Links, PgStoreError> {
    let what = "read the links";
    let mut links = Links::default();
    let rows = tx
        .query(
            "SELECT entity, sis_key, lms_id, origin FROM entity_links WHERE district = $1",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    for row in &rows {
        let cells = Cells::of(row, what);
        let entity = named(
            "entity_links.entity",
            cells.get(0)?,
            &Entity::ALL,
            Entity::as_str,
        )?;
        let key: String = cells.get(1)?;
        let id: String = cells.get(2)?;
        let origin = origin("entity_links.origin", cells.get(3)?)?;
        if !links.insert_record_link(entity, key, id, origin) {
            return Err(PgStoreError::Decode {
                column: "entity_links.entity",
                value: entity.as_str().to_owned(),
            });
        }
    }
    let [enrollments, guardians] = PAIR_TABLES;
    links.enrollments = load_pairs(tx, district, enrollments).await?;
    links.guardian_links = load_pairs(tx, district, guardians).await?;
    let rows = tx
        .query(
            "SELECT person_key, email FROM withheld_emails WHERE district = $1",
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    for row in &rows {
        let cells = Cells::of(row, what);
        let key: String = cells.get(0)?;
        let email: String = cells.get(1)?;
        links.withheld_emails.insert(key.into(), email.into());
    }
    Ok(links)
}

async fn load_pairs<A, B>(
    tx: &Transaction<'_>,
    district: &str,
    (table, first, second): (&str, &str, &str),
) -> Result<BTreeMap<(A, B), LinkOrigin>, PgStoreError>
where
    A: From<String> + Ord,
    B: From<String> + Ord,
{
    let what = "read the links";
    let rows = tx
        .query(
            &format!("SELECT {first}, {second}, origin FROM {table} WHERE district = $1"),
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    let mut pairs = BTreeMap::new();
    for row in &rows {
        let cells = Cells::of(row, what);
        let a: String = cells.get(0)?;
        let b: String = cells.get(1)?;
        pairs.insert(
            (A::from(a), B::from(b)),
            origin("pair link origin", cells.get(2)?)?,
        );
    }
    Ok(pairs)
}

/// Replaces every link of `district` with `links`.
pub(crate) async fn replace(
    tx: &Transaction<'_>,
    district: &str,
    links: &Links,
) -> Result<(), PgStoreError> {
    for table in [
        "entity_links",
        "enrollment_links",
        "guardian_links",
        "withheld_emails",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE district = $1"),
            &[&district],
        )
        .await
        .map_err(PgStoreError::pg("clear the links"))?;
    }
    upsert(tx, district, links).await
}

/// Adds or replaces the links in `links`.
pub(crate) async fn upsert(
    tx: &Transaction<'_>,
    district: &str,
    links: &Links,
) -> Result<(), PgStoreError> {
    let what = "save the links";
    let rows =
        links
            .grading_periods
            .iter()
            .map(|(key, link)| {
                (
                    Entity::GradingPeriod,
                    key.as_str(),
                    link.id.as_str(),
                    link.origin,
                )
            })
            .chain(
                links
                    .users
                    .iter()
                    .map(|(key, link)| (Entity::User, key.as_str(), link.id.as_str(), link.origin)),
            )
            .chain(
                links.courses.iter().map(|(key, link)| {
                    (Entity::Course, key.as_str(), link.id.as_str(), link.origin)
                }),
            )
            .chain(
                links.sections.iter().map(|(key, link)| {
                    (Entity::Section, key.as_str(), link.id.as_str(), link.origin)
                }),
            );
    let (mut entities, mut keys, mut ids, mut origins) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (entity, key, id, origin) in rows {
        entities.push(entity.as_str());
        keys.push(key);
        ids.push(id);
        origins.push(origin.as_str());
    }
    if !entities.is_empty() {
        tx.execute(
            "INSERT INTO entity_links (district, entity, sis_key, lms_id, origin)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT (district, entity, sis_key)
             DO UPDATE SET lms_id = EXCLUDED.lms_id, origin = EXCLUDED.origin",
            &[&district, &entities, &keys, &ids, &origins],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    }
    let [enrollments, guardians] = PAIR_TABLES;
    upsert_pairs(
        tx,
        district,
        enrollments,
        links
            .enrollments
            .iter()
            .map(|((a, b), origin)| (a.as_str(), b.as_str(), *origin)),
    )
    .await?;
    upsert_pairs(
        tx,
        district,
        guardians,
        links
            .guardian_links
            .iter()
            .map(|((a, b), origin)| (a.as_str(), b.as_str(), *origin)),
    )
    .await?;
    if !links.withheld_emails.is_empty() {
        let people: Vec<&str> = links.withheld_emails.keys().map(|k| k.as_str()).collect();
        let emails: Vec<&str> = links.withheld_emails.values().map(|e| e.as_str()).collect();
        tx.execute(
            "INSERT INTO withheld_emails (district, person_key, email)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[])
             ON CONFLICT (district, person_key) DO UPDATE SET email = EXCLUDED.email",
            &[&district, &people, &emails],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    }
    Ok(())
}

async fn upsert_pairs<'a>(
    tx: &Transaction<'_>,
    district: &str,
    (table, first, second): (&str, &str, &str),
    pairs: impl Iterator<Item = (&'a str, &'a str, LinkOrigin)>,
) -> Result<(), PgStoreError> {
    let mut firsts = Vec::new();
    let mut seconds = Vec::new();
    let mut origins = Vec::new();
    for (a, b, origin) in pairs {
        firsts.push(a);
        seconds.push(b);
        origins.push(origin.as_str());
    }
    if firsts.is_empty() {
        return Ok(());
    }
    tx.execute(
        &format!(
            "INSERT INTO {table} (district, {first}, {second}, origin)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[])
             ON CONFLICT (district, {first}, {second}) DO UPDATE SET origin = EXCLUDED.origin"
        ),
        &[&district, &firsts, &seconds, &origins],
    )
    .await
    .map(drop)
    .map_err(PgStoreError::pg("save the links"))
}

/// Applies removals, then upserts, then appends the landed writes.
pub(crate) async fn apply(
    tx: &Transaction<'_>,
    district: &str,
    changes: &LinkChanges,
) -> Result<(), PgStoreError> {
    let what = "remove links";
    let removals = &changes.remove;
    let mut entities = Vec::new();
    let mut keys = Vec::new();
    for (entity, list) in [
        (
            Entity::GradingPeriod,
            removals
                .grading_periods
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            Entity::User,
            removals.users.iter().map(|k| k.as_str()).collect(),
        ),
        (
            Entity::Course,
            removals.courses.iter().map(|k| k.as_str()).collect(),
        ),
        (
            Entity::Section,
            removals.sections.iter().map(|k| k.as_str()).collect(),
        ),
    ] {
        for key in list {
            entities.push(entity.as_str());
            keys.push(key);
        }
    }
    if !keys.is_empty() {
        tx.execute(
            "DELETE FROM entity_links l USING UNNEST($2::text[], $3::text[]) AS r(entity, sis_key)
             WHERE l.district = $1 AND l.entity = r.entity AND l.sis_key = r.sis_key",
            &[&district, &entities, &keys],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    }
    let [enrollments, guardians] = PAIR_TABLES;
    for ((table, first, second), pairs) in [
        (
            enrollments,
            removals
                .enrollments
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect::<Vec<_>>(),
        ),
        (
            guardians,
            removals
                .guardian_links
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect(),
        ),
    ] {
        if pairs.is_empty() {
            continue;
        }
        let (firsts, seconds): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
        tx.execute(
            &format!(
                "DELETE FROM {table} l USING UNNEST($2::text[], $3::text[]) AS r(a, b)
                 WHERE l.district = $1 AND l.{first} = r.a AND l.{second} = r.b"
            ),
            &[&district, &firsts, &seconds],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    }
    if !removals.withheld_emails.is_empty() {
        let people: Vec<&str> = removals
            .withheld_emails
            .iter()
            .map(|k| k.as_str())
            .collect();
        tx.execute(
            "DELETE FROM withheld_emails WHERE district = $1 AND person_key = ANY($2)",
            &[&district, &people],
        )
        .await
        .map_err(PgStoreError::pg(what))?;
    }
    upsert(tx, district, &changes.upsert).await?;
    crate::coord::append_landed(tx, district, &changes.landed).await
}
