//! The binary on a PostgreSQL store: two districts' configurations point at
//! one private server (`rostersync_store_postgres::test_server`); district A
//! syncs twice through the simulators (the second run plans no writes) and
//! district B's run log stays empty. A server behind TLS with a self-signed
//! certificate is refused until `store.ca_certificate` names its authority.

use std::path::Path;

use rostersync_store_postgres::PASSWORD_ENV;
use rostersync_store_postgres::test_server::{DATABASE, PASSWORD, Server};
use tokio::runtime::Runtime;

use crate::flow::{Admin, Sims, assert_no_writes_planned, configure, map_everything, start};
use crate::{stderr, stdout};

/// The configuration in `dir` pointed at `server`'s database for `district`
/// instead of the SQLite file.
pub(crate) fn use_postgres(dir: &Path, server: &Server, district: &str) {
    let path = dir.join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let sqlite = "path = \"rostersync.db\"\n";
    assert!(text.contains(sqlite), "{text}");
    let url = format!("{}?sslmode=disable", server.url(DATABASE));
    let store = format!("url = \"{url}\"\ndistrict = \"{district}\"\n");
    std::fs::write(&path, text.replace(sqlite, &store)).unwrap();
}

/// An administrator of the district configured in `dir`, with the
/// database's password in the environment.
pub(crate) fn admin<'a>(dir: &'a Path, sims: &Sims) -> Admin<'a> {
    let mut admin = Admin::of(dir, sims);
    admin.env.push((PASSWORD_ENV, PASSWORD.to_owned()));
    admin
}

fn runs(admin: &mut Admin<'_>) -> Vec<serde_json::Value> {
    let listed: serde_json::Value =
        serde_json::from_str(&admin.ok(&["logs", "list", "--json"])).unwrap();
    listed.as_array().unwrap().clone()
}

#[test]
fn two_districts_on_one_database_sync_and_log_apart() {
    let runtime = Runtime::new().unwrap();
    let server = runtime.block_on(Server::start());
    let sims = start(&runtime);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (dir, district) in [(dir_a.path(), "district-a"), (dir_b.path(), "district-b")] {
        configure(dir, &sims);
        use_postgres(dir, &server, district);
    }

    let mut a = admin(dir_a.path(), &sims);
    a.ok(&["acting-user", "take"]);
    map_everything(&mut a, &sims);
    let first: serde_json::Value = serde_json::from_str(&a.ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(first["status"], "succeeded", "{first}");
    assert!(first["done"].as_u64().unwrap() > 100, "{first}");
    let second = a.run(&["sync", "all", "--json"]);
    assert_no_writes_planned(&second);
    let a_runs = runs(&mut a);
    assert!(a_runs.len() >= 2, "{a_runs:?}");
    assert!(
        !dir_a.path().join("rostersync.db").exists(),
        "no SQLite file is made beside a PostgreSQL configuration"
    );

    let mut b = admin(dir_b.path(), &sims);
    assert_eq!(runs(&mut b), Vec::<serde_json::Value>::new());
    a.assert_no_secret();
    for output in a.seen.iter().chain(&b.seen) {
        let text = format!("{}{}", stdout(output), stderr(output));
        assert!(
            !text.contains(PASSWORD),
            "the database password printed: {text}"
        );
    }
}

#[test]
fn a_database_behind_tls_is_reached_with_the_configured_certificate_authority() {
    let runtime = Runtime::new().unwrap();
    let server = runtime.block_on(Server::start_tls());
    let sims = start(&runtime);
    let dir = tempfile::tempdir().unwrap();
    configure(dir.path(), &sims);
    use_postgres(dir.path(), &server, "district-tls");
    let path = dir.path().join("rostersync.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("sslmode=disable", "sslmode=require");
    std::fs::write(&path, &text).unwrap();
    let mut admin = admin(dir.path(), &sims);
    // The test server's certificate is self-signed: the public roots refuse it.
    let refused = admin.run(&["logs", "list"]);
    assert_ne!(crate::code(&refused), 0);
    assert!(
        stderr(&refused).contains("cannot open the state store"),
        "{}",
        stderr(&refused)
    );
    // With its authority named beside the file, the store opens over TLS.
    std::fs::copy(server.certificate(), dir.path().join("db-ca.pem")).unwrap();
    let district = "district = \"district-tls\"\n";
    let text = text.replace(
        district,
        &format!("{district}ca_certificate = \"db-ca.pem\"\npool_size = 2\n"),
    );
    std::fs::write(&path, text).unwrap();
    admin.ok(&["acting-user", "take"]);
    assert_eq!(runs(&mut admin), Vec::<serde_json::Value>::new());
}
