//! Retries: backoff under one idempotency key, `max_attempts`, errors never retried, retry-after, timeouts.

use std::time::Duration;

use roost::engine::{Progress, report};
use roost::store::now_ms;
use serde_json::json;

use super::{attempts, engine, finish, sqlite, start};

fn flaky_step(with: &str, extra: &str) -> String {
    format!("name: retries\nsteps:\n  - id: flaky\n    uses: flaky/fail-times@1\n    with: {with}\n{extra}")
}

#[tokio::test]
async fn retryable_errors_are_retried_with_backoff_and_the_same_idempotency_key() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = flaky_step(
        "{ times: 2, kind: retryable }",
        "    retry: { max_attempts: 3, backoff: exponential, initial_delay: 100ms }\n",
    );
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let key = format!("{}/flaky", done.run_id);
    // The kv counter is keyed by the idempotency key: 3 means every attempt had the same key.
    assert_eq!(done.steps["flaky"].output, json!({ "attempts": 3, "attempt": 3, "key": key }));
    let tries = attempts(&db.url, &done.run_id, "flaky").await;
    let summary: Vec<(i64, &str, Option<&str>)> =
        tries.iter().map(|a| (a.attempt, a.status.as_str(), a.error_kind.as_deref())).collect();
    assert_eq!(summary, [(1, "failed", Some("retryable")), (2, "failed", Some("retryable")), (3, "succeeded", None)]);
    assert!(tries.iter().all(|a| a.idx == -1));
    // Exponential backoff: 100 ms after the first failure, 200 ms after the second.
    assert!(tries[1].started_at - tries[0].finished_at >= 100, "{tries:?}");
    assert!(tries[2].started_at - tries[1].finished_at >= 200, "{tries:?}");
    let record = db.store.get_run(&done.run_id).await.unwrap();
    assert_eq!(record.steps[0].attempt, 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = flaky_step("{ times: 5, kind: retryable }", "    retry: { max_attempts: 3, initial_delay: 10ms }\n");
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["flaky"].status, "failed");
    let error = done.steps["flaky"].error.as_deref().unwrap();
    assert!(error.contains("attempt 3 of 5 fails on purpose"), "{error}");
    let tries = attempts(&db.url, &done.run_id, "flaky").await;
    assert_eq!(tries.len(), 3, "{tries:?}");
    assert!(tries.iter().all(|a| a.status == "failed" && a.error_kind.as_deref() == Some("retryable")));
}

#[tokio::test]
async fn invalid_input_and_fatal_errors_are_never_retried() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    for (kind, recorded) in [("invalid", "invalid-input"), ("fatal", "fatal")] {
        let yaml = flaky_step(
            &format!("{{ times: 1, kind: {kind} }}"),
            "    retry: { max_attempts: 5, initial_delay: 10ms }\n",
        );
        let done = finish(&engine, &yaml, &[]).await;
        assert_eq!((done.status.as_str(), done.steps["flaky"].status.as_str()), ("failed", "failed"), "{kind}");
        let tries = attempts(&db.url, &done.run_id, "flaky").await;
        assert_eq!(tries.len(), 1, "{kind}: {tries:?}");
        assert_eq!(tries[0].error_kind.as_deref(), Some(recorded));
        let record = db.store.get_run(&done.run_id).await.unwrap();
        assert_eq!(record.steps[0].error_kind.as_deref(), Some(recorded));
    }
}

#[tokio::test]
async fn a_plugins_retry_after_wins_over_the_backoff() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let retry = "    retry: { max_attempts: 3, initial_delay: 30s, max_delay: 1m }\n";
    // The plugin asks for 200 ms; the backoff alone would wait 30 s.
    let yaml = flaky_step("{ times: 2, kind: retryable, retry_after_ms: 200 }", retry);
    let run_id = start(&engine, &yaml, &[]).await;
    assert_eq!(engine.drive(&run_id, Duration::from_secs(5)).await.unwrap(), Progress::Finished);
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded");
    let tries = attempts(&db.url, &run_id, "flaky").await;
    assert_eq!(tries.len(), 3);
    for pair in tries.windows(2) {
        let gap = pair[1].started_at - pair[0].finished_at;
        assert!((200..30_000).contains(&gap), "gap {gap} ms: {tries:?}");
    }

    // Without a retry-after the backoff holds: the next attempt is 30 s away.
    let yaml = flaky_step("{ times: 2, kind: retryable }", retry);
    let run_id = start(&engine, &yaml, &[]).await;
    let before = now_ms();
    let Progress::Waiting { approvals, until: Some(until) } =
        engine.drive(&run_id, Duration::from_secs(5)).await.unwrap()
    else {
        panic!("the run should wait for its retry")
    };
    assert!(approvals.is_empty());
    assert!(until >= before + 29_000, "the retry is due in {} ms", until - before);
    assert_eq!(attempts(&db.url, &run_id, "flaky").await.len(), 1);
    let jobs = db.store.pending_jobs(&run_id).await.unwrap();
    assert_eq!((jobs.len(), jobs[0].attempt, jobs[0].available_at), (1, 2, until));
}

#[tokio::test]
async fn timeouts_are_retried() {
    let db = sqlite().await;
    let engine = engine(&db.store);
    let yaml = "name: too-slow\nsteps:\n  - id: nap\n    uses: flaky/slow@1\n    with: { ms: 2000 }\n    timeout: 200ms\n    retry: { max_attempts: 2, initial_delay: 50ms }\n";
    let done = finish(&engine, yaml, &[]).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.steps["nap"].status, "failed");
    let tries = attempts(&db.url, &done.run_id, "nap").await;
    let kinds: Vec<_> = tries.iter().map(|a| (a.attempt, a.error_kind.as_deref())).collect();
    assert_eq!(kinds, [(1, Some("timeout")), (2, Some("timeout"))]);
    let record = db.store.get_run(&done.run_id).await.unwrap();
    assert_eq!(record.steps[0].error_kind.as_deref(), Some("timeout"));
}
