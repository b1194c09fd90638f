//! A small WebDriver client over HTTP for the web UI tests: `chromedriver` started on a
//! free port, headless Chromium, and the handful of commands the tests need.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long `find` and `wait_*` keep trying.
const PATIENCE: Duration = Duration::from_secs(20);

/// One headless Chromium session, with the chromedriver that runs it.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// `chromedriver` on the PATH; fails saying what to install.
fn chromedriver() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("chromedriver")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "chromedriver is not installed: the web UI tests drive headless Chromium. \
             Install it with `apt-get install -y chromium chromium-driver`."
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium window of `width` x `height` pixels.
    pub async fn start(width: u32, height: u32) -> Self {
        let port = free_port();
        let mut command = Command::new(chromedriver());
        command.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{base}/status")).send().await.ok();
            let ready = match ready {
                Some(r) => r.json::<Value>().await.ok().is_some_and(|v| v["value"]["ready"] == true),
                None => false,
            };
            if ready {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "chromedriver did not answer on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({ "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--hide-scrollbars", "--force-device-scale-factor=1", format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ] });
        if Path::new("/usr/bin/chromium").is_file() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options, "pageLoadStrategy": "normal",
        } } });
        let answer: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let id = answer["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}"));
        Browser { http, session: format!("{base}/session/{id}"), driver, _profile: profile }
    }

    /// A WebDriver command; `Err` carries the driver's error.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.session));
        if let Some(body) = body.or_else(|| (method == reqwest::Method::POST).then(|| json!({}))) {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| json!(e.to_string()))?;
        let ok = response.status().is_success();
        let value = response.json::<Value>().await.map_err(|e| json!(e.to_string()))?["value"].take();
        if ok { Ok(value) } else { Err(value) }
    }

    async fn must(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.command(method, path, body).await.unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.must(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.must(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Runs `script` (a function body whose last argument is a callback) and waits for the
    /// value it passes to that callback, for at most `seconds`.
    pub async fn script_async(&self, script: &str, args: Value, seconds: u64) -> Value {
        let timeouts = json!({ "script": seconds * 1000 });
        self.must(reqwest::Method::POST, "/timeouts", Some(timeouts)).await;
        self.must(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": args }))).await
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self
                .command(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })))
                .await;
            if let Ok(element) = found {
                return element[ELEMENT].as_str().unwrap_or_else(|| panic!("not an element: {element}")).to_string();
            }
            if started.elapsed() > PATIENCE {
                panic!("no element `{css}` appeared; the page says: {}", self.page_text().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        let text = self.must(reqwest::Method::GET, &format!("/element/{element}/text"), None).await;
        text.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the text of `css` contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;";
            let text = self.script(script, json!([css])).await;
            if let Some(text) = text.as_str().filter(|t| t.contains(needle)) {
                return text.to_string();
            }
            if started.elapsed() > PATIENCE {
                panic!("`{css}` never said `{needle}` (it says {text}); the page says: {}", self.page_text().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.must(reqwest::Method::POST, &format!("/element/{element}/click"), None).await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.must(reqwest::Method::POST, &format!("/element/{element}/clear"), None).await;
        self.must(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Waits for the page's `confirm` (or `alert`) dialog, accepts it, and returns its text.
    pub async fn accept_dialog(&self) -> String {
        let started = Instant::now();
        loop {
            if let Ok(text) = self.command(reqwest::Method::GET, "/alert/text", None).await {
                self.must(reqwest::Method::POST, "/alert/accept", None).await;
                return text.as_str().unwrap_or_default().to_string();
            }
            assert!(started.elapsed() < PATIENCE, "no dialog opened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads the page.
    pub async fn refresh(&self) {
        self.must(reqwest::Method::POST, "/refresh", None).await;
    }

    /// Presses and releases `key` (a character, or a WebDriver key code such as `\u{E004}` for Tab).
    pub async fn press(&self, key: &str) {
        let keys = json!([{ "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }]);
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": keys }] });
        self.must(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Presses `key` while holding `modifier` (WebDriver key codes: `\u{E00A}` Alt, `\u{E014}` →).
    pub async fn chord(&self, modifier: &str, key: &str) {
        let keys = json!([{ "type": "keyDown", "value": modifier }, { "type": "keyDown", "value": key },
            { "type": "keyUp", "value": key }, { "type": "keyUp", "value": modifier }]);
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": keys }] });
        self.must(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.must(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    /// The page's visible text, for failure messages.
    pub async fn page_text(&self) -> String {
        let text = self
            .command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": "return document.body.innerText", "args": [] })),
            )
            .await;
        text.ok().and_then(|t| t.as_str().map(String::from)).unwrap_or_default()
    }

    /// Saves the viewport as `target/ui-screenshots/NAME.png` and prints where.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let data = self.must(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64_decode(data.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG") && png.len() > 2000, "{name}: not a PNG of a page");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("ui-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
        path
    }

    /// Ends the session and chromedriver.
    pub async fn quit(self) {
        let _ = self.command(reqwest::Method::DELETE, "", None).await;
    }
}

impl Drop for Browser {
    /// Stops chromedriver and the browser it started (they share its process group).
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| acc | u32::from(value(c)) << (18 - 6 * i));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_padded_and_unpadded_text() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk"), b"hi");
    assert_eq!(base64_decode("AAEC/w=="), [0, 1, 2, 255]);
}
