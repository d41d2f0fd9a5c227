//! The conformance kit run against the REST client over the local OneRoster
//! simulator of `rostersync-sim`, serving the sample packages and the edited
//! copy: OAuth 1.0a and OAuth 2, with and without paging headers; every
//! entity served is read or accounted for.

use rostersync_oneroster::rest::{
    Auth, OneRosterRest, Query, RestConfig, RestVersion, RetryPolicy, Secret, Service,
    SignatureMethod,
};
use rostersync_ports::conformance::{Expected, assert_sis_source};
use rostersync_ports::{ErrorKind, PortError, SisSource};
use rostersync_sim::oneroster::{OneRosterSim, RunningOneRoster, SimAuth};
use url::Url;

use crate::conformance::{edited_package, minimal, minimal_with_made_courses, one_two};
use crate::fixture::{DELTA_1_2, MINIMAL_1_1, SCHOOL_1_1, request};
use crate::sloppy;

/// `expected` with its problem locations as the REST client gives them:
/// the simulator serves each file's rows in order, so the row on line N of
/// `users.csv` is index N - 2 of `/users`.
fn over_rest(mut expected: Expected) -> Expected {
    for location in &mut expected.problem_locations {
        let (file, rest) = location.split_once(".csv line ").unwrap();
        let (line, key) = rest.split_once(' ').unwrap();
        let index = line.parse::<usize>().unwrap() - 2;
        *location = format!("/{file} index {index} {key}");
    }
    expected
}

pub(crate) fn sim_oauth1() -> SimAuth {
    SimAuth::OAuth1 {
        key: "ck".into(),
        secret: "c s".into(),
    }
}

pub(crate) fn sim_oauth2() -> SimAuth {
    SimAuth::OAuth2 {
        client_id: "client".into(),
        client_secret: "secret".into(),
    }
}

/// A 1.1 client signing with OAuth 1.0a, retrying without real waits.
pub(crate) fn client_oauth1(sim: &RunningOneRoster, page: u32) -> OneRosterRest {
    let mut config = RestConfig::new(
        Url::parse(&sim.url()).unwrap(),
        RestVersion::V1p1,
        Auth::OAuth1 {
            key: "ck".into(),
            secret: Secret::new("c s"),
            method: SignatureMethod::HmacSha1,
        },
    );
    config.page_size = page;
    config.retry = RetryPolicy::fast();
    OneRosterRest::new(config).unwrap()
}

/// A 1.2 client with OAuth 2 tokens, retrying without real waits.
pub(crate) fn client_oauth2(sim: &RunningOneRoster, page: u32) -> OneRosterRest {
    let mut config = RestConfig::new(
        Url::parse(&format!("{}/ims/oneroster", sim.url())).unwrap(),
        RestVersion::V1p2,
        Auth::OAuth2 {
            token_url: Url::parse(&sim.token_url()).unwrap(),
            client_id: "client".into(),
            client_secret: Secret::new("secret"),
            scopes: vec![
                "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly".into(),
            ],
        },
    );
    config.page_size = page;
    config.retry = RetryPolicy::fast();
    OneRosterRest::new(config).unwrap()
}

#[tokio::test]
async fn rest_one_one_over_the_simulator_conforms_with_oauth1_and_link_paging() {
    let sim = OneRosterSim::from_package(MINIMAL_1_1.as_ref(), sim_oauth1())
        .unwrap()
        .start()
        .await
        .unwrap();
    let expected = over_rest(minimal());
    assert!(expected.problem_locations[0].starts_with("/classes index 0 (cls-"));
    assert_sis_source(&client_oauth1(&sim, 2), &request(SCHOOL_1_1), &expected).await;
    let made = client_oauth1(&sim, 2).with_courses_from_classes();
    assert_sis_source(&made, &request(SCHOOL_1_1), &minimal_with_made_courses()).await;
}

#[tokio::test]
async fn rest_edited_package_conforms_with_guardians_statuses_and_a_malformed_record() {
    let (dir, expected) = edited_package();
    // users.csv line 11 is the tenth user: index 9 of /users.
    let expected = over_rest(expected);
    assert_eq!(expected.problem_locations, ["/users index 9 (usr-broken)"]);
    let sim = OneRosterSim::from_package(dir.path(), sim_oauth1())
        .unwrap()
        .without_paging_headers()
        .start()
        .await
        .unwrap();
    assert_sis_source(&client_oauth1(&sim, 3), &request(SCHOOL_1_1), &expected).await;
}

#[tokio::test]
async fn rest_one_two_over_the_simulator_conforms_with_oauth2_and_short_pages() {
    let sim = OneRosterSim::from_package(DELTA_1_2.as_ref(), sim_oauth2())
        .unwrap()
        .without_paging_headers()
        .start()
        .await
        .unwrap();
    let client = client_oauth2(&sim, 1);
    assert_sis_source(&client, &request("ORG_1"), &one_two()).await;
    // Many reads, one token.
    assert_eq!(sim.tokens_issued(), 1);
    sim.expire_tokens();
    assert_eq!(
        client
            .snapshot(&request("ORG_1"))
            .await
            .unwrap()
            .snapshot
            .people
            .len(),
        1
    );
    assert_eq!(sim.tokens_issued(), 2);
}

#[tokio::test]
async fn rest_sloppy_packages_over_the_simulator_are_read_or_accounted_for() {
    let one_one = OneRosterSim::from_package(&sloppy::v1p1(), sim_oauth1())
        .unwrap()
        .start()
        .await
        .unwrap();
    let expected = over_rest(sloppy::v1p1_expected());
    let client = client_oauth1(&one_one, 4);
    assert_sis_source(&client, &sloppy::request("sch-110"), &expected).await;
    // The same reasons as from the files: a date that is not ISO 8601 is
    // metadata, a role that cannot be mapped leaves the user out.
    let read = client.snapshot(&sloppy::request("sch-110")).await.unwrap();
    let reason_at = |location: &str| {
        read.problems
            .iter()
            .find(|p| p.location == location)
            .and_then(|p| p.reason.as_deref())
    };
    assert_eq!(
        reason_at("/users index 4 (s-1001)"),
        Some(rostersync_oneroster::reason::BULK_DATE)
    );
    assert_eq!(
        reason_at("/users index 2 (a-600)"),
        Some(rostersync_oneroster::reason::ROLE_NOT_SYNCED)
    );
    let one_two = OneRosterSim::from_package(&sloppy::v1p2(), sim_oauth2())
        .unwrap()
        .without_paging_headers()
        .start()
        .await
        .unwrap();
    let expected = over_rest(sloppy::v1p2_expected());
    assert_sis_source(
        &client_oauth2(&one_two, 2),
        &sloppy::request("sch-20"),
        &expected,
    )
    .await;
}

#[tokio::test]
async fn rest_filter_on_an_unknown_field_is_a_clear_error() {
    let sim = OneRosterSim::from_package(MINIMAL_1_1.as_ref(), sim_oauth1())
        .unwrap()
        .start()
        .await
        .unwrap();
    let client = client_oauth1(&sim, 100);
    let query = Query {
        filter: Some("nickname='Bob'".into()),
        ..Query::default()
    };
    let error = client
        .client()
        .collection(Service::Rostering, "/users", "users", &query)
        .await
        .map_err(PortError::from)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert!(
        error
            .message()
            .contains("invalid_filter_field unknown field nickname"),
        "{error}"
    );
    // A known field with a space in the value is signed and filtered.
    let query = Query {
        filter: Some("username='john.doe' OR givenName='Jim Smith'".into()),
        ..Query::default()
    };
    let users = client
        .client()
        .collection(Service::Rostering, "/users", "users", &query)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn rest_wrong_secret_is_an_auth_error() {
    let sim = OneRosterSim::from_package(
        MINIMAL_1_1.as_ref(),
        SimAuth::OAuth1 {
            key: "ck".into(),
            secret: "other".into(),
        },
    )
    .unwrap()
    .start()
    .await
    .unwrap();
    let error = client_oauth1(&sim, 100).schools().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth);
}
