//! A loopback Mastodon instance speaking the client API's wire format: Bearer tokens,
//! notifications, account lookup and statuses, the tag timeline and `POST /api/v1/statuses`
//! with `Idempotency-Key` replay and scheduling; ids are numeric strings beyond 2^53, lists
//! page with `max_id`/`since_id`/`min_id`/`limit` and `Link` headers, and every response
//! carries `X-RateLimit-*` headers (with a 429 mode).

mod media;
mod pages;
mod posting;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use serde_json::{Value, json};

/// The access token the server accepts.
pub const TOKEN: &str = "mastodon-loopback-token";
/// The username of the token's account.
pub const OWNER: &str = "roost";
/// The instance's own domain: local accounts' `acct` is `user`, remote ones `user@domain`.
pub const DOMAIN: &str = "loopback.test";
/// The first id handed out: beyond 2^53, so an id routed through `f64` comes out wrong.
pub const FIRST_ID: u64 = 113_000_000_000_000_001;
/// Requests per five-minute window (`X-RateLimit-Limit`).
pub const LIMIT: u64 = 300;

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
    pub raw: Vec<u8>,
}

impl Seen {
    /// The decoded values of query parameter `name`, in order.
    pub fn params(&self, name: &str) -> Vec<String> {
        url::form_urlencoded::parse(self.query.as_bytes()).filter(|(k, _)| k == name).map(|(_, v)| v.into()).collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// A loopback Mastodon server; clones share state.
#[derive(Clone, Default)]
pub struct Mastodon {
    state: Arc<Mutex<ServerState>>,
}

#[derive(Default)]
struct ServerState {
    next_id: u64,
    owner_id: String,
    accounts: Vec<Value>,
    /// Every status, in id order (oldest first).
    statuses: Vec<Value>,
    notifications: Vec<Value>,
    scheduled: Vec<Value>,
    /// The ids of the statuses created through the API.
    posted: Vec<String>,
    /// Idempotency-Key -> (the Status or ScheduledStatus it created, when).
    idempotency: HashMap<String, (Value, Instant)>,
    requests: Vec<Seen>,
    remaining: u64,
    /// After `throttle_skip` more requests, the next `throttled` answer 429 until this reset.
    throttle_skip: usize,
    throttled: usize,
    throttle_reset: Option<DateTime<Utc>>,
    read_only_token: bool,
    fail_after_create: usize,
    media: media::Uploads,
}

impl Mastodon {
    pub async fn start() -> (Self, SocketAddr) {
        let server = Mastodon::default();
        {
            let mut s = server.lock();
            s.next_id = FIRST_ID;
            s.remaining = LIMIT;
            let owner = s.new_account(OWNER, None, json!({ "display_name": "Roost" }));
            s.owner_id = owner;
        }
        let app = Router::new().fallback(handle).with_state(server.clone());
        let addr = crate::support::serve_loopback(app).await;
        (server, addr)
    }

    /// The base URL a plugin reaches the server at (through the test network policy).
    pub fn instance(addr: SocketAddr) -> String {
        format!("http://{DOMAIN}:{}", addr.port())
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// The id of the token's account.
    pub fn owner_id(&self) -> String {
        self.lock().owner_id.clone()
    }

    /// Ids handed out from now on start at `id` (they keep increasing by one).
    pub fn set_next_id(&self, id: u64) {
        self.lock().next_id = id;
    }

    /// An account `username` (remote when `domain` is given) with `fields` (e.g.
    /// `display_name`, `note` as HTML, `bot`, `followers_count`) over the defaults; its id.
    pub fn add_account(&self, username: &str, domain: Option<&str>, fields: Value) -> String {
        self.lock().new_account(username, domain, fields)
    }

    /// A public status by `account_id` with HTML `content` and `fields` over the defaults
    /// (`tags: [{"name": ..}]`, `in_reply_to_id`, `reblog`, counters, ...); its id.
    pub fn add_status(&self, account_id: &str, content: &str, fields: Value) -> String {
        let mut s = self.lock();
        let account = s.account(account_id).expect("an account added before");
        let id = s.take_id();
        let mut status = posting::status_entity(&id, &account, content, &now());
        if let Value::Object(map) = fields {
            for (k, v) in map {
                status[k] = v;
            }
        }
        s.statuses.push(status);
        id
    }

    /// A status by `from_account_id` with HTML `content` that mentions the owner, and its
    /// `mention` notification; (notification id, status id).
    pub fn add_mention(&self, from_account_id: &str, content: &str) -> (String, String) {
        let owner = self.owner_id();
        let owner_account = self.lock().account(&owner).unwrap();
        let mention = json!([{ "id": owner, "username": OWNER, "acct": OWNER, "url": owner_account["url"] }]);
        let status_id = self.add_status(from_account_id, content, json!({ "mentions": mention }));
        (self.add_notification("mention", from_account_id, Some(&status_id)), status_id)
    }

    /// A notification of `kind` from `account_id`, about `status_id` if given; its id.
    pub fn add_notification(&self, kind: &str, account_id: &str, status_id: Option<&str>) -> String {
        let mut s = self.lock();
        let account = s.account(account_id).expect("an account added before");
        let status = status_id.map(|id| s.statuses.iter().find(|st| st["id"] == id).expect("a status").clone());
        let id = s.take_id();
        s.notifications.push(json!({
            "id": id, "type": kind, "created_at": now(), "group_key": format!("ungrouped-{id}"),
            "account": account, "status": status,
        }));
        id
    }

    /// The next `n` requests answer 429 `Too many requests`, the window resetting
    /// `reset_in` from now.
    pub fn throttle(&self, n: usize, reset_in: Duration) {
        self.throttle_after(0, n, reset_in);
    }

    /// Like [`Self::throttle`], after letting `skip` more requests through.
    pub fn throttle_after(&self, skip: usize, n: usize, reset_in: Duration) {
        let mut s = self.lock();
        s.throttle_skip = skip;
        s.throttled = n;
        s.throttle_reset = Some(Utc::now() + reset_in);
    }

    /// Sets the requests left in the window (`X-RateLimit-Remaining`).
    pub fn set_remaining(&self, n: u64) {
        self.lock().remaining = n;
    }

    /// The token lacks `write:statuses`: posting answers 403.
    pub fn read_only_token(&self) {
        self.lock().read_only_token = true;
    }

    /// The next status POST creates the status, then answers 503 as if the response was lost.
    pub fn fail_next_post_after_create(&self) {
        self.lock().fail_after_create = 1;
    }

    /// Sets the favourites, boosts and replies of status `id` as the instance would count them.
    pub fn set_counts(&self, id: &str, favourites: u64, reblogs: u64, replies: u64) {
        let mut s = self.lock();
        let status = s.statuses.iter_mut().find(|st| st["id"] == id).expect("a status of this server");
        status["favourites_count"] = json!(favourites);
        status["reblogs_count"] = json!(reblogs);
        status["replies_count"] = json!(replies);
    }

    /// Moves the `created_at` of every status `by` into the past, wherever it is shown
    /// (the notifications that carry it too).
    pub fn age_statuses(&self, by: Duration) {
        let mut s = self.lock();
        let mut aged = HashMap::new();
        for status in &mut s.statuses {
            let at: DateTime<Utc> = status["created_at"].as_str().unwrap().parse().unwrap();
            status["created_at"] = json!(stamp(at - by));
            aged.insert(status["id"].as_str().unwrap().to_string(), status["created_at"].clone());
        }
        for (entity, _) in s.idempotency.values_mut() {
            if let Some(at) = entity["id"].as_str().and_then(|id| aged.get(id)) {
                entity["created_at"] = at.clone();
            }
        }
        for status in s.notifications.iter_mut().map(|n| &mut n["status"]) {
            if let Some(at) = status["id"].as_str().and_then(|id| aged.get(id)) {
                status["created_at"] = at.clone();
            }
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().requests.clone()
    }

    /// The requests to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// The statuses created through `POST /api/v1/statuses`, in order.
    pub fn posted(&self) -> Vec<Value> {
        let s = self.lock();
        s.posted.iter().filter_map(|id| s.statuses.iter().find(|st| st["id"] == id.as_str()).cloned()).collect()
    }

    /// The scheduled statuses, in order.
    pub fn scheduled(&self) -> Vec<Value> {
        self.lock().scheduled.clone()
    }
}

impl ServerState {
    fn take_id(&mut self) -> String {
        let id = self.next_id;
        self.next_id += 1;
        id.to_string()
    }

    fn account(&self, id: &str) -> Option<Value> {
        self.accounts.iter().find(|a| a["id"] == id).cloned()
    }

    fn new_account(&mut self, username: &str, domain: Option<&str>, fields: Value) -> String {
        let id = self.take_id();
        let acct = domain.map_or(username.to_string(), |d| format!("{username}@{d}"));
        let url = format!("https://{}/@{username}", domain.unwrap_or(DOMAIN));
        let mut account = json!({
            "id": id, "username": username, "acct": acct, "display_name": "", "locked": false, "bot": false,
            "discoverable": true, "group": false, "created_at": "2019-03-26T00:00:00.000Z", "note": "",
            "url": url, "avatar": format!("{url}/avatar.png"), "avatar_static": format!("{url}/avatar.png"),
            "header": "", "header_static": "", "followers_count": 0, "following_count": 0, "statuses_count": 0,
            "last_status_at": null, "emojis": [], "fields": [],
        });
        if let Value::Object(map) = fields {
            for (k, v) in map {
                account[k] = v;
            }
        }
        self.accounts.push(account);
        id
    }
}

/// A time as Mastodon writes it: RFC 3339, milliseconds, `Z`.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn now() -> String {
    stamp(Utc::now())
}

/// `{"error": message}` with `status`.
fn error(status: u16, message: &str) -> Response {
    (StatusCode::from_u16(status).unwrap(), axum::Json(json!({ "error": message }))).into_response()
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn handle(State(server): State<Mastodon>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        raw: body.to_vec(),
    };
    let mut s = server.lock();
    s.requests.push(seen.clone());
    let reset = window_reset(Utc::now());
    if s.throttle_skip > 0 {
        s.throttle_skip -= 1;
    } else if s.throttled > 0 {
        s.throttled -= 1;
        let reset = s.throttle_reset.unwrap_or(reset);
        return with_rate_headers(error(429, "Too many requests"), 0, reset);
    }
    s.remaining = s.remaining.saturating_sub(1);
    let remaining = s.remaining;
    let resp = route(&mut s, &seen, &method, &headers);
    with_rate_headers(resp, remaining, reset)
}

fn route(s: &mut ServerState, seen: &Seen, method: &Method, headers: &HeaderMap) -> Response {
    let token = match headers.get("authorization").map(|v| v.to_str().unwrap_or_default()) {
        None => None,
        Some(value) if value.strip_prefix("Bearer ") == Some(TOKEN) => Some(()),
        Some(_) => return error(401, "The access token is invalid"),
    };
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or(DOMAIN).to_string();
    let base = format!("http://{host}{}", seen.path);
    let params: Vec<(String, String)> = url::form_urlencoded::parse(seen.query.as_bytes()).into_owned().collect();
    let segments: Vec<&str> = seen.path.trim_start_matches('/').split('/').collect();
    let needs_user = || error(401, "This method requires an authenticated user");
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["api", "v1", "notifications"]) => {
            if token.is_none() {
                return needs_user();
            }
            pages::notifications(s, &params, &base)
        }
        ("POST", ["api", "v1", "statuses"]) => {
            if token.is_none() {
                return needs_user();
            }
            if s.read_only_token {
                return error(403, "This action is outside the authorized scopes");
            }
            posting::create(s, seen, headers)
        }
        ("POST", ["api", "v2", "media"]) if token.is_some() => media::upload(s, seen),
        ("GET", ["api", "v1", "media", id]) if token.is_some() => media::get(s, id),
        ("GET", ["api", "v1", "accounts", "lookup"]) => {
            let acct = params.iter().find(|(k, _)| k == "acct").map(|(_, v)| v.trim_start_matches('@').to_lowercase());
            let local = |a: &Value| format!("{}@{DOMAIN}", a["username"].as_str().unwrap()).to_lowercase();
            let found = s.accounts.iter().find(|a| {
                acct.as_deref().is_some_and(|x| a["acct"].as_str().unwrap().to_lowercase() == x || local(a) == x)
            });
            found.map_or_else(|| error(404, "Record not found"), |a| ok(a.clone()))
        }
        ("GET", ["api", "v1", "statuses", id]) => {
            let found = s.statuses.iter().find(|st| st["id"] == *id && st["visibility"] != "direct");
            found.map_or_else(|| error(404, "Record not found"), |st| ok(st.clone()))
        }
        ("GET", ["api", "v1", "accounts", id]) => s.account(id).map_or_else(|| error(404, "Record not found"), ok),
        ("GET", ["api", "v1", "accounts", id, "statuses"]) => {
            if s.account(id).is_none() {
                return error(404, "Record not found");
            }
            pages::account_statuses(s, id, &params, &base)
        }
        ("GET", ["api", "v1", "timelines", "tag", tag]) => {
            let tag = url::form_urlencoded::parse(format!("t={tag}").as_bytes()).next().unwrap().1.to_lowercase();
            pages::tag_timeline(s, &tag, &params, &base)
        }
        _ => error(404, "Record not found"),
    }
}

/// The end of the current five-minute window.
fn window_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let into = (now.minute() % 5) as i64 * 60 + now.second() as i64;
    now.with_nanosecond(0).unwrap() + Duration::seconds(300 - into)
}

/// Adds `X-RateLimit-*` (Reset as ISO 8601 with microseconds) and Mastodon's cache header.
fn with_rate_headers(mut resp: Response, remaining: u64, reset: DateTime<Utc>) -> Response {
    let h = resp.headers_mut();
    let value = |s: String| HeaderValue::from_str(&s).unwrap();
    h.insert("x-ratelimit-limit", value(LIMIT.to_string()));
    h.insert("x-ratelimit-remaining", value(remaining.to_string()));
    h.insert("x-ratelimit-reset", value(reset.to_rfc3339_opts(SecondsFormat::Micros, true)));
    h.insert("cache-control", HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"));
    resp
}
