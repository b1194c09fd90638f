//! Exactly-once: every `for_each` item published once, by one engine or two; wide DAGs run each step once.

use std::collections::BTreeMap;
use std::time::Duration;

use roost::engine::{Progress, report};
use roost::store::Store;
use serde_json::{Value, json};

use super::{Db, PATIENCE, attempts, engine, engine_with, finish, postgres, sqlite, start};
use crate::support::Publisher;

fn publish_workflow(port: u16, concurrency: u32) -> String {
    format!(
        r#"
name: publish-all
steps:
  - id: publish
    uses: flaky/publish@1
    for_each: [p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]
    concurrency: {concurrency}
    with: {{ url: "http://loopback.test:{port}/statuses", text: "post ${{{{ item }}}}" }}
"#
    )
}

/// The server saw each of the run's 10 items exactly once, under its own key.
fn assert_published_once(server: &Publisher, run_id: &str) {
    let expected: BTreeMap<String, usize> = (0..10).map(|i| (format!("{run_id}/publish/{i}"), 1)).collect();
    assert_eq!(server.counts(), expected);
    let bodies = server.by_key.lock().unwrap().clone();
    for i in 0..10 {
        let body: Value = serde_json::from_str(&bodies[&format!("{run_id}/publish/{i}")][0]).unwrap();
        assert_eq!(body, json!({ "text": format!("post p{i}") }));
    }
}

async fn a_for_each_publishes_every_item_exactly_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(50)).await;
    let engine = engine_with(&db.store, &[format!("http://loopback.test:{}", addr.port())]);
    let done = finish(&engine, &publish_workflow(addr.port(), 4), &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_eq!(done.steps["publish"].output, json!(vec![json!({ "status": 200 }); 10]));
    assert_published_once(&server, &done.run_id);
    assert!((2..=4).contains(&server.max_in_flight()), "{} requests at once", server.max_in_flight());
}

#[tokio::test]
async fn a_for_each_publishes_every_item_exactly_once_in_sqlite() {
    a_for_each_publishes_every_item_exactly_once(sqlite().await).await;
}

#[tokio::test]
async fn a_for_each_publishes_every_item_exactly_once_in_postgres() {
    a_for_each_publishes_every_item_exactly_once(postgres().await).await;
}

/// Two engines (two processes in real life) drive the same run on one database at once.
async fn two_engines_publish_each_item_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(100)).await;
    let hosts = [format!("http://loopback.test:{}", addr.port())];
    let a = engine_with(&db.store, &hosts);
    let b = engine_with(&Store::connect(&db.url).await.unwrap(), &hosts);
    let run_id = start(&a, &publish_workflow(addr.port(), 3), &[]).await;
    let (pa, pb) = tokio::join!(a.drive(&run_id, PATIENCE), b.drive(&run_id, PATIENCE));
    assert_eq!((pa.unwrap(), pb.unwrap()), (Progress::Finished, Progress::Finished));
    let done = report(&db.store, &run_id).await.unwrap();
    assert_eq!(done.status, "succeeded", "{done:?}");
    assert_published_once(&server, &run_id);
    assert_eq!(attempts(&db.url, &run_id, "publish").await.len(), 10);
}

#[tokio::test]
async fn two_engines_publish_each_item_once_in_sqlite() {
    two_engines_publish_each_item_once(sqlite().await).await;
}

#[tokio::test]
async fn two_engines_publish_each_item_once_in_postgres() {
    two_engines_publish_each_item_once(postgres().await).await;
}

/// Many short items, many at once: the widest window for a `for_each` item to be run twice.
async fn many_items_are_each_published_once(db: Db) {
    let (server, addr) = Publisher::start(Duration::from_millis(5)).await;
    let engine = engine_with(&db.store, &[format!("http://loopback.test:{}", addr.port())]);
    let items: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    let yaml = publish_workflow(addr.port(), 10)
        .replace("[p0, p1, p2, p3, p4, p5, p6, p7, p8, p9]", &format!("[{}]", items.join(", ")));
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let twice: Vec<_> = server.counts().into_iter().filter(|(_, n)| *n != 1).collect();
    assert_eq!(server.counts().len(), 40);
    assert!(twice.is_empty(), "items published more than once: {twice:?}");
}

#[tokio::test]
async fn many_items_are_each_published_once_in_sqlite() {
    many_items_are_each_published_once(sqlite().await).await;
}

#[tokio::test]
async fn many_items_are_each_published_once_in_postgres() {
    many_items_are_each_published_once(postgres().await).await;
}

/// Many independent plain steps finishing together: each must run exactly once (the kv
/// counter of `fail-times` counts executions per idempotency key).
async fn many_independent_steps_each_run_once(db: Db) {
    let engine = engine(&db.store);
    let mut yaml = String::from("name: wide\nsteps:\n");
    for i in 0..30 {
        yaml.push_str(&format!("  - id: s{i}\n    uses: flaky/fail-times@1\n    with: {{ times: 0, kind: fatal }}\n"));
    }
    let done = finish(&engine, &yaml, &[]).await;
    assert_eq!(done.status, "succeeded", "{done:?}");
    let twice: Vec<_> = done
        .steps
        .iter()
        .filter(|(_, s)| s.output["attempts"] != 1)
        .map(|(id, s)| (id, &s.output["attempts"]))
        .collect();
    assert!(twice.is_empty(), "steps executed more than once: {twice:?}");
}

#[tokio::test]
async fn many_independent_steps_each_run_once_in_sqlite() {
    many_independent_steps_each_run_once(sqlite().await).await;
}

#[tokio::test]
async fn many_independent_steps_each_run_once_in_postgres() {
    many_independent_steps_each_run_once(postgres().await).await;
}
