//! Roost plugin `rss`: the new items of an RSS or Atom feed since the last fetch.
//!
//! The action fetches with `If-None-Match` / `If-Modified-Since` from the validators it
//! kept, parses (`feed`, `text`, `date`), drops items already seen and remembers what it
//! returned (`state`), all in one kv value per feed.

mod date;
mod feed;
mod state;
mod text;

use roost_sdk::http::{Request, Response};
use roost_sdk::{Action, Context, StepError, kv};
use serde::{Deserialize, Serialize};

pub use feed::{Entry, FeedError, parse};
pub use state::FeedState;

/// How long a feed's state outlives its last fetch: a feed unread for 90 days starts over.
const STATE_TTL_SECS: u32 = 90 * 86_400;

/// The most items one fetch returns; also `maximum` in plugin.toml.
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchInput {
    pub url: String,
    #[serde(default = "default_limit")]
    pub limit: usize,
    /// Names the remembered state; defaults to the URL.
    pub key: Option<String>,
}

fn default_limit() -> usize {
    20
}

/// One new item, as the step outputs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: String,
    pub published: Option<String>,
    pub author: Option<String>,
}

impl From<&Entry> for Item {
    fn from(e: &Entry) -> Self {
        Self {
            id: e.id(),
            title: e.title.clone(),
            link: e.link.clone(),
            summary: e.summary.clone(),
            published: e.published.as_ref().map(date::rfc3339),
            author: e.author.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchOutput {
    /// Oldest first.
    pub items: Vec<Item>,
    pub count: usize,
    pub not_modified: bool,
}

/// Fetches a feed and returns the items not returned before.
pub struct Fetch;

impl Action for Fetch {
    type Input = FetchInput;
    type Output = FetchOutput;

    fn run(ctx: &Context, input: FetchInput) -> Result<FetchOutput, StepError> {
        if !(input.url.starts_with("https://") || input.url.starts_with("http://")) {
            return Err(StepError::invalid_input(format!("`url` {:?} is not an http(s) URL", input.url)));
        }
        if !(1..=MAX_LIMIT).contains(&input.limit) {
            return Err(StepError::invalid_input(format!("`limit` is {}; ask for 1 to {MAX_LIMIT}", input.limit)));
        }
        let key = FeedState::kv_key(input.key.as_deref().unwrap_or(&input.url));
        let mut state: FeedState = kv::get_json(&key)?.unwrap_or_default();
        if let Some((delivery, output)) = &state.last
            && *delivery == ctx.idempotency_key
        {
            return serde_json::from_value(output.clone())
                .map_err(|e| StepError::fatal(format!("the remembered output of this step does not read: {e}")));
        }
        let response = conditional_get(&input.url, &state)?;
        let output = if response.status == 304 {
            FetchOutput { items: Vec::new(), count: 0, not_modified: true }
        } else {
            let output = new_items(&input.url, &response, &mut state, input.limit)?;
            state.etag = response.header("etag").map(String::from);
            state.last_modified = response.header("last-modified").map(String::from);
            output
        };
        let value = serde_json::to_value(&output).map_err(|e| StepError::fatal(e.to_string()))?;
        state.last = Some((ctx.idempotency_key.clone(), value));
        kv::set_json(&key, &state, Some(STATE_TTL_SECS))?;
        Ok(output)
    }
}

/// GET with the kept validators; any answer but 200 and 304 becomes a step error.
fn conditional_get(url: &str, state: &FeedState) -> Result<Response, StepError> {
    let mut request = Request::get(url).header(
        "Accept",
        "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
    );
    if let Some(etag) = &state.etag {
        request = request.header("If-None-Match", etag.as_str());
    }
    if let Some(modified) = &state.last_modified {
        request = request.header("If-Modified-Since", modified.as_str());
    }
    let response = request.send()?;
    let status = response.status;
    let said = || format!("{url} answered HTTP {status}");
    match status {
        200 | 304 => Ok(response),
        404 | 410 => Err(StepError::invalid_input(format!("`url`: {}: there is no feed there", said()))),
        401 | 403 => Err(StepError::fatal(format!("{}: the feed is not public", said()))),
        408 | 429 | 500.. => Err(match response.retry_after_ms() {
            Some(ms) => StepError::retry_after(said(), ms),
            None => StepError::retryable(said()),
        }),
        _ => Err(StepError::fatal(said())),
    }
}

/// The items of `response` not seen before, newest `limit` of them, oldest first; every
/// item of the document is remembered as seen.
fn new_items(url: &str, response: &Response, state: &mut FeedState, limit: usize) -> Result<FetchOutput, StepError> {
    let body = String::from_utf8_lossy(&response.body);
    let mut entries = parse(&body).map_err(|e| match e {
        FeedError::Malformed { .. } => StepError::fatal(format!("the feed at {url} is {e}")),
        FeedError::NotAFeed { .. } => StepError::invalid_input(format!("`url`: {url} is {e}")),
    })?;
    // Feeds list the newest first by convention; dates decide when every item has one.
    entries.reverse();
    if entries.iter().all(|e| e.published.is_some()) {
        entries.sort_by_key(|e| e.published);
    }
    let items: Vec<Item> = entries.iter().map(Item::from).collect();
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let mut fresh: Vec<Item> = items.into_iter().filter(|i| !state.has_seen(&i.id)).collect();
    if fresh.len() > limit {
        roost_sdk::log::info(&format!("{} new items, returning the newest {limit}", fresh.len()));
        fresh.drain(..fresh.len() - limit);
    }
    state.remember(&ids);
    Ok(FetchOutput { count: fresh.len(), items: fresh, not_modified: false })
}

roost_sdk::plugin! { "fetch" => Fetch }

#[cfg(test)]
mod tests;
