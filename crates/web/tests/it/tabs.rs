//! Every tab's pages and actions: signed-out access and a wrong CSRF token
//! refused before anything is done, refusals shown beside their fields, a
//! stale page refused, a sync watched until it ends, and the log's filters
//! and exports.

use axum::http::{StatusCode, header};

use crate::fake::REVISION;
use crate::{console_with_actions, csrf_of, get, post, send, signed_in, text};

/// Every page of the console.
const PAGES: [&str; 13] = [
    "/configuration",
    "/acting-user",
    "/schools",
    "/terms",
    "/prep",
    "/prep.csv",
    "/users",
    "/courses",
    "/sections",
    "/progress",
    "/logs/export",
    "/logs/1?status=failed",
    "/grades",
];

/// Every state-changing action, with a form that is valid but for its CSRF
/// token.
fn actions() -> Vec<(&'static str, String)> {
    let revision = format!("revision={REVISION}");
    vec![
        ("/configuration/check", String::new()),
        ("/configuration/timing", format!("{revision}&mode=manual")),
        (
            "/configuration/connection",
            format!("{revision}&set.schoology.base_url=https://x"),
        ),
        ("/acting-user", String::new()),
        ("/schools", format!("{revision}&building.101=b-9")),
        ("/schools/suggested", format!("{revision}&pair=101%0Ab-9")),
        ("/terms", format!("{revision}&period.101-S1=gp-1")),
        ("/terms/suggested", format!("{revision}&pair=101-S1%0Agp-1")),
        ("/terms/add", format!("{revision}&term=101-S1")),
        ("/prep/apply", String::new()),
        (
            "/users/selection",
            format!("{revision}&scope=users&selected=101"),
        ),
        ("/dry-run", "scope=users".to_owned()),
        ("/sync", "scope=users".to_owned()),
        ("/grades/check", "teacher=7".to_owned()),
        ("/grades/sync", "teacher=7".to_owned()),
    ]
}

#[tokio::test]
async fn signed_out_every_page_and_action_sends_to_the_sign_in_and_does_nothing() {
    let (router, _, fake) = console_with_actions().await;
    for path in PAGES {
        let response = send(&router, get(path, None)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[header::LOCATION], "/sign-in", "{path}");
    }
    for (path, form) in actions() {
        let response = send(&router, post(path, None, &form)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(fake.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn every_action_with_a_wrong_or_missing_csrf_token_is_refused_and_does_nothing() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    for (path, form) in actions() {
        for csrf in ["", "&csrf=0000"] {
            let response = send(&router, post(path, Some(&cookie), &format!("{form}{csrf}"))).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} {csrf:?}");
        }
    }
    assert_eq!(fake.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn every_page_answers_a_signed_in_browser() {
    let (router, _, _) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    for path in PAGES {
        let response = send(&router, get(path, Some(&cookie))).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn the_configuration_shows_a_secret_only_as_set_and_checks_both_ends() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let page = text(send(&router, get("/configuration", Some(&cookie))).await).await;
    assert!(page.contains("eschoolplus.password"), "{page}");
    assert!(page.contains("<strong>set</strong>"), "{page}");
    let csrf = csrf_of(&router, &cookie).await;
    let checked = text(
        send(
            &router,
            post(
                "/configuration/check",
                Some(&cookie),
                &format!("csrf={csrf}"),
            ),
        )
        .await,
    )
    .await;
    assert!(
        checked.contains("host unreachable: api.example"),
        "{checked}"
    );
    assert_eq!(fake.calls(), vec!["check"]);
    // A bad window is refused beside its field, and what was typed stays.
    let refused = send(
        &router,
        post(
            "/configuration/timing",
            Some(&cookie),
            &format!("csrf={csrf}&revision={REVISION}&mode=daily&window=soon"),
        ),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(refused).await;
    assert!(
        body.contains("value=\"soon\"") && body.contains("schedule.window is not a window"),
        "{body}"
    );
    assert_eq!(fake.calls(), vec!["check"], "nothing was saved");
}

#[tokio::test]
async fn a_teacher_is_refused_as_acting_user_with_the_reason() {
    let (router, _, _) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let refused = send(
        &router,
        post("/acting-user", Some(&cookie), &format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(refused).await;
    assert!(body.contains("not a System Administrator"), "{body}");
}

#[tokio::test]
async fn a_school_is_mapped_from_its_suggestion_and_a_wrong_building_or_a_stale_page_is_refused() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let page = text(send(&router, get("/schools", Some(&cookie))).await).await;
    assert!(
        page.contains("class=\"suggested\"") && page.contains("formaction=\"/schools/suggested\""),
        "{page}"
    );
    let wrong = send(
        &router,
        post(
            "/schools",
            Some(&cookie),
            &format!("csrf={csrf}&revision={REVISION}&building.101=nope"),
        ),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(wrong).await;
    // The problem is beside the select of school 101.
    let select = body.find("name=\"building.101\"").unwrap();
    let problem = body.find("there is no LMS building").unwrap();
    assert!(problem > select, "{body}");
    let stale = send(
        &router,
        post(
            "/schools/suggested",
            Some(&cookie),
            &format!("csrf={csrf}&revision=r0&pair=101%0Ab-9"),
        ),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(stale).await.contains("changed on disk"));
    assert_eq!(fake.calls(), Vec::<String>::new(), "nothing was saved");
    let mapped = send(
        &router,
        post(
            "/schools/suggested",
            Some(&cookie),
            &format!("csrf={csrf}&revision={REVISION}&pair=101%0Ab-9"),
        ),
    )
    .await;
    assert_eq!(mapped.status(), StatusCode::OK);
    assert!(text(mapped).await.contains("is mapped to LMS building b-9"));
    assert_eq!(
        fake.calls(),
        vec!["schools [(\"101\", Some(\"b-9\"))]".to_owned()]
    );
}

#[tokio::test]
async fn terms_are_mapped_and_a_grading_period_added_from_a_term() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let page = text(send(&router, get("/terms", Some(&cookie))).await).await;
    assert!(page.contains("formaction=\"/terms/add\""), "{page}");
    for (path, form) in [
        ("/terms/add", "term=101-S1"),
        ("/terms", "period.101-S1=gp-1"),
        ("/terms", "period.101-S1="),
    ] {
        let response = send(
            &router,
            post(
                path,
                Some(&cookie),
                &format!("csrf={csrf}&revision={REVISION}&{form}"),
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{path} {form}");
    }
    assert_eq!(
        fake.calls(),
        vec![
            "add 101-S1".to_owned(),
            "terms [(\"101-S1\", Some(\"gp-1\"))]".to_owned(),
            "terms [(\"101-S1\", None)]".to_owned(),
        ]
    );
}

#[tokio::test]
async fn data_prep_shows_the_report_applies_it_and_downloads_the_csv() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let page = text(send(&router, get("/prep?outcome=ambiguous", Some(&cookie))).await).await;
    assert!(page.contains("Data prep match report"), "{page}");
    let applied = text(
        send(
            &router,
            post("/prep/apply", Some(&cookie), &format!("csrf={csrf}")),
        )
        .await,
    )
    .await;
    assert!(applied.contains("applied as run 2"), "{applied}");
    assert_eq!(fake.calls(), vec!["prep apply"]);
    let csv = send(&router, get("/prep.csv", Some(&cookie))).await;
    assert!(
        csv.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(text(csv).await, "entity,key\nuser,S1\n");
}

#[tokio::test]
async fn the_users_tab_saves_buildings_and_roles_and_shows_a_dry_run() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let page = text(send(&router, get("/users", Some(&cookie))).await).await;
    assert!(
        page.contains("name=\"role.101.student\"") && page.contains("Do not sync"),
        "{page}"
    );
    let courses = text(send(&router, get("/courses", Some(&cookie))).await).await;
    assert!(!courses.contains("role.101"), "no role map on Courses");
    send(
        &router,
        post(
            "/users/selection",
            Some(&cookie),
            &format!(
                "csrf={csrf}&revision={REVISION}&scope=users&selected=101&role.101.student=do_not_sync"
            ),
        ),
    )
    .await;
    let dry = text(
        send(
            &router,
            post(
                "/dry-run",
                Some(&cookie),
                &format!("csrf={csrf}&scope=users"),
            ),
        )
        .await,
    )
    .await;
    assert!(
        dry.contains("2 to create")
            && dry.contains("<details>")
            && dry.contains("name = &quot;Ada&quot;"),
        "{dry}"
    );
    assert_eq!(
        fake.calls(),
        vec![
            "selection users [\"101\"] [(\"101\", \"student\", \"do_not_sync\")]".to_owned(),
            "dry run users".to_owned(),
        ]
    );
}

/// The progress page, until `done` says it shows what is wanted (the
/// spawned sync runs between the polls).
async fn progress_until(
    router: &axum::Router,
    cookie: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    for _ in 0..1000 {
        let page = text(send(router, get("/progress", Some(cookie))).await).await;
        if done(&page) {
            return page;
        }
        tokio::task::yield_now().await;
    }
    panic!("the progress page never showed what was wanted");
}

#[tokio::test]
async fn a_sync_is_watched_live_one_at_a_time_and_links_its_run_when_it_ends() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let started = send(
        &router,
        post("/sync", Some(&cookie), &format!("csrf={csrf}&scope=users")),
    )
    .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert_eq!(started.headers()[header::LOCATION], "/progress");
    let running = progress_until(&router, &cookie, |page| page.contains("1 of 4")).await;
    assert!(
        running.contains("writing to the LMS") && running.contains("http-equiv=\"refresh\""),
        "{running}"
    );
    let second = send(
        &router,
        post("/sync", Some(&cookie), &format!("csrf={csrf}&scope=all")),
    )
    .await;
    assert_eq!(second.status(), StatusCode::CONFLICT, "one sync at a time");
    fake.release.notify_one();
    let ended = progress_until(&router, &cookie, |page| page.contains("The sync ended")).await;
    assert!(
        ended.contains("4 of 4")
            && ended.contains("href=\"/logs/1\"")
            && !ended.contains("http-equiv"),
        "{ended}"
    );
    assert_eq!(fake.calls(), vec!["sync users"]);
}

#[tokio::test]
async fn a_runs_records_are_filtered_and_exported_as_the_cli_exports_them() {
    let (router, _, _) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let failed = text(
        send(
            &router,
            get("/logs/1?status=failed&entity=user", Some(&cookie)),
        )
        .await,
    )
    .await;
    assert!(failed.contains("S000123"), "{failed}");
    let none = text(send(&router, get("/logs/1?status=warning", Some(&cookie))).await).await;
    assert!(!none.contains("S000123") && none.contains("No record of this run matches"));
    let bogus = send(&router, get("/logs/1?status=bogus", Some(&cookie))).await;
    assert_eq!(bogus.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(bogus).await.contains("use one of"));
    let source = text(send(&router, get("/logs/1?kind=source", Some(&cookie))).await).await;
    assert!(source.contains("met no such problem"), "{source}");
    let csv = send(&router, get("/logs/export?run=1&format=csv", Some(&cookie))).await;
    assert_eq!(
        csv.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let csv = text(csv).await;
    assert!(
        csv.starts_with("run,entity,key,action,status,reason\n1,user,S000123,,failed,"),
        "{csv}"
    );
    let json = text(
        send(
            &router,
            get("/logs/export?run=1&format=json", Some(&cookie)),
        )
        .await,
    )
    .await;
    assert!(
        json.trim_start().starts_with('[') && json.contains("\"S000123\""),
        "{json}"
    );
}

#[tokio::test]
async fn grades_are_checked_and_passed_back_for_a_teacher_and_refused_without_one() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let refused = send(
        &router,
        post(
            "/grades/check",
            Some(&cookie),
            &format!("csrf={csrf}&teacher="),
        ),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("say which section"));
    let checked = text(
        send(
            &router,
            post(
                "/grades/check",
                Some(&cookie),
                &format!("csrf={csrf}&teacher=7"),
            ),
        )
        .await,
    )
    .await;
    assert!(
        checked.contains("Pre-flight check") && checked.contains("101-ALG1-1"),
        "{checked}"
    );
    send(
        &router,
        post(
            "/grades/sync",
            Some(&cookie),
            &format!("csrf={csrf}&teacher=7&overwrite=yes"),
        ),
    )
    .await;
    assert_eq!(
        fake.calls(),
        vec!["grades 7 false false", "grades 7 true true"]
    );
}

#[tokio::test]
async fn connection_settings_are_saved_and_an_empty_secret_field_keeps_the_secret() {
    let (router, _, fake) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    let page = text(send(&router, get("/configuration", Some(&cookie))).await).await;
    assert!(
        page.contains("type=\"password\" name=\"secret.eschoolplus.password\" value=\"\""),
        "a secret field is write-only: {page}"
    );
    let saved = send(
        &router,
        post(
            "/configuration/connection",
            Some(&cookie),
            &format!(
                "csrf={csrf}&revision={REVISION}&set.schoology.base_url=https://x&secret.eschoolplus.password="
            ),
        ),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(
        fake.calls(),
        vec!["connection [(\"schoology.base_url\", \"https://x\")]"]
    );
}

#[tokio::test]
async fn the_progress_page_names_a_run_started_elsewhere_that_holds_the_lock() {
    use rostersync_ports::{RunRecord, RunStatus, StateStore as _, Trigger};

    let (router, store, _) = console_with_actions().await;
    let cookie = signed_in(&router).await;
    let quiet = text(send(&router, get("/progress", Some(&cookie))).await).await;
    assert!(!quiet.contains("is running"), "{quiet}");
    store
        .start_run(&RunRecord {
            id: 0,
            trigger: Trigger::Scheduled,
            scope: rostersync_core::SyncScope::All,
            acting_user: "Ada Admin (1)".to_owned(),
            forced: false,
            started_at: chrono::DateTime::UNIX_EPOCH,
            finished_at: None,
            status: RunStatus::Running,
            summary: Default::default(),
            message: None,
        })
        .await
        .unwrap();
    let page = text(send(&router, get("/progress", Some(&cookie))).await).await;
    assert!(
        page.contains("href=\"/logs/2\"") && page.contains("is running"),
        "{page}"
    );
}
