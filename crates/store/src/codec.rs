//! How values are written in the store's columns: enums as their snake_case
//! names (the same names as in JSON output), times as RFC 3339 text in UTC
//! with as many fractional digits as needed, so every value round-trips exactly.

use chrono::{DateTime, SecondsFormat, Utc};
use rostersync_core::entity::{Action, Entity};
use rostersync_core::model::links::LinkOrigin;
use rostersync_core::scope::SyncScope;
use rostersync_ports::{OutcomeStatus, RunStatus, Trigger};

use crate::error::StoreError;

/// A time as stored.
pub(crate) fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A stored time.
pub(crate) fn parse_time(column: &'static str, text: String) -> Result<DateTime<Utc>, StoreError> {
    match DateTime::parse_from_rfc3339(&text) {
        Ok(at) => Ok(at.with_timezone(&Utc)),
        Err(_) => Err(StoreError::Decode {
            column,
            value: text,
        }),
    }
}

/// A stored optional time.
pub(crate) fn parse_opt_time(
    column: &'static str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|text| parse_time(column, text)).transpose()
}

/// An enum stored by name.
pub(crate) trait Named: Sized + Copy + 'static {
    /// Every value.
    const VALUES: &'static [Self];

    /// The stored name.
    fn name(self) -> &'static str;

    /// Decodes a stored name.
    fn parse_named(column: &'static str, text: String) -> Result<Self, StoreError> {
        Self::VALUES
            .iter()
            .copied()
            .find(|value| value.name() == text)
            .ok_or(StoreError::Decode {
                column,
                value: text,
            })
    }
}

impl Named for Entity {
    const VALUES: &'static [Self] = &Entity::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for Action {
    const VALUES: &'static [Self] = &Action::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for SyncScope {
    const VALUES: &'static [Self] = &SyncScope::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for LinkOrigin {
    const VALUES: &'static [Self] = &[
        LinkOrigin::Created,
        LinkOrigin::UniqueId,
        LinkOrigin::Matched,
    ];
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for Trigger {
    const VALUES: &'static [Self] = &[Trigger::Manual, Trigger::Scheduled];
    fn name(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
        }
    }
}

impl Named for RunStatus {
    const VALUES: &'static [Self] = &RunStatus::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for OutcomeStatus {
    const VALUES: &'static [Self] = &OutcomeStatus::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for rostersync_ports::ProblemKind {
    const VALUES: &'static [Self] = &rostersync_ports::ProblemKind::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl Named for rostersync_ports::RecordKind {
    const VALUES: &'static [Self] = &rostersync_ports::RecordKind::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// The rows of `base` limited by the conditions whose value is given (each
/// `column = ?`), ordered by `order`, each read by `read`. Only the filters
/// given become conditions, so SQLite can pick the index that fits.
pub(crate) fn select_filtered<T>(
    conn: &rusqlite::Connection,
    what: &'static str,
    base: &str,
    conditions: Vec<(&'static str, Option<rusqlite::types::Value>)>,
    order: &str,
    mut read: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    for (column, value) in conditions {
        if let Some(value) = value {
            clauses.push(format!("{column} = ?"));
            values.push(value);
        }
    }
    let mut sql = base.to_owned();
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY ");
    sql.push_str(order);
    let mut statement = conn.prepare_cached(&sql).map_err(StoreError::sql(what))?;
    let mut rows = statement
        .query(rusqlite::params_from_iter(values))
        .map_err(StoreError::sql(what))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::sql(what))? {
        found.push(read(row)?);
    }
    Ok(found)
}
