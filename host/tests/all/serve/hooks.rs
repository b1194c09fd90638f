//! Webhook triggers of `roost serve`: signatures, delivery ids and replays, inputs, size
//! limits, and workflows or workspaces a hook path must not reach.

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{OPERATOR, Service};

const KEY: &str = "hook-key-of-default";

const HOOKED: &str = "name: hooked
inputs:
  msg: { type: string, default: hi }
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: echo
    uses: echo/echo@1
    with: { msg: \"${{ inputs.msg }}\", body: \"${{ trigger.body }}\" }
";

const PLAIN: &str = "name: plain
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: 1 }
";

pub(super) fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// `POST path` with `body` and `headers`: (status, JSON).
pub(super) async fn post(service: &Service, path: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = service.client.post(format!("{}{path}", service.url)).body(body.to_vec());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A service with `HOOKED` and `PLAIN` in `default` and the secret `HOOK_KEY` set.
async fn service() -> Service {
    let service = Service::start().await;
    put_secret(&service, "default", KEY).await;
    service.put_workflow("default", HOOKED).await;
    service.put_workflow("default", PLAIN).await;
    service
}

pub(super) async fn put_secret(service: &Service, ws: &str, value: &str) {
    let path = format!("/api/v1/workspaces/{ws}/secrets/HOOK_KEY");
    let (status, body) = service.call(OPERATOR, Method::PUT, &path, Some(json!({ "value": value }))).await;
    assert!((200..300).contains(&status), "{status}: {body}");
}

async fn runs_of(service: &Service, workflow: &str) -> usize {
    let path = format!("/api/v1/workspaces/default/runs?workflow={workflow}");
    let (_, runs) = service.call(OPERATOR, Method::GET, &path, None).await;
    runs.as_array().unwrap().len()
}

async fn outcomes(service: &Service) -> Vec<String> {
    let (_, events) =
        service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/triggers?workflow=hooked", None).await;
    let mut outcomes: Vec<String> =
        events.as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap().to_string()).collect();
    outcomes.sort();
    outcomes
}

#[tokio::test]
async fn signed_deliveries_start_one_run_each_and_replays_start_none() {
    let service = service().await;
    let body = br#"{"inputs": {"msg": "hello"}, "event": "push"}"#;
    let sig = sign(KEY, body);
    let headers =
        [("x-roost-signature", sig.as_str()), ("x-roost-delivery", "d-1"), ("content-type", "application/json")];
    let (status, started) = post(&service, "/hooks/default/hooked", body, &headers).await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["outcome"], "started");
    let run_id = started["run_id"].as_str().unwrap();
    let run = service.wait_status("default", run_id, &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["inputs"]["msg"], "hello");
    assert_eq!(run["trigger"]["kind"], "webhook");
    assert_eq!(run["trigger"]["delivery"], "d-1");
    assert_eq!(run["trigger"]["body"]["event"], "push");
    assert_eq!(run["trigger"]["headers"]["content-type"], "application/json");
    assert_eq!(run["trigger"]["headers"]["x-roost-delivery"], "d-1");
    assert!(run["trigger"]["headers"].get("x-roost-signature").is_none(), "{}", run["trigger"]["headers"]);
    assert_eq!(run["steps"][0]["output"]["body"]["event"], "push");

    let (status, replay) = post(&service, "/hooks/default/hooked", body, &headers).await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay, json!({ "duplicate": true, "run_id": run_id }));
    assert_eq!(runs_of(&service, "hooked").await, 1, "a replay starts nothing");

    // GitHub's headers work too; without a delivery id, the body's hash is the id.
    let gh = br#"{"zen": "Keep it logically awesome."}"#;
    let sig = sign(KEY, gh);
    let (status, body) =
        post(&service, "/hooks/default/hooked", gh, &[("x-hub-signature-256", &sig), ("x-github-delivery", "gh-1")])
            .await;
    assert_eq!(status, 202, "{body}");
    let (status, first) = post(&service, "/hooks/default/hooked", gh, &[("x-roost-signature", &sig)]).await;
    assert_eq!(status, 202, "{first}");
    let (status, again) = post(&service, "/hooks/default/hooked", gh, &[("x-roost-signature", &sig)]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["run_id"], first["run_id"]);
    assert_eq!(runs_of(&service, "hooked").await, 3);
    assert_eq!(outcomes(&service).await, ["duplicate", "duplicate", "started", "started", "started"]);
    service.running.shutdown().await;
}

#[tokio::test]
async fn missing_or_wrong_signatures_are_refused() {
    let service = service().await;
    let body = br#"{"inputs": {"msg": "hello"}}"#;
    let right = sign(KEY, body);
    let cases = [
        vec![],
        vec![("x-roost-signature", sign("another key", body))],
        vec![("x-roost-signature", sign(KEY, b"another body"))],
        vec![("x-roost-signature", "sha256=zz".to_string())],
        vec![("x-roost-signature", right.trim_start_matches("sha256=").to_string())],
    ];
    for headers in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, answer) = post(&service, "/hooks/default/hooked", body, &headers).await;
        assert_eq!(status, 401, "{headers:?}: {answer}");
        assert_eq!(answer["error"]["code"], "unauthorized");
    }
    assert_eq!(runs_of(&service, "hooked").await, 0);
    let (status, _) = post(&service, "/hooks/default/hooked", body, &[("x-roost-signature", &right)]).await;
    assert_eq!(status, 202);
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_hook_path_reaches_only_its_workspace_s_workflow_with_a_webhook() {
    let service = service().await;
    let body = b"{}";
    let sig = sign(KEY, body);
    let headers = [("x-roost-signature", sig.as_str())];
    for path in ["/hooks/default/plain", "/hooks/default/nothing-here", "/hooks/nowhere/hooked"] {
        let (status, answer) = post(&service, path, body, &headers).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found");
    }
    // Another workspace with its own key and workflow.
    service.workspace_token("acme", "viewer").await;
    put_secret(&service, "acme", "hook-key-of-acme").await;
    service.put_workflow("acme", &HOOKED.replace("name: hooked", "name: acme-hook")).await;
    let (status, _) = post(&service, "/hooks/default/acme-hook", body, &headers).await;
    assert_eq!(status, 404, "acme's workflow is not under default");
    let (status, _) = post(&service, "/hooks/acme/acme-hook", body, &headers).await;
    assert_eq!(status, 401, "default's key does not sign for acme");
    let acme_sig = sign("hook-key-of-acme", body);
    let (status, _) = post(&service, "/hooks/acme/acme-hook", body, &[("x-roost-signature", &acme_sig)]).await;
    assert_eq!(status, 202);
    let (status, _) = post(&service, "/hooks/acme/hooked", body, &[("x-roost-signature", &acme_sig)]).await;
    assert_eq!(status, 404, "default's workflow is not under acme");
    service.running.shutdown().await;
}

#[tokio::test]
async fn large_bodies_bad_inputs_and_disabled_workflows_are_refused() {
    let service = service().await;
    let big = vec![b' '; (1 << 20) + 1];
    let sig = sign(KEY, &big);
    let (status, answer) = post(&service, "/hooks/default/hooked", &big, &[("x-roost-signature", &sig)]).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error"]["code"], "payload_too_large", "the documented code");

    let bad = br#"{"inputs": {"msg": 5}}"#;
    let sig = sign(KEY, bad);
    let (status, answer) =
        post(&service, "/hooks/default/hooked", bad, &[("x-roost-signature", &sig), ("x-roost-delivery", "d-9")]).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["details"][0]["field"], "inputs.msg");
    // The refused request did not use up its delivery id.
    let good = br#"{"inputs": {"msg": "five"}}"#;
    let sig = sign(KEY, good);
    let (status, answer) =
        post(&service, "/hooks/default/hooked", good, &[("x-roost-signature", &sig), ("x-roost-delivery", "d-9")])
            .await;
    assert_eq!(status, 202, "{answer}");

    let (status, _) = service
        .call(OPERATOR, Method::PATCH, "/api/v1/workspaces/default/workflows/hooked", Some(json!({ "enabled": false })))
        .await;
    assert_eq!(status, 200);
    let (status, answer) = post(&service, "/hooks/default/hooked", good, &[("x-roost-signature", &sig)]).await;
    assert_eq!(status, 409, "{answer}");
    // Every refusal after the signature is recorded; only the started run used up `d-9`.
    assert_eq!(outcomes(&service).await, ["skipped", "skipped", "started"]);
    service.running.shutdown().await;
}
