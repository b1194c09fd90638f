//! A secret set through the API reaches the one host it is bound to, and nothing else: no
//! API answer, no byte of the database, no line of the server's log, not the UI's page.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::Method;
use roost::runtime::Plugin;
use roost::service::api::{Access, ENDPOINTS, Endpoint};
use serde_json::{Value, json};
use tracing_subscriber::Layer as _;

use super::{OPERATOR, Service, Setup};
use crate::support::{self, Recorder};

/// A service like [`Service::start`] on `addr`, whose registry also holds `extra` plugins.
pub async fn service_with(addr: SocketAddr, extra: impl FnOnce(&roost::runtime::Runtime) -> Vec<Plugin>) -> Service {
    Service::launch(Setup { addr: Some(addr), ..Setup::default() }, extra).await
}

/// The hostile test plugin allowed to call, and to send its secret `TOKEN` to, `hosts`.
pub fn hostile(runtime: &roost::runtime::Runtime, hosts: &[String]) -> Plugin {
    let manifest = support::hostile_manifest("hostile", &support::permissions(hosts, hosts));
    support::load_hostile(runtime, &manifest).unwrap()
}

/// What the process logs through `tracing` while capturing is on. A thread-local subscriber
/// would miss events (callsite interest is cached across threads), so this one is global,
/// installed once, and writes only while a test has it on.
#[derive(Clone, Default)]
struct LogCapture {
    on: Arc<AtomicBool>,
    text: Arc<Mutex<Vec<u8>>>,
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.text.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    fn global() -> &'static LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE.get_or_init(|| {
            use tracing_subscriber::layer::SubscriberExt;
            let capture = LogCapture::default();
            let (writer, on) = (capture.clone(), capture.on.clone());
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(tracing_subscriber::filter::filter_fn(move |_| on.load(Ordering::SeqCst)));
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                .expect("no other global tracing subscriber in the test binary");
            capture
        })
    }

    /// Captures until the guard's [`Capturing::stop`], or its drop if a test fails first.
    fn start(&'static self) -> Capturing {
        self.on.store(true, Ordering::SeqCst);
        Capturing(self)
    }
}

struct Capturing(&'static LogCapture);

impl Capturing {
    fn stop(self) -> String {
        self.0.on.store(false, Ordering::SeqCst);
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.text.lock().unwrap())).into_owned()
    }
}

impl Drop for Capturing {
    fn drop(&mut self) {
        self.0.on.store(false, Ordering::SeqCst);
    }
}

const SECRET: &str = "s3cr3t-5f0c9a7e-b1d2-4c8e-9a6f-leak-canary";

fn flow(port: u16) -> String {
    format!(
        "name: leaky
inputs:
  text: {{ type: string }}
steps:
  - id: review
    approval: {{ message: \"Send ${{{{ inputs.text }}}}?\", preview: \"${{{{ vars.GREETING }}}}\" }}
  - id: send
    needs: [review]
    uses: hostile/leak@1
    with: {{ url: \"http://loopback.test:{port}/hook\" }}
  - id: echo
    needs: [send]
    uses: echo/echo@1
    with: {{ sent: \"${{{{ steps.send.output.status }}}}\", text: \"${{{{ inputs.text }}}}\" }}
"
    )
}

/// GET every readable endpoint of workspace `acme` as the operator, with `workflow` for
/// `{name}` and `run` for `{id}`: (path, answer) pairs.
pub async fn read_everything(service: &Service, workflow: &str, run: &str) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    // A person's own endpoints refuse the operator; an invitation or a client link needs its
    // link's secret; an approval's links need an approval step, which this run has not (they
    // hold who made them, when, and the client's comments: nothing a step saw).
    let readable = |e: &&Endpoint| {
        e.method == "get" && e.access != Access::Person && !e.path.contains("{token}") && !e.path.contains("{step}")
    };
    for e in ENDPOINTS.iter().filter(readable) {
        let id = if e.path.starts_with("/plugins/") { "hostile" } else { run };
        let path = e.path.replace("{ws}", "acme").replace("{name}", workflow).replace("{id}", id);
        let resp =
            service.client.get(format!("{}/api/v1{path}", service.url)).bearer_auth(OPERATOR).send().await.unwrap();
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        answers.push((path, resp.text().await.unwrap()));
    }
    for path in ["/metrics", "/healthz", "/"] {
        let resp = service.client.get(format!("{}{path}", service.url)).send().await.unwrap();
        answers.push((path.to_string(), resp.text().await.unwrap()));
    }
    answers
}

#[tokio::test]
async fn a_secret_reaches_its_bound_host_and_is_never_shown() {
    let capture = LogCapture::global().start();

    let (recorder, addr) = Recorder::start().await;
    // The test network policy judges plain-HTTP `loopback.test` (any port) as `https://loopback.test`.
    let hosts = ["https://loopback.test".to_string()];
    let service = service_with(SocketAddr::from(([127, 0, 0, 1], 0)), |rt| vec![hostile(rt, &hosts)]).await;
    let editor = service.workspace_token("acme", "editor").await;
    let mut answers = Vec::new();
    let mut call = async |token: &str, method: Method, path: &str, body: Option<Value>| {
        let (status, body) = service.call(token, method, &format!("/api/v1/workspaces/acme{path}"), body).await;
        assert!((200..300).contains(&status), "{path}: {status} {body}");
        answers.push((path.to_string(), body.to_string()));
        body
    };
    call(&editor, Method::PUT, "/secrets/TOKEN", Some(json!({ "value": SECRET, "hosts": hosts }))).await;
    call(&editor, Method::PUT, "/variables/GREETING", Some(json!({ "value": "hello" }))).await;
    call(&editor, Method::POST, "/workflows", Some(json!({ "source": flow(addr.port()) }))).await;
    let started =
        call(&editor, Method::POST, "/workflows/leaky/runs", Some(json!({ "inputs": { "text": "hi" } }))).await;
    let run = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("acme", &run, &["waiting"]).await;
    let waiting = read_everything(&service, "leaky", &run).await;
    call(OPERATOR, Method::POST, &format!("/runs/{run}/approvals/review/approve"), Some(json!({ "comment": "ok" })))
        .await;
    let done = service.wait_status("acme", &run, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    let seen = recorder.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].headers["authorization"], format!("Bearer {SECRET}"), "the bound host gets the value");
    assert_eq!(seen[0].body, format!("token={SECRET}"));

    answers.extend(waiting);
    answers.extend(read_everything(&service, "leaky", &run).await);
    let (_, secrets) = service.call(&editor, Method::GET, "/api/v1/workspaces/acme/secrets", None).await;
    assert_eq!(secrets[0]["name"], "TOKEN", "{secrets}");
    let paths: Vec<&str> = answers.iter().map(|(p, _)| p.as_str()).collect();
    for needed in ["/workspaces/acme/approvals", "/workspaces/acme/audit", "/workspaces/acme/secrets", "/"] {
        assert!(paths.contains(&needed), "{needed} was not read: {paths:?}");
    }
    for (path, text) in &answers {
        assert!(!text.contains(SECRET), "the secret is in the answer to {path}: {text}");
    }
    let all = answers.iter().map(|(_, t)| t.as_str()).collect::<String>();
    assert!(all.contains("hello") && all.contains("operator:"), "the answers hold the run's data");

    let store = service.state().store.clone();
    service.running.shutdown().await;
    store.close().await;
    let mut files = 0;
    for entry in std::fs::read_dir(service.dir.path()).unwrap().flatten() {
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        files += 1;
        for needle in [SECRET.as_bytes().to_vec(), hex::encode(SECRET).into_bytes()] {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_slice());
            assert!(!found, "the secret is in {}", entry.path().display());
        }
    }
    assert!(files >= 1, "the database file was read");
    let log = capture.stop();
    assert!(log.contains("run finished"), "the server's log was captured: {} bytes\n{log}", log.len());
    assert!(!log.contains(SECRET), "the secret is in the server's log");
}
