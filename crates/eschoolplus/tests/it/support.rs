//! The strict eSchoolPLUS simulator of `rostersync-sim`, set up for the
//! client's tests: two environments (Wayland Live `0850` with the tables a
//! test gives, Wayland Training `0851` empty), tables written as rows of
//! text, and the adapter options that poll without waiting.

use std::time::Duration;

use chrono::NaiveDate;
use rostersync_eschoolplus::definitions as c;
use rostersync_eschoolplus::{Credentials, EspAdapter, Options, Password, RetryPolicy};
use rostersync_sim::eschoolplus::{EspSim, EspSimBuilder, EspTable, EspTables, RunningEsp};

pub(crate) const PASSWORD: &str = "s3cret-pass";

/// A table with `columns` and `rows` (values as the server holds them,
/// padding included).
pub(crate) fn table(columns: &[&str], rows: &[&[&str]]) -> EspTable {
    let mut table = EspTable::new(columns);
    table.rows = rows
        .iter()
        .map(|row| row.iter().map(|value| (*value).to_owned()).collect())
        .collect();
    table
}

/// Tables by name.
pub(crate) fn tables(list: Vec<(&str, EspTable)>) -> EspTables {
    let mut tables = EspTables::empty();
    for (name, table) in list {
        tables.tables.insert(name.to_ascii_uppercase(), table);
    }
    tables
}

/// Two buildings, one with the delimiter in its (free-text) name.
pub(crate) fn buildings() -> EspTable {
    table(
        c::BUILDINGS,
        &[
            &["10", "WHS", "0401001", "Wayland High School"],
            &["20", "WMS", "0401002", "Wayland Middle | Annex"],
        ],
    )
}

/// A simulator builder over `tables` in site code 0850.
pub(crate) fn builder(tables: EspTables) -> EspSimBuilder {
    EspSim::builder()
        .login("rostersync", PASSWORD)
        .school_year(2026)
        .task_polls(1)
        .environment("0850", "Wayland Live", tables)
        .environment("0851", "Wayland Training", EspTables::empty())
}

/// A running simulator over `tables`.
pub(crate) async fn start(tables: EspTables) -> RunningEsp {
    builder(tables).start().await.unwrap()
}

/// The credentials of the simulator's user, for `site_code`.
pub(crate) fn credentials(sim: &RunningEsp, site_code: &str, password: &str) -> Credentials {
    Credentials {
        domain: sim.url(),
        site_code: site_code.to_owned(),
        login_name: "rostersync".to_owned(),
        password: Password::new(password),
    }
}

/// Options for 2025-09-01 (school year 2026) that poll and retry without
/// waiting more than milliseconds (a `Retry-After` is cut to 20 ms).
pub(crate) fn options() -> Options {
    let today = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    Options::for_date(today)
        .with_polling(Duration::from_millis(1), 20)
        .with_retry(RetryPolicy::fast(), 2)
}

/// An adapter for the live environment.
pub(crate) fn adapter(sim: &RunningEsp) -> EspAdapter {
    EspAdapter::new(credentials(sim, "0850", PASSWORD), options())
}
