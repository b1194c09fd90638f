//! `DELETE /api/v1/workspaces/{ws}`: refused to every workspace token, to a missing or
//! wrong confirmation and while a run is in flight; then every row of the workspace is gone
//! from every table of SQLite and PostgreSQL, and another workspace keeps all of its own.

use reqwest::Method;
use roost::store::Store;
use serde_json::{Value, json};
use sqlx::Row;

use super::{OPERATOR, Service};
use crate::support;

const FLOW: &str = "name: review-echo
inputs:
  text: { type: string }
steps:
  - id: review
    approval: { message: \"Post ${{ inputs.text }}?\" }
  - id: echo
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\" }
";

/// Fills workspace `ws` with a workflow, a finished run, a waiting run, a secret, a
/// variable, tokens, key-value data, a member and an invitation; returns (owner token, waiting run id, run ids).
async fn fill(service: &Service, db: &sqlx::AnyPool, ws: &str) -> (String, String, Vec<String>) {
    let owner = service.workspace_token(ws, "owner").await;
    let api = |path: &str| format!("/api/v1/workspaces/{ws}{path}");
    service.put_workflow(ws, FLOW).await;
    let put = |path: String, body: Value| async move { service.call(OPERATOR, Method::PUT, &path, Some(body)).await };
    assert_eq!(put(api("/secrets/TOKEN"), json!({ "value": "s3cret" })).await.0, 204);
    assert_eq!(put(api("/variables/GREETING"), json!({ "value": "hi" })).await.0, 204);
    let mut runs = Vec::new();
    for text in ["one", "two"] {
        let body = json!({ "inputs": { "text": text } });
        let (status, started) =
            service.call(&owner, Method::POST, &api("/workflows/review-echo/runs"), Some(body)).await;
        assert_eq!(status, 202, "{started}");
        let id = started["run_id"].as_str().unwrap().to_string();
        service.wait_status(ws, &id, &["waiting"]).await;
        runs.push(id);
    }
    let reject = api(&format!("/runs/{}/approvals/review/reject", runs[0]));
    assert_eq!(service.call(&owner, Method::POST, &reject, None).await.0, 200);
    service.wait_status(ws, &runs[0], &["rejected"]).await;
    sqlx::query("INSERT INTO kv (workspace, plugin, key, value) VALUES ($1, 'echo', 'k', $2)")
        .bind(ws)
        .bind(b"v".to_vec())
        .execute(db)
        .await
        .unwrap();
    let store = &service.state().store;
    let member = store.create_user(&format!("member@{ws}.example"), None, false).await.unwrap().unwrap();
    store.set_membership(&member.id, ws, "viewer").await.unwrap();
    let invite = json!({ "email": format!("guest@{ws}.example"), "role": "editor" });
    let (status, body) = service.call(OPERATOR, Method::POST, &api("/invitations"), Some(invite)).await;
    assert!((200..300).contains(&status), "invitation: {status} {body}");
    (owner, runs[1].clone(), runs)
}

/// `(table, column)` of every column that names a workspace or a run, read from the schema.
async fn owning_columns(db: &sqlx::AnyPool, postgres: bool) -> Vec<(String, String)> {
    let sql = if postgres {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() \
         AND column_name IN ('workspace', 'scope', 'run_id') ORDER BY table_name"
    } else {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND p.name IN ('workspace', 'scope', 'run_id') ORDER BY m.name"
    };
    let rows = sqlx::query(sql).fetch_all(db).await.unwrap();
    let columns: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert!(columns.len() >= 15, "the schema has its tables: {columns:?}");
    columns
}

/// Rows per table that belong to workspace `ws` or to one of its runs `runs`.
async fn rows_of(db: &sqlx::AnyPool, columns: &[(String, String)], ws: &str, runs: &[String]) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for (table, column) in columns {
        let values: Vec<&str> = if column == "run_id" { runs.iter().map(String::as_str).collect() } else { vec![ws] };
        let list: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} IN ({})", list.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in values {
            query = query.bind(v);
        }
        let count: i64 = query.fetch_one(db).await.unwrap().get(0);
        counts.push((format!("{table}.{column}"), count));
    }
    counts
}

async fn deletes_everything(service: Service, url: &str, postgres: bool) {
    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let (owner, waiting, runs) = fill(&service, &db, "acme").await;
    let (_, _, other_runs) = fill(&service, &db, "other").await;
    let other_owner = service.workspace_token("other", "owner").await;
    let columns = owning_columns(&db, postgres).await;
    let before = rows_of(&db, &columns, "acme", &runs).await;
    for table in [
        "runs.workspace",
        "steps.run_id",
        "approvals.workspace",
        "tokens.workspace",
        "secrets.workspace",
        "variables.workspace",
        "workflows.workspace",
        "workflow_revisions.workspace",
        "audit.workspace",
        "kv.workspace",
        "memberships.workspace",
        "invitations.workspace",
    ] {
        assert!(before.iter().any(|(t, n)| t == table && *n > 0), "{table} holds rows before: {before:?}");
    }

    let delete = |confirm: &str| format!("/api/v1/workspaces/acme?confirm={confirm}");
    let (status, body) = service.call(&owner, Method::DELETE, &delete("acme"), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "an owner is not the operator: {body}"
    );
    let (status, _) = service.call(&other_owner, Method::DELETE, &delete("acme"), None).await;
    assert_eq!(status, 404, "another workspace's token does not learn that acme exists");
    let (status, body) = service.call(OPERATOR, Method::DELETE, "/api/v1/workspaces/acme", None).await;
    assert_eq!(status, 400, "without confirmation: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("?confirm=acme"), "{body}");
    assert_eq!(
        service.call(OPERATOR, Method::DELETE, &delete("other"), None).await.0,
        400,
        "the wrong id confirms nothing"
    );
    let (status, body) = service.call(OPERATOR, Method::DELETE, &delete("acme"), None).await;
    assert_eq!(status, 409, "a run waits for approval: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("1 run queued, running or waiting"), "{body}");
    assert_eq!(rows_of(&db, &columns, "acme", &runs).await, before, "a refusal deletes nothing");

    let cancel = format!("/api/v1/workspaces/acme/runs/{waiting}/cancel");
    assert_eq!(service.call(&owner, Method::POST, &cancel, None).await.0, 200);
    let (status, body) = service.call(OPERATOR, Method::DELETE, &delete("acme"), None).await;
    assert_eq!((status, &body), (200, &json!({ "workspace": "acme", "deleted": true, "runs": 2 })));
    let left: Vec<_> = rows_of(&db, &columns, "acme", &runs).await.into_iter().filter(|(_, n)| *n > 0).collect();
    assert!(left.is_empty(), "rows of the deleted workspace are left: {left:?}");
    let kept = rows_of(&db, &columns, "other", &other_runs).await;
    for (table, n) in &before {
        let other = kept.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n);
        assert!(*n == 0 || other > 0, "{table} of the other workspace is gone too: {kept:?}");
    }

    assert_eq!(service.call(&owner, Method::GET, "/api/v1/workspaces/acme", None).await.0, 401, "its tokens are gone");
    assert_eq!(service.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme", None).await.0, 404);
    assert_eq!(service.call(OPERATOR, Method::DELETE, &delete("acme"), None).await.0, 404, "deleting again");
    let person = service.state().store.user_by_email("member@acme.example").await.unwrap();
    assert!(person.is_some(), "a member's account outlives the workspace");
    let (status, trail) = service.call(&other_owner, Method::GET, "/api/v1/workspaces/other/audit", None).await;
    assert_eq!(status, 200);
    assert!(!trail.to_string().contains("workspace.delete"), "the deletion is not in another workspace's log: {trail}");
    let instance: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit WHERE workspace IS NULL AND action = 'workspace.delete' AND target = 'acme'",
    )
    .fetch_one(&db)
    .await
    .unwrap()
    .get(0);
    assert_eq!(instance, 1, "the deletion itself is in the instance's audit log");
    let (_, rerun) = service.call(&other_owner, Method::GET, "/api/v1/workspaces/other/runs", None).await;
    assert_eq!(rerun.as_array().unwrap().len(), 2, "the other workspace keeps its runs: {rerun}");
    service.running.shutdown().await;
}

#[tokio::test]
async fn deleting_a_workspace_removes_every_row_it_held_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roost.db").display());
    let store = Store::connect(&url).await.unwrap();
    let service = Service::start_with(store, dir, None).await;
    deletes_everything(service, &url, false).await;
}

#[tokio::test]
async fn deleting_a_workspace_removes_every_row_it_held_on_postgres() {
    let url = support::pg_url().await;
    let store = Store::connect(&url).await.unwrap();
    let service = Service::start_with(store, tempfile::tempdir().unwrap(), None).await;
    deletes_everything(service, &url, true).await;
}
