//! The calendar of scheduled publishes: runs waiting on `wait_until` or `wait` before a step
//! with side effects, listed with previews, moved to another time, cancelled.

use std::time::Duration;

use reqwest::Method;
use roost::runtime::{Plugin, Runtime};
use serde_json::{Value, json};

use super::{OPERATOR, Service, Setup};
use crate::support;

/// The echo component as `poster`, whose action `echo` is declared to have side effects
/// and to publish: a stand-in for a publishing plugin that needs no network.
fn load_poster(runtime: &Runtime) -> Plugin {
    let base = std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap();
    let line = "description = \"Returns its input unchanged\"";
    assert!(base.contains(line), "echo/plugin.toml no longer has the line {line}");
    let manifest = base.replacen("id = \"echo\"", "id = \"poster\"", 1).replacen(
        line,
        &format!("{line}\nside_effects = true\npublishes = true"),
        1,
    );
    let wasm = std::fs::read(support::wasm_dir().join("echo.wasm")).unwrap();
    runtime.load("poster/plugin.toml", &manifest, &wasm).unwrap()
}

/// A service like [`Service::start`] whose plugins also include `poster`.
pub async fn service_with_poster() -> Service {
    Service::launch(Setup::default(), |runtime| vec![load_poster(runtime)]).await
}

/// A draft, then a post held until `at`.
pub const SCHEDULED: &str = r#"name: scheduled-post
inputs:
  text: { type: string }
  at: { type: string }
steps:
  - id: draft
    uses: echo/echo@1
    with: { text: "${{ inputs.text }}" }
  - id: publish
    wait_until: ${{ inputs.at }}
    uses: poster/echo@1
    with: { text: "${{ steps.draft.output.text }}" }
"#;

/// A post whose run suggested best times: a slot is a step output `{slots: [{at, score}]}`.
pub const SUGGESTED: &str = r#"name: suggested-post
inputs:
  text: { type: string }
  slots: { type: array }
steps:
  - id: slot
    uses: echo/echo@1
    with: { slots: "${{ inputs.slots }}" }
  - id: publish
    wait_until: ${{ steps.slot.output.slots[0].at }}
    uses: poster/echo@1
    with: { text: "${{ inputs.text }}" }
"#;

/// A pause, then a post whose text needs the pause's output (so it is previewed as written).
const PAUSED: &str = r#"name: paused-post
steps:
  - id: pause
    wait: 1h
  - id: post
    uses: poster/echo@1
    with: { text: "Posted at ${{ steps.pause.output.waited_until }}" }
"#;

/// A timer before a step without side effects: not a publish.
const QUIET: &str = r#"name: quiet
steps:
  - id: pause
    wait: 1h
  - id: note
    needs: [pause]
    uses: echo/echo@1
    with: { text: "nothing leaves Roost" }
"#;

pub fn in_minutes(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Starts `workflow` in `default` with `inputs` and waits until it waits.
pub async fn start_waiting(service: &Service, workflow: &str, inputs: Value) -> String {
    let path = format!("/api/v1/workspaces/default/workflows/{workflow}/runs");
    let (status, started) = service.call(OPERATOR, Method::POST, &path, Some(json!({ "inputs": inputs }))).await;
    assert_eq!(status, 202, "{started}");
    let run = started["run_id"].as_str().unwrap().to_string();
    service.wait_status("default", &run, &["waiting"]).await;
    run
}

async fn calendar(service: &Service, token: &str, query: &str) -> (u16, Value) {
    service.call(token, Method::GET, &format!("/api/v1/workspaces/default/calendar{query}"), None).await
}

#[tokio::test]
async fn scheduled_publishes_are_listed_with_what_they_will_post() {
    let service = service_with_poster().await;
    for workflow in [SCHEDULED, PAUSED, QUIET] {
        service.put_workflow("default", workflow).await;
    }
    let at = in_minutes(90);
    let scheduled = start_waiting(&service, "scheduled-post", json!({ "text": "Launch day!", "at": at })).await;
    let paused = start_waiting(&service, "paused-post", json!({})).await;
    start_waiting(&service, "quiet", json!({})).await;

    let viewer = service.workspace_token("default", "viewer").await;
    let (status, list) = calendar(&service, &viewer, "").await;
    assert_eq!(status, 200, "{list}");
    let entries = list.as_array().unwrap();
    assert_eq!(entries.len(), 2, "the quiet workflow posts nothing: {list}");
    // The one-hour pause comes first, then the post at `at`.
    assert_eq!((entries[0]["run_id"].as_str(), entries[0]["step"].as_str()), (Some(paused.as_str()), Some("pause")));
    assert_eq!(entries[0]["kind"], "wait");
    assert_eq!(entries[0]["publish_steps"][0]["id"], "post");
    assert_eq!(
        entries[0]["publish_steps"][0]["preview"],
        json!({ "text": "Posted at ${{ steps.pause.output.waited_until }}" }),
        "a text needing the pause's output is shown as written"
    );
    let entry = &entries[1];
    assert_eq!(
        (entry["run_id"].as_str(), entry["workflow"].as_str()),
        (Some(scheduled.as_str()), Some("scheduled-post"))
    );
    assert_eq!((entry["step"].as_str(), entry["kind"].as_str()), (Some("publish"), Some("wait_until")));
    let listed_at = chrono::DateTime::parse_from_rfc3339(entry["at"].as_str().unwrap()).unwrap();
    assert_eq!(listed_at, chrono::DateTime::parse_from_rfc3339(&at).unwrap());
    assert_eq!(
        entry["publish_steps"],
        json!([{ "id": "publish", "plugin": "poster", "action": "echo", "version": "1.0.0", "preview": { "text": "Launch day!" } }])
    );

    let (_, soon) = calendar(&service, &viewer, &format!("?to={}", in_minutes(70))).await;
    assert_eq!(soon.as_array().unwrap().len(), 1, "only the pause ends within 70 minutes: {soon}");
    let (_, later) = calendar(&service, &viewer, &format!("?from={}", in_minutes(70))).await;
    assert_eq!(later[0]["run_id"].as_str(), Some(scheduled.as_str()));
    let (status, body) = calendar(&service, &viewer, "?from=tomorrow").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with("from: `tomorrow` is not an RFC 3339 time"),
        "{body}"
    );
    let stranger = service.workspace_token("elsewhere", "owner").await;
    assert_eq!(calendar(&service, &stranger, "").await.0, 404);
    service.running.shutdown().await;
}

#[tokio::test]
async fn moving_a_publish_changes_when_it_posts() {
    let service = service_with_poster().await;
    service.put_workflow("default", SCHEDULED).await;
    let run = start_waiting(&service, "scheduled-post", json!({ "text": "Moved up", "at": in_minutes(60) })).await;
    let path = format!("/api/v1/workspaces/default/calendar/{run}/publish/move");
    let viewer = service.workspace_token("default", "viewer").await;
    let (status, _) = service.call(&viewer, Method::POST, &path, Some(json!({ "at": in_minutes(5) }))).await;
    assert_eq!(status, 403, "viewers cannot move publishes");
    let editor = service.workspace_token("default", "editor").await;
    let (status, body) = service.call(&editor, Method::POST, &path, Some(json!({ "at": in_minutes(-5) }))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("is in the past"), "{body}");
    let draft = format!("/api/v1/workspaces/default/calendar/{run}/draft/move");
    let (status, body) = service.call(&editor, Method::POST, &draft, Some(json!({ "at": in_minutes(5) }))).await;
    assert_eq!(status, 404, "the draft step does not wait: {body}");

    let new_at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let at_text = new_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, moved) = service.call(&editor, Method::POST, &path, Some(json!({ "at": at_text }))).await;
    assert_eq!(status, 200, "{moved}");
    let (_, list) = calendar(&service, &editor, "").await;
    let listed = chrono::DateTime::parse_from_rfc3339(list[0]["at"].as_str().unwrap()).unwrap();
    assert_eq!(listed.timestamp_millis(), new_at.timestamp_millis(), "{list}");
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    let entry = audit.as_array().unwrap().iter().find(|a| a["action"] == "calendar.move").expect("the move is audited");
    assert_eq!(
        (entry["actor"]["role"].as_str(), entry["actor"]["name"].as_str(), entry["target"].as_str()),
        (Some("editor"), Some("default-editor"), Some(&*format!("{run}/publish")))
    );

    let done = service.wait_status("default", &run, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let publish = done["steps"].as_array().unwrap().iter().find(|s| s["id"] == "publish").unwrap();
    assert_eq!(publish["output"], json!({ "text": "Moved up" }));
    let finished = chrono::DateTime::parse_from_rfc3339(publish["finished_at"].as_str().unwrap()).unwrap();
    assert!(finished.timestamp_millis() >= new_at.timestamp_millis(), "posted before its new time");
    let (status, _) = service.call(&editor, Method::POST, &path, Some(json!({ "at": in_minutes(5) }))).await;
    assert_eq!(status, 404, "a publish that happened cannot be moved");
    assert!(calendar(&service, &editor, "").await.1.as_array().unwrap().is_empty());
    service.running.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_publish_cancels_its_run() {
    let service = service_with_poster().await;
    service.put_workflow("default", SCHEDULED).await;
    let run = start_waiting(&service, "scheduled-post", json!({ "text": "Never", "at": in_minutes(30) })).await;
    let path = format!("/api/v1/workspaces/default/calendar/{run}/cancel");
    let approver = service.workspace_token("default", "approver").await;
    assert_eq!(service.call(&approver, Method::POST, &path, None).await.0, 403);
    let editor = service.workspace_token("default", "editor").await;
    let (status, body) = service.call(&editor, Method::POST, &path, None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")), "{body}");
    let run_now = service.wait_status("default", &run, &["cancelled"]).await;
    let publish = run_now["steps"].as_array().unwrap().iter().find(|s| s["id"] == "publish").unwrap();
    assert_eq!(publish["status"], "cancelled");
    assert!(calendar(&service, &editor, "").await.1.as_array().unwrap().is_empty());
    let (_, audit) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/audit", None).await;
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "run.cancel" && a["target"] == run.as_str()));
    assert_eq!(service.call(&editor, Method::POST, &path, None).await.0, 409, "an ended run cannot be cancelled again");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(service.wait_status("default", &run, &["cancelled"]).await["status"], "cancelled");
    service.running.shutdown().await;
}

#[tokio::test]
async fn best_slots_are_the_best_scored_times_ahead_and_a_move_is_bounded() {
    let service = service_with_poster().await;
    service.put_workflow("default", SUGGESTED).await;
    // The post's own slot, a past one, a malformed one, and 20 more with rising scores.
    let mut slots = vec![json!({ "at": in_minutes(60), "score": 0.5 }), json!({ "at": in_minutes(-60), "score": 9.0 })];
    slots.push(json!({ "at": "next Tuesday", "score": 9.0 }));
    slots.extend((1..=20).map(|i| json!({ "at": in_minutes(60 + i * 60), "score": f64::from(i as u32) / 10.0 })));
    let run = start_waiting(&service, "suggested-post", json!({ "text": "Hi", "slots": slots })).await;
    let (status, list) = calendar(&service, OPERATOR, "").await;
    assert_eq!(status, 200, "{list}");
    let best = list[0]["best_slots"].as_array().unwrap();
    let scores: Vec<f64> = best.iter().map(|s| s["score"].as_f64().unwrap()).collect();
    assert_eq!(scores, (9..=20).map(|i| f64::from(i) / 10.0).collect::<Vec<_>>(), "the 12 best ahead, in time order");

    let far = (chrono::Utc::now() + chrono::Duration::days(6 * 366)).to_rfc3339();
    let path = format!("/api/v1/workspaces/default/calendar/{run}/publish/move");
    let (status, body) = service.call(OPERATOR, Method::POST, &path, Some(json!({ "at": far }))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("more than 5 years ahead"), "{body}");
}
