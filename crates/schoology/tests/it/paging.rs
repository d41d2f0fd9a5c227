//! Paging through `links.next`, totals, and loose typing of ids and flags.

use rostersync_schoology::Error;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{client, json, received, server};

#[tokio::test]
async fn three_pages_are_followed_through_links_next() {
    let server = server().await;
    for (start, page) in [("0", 1), ("2", 2), ("4", 3)] {
        Mock::given(method("GET"))
            .and(path("/v1/users"))
            .and(query_param("building_id", "5592393"))
            .and(query_param("start", start))
            .respond_with(json(&format!("users_page{page}.json"), &server))
            .expect(1)
            .mount(&server)
            .await;
    }
    let users = client(&server).users_in_building("5592393").await.unwrap();
    let ids: Vec<&str> = users.items.iter().filter_map(|u| u.user_id()).collect();
    assert_eq!(ids, ["101", "102", "103", "104", "105"]);
    assert_eq!(users.total, Some(5));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    assert!(requests[0].url.query().unwrap().contains("limit=200"));
}

#[tokio::test]
async fn ids_flags_and_years_decode_from_numbers_and_strings() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .respond_with(json("users_page1.json", &server))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("start", "2"))
        .respond_with(json("users_page3.json", &server))
        .mount(&server)
        .await;
    let users = client(&server)
        .users_in_building("5592393")
        .await
        .unwrap()
        .items;
    assert_eq!(users[0].id.as_deref(), Some("101"));
    assert_eq!(users[1].id.as_deref(), Some("102"));
    assert_eq!(users[0].role_id.as_deref(), Some("1214"));
    assert_eq!(users[1].role_id.as_deref(), Some("1214"));
    assert_eq!(users[1].building_id.as_deref(), Some("5592393"));
    assert_eq!(users[0].grad_year, Some(2030));
    assert_eq!(users[1].grad_year, Some(2031));
    assert!(users[0].synced && users[1].synced);
    assert!(!users[2].synced);
    assert_eq!(
        users[2].school_uid, None,
        "an empty school_uid is no unique id"
    );
}

#[tokio::test]
async fn an_html_403_keeps_its_status_and_a_snippet() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("Server", "awselb/2.0")
                .set_body_raw(
                    "<html><body><h1>403 Forbidden</h1></body></html>",
                    "text/html",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).users_in_building("1").await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(!error.is_retryable());
    assert!(!error.may_have_been_applied());
    assert_eq!(error.kind(), rostersync_ports::ErrorKind::Auth);
    let Error::Api { snippet, .. } = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert!(snippet.contains("403 Forbidden"), "{snippet}");
}

#[tokio::test]
async fn an_undecodable_body_names_the_field_path() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/courses"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"course":[{"id":1,"title":"A"},{"id":2,"title":"B","subject_area":"science"}],"total":2}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let error = client(&server).courses_in_building("1").await.unwrap_err();
    let Error::Decode { path, .. } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(path, "course[1].subject_area");
    assert!(error.to_string().contains("course[1].subject_area"));
}

#[tokio::test]
async fn an_empty_error_body_is_reported_as_such() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/courses/9"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let error = client(&server).course("9").await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(error.to_string().contains("(empty body)"), "{error}");
}

#[tokio::test]
async fn pages_stream_lazily_one_collection_per_page() {
    use futures::StreamExt as _;
    let server = server().await;
    for (start, page) in [("0", 1), ("2", 2), ("4", 3)] {
        Mock::given(method("GET"))
            .and(path("/v1/users"))
            .and(query_param("start", start))
            .respond_with(json(&format!("users_page{page}.json"), &server))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let query = [("building_id", "5592393".to_owned())];
    let mut pages =
        std::pin::pin!(client.pages::<rostersync_schoology::User>("users", &query, "user"));
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.total, Some(5));
    assert_eq!(
        received(&server).await.len(),
        1,
        "the next page waits for the next poll"
    );
    let rest: Vec<_> = pages.collect().await;
    let sizes: Vec<usize> = rest
        .iter()
        .map(|p| p.as_ref().unwrap().items.len())
        .collect();
    assert_eq!(sizes, [2, 1]);
}

#[tokio::test]
async fn grading_scales_and_user_lookups_by_unique_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/sections/9/grading_scales"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"grading_scale":[{"id":1,"title":"Letters","type":"1","auto_averaging":0,"hide_numeric":0,"scale":{"level":[{"grade":"A","cutoff":93,"average":93},{"grade":"B","cutoff":"85"}]}}],"links":{"self":"x"}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/ext/S%201"))
        .respond_with(
            ResponseTemplate::new(303)
                .insert_header("Location", format!("{}/v1/users/45552", server.uri())),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/45552"))
        .respond_with(json("me.json", &server))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let scales = client.grading_scales("9").await.unwrap().items;
    assert_eq!(scales[0].kind, Some(1));
    assert_eq!(scales[0].scale.level[1].cutoff, Some(85.0));
    let user = client.user_by_school_uid("S 1").await.unwrap();
    assert_eq!(user.school_uid.as_deref(), Some("admin-1"));
    for request in received(&server).await.iter().skip(1) {
        crate::support::assert_signed(request);
    }
}
