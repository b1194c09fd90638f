//! The shapes social plugins share, so one plugin's output is another's input: a mention
//! (a post that mentions, replies to, quotes or matches) and a profile with recent posts.

use serde::{Deserialize, Serialize};

/// Who wrote a mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub url: String,
}

/// A post found by a listening action (`mentions`, `hashtag`, `search`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// `mastodon`, `bluesky`, ...
    pub network: String,
    pub id: String,
    pub url: String,
    /// `mention`, `reply`, `quote` or `post`.
    pub kind: String,
    /// Plain text.
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
    pub author: Author,
    /// The id of the post it replies to.
    pub in_reply_to: Option<String>,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
}

/// A recent post of a profile, with its engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentPost {
    /// The network it was posted on, so posts of several networks can be listed together.
    #[serde(default)]
    pub network: String,
    pub id: String,
    pub url: String,
    pub text: String,
    pub created_at: String,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
}

/// An account's profile with its recent posts: what influencer scoring reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub network: String,
    pub id: String,
    pub handle: String,
    pub display_name: String,
    /// Plain text.
    pub bio: String,
    pub url: String,
    pub followers: u64,
    pub following: u64,
    pub posts_count: u64,
    pub created_at: Option<String>,
    pub bot: bool,
    pub recent_posts: Vec<RecentPost>,
}
