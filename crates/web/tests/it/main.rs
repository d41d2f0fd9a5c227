//! Route tests of the console, each request sent with `oneshot` to the
//! router over an in-memory store and actions answered from memory:
//! signed-out access, sign-in with the token or the password, CSRF, the
//! security headers, and every tab; and the console served over HTTPS on
//! loopback with a certificate made here.

// Set-up code outside `#[test]` functions: a failure there is a broken test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rostersync_core::SyncScope;
use rostersync_engine::fakes::MemStore;
use rostersync_ports::{OutcomeStatus, RecordOutcome, RunRecord, RunStatus, StateStore, Trigger};
use rostersync_web::{
    Console, ConsolePassword, SESSION_COOKIE, SignInToken, TlsError, TlsFiles, hash_password,
    serve_tls,
};
use tower::ServiceExt as _;

mod fake;
mod tabs;

const TOKEN: &str = "0123456789abcdef";
const PASSWORD: &str = "correct-horse-battery-staple";

async fn console() -> (Router, Arc<MemStore>) {
    let (router, store, _) = console_with_actions().await;
    (router, store)
}

/// A console over a store holding one run, and the fake actions it uses.
async fn console_with_actions() -> (Router, Arc<MemStore>, Arc<fake::FakeActions>) {
    let (console, store, actions) = console_over_a_run().await;
    (console.router(), store, actions)
}

/// The console (token [`TOKEN`]) over a store holding one run, and its
/// fake actions.
async fn console_over_a_run() -> (Console, Arc<MemStore>, Arc<fake::FakeActions>) {
    let store = Arc::new(MemStore::new());
    let run = store
        .start_run(&RunRecord {
            id: 0,
            trigger: Trigger::Scheduled,
            scope: SyncScope::All,
            acting_user: "Ada Admin (1)".to_owned(),
            forced: false,
            started_at: chrono::DateTime::UNIX_EPOCH,
            finished_at: None,
            status: RunStatus::CompletedWithFailures,
            summary: Default::default(),
            message: None,
        })
        .await
        .unwrap();
    store
        .record_outcomes(&[RecordOutcome {
            run,
            entity: rostersync_core::Entity::User,
            key: "S000123".to_owned(),
            action: None,
            status: OutcomeStatus::Failed,
            reason: Some("the e-mail <b>taken</b> by another account".to_owned()),
        }])
        .await
        .unwrap();
    let actions = Arc::new(fake::FakeActions::default());
    let console = Console::new(
        store.clone(),
        actions.clone(),
        chrono_tz::America::Chicago,
        SignInToken::new(TOKEN),
    );
    (console, store, actions)
}

async fn send(router: &Router, request: Request<Body>) -> axum::response::Response {
    router.clone().oneshot(request).await.unwrap()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: Option<&str>, form: &str) -> Request<Body> {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(form.to_owned())).unwrap()
}

async fn text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Signs in and returns the cookie pair to send back.
async fn signed_in(router: &Router) -> String {
    let response = send(router, post("/sign-in", None, &format!("token={TOKEN}"))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Max-Age="),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// The session's CSRF token, from a page's sign-out form.
async fn csrf_of(router: &Router, cookie: &str) -> String {
    let page = text(send(router, get("/logs", Some(cookie))).await).await;
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn signed_out_pages_send_to_the_sign_in() {
    let (router, _) = console().await;
    for path in ["/", "/logs", "/logs/1"] {
        let response = send(&router, get(path, None)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[header::LOCATION], "/sign-in", "{path}");
    }
    // A made-up session is no session.
    let response = send(
        &router,
        get("/logs", Some(&format!("{SESSION_COOKIE}=forged"))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_the_sixth_try_in_a_minute_is_held() {
    let (router, _) = console().await;
    for _ in 0..5 {
        let response = send(&router, post("/sign-in", None, "token=nope")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
    let held = send(&router, post("/sign-in", None, &format!("token={TOKEN}"))).await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (router, _) = console().await;
    for response in [
        send(&router, get("/sign-in", None)).await,
        send(&router, get("/logs", None)).await,
        send(&router, get("/assets/console.css", None)).await,
    ] {
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
    }
}

#[tokio::test]
async fn the_logs_list_runs_and_show_one_runs_records_escaped() {
    let (router, _) = console().await;
    let cookie = signed_in(&router).await;
    let list = text(send(&router, get("/logs", Some(&cookie))).await).await;
    assert!(list.contains("href=\"/logs/1\""), "{list}");
    assert!(list.contains("completed_with_failures"), "{list}");
    assert!(!list.contains(TOKEN), "the token never reaches a page");
    let run = text(send(&router, get("/logs/1", Some(&cookie))).await).await;
    assert!(run.contains("S000123"), "{run}");
    assert!(
        run.contains("&lt;b&gt;taken&lt;/b&gt;"),
        "reasons are escaped: {run}"
    );
    let missing = send(&router, get("/logs/99", Some(&cookie))).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn signing_out_needs_the_csrf_token_and_ends_the_session() {
    let (router, _) = console().await;
    let cookie = signed_in(&router).await;
    let csrf = csrf_of(&router, &cookie).await;
    for wrong in ["", "csrf=0000"] {
        let refused = send(&router, post("/sign-out", Some(&cookie), wrong)).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{wrong:?}");
    }
    let out = send(
        &router,
        post("/sign-out", Some(&cookie), &format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = send(&router, get("/logs", Some(&cookie))).await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session is over");
}

#[tokio::test]
async fn the_password_signs_in_and_wrong_ones_count_toward_the_same_limit() {
    let hash = hash_password(PASSWORD).unwrap();
    let (console, _, _) = console_over_a_run().await;
    let router = console
        .with_password(ConsolePassword::parse(&hash).unwrap())
        .router();
    let mut bodies = Vec::new();
    let form = send(&router, get("/sign-in", None)).await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = text(form).await;
    assert!(
        form.contains("The sign-in token printed at start, or the console password"),
        "{form}"
    );
    bodies.push(form);

    let signed = send(
        &router,
        post("/sign-in", None, &format!("token={PASSWORD}")),
    )
    .await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let logs = send(&router, get("/logs", Some(&cookie))).await;
    assert_eq!(logs.status(), StatusCode::OK);
    bodies.push(text(logs).await);

    // Four wrong passwords, then the token still signs in: one limit for both.
    for _ in 0..4 {
        let refused = send(&router, post("/sign-in", None, "token=correct-horse")).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused.headers().get(header::SET_COOKIE).is_none());
        bodies.push(text(refused).await);
    }
    let token = send(&router, post("/sign-in", None, &format!("token={TOKEN}"))).await;
    assert_eq!(token.status(), StatusCode::SEE_OTHER);
    let fifth = send(&router, post("/sign-in", None, "token=battery")).await;
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED);
    let held = send(
        &router,
        post("/sign-in", None, &format!("token={PASSWORD}")),
    )
    .await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    bodies.push(text(held).await);

    for body in &bodies {
        assert!(
            !body.contains(PASSWORD),
            "the password never reaches a page"
        );
        assert!(!body.contains(&hash), "the hash never reaches a page");
        assert!(!body.contains("argon2"), "{body}");
    }
}

#[tokio::test]
async fn without_a_password_configured_only_the_token_signs_in() {
    let (router, _) = console().await;
    let form = text(send(&router, get("/sign-in", None)).await).await;
    assert!(!form.contains("console password"), "{form}");
    let refused = send(
        &router,
        post("/sign-in", None, &format!("token={PASSWORD}")),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

/// A self-signed certificate for 127.0.0.1, written as PEM files in `dir`;
/// the certificate's PEM.
fn certificate(dir: &std::path::Path) -> (TlsFiles, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let files = TlsFiles {
        certificate: dir.join("console.pem"),
        key: dir.join("console.key"),
    };
    let pem = made.cert.pem();
    std::fs::write(&files.certificate, &pem).unwrap();
    std::fs::write(&files.key, made.signing_key.serialize_pem()).unwrap();
    (files, pem)
}

#[tokio::test]
async fn over_https_the_console_answers_with_its_headers_and_secure_cookies_and_plain_http_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (files, pem) = certificate(dir.path());
    let tls = files.load().unwrap();
    assert_eq!(format!("{tls:?}"), "Tls { .. }");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (router, _) = console().await;
    let server = tokio::spawn(serve_tls(listener, router, tls));

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = format!("https://{address}/sign-in");
    let page = client.get(&sign_in).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");

    let signed = client
        .post(&sign_in)
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER);
    let cookie = signed.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.ends_with("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let plain = reqwest::Client::new()
        .get(format!("http://{address}/sign-in"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP to the HTTPS port: {plain:?}");
    // A client that does not trust the certificate is refused too.
    let untrusting = reqwest::Client::new().get(&sign_in).send().await;
    assert!(untrusting.is_err(), "{untrusting:?}");
    // And the server still answers afterwards.
    let again = client.get(&sign_in).send().await.unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::OK);
    server.abort();
}

#[test]
fn a_missing_or_wrong_certificate_or_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = certificate(dir.path());
    let missing = TlsFiles {
        certificate: dir.path().join("nowhere.pem"),
        ..files.clone()
    };
    let error = missing.load().unwrap_err();
    assert!(matches!(error, TlsError::Certificate { .. }), "{error:?}");
    assert!(error.to_string().contains("nowhere.pem"), "{error}");

    let swapped = TlsFiles {
        certificate: files.key.clone(),
        key: files.certificate.clone(),
    };
    let error = swapped.load().unwrap_err().to_string();
    assert!(
        error.contains("console.key") && error.contains("no certificate"),
        "{error}"
    );

    let (other, _) = {
        let other_dir = dir.path().join("other");
        std::fs::create_dir(&other_dir).unwrap();
        certificate(&other_dir)
    };
    let mismatched = TlsFiles {
        key: other.key,
        ..files
    };
    let error = mismatched.load().unwrap_err();
    assert!(matches!(error, TlsError::Config { .. }), "{error:?}");
}
