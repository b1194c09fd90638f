//! The parts of Mastodon's entities the actions read, and the shared output shapes
//! (mention, profile, published post) they are turned into.

use serde::{Deserialize, Serialize};

pub use roost_sdk::social::{Author, Mention, Profile, RecentPost};

use crate::html;
use crate::ids::{de_id, de_opt_id};

/// `Account`; missing fields default, unknown ones are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub note: String,
    pub url: Option<String>,
    pub bot: bool,
    pub created_at: Option<String>,
    pub followers_count: u64,
    pub following_count: u64,
    pub statuses_count: u64,
}

/// `Status`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Status {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub content: String,
    pub account: Account,
    #[serde(deserialize_with = "de_opt_id")]
    pub in_reply_to_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub replies_count: u64,
    pub reblogs_count: u64,
    pub favourites_count: u64,
    /// Quote posts (Mastodon 4.5 and later; 0 before).
    pub quotes_count: u64,
}

/// `Notification`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Notification {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: Option<Status>,
}

/// `ScheduledStatus`: what `POST /api/v1/statuses` returns when `scheduled_at` is given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScheduledStatus {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    pub scheduled_at: String,
}

/// `{ mentions, count, cursor, window? }`: the output of `mentions` and `hashtag`.
#[derive(Debug, Clone, Serialize)]
pub struct MentionList {
    pub mentions: Vec<Mention>,
    pub count: usize,
    /// The id the next run starts after; `null` when nothing has been seen yet.
    pub cursor: Option<String>,
    /// The time window a hashtag lookback covered (absent in cursor mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<crate::lookback::Window>,
}

/// The shared published-post shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub network: String,
    pub id: String,
    pub url: String,
    pub created_at: String,
    pub scheduled_at: Option<String>,
    pub replayed: bool,
}

pub const NETWORK: &str = "mastodon";

impl Status {
    /// The web address, or the ActivityPub URI when the status has none.
    pub fn link(&self) -> String {
        self.url.clone().filter(|u| !u.is_empty()).unwrap_or_else(|| self.uri.clone())
    }

    /// As a mention of `kind`; a status that answers another is a `reply`.
    pub fn to_mention(&self, kind: &str) -> Mention {
        let kind = if kind == "mention" && self.in_reply_to_id.is_some() { "reply" } else { kind };
        Mention {
            network: NETWORK.into(),
            id: self.id.clone(),
            url: self.link(),
            kind: kind.into(),
            text: html::to_text(&self.content),
            created_at: self.created_at.clone(),
            author: Author {
                id: self.account.id.clone(),
                handle: self.account.acct.clone(),
                display_name: self.account.display_name.clone(),
                url: self.account.url.clone().unwrap_or_default(),
            },
            in_reply_to: self.in_reply_to_id.clone(),
            likes: self.favourites_count,
            reposts: self.reblogs_count,
            replies: self.replies_count,
        }
    }

    pub fn to_recent_post(&self) -> RecentPost {
        RecentPost {
            network: "mastodon".into(),
            id: self.id.clone(),
            url: self.link(),
            text: html::to_text(&self.content),
            created_at: self.created_at.clone(),
            likes: self.favourites_count,
            reposts: self.reblogs_count,
            replies: self.replies_count,
        }
    }
}

impl Account {
    pub fn to_profile(&self, recent_posts: Vec<RecentPost>) -> Profile {
        Profile {
            network: NETWORK.into(),
            id: self.id.clone(),
            handle: self.acct.clone(),
            display_name: self.display_name.clone(),
            bio: html::to_text(&self.note),
            url: self.url.clone().unwrap_or_default(),
            followers: self.followers_count,
            following: self.following_count,
            posts_count: self.statuses_count,
            created_at: self.created_at.clone(),
            bot: self.bot,
            recent_posts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notification sample of Mastodon's documentation, trimmed.
    const DOC_NOTIFICATION: &str = r#"{"id":"34975861","type":"mention","created_at":"2019-11-23T07:49:02.064Z","group_key":"ungrouped-34975861",
      "account":{"id":"971724","username":"zsc","acct":"zsc","display_name":"","locked":false,"bot":false},
      "status":{"id":"103186126728896492","created_at":"2019-11-23T07:49:01.940Z","in_reply_to_id":"103186038209478945","in_reply_to_account_id":"14715",
        "sensitive":false,"spoiler_text":"","visibility":"public","language":"en","uri":"https://mastodon.social/users/zsc/statuses/103186126728896492","url":"https://mastodon.social/@zsc/103186126728896492","replies_count":0,"reblogs_count":0,"favourites_count":0,"quotes_count":0,
        "content":"<p><span class=\"h-card\"><a href=\"https://mastodon.social/@trwnh\" class=\"u-url mention\">@<span>trwnh</span></a></span> sup!</p>",
        "reblog":null,"account":{"id":"971724","username":"zsc","acct":"zsc","url":"https://mastodon.social/@zsc"},"media_attachments":[],
        "mentions":[{"id":"14715","username":"trwnh","url":"https://mastodon.social/@trwnh","acct":"trwnh"}],
        "tags":[],"emojis":[],"card":null,"poll":null,"quote":null}}"#;

    #[test]
    fn the_documented_notification_becomes_a_reply_mention() {
        let n: Notification = serde_json::from_str(DOC_NOTIFICATION).unwrap();
        assert_eq!(n.id, "34975861");
        let m = n.status.unwrap().to_mention("mention");
        assert_eq!(m.id, "103186126728896492");
        assert_eq!(m.kind, "reply");
        assert_eq!(m.text, "@trwnh sup!");
        assert_eq!(m.in_reply_to.as_deref(), Some("103186038209478945"));
        assert_eq!(m.author.handle, "zsc");
        assert_eq!(m.author.url, "https://mastodon.social/@zsc");
        assert_eq!(m.url, "https://mastodon.social/@zsc/103186126728896492");
    }

    #[test]
    fn a_status_without_url_links_to_its_uri() {
        let s: Status = serde_json::from_str(r#"{"id":"1","uri":"https://x.example/objects/1","url":null}"#).unwrap();
        assert_eq!(s.link(), "https://x.example/objects/1");
        assert_eq!(s.to_mention("mention").kind, "mention");
        assert_eq!(s.to_mention("post").kind, "post");
    }
}
