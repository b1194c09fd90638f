//! Webhooks that answer with the run's result (`on.webhook.wait`): the run's outputs when
//! it ends in time, a 202 with its id at the cap, the same result for a replayed delivery,
//! a cap above 30 s refused when the workflow is saved, a workspace's waiting answers
//! bounded; and the GET verification handshake.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::hooks::{post, put_secret, sign};
use super::{OPERATOR, Service, Setup};
use crate::support;

const KEY: &str = "hook-key-of-default";

const SCORE: &str = "name: score
on:
  webhook: { secret: HOOK_KEY, wait: 10s }
steps:
  - id: count
    uses: echo/echo@1
    with: { mentions: \"${{ trigger.body.mentions }}\", n: \"${{ length(trigger.body.mentions) }}\" }
outputs:
  mentions: \"${{ steps.count.output.n }}\"
";

/// A webhook workflow `name` whose one step sleeps 1.5 s, answering within `wait`.
fn napping(name: &str, wait: &str) -> String {
    format!(
        "name: {name}\non:\n  webhook: {{ secret: HOOK_KEY, wait: {wait} }}\nsteps:\n  - id: nap\n    \
         uses: flaky/slow@1\n    with: {{ ms: 1500 }}\n"
    )
}

async fn deliver(service: &Service, workflow: &str, body: &[u8], id: &str) -> (u16, serde_json::Value) {
    let signature = sign(KEY, body);
    let headers =
        [("x-roost-signature", signature.as_str()), ("x-roost-delivery", id), ("content-type", "application/json")];
    post(service, &format!("/hooks/default/{workflow}"), body, &headers).await
}

#[tokio::test]
async fn a_webhook_that_waits_answers_with_the_outputs_or_202_at_its_cap() {
    let flaky =
        |runtime: &roost::runtime::Runtime| vec![support::load_flaky(runtime, &["http://loopback.test".into()])];
    let service = Service::launch(Setup::default(), flaky).await;
    put_secret(&service, "default", KEY).await;
    service.put_workflow("default", SCORE).await;
    service.put_workflow("default", &napping("slow", "300ms")).await;

    let body = br#"{"mentions": ["down again", "love it", "refund now"]}"#;
    let (status, answer) = deliver(&service, "score", body, "d-1").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!((&answer["status"], &answer["outputs"]), (&json!("succeeded"), &json!({ "mentions": 3 })), "{answer}");
    let run = answer["run_id"].as_str().unwrap().to_string();
    let (_, stored) =
        service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{run}"), None).await;
    assert_eq!(stored["status"], "succeeded", "the answer came after the run was committed");
    let (status, again) = deliver(&service, "score", body, "d-1").await;
    assert_eq!(
        (status, &again["run_id"], &again["outputs"]),
        (200, &json!(run), &answer["outputs"]),
        "a replay: {again}"
    );

    let started = Instant::now();
    let (status, answer) = deliver(&service, "slow", b"{}", "s-1").await;
    let took = started.elapsed();
    assert_eq!((status, &answer["status"]), (202, &json!("running")), "{answer}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_millis(1400), "answered at the cap: {took:?}");
    let run = answer["run_id"].as_str().unwrap();
    service.wait_status("default", run, &["succeeded"]).await;
    let (status, late) = deliver(&service, "slow", b"{}", "s-1").await;
    assert_eq!((status, &late["status"]), (200, &json!("succeeded")), "the replay finds it ended: {late}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_wait_over_30_seconds_is_refused() {
    let service = Service::start().await;
    let source = SCORE.replace("wait: 10s", "wait: 31s");
    let path = "/api/v1/workspaces/default/workflows";
    let (status, body) = service.call(OPERATOR, Method::POST, path, Some(json!({ "source": source }))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("`wait` may be at most 30s, found 31s"), "{body}");
    service.running.shutdown().await;
}

const VERIFIED: &str = "name: meta
on:
  webhook: { secret: HOOK_KEY, verify_token: META_VERIFY }
steps:
  - id: count
    uses: echo/echo@1
    with: { n: 1 }
";

#[tokio::test]
async fn a_get_handshake_echoes_the_challenge_only_for_the_right_token() {
    let service = Service::start().await;
    put_secret(&service, "default", KEY).await;
    let secret = "/api/v1/workspaces/default/secrets/META_VERIFY";
    assert_eq!(service.call(OPERATOR, Method::PUT, secret, Some(json!({ "value": "s3cret-token" }))).await.0, 204);
    service.put_workflow("default", VERIFIED).await;
    service.put_workflow("default", SCORE.replace("name: score", "name: plain").as_str()).await;
    let get = |query: String| {
        let url = format!("{}{query}", service.url);
        async move {
            let res = reqwest::get(url).await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let ok =
        get("/hooks/default/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=s3cret-token".into());
    assert_eq!(ok.await, (200, "1158201444".to_string()));
    let wrong = get("/hooks/default/meta?hub.mode=subscribe&hub.challenge=1&hub.verify_token=s3cret-tokeN".into());
    assert_eq!(wrong.await.0, 403);
    let no_mode = get("/hooks/default/meta?hub.challenge=1&hub.verify_token=s3cret-token".into());
    assert_eq!(no_mode.await.0, 400);
    let long = get(format!(
        "/hooks/default/meta?hub.mode=subscribe&hub.verify_token=s3cret-token&hub.challenge={}",
        "9".repeat(513)
    ));
    assert_eq!(long.await.0, 400);
    assert_eq!(get("/hooks/default/plain?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x".into()).await.0, 404);
    assert_eq!(
        get("/hooks/elsewhere/meta?hub.mode=subscribe&hub.challenge=1&hub.verify_token=s3cret-token".into()).await.0,
        404
    );
    let (_, runs) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/runs", None).await;
    assert_eq!(runs, json!([]), "a handshake starts no run");
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_keeps_only_so_many_answers_waiting_and_the_next_is_answered_at_once() {
    use roost::service::hook_wait::MAX_OPEN_WAITS;
    let flaky =
        |runtime: &roost::runtime::Runtime| vec![support::load_flaky(runtime, &["http://loopback.test".into()])];
    let service = std::sync::Arc::new(Service::launch(Setup::default(), flaky).await);
    put_secret(&service, "default", KEY).await;
    service.put_workflow("default", &napping("nap", "20s")).await;
    let waiting: Vec<_> = (0..MAX_OPEN_WAITS)
        .map(|i| {
            let service = service.clone();
            tokio::spawn(async move { deliver(&service, "nap", b"{}", &format!("w-{i}")).await })
        })
        .collect();
    // Every place is taken once every run exists.
    let began = Instant::now();
    while service.state().waits.enter("default").is_some() {
        assert!(began.elapsed() < Duration::from_secs(10), "the deliveries never all waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = Instant::now();
    let (status, answer) = deliver(&service, "nap", b"{}", "one-more").await;
    assert_eq!((status, &answer["waited_ms"]), (202, &json!(0)), "{answer}");
    assert!(sent.elapsed() < Duration::from_millis(1500), "answered without waiting: {:?}", sent.elapsed());
    let (_, run) = service
        .call(
            OPERATOR,
            Method::GET,
            &format!("/api/v1/workspaces/default/runs/{}", answer["run_id"].as_str().unwrap()),
            None,
        )
        .await;
    assert!(run["status"].is_string(), "its run is committed: {run}");
    for task in waiting {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, 200, "the waiting ones got their results: {answer}");
    }
}
