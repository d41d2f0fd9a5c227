//! Logon, environment, expiry, errors of the connection and of server tasks.

use rostersync_eschoolplus::{EspAdapter, EspError};
use rostersync_ports::{ErrorKind, PortError, SisSource};

use crate::support::{self, Config, FakeEsp, PASSWORD};

async fn fake(config: Config) -> FakeEsp {
    FakeEsp::start(config, support::buildings()).await
}

#[tokio::test]
async fn logs_on_with_token_and_cookie_selects_site_and_year_and_logs_off() {
    let esp = fake(Config::default()).await;
    let adapter = EspAdapter::new(esp.credentials("850", PASSWORD), support::options());
    let (schools, problems) = adapter.read_schools().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let names: Vec<&str> = schools.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Wayland High School", "Wayland Middle | Annex"]);
    assert_eq!(schools[0].code.as_deref(), Some("WHS"));
    let state = esp.state();
    assert_eq!(state.logons, 1);
    assert_eq!(state.logoffs, 1);
    let environment = &state.environments[0];
    assert!(
        environment.contains("EnvironmentConfiguration.Database=0850"),
        "{environment}"
    );
    assert!(
        environment.contains("EnvironmentConfiguration.SchoolYear=2026"),
        "{environment}"
    );
    assert!(environment.contains("ServerName=ESPSRV01"), "{environment}");
    // The file was deleted after it was read.
    assert_eq!(state.deleted, ["srv_RSBLD_reg_building.txt"]);
}

#[tokio::test]
async fn a_wrong_password_is_bad_credentials_and_never_shown() {
    let esp = fake(Config::default()).await;
    let adapter = EspAdapter::new(esp.credentials("0850", "wrong-pass"), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(matches!(error, EspError::BadCredentials), "{error:?}");
    let port: PortError = error.into();
    assert_eq!(port.kind(), ErrorKind::Auth);
    assert!(!format!("{port} {port:?} {adapter:?}").contains("wrong-pass"));
}

#[tokio::test]
async fn an_unknown_site_code_lists_the_offered_ones() {
    let esp = fake(Config::default()).await;
    let adapter = EspAdapter::new(esp.credentials("0999", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    let EspError::UnknownSiteCode { site_code, offered } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(site_code, "0999");
    assert_eq!(offered, &["0850 (Wayland Live)", "0851 (Wayland Training)"]);
    assert!(error.to_string().contains("0851 (Wayland Training)"));
}

#[tokio::test]
async fn an_unreachable_host_is_its_own_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let credentials = rostersync_eschoolplus::Credentials {
        domain: format!("http://127.0.0.1:{port}"),
        site_code: "0850".to_owned(),
        login_name: "rostersync".to_owned(),
        password: rostersync_eschoolplus::Password::new(PASSWORD),
    };
    let adapter = EspAdapter::new(credentials, support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(matches!(error, EspError::Unreachable { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn a_version_older_than_three_is_refused() {
    let esp = fake(Config {
        version: "2.1.0".to_owned(),
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::UnsupportedVersion { ref version } if version == "2.1.0"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_expired_session_mid_read_logs_on_again_once() {
    let esp = fake(Config {
        expire_at_poll: Some(2),
        polls_needed: 3,
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let schools = adapter.schools().await.unwrap();
    assert_eq!(schools.len(), 2);
    assert_eq!(esp.state().logons, 2);
}

#[tokio::test]
async fn a_session_that_expires_twice_in_a_row_fails() {
    let esp = fake(Config {
        always_expire: true,
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::SessionExpiredTwice { .. }),
        "{error:?}"
    );
    assert_eq!(esp.state().logons, 2);
}

#[tokio::test]
async fn a_task_that_runs_for_three_polls_is_waited_for() {
    let esp = fake(Config {
        polls_needed: 3,
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let (schools, _) = adapter.read_schools().await.unwrap();
    assert_eq!(schools.len(), 2);
    // One read before running (to clean up), then three polls.
    assert_eq!(esp.state().task_polls, 4);
}

#[tokio::test]
async fn a_task_that_never_finishes_times_out() {
    let esp = fake(Config {
        polls_needed: 100,
        ..Config::default()
    })
    .await;
    let options = support::options().with_polling(std::time::Duration::from_millis(1), 3);
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), options);
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::TaskTimedOut { polls: 3, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_failed_task_reports_the_servers_description_and_is_cleared() {
    let esp = fake(Config {
        fail_table: Some((
            "REG_BUILDING".to_owned(),
            "Invalid column name 'ABBREVIATION'".to_owned(),
        )),
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    let EspError::TaskFailed { description, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(description, "Invalid column name 'ABBREVIATION'");
    let state = esp.state();
    assert_eq!(state.cleared, ["RSBLD-key"]);
    assert_eq!(state.logoffs, 1);
}

#[tokio::test]
async fn a_refused_run_without_permission_is_missing_permission() {
    let esp = fake(Config {
        run_refusal: Some("User does not have the RUNLOAD permission".to_owned()),
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::MissingPermission { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("RUNLOAD"));
    assert_eq!(error.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn a_forbidden_definition_save_is_missing_permission() {
    let esp = fake(Config {
        save_forbidden: true,
        ..Config::default()
    })
    .await;
    let adapter = EspAdapter::new(esp.credentials("0850", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::MissingPermission { ref action, .. } if action.contains("RSBLD")),
        "{error:?}"
    );
}
