//! Logon, environment, one session per adapter, definitions saved once,
//! expiry, and errors of the connection and of server tasks — against the
//! strict simulator.

use rostersync_eschoolplus::{EspAdapter, EspError};
use rostersync_ports::{ErrorKind, PortError, SisSource};
use rostersync_sim::eschoolplus::RunningEsp;

use crate::support::{self, PASSWORD, buildings, credentials, tables};

async fn sim() -> RunningEsp {
    support::start(tables(vec![("REG_BUILDING", buildings())])).await
}

#[tokio::test]
async fn a_command_logs_on_once_saves_its_definitions_once_and_logs_off() {
    let esp = sim().await;
    let adapter = support::adapter(&esp);
    let (schools, problems) = adapter.read_schools().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let names: Vec<&str> = schools.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Wayland High School", "Wayland Middle | Annex"]);
    assert_eq!(schools[0].code.as_deref(), Some("WHS"));
    // A second call of the same command reuses the session and the download.
    let (again, _) = adapter.read_schools().await.unwrap();
    assert_eq!(again, schools);
    adapter.close().await;
    let first = esp.counters();
    // The server held nothing: the catalogue and the buildings were saved,
    // then the session started again (as the scripts do) to run them.
    assert_eq!(first.definitions_saved, 2);
    assert_eq!(first.logons, 2);
    assert_eq!(first.logoffs, 2);
    assert_eq!(esp.sessions(), 0);
    assert_eq!(esp.tasks_and_files().1, 0, "the files were deleted");

    // The next command finds both definitions on the server as they are.
    let next = support::adapter(&esp);
    next.read_schools().await.unwrap();
    next.close().await;
    let second = esp.counters().since(&first);
    assert_eq!(second.definitions_saved, 0);
    assert_eq!(second.logons, 1);
    assert_eq!(second.logoffs, 1);
}

#[tokio::test]
async fn a_wrong_password_is_bad_credentials_and_never_shown() {
    let esp = sim().await;
    let adapter = EspAdapter::new(credentials(&esp, "0850", "wrong-pass"), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    assert!(matches!(error, EspError::BadCredentials), "{error:?}");
    let port: PortError = error.into();
    assert_eq!(port.kind(), ErrorKind::Auth);
    assert!(!format!("{port} {port:?} {adapter:?}").contains("wrong-pass"));
}

#[tokio::test]
async fn a_school_year_the_server_refuses_is_not_a_wrong_password() {
    let esp = sim().await;
    let adapter = EspAdapter::new(
        credentials(&esp, "0850", PASSWORD),
        support::options().with_school_year(27),
    );
    let error = adapter.read_schools().await.unwrap_err();
    let EspError::EnvironmentRefused {
        school_year,
        site_code,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*school_year, site_code.as_str()), (27, "0850"));
    let text = error.to_string();
    assert!(
        text.contains("accepted the login but refused the environment: school year 27"),
        "{text}"
    );
    assert!(!text.contains("password"), "{text}");
    let port: PortError = error.into();
    assert_eq!(port.kind(), ErrorKind::Invalid);
}

#[tokio::test]
async fn an_unknown_site_code_lists_the_offered_ones() {
    let esp = sim().await;
    let adapter = EspAdapter::new(credentials(&esp, "0999", PASSWORD), support::options());
    let error = adapter.read_schools().await.unwrap_err();
    let EspError::UnknownSiteCode { site_code, offered } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(site_code, "0999");
    assert_eq!(offered, &["0850 (Wayland Live)", "0851 (Wayland Training)"]);
    assert!(error.to_string().contains("0851 (Wayland Training)"));
    assert_eq!(esp.counters().definitions_saved, 0);
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
    let esp = support::builder(tables(vec![]))
        .version("2.1.0")
        .start()
        .await
        .unwrap();
    let error = support::adapter(&esp).read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::UnsupportedVersion { ref version } if version == "2.1.0"),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_expired_session_logs_on_again_once() {
    let esp = sim().await;
    // The definitions on the server first, so that no save interferes.
    let first = support::adapter(&esp);
    first.read_schools().await.unwrap();
    first.read_terms(2026).await.unwrap();
    first.close().await;
    let adapter = support::adapter(&esp);
    adapter.read_schools().await.unwrap();
    let before = esp.counters();
    esp.expire_sessions();
    let terms = adapter.terms(2026).await.unwrap();
    assert!(terms.is_empty());
    let after = esp.counters().since(&before);
    assert_eq!(after.logons, 1);
    assert_eq!(after.expired_requests, 1);
}

#[tokio::test]
async fn a_session_that_expires_twice_in_a_row_fails() {
    // Every session expires after its first request (the home page).
    let esp = support::builder(tables(vec![]))
        .expire_after_requests(1)
        .start()
        .await
        .unwrap();
    let error = support::adapter(&esp).read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::SessionExpiredTwice { .. }),
        "{error:?}"
    );
    assert_eq!(esp.counters().logons, 2);
}

#[tokio::test]
async fn a_task_that_runs_for_three_polls_is_waited_for() {
    let esp = support::builder(tables(vec![("REG_BUILDING", buildings())]))
        .task_polls(3)
        .start()
        .await
        .unwrap();
    let (schools, _) = support::adapter(&esp).read_schools().await.unwrap();
    assert_eq!(schools.len(), 2);
    // One read of the task list before running the catalogue (refused: the
    // server holds no definition yet), then for the buildings one read before
    // running (to clean up) and three polls.
    assert_eq!(esp.counters().requests_to("Task/TaskAndReportData"), 5);
}

#[tokio::test]
async fn a_task_that_never_finishes_times_out() {
    let esp = support::builder(tables(vec![]))
        .task_polls(u32::MAX)
        .start()
        .await
        .unwrap();
    let options = support::options().with_polling(std::time::Duration::from_millis(1), 3);
    let adapter = EspAdapter::new(credentials(&esp, "0850", PASSWORD), options);
    let error = adapter.read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::TaskTimedOut { polls: 3, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_failed_task_reports_the_servers_description_and_is_cleared() {
    let esp = support::builder(tables(vec![("REG_BUILDING", buildings())]))
        .fail_tasks_of("REG_BUILDING", "Invalid column name 'ABBREVIATION'")
        .start()
        .await
        .unwrap();
    let adapter = support::adapter(&esp);
    let error = adapter.read_schools().await.unwrap_err();
    let EspError::TaskFailed { description, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        description.contains("Invalid column name 'ABBREVIATION'"),
        "{description}"
    );
    adapter.close().await;
    assert_eq!(esp.tasks_and_files(), (0, 0), "the failed task was cleared");
}

#[tokio::test]
async fn without_the_load_permissions_the_read_names_the_missing_one() {
    let esp = support::builder(tables(vec![("REG_BUILDING", buildings())]))
        .without_load_permissions()
        .start()
        .await
        .unwrap();
    let error = support::adapter(&esp).read_schools().await.unwrap_err();
    assert!(
        matches!(error, EspError::MissingPermission { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("RUNLOAD"), "{error}");
    assert_eq!(error.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn a_changed_definition_is_saved_again_and_an_unchanged_one_is_not() {
    let esp = sim().await;
    let adapter = support::adapter(&esp);
    adapter.read_terms(2026).await.unwrap();
    adapter.read_schools().await.unwrap();
    adapter.close().await;
    let before = esp.counters();
    // The same definitions, then the terms of another year (new content).
    let next = support::adapter(&esp);
    next.read_terms(2026).await.unwrap();
    assert_eq!(esp.counters().since(&before).definitions_saved, 0);
    next.read_terms(2027).await.unwrap();
    next.close().await;
    let saved = esp.counters().since(&before);
    assert_eq!(saved.definitions_saved, 1);
    let held = esp.table("0850", "LTDB_INTERFACE_DEF").unwrap().records();
    let terms = held.iter().find(|r| r["INTERFACE_ID"] == "RSTRM").unwrap();
    assert_eq!(
        terms["DESCRIPTION"],
        rostersync_eschoolplus::definitions::terms(2027).description()
    );
}
