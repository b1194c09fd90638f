//! The `profile` action: `getProfile` and the author's own recent posts from
//! `getAuthorFeed` (no replies, no reposts) as the shared profile shape.

use roost_sdk::StepError;
use serde_json::Value;

use crate::session::Client;
use crate::shapes::{self, Profile};

/// Feed pages read at most for one profile.
const MAX_PAGES: usize = 10;

/// The profile of `actor` (handle or DID) with up to `posts` recent posts.
pub fn profile(client: &mut Client, actor: &str, posts: usize) -> Result<Profile, StepError> {
    let actor = actor.trim().trim_start_matches('@');
    let about_actor = |e: StepError| match e {
        StepError::InvalidInput(m) => StepError::invalid_input(format!("`actor` {actor:?}: {m}")),
        other => other,
    };
    let view = client.get("app.bsky.actor.getProfile", &[("actor", actor.to_string())]).map_err(about_actor)?;
    let did = view.get("did").and_then(Value::as_str).unwrap_or(actor).to_string();
    let mut recent: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        if recent.len() >= posts {
            break;
        }
        let mut params = vec![
            ("actor", did.clone()),
            ("filter", "posts_no_replies".to_string()),
            ("limit", (posts - recent.len()).min(100).to_string()),
        ];
        if let Some(cursor) = &cursor {
            params.push(("cursor", cursor.clone()));
        }
        let page = client.get("app.bsky.feed.getAuthorFeed", &params).map_err(about_actor)?;
        for item in page.get("feed").and_then(Value::as_array).into_iter().flatten() {
            let repost =
                item.pointer("/reason/$type").and_then(Value::as_str) == Some("app.bsky.feed.defs#reasonRepost");
            let Some(post) = item.get("post") else { continue };
            let duplicate = recent.iter().any(|p| p.get("uri") == post.get("uri"));
            if !repost && !duplicate && recent.len() < posts {
                recent.push(post.clone());
            }
        }
        match page.get("cursor").and_then(Value::as_str) {
            Some(next) if !next.is_empty() && cursor.as_deref() != Some(next) => cursor = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(shapes::profile(&view, &recent))
}
