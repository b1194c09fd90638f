//! The crisis stop: while a workspace's publishing is stopped, its scheduled and immediate
//! posts reach the loopback Mastodon not at all, the calendar shows them held at their
//! slots, another workspace posts as usual, and resuming sends each held post once.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{OPERATOR, Service};
use crate::social::servers::mastodon::{self, Mastodon};

/// A post at `inputs.at`, and a batch of posts at once (a `for_each`).
fn workflows(instance: &str) -> [String; 2] {
    let scheduled = format!(
        "name: scheduled\ninputs:\n  at: {{ type: string }}\n  text: {{ type: string }}\nsteps:\n  - id: post\n    \
         wait_until: ${{{{ inputs.at }}}}\n    uses: mastodon/publish@0.1\n    \
         with: {{ instance: \"{instance}\", text: \"${{{{ inputs.text }}}}\" }}\n"
    );
    let batch = format!(
        "name: batch\ninputs:\n  texts: {{ type: array }}\nsteps:\n  - id: posts\n    for_each: ${{{{ inputs.texts }}}}\n    \
         uses: mastodon/publish@0.1\n    with: {{ instance: \"{instance}\", text: \"${{{{ item }}}}\" }}\n"
    );
    [scheduled, batch]
}

async fn setup(service: &Service, ws: &str, instance: &str) {
    let hosts = json!([instance]);
    let path = format!("/api/v1/workspaces/{ws}/secrets/MASTODON_TOKEN");
    let (status, body) =
        service.call(OPERATOR, Method::PUT, &path, Some(json!({ "value": mastodon::TOKEN, "hosts": hosts }))).await;
    assert!((200..300).contains(&status), "{status} {body}");
    for yaml in workflows(instance) {
        service.put_workflow(ws, &yaml).await;
    }
}

async fn start(service: &Service, ws: &str, workflow: &str, inputs: Value) -> String {
    let path = format!("/api/v1/workspaces/{ws}/workflows/{workflow}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, Some(json!({ "inputs": inputs }))).await;
    assert_eq!(status, 202, "{started}");
    started["run_id"].as_str().unwrap().to_string()
}

async fn publishing(service: &Service, token: &str) -> Value {
    let (status, body) = service.call(token, Method::GET, "/api/v1/workspaces/default/publishing", None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The texts of the statuses created, without their HTML paragraph.
fn texts(masto: &Mastodon) -> Vec<String> {
    let plain = |html: &str| html.trim_start_matches("<p>").trim_end_matches("</p>").to_string();
    let mut texts: Vec<String> = masto.posted().iter().filter_map(|s| s["content"].as_str().map(plain)).collect();
    texts.sort();
    texts
}

#[tokio::test]
async fn a_stopped_workspace_posts_nothing_until_it_resumes_and_then_each_post_once_on_sqlite() {
    stop_and_resume(Service::start().await).await;
}

#[tokio::test]
async fn a_stopped_workspace_posts_nothing_until_it_resumes_and_then_each_post_once_on_postgres() {
    let store = roost::store::Store::connect(&crate::support::pg_url().await).await.unwrap();
    stop_and_resume(Service::start_with(store, tempfile::tempdir().unwrap(), None).await).await;
}

async fn stop_and_resume(service: Service) {
    let (masto, addr) = Mastodon::start().await;
    let instance = Mastodon::instance(addr);
    let viewer = service.workspace_token("default", "viewer").await;
    let editor = service.workspace_token("default", "editor").await;
    let other = service.workspace_token("other", "editor").await;
    setup(&service, "default", &instance).await;
    setup(&service, "other", &instance).await;
    let stop = "/api/v1/workspaces/default/publishing/stop";

    // Who may throw the switch, and what a reason may hold.
    assert_eq!(service.call(&viewer, Method::POST, stop, Some(json!({ "reason": "no" }))).await.0, 403);
    let (status, _) = service.call(&other, Method::POST, stop, Some(json!({}))).await;
    assert_eq!(status, 404, "another workspace's editor does not see this one");
    let (status, body) =
        service.call(&editor, Method::POST, stop, Some(json!({ "reason": "recall\u{202e}txet" }))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("reason: character 7"), "{body}");
    let (status, body) = service.call(&editor, Method::POST, stop, Some(json!({ "reason": "x".repeat(501) }))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(publishing(&service, &viewer).await["held"], false, "a refused stop stops nothing");

    let (status, body) =
        service.call(&editor, Method::POST, stop, Some(json!({ "reason": "Product recall: wait for PR" }))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["held"].as_bool(), body["reason"].as_str()), (Some(true), Some("Product recall: wait for PR")));
    let by = body["by"].as_str().unwrap_or_default();
    assert!(
        by.starts_with("editor:") && by.len() > "editor:".len(),
        "named by role and token id, not its name: {body}"
    );
    let (_, again) = service.call(OPERATOR, Method::POST, stop, Some(json!({ "reason": "second" }))).await;
    assert_eq!(again["reason"], "Product recall: wait for PR", "a second stop keeps the first: {again}");

    // A post due in a second, a batch due now, and the other workspace's post.
    let slot = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let at = slot.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let scheduled = start(&service, "default", "scheduled", json!({ "at": at, "text": "Big launch!" })).await;
    let batch = start(&service, "default", "batch", json!({ "texts": ["one", "two", "three"] })).await;
    let cancelled = start(&service, "default", "batch", json!({ "texts": ["never"] })).await;
    let elsewhere = start(&service, "other", "batch", json!({ "texts": ["other workspace"] })).await;
    let done = service.wait_status("other", &elsewhere, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "the other workspace publishes as usual: {done}");

    let mut view = Value::Null;
    for _ in 0..100 {
        view = publishing(&service, &viewer).await;
        if view["held_publishes"].as_array().unwrap().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = view["held_publishes"].as_array().unwrap();
    // A `for_each` starts one item at a time: the first item of each batch waits, the
    // others wait behind it.
    assert_eq!(held.len(), 3, "the scheduled post and the first item of each batch are held: {view}");
    let first = held.iter().find(|h| h["run_id"] == scheduled.as_str()).expect("the scheduled post is held");
    let held_slot = chrono::DateTime::parse_from_rfc3339(first["slot"].as_str().unwrap()).unwrap();
    assert!((held_slot.timestamp_millis() - slot.timestamp_millis()).abs() < 5, "it keeps its slot: {first}");
    assert_eq!(first["item"], Value::Null);
    let items: Vec<&Value> = held.iter().filter(|h| h["run_id"] == batch.as_str()).map(|h| &h["item"]).collect();
    assert_eq!(items, [&json!(0)]);
    assert_eq!(texts(&masto), ["other workspace"], "nothing of the stopped workspace was posted");

    // The calendar shows the scheduled post held at its slot, the run waits.
    let (_, calendar) = service.call(&viewer, Method::GET, "/api/v1/workspaces/default/calendar", None).await;
    let entry = calendar.as_array().unwrap().iter().find(|e| e["run_id"] == scheduled.as_str()).cloned();
    let entry = entry.unwrap_or_else(|| panic!("the held post is on the calendar: {calendar}"));
    assert_eq!(entry["held"], true, "{entry}");
    let listed = chrono::DateTime::parse_from_rfc3339(entry["at"].as_str().unwrap()).unwrap();
    assert_eq!(listed.timestamp_millis(), held_slot.timestamp_millis());
    let (_, run) =
        service.call(&viewer, Method::GET, &format!("/api/v1/workspaces/default/runs/{scheduled}"), None).await;
    assert_eq!(run["status"], "waiting", "{run}");

    // The team cancels one run, then resumes: each held post goes out once.
    let cancel = format!("/api/v1/workspaces/default/runs/{cancelled}/cancel");
    assert_eq!(service.call(&editor, Method::POST, &cancel, None).await.0, 200);
    let resume = "/api/v1/workspaces/default/publishing/resume";
    assert_eq!(service.call(&viewer, Method::POST, resume, None).await.0, 403);
    let (status, body) = service.call(&editor, Method::POST, resume, None).await;
    assert_eq!((status, body["released"].as_u64()), (200, Some(2)), "{body}");
    let (status, body) = service.call(&editor, Method::POST, resume, None).await;
    assert_eq!(status, 409, "resuming twice: {body}");
    for run in [&scheduled, &batch] {
        let done = service.wait_status("default", run, &["succeeded", "failed"]).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }
    assert_eq!(texts(&masto), ["Big launch!", "one", "other workspace", "three", "two"], "each post once");
    assert_eq!(publishing(&service, &viewer).await["held_publishes"], json!([]));

    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| a.starts_with("publishing.")).count(), 2, "{actions:?}");
    assert!(actions.contains(&"publishing.stop") && actions.contains(&"publishing.resume"), "{actions:?}");
    service.running.shutdown().await;
}
