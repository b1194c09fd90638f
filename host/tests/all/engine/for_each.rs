//! `for_each`: item order, `item` and `index`, concurrency, failed items, and retries per item.

use serde_json::json;

use super::{attempts, engine, finish, interval, items, max_overlap, sqlite};

const FAN_OUT: &str = r#"
name: fan-out
steps:
  - id: people
    uses: echo/echo@1
    with: { list: [{ name: ada }, { name: bob }, { name: cy }] }
  - id: greet
    uses: echo/echo@1
    for_each: ${{ steps.people.output.list }}
    with: { line: "${{ index }}: ${{ item.name }}", item: "${{ item }}", index: "${{ index }}" }
  - id: naps
    uses: flaky/slow@1
    for_each: [500, 250, 400, 200, 300, 450, 250]
    concurrency: 3
    with: { ms: "${{ item }}" }
outputs:
  lines: ${{ steps.greet.output }}
"#;

#[tokio::test]
async fn for_each_keeps_item_order_scopes_item_and_index_and_honours_concurrency() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, FAN_OUT, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(
        done.steps["greet"].output,
        json!([
            { "line": "0: ada", "item": { "name": "ada" }, "index": 0 },
            { "line": "1: bob", "item": { "name": "bob" }, "index": 1 },
            { "line": "2: cy", "item": { "name": "cy" }, "index": 2 },
        ])
    );
    let naps = done.steps["naps"].output.as_array().unwrap().clone();
    let slept: Vec<u64> = naps.iter().map(|o| o["ms"].as_u64().unwrap()).collect();
    assert_eq!(slept, [500, 250, 400, 200, 300, 450, 250], "outputs are in item order, not finishing order");
    let intervals: Vec<(u64, u64)> = naps.iter().map(interval).collect();
    assert_eq!(
        max_overlap(&intervals),
        3,
        "concurrency 3: at most 3 items at once, and 3 did run together: {intervals:?}"
    );
    let recorded = items(&db.url, &done.run_id, "naps").await;
    assert_eq!(recorded.len(), 7);
    assert!(recorded.iter().all(|(_, s)| s == "succeeded"), "{recorded:?}");
    assert_eq!(attempts(&db.url, &done.run_id, "naps").await.len(), 7, "one attempt per item");
}

/// A `for_each` whose middle item fails (fatally, once), and a step reading its result.
fn item_fails(tolerate: bool) -> String {
    format!(
        r#"
name: item-fails
steps:
  - id: tries
    uses: flaky/fail-times@1
    for_each: [0, 1, 0]
    continue_on_error: {tolerate}
    with: {{ times: "${{{{ item }}}}", kind: fatal }}
  - id: after
    uses: echo/echo@1
    with: {{ saw: "${{{{ steps.tries.output }}}}", status: "${{{{ steps.tries.status }}}}" }}
"#
    )
}

#[tokio::test]
async fn a_failed_item_fails_the_step_and_the_run() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, &item_fails(false), &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["tries"].status, "failed");
    let error = done.steps["tries"].error.as_deref().unwrap();
    assert!(error.contains("1 of 3 items failed; item 1") && error.contains("fails on purpose"), "{error}");
    assert_eq!(done.steps["after"].status, "skipped");
    let recorded = items(&db.url, &done.run_id, "tries").await;
    assert_eq!(recorded[1], (1, "failed".to_string()));
    assert!(done.error.as_deref().unwrap().contains("step `tries` failed"), "{:?}", done.error);
}

#[tokio::test]
async fn with_continue_on_error_a_failed_item_leaves_null_in_its_slot() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let done = finish(&engine, &item_fails(true), &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.steps["tries"].status, "succeeded");
    let run = &done.run_id;
    let ok = |idx: usize| json!({ "attempts": 1, "attempt": 1, "key": format!("{run}/tries/{idx}") });
    let expected = json!([ok(0), null, ok(2)]);
    assert_eq!(done.steps["tries"].output, expected);
    assert_eq!(done.steps["after"].status, "succeeded");
    assert_eq!(done.steps["after"].output, json!({ "saw": expected, "status": "succeeded" }));
}

#[tokio::test]
async fn for_each_items_are_retried_each_under_its_own_key() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: item-retries\nsteps:\n  - id: tries\n    uses: flaky/fail-times@1\n    for_each: [a, b]\n    concurrency: 2\n    with: { times: 1, kind: retryable }\n    retry: { max_attempts: 2, initial_delay: 50ms }\n";
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let run = &done.run_id;
    let ok = |idx: usize| json!({ "attempts": 2, "attempt": 2, "key": format!("{run}/tries/{idx}") });
    assert_eq!(done.steps["tries"].output, json!([ok(0), ok(1)]));
    let tries: Vec<(i64, i64, String)> =
        attempts(&db.url, run, "tries").await.into_iter().map(|a| (a.idx, a.attempt, a.status)).collect();
    let row = |idx, attempt, status: &str| (idx, attempt, status.to_string());
    assert_eq!(tries, [row(0, 1, "failed"), row(0, 2, "succeeded"), row(1, 1, "failed"), row(1, 2, "succeeded")]);
}
