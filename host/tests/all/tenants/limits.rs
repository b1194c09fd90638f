//! A workspace's variables and secrets are bounded in size and count, so no tenant makes
//! every run or step carry megabytes.

use reqwest::Method;
use roost::engine::SecretSource;
use roost::service::vault::{MAX_SECRET_BYTES, StoredSecrets};
use serde_json::{Value, json};

use crate::serve::{OPERATOR, Service};

/// The documented limits on a workspace's variables (docs/serve.md).
const MAX_VARIABLE_BYTES: usize = 64 * 1024;
const MAX_VARIABLES_TOTAL_BYTES: usize = 1024 * 1024;
const MAX_VARIABLES: usize = 200;

async fn put(service: &Service, token: &str, what: &str, name: &str, value: String) -> (u16, Value) {
    let path = format!("/api/v1/workspaces/acme/{what}/{name}");
    service.call(token, Method::PUT, &path, Some(json!({ "value": value }))).await
}

fn assert_refused((status, body): (u16, Value), words: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(words), "{message}");
}

#[tokio::test]
async fn variables_are_bounded_one_by_one_and_in_all() {
    let service = Service::start().await;
    let editor = service.workspace_token("acme", "editor").await;
    let big = "x".repeat(MAX_VARIABLE_BYTES + 1);
    assert_refused(put(&service, &editor, "variables", "BIG", big).await, "over the limit of 65536 bytes");
    let value = "y".repeat(MAX_VARIABLE_BYTES - 100);
    let fit = MAX_VARIABLES_TOTAL_BYTES / MAX_VARIABLE_BYTES;
    for i in 0..fit {
        let (status, body) = put(&service, &editor, "variables", &format!("V{i}"), value.clone()).await;
        assert_eq!(status, 204, "variable {i}: {body}");
    }
    let refused = put(&service, &editor, "variables", "ONE_MORE", value.clone()).await;
    assert_refused(refused, "over the limit of 1048576 bytes");
    let (status, body) = put(&service, &editor, "variables", "V0", "small".into()).await;
    assert_eq!(status, 204, "replacing a variable counts its new value only: {body}");
    let (_, list) = service.call(&editor, Method::GET, "/api/v1/workspaces/acme/variables", None).await;
    assert_eq!(list.as_array().unwrap().len(), fit, "{list}");
}

#[tokio::test]
async fn variables_are_bounded_in_count() {
    let service = Service::start().await;
    let editor = service.workspace_token("acme", "editor").await;
    for i in 0..MAX_VARIABLES {
        let (status, body) = put(&service, &editor, "variables", &format!("V{i}"), "v".into()).await;
        assert_eq!(status, 204, "variable {i}: {body}");
    }
    assert_refused(put(&service, &editor, "variables", "EXTRA", "v".into()).await, "200 variables");
}

#[tokio::test]
async fn a_long_secret_is_refused_and_a_long_stored_one_fails_the_step_clearly() {
    let service = Service::start().await;
    let editor = service.workspace_token("acme", "editor").await;
    let long = "s".repeat(MAX_SECRET_BYTES + 1);
    assert_refused(put(&service, &editor, "secrets", "LONG", long.clone()).await, "over the limit of 8192 bytes");
    let (status, body) = put(&service, &editor, "secrets", "FITS", "t".repeat(MAX_SECRET_BYTES)).await;
    assert_eq!(status, 204, "{body}");
    // A value stored before the limit existed, written straight to the database.
    let state = service.state();
    let sealed = state.vault.seal("acme", "OLD", &"o".repeat(2_000_000), vec![]).unwrap();
    state.store.put_secret("acme", &sealed).await.unwrap();
    let source = StoredSecrets { store: state.store.clone(), vault: state.vault.clone() };
    let error = source.secrets("acme").await.expect_err("an oversized stored value must not be used").to_string();
    assert!(error.contains("secret `OLD`") && error.contains("over the limit of 8192 bytes"), "{error}");
}

#[tokio::test]
async fn saving_a_workflow_again_keeps_one_plan_of_it() {
    let service = Service::start().await;
    service.workspace_token("acme", "editor").await;
    let source = |i: usize| {
        let padding = "#".repeat(100_000);
        format!("name: w\nsteps:\n  - id: s\n    uses: echo/echo@1\n    with:\n      v: {i}\n{padding}\n")
    };
    for i in 0..30 {
        service.put_workflow("acme", &source(i)).await;
    }
    let (plans, bytes) = service.state().plans.usage();
    assert_eq!((plans, bytes), (1, source(29).len()), "earlier revisions must be forgotten");

    let service = &service;
    let revisions = |query: &'static str| async move {
        let path = format!("/api/v1/workspaces/acme/workflows/w/revisions{query}");
        let (status, body) = service.call(OPERATOR, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(revisions("").await, (11..=30).rev().collect::<Vec<_>>(), "one page: the newest 20");
    assert_eq!(revisions("?before=11").await, (1..=10).rev().collect::<Vec<_>>(), "the next page");
}

#[tokio::test]
async fn sixty_schedules_that_fire_once_a_second_together_are_refused() {
    let service = Service::start().await;
    let editor = service.workspace_token("acme", "editor").await;
    let crons: String = (0..60).map(|n| format!("    - cron: \"{n} * * * * *\"\n")).collect();
    let source = format!(
        "name: tick\non:\n  schedule:\n{crons}steps:\n  - id: s\n    uses: echo/echo@1\n    with: {{ v: 1 }}\n"
    );
    let path = "/api/v1/workspaces/acme/workflows";
    let (status, body) = service.call(&editor, Method::POST, path, Some(json!({ "source": source }))).await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(text.contains("60 schedules together fire up to once every 1.00 s"), "{text}");
    assert!(text.contains("\"line\":4"), "the error is at the first schedule: {text}");
    let (_, workflows) = service.call(&editor, Method::GET, path, None).await;
    assert!(!workflows.to_string().contains("\"tick\""), "nothing stored: {workflows}");
}
