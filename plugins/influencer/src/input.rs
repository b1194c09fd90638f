//! The step's input as it arrives, and its checked form with parsed times.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::tiers::{ReachRange, Tier};
use crate::weights::Weights;

/// Recent posts without enough of them in the window, the account is not eligible.
pub const DEFAULT_MIN_POSTS: usize = 5;
/// The most posts, and the most snapshots, one input may carry.
pub const MAX_LISTED: usize = 400;

/// `{ profile, topics?, snapshots?, now?, tier?, min_followers?, max_followers?, min_posts?,
/// weights?, remember? }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    pub profile: Profile,
    #[serde(default)]
    pub topics: Vec<String>,
    /// Earlier follower counts of the same account, for the growth factor.
    #[serde(default)]
    pub snapshots: Vec<SnapshotIn>,
    /// The moment to score at (RFC 3339); default: the clock.
    #[serde(default)]
    pub now: Option<String>,
    /// The reach the workflow wants, as a named tier...
    #[serde(default)]
    pub tier: Option<Tier>,
    /// ...or as bounds.
    #[serde(default)]
    pub min_followers: Option<u64>,
    #[serde(default)]
    pub max_followers: Option<u64>,
    /// Posts in the window needed to judge the account.
    #[serde(default)]
    pub min_posts: Option<usize>,
    #[serde(default)]
    pub weights: Weights,
    /// Whether to keep the follower count in the plugin's kv history (default true).
    #[serde(default = "yes")]
    pub remember: bool,
}

fn yes() -> bool {
    true
}

/// The profile shape the mastodon `account` and bluesky `profile` actions return.
#[derive(Debug, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub network: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    pub followers: u64,
    pub following: u64,
    #[serde(default)]
    pub posts_count: u64,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub bot: bool,
    #[serde(default)]
    pub recent_posts: Vec<PostIn>,
}

#[derive(Debug, Deserialize)]
pub struct PostIn {
    #[serde(default)]
    pub text: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub likes: u64,
    #[serde(default)]
    pub reposts: u64,
    #[serde(default)]
    pub replies: u64,
}

#[derive(Debug, Deserialize)]
pub struct SnapshotIn {
    pub at: String,
    pub followers: u64,
}

/// One post with its time parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct PostData {
    pub at: DateTime<Utc>,
    pub text: String,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
}

impl PostData {
    /// Likes + reposts + replies (the profile shape has no quote count).
    pub fn engagement(&self) -> u64 {
        self.likes + self.reposts + self.replies
    }
}

/// The checked input: what the factors work on.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub followers: u64,
    pub following: u64,
    pub posts_count: u64,
    pub created_at: Option<DateTime<Utc>>,
    pub bot: bool,
    pub bio: String,
    /// Every listed post, oldest first.
    pub posts: Vec<PostData>,
    /// The topic keywords as given (empty: topic fit is not scored).
    pub topics: Vec<String>,
    /// `(time, followers)`, oldest first, including the profile's own count at `now`.
    pub snapshots: Vec<(DateTime<Utc>, u64)>,
    pub now: DateTime<Utc>,
    /// The reach the workflow asks for.
    pub reach: ReachRange,
    /// Posts in the window needed to judge the account.
    pub min_posts: usize,
    pub weights: Weights,
    /// `network:handle` (or `network:id`), lower-cased: the account's key in the follower
    /// history; `None` when the profile names neither.
    pub key: Option<String>,
}

/// Parses an RFC 3339 time, naming the field in the error.
pub fn parse_time(field: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        format!("`{field}` is `{text}`, which is not an RFC 3339 time ({e}); write it like 2025-05-01T09:30:00Z")
    })
}

fn clock() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}

impl ScoreInput {
    /// Parses the times and checks the topics.
    pub fn check(self) -> Result<Account, String> {
        let now = match &self.now {
            Some(text) => parse_time("now", text)?,
            None => clock(),
        };
        let reach = ReachRange::from_input(self.tier, self.min_followers, self.max_followers)?;
        self.weights.check()?;
        let min_posts = self.min_posts.unwrap_or(DEFAULT_MIN_POSTS);
        if min_posts > crate::factors::MAX_POSTS {
            return Err(format!("`min_posts` is {min_posts}; at most {} posts are used", crate::factors::MAX_POSTS));
        }
        let profile = self.profile;
        for (field, len) in [("profile.recent_posts", profile.recent_posts.len()), ("snapshots", self.snapshots.len())]
        {
            if len > MAX_LISTED {
                return Err(format!("`{field}` has {len} items; at most {MAX_LISTED} are accepted"));
            }
        }
        let key = account_key(&profile);
        let created_at = match profile.created_at.as_deref() {
            Some(text) if !text.is_empty() => Some(parse_time("profile.created_at", text)?),
            _ => None,
        };
        let mut posts = Vec::with_capacity(profile.recent_posts.len());
        for (i, post) in profile.recent_posts.into_iter().enumerate() {
            let at = parse_time(&format!("profile.recent_posts[{i}].created_at"), &post.created_at)?;
            posts.push(PostData {
                at,
                text: post.text.unwrap_or_default(),
                likes: post.likes,
                reposts: post.reposts,
                replies: post.replies,
            });
        }
        posts.sort_by_key(|p| p.at);
        for (i, topic) in self.topics.iter().enumerate() {
            if crate::text::tokens(topic).is_empty() {
                return Err(format!(
                    "`topics[{i}]` is `{topic}`, which has no letter or digit; give words or hashtags such as \"rust\" or \"#opensource\""
                ));
            }
        }
        let mut snapshots = Vec::with_capacity(self.snapshots.len() + 1);
        for (i, snap) in self.snapshots.iter().enumerate() {
            snapshots.push((parse_time(&format!("snapshots[{i}].at"), &snap.at)?, snap.followers));
        }
        if !snapshots.iter().any(|(at, _)| *at >= now) {
            snapshots.push((now, profile.followers));
        }
        snapshots.sort_by_key(|(at, _)| *at);
        Ok(Account {
            followers: profile.followers,
            following: profile.following,
            posts_count: profile.posts_count,
            created_at,
            bot: profile.bot,
            bio: profile.bio.unwrap_or_default(),
            posts,
            topics: self.topics,
            snapshots,
            now,
            reach,
            min_posts,
            weights: self.weights,
            key,
        })
    }
}

/// `network:handle`, else `network:id`, lower-cased; `None` without either or when too long.
fn account_key(profile: &Profile) -> Option<String> {
    let network = profile.network.as_deref().unwrap_or("unknown");
    let who =
        profile.handle.as_deref().filter(|h| !h.is_empty()).or(profile.id.as_deref().filter(|i| !i.is_empty()))?;
    let key = format!("{network}:{who}").to_lowercase();
    (key.len() <= crate::history::MAX_KEY_LEN).then_some(key)
}
