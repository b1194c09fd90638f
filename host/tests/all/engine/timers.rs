//! Durable timers: `wait`, `wait_until` (also before a fan-out or an approval), and their cancellation.

use std::collections::BTreeMap;
use std::time::Duration;

use roost::engine::{Progress, report};
use roost::store::now_ms;
use serde_json::json;

use super::{attempts, engine, finish, sqlite, start, statuses};

async fn sleep_past(at: i64) {
    let left = at - now_ms();
    if left > -50 {
        tokio::time::sleep(Duration::from_millis((left + 50) as u64)).await;
    }
}

#[tokio::test]
async fn a_wait_step_is_a_durable_timer() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: pause\nsteps:\n  - id: pause\n    wait: 1s\n  - id: after\n    needs: [pause]\n    uses: echo/echo@1\n    with: { after: true }\n";
    let before = now_ms();
    let run_id = start(&engine, yaml, &[]).await;
    let Progress::Waiting { approvals, until: Some(until) } = engine.drive(&run_id, Duration::ZERO).await.unwrap()
    else {
        panic!("the run should wait for its timer")
    };
    assert!(approvals.is_empty());
    assert!(until >= before + 1000 && until <= now_ms() + 1000, "until {until}, started {before}");
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!(waiting.status, "waiting");
    assert_eq!(statuses(&waiting), BTreeMap::from([("pause", "waiting"), ("after", "pending")]));
    let jobs = db.store.pending_jobs(&run_id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].step_id.as_str(), jobs[0].available_at), ("pause", until));
    drop(engine);

    sleep_past(until).await;
    let engine = self::engine(&db.store);
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    assert_eq!(statuses(&done), BTreeMap::from([("pause", "succeeded"), ("after", "succeeded")]));
    assert!(attempts(&db.url, &run_id, "after").await[0].started_at >= until);
}

const AT: &str = r#"
name: at
inputs:
  at: { type: string }
steps:
  - id: publish
    wait_until: ${{ inputs.at }}
    uses: echo/echo@1
    with: { published: true }
"#;

#[tokio::test]
async fn wait_until_holds_a_step_until_its_time() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, AT, &[("at", &at_text)]).await;
    assert_eq!(
        engine.drive(&run_id, Duration::ZERO).await.unwrap(),
        Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) }
    );
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!((waiting.status.as_str(), waiting.steps["publish"].status.as_str()), ("waiting", "waiting"));
    assert!(attempts(&db.url, &run_id, "publish").await.is_empty());

    sleep_past(at.timestamp_millis()).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!((done.status.as_str(), &done.steps["publish"].output), ("succeeded", &json!({ "published": true })));
    assert!(attempts(&db.url, &run_id, "publish").await[0].started_at >= at.timestamp_millis());

    // A time already past does not wait.
    let done = finish(&engine, AT, &[("at", "2020-01-01T00:00:00Z")]).await;
    assert_eq!(done.status, "succeeded");
}

#[tokio::test]
async fn wait_until_holds_a_for_each_step_before_its_fan_out() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: later-fan-out
inputs:
  at: { type: string }
steps:
  - id: each
    wait_until: ${{ inputs.at }}
    uses: echo/echo@1
    for_each: [1, 2]
    with: { n: "${{ item }}" }
"#;
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, yaml, &[("at", &at_text)]).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    let ran = attempts(&db.url, &run_id, "each").await;
    assert!(ran.iter().all(|a| a.started_at >= at.timestamp_millis()), "items ran before `wait_until`: {ran:?}");
    assert_eq!(progress, Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) });
    sleep_past(at.timestamp_millis()).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.steps["each"].output, json!([{ "n": 1 }, { "n": 2 }]));
}

#[tokio::test]
async fn wait_until_holds_an_approval_before_it_is_requested() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: later-review
inputs:
  at: { type: string }
steps:
  - id: review
    wait_until: ${{ inputs.at }}
    approval: { message: Go? }
"#;
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let run_id = start(&engine, yaml, &[("at", &at_text)]).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    assert!(db.store.waiting_approvals("acme").await.unwrap().is_empty(), "the approval was requested before its time");
    assert_eq!(progress, Progress::Waiting { approvals: vec![], until: Some(at.timestamp_millis()) });
    sleep_past(at.timestamp_millis()).await;
    let progress = engine.drive(&run_id, Duration::ZERO).await.unwrap();
    assert_eq!(progress, Progress::Waiting { approvals: vec!["review".into()], until: None });
}

#[tokio::test]
async fn a_failure_cancels_a_waiting_timer() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: fails-while-waiting\nsteps:\n  - id: pause\n    wait: 1h\n  - id: boom\n    uses: flaky/fail-times@1\n    with: { times: 1, kind: fatal }\n";
    let run_id = start(&engine, yaml, &[]).await;
    assert_eq!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "failed");
    assert_eq!(statuses(&done), BTreeMap::from([("boom", "failed"), ("pause", "cancelled")]));
    assert!(db.store.pending_jobs(&run_id).await.unwrap().is_empty());
}
