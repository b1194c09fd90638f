//! What each role does: an API process stores runs and drives none, a worker process
//! drives them and answers only its probes, a NOTIFY from the API wakes an idle worker at
//! once, the scheduler's lease passes to the other candidate when its holder stops (at
//! once) or dies (once the lease lapses), processes started together on a new database
//! all come up, and one with another master key refuses to start.

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Row;

use super::{Cluster, OPERATOR, deliver, set_hook_key, status};
use crate::tenants::webhooks::HOOKED;

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

/// Waits up to `limit` for run `id` to succeed; how long it took.
async fn until_succeeded(client: &reqwest::Client, url: &str, id: &str, limit: Duration) -> Duration {
    let began = Instant::now();
    while status(client, url, id).await.as_deref() != Some("succeeded") {
        assert!(began.elapsed() < limit, "run {id} did not succeed within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    began.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_process_stores_runs_and_a_worker_woken_by_notify_drives_them() {
    let cluster = Cluster::new(&[("hooked", HOOKED.to_string())], "").await;
    let client = client();
    let mut api = cluster.spawn("api", &["serve", "--role", "api"], None);
    api.ready(&client, &cluster).await;
    set_hook_key(&client, &api.url).await;
    let first = deliver(&client, &api.url, "hooked", "d-0", &json!({ "n": 0 })).await.expect("a 202 with the run");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status(&client, &api.url, &first).await.as_deref(), Some("running"), "no process drives it yet");

    let mut worker = cluster.spawn("worker", &["worker"], None);
    worker.ready(&client, &cluster).await;
    let api_on_worker = client.get(format!("{}/api/v1/workspaces", worker.url)).bearer_auth(OPERATOR).send().await;
    assert_eq!(api_on_worker.unwrap().status(), 404, "a worker serves no API");
    let metrics = client.get(format!("{}/metrics", worker.url)).send().await.unwrap();
    assert_eq!(metrics.status(), 200, "but its metrics");
    until_succeeded(&client, &api.url, &first, Duration::from_secs(20)).await;

    // An idle worker polls every 5 s; each of these runs is driven well before, so the
    // API process's announcement woke it.
    let mut waits = Vec::new();
    for n in 1..=3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let run = deliver(&client, &api.url, "hooked", &format!("d-{n}"), &json!({ "n": n })).await.unwrap();
        waits.push(until_succeeded(&client, &api.url, &run, Duration::from_secs(10)).await);
    }
    eprintln!("webhook to finished run through an idle worker: {waits:?}");
    assert!(waits.iter().all(|w| *w < Duration::from_millis(1500)), "a worker slept through a wake-up: {waits:?}");
}

const TICK: &str = "name: tick
on:
  schedule:
    - { cron: \"* * * * * *\", catch_up: all }
steps:
  - id: echo
    uses: echo/echo@1
    with: { at: \"${{ trigger.due_at }}\" }
";

/// The pid in the scheduler lease's holder (`{pid}-{uuid}`), when someone holds it.
pub(super) async fn holder(pool: &sqlx::AnyPool) -> Option<u32> {
    let row = sqlx::query("SELECT holder, expires_at FROM leader_leases WHERE name = 'scheduler'")
        .fetch_optional(pool)
        .await
        .unwrap()?;
    let (holder, expires): (String, i64) = (row.get(0), row.get(1));
    (expires > chrono::Utc::now().timestamp_millis()).then(|| holder.split('-').next().unwrap().parse().unwrap())
}

/// Waits up to `limit` for the lease to be held by a process other than `old`.
async fn new_holder(pool: &sqlx::AnyPool, old: Option<u32>, limit: Duration) -> (u32, Duration) {
    let began = Instant::now();
    loop {
        if let Some(pid) = holder(pool).await.filter(|pid| Some(*pid) != old) {
            return (pid, began.elapsed());
        }
        assert!(began.elapsed() < limit, "nobody took the scheduler lease over within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_passes_on_at_once_when_stopped_and_after_its_lease_when_killed() {
    let config = "[retention]\nmin_schedule_interval_seconds = 1\n";
    let cluster = Cluster::new(&[("tick", TICK.to_string())], config).await;
    let client = client();
    let pool = cluster.pool().await;
    let mut api = cluster.spawn("api", &["serve", "--role", "api"], None);
    api.ready(&client, &cluster).await;
    let mut nodes = vec![
        cluster.spawn("w1", &["worker", "--scheduler"], None),
        cluster.spawn("w2", &["worker", "--scheduler"], None),
    ];
    for node in &mut nodes {
        node.ready(&client, &cluster).await;
    }
    let (first, _) = new_holder(&pool, None, Duration::from_secs(10)).await;
    let leader = nodes.iter().position(|n| n.pid() == first).expect("a worker leads");
    nodes[leader].stop();
    let (second, handed) = new_holder(&pool, Some(first), Duration::from_secs(5)).await;
    assert_eq!(second, nodes[1 - leader].pid(), "the other candidate leads");
    nodes[leader] = cluster.spawn(if leader == 0 { "w1" } else { "w2" }, &["worker", "--scheduler"], None);
    nodes[leader].ready(&client, &cluster).await;
    nodes[1 - leader].kill();
    let (third, lapsed) = new_holder(&pool, Some(second), Duration::from_secs(20)).await;
    assert_eq!(third, nodes[leader].pid(), "the restarted candidate leads");
    eprintln!("scheduler handed over {handed:?} after a stop, {lapsed:?} after kill -9");
    assert!(handed < Duration::from_secs(3), "a stopped scheduler hands its lease back: {handed:?}");

    // Every second from the first tick to a moment ago fired once, through both hand-overs.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cut = chrono::Utc::now().timestamp_millis() - 2000;
    let rows =
        sqlx::query("SELECT due_at, outcome, run_id FROM trigger_events WHERE kind = 'schedule' ORDER BY due_at")
            .fetch_all(&pool)
            .await
            .unwrap();
    let events: Vec<(i64, String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let first_due = events.first().expect("the schedule fired").0;
    let due: Vec<i64> = events.iter().map(|e| e.0).filter(|d| *d <= cut).collect();
    let want: Vec<i64> = (first_due..=cut).step_by(1000).collect();
    assert_eq!(due, want, "each second once, none lost: {events:?}");
    assert!(events.iter().all(|(_, _, run)| run.is_some()), "every second has its run, late or not: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_started_together_on_a_new_database_all_come_up() {
    let cluster = Cluster::new(&[("hooked", HOOKED.to_string())], "").await;
    let client = client();
    let mut nodes = [
        cluster.spawn("a", &["serve", "--role", "api"], None),
        cluster.spawn("b", &["worker", "--scheduler"], None),
        cluster.spawn("c", &["worker", "--scheduler"], None),
    ];
    for node in &mut nodes {
        node.ready(&client, &cluster).await;
    }
    set_hook_key(&client, &nodes[0].url).await;
    let run = deliver(&client, &nodes[0].url, "hooked", "d-1", &json!({ "n": 1 })).await.expect("a 202");
    until_succeeded(&client, &nodes[0].url, &run, Duration::from_secs(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_with_another_master_key_refuses_to_start() {
    let cluster = Cluster::new(&[("hooked", HOOKED.to_string())], "").await;
    let client = client();
    let mut api = cluster.spawn("api", &["serve", "--role", "api"], None);
    api.ready(&client, &cluster).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let other = cluster.command(&["worker"], port).env("ROOST_MASTER_KEY", "ab".repeat(32)).output().unwrap();
    let said = String::from_utf8_lossy(&other.stderr);
    assert!(!other.status.success(), "{said}");
    assert!(said.contains("sealed with another master key"), "{said}");
}
