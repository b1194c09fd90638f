//! Mastodon's list pagination (`paginable.rb`, `base_controller#set_pagination_headers`):
//! `max_id` gives items below it, `since_id` the *newest* `limit` above it, `min_id` the
//! *oldest* `limit` above it; pages are always newest first, with a `Link` header whose
//! `next` is the oldest id on the page (`max_id`) and `prev` the newest (`min_id`).

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::Value;

use super::{ServerState, ok};

fn id_of(v: &Value) -> u64 {
    v["id"].as_str().unwrap().parse().unwrap()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// `limit` clamped as `limit_param` does: `min(|limit|, 2 * default)`.
fn limit(params: &[(String, String)], default: usize) -> usize {
    match param(params, "limit").and_then(|l| l.parse::<i64>().ok()) {
        Some(l) => (l.unsigned_abs() as usize).min(2 * default),
        None => default,
    }
}

/// One page of `items` (any order) per the paging parameters, newest first.
fn page(mut items: Vec<Value>, params: &[(String, String)], default: usize) -> Vec<Value> {
    let id = |name: &str| param(params, name).and_then(|v| v.parse::<u64>().ok());
    let (max_id, since_id, min_id) = (id("max_id"), id("since_id"), id("min_id"));
    let limit = limit(params, default);
    items.retain(|v| max_id.is_none_or(|m| id_of(v) < m));
    match min_id {
        Some(min) => {
            items.retain(|v| id_of(v) > min);
            items.sort_by_key(id_of);
            items.truncate(limit);
            items.reverse();
        }
        None => {
            items.retain(|v| since_id.is_none_or(|s| id_of(v) > s));
            items.sort_by_key(|v| std::cmp::Reverse(id_of(v)));
            items.truncate(limit);
        }
    }
    items
}

/// The page as JSON with its `Link` header; the links carry the `carried` parameters.
fn respond(page: Vec<Value>, base: &str, params: &[(String, String)], carried: &[&str]) -> Response {
    let links = match (page.first(), page.last()) {
        (Some(newest), Some(oldest)) => {
            let kept: Vec<(&str, &str)> = params
                .iter()
                .filter(|(k, _)| carried.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let url = |name: &str, id: &Value| {
                let mut query = url::form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(kept.iter().copied());
                query.append_pair(name, id.as_str().unwrap());
                format!("{base}?{}", query.finish())
            };
            Some(format!(
                "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
                url("max_id", &oldest["id"]),
                url("min_id", &newest["id"])
            ))
        }
        _ => None,
    };
    let mut resp = ok(Value::Array(page));
    if let Some(links) = links {
        resp.headers_mut().insert("link", HeaderValue::from_str(&links).unwrap());
    }
    resp
}

/// `GET /api/v1/notifications`: `types[]`/`exclude_types[]` filters, 40 per page, 80 at most.
pub fn notifications(s: &ServerState, params: &[(String, String)], base: &str) -> Response {
    let list = |name: &str| -> Vec<&str> {
        params.iter().filter(|(k, _)| k == name || k == &format!("{name}[]")).map(|(_, v)| v.as_str()).collect()
    };
    let (types, excluded) = (list("types"), list("exclude_types"));
    let items: Vec<Value> = s
        .notifications
        .iter()
        .filter(|n| types.is_empty() || types.contains(&n["type"].as_str().unwrap()))
        .filter(|n| !excluded.contains(&n["type"].as_str().unwrap()))
        .filter(|n| param(params, "account_id").is_none_or(|a| n["account"]["id"] == a))
        .cloned()
        .collect();
    let carried = ["limit", "types[]", "types", "exclude_types[]", "exclude_types", "account_id"];
    respond(page(items, params, 40), base, params, &carried)
}

/// `GET /api/v1/accounts/:id/statuses`: 20 per page, 40 at most.
pub fn account_statuses(s: &ServerState, id: &str, params: &[(String, String)], base: &str) -> Response {
    let flag = |name: &str| param(params, name).is_some_and(|v| v == "true" || v == "1");
    let items: Vec<Value> = s
        .statuses
        .iter()
        .filter(|st| st["account"]["id"] == id)
        .filter(|st| !flag("exclude_reblogs") || st["reblog"].is_null())
        .filter(|st| !flag("exclude_replies") || st["in_reply_to_id"].is_null())
        .cloned()
        .collect();
    let carried = ["limit", "exclude_reblogs", "exclude_replies", "only_media", "pinned", "tagged"];
    respond(page(items, params, 20), base, params, &carried)
}

/// `GET /api/v1/timelines/tag/:hashtag`: public statuses with the tag, no boosts; 20 per
/// page, 40 at most.
pub fn tag_timeline(s: &ServerState, tag: &str, params: &[(String, String)], base: &str) -> Response {
    let tagged = |st: &Value| {
        st["tags"].as_array().is_some_and(|tags| tags.iter().any(|t| t["name"].as_str().unwrap().to_lowercase() == tag))
    };
    let items: Vec<Value> = s
        .statuses
        .iter()
        .filter(|st| st["visibility"] == "public" && st["reblog"].is_null() && tagged(st))
        .cloned()
        .collect();
    respond(page(items, params, 20), base, params, &["limit", "local", "remote", "only_media"])
}
