//! The chaos test: an API process and two workers, both candidates for the scheduler, on
//! one PostgreSQL database share webhook runs, `for_each` publishing to a loopback server
//! that counts by idempotency key, approvals decided through the API process and a
//! per-second schedule, while every few seconds one process (the scheduler's holder
//! first) is killed with SIGKILL and started again. Afterwards every run has finished,
//! every item was published under its own key, every second fired once, and the scheduler
//! changed hands.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Row;

use super::{Cluster, Node, OPERATOR, deliver, set_hook_key};
use crate::support;

/// Runs of each kind, started through the API process's webhooks.
const ECHOES: usize = 1800;
const PUBLISHES: usize = 150;
const REVIEWS: usize = 100;
/// Items each publishing run posts.
const ITEMS: usize = 4;
/// How long processes are killed.
const CHAOS: Duration = Duration::from_secs(40);
/// The fewest kills, however slowly the machine goes.
const MIN_KILLS: usize = 5;
/// How long a killed process stays down.
const DOWN: Duration = Duration::from_millis(700);

fn workflows(port: u16) -> Vec<(&'static str, String)> {
    let publish = format!(
        "name: publish\non:\n  webhook: {{ secret: HOOK_KEY }}\nsteps:\n  - id: publish\n    uses: flaky/publish@1\n    \
         for_each: ${{{{ trigger.body.items }}}}\n    concurrency: 2\n    \
         with: {{ url: \"http://loopback.test:{port}/statuses\", text: \"${{{{ item }}}}\" }}\n"
    );
    let review = "name: review\non:\n  webhook: { secret: HOOK_KEY }\nsteps:\n  - id: review\n    approval: { message: Go? }\n  - id: echo\n    needs: [review]\n    uses: echo/echo@1\n    with: { n: \"${{ trigger.body.n }}\" }\n";
    let tick = "name: tick\non:\n  schedule:\n    - { cron: \"* * * * * *\", catch_up: all }\nsteps:\n  - id: echo\n    uses: echo/echo@1\n    with: { at: \"${{ trigger.due_at }}\" }\n";
    vec![
        ("hooked", crate::tenants::webhooks::HOOKED.into()),
        ("publish", publish),
        ("review", review.into()),
        ("tick", tick.into()),
    ]
}

/// A small deterministic generator, so a failing sequence of kills can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Every delivery: workflow, delivery id, body.
fn deliveries() -> Vec<(&'static str, String, Value)> {
    let mut all = Vec::new();
    for n in 0..ECHOES {
        all.push(("hooked", format!("e-{n}"), json!({ "n": n })));
        if n % (ECHOES / PUBLISHES) == 0 && n / (ECHOES / PUBLISHES) < PUBLISHES {
            let items: Vec<String> = (0..ITEMS).map(|i| format!("post {n}.{i}")).collect();
            all.push(("publish", format!("p-{n}"), json!({ "items": items })));
        }
        if n % (ECHOES / REVIEWS) == 0 && n / (ECHOES / REVIEWS) < REVIEWS {
            all.push(("review", format!("r-{n}"), json!({ "n": n })));
        }
    }
    all
}

/// Sends every delivery to whichever API process answers, each until it is accepted,
/// spread over the chaos; the run each started, by delivery id.
async fn feed(client: reqwest::Client, url: String) -> BTreeMap<String, String> {
    let all = deliveries();
    let pace = CHAOS.mul_f64(0.8) / all.len() as u32;
    let runs = Arc::new(Mutex::new(BTreeMap::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (workflow, id, body)) in all.into_iter().enumerate() {
        let (client, url, runs) = (client.clone(), url.clone(), runs.clone());
        tokio::time::sleep(pace).await;
        tasks.spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                if let Some(run) = deliver(&client, &url, workflow, &id, &body).await {
                    return runs.lock().unwrap().insert(id, run);
                }
                assert!(Instant::now() < deadline, "delivery {i} ({id}) never accepted");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }
    while tasks.join_next().await.transpose().unwrap().is_some() {}
    Arc::try_unwrap(runs).unwrap().into_inner().unwrap()
}

/// Approves every waiting review through the API process until all `REVIEWS` were seen
/// waiting and none waits any more; the reviews seen. An answer lost to a kill does not
/// matter: a decision that was committed leaves the list, one that was not is sent again.
async fn decide(client: reqwest::Client, url: String) -> usize {
    let mut seen = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        assert!(Instant::now() < deadline, "only {} reviews seen waiting, or some never decided", seen.len());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let list = client.get(format!("{url}/api/v1/workspaces/default/approvals")).bearer_auth(OPERATOR).send();
        let Some(waiting) = (match list.await {
            Ok(resp) if resp.status().is_success() => resp.json::<Value>().await.ok(),
            _ => None,
        }) else {
            continue;
        };
        let runs: Vec<String> =
            waiting.as_array().into_iter().flatten().filter_map(|a| a["run_id"].as_str().map(String::from)).collect();
        if runs.is_empty() && seen.len() == REVIEWS {
            return seen.len();
        }
        for run in runs {
            let path = format!("{url}/api/v1/workspaces/default/runs/{run}/approvals/review/approve");
            let _ = client.post(path).bearer_auth(OPERATOR).json(&json!({ "comment": "ok" })).send().await;
            seen.insert(run);
        }
    }
}

/// Notes every process that held the scheduler lease until `stop`.
async fn watch_holders(pool: sqlx::AnyPool, stop: Arc<AtomicBool>) -> BTreeSet<String> {
    let mut holders = BTreeSet::new();
    while !stop.load(Ordering::Relaxed) {
        let row = sqlx::query("SELECT holder FROM leader_leases WHERE name = 'scheduler'").fetch_optional(&pool).await;
        if let Ok(Some(row)) = row {
            holders.insert(row.get::<String, _>(0));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    holders
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_killed_at_random_finishes_every_run_once() {
    let began = Instant::now();
    let (publisher, addr) = support::Publisher::start(Duration::from_millis(20)).await;
    let config = "[http]\nallow_private = [\"loopback.test\"]\nresolve = { \"loopback.test\" = [\"127.0.0.1\"] }\n\
                  [retention]\nmin_schedule_interval_seconds = 1\n";
    let cluster = Cluster::new(&workflows(addr.port()), config).await;
    let manifest = support::flaky_manifest(&[format!("http://loopback.test:{}", addr.port())]);
    support::plugin_folder(&cluster.data.path().join("plugins"), "flaky", &manifest, "flaky.wasm");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let pool = cluster.pool().await;

    let roles: [(&'static str, &[&str]); 3] =
        [("api", &["serve", "--role", "api"]), ("w1", &["worker", "--scheduler"]), ("w2", &["worker", "--scheduler"])];
    let mut nodes: Vec<Node> = Vec::new();
    for (name, args) in roles {
        let mut node = cluster.spawn(name, args, None);
        node.ready(&client, &cluster).await;
        nodes.push(node);
    }
    let api = nodes[0].url.clone();
    set_hook_key(&client, &api).await;
    let quotas = json!({ "quotas": { "concurrent_runs": 100_000, "steps_per_day": 10_000_000 } });
    let lifted = client.patch(format!("{api}/api/v1/workspaces/default")).bearer_auth(OPERATOR).json(&quotas);
    assert!(lifted.send().await.unwrap().status().is_success(), "the quotas are lifted");

    let stop = Arc::new(AtomicBool::new(false));
    let holders = tokio::spawn(watch_holders(pool.clone(), stop.clone()));
    let fed = tokio::spawn(feed(client.clone(), api.clone()));
    let decided = tokio::spawn(decide(client.clone(), api.clone()));
    let seed = chrono::Utc::now().timestamp_millis() as u64;
    let mut rng = Lcg(seed);
    let mut kills: Vec<&str> = Vec::new();
    // Timed from here, not from the start: on a loaded machine starting the processes
    // alone can take longer than the chaos lasts.
    let chaos = Instant::now();
    while chaos.elapsed() < CHAOS || kills.len() < MIN_KILLS {
        tokio::time::sleep(Duration::from_millis(2500 + rng.below(2000))).await;
        // The first kill takes the scheduler's holder, so that it changes hands at least once.
        let leader = super::roles::holder(&pool).await.and_then(|pid| nodes.iter().position(|n| n.pid() == pid));
        let victim = match leader.filter(|_| kills.is_empty()) {
            Some(leader) => leader,
            None => rng.below(nodes.len() as u64) as usize,
        };
        kills.push(nodes[victim].name);
        nodes[victim].kill();
        tokio::time::sleep(DOWN).await;
        let (name, args) = roles[victim];
        nodes[victim] = cluster.spawn(name, args, Some(&nodes[victim]));
        nodes[victim].ready(&client, &cluster).await;
    }
    eprintln!(
        "chaos over after {:.1} s ({:.1} s of it setting up): kills {kills:?} (seed {seed})",
        began.elapsed().as_secs_f64(),
        (chaos - began).as_secs_f64()
    );
    let runs = fed.await.unwrap();
    let approved = decided.await.unwrap();
    let finished = Instant::now();
    loop {
        let open = "SELECT COUNT(*) FROM runs WHERE workflow <> 'tick' AND status IN ('running', 'waiting', 'queued')";
        if crate::tenants::count(&pool, open).await == 0 {
            break;
        }
        assert!(finished.elapsed() < Duration::from_secs(120), "runs still open 120 s after the chaos");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // A scheduler killed last hands over once its lease lapses; the next one catches up.
    let cut = chrono::Utc::now().timestamp_millis() - 3000;
    let caught_up = Instant::now();
    let latest = "SELECT COALESCE(MAX(due_at), 0) FROM trigger_events WHERE kind = 'schedule'";
    while crate::tenants::count(&pool, latest).await < cut {
        assert!(caught_up.elapsed() < Duration::from_secs(30), "the schedule did not catch up within 30 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let holders = holders.await.unwrap();

    // Every delivery started one run, and every run succeeded.
    let wanted = ECHOES + PUBLISHES + REVIEWS;
    assert_eq!(runs.len(), wanted, "every delivery was accepted");
    assert_eq!(runs.values().collect::<BTreeSet<_>>().len(), wanted, "each with its own run");
    assert_eq!(approved, REVIEWS);
    let by_status =
        sqlx::query("SELECT workflow, status, COUNT(*) FROM runs WHERE workflow <> 'tick' GROUP BY workflow, status")
            .fetch_all(&pool)
            .await
            .unwrap();
    let by_status: BTreeMap<(String, String), i64> =
        by_status.iter().map(|r| ((r.get(0), r.get(1)), r.get(2))).collect();
    let want: BTreeMap<(String, String), i64> = [("hooked", ECHOES), ("publish", PUBLISHES), ("review", REVIEWS)]
        .into_iter()
        .map(|(w, n)| ((w.to_string(), "succeeded".to_string()), n as i64))
        .collect();
    assert_eq!(by_status, want, "every run succeeded, once per delivery");

    // Every item went out under its own key; a key sent twice was in flight at a kill.
    let counts = publisher.counts();
    let keys: BTreeSet<String> = runs
        .iter()
        .filter(|(id, _)| id.starts_with("p-"))
        .flat_map(|(_, run)| (0..ITEMS).map(move |i| format!("{run}/publish/{i}")))
        .collect();
    assert_eq!(counts.keys().cloned().collect::<BTreeSet<_>>(), keys, "every item, under its own key");
    let repeated = counts.values().filter(|n| **n > 1).count();
    assert!(repeated <= kills.len() * 4, "{repeated} keys sent again after {} kills", kills.len());

    // Every second of the schedule fired once, with its run.
    let rows =
        sqlx::query("SELECT due_at, run_id, outcome FROM trigger_events WHERE kind = 'schedule' ORDER BY due_at")
            .fetch_all(&pool)
            .await
            .unwrap();
    let events: Vec<(i64, Option<String>, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let first = events.first().expect("the schedule fired").0;
    let due: Vec<i64> = events.iter().map(|e| e.0).filter(|d| *d <= cut).collect();
    let seconds: BTreeSet<i64> = (first..=cut).step_by(1000).collect();
    let lost: Vec<&i64> = seconds.iter().filter(|d| !due.contains(d)).collect();
    let twice: Vec<&i64> = due.iter().filter(|d| due.iter().filter(|e| e == d).count() > 1).collect();
    assert!(
        lost.is_empty() && twice.is_empty(),
        "seconds lost {lost:?}, handled twice {twice:?}, of {}",
        seconds.len()
    );
    let unaccounted: Vec<_> = events.iter().filter(|(_, run, outcome)| run.is_none() && outcome != "missed").collect();
    assert!(unaccounted.is_empty(), "every second fired or was recorded as missed: {unaccounted:?}");
    let missed = events.iter().filter(|e| e.2 == "missed").count();
    assert!(holders.len() >= 2, "the scheduler changed hands: {holders:?}");
    eprintln!(
        "{wanted} runs and {} ticks ({missed} missed) over {} kills in {:.1} s; {} publications, {repeated} \
         keys sent twice; scheduler held by {} processes",
        due.len(),
        kills.len(),
        began.elapsed().as_secs_f64(),
        keys.len(),
        holders.len()
    );
}
