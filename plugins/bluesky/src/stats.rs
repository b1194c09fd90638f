//! The `stats` action: how the account's published posts did (likes, reposts, replies,
//! quotes), read with one `app.bsky.feed.getPosts` call, and their counts over time kept in kv.

use roost_sdk::post_stats::{self, PostStats, Sample};
use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::session::Client;
use crate::shapes;

/// `getPosts` takes at most 25 uris.
pub const MAX_URIS: usize = 25;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsInput {
    #[serde(default = "crate::default_service")]
    pub service: String,
    pub identifier: String,
    pub uris: Vec<String>,
    #[serde(default = "post_stats::keep_history")]
    pub history: bool,
}

#[derive(Debug, Serialize)]
pub struct StatsOutput {
    /// RFC 3339 UTC: when the counts were read.
    pub at: String,
    pub posts: Vec<PostStats>,
}

/// Counts of published posts.
pub struct Stats;

impl Action for Stats {
    type Input = StatsInput;
    type Output = StatsOutput;

    fn run(ctx: &Context, input: StatsInput) -> Result<StatsOutput, StepError> {
        if input.uris.is_empty() || input.uris.len() > MAX_URIS {
            return Err(StepError::invalid_input(format!(
                "`uris` holds {} uris; give 1 to {MAX_URIS} post AT-URIs (the `id` of bluesky/publish's output)",
                input.uris.len()
            )));
        }
        if let Some(bad) = input.uris.iter().find(|u| !u.starts_with("at://") || u.contains(char::is_whitespace)) {
            return Err(StepError::invalid_input(format!(
                "`uris`: `{bad}` is not an AT-URI such as at://did:plc:abc/app.bsky.feed.post/3kabc"
            )));
        }
        let mut client = Client::connect(&input.service, &input.identifier)?;
        let params: Vec<(&str, String)> = input.uris.iter().map(|u| ("uris", u.clone())).collect();
        let answer = client.get("app.bsky.feed.getPosts", &params)?;
        let views = answer.get("posts").and_then(Value::as_array).cloned().unwrap_or_default();
        let at = shapes::now_rfc3339();
        let mut posts = Vec::with_capacity(input.uris.len());
        for uri in &input.uris {
            let Some(view) = views.iter().find(|v| v.get("uri").and_then(Value::as_str) == Some(uri)) else {
                posts.push(PostStats::missing("bluesky", uri, ""));
                continue;
            };
            let count = |field: &str| view.get(field).and_then(Value::as_u64).unwrap_or(0);
            let sample = Sample {
                at: at.clone(),
                likes: count("likeCount"),
                reposts: count("repostCount"),
                replies: count("replyCount"),
                quotes: count("quoteCount"),
                step: ctx.idempotency_key.clone(),
            };
            let (seen, _) = shapes::from_post_view(view, "post");
            let mut post = PostStats::found("bluesky", uri, &seen.url, &seen.text, Some(seen.created_at), &sample);
            if input.history {
                post.history = post_stats::record(&post_stats::history_key("bluesky", uri), sample)?;
            }
            posts.push(post);
        }
        Ok(StatsOutput { at, posts })
    }
}
