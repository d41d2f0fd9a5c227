//! The web console in a real browser: headless Chromium driven through
//! chromedriver (WebDriver) against the real `rostersync serve` and both
//! simulators on loopback: sign-in and the Logs tab (also phone-wide), and a
//! first sync set up, run, watched and exported in the browser alone. A
//! screenshot of each tab is written under `target/console-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them);
//! without them the tests fail and say how to install them.

#![cfg(unix)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rostersync_web::SESSION_COOKIE;
use serde_json::json;
use tokio::runtime::Runtime;

use crate::flow::{Admin, Sims, configure, ready, start};
use crate::{ESP_PASSWORD, lines_of};

/// Where Debian's packages put the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the console and chromedriver get to start, and a page to show
/// an element.
const PATIENCE: Duration = Duration::from_secs(60);

/// Headless Chromium on a closed network: no sandbox (CI runs as root), no
/// GPU, and nothing that reaches out on its own.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,900",
];

/// The folder the screenshots are written to: `target/console-screenshots`.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("console-screenshots")
}

/// `rostersync serve` on a free loopback port, killed when dropped.
pub(crate) struct Console {
    child: Child,
    /// `http://127.0.0.1:PORT`, without the closing slash.
    pub(crate) url: String,
    /// The one-time sign-in token it printed.
    pub(crate) token: String,
}

impl Console {
    /// Starts the console over the configuration in `dir`, with the secrets
    /// of `sims` in its environment, and reads its address and token.
    pub(crate) fn start(dir: &Path, sims: &Sims) -> Self {
        let log = std::fs::File::create(dir.join("console.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rostersync"))
            .current_dir(dir)
            .args(["serve", "--address", "127.0.0.1:0", "--config"])
            .arg(dir.join("rostersync.toml"))
            .env("ROSTERSYNC_ESP_PASSWORD", ESP_PASSWORD)
            .env(
                "ROSTERSYNC_SCHOOLOGY_SECRET",
                &sims.lms.admin_credentials().secret,
            )
            .env_remove("ROSTERSYNC_CONFIG")
            .env_remove("ROSTERSYNC_LOG")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        let mut console = Console {
            child,
            url: String::new(),
            token: String::new(),
        };
        let next = |after: &str| -> String {
            let line = lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!(
                    "the console printed no line starting {after:?}; its log:\n{}",
                    std::fs::read_to_string(dir.join("console.log")).unwrap_or_default()
                )
            });
            line.strip_prefix(after)
                .unwrap_or_else(|| panic!("{line:?} does not start with {after:?}"))
                .to_owned()
        };
        let url = next("the console is at ");
        console.url = url.trim_end_matches('/').to_owned();
        console.token =
            next("sign in with this one-time token (it works until the console stops): ");
        assert_eq!(console.token.len(), 64, "a 32-byte token in hex");
        console
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver on a free loopback port, in its own process group: dropping
/// it kills the group, so the Chromium it started goes too, even when the
/// test failed half-way.
pub(crate) struct Driver {
    child: Child,
    port: u16,
    /// The browser's fresh profile.
    profile: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver, or fails saying how to install it.
    pub(crate) fn start() -> Self {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "the console's browser tests need {path} (Debian's {package} package); \
                 install both with `apt-get install chromium chromium-driver` as root \
                 (`.ci/run` does this on a fresh machine)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut driver = Driver {
            child,
            port,
            profile: tempfile::tempdir().unwrap(),
        };
        driver.wait_until_ready();
        driver
    }

    /// Polls `/status` until chromedriver says it is ready, within [`PATIENCE`].
    fn wait_until_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("chromedriver ended before it was ready: {status}");
            }
            if self
                .status()
                .is_some_and(|body| body.contains("\"ready\":true"))
            {
                return;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "chromedriver was not ready on port {} within {PATIENCE:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The answer to `GET /status` without its white space, read until it
    /// says whether chromedriver is ready (it may keep the connection open),
    /// the connection closes, or a second passes without a byte.
    fn status(&self) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
        stream
            .write_all(b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(read) => answer.extend_from_slice(&chunk[..read]),
            }
            let text = String::from_utf8_lossy(&answer).replace(char::is_whitespace, "");
            if text.contains("\"ready\":") {
                return Some(text);
            }
        }
        Some(String::from_utf8_lossy(&answer).replace(char::is_whitespace, ""))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// Headless Chromium through chromedriver, on the pages of one console.
pub(crate) struct Browser {
    client: Client,
    base: String,
    /// Where the browser saves what it downloads.
    downloads: PathBuf,
    driver: Driver,
}

impl Browser {
    /// A browser session of `driver` for the console at `url`.
    pub(crate) async fn start(driver: Driver, url: &str) -> Self {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&f| f.to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            driver.profile.path().display()
        ));
        let downloads = driver.profile.path().join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let prefs = json!({
            "download.default_directory": downloads,
            "download.prompt_for_download": false,
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": args, "prefs": prefs }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        let address = format!("http://127.0.0.1:{}", driver.port);
        let client = tokio::time::timeout(PATIENCE, builder.connect(&address))
            .await
            .unwrap_or_else(|_| panic!("chromedriver started no browser within {PATIENCE:?}"))
            .unwrap_or_else(|error| panic!("no browser session from chromedriver: {error}"));
        Browser {
            client,
            base: url.to_owned(),
            downloads,
            driver,
        }
    }

    /// Signs in with `token` on the sign-in page, and checks the console
    /// took it: its first tab and the session cookie.
    pub(crate) async fn sign_in(&self, token: &str) {
        self.open("/sign-in").await;
        self.fill("form[action='/sign-in'] input#token[name=token]", token)
            .await;
        self.click("form[action='/sign-in'] button[type=submit]")
            .await;
        assert_eq!(self.path().await, "/configuration");
        assert!(self.cookie(SESSION_COOKIE).await.is_some());
    }

    /// Ends the browser session; the driver is killed when `self` drops.
    pub(crate) async fn close(self) {
        let Browser { client, driver, .. } = self;
        client.close().await.unwrap();
        drop(driver);
    }

    /// Opens `path` of the console.
    pub(crate) async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The path of the page shown.
    pub(crate) async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// The first element `css` selects, waiting for it within [`PATIENCE`];
    /// the page's source is shown when there is none.
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!(
                "no {css:?} on {} ({error}); the page:\n{}",
                self.path().await,
                self.client.source().await.unwrap_or_default()
            ),
        }
    }

    /// Clicks the element `css` selects (a link or a button: the click
    /// returns once the page it leads to has loaded).
    pub(crate) async fn click(&self, css: &str) {
        self.element(css).await.click().await.unwrap();
    }

    /// Replaces the text of the field `css` selects with `text`.
    pub(crate) async fn fill(&self, css: &str, text: &str) {
        let field = self.element(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Picks the option of value `value` in the list `css` selects.
    pub(crate) async fn choose(&self, css: &str, value: &str) {
        self.element(css)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Ticks every box `css` selects that is not ticked yet.
    pub(crate) async fn tick(&self, css: &str) {
        self.element(css).await;
        for box_ in self.client.find_all(Locator::Css(css)).await.unwrap() {
            if !box_.is_selected().await.unwrap() {
                box_.click().await.unwrap();
            }
        }
    }

    /// The text of the element `css` selects once `done` holds for it,
    /// within [`PATIENCE`], on a page that may reload itself meanwhile.
    pub(crate) async fn wait_for(&self, css: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < PATIENCE {
            // Between two loads of a page the element may be gone or stale.
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.ok(),
                Err(_) => None,
            };
            if let Some(text) = text {
                if done(&text) {
                    return text;
                }
                last = Some(text);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css:?} never came to what was awaited within {PATIENCE:?}; last seen: {last:?}")
    }

    /// The file the browser downloaded whose name starts with `prefix`,
    /// once it is whole, within [`PATIENCE`].
    pub(crate) async fn downloaded(&self, prefix: &str) -> String {
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            let whole = std::fs::read_dir(&self.downloads)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .find(|path| {
                    let name = path.file_name().unwrap().to_string_lossy();
                    name.starts_with(prefix) && !name.ends_with(".crdownload")
                });
            if let Some(path) = whole {
                return std::fs::read_to_string(path).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no download starting {prefix:?} in {} within {PATIENCE:?}",
            self.downloads.display()
        )
    }

    /// Opens the tab at `/TAB` from the navigation, clicks `button` there,
    /// and returns the notice the page then shows, after a screenshot
    /// `TAB.png`.
    pub(crate) async fn act(&self, tab: &str, button: &str) -> String {
        self.click(&format!("nav a[href='/{tab}']")).await;
        self.click(button).await;
        let notice = self.text_of("p.notice").await;
        self.screenshot(tab).await;
        notice
    }

    /// The text the element `css` selects shows.
    pub(crate) async fn text_of(&self, css: &str) -> String {
        self.element(css).await.text().await.unwrap()
    }

    /// Runs `script` in the page and returns what it returned.
    pub(crate) async fn script(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, Vec::new()).await.unwrap()
    }

    /// Resizes the browser window.
    pub(crate) async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// The value of the cookie `name`, if the browser holds it.
    pub(crate) async fn cookie(&self, name: &str) -> Option<String> {
        let cookie = self.client.get_named_cookie(name).await.ok()?;
        Some(cookie.value().to_owned())
    }

    /// Writes the page as `target/console-screenshots/NAME.png`.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

#[test]
fn the_console_signs_in_and_shows_the_logs_in_a_browser() {
    // First, so that a machine without the browser fails at once.
    let driver = Driver::start();
    let runtime = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sims = ready(&runtime, dir.path());
    let sync: serde_json::Value =
        serde_json::from_str(&Admin::of(dir.path(), &sims).ok(&["sync", "all", "--json"])).unwrap();
    assert_eq!(sync["status"], "succeeded", "{sync}");
    let run = sync["run"].to_string();
    let console = Console::start(dir.path(), &sims);

    runtime.block_on(async {
        let browser = Browser::start(driver, &console.url).await;

        // Signed out, every page leads to the sign-in.
        browser.open("/logs").await;
        assert_eq!(browser.path().await, "/sign-in");
        browser.screenshot("sign-in").await;

        browser
            .fill("form[action='/sign-in'] input#token", "not-the-token")
            .await;
        browser
            .click("form[action='/sign-in'] button[type=submit]")
            .await;
        let refusal = browser.text_of(".problem").await;
        assert!(
            refusal.contains("That is not the token the console printed"),
            "{refusal}"
        );
        assert_eq!(browser.cookie(SESSION_COOKIE).await, None);

        browser.sign_in(&console.token).await;
        browser.click("nav a[href='/logs']").await;
        assert_eq!(browser.text_of("main h1").await, "Logs");
        let row = browser.text_of("tbody tr").await;
        assert!(row.starts_with(&run) && row.contains("succeeded"), "{row}");
        browser.screenshot("logs").await;

        browser.click(&format!("a[href='/logs/{run}']")).await;
        assert_eq!(browser.path().await, format!("/logs/{run}"));
        assert_eq!(browser.text_of("main h1").await, format!("Run {run}"));
        assert_eq!(browser.text_of("strong.status").await, "succeeded");

        // A phone: the table folds into one column instead of overflowing.
        browser.open("/logs").await;
        browser.resize(390, 844).await;
        let width = browser.script("return window.innerWidth").await;
        assert!(width.as_u64().is_some_and(|w| w <= 640), "{width}");
        let fits = browser
            .script("return document.documentElement.scrollWidth <= window.innerWidth")
            .await;
        assert_eq!(fits, json!(true), "the page scrolls sideways at {width}px");
        browser.screenshot("logs-narrow").await;

        browser.close().await;
    });
}

/// The path a district takes to its first sync, in the browser alone: the
/// acting user, a school mapped from its suggestion, a grading period added
/// from a term, data prep, the users synced and their progress watched to
/// the end, the run opened in Logs and exported; a screenshot of each tab.
#[test]
fn a_first_sync_is_set_up_run_and_exported_in_the_browser() {
    let driver = Driver::start();
    let runtime = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sims = start(&runtime);
    configure(dir.path(), &sims);
    let console = Console::start(dir.path(), &sims);

    runtime.block_on(async {
        let browser = Browser::start(driver, &console.url).await;
        browser.sign_in(&console.token).await;
        browser.screenshot("configuration").await;

        let taken = browser
            .act(
                "acting-user",
                "form[action='/acting-user'] button[type=submit]",
            )
            .await;
        assert!(taken.contains("is now the acting user"), "{taken}");
        let mapped = browser
            .act("schools", "tr.suggested button.suggestion")
            .await;
        assert!(mapped.contains("is mapped to LMS building"), "{mapped}");
        let added = browser
            .act("terms", "button.add[formaction='/terms/add']")
            .await;
        assert!(
            added.starts_with("Grading period") && added.contains("the term is mapped to it"),
            "{added}"
        );
        assert_eq!(sims.lms.counters().writes, 1, "the grading period alone");
        let applied = browser
            .act("prep", "form[action='/prep/apply'] button[type=submit]")
            .await;
        assert!(applied.contains("Data prep applied as run 1"), "{applied}");
        assert!(!browser.text_of("pre.summary").await.is_empty());

        browser.click("nav a[href='/users']").await;
        browser.tick("input[name=selected]").await;
        for (role, id) in [
            ("student", "1214"),
            ("teacher", "1215"),
            ("guardian", "1216"),
        ] {
            browser
                .choose(&format!("select[name^='role.'][name$='.{role}']"), id)
                .await;
        }
        browser.click("form.selection button[type=submit]").await;
        let saved = browser.text_of("p.notice").await;
        assert!(
            saved.contains("1 building(s) are selected for users"),
            "{saved}"
        );
        browser.screenshot("users").await;

        browser.click("button.sync[formaction='/sync']").await;
        assert_eq!(browser.path().await, "/progress");
        let end = browser.wait_for("p.end", |text| !text.is_empty()).await;
        assert_eq!(end, "The sync ended: succeeded.");
        let settled = browser.text_of("#settled").await;
        let (done, total) = settled.split_once(" of ").unwrap();
        assert!(total.starts_with(done) && done != "0", "{settled}");
        browser.screenshot("progress").await;

        browser.click("a.run-link").await;
        assert_eq!(browser.text_of("main h1").await, "Run 2");
        assert_eq!(browser.text_of("strong.status").await, "succeeded");
        browser.screenshot("logs-run").await;
        browser.click("a.export-csv").await;
        let csv = browser.downloaded("rostersync-run-2").await;
        assert!(
            csv.starts_with("run,entity,key,action,status,reason"),
            "{csv}"
        );
        assert!(csv.lines().any(|line| line.starts_with("2,user,")), "{csv}");

        for tab in ["courses", "sections", "grades"] {
            browser.click(&format!("nav a[href='/{tab}']")).await;
            browser.text_of("main h1").await;
            browser.screenshot(tab).await;
        }
        browser.close().await;
    });
}
