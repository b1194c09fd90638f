//! The `mentions` and `search` actions: page through notifications or search hits,
//! newest first, until a post seen in an earlier run, and return the new ones oldest first.

use roost_sdk::{StepError, kv};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::seen::Seen;
use crate::session::Client;
use crate::shapes::{self, MENTION_REASONS, Mention};

/// Pages read at most in one run, whatever the cursors say.
const MAX_PAGES: usize = 50;
/// Seen-markers expire when a listener has not run for half a year.
const SEEN_TTL_SECONDS: u32 = 180 * 24 * 3600;
/// `getPosts` takes at most 25 URIs.
const GET_POSTS_MAX: usize = 25;

/// One page: its items (post, indexedAt) newest first, and the cursor of the next page.
pub type Page = (Vec<(Mention, String)>, Option<String>);

/// Reads pages from `start` (the top when `None`) until `limit` new items, the end, or,
/// reading from the top, the first item `seen` already covers. Returns the new items
/// newest first and the cursor to read on from when the limit cut the listing short.
///
/// From an explicit cursor (a backlog, older than what was seen) only remembered URIs
/// are skipped.
pub fn poll(
    seen: &Seen,
    limit: usize,
    start: Option<String>,
    mut fetch: impl FnMut(Option<&str>, usize) -> Result<Page, StepError>,
) -> Result<Page, StepError> {
    let backlog = start.is_some();
    let mut cursor = start;
    let mut found: Vec<(Mention, String)> = Vec::new();
    for _ in 0..MAX_PAGES {
        let want = (limit - found.len()).min(100);
        let (items, next) = fetch(cursor.as_deref(), want)?;
        for (mention, indexed_at) in items {
            let old = if backlog { seen.uris.contains(&mention.id) } else { seen.has_seen(&mention.id, &indexed_at) };
            if old && !backlog {
                return Ok((found, None));
            }
            if old || found.iter().any(|(m, _)| m.id == mention.id) {
                continue;
            }
            found.push((mention, indexed_at));
            if found.len() >= limit {
                return Ok((found, next));
            }
        }
        match next {
            Some(next) if cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
            _ => return Ok((found, None)),
        }
    }
    Ok((found, cursor))
}

/// The `mentions`/`search` output: new posts oldest first.
#[derive(Debug, serde::Serialize)]
pub struct Listing {
    pub mentions: Vec<Mention>,
    pub count: usize,
    /// Where to read on (older posts) when `limit` cut this run short; otherwise null.
    pub cursor: Option<String>,
}

/// The marker of what earlier runs returned.
fn load(key: &str) -> Result<Seen, StepError> {
    Ok(kv::get_json(key)?.unwrap_or_default())
}

/// Saves the marker with the new items and shapes the listing, oldest first.
fn finish(
    key: &str,
    mut seen: Seen,
    mut found: Vec<(Mention, String)>,
    cursor: Option<String>,
) -> Result<Listing, StepError> {
    seen.remember(found.iter().map(|(m, at)| (m.id.as_str(), at.as_str())));
    kv::set_json(key, &seen, Some(SEEN_TTL_SECONDS))?;
    found.reverse();
    let mentions: Vec<Mention> = found.into_iter().map(|(m, _)| m).collect();
    Ok(Listing { count: mentions.len(), mentions, cursor })
}

/// New mentions, replies and quotes of the signed-in account.
pub fn mentions(client: &mut Client, limit: usize, cursor: Option<String>) -> Result<Listing, StepError> {
    let key = format!("mentions|{}|{}", client.base, client.session.did);
    let seen = load(&key)?;
    let fetch = |cursor: Option<&str>, want: usize| -> Result<Page, StepError> {
        let mut params: Vec<(&str, String)> = MENTION_REASONS.iter().map(|r| ("reasons", r.to_string())).collect();
        params.push(("limit", want.to_string()));
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor.to_string()));
        }
        let page = client.get("app.bsky.notification.listNotifications", &params)?;
        let items = array(&page, "notifications").iter().filter_map(shapes::from_notification).collect();
        Ok((items, next_cursor(&page)))
    };
    let (mut found, cursor) = poll(&seen, limit, cursor, fetch)?;
    add_counts(client, &mut found)?;
    finish(&key, seen, found, cursor)
}

/// New posts matching `q`; `since_key` names the marker (default: a digest of `q`).
pub fn search(client: &mut Client, q: &str, limit: usize, since_key: Option<&str>) -> Result<Listing, StepError> {
    let name = since_key.map_or_else(|| digest(q), str::to_string);
    let key = format!("search|{}|{}|{name}", client.base, client.session.did);
    let seen = load(&key)?;
    let fetch = |cursor: Option<&str>, want: usize| -> Result<Page, StepError> {
        let mut params = vec![("q", q.to_string()), ("sort", "latest".to_string()), ("limit", want.to_string())];
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor.to_string()));
        }
        let page = client.get("app.bsky.feed.searchPosts", &params).map_err(|e| match e {
            StepError::InvalidInput(m) => StepError::invalid_input(format!("`q` {q:?} was refused: {m}")),
            other => other,
        })?;
        let items = array(&page, "posts").iter().map(|p| shapes::from_post_view(p, "post")).collect();
        Ok((items, next_cursor(&page)))
    };
    let (found, cursor) = poll(&seen, limit, None, fetch)?;
    finish(&key, seen, found, cursor)
}

/// Notifications carry no counts: fills them from `getPosts`, 25 URIs a call.
fn add_counts(client: &mut Client, found: &mut [(Mention, String)]) -> Result<(), StepError> {
    for chunk in found.chunks_mut(GET_POSTS_MAX) {
        let params: Vec<(&str, String)> = chunk.iter().map(|(m, _)| ("uris", m.id.clone())).collect();
        let page = client.get("app.bsky.feed.getPosts", &params)?;
        for post in array(&page, "posts") {
            if let Some((m, _)) = chunk.iter_mut().find(|(m, _)| post.get("uri").and_then(Value::as_str) == Some(&m.id))
            {
                shapes::set_counts(m, post);
            }
        }
    }
    Ok(())
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn next_cursor(page: &Value) -> Option<String> {
    page.get("cursor").and_then(Value::as_str).filter(|c| !c.is_empty()).map(str::to_string)
}

fn digest(q: &str) -> String {
    Sha256::digest(q.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: u32) -> (Mention, String) {
        let post = serde_json::json!({ "uri": format!("at://did:plc:a/app.bsky.feed.post/{n}"),
            "author": { "did": "did:plc:a", "handle": "a.test" }, "record": { "text": n.to_string() },
            "indexedAt": format!("2026-08-21T10:00:{n:02}Z") });
        shapes::from_post_view(&post, "post")
    }

    /// Pages of `size` over posts `newest..=1`, newest first; cursors are offsets.
    fn pages(newest: u32, size: usize) -> impl FnMut(Option<&str>, usize) -> Result<Page, StepError> {
        move |cursor, want| {
            let all: Vec<u32> = (1..=newest).rev().collect();
            let from: usize = cursor.map_or(0, |c| c.parse().unwrap());
            let to = (from + want.min(size)).min(all.len());
            let next = (to < all.len()).then(|| to.to_string());
            Ok((all[from..to].iter().map(|&n| item(n)).collect(), next))
        }
    }

    fn ids(page: &Page) -> Vec<String> {
        page.0.iter().map(|(m, _)| m.id.rsplit('/').next().unwrap().to_string()).collect()
    }

    #[test]
    fn polling_pages_until_the_first_seen_item() {
        let mut seen = Seen::default();
        let first = poll(&seen, 50, None, pages(5, 2)).unwrap();
        assert_eq!(ids(&first), ["5", "4", "3", "2", "1"]);
        assert_eq!(first.1, None);
        seen.remember(first.0.iter().map(|(m, at)| (m.id.as_str(), at.as_str())));
        let mut calls = 0;
        let mut source = pages(8, 2);
        let second = poll(&seen, 50, None, |c, w| {
            calls += 1;
            source(c, w)
        })
        .unwrap();
        assert_eq!(ids(&second), ["8", "7", "6"]);
        assert_eq!(calls, 2, "stops on the page holding the first seen post");
    }

    #[test]
    fn a_limit_leaves_a_cursor_to_read_the_backlog_from() {
        let seen = Seen::default();
        let first = poll(&seen, 3, None, pages(10, 100)).unwrap();
        assert_eq!(ids(&first), ["10", "9", "8"]);
        assert_eq!(first.1.as_deref(), Some("3"));
        let mut seen = Seen::default();
        seen.remember(first.0.iter().map(|(m, at)| (m.id.as_str(), at.as_str())));
        let backlog = poll(&seen, 100, first.1.clone(), pages(10, 4)).unwrap();
        assert_eq!(ids(&backlog), ["7", "6", "5", "4", "3", "2", "1"]);
    }
}
