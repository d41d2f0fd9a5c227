//! The REST client against wiremock: paging by `X-Total-Count`, by `Link`
//! and by short page; query parameters; OAuth 1.0a and OAuth 2 with token
//! caching and one refresh on 401; the `imsx_` error payload; mapping of 1.1
//! and 1.2 users.

use rostersync_core::model::sis::SisRole;
use rostersync_oneroster::rest::{
    Auth, OneRosterRest, Query, RestConfig, RestVersion, Secret, Service, SignatureMethod,
    modified_since,
};
use rostersync_ports::{ErrorKind, PortError, SisSource};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_string_contains, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::fixture::request;

fn oauth1(server: &MockServer, version: RestVersion, page: u32) -> OneRosterRest {
    let mut config = RestConfig::new(
        Url::parse(&server.uri()).unwrap(),
        version,
        Auth::OAuth1 {
            key: "ck".into(),
            secret: Secret::new("cs"),
            method: SignatureMethod::HmacSha256,
        },
    );
    config.page_size = page;
    OneRosterRest::new(config).unwrap()
}

fn oauth2(server: &MockServer) -> OneRosterRest {
    let root = Url::parse(&format!("{}/ims/oneroster/v1p2", server.uri())).unwrap();
    OneRosterRest::new(RestConfig::new(
        root,
        RestVersion::V1p2,
        Auth::OAuth2 {
            token_url: Url::parse(&format!("{}/oauth/token", server.uri())).unwrap(),
            client_id: "client".into(),
            client_secret: Secret::new("secret"),
            scopes: vec!["https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly".into()],
        },
    ))
    .unwrap()
}

fn users(ids: &[&str]) -> Value {
    let users: Vec<Value> = ids
        .iter()
        .map(|id| json!({"sourcedId": id, "givenName": "A", "familyName": "B", "role": "student"}))
        .collect();
    json!({ "users": users })
}

async fn ids(source: &OneRosterRest, query: &Query) -> Result<Vec<String>, PortError> {
    let items = source
        .client()
        .collection(Service::Rostering, "/users", "users", query)
        .await
        .map_err(PortError::from)?;
    Ok(items
        .iter()
        .map(|u| u["sourcedId"].as_str().unwrap().to_owned())
        .collect())
}

const USERS_1_1: &str = "/ims/oneroster/v1p1/users";

#[tokio::test]
async fn pages_until_x_total_count() {
    let server = MockServer::start().await;
    for (offset, page) in [("0", &["u1", "u2"][..]), ("2", &["u3"][..])] {
        Mock::given(method("GET"))
            .and(path(USERS_1_1))
            .and(query_param("limit", "2"))
            .and(query_param("offset", offset))
            .and(header_exists("authorization"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(users(page))
                    .insert_header("X-Total-Count", "3"),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let source = oauth1(&server, RestVersion::V1p1, 2);
    assert_eq!(
        ids(&source, &Query::default()).await.unwrap(),
        ["u1", "u2", "u3"]
    );
}

#[tokio::test]
async fn follows_link_next_and_stops_without_it() {
    let server = MockServer::start().await;
    let next = format!(
        "<{}{USERS_1_1}?limit=2&offset=2>; rel=\"next\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(USERS_1_1))
        .and(query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(users(&["u1", "u2"]))
                .insert_header("Link", next.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let last = format!(
        "<{}{USERS_1_1}?limit=2&offset=0>; rel=\"first\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(USERS_1_1))
        .and(query_param("offset", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(users(&["u3", "u4"]))
                .insert_header("Link", last.as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let source = oauth1(&server, RestVersion::V1p1, 2);
    assert_eq!(
        ids(&source, &Query::default()).await.unwrap(),
        ["u1", "u2", "u3", "u4"]
    );
}

#[tokio::test]
async fn stops_on_a_short_page_without_headers_and_sends_query() {
    let server = MockServer::start().await;
    let filter = "dateLastModified>'2024-01-01T00:00:00Z'";
    for (offset, page) in [("0", &["u1", "u2"][..]), ("2", &["u3"][..])] {
        Mock::given(method("GET"))
            .and(path(USERS_1_1))
            .and(query_param("offset", offset))
            .and(query_param("filter", filter))
            .and(query_param("sort", "familyName"))
            .and(query_param("orderBy", "asc"))
            .and(query_param("fields", "sourcedId,givenName"))
            .respond_with(ResponseTemplate::new(200).set_body_json(users(page)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let since = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let query = Query {
        filter: Some(modified_since(since)),
        sort: Some("familyName".into()),
        order_by: Some("asc".into()),
        fields: vec!["sourcedId".into(), "givenName".into()],
    };
    let source = oauth1(&server, RestVersion::V1p1, 2);
    assert_eq!(ids(&source, &query).await.unwrap(), ["u1", "u2", "u3"]);
}

#[tokio::test]
async fn imsx_error_payload_becomes_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(USERS_1_1))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": "unknown field nickname",
            "imsx_CodeMinor": {"imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": "invalid_filter_field"}
            ]}
        })))
        .mount(&server)
        .await;
    let source = oauth1(&server, RestVersion::V1p1, 100);
    let error = ids(&source, &Query::default()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Invalid);
    assert_eq!(
        error.message(),
        "OneRoster GET /ims/oneroster/v1p1/users failed with HTTP 400: invalid_filter_field unknown field nickname (codeMajor failure)"
    );
}

async fn token_mock(server: &MockServer, token: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // base64("client:secret")
        .and(header("authorization", "Basic Y2xpZW50OnNlY3JldA=="))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(
            "scope=https%3A%2F%2Fpurl.imsglobal.org%2Fspec%2For%2Fv1p2%2Fscope%2Froster.readonly",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token, "token_type": "bearer", "expires_in": 3600
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn oauth2_token_is_cached_across_reads() {
    let server = MockServer::start().await;
    token_mock(&server, "t1").await;
    Mock::given(method("GET"))
        .and(path("/ims/oneroster/rostering/v1p2/users"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users(&["u1"])))
        .expect(2)
        .mount(&server)
        .await;
    let source = oauth2(&server);
    assert_eq!(ids(&source, &Query::default()).await.unwrap(), ["u1"]);
    assert_eq!(ids(&source, &Query::default()).await.unwrap(), ["u1"]);
}

#[tokio::test]
async fn oauth2_refreshes_once_on_401() {
    let server = MockServer::start().await;
    token_mock(&server, "old").await;
    token_mock(&server, "new").await;
    Mock::given(method("GET"))
        .and(path("/ims/oneroster/rostering/v1p2/users"))
        .and(header("authorization", "Bearer old"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ims/oneroster/rostering/v1p2/users"))
        .and(header("authorization", "Bearer new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users(&["u1"])))
        .expect(1)
        .mount(&server)
        .await;
    let source = oauth2(&server);
    assert_eq!(ids(&source, &Query::default()).await.unwrap(), ["u1"]);
}

#[tokio::test]
async fn oauth2_second_401_is_an_auth_error() {
    let server = MockServer::start().await;
    token_mock(&server, "a").await;
    token_mock(&server, "b").await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let error = ids(&oauth2(&server), &Query::default()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth);
}

async fn collection(server: &MockServer, base: &str, name: &str, items: Value) {
    Mock::given(method("GET"))
        .and(path(format!("{base}/{name}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ name: items })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn one_two_users_with_roles_preferred_names_and_agents() {
    let server = MockServer::start().await;
    token_mock(&server, "t").await;
    let base = "/ims/oneroster/rostering/v1p2";
    let org = |id: &str| json!({"sourcedId": id, "type": "org", "href": "x"});
    collection(&server, base, "orgs", json!([
        {"sourcedId": "S1", "status": "active", "dateLastModified": "2025-01-01T00:00:00Z", "name": "North", "type": "school"},
        {"sourcedId": "D1", "name": "District", "type": "district"}
    ])).await;
    collection(&server, base, "academicSessions", json!([
        {"sourcedId": "Y", "title": "2025-26", "type": "schoolYear", "startDate": "2025-08-01", "endDate": "2026-06-30", "schoolYear": "2026"},
        {"sourcedId": "T1", "title": "S1", "type": "semester", "startDate": "2025-08-01", "endDate": "2025-12-31", "schoolYear": "2026",
         "parent": {"sourcedId": "Y", "type": "academicSession"}}
    ])).await;
    collection(&server, base, "courses", json!([
        {"sourcedId": "C", "title": "Algebra", "courseCode": "ALG1", "grades": ["09", "10"], "org": org("D1"), "subjects": ["Mathematics"]}
    ])).await;
    collection(&server, base, "classes", json!([
        {"sourcedId": "K", "title": "Algebra P1", "course": {"sourcedId": "C"}, "school": org("S1"),
         "terms": [{"sourcedId": "T1"}], "periods": ["1"]}
    ])).await;
    collection(&server, base, "users", json!([
        {"sourcedId": "st", "enabledUser": "true", "givenName": "Robert", "preferredFirstName": "Bob", "familyName": "Ray",
         "roles": [{"roleType": "primary", "role": "student", "org": org("S1")}], "agents": [{"sourcedId": "pa"}], "grades": ["09"]},
        {"sourcedId": "te", "enabledUser": "false", "givenName": "T", "familyName": "Q",
         "roles": [{"roleType": "secondary", "role": "teacher", "org": org("D1")}, {"roleType": "primary", "role": "teacher", "org": org("S1")}]},
        {"sourcedId": "pa", "givenName": "P", "familyName": "Ray", "roles": [{"roleType": "primary", "role": "parent", "org": org("D1")}]}
    ])).await;
    collection(&server, base, "enrollments", json!([
        {"sourcedId": "e1", "user": {"sourcedId": "st"}, "class": {"sourcedId": "K"}, "school": org("S1"), "role": "student", "primary": "false",
         "beginDate": "2025-08-01", "endDate": "2025-10-01"},
        {"sourcedId": "e2", "user": {"sourcedId": "te"}, "class": {"sourcedId": "K"}, "school": org("S1"), "role": "teacher", "primary": "true"}
    ])).await;
    let source = oauth2(&server);
    let mut request = request("S1");
    request.school_year = 2026;
    let read = source.snapshot(&request).await.unwrap();
    // The district org is not a school, and says so; nothing else is wrong.
    let problems: Vec<(&str, &str)> = read
        .problems
        .iter()
        .map(|p| (p.location.as_str(), p.reason.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        problems,
        [(
            "/orgs index 1 (D1)",
            rostersync_oneroster::reason::NOT_A_SCHOOL
        )]
    );
    let s = &read.snapshot;
    let person = |k: &str| s.people.iter().find(|p| p.key.as_str() == k).unwrap();
    assert_eq!(person("st").name.preferred_first.as_deref(), Some("Bob"));
    assert_eq!(person("st").grade.as_deref(), Some("09"));
    assert_eq!(person("te").role, SisRole::Teacher);
    assert!(!person("te").is_active());
    assert_eq!(person("pa").role, SisRole::Guardian);
    assert_eq!(person("pa").primary_school.as_str(), "S1");
    assert_eq!(s.guardian_links.len(), 1);
    assert_eq!(s.courses[0].school.as_str(), "S1");
    assert_eq!(
        (s.courses[0].grade_low, s.courses[0].grade_high),
        (Some(9), Some(10))
    );
    assert_eq!(
        s.sections[0].primary_teacher.as_ref().unwrap().as_str(),
        "te"
    );
    let term = s.terms.iter().find(|t| t.key.as_str() == "T1").unwrap();
    assert_eq!(term.parent.as_ref().unwrap().as_str(), "Y");
    let student = s
        .enrollments
        .iter()
        .find(|e| e.person.as_str() == "st")
        .unwrap();
    // OneRoster's end date is exclusive; the core's is inclusive.
    assert_eq!(student.end, chrono::NaiveDate::from_ymd_opt(2025, 9, 30));
}
