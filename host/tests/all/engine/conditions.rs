//! `if` and `continue_on_error`: skipped steps and dependants that see a failure.

use std::collections::BTreeMap;

use serde_json::json;

use super::{attempts, engine, finish, sqlite, statuses};

const CONDITIONS: &str = r#"
name: conditions
inputs:
  go: { type: boolean }
steps:
  - id: maybe
    if: ${{ inputs.go }}
    uses: echo/echo@1
    with: { ran: true }
  - id: after_maybe
    uses: echo/echo@1
    with: { saw: "${{ steps.maybe.output }}" }
  - id: always
    uses: echo/echo@1
    with: { ok: true }
"#;

#[tokio::test]
async fn a_false_if_skips_the_step_and_its_dependents() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, CONDITIONS, &[("go", "false")]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        statuses(&done),
        BTreeMap::from([("maybe", "skipped"), ("after_maybe", "skipped"), ("always", "succeeded")])
    );
    assert!(attempts(&db.url, &done.run_id, "maybe").await.is_empty());
    assert!(attempts(&db.url, &done.run_id, "after_maybe").await.is_empty());

    let done = finish(&engine, CONDITIONS, &[("go", "true")]).await;
    assert_eq!(done.status, "succeeded");
    assert!(done.steps.values().all(|s| s.status == "succeeded"), "{done:?}");
    assert_eq!(done.steps["after_maybe"].output, json!({ "saw": { "ran": true } }));
}

#[tokio::test]
async fn continue_on_error_lets_dependants_see_the_failure() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = r#"
name: tolerant
steps:
  - id: shaky
    uses: flaky/fail-times@1
    with: { times: 1, kind: fatal }
    continue_on_error: true
  - id: fallback
    if: ${{ steps.shaky.status == 'failed' }}
    uses: echo/echo@1
    with: { status: "${{ steps.shaky.status }}" }
  - id: happy_path
    if: ${{ steps.shaky.status == 'succeeded' }}
    uses: echo/echo@1
    with: { ok: true }
"#;
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        statuses(&done),
        BTreeMap::from([("shaky", "failed"), ("fallback", "succeeded"), ("happy_path", "skipped")])
    );
    assert_eq!(done.steps["fallback"].output, json!({ "status": "failed" }));
}
