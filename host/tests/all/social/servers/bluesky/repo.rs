//! The loopback PDS's account and repo: `createSession` and `refreshSession` with JWT-looking
//! tokens, `getRecord`, `createRecord` (which recomputes every facet's byte range from the
//! text and refuses mismatches) and `getPosts`.

use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::{APP_PASSWORD, DID, HANDLE, Query, ServerState, author, cid_of, error, ok};

pub(super) fn create_session(s: &mut ServerState, body: &[u8]) -> Response {
    let Ok(input) = serde_json::from_slice::<Value>(body) else {
        return error(400, "InvalidRequest", "Request body is not JSON");
    };
    let identifier = input["identifier"].as_str().unwrap_or_default();
    if !(identifier == HANDLE || identifier == DID) || input["password"] != APP_PASSWORD {
        return error(401, "AuthenticationRequired", "Invalid identifier or password");
    }
    s.create_sessions += 1;
    let (access, refresh) = s.issue();
    ok(json!({
        "accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID,
        "email": "roost@example.com", "emailConfirmed": true, "active": true,
    }))
}

impl ServerState {
    /// A new valid (access, refresh) pair.
    pub(super) fn issue(&mut self) -> (String, String) {
        self.issued += 1;
        let pair = (jwt("com.atproto.access", self.issued, 7200), jwt("com.atproto.refresh", self.issued, 7_776_000));
        self.sessions.push(pair.clone());
        pair
    }
}

/// `refreshSession` with the refresh token `token`: a new pair; the old one is revoked.
pub(super) fn refresh_session(s: &mut ServerState, token: &str) -> Response {
    let Some(i) = s.sessions.iter().position(|(_, r)| r == token) else {
        return error(400, "ExpiredToken", "Token has been revoked");
    };
    s.sessions.remove(i);
    s.refresh_sessions += 1;
    let (access, refresh) = s.issue();
    ok(json!({ "accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID, "active": true }))
}

/// A JWT-looking token: base64url header and claims, and a fake signature.
fn jwt(scope: &str, n: u64, lifetime: i64) -> String {
    let now = Utc::now().timestamp();
    let header = json!({ "typ": if scope.ends_with("access") { "at+jwt" } else { "refresh+jwt" }, "alg": "ES256K" });
    let claims = json!({
        "scope": scope, "sub": DID, "aud": "did:web:loopback.test", "iat": now, "exp": now + lifetime, "jti": n,
    });
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(format!("sig-{n}").as_bytes())
    )
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub(super) fn get_record(s: &ServerState, q: &Query) -> Response {
    let (repo, collection, rkey) = (q.one("repo"), q.one("collection"), q.one("rkey"));
    let (Some(repo), Some(collection), Some(rkey)) = (repo, collection, rkey) else {
        return error(
            400,
            "InvalidRequest",
            "Error: Params must have the properties \"repo\", \"collection\" and \"rkey\"",
        );
    };
    let uri = format!("at://{repo}/{collection}/{rkey}");
    let mine = (repo == DID || repo == HANDLE) && collection == "app.bsky.feed.post";
    match s.records.iter().find(|(k, _, _)| k == rkey).filter(|_| mine) {
        Some((_, cid, record)) => {
            ok(json!({ "uri": format!("at://{DID}/{collection}/{rkey}"), "cid": cid, "value": record }))
        }
        None => error(400, "RecordNotFound", &format!("Could not locate record: {uri}")),
    }
}

/// A TID: 13 base32-sortable characters, the first with the top bit clear.
fn is_tid(rkey: &str) -> bool {
    let alphabet = "234567abcdefghijklmnopqrstuvwxyz";
    rkey.len() == 13 && rkey.chars().all(|c| alphabet.contains(c)) && "234567abcdefghij".contains(&rkey[..1])
}

pub(super) fn create_record(s: &mut ServerState, body: &[u8]) -> Response {
    let Ok(input) = serde_json::from_slice::<Value>(body) else {
        return error(400, "InvalidRequest", "Request body is not JSON");
    };
    if input["repo"] != DID && input["repo"] != HANDLE {
        return error(400, "InvalidRequest", "Invalid repo: not the authenticated account");
    }
    if input["collection"] != "app.bsky.feed.post" {
        return error(400, "InvalidRequest", "this server takes app.bsky.feed.post records only");
    }
    let rkey = input["rkey"].as_str().unwrap_or_default().to_string();
    if !is_tid(&rkey) {
        return error(400, "InvalidRequest", &format!("Invalid record key for a tid-keyed collection: {rkey:?}"));
    }
    let record = &input["record"];
    if let Err(message) = check_post(s, record) {
        return error(400, "InvalidRequest", &format!("Invalid app.bsky.feed.post record: {message}"));
    }
    if s.records.iter().any(|(k, _, _)| *k == rkey) {
        // A duplicate key fails inside the MST, which surfaces as a generic 500.
        return error(500, "InternalServerError", "Internal Server Error");
    }
    let uri = format!("at://{DID}/app.bsky.feed.post/{rkey}");
    let cid = cid_of(&format!("{uri}{record}"));
    s.records.push((rkey.clone(), cid.clone(), record.clone()));
    if std::mem::take(&mut s.fail_next_create) {
        return error(500, "InternalServerError", "Internal Server Error");
    }
    ok(json!({ "uri": uri, "cid": cid, "commit": { "cid": cid_of(&cid), "rev": rkey }, "validationStatus": "valid" }))
}

fn check_post(s: &ServerState, record: &Value) -> Result<(), String> {
    if record["$type"] != "app.bsky.feed.post" {
        return Err(format!("$type must be app.bsky.feed.post, got {}", record["$type"]));
    }
    let text = record["text"].as_str().ok_or("text must be a string")?;
    if text.len() > 3000 {
        return Err("text must not be longer than 3000 bytes".into());
    }
    let created = record["createdAt"].as_str().ok_or("createdAt must be a string")?;
    chrono::DateTime::parse_from_rfc3339(created).map_err(|e| format!("createdAt must be a datetime: {e}"))?;
    super::blobs::check_embed(s, record)?;
    if let Some(reply) = record.get("reply") {
        for part in ["root", "parent"] {
            let strong = &reply[part];
            if !strong["uri"].as_str().is_some_and(|u| u.starts_with("at://")) || !strong["cid"].is_string() {
                return Err(format!("reply.{part} must be a strong ref {{uri, cid}}"));
            }
        }
    }
    let empty = Vec::new();
    let given =
        record.get("facets").map(|f| f.as_array().ok_or("facets must be an array")).transpose()?.unwrap_or(&empty);
    let mut got: Vec<(u64, u64, Value)> = Vec::new();
    for facet in given {
        let (start, end) = (facet["index"]["byteStart"].as_u64(), facet["index"]["byteEnd"].as_u64());
        let (Some(start), Some(end)) = (start, end) else {
            return Err("facet index needs byteStart and byteEnd".into());
        };
        let [feature] = facet["features"].as_array().map(Vec::as_slice).unwrap_or_default() else {
            return Err("each facet needs exactly one feature here".into());
        };
        got.push((start, end, feature.clone()));
    }
    let expected = expected_facets(s, text);
    if got != expected {
        return Err(format!("facets do not match the text byte for byte: expected {expected:?}, got {got:?}"));
    }
    Ok(())
}

/// The facets `text` must carry, recomputed from its whitespace-separated words: a word
/// `@handle` of a known handle, `#tag` and `http(s)://...`, without trailing `.,;:!?`.
fn expected_facets(s: &ServerState, text: &str) -> Vec<(u64, u64, Value)> {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (true, Some(from)) => {
                words.push((from, &text[from..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    let mut facets = Vec::new();
    for (at, word) in words {
        let word = word.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let feature = if let Some(handle) = word.strip_prefix('@') {
            s.handles.get(handle).map(|did| json!({ "$type": "app.bsky.richtext.facet#mention", "did": did }))
        } else if let Some(tag) =
            word.strip_prefix('#').filter(|t| !t.is_empty() && !t.chars().all(|c| c.is_ascii_digit()))
        {
            Some(json!({ "$type": "app.bsky.richtext.facet#tag", "tag": tag }))
        } else if word.starts_with("https://") || word.starts_with("http://") {
            Some(json!({ "$type": "app.bsky.richtext.facet#link", "uri": word }))
        } else {
            None
        };
        if let Some(feature) = feature {
            facets.push((at as u64, (at + word.len()) as u64, feature));
        }
    }
    facets
}

/// postViews for `uris` (at most 25): added posts and the account's own records.
pub(super) fn get_posts(s: &ServerState, q: &Query) -> Response {
    let uris = q.all("uris");
    if uris.len() > 25 {
        return error(400, "InvalidRequest", "Error: uris must not have more than 25 elements");
    }
    let mut posts = Vec::new();
    for uri in uris {
        if let Some(post) = s.posts.iter().find(|p| p["uri"] == uri) {
            posts.push(post.clone());
        } else if let Some((rkey, cid, record)) =
            s.records.iter().find(|(k, _, _)| uri == format!("at://{DID}/app.bsky.feed.post/{k}"))
        {
            let [likes, reposts, replies, quotes] = s.record_counts.get(uri).copied().unwrap_or_default();
            posts.push(json!({
                "uri": format!("at://{DID}/app.bsky.feed.post/{rkey}"), "cid": cid, "author": author(HANDLE),
                "record": record, "replyCount": replies, "repostCount": reposts, "likeCount": likes,
                "quoteCount": quotes, "indexedAt": record["createdAt"], "labels": [],
            }));
        }
    }
    ok(json!({ "posts": posts }))
}
