//! `stats`: how published statuses did (favourites, boosts, replies, quotes), each read
//! with `GET /api/v1/statuses/:id`, and their counts over time kept in kv.

use roost_sdk::post_stats::{self, PostStats, Sample};
use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

use crate::api::{Api, Auth};
use crate::entities::Status;
use roost_sdk::time;

use crate::{html, query};

/// Statuses one step reads: each is a request against the instance's rate limit.
pub const MAX_IDS: usize = 40;

pub struct Stats;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    instance: String,
    ids: Vec<String>,
    #[serde(default = "post_stats::keep_history")]
    history: bool,
}

#[derive(Serialize)]
pub struct Output {
    /// RFC 3339 UTC: when the counts were read.
    at: String,
    posts: Vec<PostStats>,
}

impl Action for Stats {
    type Input = Input;
    type Output = Output;

    fn run(ctx: &Context, input: Input) -> Result<Output, StepError> {
        if input.ids.is_empty() || input.ids.len() > MAX_IDS {
            return Err(StepError::invalid_input(format!(
                "`ids` holds {} ids; give 1 to {MAX_IDS} status ids (the `id` of mastodon/publish's output)",
                input.ids.len()
            )));
        }
        if let Some(bad) = input.ids.iter().find(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(StepError::invalid_input(format!(
                "`ids`: `{bad}` is not a status id (letters and digits, e.g. 113000000000000001)"
            )));
        }
        let api = Api::new(&input.instance, Auth::IfSet, "read:statuses")?;
        let at = time::format_rfc3339_ms(time::now_ms());
        let mut posts = Vec::with_capacity(input.ids.len());
        for id in &input.ids {
            let what = format!("reading status {id}");
            let path = format!("/api/v1/statuses/{}", query::encode(id));
            let Some(resp) = api.get_found(&path, &what)? else {
                posts.push(PostStats::missing("mastodon", id, &format!("{}/statuses/{id}", api.base())));
                continue;
            };
            let status: Status = resp.json()?;
            let sample = Sample {
                at: at.clone(),
                likes: status.favourites_count,
                reposts: status.reblogs_count,
                replies: status.replies_count,
                quotes: status.quotes_count,
                step: ctx.idempotency_key.clone(),
            };
            let url = status.url.clone().unwrap_or_else(|| status.uri.clone());
            let text = html::to_text(&status.content);
            let mut post = PostStats::found("mastodon", id, &url, &text, Some(status.created_at.clone()), &sample);
            if input.history {
                let key = post_stats::history_key(&format!("mastodon:{}", api.host()), id);
                post.history = post_stats::record(&key, sample)?;
            }
            posts.push(post);
        }
        Ok(Output { at, posts })
    }
}
