//! The API behind the everyday pages: run filters checked value by value, a rejected
//! approval shown as `rejected`, failed steps under `continue_on_error` counted, a
//! workflow's typed inputs and missing secrets, each workflow's triggers and newest run, re-runs,
//! and the caller's role.

use reqwest::Method;
use serde_json::{Value, json};

use super::{OPERATOR, Service, Setup};
use crate::support;

const REVIEW: &str = "name: review
inputs:
  text: { type: string, description: \"What to post\" }
  count: { type: integer, default: 3 }
steps:
  - id: review
    approval: { message: \"Post ${{ inputs.text }}?\" }
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\", token: \"${{ secrets.API_KEY }}\" }
";

/// The second step fails (its time is not a time), which the workflow tolerates.
const TOLERANT: &str = "name: tolerant
steps:
  - id: greet
    uses: echo/echo@1
    with: { text: hello }
  - id: later
    needs: [greet]
    wait_until: \"${{ 'not a time' }}\"
    continue_on_error: true
    uses: echo/echo@1
    with: { text: never }
";

async fn start(service: &Service, token: &str, workflow: &str, inputs: Value) -> String {
    let path = format!("/api/v1/workspaces/default/workflows/{workflow}/runs");
    let (status, started) = service.call(token, Method::POST, &path, Some(json!({ "inputs": inputs }))).await;
    assert_eq!(status, 202, "{started}");
    started["run_id"].as_str().unwrap().to_string()
}

async fn runs(service: &Service, query: &str) -> (u16, Value) {
    service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs?{query}"), None).await
}

#[tokio::test]
async fn run_filters_refuse_bad_values_and_find_runs() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    service.put_workflow("default", TOLERANT).await;
    let waiting = start(&service, OPERATOR, "review", json!({ "text": "Hello" })).await;
    service.wait_status("default", &waiting, &["waiting"]).await;
    let tolerant = start(&service, OPERATOR, "tolerant", json!({})).await;
    let done = service.wait_status("default", &tolerant, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    for (query, names) in [
        ("limit=0", "limit: `0`"),
        ("limit=501", "limit: `501`"),
        ("limit=ten", "limit: `ten`"),
        ("before=garbage", "before: `garbage` is not a run id"),
        ("since=yesterday", "since `yesterday` is not a time"),
        ("until=2026-13-01T00:00:00Z", "until `2026-13-01T00:00:00Z`"),
        ("since=2000&until=1000", "since must be before until"),
        ("status=green", "status `green` is not one of"),
        ("color=blue", "color"),
    ] {
        let (status, body) = runs(&service, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request", "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{query}: {message}");
    }
    let (status, body) = runs(&service, &format!("q={}", "x".repeat(201))).await;
    assert_eq!(status, 400, "{body}");

    let ids = |body: &Value| {
        body.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&runs(&service, "workflow=review").await.1), [waiting.as_str()]);
    assert_eq!(ids(&runs(&service, "q=TOLER").await.1), [tolerant.as_str()], "search ignores case");
    assert_eq!(ids(&runs(&service, &format!("q={}", &waiting[30..])).await.1), [waiting.as_str()], "by run id");
    assert!(ids(&runs(&service, "q=%25").await.1).is_empty(), "`%` is a character, not a wildcard");
    assert_eq!(ids(&runs(&service, "limit=1").await.1), [tolerant.as_str()], "newest first");
    assert_eq!(ids(&runs(&service, &format!("before={tolerant}")).await.1), [waiting.as_str()]);
    assert!(ids(&runs(&service, "since=2999-01-01T00:00:00Z").await.1).is_empty());
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(ids(&runs(&service, &format!("since={}&until={}", now - 600_000, now + 1000)).await.1).len(), 2);
    assert!(ids(&runs(&service, &format!("until={}", now - 600_000)).await.1).is_empty());
    let (_, listed) = runs(&service, "workflow=tolerant").await;
    assert_eq!(
        (listed[0]["status"].as_str(), listed[0]["failed_steps"].as_i64()),
        (Some("succeeded"), Some(1)),
        "{listed}"
    );
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_rejected_approval_reads_rejected_and_an_ended_run_runs_again() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let viewer = service.workspace_token("default", "viewer").await;
    let stranger = service.workspace_token("elsewhere", "owner").await;
    let id = start(&service, &editor, "review", json!({ "text": "Hello" })).await;
    service.wait_status("default", &id, &["waiting"]).await;
    let rerun = format!("/api/v1/workspaces/default/runs/{id}/rerun");
    let (status, body) = service.call(&editor, Method::POST, &rerun, None).await;
    assert_eq!(status, 409, "a waiting run is not run again: {body}");
    let reject = format!("/api/v1/workspaces/default/runs/{id}/approvals/review/reject");
    assert_eq!(service.call(&editor, Method::POST, &reject, None).await.0, 200);
    let run = service.wait_status("default", &id, &["rejected"]).await;
    let review = run["steps"].as_array().unwrap().iter().find(|s| s["id"] == "review").unwrap();
    assert_eq!(review["status"], "rejected", "never `succeeded`: {review}");
    assert_eq!(review["output"]["approved"], false);

    assert_eq!(service.call(&viewer, Method::POST, &rerun, None).await.0, 403);
    let foreign = format!("/api/v1/workspaces/elsewhere/runs/{id}/rerun");
    assert_eq!(service.call(&stranger, Method::POST, &foreign, None).await.0, 404, "another workspace's run");
    assert_eq!(service.call(&stranger, Method::POST, &rerun, None).await.0, 404);
    let missing = "/api/v1/workspaces/default/runs/0190aaaa-0000-7000-8000-000000000000/rerun";
    assert_eq!(service.call(&editor, Method::POST, missing, None).await.0, 404);
    let (status, again) = service.call(&editor, Method::POST, &rerun, None).await;
    assert_eq!(status, 202, "{again}");
    let again = again["run_id"].as_str().unwrap();
    let second = service.wait_status("default", again, &["waiting"]).await;
    assert_eq!(second["inputs"], json!({ "text": "Hello", "count": 3 }), "the same inputs");
    assert_eq!(
        (second["trigger"]["kind"].as_str(), second["trigger"]["of"].as_str()),
        (Some("rerun"), Some(id.as_str()))
    );

    service.put_workflow("default", "name: idle\non:\n  schedule: [{ cron: \"0 9 * * 1\" }]\nsteps:\n  - id: a\n    uses: echo/echo@1\n    with: {}\n").await;
    let overview = "/api/v1/workspaces/default/workflow-overview";
    let (_, listed) = service.call(&viewer, Method::GET, overview, None).await;
    let created = &listed[1]["last_run"]["created_at"];
    assert_eq!(
        listed,
        json!([
            { "workflow": "idle", "manual": true, "webhook": false, "schedules": ["0 9 * * 1"], "last_run": null },
            { "workflow": "review", "manual": true, "webhook": false, "schedules": [], "last_run":
                { "workflow": "review", "run_id": again, "status": "waiting", "created_at": created, "finished_at": null,
              "failed_steps": 0 } },
        ])
    );
    assert_eq!(service.call(&stranger, Method::GET, overview, None).await.0, 404);
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_workflow_form_has_its_typed_inputs_and_missing_secrets_and_the_role_is_known() {
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let viewer = service.workspace_token("default", "viewer").await;
    let stranger = service.workspace_token("elsewhere", "owner").await;
    let form = "/api/v1/workspaces/default/workflows/review/form";
    let (status, body) = service.call(&viewer, Method::GET, form, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["inputs"],
        json!([
            { "name": "text", "type": "string", "description": "What to post", "required": true },
            { "name": "count", "type": "integer", "description": null, "default": 3, "required": false },
        ])
    );
    assert_eq!((&body["schedules"], &body["webhook"], &body["manual"]), (&json!([]), &json!(false), &json!(true)));
    assert_eq!((&body["secrets"], &body["missing_secrets"]), (&json!(["API_KEY"]), &json!(["API_KEY"])));
    let secret = "/api/v1/workspaces/default/secrets/API_KEY";
    assert_eq!(service.call(OPERATOR, Method::PUT, secret, Some(json!({ "value": "k" }))).await.0, 204);
    let (_, body) = service.call(&viewer, Method::GET, form, None).await;
    assert_eq!(body["missing_secrets"], json!([]), "set now: {body}");
    assert_eq!(service.call(&stranger, Method::GET, form, None).await.0, 404);
    let (status, _) = service.call(&viewer, Method::GET, "/api/v1/workspaces/default/workflows/nope/form", None).await;
    assert_eq!(status, 404);

    // The web UI shows controls by the caller's standing, from who they are.
    let me = "/api/v1/auth/session";
    let (_, body) = service.call(&viewer, Method::GET, me, None).await;
    assert_eq!(
        (&body["workspaces"], &body["operator"]),
        (&json!([{ "workspace": "default", "role": "viewer" }]), &json!(false))
    );
    let (_, body) = service.call(OPERATOR, Method::GET, me, None).await;
    assert_eq!(body["operator"], json!(true), "{body}");
    let (_, body) = service.call(&stranger, Method::GET, me, None).await;
    assert_eq!(
        (&body["workspaces"], &body["operator"]),
        (&json!([{ "workspace": "elsewhere", "role": "owner" }]), &json!(false))
    );
    assert_eq!(service.call("roost_nope", Method::GET, me, None).await.0, 401);
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_retried_step_lists_each_attempt_with_its_own_times() {
    let service = Service::launch(Setup::default(), |runtime| {
        vec![support::load_flaky(runtime, &["http://loopback.test".to_string()])]
    })
    .await;
    let flow = "name: retried\nsteps:\n  - id: flaky\n    uses: flaky/fail-times@1\n    with: { times: 2, kind: retryable }\n    retry: { max_attempts: 3, backoff: fixed, initial_delay: 400ms }\n";
    service.put_workflow("default", flow).await;
    let id = start(&service, OPERATOR, "retried", json!({})).await;
    let run = service.wait_status("default", &id, &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let attempts = run["steps"][0]["attempts"].as_array().unwrap();
    let summary: Vec<(i64, &str)> =
        attempts.iter().map(|a| (a["attempt"].as_i64().unwrap(), a["status"].as_str().unwrap())).collect();
    assert_eq!(summary, [(1, "failed"), (2, "failed"), (3, "succeeded")], "{run}");
    let at = |a: &Value, key: &str| chrono::DateTime::parse_from_rfc3339(a[key].as_str().unwrap()).unwrap();
    let span = at(&attempts[2], "finished_at") - at(&attempts[0], "started_at");
    let running: chrono::Duration = attempts.iter().map(|a| at(a, "finished_at") - at(a, "started_at")).sum();
    assert!(span.num_milliseconds() >= 800, "two waits of 400 ms lie between the attempts: {span}");
    assert!(running < span / 2, "the attempts themselves are short ({running}) against the {span} they span");
    service.running.shutdown().await;
}
