//! The REST client tries transient failures again over the OneRoster
//! simulator: one 500, dropped connection or 429 on a page GET (or on the
//! token request) costs one request more and reads the same records; a
//! 404 is not tried again, nor a PUT answered 5xx; a lasting outage says
//! how often it tried.

use rostersync_oneroster::rest::{OneRosterRest, Query, RestError, Service};
use rostersync_ports::{ErrorKind, PortError};
use rostersync_sim::oneroster::{OneRosterSim, RunningOneRoster};
use serde_json::json;

use crate::fixture::{DELTA_1_2, MINIMAL_1_1};
use crate::rest_conformance::{client_oauth1, client_oauth2, sim_oauth1, sim_oauth2};

async fn users(client: &OneRosterRest) -> Result<Vec<String>, RestError> {
    let items = client
        .client()
        .collection(Service::Rostering, "/users", "users", &Query::default())
        .await?;
    Ok(items
        .iter()
        .filter_map(|user| user.get("sourcedId")?.as_str().map(str::to_owned))
        .collect())
}

async fn sim_1_1() -> RunningOneRoster {
    OneRosterSim::from_package(MINIMAL_1_1.as_ref(), sim_oauth1())
        .unwrap()
        .start()
        .await
        .unwrap()
}

/// Reads the users in pages of 2 with `fault` switched on for `/users`;
/// asserts they are those of a clean read and cost one request more.
async fn recovers(fault: impl FnOnce(&RunningOneRoster)) {
    let sim = sim_1_1().await;
    let client = client_oauth1(&sim, 2);
    let clean = users(&client).await.unwrap();
    assert!(clean.len() > 2, "several pages: {clean:?}");
    let cost = sim.requests_to("/users");
    sim.faults().only_on("/users");
    fault(&sim);
    let read = users(&client).await.unwrap();
    assert_eq!(read, clean, "the same records as without the fault");
    assert_eq!(sim.faults().injected(), 1, "the fault was met");
    assert_eq!(sim.requests_to("/users"), 2 * cost + 1, "one request more");
}

#[tokio::test]
async fn a_500_on_a_page_is_tried_again() {
    recovers(|sim| sim.faults().fail_next(1, 500)).await;
}

#[tokio::test]
async fn a_dropped_connection_on_a_page_is_tried_again() {
    recovers(|sim| sim.faults().drop_next(1)).await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_is_tried_again() {
    recovers(|sim| sim.faults().rate_limit_next(1, 1)).await;
}

#[tokio::test]
async fn a_404_is_not_tried_again() {
    let sim = sim_1_1().await;
    sim.faults().only_on("/users");
    sim.faults().fail_next(1, 404);
    let error = users(&client_oauth1(&sim, 2)).await.unwrap_err();
    assert!(
        matches!(
            error,
            RestError::Status {
                status: 404,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(PortError::from(error).kind(), ErrorKind::NotFound);
    assert_eq!(sim.requests_to("/users"), 1);
}

#[tokio::test]
async fn a_lasting_outage_gives_up_and_says_how_often_it_tried() {
    let sim = sim_1_1().await;
    sim.faults().only_on("/users");
    sim.faults().fail_next(10, 503);
    let error = users(&client_oauth1(&sim, 2)).await.unwrap_err();
    assert!(
        matches!(
            error,
            RestError::Status {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
    assert_eq!(PortError::from(error).kind(), ErrorKind::Unavailable);
    assert_eq!(sim.requests_to("/users"), 4);
}

#[tokio::test]
async fn a_503_on_the_token_request_is_tried_again() {
    let sim = OneRosterSim::from_package(DELTA_1_2.as_ref(), sim_oauth2())
        .unwrap()
        .start()
        .await
        .unwrap();
    sim.faults().only_on("/oauth/token");
    sim.faults().fail_next(1, 503);
    let read = users(&client_oauth2(&sim, 100)).await.unwrap();
    assert!(!read.is_empty());
    assert_eq!(sim.requests_to("/oauth/token"), 2);
    assert_eq!(sim.tokens_issued(), 1);
}

#[tokio::test]
async fn a_put_answered_503_is_not_repeated_but_a_429_is() {
    let sim = sim_1_1().await;
    let client = client_oauth1(&sim, 2);
    let body = json!({"category": {"sourcedId": "cat-1", "title": "Homework"}});
    sim.faults().only_on("/categories/cat-1");

    sim.faults().fail_next(1, 503);
    let error = client
        .client()
        .put(Service::Gradebook, "/categories/cat-1", &body)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RestError::Status {
                status: 503,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        sim.requests_to("/categories/cat-1"),
        1,
        "the write may have landed"
    );
    assert!(sim.gradebook("categories").is_empty());

    sim.faults().rate_limit_next(1, 0);
    let status = client
        .client()
        .put(Service::Gradebook, "/categories/cat-1", &body)
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(
        sim.requests_to("/categories/cat-1"),
        3,
        "a 429 was not applied"
    );
    assert_eq!(sim.gradebook("categories").len(), 1);
}
