//! Roost plugin `bluesky`: mentions, publishing, profiles, search and post stats on Bluesky (AT Protocol)
//! over XRPC, signed in with an app password kept as the secret `BLUESKY_APP_PASSWORD`.
//!
//! The actions are thin: they check input and call `listen` (mentions, search), `publish`
//! and `profile`. Underneath, `session` keeps and renews the session, `xrpc` speaks the wire
//! (errors, rate limits), `richtext` finds facets, `rkey` derives record keys, `seen`
//! remembers what earlier runs returned and `shapes` builds the shared output shapes.

mod images;
mod listen;
mod profile;
mod publish;
pub mod richtext;
pub mod rkey;
mod seen;
mod session;
pub mod shapes;
mod stats;
mod xrpc;

#[cfg(test)]
mod tests;

use roost_sdk::{Action, Context, StepError};
use serde::Deserialize;

pub use listen::Listing;
pub use publish::Published;
pub use shapes::{Mention, Profile};

fn default_service() -> String {
    "https://bsky.social".into()
}

fn in_range(field: &str, value: usize, min: usize, max: usize) -> Result<usize, StepError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(StepError::invalid_input(format!("`{field}` is {value}; it must be between {min} and {max}")))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionsInput {
    #[serde(default = "default_service")]
    pub service: String,
    pub identifier: String,
    #[serde(default = "MentionsInput::default_limit")]
    pub limit: usize,
    #[serde(default)]
    pub cursor: Option<String>,
}

impl MentionsInput {
    fn default_limit() -> usize {
        50
    }
}

/// New mentions, replies and quotes of the account since the last run.
pub struct Mentions;

impl Action for Mentions {
    type Input = MentionsInput;
    type Output = Listing;

    fn run(_ctx: &Context, input: MentionsInput) -> Result<Listing, StepError> {
        let limit = in_range("limit", input.limit, 1, 100)?;
        let mut client = session::Client::connect(&input.service, &input.identifier)?;
        listen::mentions(&mut client, limit, input.cursor.filter(|c| !c.is_empty()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    #[serde(default = "default_service")]
    pub service: String,
    pub identifier: String,
    pub text: String,
    #[serde(default)]
    pub reply_to: Option<String>,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub media: Vec<roost_sdk::media::MediaIn>,
    #[serde(default)]
    pub alt_optional: bool,
}

/// Publishes a post (or a reply), once per logical step.
pub struct Publish;

impl Action for Publish {
    type Input = PublishInput;
    type Output = Published;

    fn run(ctx: &Context, input: PublishInput) -> Result<Published, StepError> {
        let parent = publish::check(&input.text, &input.langs, input.reply_to.as_deref())?;
        roost_sdk::media::check(&input.media, input.alt_optional)?;
        let mut client = session::Client::connect(&input.service, &input.identifier)?;
        publish::publish(&mut client, &ctx.idempotency_key, &input.text, parent, &input.langs, &input.media)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default = "default_service")]
    pub service: String,
    pub identifier: String,
    pub actor: String,
    #[serde(default = "ProfileInput::default_posts")]
    pub posts: usize,
}

impl ProfileInput {
    fn default_posts() -> usize {
        40
    }
}

/// An account's profile and recent posts.
pub struct GetProfile;

impl Action for GetProfile {
    type Input = ProfileInput;
    type Output = Profile;

    fn run(_ctx: &Context, input: ProfileInput) -> Result<Profile, StepError> {
        let posts = in_range("posts", input.posts, 0, 100)?;
        if input.actor.trim().trim_start_matches('@').is_empty() {
            return Err(StepError::invalid_input("`actor` is empty; give a handle (\"bob.bsky.social\") or a DID"));
        }
        let mut client = session::Client::connect(&input.service, &input.identifier)?;
        profile::profile(&mut client, &input.actor, posts)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    #[serde(default = "default_service")]
    pub service: String,
    pub identifier: String,
    pub q: String,
    #[serde(default = "SearchInput::default_limit")]
    pub limit: usize,
    #[serde(default)]
    pub since_key: Option<String>,
}

impl SearchInput {
    fn default_limit() -> usize {
        50
    }
}

/// Posts matching a query that earlier runs have not returned.
pub struct Search;

impl Action for Search {
    type Input = SearchInput;
    type Output = Listing;

    fn run(_ctx: &Context, input: SearchInput) -> Result<Listing, StepError> {
        let limit = in_range("limit", input.limit, 1, 500)?;
        if input.q.trim().is_empty() {
            return Err(StepError::invalid_input("`q` is empty; give search words such as \"roost OR #rust\""));
        }
        if let Some(key) = &input.since_key
            && (key.is_empty() || key.len() > 64)
        {
            return Err(StepError::invalid_input("`since_key` must have 1 to 64 characters"));
        }
        let mut client = session::Client::connect(&input.service, &input.identifier)?;
        listen::search(&mut client, input.q.trim(), limit, input.since_key.as_deref())
    }
}

roost_sdk::plugin! {
    "mentions" => Mentions,
    "publish" => Publish,
    "profile" => GetProfile,
    "search" => Search,
    "stats" => stats::Stats,
}
