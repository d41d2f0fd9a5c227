//! Transient failures are tried again: one 5xx, dropped connection or 429
//! on a read costs one more request and changes nothing in what is read; an
//! errored download task is run again a bounded number of times; a 4xx
//! other than 429 is never tried again.

use rostersync_eschoolplus::EspError;
use rostersync_ports::ErrorKind;
use rostersync_sim::eschoolplus::{EspCounters, RunningEsp};

use crate::support::{self, buildings, tables};

const TASKS: &str = "Task/TaskAndReportData";
const LOGON: &str = "Account/LogOn";
const FILES: &str = "ReportViewer/FileStream";

/// A simulator whose definitions are saved already (a first read did it),
/// and what a clean read returns and costs.
async fn warmed() -> (
    RunningEsp,
    Vec<rostersync_core::model::sis::School>,
    EspCounters,
) {
    let esp = support::start(tables(vec![("REG_BUILDING", buildings())])).await;
    let first = support::adapter(&esp);
    first.read_schools().await.unwrap();
    first.close().await;
    let before = esp.counters();
    let clean = support::adapter(&esp);
    let (schools, _) = clean.read_schools().await.unwrap();
    clean.close().await;
    assert_eq!(schools.len(), 2);
    let cost = esp_since(&esp, &before);
    (esp, schools, cost)
}

fn esp_since(esp: &RunningEsp, before: &EspCounters) -> EspCounters {
    esp.counters().since(before)
}

/// Reads the schools with `fault` switched on; asserts they are those of a
/// clean read and that `path` saw exactly one request more than then.
async fn recovers(path: &str, fault: impl FnOnce(&RunningEsp)) {
    let (esp, clean, cost) = warmed().await;
    esp.faults().only_on(path);
    fault(&esp);
    let before = esp.counters();
    let adapter = support::adapter(&esp);
    let (schools, _) = adapter.read_schools().await.unwrap();
    adapter.close().await;
    let spent = esp_since(&esp, &before);
    assert_eq!(schools, clean, "the same data as without the fault");
    assert_eq!(esp.faults().injected(), 1, "the fault was met");
    assert_eq!(
        spent.requests_to(path),
        cost.requests_to(path) + 1,
        "one request more to {path}: {spent:#?}"
    );
    assert_eq!(spent.tasks_run, cost.tasks_run, "no task run again");
}

#[tokio::test]
async fn a_500_on_the_logon_page_is_tried_again() {
    recovers(LOGON, |esp| esp.faults().fail_next(1, 500)).await;
}

#[tokio::test]
async fn a_dropped_connection_on_a_task_poll_is_tried_again() {
    recovers(TASKS, |esp| esp.faults().drop_next(1)).await;
}

#[tokio::test]
async fn a_503_on_a_file_download_is_tried_again() {
    recovers(FILES, |esp| esp.faults().fail_next(1, 503)).await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_is_tried_again() {
    recovers(TASKS, |esp| esp.faults().rate_limit_next(1, 1)).await;
}

#[tokio::test]
async fn an_errored_download_task_is_run_again() {
    let (esp, clean, cost) = warmed().await;
    esp.fail_next_tasks_of("REG_BUILDING", 1, "Deadlock victim; rerun the transaction");
    let before = esp.counters();
    let adapter = support::adapter(&esp);
    let (schools, _) = adapter.read_schools().await.unwrap();
    adapter.close().await;
    let spent = esp_since(&esp, &before);
    assert_eq!(schools, clean);
    assert_eq!(spent.tasks_failed, 1);
    assert_eq!(spent.tasks_run, cost.tasks_run + 1, "{spent:#?}");
    assert_eq!(esp.tasks_and_files().1, 0, "no file left behind");
}

#[tokio::test]
async fn a_task_that_always_errors_fails_after_two_reruns() {
    let (esp, _, cost) = warmed().await;
    esp.fail_tasks_of("REG_BUILDING", "Invalid column name 'ABBREVIATION'");
    let before = esp.counters();
    let adapter = support::adapter(&esp);
    let error = adapter.read_schools().await.unwrap_err();
    adapter.close().await;
    let spent = esp_since(&esp, &before);
    let EspError::TaskFailed {
        runs, description, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*runs, 3);
    assert!(description.contains("ABBREVIATION"), "{description}");
    assert!(error.to_string().contains("in each of 3 runs"), "{error}");
    assert_eq!(
        error.kind(),
        ErrorKind::Unavailable,
        "the service tries again later"
    );
    assert_eq!(spent.tasks_failed, 3);
    assert_eq!(spent.tasks_run, cost.tasks_run + 2, "{spent:#?}");
    assert_eq!(
        spent.requests_to("Utility/RunDownload"),
        cost.requests_to("Utility/RunDownload") + 2
    );
}

/// Reads the schools with `fault` switched on for `path`: the error, and
/// how many requests `path` saw.
async fn fails(path: &str, fault: impl FnOnce(&RunningEsp)) -> (EspError, u64) {
    let (esp, _, _) = warmed().await;
    esp.faults().only_on(path);
    fault(&esp);
    let before = esp.counters();
    let error = support::adapter(&esp).read_schools().await.unwrap_err();
    (error, esp_since(&esp, &before).requests_to(path))
}

#[tokio::test]
async fn a_401_on_the_logon_page_is_not_tried_again() {
    let (error, requests) = fails(LOGON, |esp| esp.faults().fail_next(1, 401)).await;
    assert!(
        matches!(
            error,
            EspError::Status {
                status: 401,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Auth);
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_403_on_a_task_poll_is_not_tried_again() {
    let (error, requests) = fails(TASKS, |esp| esp.faults().fail_next(1, 403)).await;
    assert!(
        matches!(error, EspError::MissingPermission { .. }),
        "{error:?}"
    );
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_lasting_outage_gives_up_and_says_how_often_it_tried() {
    let (error, requests) = fails(TASKS, |esp| esp.faults().fail_next(10, 503)).await;
    assert!(
        matches!(
            error,
            EspError::Status {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert_eq!(requests, 4);
}
