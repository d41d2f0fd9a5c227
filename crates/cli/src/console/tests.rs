//! The console over the real actions, both simulators and a configuration
//! file on disk: an invalid mapping is refused beside its field and the file
//! left as it was, a change made on disk meanwhile is never overwritten, a
//! valid one is written as the CLI writes it, and no secret reaches a page.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rostersync_web::{Console, SignInToken};
use tower::ServiceExt as _;

use super::FileActions;
use crate::config;
use crate::sim_district::SimDistrict;

const TOKEN: &str = "console-test-token";

/// A district on both simulators, its configuration file, and the console.
struct District {
    router: Router,
    path: PathBuf,
    store: rostersync_store::SqliteStore,
    secrets: [String; 2],
    cookie: String,
    _dir: tempfile::TempDir,
    _sims: SimDistrict,
}

async fn district() -> District {
    let sims = SimDistrict::start(500, Duration::from_secs(5), &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rostersync.toml");
    std::fs::write(&path, &sims.config).unwrap();
    let secrets = sims.secrets();
    let env = sims.env.clone();
    let store = rostersync_store::SqliteStore::open(dir.path().join("rostersync.db")).unwrap();
    let router = Console::new(
        Arc::new(store.clone()),
        Arc::new(FileActions::new(path.clone(), env)),
        chrono_tz::America::Chicago,
        SignInToken::new(TOKEN),
    )
    .router();
    let signed = router
        .clone()
        .oneshot(form("/sign-in", None, &format!("token={TOKEN}")))
        .await
        .unwrap();
    let cookie = signed.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    District {
        router,
        path,
        store,
        secrets,
        cookie,
        _dir: dir,
        _sims: sims,
    }
}

fn form(path: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

impl District {
    async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let request = Request::get(path)
            .header(header::COOKIE, &self.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn post(&self, path: &str, body: &str) -> (StatusCode, String) {
        self.send(form(path, Some(&self.cookie), body)).await
    }

    fn file(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap()
    }
}

/// The value of the first hidden field `name` on a page.
fn hidden(page: &str, name: &str) -> String {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

/// The first SIS school and LMS building the Schools page lists.
fn first_school(page: &str) -> String {
    hidden(page, "pair").split('\n').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_invalid_mapping_is_refused_beside_its_field_and_the_file_is_unchanged() {
    let d = district().await;
    let (status, page) = d.get("/schools").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (csrf, revision) = (hidden(&page, "csrf"), hidden(&page, "revision"));
    let school = first_school(&page);
    let before = d.file();
    let (status, refused) = d
        .post(
            "/schools",
            &format!("csrf={csrf}&revision={revision}&building.{school}=no-such-building"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let select = refused
        .find(&format!("name=\"building.{school}\""))
        .unwrap();
    let problem = refused
        .find("there is no LMS building &quot;no-such-building&quot;")
        .unwrap();
    assert!(
        problem > select,
        "the problem is beside its field: {refused}"
    );
    assert_eq!(d.file(), before, "nothing was saved");
}

#[tokio::test]
async fn a_change_made_on_disk_meanwhile_is_never_overwritten() {
    let d = district().await;
    let (_, page) = d.get("/schools").await;
    let (csrf, revision) = (hidden(&page, "csrf"), hidden(&page, "revision"));
    let pair = hidden(&page, "pair").replace('\n', "%0A");
    let edited = format!("{}# edited by hand\n", d.file());
    std::fs::write(&d.path, &edited).unwrap();
    let (status, refused) = d
        .post(
            "/schools/suggested",
            &format!("csrf={csrf}&revision={revision}&pair={pair}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("changed on disk"), "{refused}");
    assert_eq!(d.file(), edited, "the hand edit stands");
    // From the page read again, the same change is saved, and the file
    // reads back with the school mapped.
    let (_, page) = d.get("/schools").await;
    let revision = hidden(&page, "revision");
    let (status, saved) = d
        .post(
            "/schools/suggested",
            &format!("csrf={csrf}&revision={revision}&pair={pair}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let school = first_school(&page);
    let config = config::parse(&d.path, &d.file(), &|_| None).unwrap();
    assert!(
        config
            .mapping
            .spec()
            .schools
            .keys()
            .any(|key| key.as_str() == school),
        "{}",
        d.file()
    );
    assert!(d.file().contains("# edited by hand"));
}

#[tokio::test]
async fn no_secret_reaches_any_page() {
    let d = district().await;
    let mut bodies = Vec::new();
    for path in [
        "/configuration",
        "/acting-user",
        "/schools",
        "/terms",
        "/prep",
        "/prep.csv",
        "/users",
        "/courses",
        "/sections",
        "/logs",
        "/progress",
        "/grades",
    ] {
        let (status, body) = d.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        bodies.push(body);
    }
    let csrf = hidden(&bodies[0], "csrf");
    let (_, checked) = d
        .post("/configuration/check", &format!("csrf={csrf}"))
        .await;
    assert!(checked.contains("OK"), "{checked}");
    bodies.push(checked);
    // Grades are refused as `grades` refuses them: not configured here.
    let (status, grades) = d
        .post("/grades/check", &format!("csrf={csrf}&teacher=1"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{grades}");
    assert!(
        grades.contains("grade passback is not configured"),
        "{grades}"
    );
    bodies.push(grades);
    assert!(bodies[0].contains("<strong>set</strong>"), "{}", bodies[0]);
    for body in &bodies {
        for secret in &d.secrets {
            assert!(!body.contains(secret.as_str()), "a secret reached a page");
        }
        assert!(!body.contains(TOKEN), "the sign-in token reached a page");
    }
}

#[tokio::test]
async fn a_connection_setting_is_checked_as_the_file_is_and_a_typed_secret_is_never_shown() {
    let d = district().await;
    let (_, page) = d.get("/configuration").await;
    let (csrf, revision) = (hidden(&page, "csrf"), hidden(&page, "revision"));
    let before = d.file();
    let (status, refused) = d
        .post(
            "/configuration/connection",
            &format!(
                "csrf={csrf}&revision={revision}&set.schoology.base_url=ftp%3A%2F%2Fschoology"
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let field = refused.find("name=\"set.schoology.base_url\"").unwrap();
    let problem = refused
        .find("schoology.base_url")
        .and_then(|_| refused.find("has scheme"))
        .unwrap_or_else(|| panic!("{refused}"));
    assert!(
        problem > field,
        "the problem is beside its field: {refused}"
    );
    assert_eq!(d.file(), before, "nothing was saved");
    let typed = "a-new-secret-typed-in-the-console";
    let (status, saved) = d
        .post(
            "/configuration/connection",
            &format!("csrf={csrf}&revision={revision}&secret.schoology.consumer_secret={typed}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(saved.contains("Saved schoology.consumer_secret"), "{saved}");
    assert!(!saved.contains(typed), "the secret typed is never shown");
    assert!(d.file().contains(typed), "it is in the file");
    let (_, again) = d.get("/configuration").await;
    assert!(!again.contains(typed));
}

#[tokio::test]
async fn a_sync_started_in_the_console_waits_for_the_lock_the_cli_or_the_service_holds() {
    use rostersync_ports::{LockAttempt, StateStore as _};

    let d = district().await;
    // Another process (the service, say) holds the lock of every scope.
    let taken = d
        .store
        .try_lock(
            rostersync_core::SyncScope::All,
            "rostersync run on another host",
            crate::wire::now(),
            chrono::Duration::minutes(10),
        )
        .await
        .unwrap();
    assert!(matches!(taken, LockAttempt::Taken(_)), "{taken:?}");
    let (_, page) = d.get("/users").await;
    let csrf = hidden(&page, "csrf");
    let (status, _) = d.post("/sync", &format!("csrf={csrf}&scope=users")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut ended = String::new();
    for _ in 0..2000 {
        let (_, progress) = d.get("/progress").await;
        if progress.contains("The sync ended") {
            ended = progress;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(
        ended.contains("another host") || ended.contains("lock"),
        "the console's sync was refused for the lock: {ended}"
    );
    let runs = d.store.runs(10).await.unwrap();
    assert!(runs.is_empty(), "nothing ran: {runs:?}");
}
