//! A loopback Bluesky PDS with its AppView: XRPC at `/xrpc/<nsid>` with the real JSON field
//! names, JWT-looking tokens that expire and rotate, `RateLimit-*` headers on every
//! response, and a repo that checks records (and their facets' byte ranges) like a PDS.

mod blobs;
mod repo;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

/// The account the plugin signs in as.
pub const HANDLE: &str = "roost.test";
pub const DID: &str = "did:plc:roost";
pub const APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";

/// The rate-limit window the server announces (`RateLimit-Policy: 3000;w=300`).
const LIMIT: u64 = 3000;
const WINDOW_SECONDS: i64 = 300;

/// A loopback Bluesky server; clones share state.
#[derive(Clone, Default)]
pub struct Bluesky {
    state: Arc<Mutex<ServerState>>,
}

#[derive(Default)]
struct ServerState {
    /// Valid (access, refresh) pairs; an access token in `expired` gets ExpiredToken.
    sessions: Vec<(String, String)>,
    expired: Vec<String>,
    issued: u64,
    create_sessions: usize,
    refresh_sessions: usize,
    /// Notifications and posts, oldest first; served newest first.
    notifications: Vec<Value>,
    posts: Vec<Value>,
    /// Author feed items (posts and reposts) by DID, oldest first.
    feeds: HashMap<String, Vec<Value>>,
    profiles: Vec<Value>,
    handles: HashMap<String, String>,
    /// The signed-in account's records: (rkey, cid, record), in creation order.
    records: Vec<(String, String, Value)>,
    /// Likes, reposts, replies and quotes of those records, by AT-URI (0 until set).
    record_counts: HashMap<String, [u64; 4]>,
    /// Uploaded blobs: (cid, mime type, bytes).
    blobs: Vec<(String, String, Vec<u8>)>,
    /// Seconds since the clock's start: each added item is indexed one second later.
    clock: i64,
    page_size: Option<usize>,
    remaining: u64,
    /// While set, every call answers 429 with this reset (epoch seconds).
    rate_limited_until: Option<i64>,
    fail_next_create: bool,
    /// `nsid?query` of every request, in order.
    requests: Vec<String>,
}

impl Bluesky {
    pub async fn start() -> (Self, SocketAddr) {
        let server = Bluesky::default();
        {
            let mut s = server.lock();
            s.remaining = LIMIT;
            s.handles.insert(HANDLE.into(), DID.into());
        }
        let app = Router::new().route("/xrpc/{nsid}", any(xrpc)).with_state(server.clone());
        let addr = crate::support::serve_loopback(app).await;
        (server, addr)
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// Makes `handle` resolve to `did`.
    pub fn add_handle(&self, handle: &str, did: &str) {
        self.lock().handles.insert(handle.into(), did.into());
    }

    /// A profileViewDetailed for `getProfile`; its handle resolves too.
    pub fn add_profile(&self, profile: Value) {
        let mut s = self.lock();
        s.handles.insert(profile["handle"].as_str().unwrap().into(), profile["did"].as_str().unwrap().into());
        s.profiles.push(profile);
    }

    /// A post by `handle` (DID `did:plc:<first label>`), indexed one second after the last
    /// item; it shows in search, getPosts and its author's feed. Returns its AT-URI.
    pub fn add_post(&self, handle: &str, text: &str, counts: [u64; 3], reply_to: Option<&str>) -> String {
        let mut s = self.lock();
        let at = s.tick();
        let did = did_of(handle);
        let uri = format!("at://{did}/app.bsky.feed.post/3kpost{:07}", s.clock);
        let mut record = json!({ "$type": "app.bsky.feed.post", "text": text, "createdAt": at, "langs": ["en"] });
        if let Some(parent) = reply_to {
            let parent_ref = json!({ "uri": parent, "cid": cid_of(parent) });
            record["reply"] = json!({ "root": parent_ref, "parent": parent_ref });
        }
        let post = json!({
            "uri": uri, "cid": cid_of(&uri), "author": author(handle), "record": record,
            "replyCount": counts[2], "repostCount": counts[1], "likeCount": counts[0], "quoteCount": 0,
            "bookmarkCount": 0, "indexedAt": at, "labels": [],
        });
        s.feeds.entry(did).or_default().push(json!({ "post": post }));
        s.posts.push(post);
        uri
    }

    /// `reposter` reposts the post at `uri` (it shows in the reposter's feed with a reason).
    pub fn add_repost(&self, reposter: &str, uri: &str) {
        let mut s = self.lock();
        let at = s.tick();
        let post = s.posts.iter().find(|p| p["uri"] == uri).expect("a post added before").clone();
        let reason = json!({ "$type": "app.bsky.feed.defs#reasonRepost", "by": author(reposter), "indexedAt": at });
        s.feeds.entry(did_of(reposter)).or_default().push(json!({ "post": post, "reason": reason }));
    }

    /// A notification of `reason` from `handle`, caused by a new post of theirs with `text`
    /// (a reply answers one of the account's posts). Returns the post's AT-URI.
    pub fn add_notification(&self, reason: &str, handle: &str, text: &str) -> String {
        let uri = self.add_post(handle, text, [1, 0, 0], None);
        let mut s = self.lock();
        let post = s.posts.last().unwrap().clone();
        let mut record = post["record"].clone();
        let mine = format!("at://{DID}/app.bsky.feed.post/3kmine0000000");
        if reason == "reply" {
            let strong = json!({ "uri": mine, "cid": cid_of(&mine) });
            record["reply"] = json!({ "root": strong, "parent": strong });
        }
        let n = json!({
            "uri": uri, "cid": post["cid"], "author": post["author"], "reason": reason,
            "reasonSubject": mine, "record": record, "isRead": false, "indexedAt": post["indexedAt"], "labels": [],
        });
        s.notifications.push(n);
        uri
    }

    /// Makes every access token issued so far expire (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        let mut s = self.lock();
        let access: Vec<String> = s.sessions.iter().map(|(a, _)| a.clone()).collect();
        s.expired.extend(access);
    }

    /// Answers every call with 429 until the window resets `reset_in` seconds from now.
    pub fn rate_limit(&self, reset_in: i64) {
        self.lock().rate_limited_until = Some(Utc::now().timestamp() + reset_in);
    }

    /// Lists at most `n` items per page, whatever `limit` asks for.
    pub fn page_size(&self, n: usize) {
        self.lock().page_size = Some(n);
    }

    /// The next `createRecord` stores the record and then answers 500, as if the response was lost.
    /// Sets the likes, reposts, replies and quotes of the signed-in account's post `uri`.
    pub fn set_counts(&self, uri: &str, counts: [u64; 4]) {
        self.lock().record_counts.insert(uri.to_string(), counts);
    }

    pub fn fail_next_create(&self) {
        self.lock().fail_next_create = true;
    }

    /// The records created in the signed-in account's repo: (rkey, record).
    pub fn records(&self) -> Vec<(String, Value)> {
        self.lock().records.iter().map(|(rkey, _, record)| (rkey.clone(), record.clone())).collect()
    }

    pub fn create_sessions(&self) -> usize {
        self.lock().create_sessions
    }

    pub fn refresh_sessions(&self) -> usize {
        self.lock().refresh_sessions
    }

    /// `nsid?query` of every request so far.
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// How many requests called `nsid`.
    pub fn calls(&self, nsid: &str) -> usize {
        self.lock().requests.iter().filter(|r| r.split('?').next() == Some(nsid)).count()
    }
}

impl ServerState {
    fn tick(&mut self) -> String {
        self.clock += 1;
        let start: DateTime<Utc> = "2026-08-21T10:00:00Z".parse().unwrap();
        (start + Duration::seconds(self.clock)).to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// The one page of `items` (newest first) at `cursor`, shaped by `shape` with the next cursor.
    fn page(&self, items: Vec<Value>, q: &Query, shape: impl FnOnce(Vec<Value>, Option<String>) -> Value) -> Response {
        let limit = match q.one("limit").map(|l| l.parse::<usize>()) {
            None => 50,
            Some(Ok(l)) if (1..=100).contains(&l) => l,
            Some(_) => return error(400, "InvalidRequest", "limit must be an integer between 1 and 100"),
        };
        let Ok(from) = q.one("cursor").map_or(Ok(0), |c| c.parse::<usize>()) else {
            return error(400, "InvalidRequest", "bad cursor");
        };
        let to = (from + limit.min(self.page_size.unwrap_or(usize::MAX))).min(items.len()).max(from.min(items.len()));
        let next = (to < items.len()).then(|| to.to_string());
        ok(shape(items.get(from..to).unwrap_or_default().to_vec(), next))
    }
}

/// A DID for a test handle: `did:plc:` and its first label.
pub fn did_of(handle: &str) -> String {
    if handle == HANDLE { DID.into() } else { format!("did:plc:{}", handle.split('.').next().unwrap()) }
}

fn author(handle: &str) -> Value {
    let name = handle.split('.').next().unwrap();
    let display = name[..1].to_uppercase() + &name[1..];
    json!({ "did": did_of(handle), "handle": handle, "displayName": display, "labels": [] })
}

/// A CID-looking string derived from `text`.
fn cid_of(text: &str) -> String {
    let sum: u64 = text.bytes().fold(1469598103934665603, |h, b| (h ^ u64::from(b)).wrapping_mul(1099511628211));
    format!("bafyrei{sum:016x}")
}

/// The query string's pairs; keys may repeat.
struct Query(Vec<(String, String)>);

impl Query {
    fn one(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }
}

fn error(status: u16, name: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, axum::Json(json!({ "error": name, "message": message }))).into_response()
}

fn ok(value: Value) -> Response {
    axum::Json(value).into_response()
}

async fn xrpc(
    State(server): State<Bluesky>,
    Path(nsid): Path<String>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = raw.unwrap_or_default();
    let query = Query(url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect());
    let mut s = server.lock();
    s.requests.push(format!("{nsid}?{raw}"));
    s.remaining = s.remaining.saturating_sub(1);
    let now = Utc::now().timestamp();
    let limited = s.rate_limited_until.filter(|until| *until > now);
    let mut resp = match limited {
        Some(_) => error(429, "RateLimitExceeded", "Rate Limit Exceeded"),
        None => answer(&mut s, &nsid, &method, &query, &headers, &body),
    };
    let reset = limited.unwrap_or(now + WINDOW_SECONDS);
    let remaining = if limited.is_some() { 0 } else { s.remaining };
    let h = resp.headers_mut();
    h.insert("RateLimit-Limit", HeaderValue::from(LIMIT));
    h.insert("RateLimit-Remaining", HeaderValue::from(remaining));
    h.insert("RateLimit-Reset", HeaderValue::from(reset));
    h.insert("RateLimit-Policy", HeaderValue::from_str(&format!("{LIMIT};w={WINDOW_SECONDS}")).unwrap());
    resp
}

fn answer(s: &mut ServerState, nsid: &str, method: &Method, q: &Query, headers: &HeaderMap, body: &[u8]) -> Response {
    let procedure = matches!(
        nsid,
        "com.atproto.server.createSession"
            | "com.atproto.server.refreshSession"
            | "com.atproto.repo.createRecord"
            | "com.atproto.repo.uploadBlob"
    );
    if procedure != (method == Method::POST) {
        return error(400, "InvalidRequest", &format!("wrong method {method} for {nsid}"));
    }
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if nsid == "com.atproto.server.createSession" {
        return repo::create_session(s, body);
    }
    let Some(token) = bearer else { return error(401, "AuthMissing", "Authentication Required") };
    if nsid == "com.atproto.server.refreshSession" {
        return repo::refresh_session(s, token);
    }
    if s.expired.iter().any(|t| t == token) {
        return error(400, "ExpiredToken", "Token has expired");
    }
    if !s.sessions.iter().any(|(a, _)| a == token) {
        return error(400, "InvalidToken", "Token could not be verified");
    }
    let newest_first = |items: &[Value]| items.iter().rev().cloned().collect::<Vec<_>>();
    match nsid {
        "app.bsky.notification.listNotifications" => {
            let reasons = q.all("reasons");
            let wanted = newest_first(&s.notifications)
                .into_iter()
                .filter(|n| reasons.is_empty() || reasons.contains(&n["reason"].as_str().unwrap()))
                .collect();
            s.page(wanted, q, |page, cursor| json!({ "notifications": page, "cursor": cursor, "priority": false }))
        }
        "app.bsky.feed.searchPosts" => {
            let Some(words) = q.one("q").filter(|w| !w.trim().is_empty()) else {
                return error(400, "InvalidRequest", "Error: Params must have the property \"q\"");
            };
            let needle = words.to_lowercase();
            let hits: Vec<Value> = newest_first(&s.posts)
                .into_iter()
                .filter(|p| p["record"]["text"].as_str().unwrap().to_lowercase().contains(&needle))
                .collect();
            let total = hits.len();
            s.page(hits, q, |page, cursor| json!({ "posts": page, "cursor": cursor, "hitsTotal": total }))
        }
        "app.bsky.feed.getPosts" => repo::get_posts(s, q),
        "com.atproto.repo.uploadBlob" => blobs::upload(s, headers, body),
        "app.bsky.actor.getProfile" => {
            let actor = q.one("actor").unwrap_or_default();
            match s.profiles.iter().find(|p| p["did"] == actor || p["handle"] == actor) {
                Some(profile) => ok(profile.clone()),
                None => error(400, "InvalidRequest", "Profile not found"),
            }
        }
        "app.bsky.feed.getAuthorFeed" => {
            let actor = q.one("actor").unwrap_or_default();
            let did = s.handles.get(actor).cloned().unwrap_or(actor.to_string());
            let no_replies = q.one("filter") == Some("posts_no_replies");
            let items: Vec<Value> = newest_first(s.feeds.get(&did).map_or(&[][..], Vec::as_slice))
                .into_iter()
                .filter(|item| {
                    !(no_replies && item.get("reason").is_none() && item["post"]["record"].get("reply").is_some())
                })
                .collect();
            s.page(items, q, |page, cursor| json!({ "feed": page, "cursor": cursor }))
        }
        "com.atproto.identity.resolveHandle" => match q.one("handle").and_then(|h| s.handles.get(h)) {
            Some(did) => ok(json!({ "did": did })),
            None => error(400, "HandleNotFound", "Unable to resolve handle"),
        },
        "com.atproto.repo.getRecord" => repo::get_record(s, q),
        "com.atproto.repo.createRecord" => repo::create_record(s, body),
        _ => error(501, "MethodNotImplemented", "Method Not Implemented"),
    }
}
