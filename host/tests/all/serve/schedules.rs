//! Cron triggers of `roost serve` on a hand-set clock: daily times across DST changes in
//! two zones, catch-up after downtime, concurrency and lateness, each decision recorded.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use roost::service::scheduler::ManualClock;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::{OPERATOR, Service, Setup};

pub(crate) fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// A service over the database in `dir` whose scheduler reads `clock`.
pub(crate) async fn clocked(dir: TempDir, clock: &Arc<ManualClock>) -> Service {
    let setup = Setup { dir: Some(dir), clock: Some(clock.clone()), ..Setup::default() };
    Service::launch(setup, |_| Vec::new()).await
}

/// A daily workflow `name` at `cron` in `timezone` with one echo step.
fn daily(name: &str, cron: &str, timezone: &str, catch_up: &str) -> String {
    format!(
        "name: {name}
on:
  schedule:
    - {{ cron: \"{cron}\", timezone: {timezone}, catch_up: {catch_up} }}
steps:
  - id: echo
    uses: echo/echo@1
    with: {{ n: 1 }}
"
    )
}

/// `workflow`'s trigger events, oldest due first.
pub(crate) async fn events(service: &Service, workflow: &str) -> Vec<Value> {
    let path = format!("/api/v1/workspaces/default/triggers?workflow={workflow}&limit=500");
    let (status, body) = service.call(OPERATOR, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let mut events = body.as_array().unwrap().clone();
    events.sort_by_key(|e| (e["due_at"].as_str().unwrap_or_default().to_string(), e["fired_at"].to_string()));
    events
}

/// Waits until `workflow` has `n` trigger events.
pub(crate) async fn wait_events(service: &Service, workflow: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let events = events(service, workflow).await;
        if events.len() >= n {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{workflow} never had {n} trigger events: {:#?}", events(service, workflow).await);
}

/// The schedules API's entry for `workflow`, once the scheduler has seen all its schedules.
pub(crate) async fn wait_seen(service: &Service, workflow: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/schedules", None).await;
        assert_eq!(status, 200, "{body}");
        let entry = body.as_array().unwrap().iter().find(|w| w["workflow"] == workflow).cloned();
        if let Some(entry) = entry
            && entry["schedules"].as_array().unwrap().iter().all(|s| s["last_handled"].is_string())
        {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the scheduler never saw {workflow}");
}

/// Gives the scheduler time for a few passes (it reads the workflows every second).
pub(crate) async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn due_and_outcome(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e["due_at"].as_str().unwrap().to_string(), e["outcome"].as_str().unwrap().to_string()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(d, o)| (d.to_string(), o.to_string())).collect()
}

/// Steps the clock to each of `instants` and waits for the event it should bring.
async fn step_through(service: &Service, clock: &ManualClock, workflow: &str, instants: &[&str], before: usize) {
    for (i, at) in instants.iter().enumerate() {
        clock.set(utc(at));
        wait_events(service, workflow, before + i + 1).await;
    }
}

#[tokio::test]
async fn berlin_daily_0230_fires_at_the_change_in_spring_and_once_in_autumn() {
    let clock = Arc::new(ManualClock::new(utc("2024-03-30T12:00:00Z")));
    let service = clocked(tempfile::tempdir().unwrap(), &clock).await;
    service.put_workflow("default", &daily("spring", "30 2 * * *", "Europe/Berlin", "none")).await;
    let seen = wait_seen(&service, "spring").await;
    assert_eq!(seen["schedules"][0]["timezone"], "Europe/Berlin");
    assert_eq!(seen["schedules"][0]["catch_up"], "none");
    assert_eq!(
        seen["schedules"][0]["next"],
        json!([
            "2024-03-31T03:00:00+02:00",
            "2024-04-01T02:30:00+02:00",
            "2024-04-02T02:30:00+02:00",
            "2024-04-03T02:30:00+02:00",
            "2024-04-04T02:30:00+02:00"
        ])
    );
    clock.set(utc("2024-03-31T00:59:59Z"));
    settle().await;
    assert!(events(&service, "spring").await.is_empty(), "nothing is due before the change");
    step_through(&service, &clock, "spring", &["2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"], 0).await;
    let fired = events(&service, "spring").await;
    assert_eq!(
        due_and_outcome(&fired),
        pairs(&[("2024-03-31T01:00:00+00:00", "started"), ("2024-04-01T00:30:00+00:00", "started")])
    );
    let run = fired[0]["run_id"].as_str().unwrap();
    let done = service.wait_status("default", run, &["succeeded", "failed"]).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["trigger"],
        json!({ "kind": "schedule", "cron": "30 2 * * *", "due_at": "2024-03-31T03:00:00+02:00",
                "timezone": "Europe/Berlin", "body": null, "headers": null })
    );

    // Autumn, with a second workflow; the first is disabled so its times pass unfired.
    let (status, body) = service
        .call(OPERATOR, Method::PATCH, "/api/v1/workspaces/default/workflows/spring", Some(json!({ "enabled": false })))
        .await;
    assert_eq!(status, 200, "{body}");
    clock.set(utc("2024-10-26T12:00:00Z"));
    service.put_workflow("default", &daily("autumn", "30 2 * * *", "Europe/Berlin", "none")).await;
    wait_seen(&service, "autumn").await;
    step_through(&service, &clock, "autumn", &["2024-10-27T00:30:00Z"], 0).await;
    // 02:30 comes again an hour later (CET); it must not fire twice.
    clock.set(utc("2024-10-27T01:30:00Z"));
    settle().await;
    clock.set(utc("2024-10-27T03:00:00Z"));
    settle().await;
    step_through(&service, &clock, "autumn", &["2024-10-28T01:30:00Z"], 1).await;
    settle().await;
    assert_eq!(
        due_and_outcome(&events(&service, "autumn").await),
        pairs(&[("2024-10-27T00:30:00+00:00", "started"), ("2024-10-28T01:30:00+00:00", "started")])
    );
    assert_eq!(events(&service, "spring").await.len(), 2, "a disabled workflow's times pass without events");
    service.running.shutdown().await;
}

#[tokio::test]
async fn new_york_daily_times_fire_at_the_right_instants_across_both_changes() {
    let clock = Arc::new(ManualClock::new(utc("2024-03-09T12:00:00Z")));
    let service = clocked(tempfile::tempdir().unwrap(), &clock).await;
    service.put_workflow("default", &daily("ny-spring", "30 2 * * *", "America/New_York", "none")).await;
    wait_seen(&service, "ny-spring").await;
    step_through(&service, &clock, "ny-spring", &["2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"], 0).await;
    assert_eq!(
        due_and_outcome(&events(&service, "ny-spring").await),
        pairs(&[("2024-03-10T07:00:00+00:00", "started"), ("2024-03-11T06:30:00+00:00", "started")])
    );

    service
        .call(
            OPERATOR,
            Method::PATCH,
            "/api/v1/workspaces/default/workflows/ny-spring",
            Some(json!({ "enabled": false })),
        )
        .await;
    clock.set(utc("2024-11-02T12:00:00Z"));
    service.put_workflow("default", &daily("ny-autumn", "30 1 * * *", "America/New_York", "none")).await;
    let seen = wait_seen(&service, "ny-autumn").await;
    assert_eq!(seen["schedules"][0]["next"][0], "2024-11-03T01:30:00-04:00");
    assert_eq!(seen["schedules"][0]["next"][1], "2024-11-04T01:30:00-05:00");
    step_through(&service, &clock, "ny-autumn", &["2024-11-03T05:30:00Z"], 0).await;
    clock.set(utc("2024-11-03T06:30:00Z")); // 01:30 again, now EST
    settle().await;
    step_through(&service, &clock, "ny-autumn", &["2024-11-04T06:30:00Z"], 1).await;
    settle().await;
    assert_eq!(
        due_and_outcome(&events(&service, "ny-autumn").await),
        pairs(&[("2024-11-03T05:30:00+00:00", "started"), ("2024-11-04T06:30:00+00:00", "started")])
    );
    service.running.shutdown().await;
}

#[tokio::test]
async fn downtime_is_made_up_for_as_catch_up_says_and_every_missed_time_is_recorded() {
    let clock = Arc::new(ManualClock::new(utc("2024-05-01T08:00:00Z")));
    let service = clocked(tempfile::tempdir().unwrap(), &clock).await;
    for policy in ["none", "last", "all"] {
        service.put_workflow("default", &daily(&format!("up-{policy}"), "0 9 * * *", "UTC", policy)).await;
        wait_seen(&service, &format!("up-{policy}")).await;
    }
    let Service { running, dir, .. } = service;
    running.shutdown().await;

    // Down from 08:00 on 1 May until 10:00 on 4 May: four 09:00 times were missed.
    clock.set(utc("2024-05-04T10:00:00Z"));
    let service = clocked(dir, &clock).await;
    let days = ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"].map(|d| format!("{d}T09:00:00+00:00"));

    let none = wait_events(&service, "up-none", 4).await;
    assert!(none.iter().all(|e| e["outcome"] == "missed" && e["run_id"].is_null()), "{none:#?}");
    assert_eq!(none.iter().map(|e| e["due_at"].as_str().unwrap()).collect::<Vec<_>>(), days);
    let reason = none[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("missed by 3 d 1 h: Roost was not running"), "{reason}");
    assert!(reason.ends_with("catch_up: none does not make up for it"), "{reason}");

    let last = wait_events(&service, "up-last", 4).await;
    let outcomes: Vec<&str> = last.iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["missed", "missed", "missed", "late"], "{last:#?}");
    assert!(last[0]["reason"].as_str().unwrap().contains("makes up only for the newest missed time, 2024-05-04T09:00"));
    let late = last[3]["reason"].as_str().unwrap();
    assert!(late.starts_with("fired 1 h 0 min after it was due, made up for"), "{late}");
    assert!(late.contains("(catch_up: last)"), "{late}");
    let run = last[3]["run_id"].as_str().unwrap();
    let done = service.wait_status("default", run, &["succeeded", "failed"]).await;
    assert_eq!(done["trigger"]["due_at"], "2024-05-04T09:00:00+00:00");

    let all = wait_events(&service, "up-all", 4).await;
    assert!(all.iter().all(|e| e["outcome"] == "late" && e["run_id"].is_string()), "{all:#?}");
    assert_eq!(all.iter().map(|e| e["due_at"].as_str().unwrap()).collect::<Vec<_>>(), days);
    assert!(all[0]["reason"].as_str().unwrap().starts_with("fired 3 d 1 h after it was due"));
    let (_, runs) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/runs?workflow=up-all", None).await;
    assert_eq!(runs.as_array().unwrap().len(), 4, "{runs}");
    let (_, runs) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/runs?workflow=up-none", None).await;
    assert_eq!(runs.as_array().unwrap().len(), 0, "{runs}");

    // Nothing is handled twice after another restart.
    settle().await;
    let Service { running, dir, .. } = service;
    running.shutdown().await;
    let service = clocked(dir, &clock).await;
    settle().await;
    assert_eq!(events(&service, "up-all").await.len(), 4);
    assert_eq!(events(&service, "up-last").await.len(), 4);
    service.running.shutdown().await;
}

const BUSY: &str = "name: NAME
on:
  schedule:
    - cron: \"* * * * *\"
concurrency: { limit: 1, on_busy: POLICY }
steps:
  - id: review
    approval: { message: Go? }
";

const QUICK: &str = "name: quick
on:
  schedule:
    - cron: \"* * * * *\"
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: 1 }
";

#[tokio::test]
async fn concurrency_skips_and_queues_and_late_fires_are_recorded() {
    let clock = Arc::new(ManualClock::new(utc("2024-06-01T10:00:30Z")));
    let service = clocked(tempfile::tempdir().unwrap(), &clock).await;
    service.put_workflow("default", &BUSY.replace("NAME", "busy-skip").replace("POLICY", "skip")).await;
    service.put_workflow("default", &BUSY.replace("NAME", "busy-queue").replace("POLICY", "queue")).await;
    service.put_workflow("default", QUICK).await;
    for name in ["busy-skip", "busy-queue", "quick"] {
        wait_seen(&service, name).await;
    }
    clock.set(utc("2024-06-01T10:01:00Z"));
    for name in ["busy-skip", "busy-queue", "quick"] {
        wait_events(&service, name, 1).await;
    }
    clock.set(utc("2024-06-01T10:02:00Z"));
    for name in ["busy-skip", "busy-queue", "quick"] {
        wait_events(&service, name, 2).await;
    }
    // 20 s late: fired, and recorded as late.
    clock.set(utc("2024-06-01T10:03:20Z"));
    let quick = wait_events(&service, "quick", 3).await;

    let skip = events(&service, "busy-skip").await;
    assert_eq!(skip[0]["outcome"], "started");
    assert_eq!(skip[1]["outcome"], "skipped", "{skip:#?}");
    let reason = skip[1]["reason"].as_str().unwrap();
    assert!(reason.contains("already active") && reason.contains("on_busy: skip"), "{reason}");
    let skipped_run = skip[1]["run_id"].as_str().unwrap();
    let (_, run) =
        service.call(OPERATOR, Method::GET, &format!("/api/v1/workspaces/default/runs/{skipped_run}"), None).await;
    assert_eq!(run["status"], "cancelled", "{run}");

    let queue = events(&service, "busy-queue").await;
    assert_eq!(queue[1]["outcome"], "queued", "{queue:#?}");
    assert!(queue[1]["reason"].as_str().unwrap().contains("concurrency limit"));

    assert_eq!(quick[0]["outcome"], "started");
    assert_eq!(quick[2]["outcome"], "late", "{quick:#?}");
    assert_eq!(quick[2]["reason"], "fired 20.0 s after it was due");
    assert!(quick[2]["run_id"].is_string());
    let lateness = &service.state().scheduling.lateness;
    assert!(lateness.snapshot().count >= 7, "{:?}", lateness.snapshot());
    assert_eq!(lateness.quantile(1.0), Some(20.0));
    service.running.shutdown().await;
}

#[tokio::test]
async fn schedules_and_trigger_events_are_the_workspace_s_own() {
    let clock = Arc::new(ManualClock::new(utc("2024-06-01T10:00:30Z")));
    let service = clocked(tempfile::tempdir().unwrap(), &clock).await;
    service.put_workflow("default", QUICK).await;
    wait_seen(&service, "quick").await;
    let viewer = service.workspace_token("acme", "viewer").await;
    for path in ["/api/v1/workspaces/default/schedules", "/api/v1/workspaces/default/triggers"] {
        let (status, body) = service.call(&viewer, Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, body) = service.call(&viewer, Method::GET, "/api/v1/workspaces/acme/schedules", None).await;
    assert_eq!((status, body), (200, json!([])));
    service.running.shutdown().await;
}
