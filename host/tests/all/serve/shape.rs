//! One API shape: every route, asked with a method it does not take or under a path that
//! does not exist, answers in the error envelope; every time in every answer is RFC 3339;
//! list parameters out of range are refused by name.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use roost::service::api::{Access, ENDPOINTS};
use roost::service::auth::Role;
use serde_json::Value;

use super::tenancy::{Who, World};
use super::{OPERATOR, Service};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Whether `path` would be routed to the route `pattern` (`{name}` matches one segment).
fn routed(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| p.starts_with('{') || p == s)
}

/// A concrete path for `pattern`: each parameter filled with `x`.
fn filled(pattern: &str) -> String {
    pattern.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/")
}

/// `method url` as the operator: status, Allow header and the body as JSON (`Null` if it is not).
async fn ask(service: &Service, method: &str, path: &str) -> (u16, String, Value) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let resp = service.client.request(method, format!("{}{path}", service.url)).bearer_auth(OPERATOR).send().await;
    let resp = resp.unwrap();
    let allow = resp.headers().get("allow").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let json = resp.headers().get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("application/json"));
    let (status, text) = (resp.status().as_u16(), resp.text().await.unwrap());
    (status, allow, if json { serde_json::from_str(&text).unwrap_or(Value::Null) } else { Value::Null })
}

/// The problem with an answer that should be the envelope with `status` and `code`, if any.
fn envelope_problem(what: &str, (status, body): (u16, &Value), want: (u16, &str)) -> Option<String> {
    let message = body["error"]["message"].as_str().unwrap_or("");
    let ok = status == want.0
        && body["error"]["code"] == want.1
        && !message.is_empty()
        && message.starts_with(|c: char| !c.is_uppercase());
    (!ok).then(|| format!("{what}: want {} `{}`, got {status} {body}", want.0, want.1))
}

#[tokio::test]
async fn every_route_answers_wrong_methods_and_unknown_paths_in_the_envelope() {
    let service = Service::start().await;
    let mut routes: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for e in ENDPOINTS {
        routes.entry(e.path).or_default().insert(e.method.to_uppercase());
    }
    let mut wrong = Vec::new();
    let mut asked = 0;
    for (pattern, taken) in &routes {
        let path = format!("/api/v1{}", filled(pattern));
        for method in METHODS.iter().filter(|m| !taken.contains(**m)) {
            let (status, allow, body) = ask(&service, method, &path).await;
            asked += 1;
            let what = format!("{method} {path}");
            wrong.extend(envelope_problem(&what, (status, &body), (405, "method_not_allowed")));
            if taken.iter().any(|m| !allow.contains(m.as_str())) {
                wrong.push(format!("{what}: Allow `{allow}` does not list {taken:?}"));
            }
        }
        let unknown = format!("{}/nope", filled(pattern));
        if routes.keys().any(|p| routed(p, &unknown)) {
            continue;
        }
        for method in METHODS {
            let path = format!("/api/v1{unknown}");
            let (status, _, body) = ask(&service, method, &path).await;
            asked += 1;
            wrong.extend(envelope_problem(&format!("{method} {path}"), (status, &body), (404, "not_found")));
        }
    }
    for path in ["/nope", "/api/v2/workspaces", "/api/v1", "/api/v1/", "/ui/nope.js", "/hooks/x"] {
        let (status, _, body) = ask(&service, "GET", path).await;
        asked += 1;
        wrong.extend(envelope_problem(&format!("GET {path}"), (status, &body), (404, "not_found")));
    }
    assert!(wrong.is_empty(), "{} of {asked} answers are not the envelope:\n{}", wrong.len(), wrong.join("\n"));
    assert!(asked > 100, "every route was asked: only {asked} requests");
    service.running.shutdown().await;
}

#[tokio::test]
async fn a_uri_or_headers_too_large_are_refused_in_the_envelope() {
    let service = Service::start().await;
    let long = format!("/api/v1/workspaces/default/runs?workflow={}", "w".repeat(9 << 10));
    let (status, _, body) = ask(&service, "GET", &long).await;
    assert_eq!(envelope_problem("long uri", (status, &body), (414, "uri_too_long")), None);
    let resp = service
        .client
        .get(format!("{}/api/v1/workspaces", service.url))
        .bearer_auth(OPERATOR)
        .header("x-padding", "p".repeat(40 << 10))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("a JSON answer");
    assert_eq!(envelope_problem("large headers", (status, &body), (431, "headers_too_large")), None);
    service.running.shutdown().await;
}

/// Keys whose values are times.
fn is_time_key(key: &str) -> bool {
    key == "at" || key.ends_with("_at") || ["next", "last_handled", "previous", "until"].contains(&key)
}

/// Every time in `value` (at `path`): checks it parses as RFC 3339, and that no number
/// anywhere looks like epoch milliseconds (a time left in the old shape under another name).
fn check_times(path: &str, value: &Value, seen: &mut BTreeSet<String>, wrong: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                if is_time_key(key) {
                    let times: Vec<&Value> = v.as_array().map_or_else(|| vec![v], |a| a.iter().collect());
                    for t in times.into_iter().filter(|t| !t.is_null()) {
                        seen.insert(key.clone());
                        if t.as_str().is_none_or(|s| chrono::DateTime::parse_from_rfc3339(s).is_err()) {
                            wrong.push(format!("{here}: `{t}` is not an RFC 3339 time"));
                        }
                    }
                }
                check_times(&here, v, seen, wrong);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_times(&format!("{path}[]"), v, seen, wrong)),
        Value::Number(n) if n.as_i64().is_some_and(|ms| (1_000_000_000_000..10_000_000_000_000).contains(&ms)) => {
            wrong.push(format!("{path}: {n} looks like epoch milliseconds"))
        }
        _ => {}
    }
}

/// The time properties of the OpenAPI document's schemas that are not documented as strings.
fn documented_times(document: &Value) -> Vec<String> {
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    let mut wrong = Vec::new();
    for (schema, body) in schemas {
        for (key, property) in body["properties"].as_object().into_iter().flatten().filter(|(k, _)| is_time_key(k)) {
            let ty = if property["type"] == "array" { &property["items"]["type"] } else { &property["type"] };
            if !(ty == "string" || ty.as_array().is_some_and(|t| t.contains(&Value::from("string")))) {
                wrong.push(format!("openapi {schema}.{key}: documented as {property}, not an RFC 3339 string"));
            }
        }
    }
    wrong
}

#[tokio::test]
async fn every_time_in_every_answer_is_rfc3339() {
    let mut world = World::new().await;
    let (mut seen, mut wrong) = (BTreeSet::new(), Vec::new());
    // A token that has been used has a `last_used_at`.
    let (status, _) = world.send(Who::Member(Role::Viewer), "get", "/workspaces/acme", None).await;
    assert_eq!(status, 200);
    // Every endpoint once (which also decides, cancels and finishes runs), then every list again.
    let second = ENDPOINTS.iter().filter(|e| e.method == "get");
    for e in ENDPOINTS.iter().chain(second) {
        let who = if e.access == Access::Person { Who::Person } else { Who::Operator };
        let (path, body) = world.prepare(e, who).await;
        let (status, text) = world.send(who, e.method, &path, body).await;
        assert!((200..300).contains(&status), "{} {path}: {status} {text}", e.method);
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match path.as_str() {
            "/openapi.json" => wrong.extend(documented_times(&answer)),
            _ => check_times(&format!("{} {path}", e.method), &answer, &mut seen, &mut wrong),
        }
    }
    assert!(wrong.is_empty(), "{} times are not RFC 3339:\n{}", wrong.len(), wrong.join("\n"));
    let expected = ["at", "created_at", "decided_at", "finished_at", "installed_at", "last_used_at", "requested_at"];
    let missing: Vec<&str> = expected.iter().copied().filter(|k| !seen.contains(*k)).collect();
    assert!(missing.is_empty(), "no answer held {missing:?}, so they were not checked; seen: {seen:?}");
    assert!(seen.contains("started_at") && seen.contains("updated_at"), "{seen:?}");
    world.service.running.shutdown().await;
}

#[tokio::test]
async fn list_parameters_out_of_range_are_refused_by_name() {
    let service = Service::start().await;
    service
        .put_workflow("default", "name: one\nsteps:\n  - id: e\n    uses: echo/echo@1\n    with: { text: hi }\n")
        .await;
    let runs = "/api/v1/workspaces/default/runs";
    let revisions = "/api/v1/workspaces/default/workflows/one/revisions";
    let triggers = "/api/v1/workspaces/default/triggers";
    let cases = [
        (format!("{runs}?limit=0"), "limit: `0` is not between 1 and 500"),
        (format!("{runs}?limit=501"), "limit: `501`"),
        (format!("{runs}?limit=abc"), "limit"),
        (format!("{runs}?before=garbage"), "before: `garbage` is not a run id"),
        (format!("{runs}?colour=red"), "unknown field `colour`"),
        (format!("{revisions}?before=0"), "before: `0` is not a revision"),
        (format!("{revisions}?before=garbage"), "before"),
        (format!("{revisions}?limit=0"), "limit: `0`"),
        (format!("{triggers}?limit=-5"), "limit: `-5`"),
        ("/api/v1/workspaces/default/calendar?since=now".to_string(), "unknown field `since`"),
    ];
    for (path, says) in &cases {
        let (status, _, body) = ask(&service, "GET", path).await;
        assert_eq!(envelope_problem(path, (status, &body), (400, "invalid_request")), None);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{path}: {message}");
    }
    let mut started = Vec::new();
    for _ in 0..3 {
        let (_, run) =
            service.call(OPERATOR, Method::POST, "/api/v1/workspaces/default/workflows/one/runs", None).await;
        started.push(run["run_id"].as_str().unwrap().to_string());
    }
    let ids = |page: &Value| -> Vec<String> {
        page.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    let (_, first) = service.call(OPERATOR, Method::GET, &format!("{runs}?limit=2"), None).await;
    let (first, cursor) = (ids(&first), ids(&first)[1].clone());
    let (_, rest) = service.call(OPERATOR, Method::GET, &format!("{runs}?limit=2&before={cursor}"), None).await;
    let mut all: Vec<String> = first.into_iter().chain(ids(&rest)).collect();
    assert_eq!(all.len(), 3, "two pages hold the three runs once each: {all:?}");
    all.sort();
    started.sort();
    assert_eq!(all, started);
    service.running.shutdown().await;
}
