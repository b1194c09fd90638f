//! Shared test parts: plugin folders from the built components, runtimes, loopback servers.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use roost::capabilities::net::{NetPolicy, PlainHttp};
use roost::runtime::registry::{Registry, load_folder};
use roost::runtime::{Plugin, Runtime, RuntimeConfig};

/// Where the build put the wasm components of the test plugins.
pub fn wasm_dir() -> PathBuf {
    PathBuf::from(env!("ROOST_WASM_PLUGIN_DIR"))
}

/// The test plugin crates' folder.
pub fn test_plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins")
}

/// A shared compile cache, so each component is compiled once for the whole suite.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cwasm-cache")
}

/// Names the tests resolve without DNS: one exempt loopback name and four that must be refused.
pub fn test_net_policy() -> NetPolicy {
    let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
    NetPolicy {
        allow_private: vec!["loopback.test".into()],
        resolve: HashMap::from([
            ("loopback.test".into(), vec![ip("127.0.0.1")]),
            ("sneaky.test".into(), vec![ip("127.0.0.1")]),
            ("intranet.test".into(), vec![ip("10.0.0.1")]),
            ("metadata.test".into(), vec![ip("169.254.169.254")]),
            ("six.test".into(), vec![ip("::1")]),
        ]),
        // Test servers listen on ports the system picks.
        plain_http: vec![PlainHttp::parse("loopback.test:1024-65535").unwrap()],
        own: Default::default(),
    }
}

pub fn runtime_with(slots: u32) -> Runtime {
    let config = RuntimeConfig {
        cache_dir: Some(cache_dir()),
        net: test_net_policy(),
        max_concurrent_steps: slots,
        ..RuntimeConfig::default()
    };
    Runtime::new(config).unwrap()
}

pub fn runtime() -> Runtime {
    runtime_with(16)
}

/// A plugin folder in `dir`: the given manifest next to the component `wasm_name`.
pub fn plugin_folder(dir: &Path, folder: &str, manifest: &str, wasm_name: &str) -> PathBuf {
    let path = dir.join(folder);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("plugin.toml"), manifest).unwrap();
    std::fs::copy(wasm_dir().join(wasm_name), path.join(wasm_name)).unwrap();
    path
}

/// The hostile plugin's base manifest under another id, with `extra` TOML appended.
pub fn hostile_manifest(id: &str, extra: &str) -> String {
    let base = std::fs::read_to_string(test_plugins_dir().join("hostile/plugin.toml")).unwrap();
    format!("{}\n{extra}\n", base.replacen("id = \"hostile\"", &format!("id = \"{id}\""), 1))
}

/// A `[permissions]` table granting everything the hostile component imports: kv, http to
/// `http_hosts` and the secret `TOKEN` for `secret_hosts`.
pub fn permissions(http_hosts: &[String], secret_hosts: &[String]) -> String {
    let list = |hosts: &[String]| hosts.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
    format!(
        "[permissions]\nkv = true\nhttp = [{}]\nsecrets = {{ TOKEN = [{}] }}\n",
        list(http_hosts),
        list(secret_hosts)
    )
}

/// Loads the hostile component under `manifest`.
pub fn load_hostile(runtime: &Runtime, manifest: &str) -> Result<Plugin, roost::runtime::LoadError> {
    let wasm = std::fs::read(wasm_dir().join("hostile.wasm")).unwrap();
    runtime.load("hostile/plugin.toml", manifest, &wasm)
}

/// The echo test plugin.
pub fn load_echo(runtime: &Runtime) -> Plugin {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(test_plugins_dir().join("echo/plugin.toml")).unwrap();
    load_folder(runtime, &plugin_folder(tmp.path(), "echo", &manifest, "echo.wasm")).unwrap()
}

/// The first-party plugins plus the echo test plugin.
pub fn registry(runtime: &Runtime) -> Registry {
    let mut registry = Registry::with_builtins(runtime).unwrap();
    registry.add(load_echo(runtime)).unwrap();
    registry
}

/// Serves `app` on a free loopback port until the test ends; its address.
pub async fn serve_loopback(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// One request a [`Recorder`] received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// A loopback HTTP server that records every request; `/redirect?to=URL` answers 302.
#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    pub async fn start() -> (Self, SocketAddr) {
        let recorder = Recorder::default();
        let app = Router::new().fallback(record).with_state(recorder.clone());
        let addr = serve_loopback(app).await;
        (recorder, addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn record(
    State(rec): State<Recorder>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    rec.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match (uri.path(), q.get("to")) {
        ("/redirect", Some(to)) => (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response(),
        _ => (StatusCode::OK, "recorded").into_response(),
    }
}

/// A fresh schema in the PostgreSQL test database, as a URL whose connections use it.
pub async fn pg_url() -> String {
    use sqlx::Connection;
    let base =
        std::env::var("ROOST_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("roost_test_{}", uuid_suffix());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("the PostgreSQL test server at 127.0.0.1:5432");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut conn).await.unwrap();
    format!("{base}?options=-c%20search_path%3D{schema}")
}

fn uuid_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// The flaky test plugin's base manifest with its `http` allow-list set to `http_hosts`.
pub fn flaky_manifest(http_hosts: &[String]) -> String {
    let base = std::fs::read_to_string(test_plugins_dir().join("flaky/plugin.toml")).unwrap();
    let hosts = http_hosts.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ");
    let line = "http = [\"http://loopback.test\"]";
    assert!(base.contains(line), "flaky/plugin.toml no longer has the line {line}");
    base.replacen(line, &format!("http = [{hosts}]"), 1)
}

/// Loads the flaky test plugin, allowed to call `http_hosts`.
pub fn load_flaky(runtime: &Runtime, http_hosts: &[String]) -> Plugin {
    let wasm = std::fs::read(wasm_dir().join("flaky.wasm")).unwrap();
    runtime.load("flaky/plugin.toml", &flaky_manifest(http_hosts), &wasm).unwrap()
}

/// A loopback server standing in for a social network: it records every POST by its
/// `Idempotency-Key` header, answers after `delay`, and counts requests in flight at once.
#[derive(Clone, Default)]
pub struct Publisher {
    /// Request bodies by idempotency key, in arrival order.
    pub by_key: Arc<Mutex<std::collections::BTreeMap<String, Vec<String>>>>,
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    max_in_flight: Arc<std::sync::atomic::AtomicUsize>,
    delay: std::time::Duration,
}

impl Publisher {
    pub async fn start(delay: std::time::Duration) -> (Self, SocketAddr) {
        let publisher = Publisher { delay, ..Publisher::default() };
        let app = Router::new().fallback(publish).with_state(publisher.clone());
        let addr = serve_loopback(app).await;
        (publisher, addr)
    }

    /// How many requests each idempotency key came with.
    pub fn counts(&self) -> std::collections::BTreeMap<String, usize> {
        self.by_key.lock().unwrap().iter().map(|(k, v)| (k.clone(), v.len())).collect()
    }

    /// The most requests that were in flight at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn publish(State(p): State<Publisher>, headers: HeaderMap, body: Bytes) -> Response {
    use std::sync::atomic::Ordering::SeqCst;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("<none>").to_string();
    p.by_key.lock().unwrap().entry(key).or_default().push(String::from_utf8_lossy(&body).into_owned());
    let now = p.in_flight.fetch_add(1, SeqCst) + 1;
    p.max_in_flight.fetch_max(now, SeqCst);
    tokio::time::sleep(p.delay).await;
    p.in_flight.fetch_sub(1, SeqCst);
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{\"published\":true}").into_response()
}
