//! Approvals: approving continues the run, rejecting skips, timeouts decide, a failed run withdraws.

use std::collections::BTreeMap;
use std::time::Duration;

use roost::engine::{Engine, Progress, report};
use serde_json::json;

use super::{Db, PATIENCE, engine, postgres, sqlite, start, statuses};

const REVIEW: &str = r#"
name: review
steps:
  - id: draft
    uses: echo/echo@1
    with: { text: hello }
  - id: review
    approval:
      message: "Publish '${{ steps.draft.output.text }}'?"
      preview: ${{ steps.draft.output }}
      approvers: [editor]
  - id: publish
    needs: [review]
    if: ${{ steps.review.output.approved }}
    uses: echo/echo@1
    with: { text: "${{ steps.draft.output.text }}", by: "${{ steps.review.output.by }}" }
  - id: notify
    needs: [review]
    uses: echo/echo@1
    with: { notified: true }
  - id: audit
    uses: echo/echo@1
    with: { audited: true }
outputs:
  by: ${{ steps.publish.output.by }}
"#;

/// Starts REVIEW and drives it to its approval.
async fn waiting_review(engine: &Engine) -> String {
    let run_id = start(engine, REVIEW, &[]).await;
    let progress = engine.drive(&run_id, PATIENCE).await.unwrap();
    assert_eq!(progress, Progress::Waiting { approvals: vec!["review".into()], until: None });
    run_id
}

async fn approving_continues_the_run(db: Db) {
    let first = engine(&db.store);
    let run_id = waiting_review(&first).await;
    let waiting = report(&db.store, &run_id).await.unwrap();
    assert_eq!(waiting.status, "waiting");
    assert_eq!(waiting.steps["review"].status, "waiting");
    assert_eq!(waiting.steps["publish"].status, "pending");
    assert_eq!(waiting.steps["audit"].status, "succeeded", "independent work is not held up");
    // Waiting is a row: nothing is leased or queued for the run.
    assert!(db.store.pending_jobs(&run_id).await.unwrap().is_empty());
    let rows = db.store.waiting_approvals("acme").await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.run_id.as_str(), row.step_id.as_str(), row.status.as_str()),
        (run_id.as_str(), "review", "waiting")
    );
    assert_eq!(row.message, "Publish 'hello'?");
    assert_eq!(row.preview, Some(json!({ "text": "hello" })));
    assert_eq!(row.approvers, ["editor"]);
    assert!(db.store.waiting_approvals("globex").await.unwrap().is_empty());
    drop(first);

    // Decided later, by another engine (another process in real life).
    let second = engine(&db.store);
    let before = chrono::Utc::now();
    second.decide(&run_id, "review", true, "ada", Some("ok".into())).await.unwrap();
    assert_eq!(second.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    let output = &done.steps["review"].output;
    assert_eq!(output["approved"], true);
    assert_eq!(output["by"], "ada");
    assert_eq!(output["comment"], "ok");
    let at = chrono::DateTime::parse_from_rfc3339(output["at"].as_str().unwrap()).unwrap();
    assert!(at.timestamp_millis() >= before.timestamp_millis() - 1000, "{at}");
    let keys: Vec<&str> = output.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["approved", "at", "by", "changes", "comment", "fields", "votes"], "{output}");
    assert_eq!((&output["fields"], &output["changes"], &output["votes"]), (&json!({}), &json!([]), &json!([])));
    assert_eq!(done.steps["publish"].output, json!({ "text": "hello", "by": "ada" }));
    assert_eq!(done.steps["notify"].status, "succeeded");
    assert_eq!(done.outputs, json!({ "by": "ada" }));
    assert!(db.store.waiting_approvals("").await.unwrap().is_empty());
    let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.decided_by.as_deref(), row.comment.as_deref()),
        ("approved", Some("ada"), Some("ok"))
    );
    // A decision is final.
    assert!(second.decide(&run_id, "review", false, "bob", None).await.is_err());
}

#[tokio::test]
async fn approving_continues_the_run_in_sqlite() {
    approving_continues_the_run(sqlite().await).await;
}

#[tokio::test]
async fn approving_continues_the_run_in_postgres() {
    approving_continues_the_run(postgres().await).await;
}

#[tokio::test]
async fn rejecting_skips_what_depends_on_it_and_the_run_ends_rejected() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let run_id = waiting_review(&engine).await;
    engine.decide(&run_id, "review", false, "bob", Some("not today".into())).await.unwrap();
    assert_eq!(engine.drive(&run_id, PATIENCE).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "rejected", "{done:?}");
    let output = &done.steps["review"].output;
    assert_eq!(
        (&output["approved"], &output["by"], &output["comment"]),
        (&json!(false), &json!("bob"), &json!("not today"))
    );
    assert_eq!(done.steps["review"].status, "rejected", "the decision reads as it was made");
    assert_eq!(done.steps["publish"].status, "skipped");
    assert_eq!(done.steps["notify"].status, "skipped", "a step that only `needs` the approval is skipped too");
    assert_eq!(done.steps["audit"].status, "succeeded");
    let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
    assert_eq!(row.status, "rejected");
    assert_eq!(db.store.get_run(&run_id).await.unwrap().status, "rejected");
}

#[tokio::test]
async fn an_approvals_timeout_decides_it_on_a_later_drive() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    for (on_timeout, run_status, review_status, row_status) in [
        ("approve", "succeeded", "succeeded", "approved"),
        ("reject", "rejected", "rejected", "rejected"),
        ("fail", "failed", "failed", "expired"),
    ] {
        let yaml = format!(
            "name: timed-review\nsteps:\n  - id: review\n    approval: {{ message: Go?, timeout: 1s, on_timeout: {on_timeout} }}\n  - id: publish\n    needs: [review]\n    uses: echo/echo@1\n    with: {{ published: true }}\n"
        );
        let run_id = start(&engine, &yaml, &[]).await;
        let Progress::Waiting { approvals, until: Some(_) } = engine.drive(&run_id, Duration::ZERO).await.unwrap()
        else {
            panic!("{on_timeout}: the run should wait for the approval and its deadline")
        };
        assert_eq!(approvals, ["review"]);
        assert_eq!(db.store.waiting_approvals("acme").await.unwrap().len(), 1, "{on_timeout}");
        assert_eq!(engine.drive(&run_id, Duration::from_secs(5)).await.unwrap(), Progress::Finished, "{on_timeout}");
        let done = report(&db.store, &run_id).await.unwrap();
        assert_eq!(done.status, run_status, "{on_timeout}: {done:?}");
        assert_eq!(done.steps["review"].status, review_status, "{on_timeout}");
        let publish = if on_timeout == "approve" { "succeeded" } else { "skipped" };
        assert_eq!(done.steps["publish"].status, publish, "{on_timeout}");
        if on_timeout != "fail" {
            assert_eq!(done.steps["review"].output["approved"], on_timeout == "approve");
        }
        let row = db.store.approval(&run_id, "review").await.unwrap().unwrap();
        assert_eq!(row.status, row_status, "{on_timeout}");
        assert!(db.store.waiting_approvals("acme").await.unwrap().is_empty(), "{on_timeout}");
    }
}

#[tokio::test]
async fn a_failed_run_withdraws_its_waiting_approval() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: fails-while-reviewed
steps:
  - id: review
    approval: { message: Go? }
  - id: boom
    uses: flaky/fail-times@1
    with: { times: 1, kind: fatal }
"#;
    let run_id = start(&engine, yaml, &[]).await;
    let progress = engine.drive(&run_id, PATIENCE).await.unwrap();
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "failed", "{done:?}");
    assert_eq!(statuses(&done), BTreeMap::from([("boom", "failed"), ("review", "cancelled")]));
    assert_eq!(progress, Progress::Finished, "a failed run does not wait");
    assert!(
        db.store.waiting_approvals("acme").await.unwrap().is_empty(),
        "`roost approvals list` still offers the approval of a failed run"
    );
}

/// A timeout that approves decides for everyone a quorum still waits for.
#[tokio::test]
async fn a_timeout_decides_a_quorum_that_is_not_complete() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: two\nsteps:\n  - id: review\n    approval: { message: Go?, quorum: 3, timeout: 1s, on_timeout: approve }\n";
    let run_id = start(&engine, yaml, &[]).await;
    assert!(matches!(engine.drive(&run_id, Duration::ZERO).await.unwrap(), Progress::Waiting { .. }));
    engine.decide(&run_id, "review", true, "ada", None).await.unwrap();
    let vote = db.store.approval(&run_id, "review").await.unwrap().unwrap();
    assert_eq!((vote.status.as_str(), vote.votes.len()), ("waiting", 1), "one of three");
    assert_eq!(engine.drive(&run_id, Duration::from_secs(5)).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.steps["review"].output["by"], "system:timeout");
    assert_eq!(done.steps["review"].output["votes"][0]["by"], "ada");
}
