//! The shared output shapes (mention, profile) built from Bluesky's notification, postView
//! and profileViewDetailed JSON, which may leave out any optional field.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

pub use roost_sdk::social::{Author, Mention, Profile, RecentPost};

use crate::rkey::{post_url, profile_url, rkey_of};

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn count(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// RFC 3339 time as microseconds since the epoch.
pub fn micros(time: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(time).ok().map(|t| t.timestamp_micros())
}

/// `time` in UTC with milliseconds (`2026-08-21T10:00:00.000Z`), or `fallback` when it does not parse.
pub fn rfc3339(time: &str, fallback: &str) -> String {
    let parsed = DateTime::parse_from_rfc3339(time).or_else(|_| DateTime::parse_from_rfc3339(fallback));
    parsed.map_or_else(|_| time.to_string(), |t| t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Now, as the `createdAt` of a record.
pub fn now_rfc3339() -> String {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let now = DateTime::<Utc>::from_timestamp_micros(since_epoch.as_micros() as i64).unwrap_or_default();
    now.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn author(profile: &Value) -> Author {
    let did = text(profile, "/did");
    let handle = text(profile, "/handle");
    Author {
        id: did.into(),
        handle: handle.into(),
        display_name: text(profile, "/displayName").into(),
        url: profile_url(if handle.is_empty() { did } else { handle }),
    }
}

/// A mention from a post's uri, author, record and counts (a notification or a postView).
fn mention(uri: &str, author_view: &Value, record: &Value, indexed_at: &str, kind: &str, counts: &Value) -> Mention {
    let author = author(author_view);
    let page_owner = if author.handle.is_empty() { author.id.clone() } else { author.handle.clone() };
    Mention {
        network: "bluesky".into(),
        id: uri.into(),
        url: post_url(&page_owner, rkey_of(uri)),
        kind: kind.into(),
        text: text(record, "/text").into(),
        created_at: rfc3339(text(record, "/createdAt"), indexed_at),
        author,
        in_reply_to: record.pointer("/reply/parent/uri").and_then(Value::as_str).map(str::to_string),
        likes: count(counts, "likeCount"),
        reposts: count(counts, "repostCount"),
        replies: count(counts, "replyCount"),
    }
}

/// The reasons that count as mentions, as `listNotifications` names them.
pub const MENTION_REASONS: [&str; 3] = ["mention", "reply", "quote"];

/// A notification of reason mention, reply or quote as a mention (counts still zero), with
/// its `indexedAt`; `None` for other reasons or a notification without a uri.
pub fn from_notification(n: &Value) -> Option<(Mention, String)> {
    let reason = text(n, "/reason");
    let uri = text(n, "/uri");
    if !MENTION_REASONS.contains(&reason) || uri.is_empty() {
        return None;
    }
    let indexed_at = text(n, "/indexedAt");
    let record = n.get("record").unwrap_or(&Value::Null);
    Some((mention(uri, &n["author"], record, indexed_at, reason, &Value::Null), indexed_at.into()))
}

/// A postView (searchPosts, getPosts, getAuthorFeed) as a mention of `kind`, with its `indexedAt`.
pub fn from_post_view(post: &Value, kind: &str) -> (Mention, String) {
    let indexed_at = text(post, "/indexedAt");
    let record = post.get("record").unwrap_or(&Value::Null);
    (mention(text(post, "/uri"), &post["author"], record, indexed_at, kind, post), indexed_at.into())
}

/// Sets a mention's counts from its postView.
pub fn set_counts(m: &mut Mention, post: &Value) {
    m.likes = count(post, "likeCount");
    m.reposts = count(post, "repostCount");
    m.replies = count(post, "replyCount");
}

/// A profileViewDetailed and the author's postViews as the profile shape. Only `did` and
/// `handle` are required there; every count may be missing and counts as 0. `bot` is the
/// account's self-label `bot`.
pub fn profile(view: &Value, posts: &[Value]) -> Profile {
    let bot = view
        .get("labels")
        .and_then(Value::as_array)
        .is_some_and(|labels| labels.iter().any(|l| l.get("val").and_then(Value::as_str) == Some("bot")));
    let created = text(view, "/createdAt");
    Profile {
        network: "bluesky".into(),
        id: text(view, "/did").into(),
        handle: text(view, "/handle").into(),
        display_name: text(view, "/displayName").into(),
        bio: text(view, "/description").into(),
        url: profile_url(text(view, "/handle")),
        followers: count(view, "followersCount"),
        following: count(view, "followsCount"),
        posts_count: count(view, "postsCount"),
        created_at: micros(created).map(|_| rfc3339(created, created)),
        bot,
        recent_posts: posts
            .iter()
            .map(|post| {
                let (m, _) = from_post_view(post, "post");
                RecentPost {
                    network: "bluesky".into(),
                    id: m.id,
                    url: m.url,
                    text: m.text,
                    created_at: m.created_at,
                    likes: m.likes,
                    reposts: m.reposts,
                    replies: m.replies,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alice() -> Value {
        json!({ "did": "did:plc:alice", "handle": "alice.test", "displayName": "Alice" })
    }

    #[test]
    fn a_reply_notification_becomes_a_mention() {
        let n = json!({
            "uri": "at://did:plc:alice/app.bsky.feed.post/3kabc", "cid": "bafy", "author": alice(),
            "reason": "reply", "reasonSubject": "at://did:plc:me/app.bsky.feed.post/3kme", "isRead": false,
            "indexedAt": "2026-08-21T10:00:01.500Z",
            "record": { "$type": "app.bsky.feed.post", "text": "Hallo!", "createdAt": "2026-08-21T12:00:00+02:00",
                "reply": { "root": { "uri": "at://did:plc:me/app.bsky.feed.post/3kroot", "cid": "c1" },
                           "parent": { "uri": "at://did:plc:me/app.bsky.feed.post/3kme", "cid": "c2" } } }
        });
        let (m, indexed) = from_notification(&n).unwrap();
        assert_eq!(indexed, "2026-08-21T10:00:01.500Z");
        assert_eq!(m.kind, "reply");
        assert_eq!(m.url, "https://bsky.app/profile/alice.test/post/3kabc");
        assert_eq!(m.created_at, "2026-08-21T10:00:00.000Z", "converted to UTC");
        assert_eq!(m.in_reply_to.as_deref(), Some("at://did:plc:me/app.bsky.feed.post/3kme"));
        assert_eq!(
            m.author,
            Author {
                id: "did:plc:alice".into(),
                handle: "alice.test".into(),
                display_name: "Alice".into(),
                url: "https://bsky.app/profile/alice.test".into()
            }
        );
        assert!(from_notification(&json!({ "uri": "at://x/y.z.w/k", "reason": "like" })).is_none());
    }

    #[test]
    fn a_post_view_carries_its_counts_and_a_bad_date_falls_back() {
        let post = json!({ "uri": "at://did:plc:alice/app.bsky.feed.post/3kp", "cid": "c", "author": alice(),
            "record": { "text": "#rust", "createdAt": "yesterday" }, "indexedAt": "2026-08-20T08:00:00Z",
            "likeCount": 5, "repostCount": 2, "replyCount": 1, "quoteCount": 9 });
        let (m, _) = from_post_view(&post, "post");
        assert_eq!((m.likes, m.reposts, m.replies), (5, 2, 1));
        assert_eq!(m.created_at, "2026-08-20T08:00:00.000Z");
        assert_eq!(m.in_reply_to, None);
    }

    #[test]
    fn a_profile_tolerates_missing_counts() {
        let view =
            json!({ "did": "did:plc:bob", "handle": "bob.test", "labels": [{ "val": "bot", "src": "did:plc:bob" }] });
        let p = profile(&view, &[]);
        assert_eq!((p.followers, p.following, p.posts_count), (0, 0, 0));
        assert_eq!(p.created_at, None);
        assert!(p.bot);
        assert_eq!(p.url, "https://bsky.app/profile/bob.test");
    }
}
