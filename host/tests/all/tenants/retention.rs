//! History is pruned and deletable, and idle cost stays flat as it grows.

use std::collections::BTreeMap;

use reqwest::Method;
use roost::service::retention::{Policy, prune};
use roost::store::{Store, TriggerEvent, now_ms};
use serde_json::json;
use sqlx::{AnyPool, Row};

use super::count;
use crate::serve::{OPERATOR, Service};
use crate::support;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Every table that holds something of a run, with the column naming the run.
const RUN_TABLES: [(&str, &str); 9] = [
    ("runs", "id"),
    ("steps", "run_id"),
    ("step_logs", "run_id"),
    ("step_items", "run_id"),
    ("attempts", "run_id"),
    ("jobs", "run_id"),
    ("approvals", "run_id"),
    ("hook_deliveries", "run_id"),
    ("trigger_events", "run_id"),
];

/// A connection of its own to the database at `url`, to read and write rows directly.
pub async fn raw(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url).await.unwrap()
}

/// How many rows each table holds about run `id`.
async fn rows_of(db: &AnyPool, id: &str) -> BTreeMap<&'static str, i64> {
    let mut counts = BTreeMap::new();
    for (table, column) in RUN_TABLES {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(db).await.unwrap();
        counts.insert(table, row.get::<i64, _>(0));
    }
    counts
}

/// Run `id` of `ws` with its row in every table that holds something of a run, as the
/// engine and the triggers write them; it ended `ended` (ms) or has not (`status` active).
async fn seed_run(db: &AnyPool, ws: &str, id: &str, status: &str, ended: Option<i64>) {
    let at = ended.unwrap_or_else(now_ms) - 60_000;
    let run = "INSERT INTO runs (id, workspace, workflow, status, inputs, outputs, created_at, finished_at, trigger, started_at, context) \
               VALUES ($1, $2, 'digest', $3, '{\"text\":\"hi\"}', '{\"posted\":true}', $4, $5, 'webhook', $4, '{}')";
    sqlx::query(run).bind(id).bind(ws).bind(status).bind(at).bind(ended).execute(db).await.unwrap();
    let step = "INSERT INTO steps (run_id, step_id, workspace, plugin, plugin_version, digest, status, attempt, input, output, started_at, finished_at, duration_us) \
                VALUES ($1, 'post', $2, 'echo', '1.0.0', 'sha256:00', 'succeeded', 1, '{}', '{}', $3, $3, 900)";
    sqlx::query(step).bind(id).bind(ws).bind(at).execute(db).await.unwrap();
    let rows = [
        "INSERT INTO step_logs (run_id, step_id, seq, level, message, at) VALUES ($1, 'post', 0, 'info', 'posted', $2)",
        "INSERT INTO step_items (run_id, step_id, idx, status, item, output, attempt) VALUES ($1, 'post', 0, 'succeeded', '1', '{}', 1)",
        "INSERT INTO attempts (run_id, step_id, idx, attempt, status, started_at, finished_at) VALUES ($1, 'post', 0, 1, 'succeeded', $2, $2)",
        "INSERT INTO jobs (run_id, step_id, idx, kind, attempt, available_at) VALUES ($1, 'post', 0, 'timer', 1, $2)",
    ];
    for sql in rows {
        let query = sqlx::query(sql).bind(id);
        let query = if sql.contains("$2") { query.bind(at) } else { query };
        query.execute(db).await.unwrap();
    }
    let approval = "INSERT INTO approvals (run_id, step_id, workspace, status, message, approvers, requested_at) \
                    VALUES ($1, 'review', $2, 'approved', 'post it?', '[\"approver\"]', $3)";
    sqlx::query(approval).bind(id).bind(ws).bind(at).execute(db).await.unwrap();
    let event = "INSERT INTO trigger_events (id, workspace, workflow, kind, fired_at, run_id, outcome) \
                 VALUES ($1, $2, 'digest', 'webhook', $3, $4, 'started')";
    sqlx::query(event).bind(format!("event-{id}")).bind(ws).bind(at).bind(id).execute(db).await.unwrap();
    let delivery = "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, run_id, received_at) VALUES ($1, 'digest', $2, $3, $4)";
    sqlx::query(delivery).bind(ws).bind(format!("delivery-{id}")).bind(id).bind(at).execute(db).await.unwrap();
}

/// A trigger event and a delivery id of `ws` that started no run, received at `at`.
async fn seed_unlinked(db: &AnyPool, ws: &str, name: &str, at: i64) {
    let event = "INSERT INTO trigger_events (id, workspace, workflow, kind, due_at, fired_at, outcome, reason) \
                 VALUES ($1, $2, 'digest', 'schedule', $3, $3, 'missed', 'Roost was not running')";
    sqlx::query(event).bind(name).bind(ws).bind(at).execute(db).await.unwrap();
    let claim =
        "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, received_at) VALUES ($1, 'digest', $2, $3)";
    sqlx::query(claim).bind(ws).bind(format!("schedule:0@{name}")).bind(at).execute(db).await.unwrap();
}

/// Old finished runs (and a short-retention workspace's recent one) go with everything of
/// theirs; unfinished runs, however old, and recent ones stay whole.
async fn prune_keeps_only_what_it_must(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let db = raw(url).await;
    for ws in ["acme", "brief"] {
        store.create_workspace(ws, ws, &json!({})).await.unwrap();
    }
    assert!(store.set_retention_days("brief", Some(1)).await.unwrap());
    let now = now_ms();
    seed_run(&db, "acme", "old-done", "succeeded", Some(now - 40 * DAY_MS)).await;
    seed_run(&db, "acme", "old-failed", "failed", Some(now - 31 * DAY_MS)).await;
    seed_run(&db, "acme", "old-waiting", "waiting", None).await;
    sqlx::query("UPDATE runs SET created_at = $1 WHERE id = 'old-waiting'")
        .bind(now - 90 * DAY_MS)
        .execute(&db)
        .await
        .unwrap();
    seed_run(&db, "acme", "old-running", "running", None).await;
    seed_run(&db, "acme", "recent", "succeeded", Some(now - 29 * DAY_MS)).await;
    seed_run(&db, "brief", "brief-done", "succeeded", Some(now - 2 * DAY_MS)).await;
    seed_unlinked(&db, "acme", "old-missed", now - 40 * DAY_MS).await;
    seed_unlinked(&db, "acme", "new-missed", now - DAY_MS).await;
    let whole = rows_of(&db, "recent").await;
    assert!(whole.values().all(|n| *n == 1), "every table holds a row of a seeded run: {whole:?}");

    let (_stop, running) = tokio::sync::watch::channel(false);
    let pruned = prune(&store, &Policy::default(), now, &running).await.unwrap();

    assert_eq!(pruned.runs, 3, "{pruned:?}");
    for gone in ["old-done", "old-failed", "brief-done"] {
        let left = rows_of(&db, gone).await;
        assert!(left.values().all(|n| *n == 0), "{gone} left rows behind: {left:?}");
    }
    for kept in ["old-waiting", "old-running", "recent"] {
        assert_eq!(rows_of(&db, kept).await, whole, "{kept} must stay whole");
    }
    let events = count(&db, "SELECT COUNT(*) FROM trigger_events WHERE id IN ('old-missed', 'new-missed')").await;
    assert_eq!(events, 1, "the old unlinked trigger event is pruned, the new one kept");
    let claims = count(&db, "SELECT COUNT(*) FROM hook_deliveries WHERE delivery_id LIKE 'schedule:%'").await;
    assert_eq!(claims, 1, "the old schedule claim is pruned, the new one kept");
    let again = prune(&store, &Policy::default(), now, &running).await.unwrap();
    assert_eq!(again.runs + again.trigger_events + again.deliveries, 0, "{again:?}");
}

#[tokio::test]
async fn pruning_removes_old_finished_runs_whole_and_keeps_the_rest_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    prune_keeps_only_what_it_must(&format!("sqlite://{}", dir.path().join("prune.db").display())).await;
}

#[tokio::test]
async fn pruning_removes_old_finished_runs_whole_and_keeps_the_rest_on_postgres() {
    prune_keeps_only_what_it_must(&support::pg_url().await).await;
}

const ECHO: &str = "name: digest
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: 1 }
";

const WAITS: &str = "name: waits
steps:
  - id: review
    approval: { message: \"Post it?\" }
";

/// Starts `name` in `ws` as the operator and waits for `status`; returns the run id.
async fn run_to(service: &Service, ws: &str, name: &str, status: &str) -> String {
    let path = format!("/api/v1/workspaces/{ws}/workflows/{name}/runs");
    let (code, started) = service.call(OPERATOR, Method::POST, &path, None).await;
    assert_eq!(code, 202, "{started}");
    let id = started["run_id"].as_str().unwrap().to_string();
    service.wait_status(ws, &id, &[status]).await;
    id
}

#[tokio::test]
async fn deleting_a_run_takes_everything_of_it_for_owners_only_in_their_workspace() {
    let service = Service::start().await;
    let tokens: BTreeMap<&str, String> = [
        ("viewer", service.workspace_token("acme", "viewer").await),
        ("editor", service.workspace_token("acme", "editor").await),
        ("owner", service.workspace_token("acme", "owner").await),
        ("other", service.workspace_token("globex", "owner").await),
    ]
    .into();
    service.put_workflow("acme", ECHO).await;
    service.put_workflow("acme", WAITS).await;
    service.put_workflow("globex", ECHO).await;
    let run = run_to(&service, "acme", "digest", "succeeded").await;
    let theirs = run_to(&service, "globex", "digest", "succeeded").await;
    let store = &service.state().store;
    let db = raw(&format!("sqlite://{}", service.dir.path().join("roost.db").display())).await;
    let delivery = "INSERT INTO hook_deliveries (workspace, workflow, delivery_id, received_at, run_id) \
                    VALUES ('acme', 'digest', 'd-1', $1, $2)";
    sqlx::query(delivery).bind(now_ms()).bind(&run).execute(&db).await.unwrap();
    let event = TriggerEvent {
        id: "e-1".into(),
        workspace: "acme".into(),
        workflow: "digest".into(),
        kind: "webhook".into(),
        due_at: None,
        fired_at: now_ms(),
        run_id: Some(run.clone()),
        outcome: "started".into(),
        reason: None,
    };
    store.record_trigger(&event).await.unwrap();
    let before = rows_of(&db, &run).await;
    assert!(before["steps"] > 0 && before["attempts"] > 0 && before["hook_deliveries"] == 1, "{before:?}");

    let delete = |ws: &str, id: &str| format!("/api/v1/workspaces/{ws}/runs/{id}");
    for (role, code) in [("viewer", 403), ("editor", 403), ("other", 404)] {
        let (status, body) = service.call(&tokens[role], Method::DELETE, &delete("acme", &run), None).await;
        assert_eq!(status, code, "{role}: {body}");
    }
    let (status, body) = service.call(&tokens["owner"], Method::DELETE, &delete("acme", &theirs), None).await;
    assert_eq!(status, 404, "another workspace's run through one's own path: {body}");
    assert_eq!(rows_of(&db, &theirs).await["runs"], 1);

    let waiting = run_to(&service, "acme", "waits", "waiting").await;
    let (status, body) = service.call(&tokens["owner"], Method::DELETE, &delete("acme", &waiting), None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("is waiting; cancel it first"), "{body}");
    assert_eq!(rows_of(&db, &waiting).await["runs"], 1, "an active run is kept whole");

    let (status, body) = service.call(&tokens["owner"], Method::DELETE, &delete("acme", &run), None).await;
    assert_eq!(status, 200, "{body}");
    let after = rows_of(&db, &run).await;
    assert!(after.values().all(|n| *n == 0), "rows left of a deleted run: {after:?}");
    let (status, _) = service.call(&tokens["owner"], Method::GET, &delete("acme", &run), None).await;
    assert_eq!(status, 404);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM trigger_events WHERE id = 'e-1' AND run_id IS NULL").await, 1);
    let (_, audit) = service.call(&tokens["owner"], Method::GET, "/api/v1/workspaces/acme/audit", None).await;
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["action"] == "run.delete" && a["target"] == run.as_str()),
        "{audit}"
    );
    let (status, _) = service.call(OPERATOR, Method::DELETE, &delete("globex", &theirs), None).await;
    assert_eq!(status, 200, "the operator may delete any workspace's run");
}

#[tokio::test]
async fn owners_may_shorten_retention_and_only_the_operator_may_lengthen_it() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    let editor = service.workspace_token("acme", "editor").await;
    let path = "/api/v1/workspaces/acme/retention";
    let (status, view) = service.call(&editor, Method::GET, path, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((view["days"].as_i64(), view["min_schedule_interval_seconds"].as_u64()), (Some(30), Some(60)));
    let (status, _) = service.call(&editor, Method::PUT, path, Some(json!({ "days": 7 }))).await;
    assert_eq!(status, 403);
    let (status, view) = service.call(&owner, Method::PUT, path, Some(json!({ "days": 7 }))).await;
    assert_eq!((status, view["days"].as_i64()), (200, Some(7)), "{view}");
    let (status, body) = service.call(&owner, Method::PUT, path, Some(json!({ "days": 365 }))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("must be 1 to 30"), "{body}");
    let (status, view) = service.call(OPERATOR, Method::PUT, path, Some(json!({ "days": 365 }))).await;
    assert_eq!((status, view["days"].as_i64()), (200, Some(365)), "{view}");
    let (status, view) = service.call(&owner, Method::PUT, path, Some(json!({ "days": null }))).await;
    assert_eq!((status, view["days"].as_i64(), view["workspace_days"].clone()), (200, Some(30), json!(null)));
}

const EVERY_SECOND: &str = "name: ticker
on:
  schedule:
    - cron: \"* * * * * *\"
steps:
  - id: echo
    uses: echo/echo@1
    with: { n: 1 }
";

#[tokio::test]
async fn a_schedule_firing_every_second_is_refused_at_its_cron_string() {
    let service = Service::start().await;
    let (status, body) = service
        .call(OPERATOR, Method::POST, "/api/v1/workspaces/default/workflows", Some(json!({ "source": EVERY_SECOND })))
        .await;
    assert_eq!(status, 422, "{body}");
    let d = &body["error"]["details"][0];
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(4), Some(13)), "{body}");
    assert_eq!(
        d["message"],
        "schedule `* * * * * *` fires every 1 s at times, more often than this service allows (once every 60 s)"
    );
    assert!(d["help"].as_str().unwrap().contains("min_schedule_interval_seconds"), "{body}");
    let viewer = service.workspace_token("default", "viewer").await;
    let (status, checked) = service
        .call(&viewer, Method::POST, "/api/v1/workspaces/default/validate", Some(json!({ "source": EVERY_SECOND })))
        .await;
    assert_eq!((status, checked["valid"].as_bool()), (200, Some(false)), "{checked}");
    assert_eq!(checked["diagnostics"][0]["line"], 4, "{checked}");
    let every_minute = EVERY_SECOND.replace("* * * * * *", "* * * * *");
    service.put_workflow("default", &every_minute).await;
}

/// Runs of `ticker` in `default` after `wait`.
async fn ticks_after(service: &Service, wait: std::time::Duration) -> usize {
    tokio::time::sleep(wait).await;
    let (_, runs) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/runs?workflow=ticker", None).await;
    runs.as_array().unwrap().len()
}

#[tokio::test]
async fn the_operator_may_lower_the_minimum_and_a_schedule_stored_before_never_fires_faster() {
    let lowered = Policy { min_schedule_interval: std::time::Duration::from_secs(1), ..Policy::default() };
    let fast = Service::launch(crate::serve::Setup { retention: lowered, ..Default::default() }, |_| Vec::new()).await;
    fast.put_workflow("default", EVERY_SECOND).await;
    assert!(ticks_after(&fast, std::time::Duration::from_secs(4)).await >= 2, "lowered to 1 s, it fires every second");
    fast.running.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("roost.db").display())).await.unwrap();
    store.create_workspace("default", "default", &json!({})).await.unwrap();
    store.save_workflow("default", "ticker", EVERY_SECOND, "stored before the minimum").await.unwrap();
    let strict = Service::start_with(store, dir, None).await;
    assert_eq!(ticks_after(&strict, std::time::Duration::from_secs(4)).await, 0, "never fired");
    let events = strict.state().store.trigger_events("default", "ticker", 10).await.unwrap();
    assert_eq!(events.len(), 1, "reported once: {events:?}");
    assert_eq!(events[0].outcome, "skipped");
    assert!(events[0].reason.as_deref().unwrap().contains("more often than this service allows (once every 60 s)"));
}

#[tokio::test]
async fn the_cli_deletes_a_finished_run_and_refuses_an_active_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.create_workspace("acme", "acme", &json!({})).await.unwrap();
    let db = raw(&url).await;
    seed_run(&db, "acme", "done", "succeeded", Some(now_ms())).await;
    seed_run(&db, "acme", "busy", "running", None).await;
    let roost = |run: &str| crate::cli::roost(dir.path(), &["runs", "delete", run, "--db", &url]);

    let out = roost("done");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "deleted run done of workspace acme");
    assert!(rows_of(&db, "done").await.values().all(|n| *n == 0));
    let audit = store.audit_log("acme", 10).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "run.delete" && a.target == "done" && a.actor.id.starts_with("cli:")));

    let out = roost("busy");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `busy` is running; cancel it first"));
    assert_eq!(rows_of(&db, "busy").await["runs"], 1);
    assert_eq!(roost("nope").status.code(), Some(2), "an unknown run is a usage error");
}
