//! A secret's value never reaches a plugin, a record or an answer, nor a host it is not bound to.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use roost::capabilities::secrets::Secret;
use roost::runtime::StepCall;
use roost::runtime::pattern::HostPattern;
use roost::runtime::registry::Registry;
use serde_json::{Value, json};

use crate::serve::secrets::{hostile, read_everything};
use crate::serve::{OPERATOR, Service, Setup};
use crate::support::{self, Recorder};

const MASTODON_VALUE: &str = "mtok-7f3c1e9a-echo-canary-41d2";
const TOKEN_VALUE: &str = "htok-b84e20d5-echo-canary-9a7c";

/// Every `Authorization` the echoing proxy was sent.
type Sent = Arc<Mutex<Vec<String>>>;

/// A loopback "proxy error page": 502, whose body and headers echo the request's
/// `Authorization` as is, in base64 and percent-encoded.
async fn echoing_proxy() -> (Sent, SocketAddr) {
    async fn page(State(sent): State<Sent>, headers: HeaderMap) -> Response {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        sent.lock().unwrap().push(auth.clone());
        let encoded = percent_encoding::utf8_percent_encode(&auth, percent_encoding::NON_ALPHANUMERIC).to_string();
        let b64 = STANDARD.encode(&auth);
        let body = format!("502 Bad Gateway: upstream refused {auth}; b64 {b64}; q {encoded}");
        let echoed = [("x-upstream-auth", auth), ("x-upstream-b64", b64)];
        (StatusCode::BAD_GATEWAY, echoed, body).into_response()
    }
    let sent = Sent::default();
    let addr = support::serve_loopback(Router::new().fallback(page).with_state(sent.clone())).await;
    (sent, addr)
}

/// Every form of `value` the proxy echoes, and hex, as a careless store would write them.
fn forms(value: &str) -> Vec<String> {
    let bearer = format!("Bearer {value}");
    vec![value.to_string(), STANDARD.encode(&bearer), hex::encode(value), STANDARD.encode(value)]
}

/// `ws` in `service` with `workflow` stored and run by the operator; the run's id once it ended.
async fn run_to_end(service: &Service, ws: &str, token: &str, workflow: &str, name: &str) -> (String, Value) {
    let api = |path: &str| format!("/api/v1/workspaces/{ws}{path}");
    let (status, body) =
        service.call(token, Method::POST, &api("/workflows"), Some(json!({ "source": workflow }))).await;
    assert!(status == 201 || status == 200, "{status}: {body}");
    let (status, started) =
        service.call(token, Method::POST, &api(&format!("/workflows/{name}/runs")), Some(json!({}))).await;
    assert!((200..300).contains(&status), "{status}: {started}");
    let run = started["run_id"].as_str().unwrap().to_string();
    let done = service.wait_status(ws, &run, &["succeeded", "failed"]).await;
    (run, done)
}

async fn put_secret(service: &Service, token: &str, name: &str, body: Value) -> (u16, Value) {
    service.call(token, Method::PUT, &format!("/api/v1/workspaces/acme/secrets/{name}"), Some(body)).await
}

#[tokio::test]
async fn an_echoed_credential_is_in_no_record_and_no_answer() {
    let (sent, addr) = echoing_proxy().await;
    let hosts = ["https://loopback.test".to_string()];
    let setup = Setup { addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))), ..Setup::default() };
    let service = Service::launch(setup, |rt| vec![hostile(rt, &hosts)]).await;
    let editor = service.workspace_token("acme", "editor").await;
    for (name, value) in [("MASTODON_TOKEN", MASTODON_VALUE), ("TOKEN", TOKEN_VALUE)] {
        let (status, body) = put_secret(&service, &editor, name, json!({ "value": value, "hosts": hosts })).await;
        assert_eq!(status, 204, "{body}");
    }
    let port = addr.port();
    let workflow = format!(
        "name: echoed
steps:
  - id: post
    uses: mastodon/publish@0.1
    with: {{ instance: \"http://loopback.test:{port}\", text: \"Hello from Roost\" }}
    retry: {{ max_attempts: 2, initial_delay: 1s }}
  - id: leak
    uses: hostile/leak@1
    with: {{ url: \"http://loopback.test:{port}/hook\" }}
"
    );
    let (run, done) = run_to_end(&service, "acme", &editor, &workflow, "echoed").await;
    assert_eq!(done["status"], "failed", "{done}");

    let sent = sent.lock().unwrap().clone();
    assert!(sent.contains(&format!("Bearer {MASTODON_VALUE}")), "the instance got the token: {sent:?}");
    assert!(sent.contains(&format!("Bearer {TOKEN_VALUE}")), "the hook got the token: {sent:?}");
    assert_eq!(sent.len(), 3, "two attempts of `post`, one of `leak`: {sent:?}");

    let answers = read_everything(&service, "echoed", &run).await;
    let all: String = answers.iter().map(|(_, text)| text.as_str()).collect();
    let (_, detail) = answers.iter().find(|(path, _)| path.ends_with(&run)).expect("the run's own answer");
    assert!(detail.contains("[redacted:MASTODON_TOKEN]"), "the step's error keeps its shape: {detail}");
    assert!(detail.contains("[redacted:TOKEN]"), "the plugin's output shows what was scrubbed: {detail}");
    assert!(all.contains("502 Bad Gateway"), "the echo itself is recorded");
    for (path, text) in &answers {
        for form in forms(MASTODON_VALUE).iter().chain(&forms(TOKEN_VALUE)) {
            assert!(!text.contains(form.as_str()), "`{form}` is in the answer to {path}: {text}");
        }
    }

    let store = service.state().store.clone();
    service.running.shutdown().await;
    store.close().await;
    let mut read = 0;
    for entry in std::fs::read_dir(service.dir.path()).unwrap().flatten() {
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        read += bytes.len();
        for form in forms(MASTODON_VALUE).iter().chain(&forms(TOKEN_VALUE)) {
            let found = bytes.windows(form.len()).any(|w| w == form.as_bytes());
            assert!(!found, "`{form}` is stored in {}", entry.path().display());
        }
    }
    assert!(read > 10_000, "the database was read: {read} bytes");
}

#[tokio::test]
async fn an_editor_cannot_send_a_secret_to_a_host_of_its_choosing() {
    let (attacker, addr) = Recorder::start().await;
    let service = Service::start().await;
    let editor = service.workspace_token("acme", "editor").await;

    let (status, body) =
        put_secret(&service, OPERATOR, "MASTODON_TOKEN", json!({ "value": MASTODON_VALUE, "hosts": ["https://*"] }))
            .await;
    assert_eq!(status, 400, "a binding to every host is refused: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("would let the value go to any host"), "{body}");

    let workflow = |name: &str| {
        format!(
            "name: {name}
steps:
  - id: steal
    uses: mastodon/publish@0.1
    with: {{ instance: \"http://loopback.test:{}\", text: \"hello\" }}
",
            addr.port()
        )
    };
    let bound = json!({ "value": MASTODON_VALUE, "hosts": ["https://mastodon.example"] });
    assert_eq!(put_secret(&service, OPERATOR, "MASTODON_TOKEN", bound).await.0, 204);
    let (_, done) = run_to_end(&service, "acme", &editor, &workflow("steal-bound"), "steal-bound").await;
    let target = format!("http://loopback.test:{}", addr.port());
    let text = done.to_string();
    assert_eq!(done["status"], "failed", "{done}");
    assert!(text.contains(&format!("secret `MASTODON_TOKEN` is not bound to {target}")), "{done}");
    assert!(text.contains("its owner bound it to: https://mastodon.example"), "{done}");

    let unbound = json!({ "value": MASTODON_VALUE });
    assert_eq!(put_secret(&service, OPERATOR, "MASTODON_TOKEN", unbound).await.0, 204);
    let (_, done) = run_to_end(&service, "acme", &editor, &workflow("steal-unbound"), "steal-unbound").await;
    assert_eq!(done["status"], "failed", "{done}");
    let text = done.to_string();
    assert!(text.contains("secret `MASTODON_TOKEN` is bound to no host"), "{done}");
    assert!(text.contains("hint:") && text.contains(&format!(r#"\"hosts\": [\"{target}\"]"#)), "{done}");

    for seen in attacker.requests() {
        let carried = format!("{:?} {}", seen.headers, seen.body);
        assert!(!carried.contains(MASTODON_VALUE), "the attacker's host got the token: {carried}");
    }
}

#[tokio::test]
async fn a_secret_in_a_status_text_is_rejected_at_validate() {
    let service = Service::start().await;
    let viewer = service.workspace_token("acme", "viewer").await;
    let editor = service.workspace_token("acme", "editor").await;
    let source = "name: publish-token
steps:
  - id: post
    uses: mastodon/publish@0.1
    with:
      instance: https://mastodon.social
      text: \"my token: ${{ secrets.MASTODON_TOKEN }}\"
";
    let (status, answer) = service
        .call(&viewer, Method::POST, "/api/v1/workspaces/acme/validate", Some(json!({ "source": source })))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["valid"], false, "{answer}");
    let first = &answer["diagnostics"][0];
    let column = source.lines().nth(6).unwrap().find("${{").unwrap() + 1;
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(7), Some(column as u64)), "{answer}");
    let message = first["message"].as_str().unwrap();
    assert!(message.contains("`secrets.MASTODON_TOKEN` passed to `text` of `mastodon/publish`"), "{message}");
    assert!(first["help"].as_str().unwrap().contains("x-roost-credential"), "{answer}");
    let (status, body) = service
        .call(&editor, Method::POST, "/api/v1/workspaces/acme/workflows", Some(json!({ "source": source })))
        .await;
    assert_eq!((status, &body["error"]["code"]), (422, &json!("invalid_workflow")), "nor can it be stored: {body}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("publish-token.yaml");
    std::fs::write(&file, source).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(["validate", file.to_str().unwrap()])
        .env("ROOST_DATA_DIR", dir.path())
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .output()
        .unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{printed}");
    let expected = format!("publish-token.yaml:7:{column}: error: `secrets.MASTODON_TOKEN` passed to `text`");
    assert!(printed.contains(&expected), "{printed}");
}

#[tokio::test]
async fn a_placeholder_that_reaches_a_plain_input_at_run_time_is_refused() {
    // A workflow stored before credential inputs existed still runs through this wall.
    let (instance, addr) = Recorder::start().await;
    let runtime = support::runtime();
    let registry = Registry::with_builtins(&runtime).unwrap();
    let mastodon = registry.plugins().iter().find(|p| p.manifest.id == "mastodon").unwrap().clone();
    let hosts = vec![HostPattern::parse("https://loopback.test").unwrap()];
    let secrets = BTreeMap::from([("MASTODON_TOKEN".to_string(), Secret { value: MASTODON_VALUE.into(), hosts })]);
    let nonce = "0123456789abcdef0123456789abcdef";
    let call = |text: String| StepCall {
        action: "publish".into(),
        input: json!({ "instance": format!("http://loopback.test:{}", addr.port()), "text": text }),
        secrets: secrets.clone(),
        secret_nonce: nonce.into(),
        ..StepCall::default()
    };
    let out = runtime.execute(&mastodon, call(format!("token: {{{{secret:MASTODON_TOKEN#{nonce}}}}}"))).await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("a secret reached `/text`"), "{err}");
    assert!(err.contains("does not mark as a credential"), "{err}");
    assert!(instance.requests().is_empty(), "nothing was sent");
}

/// Runs `two-hosts` (one leak to each of `hosts`) with `TOKEN` bound to `binding`: the run's answer.
async fn leak_to_both(service: &Service, editor: &str, hosts: &[String; 2], binding: &[&String]) -> String {
    let (status, body) = put_secret(service, editor, "TOKEN", json!({ "value": TOKEN_VALUE, "hosts": binding })).await;
    assert_eq!(status, 204, "{body}");
    let workflow = format!(
        "name: two-hosts
steps:
  - id: to-a
    uses: hostile/leak@1
    with: {{ url: \"{}/hook\" }}
  - id: to-b
    uses: hostile/leak@1
    with: {{ url: \"{}/hook\" }}
",
        hosts[0], hosts[1]
    );
    let (run, done) = run_to_end(service, "acme", editor, &workflow, "two-hosts").await;
    assert_eq!(done["status"], "failed", "{done}");
    let (_, answer) = service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/acme/runs/{run}"), None).await;
    let text = answer.to_string();
    assert!(!text.contains(TOKEN_VALUE), "{text}");
    text
}

#[tokio::test]
async fn a_secret_goes_only_where_its_binding_and_the_manifest_both_allow() {
    let (a, a_addr) = Recorder::start().await;
    let (b, b_addr) = Recorder::start().await;
    let both = [format!("http://loopback.test:{}", a_addr.port()), format!("http://loopback.test:{}", b_addr.port())];
    // The plugin may call both hosts but declares its secret for A only.
    let manifest = support::hostile_manifest("hostile", &support::permissions(&both, &both[..1]));
    let setup = Setup { addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))), ..Setup::default() };
    let service = Service::launch(setup, |rt| vec![support::load_hostile(rt, &manifest).unwrap()]).await;
    let editor = service.workspace_token("acme", "editor").await;

    let text = leak_to_both(&service, &editor, &both, &[&both[0]]).await;
    assert!(text.contains(&format!("secret `TOKEN` is not bound to {}", both[1])), "{text}");
    let text = leak_to_both(&service, &editor, &both, &[&both[0], &both[1]]).await;
    let manifest_says = format!("secret `TOKEN` may not be sent to {}: the plugin's manifest declares it for", both[1]);
    assert!(text.contains(&manifest_says), "the owner's binding does not widen the manifest's: {text}");

    let seen = a.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|s| s.headers["authorization"] == format!("Bearer {TOKEN_VALUE}").as_str()), "A gets it");
    assert!(b.requests().is_empty(), "host B gets nothing: {:?}", b.requests());
}

#[tokio::test]
async fn a_value_that_reaches_a_step_another_way_is_scrubbed_from_its_error() {
    // The second wall: a value the host never handed out (here typed into an input) is still
    // scrubbed from what the step returns, because the step holds that secret.
    let runtime = support::runtime();
    let hosts = ["https://loopback.test".to_string()];
    let plugin = hostile(&runtime, &hosts);
    let bound = vec![HostPattern::parse(&hosts[0]).unwrap()];
    let call = StepCall {
        action: "fetch".into(),
        input: json!({ "url": format!("not a url {TOKEN_VALUE}") }),
        secrets: BTreeMap::from([("TOKEN".to_string(), Secret { value: TOKEN_VALUE.into(), hosts: bound })]),
        ..StepCall::default()
    };
    let out = runtime.execute(&plugin, call).await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("bad url `not a url [redacted:TOKEN]`"), "{err}");
    assert!(!err.contains(TOKEN_VALUE) && !format!("{:?}", out.logs).contains(TOKEN_VALUE), "{err}");
}

/// `roost secret ARGS` with `stdin`, over the data directory `dir`: (success, what it printed).
fn roost_secret(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roost"))
        .arg("secret")
        .args(args)
        .env("ROOST_DATA_DIR", dir)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB")
        .env_remove("ROOST_MASTER_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn the_cli_binds_a_secret_when_it_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        roost::store::Store::connect(&format!("sqlite://{}", dir.path().join("roost.db").display())).await.unwrap();
    store.create_workspace("default", "Default", &json!({})).await.unwrap();
    store.close().await;

    let (ok, printed) = roost_secret(dir.path(), &["set", "MASTODON_TOKEN", "--host", "https://*"], MASTODON_VALUE);
    assert!(!ok && printed.contains("would let the value go to any host"), "{printed}");
    let (ok, printed) =
        roost_secret(dir.path(), &["set", "MASTODON_TOKEN", "--host", "https://mastodon.social"], MASTODON_VALUE);
    assert!(ok && printed.contains("sent only to: https://mastodon.social"), "{printed}");
    let (ok, printed) = roost_secret(dir.path(), &["set", "LONG"], &"x".repeat(8 * 1024 + 1));
    assert!(!ok && printed.contains("over the limit of 8192 bytes"), "{printed}");
    let (ok, printed) = roost_secret(dir.path(), &["list", "--json"], "");
    let listed: Value = serde_json::from_str(printed.trim()).unwrap_or_else(|_| panic!("{printed}"));
    assert!(ok);
    assert_eq!(listed[0]["name"], "MASTODON_TOKEN");
    assert_eq!(listed[0]["hosts"], json!(["https://mastodon.social"]));
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        let found = bytes.windows(MASTODON_VALUE.len()).any(|w| w == MASTODON_VALUE.as_bytes());
        assert!(!found, "the value is in {} in clear", entry.path().display());
    }
}
