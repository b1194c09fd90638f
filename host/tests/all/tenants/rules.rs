//! Audit actors, names, approvers, plain-HTTP exemptions and the one JSON error envelope.

use std::path::Path;
use std::process::Command;

use reqwest::Method;
use roost::capabilities::net::PlainHttp;
use roost::runtime::{Runtime, RuntimeConfig, StepFailure};
use serde_json::{Value, json};

use crate::hostile::exec;
use crate::serve::{OPERATOR, Service};
use crate::support;

/// The audit entry of `action` in workspace `ws`.
async fn audited(service: &Service, ws: &str, action: &str) -> Value {
    let (status, log) = service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/{ws}/audit"), None).await;
    assert_eq!(status, 200, "{log}");
    log.as_array().unwrap().iter().find(|e| e["action"] == action).cloned().unwrap_or_else(|| panic!("no {action}"))
}

#[tokio::test]
async fn a_token_named_operator_is_recorded_as_the_workspace_token_it_is() {
    let service = Service::start().await;
    service.workspace_token("acme", "owner").await;
    let body = json!({ "name": "operator", "role": "editor" });
    let (status, token) = service.call(OPERATOR, Method::POST, "/api/v1/workspaces/acme/tokens", Some(body)).await;
    assert_eq!(status, 201, "{token}");
    let spoof = token["token"].as_str().unwrap();
    let (status, _) = service
        .call(spoof, Method::PUT, "/api/v1/workspaces/acme/variables/brand", Some(json!({ "value": "x" })))
        .await;
    assert_eq!(status, 204);

    let by_spoof = &audited(&service, "acme", "variable.set").await["actor"];
    assert_eq!(
        (&by_spoof["kind"], &by_spoof["id"], &by_spoof["role"], &by_spoof["name"]),
        (&json!("workspace"), &token["id"], &json!("editor"), &json!("operator"))
    );
    let by_operator = &audited(&service, "acme", "workspace.create").await["actor"];
    assert_eq!(by_operator["kind"], "operator");
    assert_ne!(by_operator["id"], by_spoof["id"], "the operator's token is another token");
}

/// Sends `body` to `path` as the operator; the answer must be a 400 naming `field`.
async fn refused(service: &Service, method: Method, path: &str, body: Value, field: &str) {
    let (status, answer) = service.call(OPERATOR, method, path, Some(body)).await;
    assert_eq!(status, 400, "{path}: {answer}");
    assert_eq!(answer["error"]["code"], "invalid_request", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("{field}: ")) && message.contains("must be 1 to 64"), "{message}");
    assert!(message.len() < 400, "the error does not repeat a flood: {message}");
}

#[tokio::test]
async fn names_of_every_kind_have_a_length_and_a_character_set() {
    let service = Service::start().await;
    let long = "a".repeat(65);
    let post = Method::POST;
    for id in [long.as_str(), "..", "acme\u{0}", "ac me"] {
        refused(&service, post.clone(), "/api/v1/workspaces", json!({ "id": id }), "id").await;
    }
    for name in [long.as_str(), "line\nbreak", "\u{202E}rotarepo", " operator", "bell\u{7}"] {
        let body = json!({ "id": "acme", "name": name });
        refused(&service, post.clone(), "/api/v1/workspaces", body, "name").await;
        let body = json!({ "name": name, "role": "viewer" });
        refused(&service, post.clone(), "/api/v1/workspaces/default/tokens", body, "name").await;
    }
    let value = json!({ "value": "v" });
    for name in ["lowercase", "WITH-DASH", "A".repeat(65).as_str(), "TAB%09"] {
        let path = format!("/api/v1/workspaces/default/secrets/{name}");
        refused(&service, Method::PUT, &path, value.clone(), "secret name").await;
    }
    for name in ["with-dash", "1st", "b".repeat(65).as_str(), "new%0Aline"] {
        let path = format!("/api/v1/workspaces/default/variables/{name}");
        refused(&service, Method::PUT, &path, value.clone(), "variable name").await;
    }
    // The rules refuse the hostile names, not names: each kind still takes a good one.
    let (status, _) = service
        .call(OPERATOR, post.clone(), "/api/v1/workspaces", Some(json!({ "id": "acme", "name": "Acme — EU" })))
        .await;
    assert_eq!(status, 201);
    let token = json!({ "name": "Équipe réseaux", "role": "viewer" });
    assert_eq!(service.call(OPERATOR, post, "/api/v1/workspaces/acme/tokens", Some(token)).await.0, 201);
    let put = |path: &'static str| service.call(OPERATOR, Method::PUT, path, Some(json!({ "value": "v" })));
    assert_eq!(put("/api/v1/workspaces/acme/secrets/MASTODON_TOKEN").await.0, 204);
    assert_eq!(put("/api/v1/workspaces/acme/variables/brand_2").await.0, 204);
}

const VIEWER_APPROVES: &str = "name: viewers-decide
steps:
  - id: ask
    approval:
      message: Publish?
      approvers: [viewer]
";

#[tokio::test]
async fn approvers_that_cannot_decide_are_refused_by_validate_and_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("viewers.yaml");
    std::fs::write(&file, VIEWER_APPROVES).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(["validate", file.to_str().unwrap()])
        .env("ROOST_DATA_DIR", dir.path())
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{report}");
    let at = format!("{}:6:19: error: `viewer` cannot decide approvals", file.display());
    assert!(report.contains(&at) && report.contains("help: a viewer's token only reads"), "{report}");

    let service = Service::start().await;
    let viewer = service.workspace_token("acme", "viewer").await;
    let body = json!({ "source": VIEWER_APPROVES });
    let (status, answer) = service.call(&viewer, Method::POST, "/api/v1/workspaces/acme/validate", Some(body)).await;
    assert_eq!((status, &answer["valid"]), (200, &json!(false)), "{answer}");
    assert_eq!(answer["diagnostics"][0]["line"], 6, "{answer}");
    let (status, _) = service
        .call(OPERATOR, Method::POST, "/api/v1/workspaces/acme/workflows", Some(json!({"source": VIEWER_APPROVES})))
        .await;
    assert_eq!(status, 422, "such a workflow is not stored");
}

/// Fetches `url` with the hostile plugin, whose manifest asks for `https://*` as the
/// first-party plugins' do.
async fn fetch(runtime: &Runtime, url: &str) -> Result<Value, StepFailure> {
    let extra = support::permissions(&["https://*".into()], &["https://api.example.com".into()]);
    let plugin = support::load_hostile(runtime, &support::hostile_manifest("hostile", &extra)).unwrap();
    exec(runtime, &plugin, "fetch", json!({ "url": url })).await.result
}

fn denied(result: Result<Value, StepFailure>, why: &str) {
    match result {
        Err(failure) => assert!(format!("{failure:?}").contains(why), "{failure:?}"),
        Ok(out) => panic!("the plugin read {out}"),
    }
}

#[tokio::test]
async fn a_plain_http_exemption_opens_only_its_port() {
    let service = Service::start().await;
    let (recorder, other) = support::Recorder::start().await;
    let mut net = support::test_net_policy();
    net.plain_http = vec![PlainHttp::parse(&format!("loopback.test:{}", other.port())).unwrap()];
    let runtime =
        Runtime::new(RuntimeConfig { cache_dir: Some(support::cache_dir()), net, ..RuntimeConfig::default() }).unwrap();

    let exempt = fetch(&runtime, &format!("http://loopback.test:{}/status", other.port())).await.unwrap();
    assert_eq!((exempt["status"].as_u64(), recorder.requests().len()), (Some(200), 1), "the exemption works");
    let metrics = format!("http://loopback.test:{}/metrics", service.running.addr.port());
    denied(fetch(&runtime, &metrics).await, "not in the plugin's [permissions] http allow-list");
}

#[tokio::test]
async fn the_service_own_address_is_never_reachable_from_its_plugins() {
    let service = Service::start().await;
    let runtime = &service.state().runtime;
    let (status, _) = service.call("", Method::GET, "/metrics", None).await;
    assert_eq!(status, 200, "/metrics is open on loopback, as the plugin would find it");
    let port = service.running.addr.port();
    assert!(runtime.net().plain_http.iter().any(|p| p.ports.contains(&port)), "even with the port exempt");
    let metrics = format!("http://loopback.test:{port}/metrics");
    denied(fetch(runtime, &metrics).await, &format!("loopback.test:{port} is this Roost's own address"));
}

#[test]
fn a_plain_http_entry_without_a_port_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("ROOST_DATA_DIR", dir.path())
        .env("ROOST_HTTP_PLAIN", "mastodon.lan")
        .env_remove("ROOST_DB")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("`mastodon.lan` names no port") && stderr.contains("e.g. `mastodon.lan:8080`"), "{stderr}");
    assert!(!Path::new(&dir.path().join("roost.db")).exists(), "nothing was started");
}

/// A request the HTTP layer refuses before any handler runs, and what it must answer.
struct Rejection {
    request: (Method, &'static str, &'static str),
    body: Vec<u8>,
    status: u16,
    code: &'static str,
    says: &'static str,
}

/// `method path` with a raw body and content type, as the operator: status, Allow, JSON.
async fn raw(
    service: &Service,
    (method, path, content_type): (Method, &str, &str),
    body: Vec<u8>,
) -> (u16, String, Value) {
    let url = format!("{}{path}", service.url);
    let resp = service.client.request(method, url).bearer_auth(OPERATOR).header("content-type", content_type);
    let resp = resp.body(body).send().await.unwrap();
    let allow = resp.headers().get("allow").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (resp.status().as_u16(), allow, resp.json().await.expect("the answer is JSON"))
}

#[tokio::test]
async fn every_framework_rejection_is_answered_in_the_envelope() {
    let service = Service::start().await;
    let (json, create) = ("application/json", "/api/v1/workspaces");
    let case =
        |request, body: &[u8], status, code, says| Rejection { request, body: body.to_vec(), status, code, says };
    let big = format!("{{\"id\": \"{}\"}}", "a".repeat(3 << 20));
    let cases = [
        case((Method::POST, create, json), b"{\"id\": ", 400, "invalid_request", "EOF while parsing a value at line 1"),
        case((Method::POST, create, json), b"{\"id\": 5}", 422, "invalid_request", "id: invalid type"),
        case((Method::POST, create, json), b"{}", 422, "invalid_request", "missing field `id`"),
        case((Method::POST, create, json), big.as_bytes(), 413, "payload_too_large", "larger than the service accepts"),
        case((Method::POST, create, "text/plain"), b"id=acme", 415, "unsupported_media_type", "content-type"),
        case((Method::GET, "/api/v1/nothing/here", json), b"", 404, "not_found", "no route `GET /api/v1/nothing/here`"),
        case((Method::PUT, create, json), b"", 405, "method_not_allowed", "does not accept `PUT`"),
        case((Method::GET, "/api/v1/workspaces/%FF", json), b"", 400, "invalid_request", "utf-8"),
        case((Method::GET, "/api/v1/workspaces/default/runs?limit=many", json), b"", 400, "invalid_request", "limit"),
    ];
    for Rejection { request, body, status, code, says } in cases {
        let what = format!("{} {}", request.0, request.1);
        let (got, allow, answer) = raw(&service, request, body).await;
        assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{what}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.to_lowercase().contains(&says.to_lowercase()), "{what}: {message}");
        assert!(message.starts_with(|c: char| !c.is_uppercase()), "lowercase: {message}");
        if status == 405 {
            assert!(allow.contains("GET") && allow.contains("POST"), "405 keeps its Allow header: {allow}");
        }
    }
}
