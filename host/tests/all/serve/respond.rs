//! Webhooks answered by a `respond` step: the answer arrives while the run goes on, with
//! the status, headers and body the step rendered, after the run and the step are
//! committed; a replay gets the same answer; a run that fails first answers as `wait`
//! does; hostile values fail the step (or the workflow at load) instead of reaching HTTP.

use std::time::{Duration, Instant};

use reqwest::Method;
use roost::store::Store;
use serde_json::{Value, json};

use super::hooks::{put_secret, sign};
use super::{OPERATOR, Service, Setup};
use crate::support;

const KEY: &str = "hook-key-of-default";

/// Answers 201 from the trigger's body, then naps for 3 s.
const INTAKE: &str = "name: intake
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: score
    uses: echo/echo@1
    with: { id: \"${{ trigger.body.id }}\", n: \"${{ length(trigger.body.mentions) }}\" }
  - id: answer
    respond:
      status: 201
      headers: { X-Ticket: \"T-${{ steps.score.output.id }}\" }
      body: { ticket: \"${{ steps.score.output.id }}\", mentions: \"${{ steps.score.output.n }}\" }
  - id: nap
    needs: [answer]
    uses: flaky/slow@1
    with: { ms: 3000 }
";

/// Fails before its `respond` step can run.
const BROKEN: &str = "name: broken
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: score
    uses: echo/echo@1
    with: { n: \"${{ trigger.body.nothing.here }}\" }
  - id: answer
    respond: { status: 201, body: \"${{ steps.score.output }}\" }
";

/// Answers with whatever the trigger's body says.
const MIRROR: &str = "name: mirror
on:
  webhook: { secret: HOOK_KEY, wait: 5s }
steps:
  - id: answer
    respond:
      status: \"${{ trigger.body.status }}\"
      headers: { x-note: \"${{ trigger.body.note }}\" }
      body: [\"${{ trigger.body.text }}\", \"${{ trigger.body.text }}\"]
";

/// A delivery's answer: status, headers and body text.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn deliver(service: &Service, workflow: &str, body: &Value, id: &str) -> Answer {
    let body = body.to_string();
    let resp = service
        .client
        .post(format!("{}/hooks/default/{workflow}", service.url))
        .header("x-roost-signature", sign(KEY, body.as_bytes()))
        .header("x-roost-delivery", id)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    Answer { status, headers, text: resp.text().await.unwrap() }
}

async fn service_with(store: Option<Store>, workflows: &[&str]) -> Service {
    let flaky =
        |runtime: &roost::runtime::Runtime| vec![support::load_flaky(runtime, &["http://loopback.test".into()])];
    let service = Service::launch(Setup { store, ..Setup::default() }, flaky).await;
    put_secret(&service, "default", KEY).await;
    for workflow in workflows {
        service.put_workflow("default", workflow).await;
    }
    service
}

async fn run_of(service: &Service, id: &str) -> Value {
    service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{id}"), None).await.1
}

fn step<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["steps"].as_array().and_then(|s| s.iter().find(|s| s["id"] == id)).unwrap_or(&Value::Null)
}

/// The early answer, the committed state behind it, and its replays before and after the end.
async fn answers_early_and_replays(service: &Service) {
    let body = json!({ "id": 42, "mentions": ["down again", "love it", "refund now"] });
    let started = Instant::now();
    let answer = deliver(service, "intake", &body, "d-1").await;
    let took = started.elapsed();
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json(), json!({ "ticket": 42, "mentions": 3 }));
    assert_eq!(answer.header("x-ticket"), Some("T-42"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("content-security-policy"), Some("sandbox"), "served from Roost's origin, sandboxed");
    assert!(took < Duration::from_millis(2500), "answered before the 3 s nap ended: {took:?}");
    let run = answer.header("x-roost-run-id").expect("the run's id").to_string();
    let stored = run_of(service, &run).await;
    assert_eq!(stored["status"], "running", "the run goes on: {stored}");
    assert_eq!(step(&stored, "answer")["status"], "succeeded", "{stored}");
    assert_eq!(step(&stored, "answer")["output"]["headers"]["x-ticket"], "T-42", "{stored}");
    assert_ne!(step(&stored, "nap")["status"], "succeeded", "{stored}");

    let again = deliver(service, "intake", &body, "d-1").await;
    assert_eq!((again.status, again.json()), (201, answer.json()), "a replay while it runs");
    assert_eq!((again.header("x-ticket"), again.header("x-roost-run-id")), (Some("T-42"), Some(run.as_str())));
    service.wait_status("default", &run, &["succeeded"]).await;
    let late = deliver(service, "intake", &body, "d-1").await;
    assert_eq!((late.status, late.json()), (201, answer.json()), "a replay after the end");
    let (_, runs) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/runs?workflow=intake", None).await;
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "one run for three deliveries: {runs}");
}

#[tokio::test]
async fn a_respond_step_answers_while_the_run_goes_on() {
    let service = service_with(None, &[INTAKE]).await;
    answers_early_and_replays(&service).await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_respond_step_answers_on_postgres_too() {
    let store = Store::connect(&support::pg_url().await).await.unwrap();
    let service = service_with(Some(store), &[INTAKE]).await;
    answers_early_and_replays(&service).await;
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_run_that_fails_before_responding_answers_500_without_its_details() {
    let service = service_with(None, &[BROKEN]).await;
    let answer = deliver(&service, "broken", &json!({ "id": 1 }), "b-1").await;
    let result = answer.json();
    assert_eq!((answer.status, &result["status"]), (500, &json!("failed")), "{}", answer.text);
    let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["run_id", "status"], "no outputs nor error text reach the sender: {result}");
    assert_eq!(answer.header("x-roost-run-id"), None);
    let run = result["run_id"].as_str().unwrap();
    assert_eq!(step(&run_of(&service, run).await, "answer")["status"], "skipped");
    let again = deliver(&service, "broken", &json!({ "id": 1 }), "b-1").await;
    assert_eq!((again.status, again.json()), (500, result), "a replay");
    service.running.shutdown().await;
}

#[tokio::test]
async fn hostile_values_fail_the_step_and_never_reach_the_answer() {
    let service = service_with(None, &[MIRROR]).await;
    let ok = deliver(&service, "mirror", &json!({ "status": "202", "note": "fine", "text": "t" }), "m-0").await;
    assert_eq!((ok.status, ok.json(), ok.header("x-note")), (202, json!(["t", "t"]), Some("fine")), "{}", ok.text);
    let cases = [
        (
            json!({ "status": 99, "note": "n", "text": "t" }),
            "`respond.status` must be an HTTP status from 200 to 599, found 99",
        ),
        (
            json!({ "status": 700, "note": "n", "text": "t" }),
            "`respond.status` must be an HTTP status from 200 to 599, found 700",
        ),
        (json!({ "status": "302", "note": "n", "text": "t" }), "`respond.status` must not be a redirect"),
        (
            json!({ "status": 200, "note": "ok\r\nSet-Cookie: session=stolen", "text": "t" }),
            "`respond.headers.x-note` holds a control character",
        ),
        (json!({ "status": 200, "note": "n", "text": "x".repeat(600 << 10) }), "`respond.body` is larger than 1 MiB"),
        (json!({ "status": 200, "text": "t" }), "`respond.headers.x-note` could not be evaluated"),
    ];
    for (i, (body, error)) in cases.into_iter().enumerate() {
        let answer = deliver(&service, "mirror", &body, &format!("m-{}", i + 1)).await;
        let result = answer.json();
        assert_eq!((answer.status, &result["status"]), (500, &json!("failed")), "case {i}: {}", answer.text);
        assert!(answer.header("set-cookie").is_none() && answer.header("x-note").is_none(), "case {i}");
        let run = run_of(&service, result["run_id"].as_str().unwrap()).await;
        let failed = step(&run, "answer");
        assert_eq!(failed["status"], "failed", "case {i}: {run}");
        assert!(failed["error"].as_str().unwrap().starts_with(error), "case {i}: {failed}");
    }
    service.running.shutdown().await;
}

#[tokio::test]
async fn respond_steps_that_break_the_rules_in_plain_sight_are_refused_at_save() {
    let service = Service::start().await;
    let path = "/api/v1/workspaces/default/workflows";
    for (respond, error) in [
        ("{ status: 700 }", "`respond.status` must be an HTTP status from 200 to 599, found 700"),
        ("{ headers: { Set-Cookie: a=b } }", "header `set-cookie` is set by Roost itself"),
        ("{ headers: { Transfer-Encoding: chunked } }", "header `transfer-encoding` is set by Roost itself"),
        ("{ headers: { content-security-policy: none } }", "header `content-security-policy` is set by Roost itself"),
        ("{ status: 302 }", "`respond.status` must not be a redirect"),
        ("{ headers: { Location: \"https://evil.example/\" } }", "header `location` is set by Roost itself"),
        ("{ headers: { clear-site-data: \"\\\"*\\\"\" } }", "header `clear-site-data` is set by Roost itself"),
        ("{ status: 401, headers: { www-authenticate: Basic } }", "header `www-authenticate` is set by Roost itself"),
        ("{ headers: { \"x-a\\r\\nx-b\": c } }", "is not a header name"),
    ] {
        let source = format!("name: plain\nsteps:\n  - id: answer\n    respond: {respond}\n");
        let (status, body) = service.call(OPERATOR, Method::POST, path, Some(json!({ "source": source }))).await;
        assert_eq!(status, 422, "{respond}: {body}");
        assert!(body.to_string().contains(error), "{respond}: {body}");
    }
    service.running.shutdown().await;
}

/// Two branches, each with its answer, and a later answer after one of them.
const BRANCHES: &str = "name: branches
on:
  webhook: { secret: HOOK_KEY }
steps:
  - id: refuse
    if: \"${{ !trigger.body.ok }}\"
    respond: { status: 422, body: refused }
  - id: accept
    if: \"${{ trigger.body.ok }}\"
    respond: { status: 200, body: accepted }
  - id: zzz
    needs: [accept]
    respond: { status: 299, body: later }
";

#[tokio::test]
async fn the_first_respond_step_to_succeed_answers_and_later_ones_only_record() {
    let service = service_with(None, &[BRANCHES]).await;
    let refused = deliver(&service, "branches", &json!({ "ok": false }), "r-1").await;
    assert_eq!((refused.status, refused.text.as_str()), (422, "refused"));
    assert_eq!(refused.header("content-type"), Some("text/plain; charset=utf-8"));
    let accepted = deliver(&service, "branches", &json!({ "ok": true }), "a-1").await;
    assert_eq!((accepted.status, accepted.text.as_str()), (200, "accepted"));
    let run = accepted.header("x-roost-run-id").unwrap().to_string();
    let done = service.wait_status("default", &run, &["succeeded"]).await;
    assert_eq!(step(&done, "zzz")["output"]["body"], "later", "the later answer is recorded: {done}");
    for _ in 0..3 {
        let replay = deliver(&service, "branches", &json!({ "ok": true }), "a-1").await;
        assert_eq!((replay.status, replay.text.as_str()), (200, "accepted"), "a replay keeps the first answer");
    }
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_respond_step_in_a_manual_run_only_records_its_answer() {
    let note = "name: note\nsteps:\n  - id: answer\n    respond: { status: 202, body: noted }\n";
    let service = service_with(None, &[note]).await;
    let path = "/api/v1/workspaces/default/workflows/note/runs";
    let (status, started) = service.call(OPERATOR, Method::POST, path, Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = service.wait_status("default", started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let expected =
        json!({ "status": 202, "headers": { "content-type": "text/plain; charset=utf-8" }, "body": "noted" });
    assert_eq!(step(&run, "answer")["output"], expected, "{run}");
    service.running.shutdown().await;
}
