//! `mentions`: new mention notifications since the last run, and `hashtag`: new public
//! posts with a tag (or, with `since_days`, those of a recent window), both as the shared
//! mention shape with a cursor kept in kv.

use roost_sdk::{Action, Context, StepError, log};
use serde::Deserialize;

use crate::api::{Api, Auth};
use crate::entities::{MentionList, Notification, Status};
use crate::paging::{self, Query};
use roost_sdk::time;

use crate::{cursor, lookback, query};

/// Most items one run returns.
pub const MAX_LIMIT: usize = 400;
/// `GET /api/v1/notifications` returns at most 80 per page (since Mastodon 4.1).
const NOTIFICATIONS_PAGE: usize = 80;
/// `GET /api/v1/timelines/tag/:hashtag` returns at most 40 per page.
const TIMELINE_PAGE: usize = 40;

fn check_limit(limit: usize) -> Result<(), StepError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(StepError::invalid_input(format!("`limit` is {limit}; it must be between 1 and {MAX_LIMIT}")));
    }
    Ok(())
}

/// Reads the list behind `fetch` from the cursor under `key` (or its newest items on the
/// first run) and saves the new cursor once every page has been read.
fn read_since_cursor<T: paging::Keyed>(
    ctx: &Context,
    key: &str,
    limit: usize,
    page_size: usize,
    fetch: impl FnMut(&Query) -> Result<paging::Page<T>, StepError>,
) -> Result<(Vec<T>, Option<String>), StepError> {
    let start = cursor::load(key, &ctx.idempotency_key)?;
    let (items, newest) = match &start {
        Some(start) => paging::newer_than(start, limit, page_size, fetch)?,
        None => {
            let mut items = paging::newest(limit, page_size, fetch)?;
            items.reverse();
            let newest = items.last().map(|i| i.key().to_string()).unwrap_or_default();
            (items, newest)
        }
    };
    let cursor = Some(newest).filter(|c| !c.is_empty());
    if let Some(c) = &cursor
        && start.as_deref() != Some(c.as_str())
    {
        cursor::save(key, c)?;
    }
    Ok((items, cursor))
}

pub struct Mentions;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionsInput {
    instance: String,
    #[serde(default = "default_mentions_limit")]
    limit: usize,
    cursor_key: Option<String>,
}

fn default_mentions_limit() -> usize {
    80
}

impl Action for Mentions {
    type Input = MentionsInput;
    type Output = MentionList;

    fn run(ctx: &Context, input: MentionsInput) -> Result<MentionList, StepError> {
        check_limit(input.limit)?;
        let api = Api::new(&input.instance, Auth::Required, "read:notifications")?;
        let key = input.cursor_key.unwrap_or_else(|| format!("mentions:{}", api.host()));
        cursor::check_key(&key)?;
        let fetch = |q: &Query| {
            let path = format!("/api/v1/notifications?types[]=mention&{}", q.to_query());
            paging::get_page::<Notification>(&api, &path, "reading mention notifications")
        };
        let (notifications, cursor) = read_since_cursor(ctx, &key, input.limit, NOTIFICATIONS_PAGE, fetch)?;
        let mentions: Vec<_> = notifications
            .iter()
            .filter(|n| n.kind == "mention")
            .filter_map(|n| n.status.as_ref())
            .map(|s| s.to_mention("mention"))
            .collect();
        log::info(&format!("{} new mentions on {}", mentions.len(), api.base()));
        Ok(MentionList { count: mentions.len(), mentions, cursor, window: None })
    }
}

pub struct Hashtag;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashtagInput {
    instance: String,
    tag: String,
    #[serde(default = "default_hashtag_limit")]
    limit: usize,
    cursor_key: Option<String>,
    /// Look back this many days instead of reading from the cursor.
    since_days: Option<u32>,
}

fn default_hashtag_limit() -> usize {
    40
}

/// The tag without a leading `#`, checked.
fn clean_tag(tag: &str) -> Result<String, StepError> {
    let tag = tag.trim();
    let tag = tag.strip_prefix('#').unwrap_or(tag);
    if tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '·' || c == '\u{200c}') {
        return Err(StepError::invalid_input(format!(
            "`tag` `{tag}` is not a hashtag: give letters, digits and `_` without `#`, e.g. `rustlang`"
        )));
    }
    Ok(tag.to_string())
}

impl Action for Hashtag {
    type Input = HashtagInput;
    type Output = MentionList;

    fn run(ctx: &Context, input: HashtagInput) -> Result<MentionList, StepError> {
        check_limit(input.limit)?;
        let tag = clean_tag(&input.tag)?;
        let api = Api::new(&input.instance, Auth::IfSet, "read:statuses")?;
        let key = input.cursor_key.unwrap_or_else(|| format!("hashtag:{}:{}", api.host(), tag.to_lowercase()));
        cursor::check_key(&key)?;
        let what = format!("reading the #{tag} timeline");
        let fetch = |q: &Query| {
            let path = format!("/api/v1/timelines/tag/{}?{}", query::encode(&tag), q.to_query());
            paging::get_page::<Status>(&api, &path, &what)
        };
        let (statuses, cursor, window) = match input.since_days {
            Some(days) => {
                lookback::check_days(days)?;
                let (statuses, window) = lookback::read(days, time::now_ms(), input.limit, TIMELINE_PAGE, fetch)?;
                let newest = statuses.last().map(|s| s.id.clone());
                (statuses, newest, Some(window))
            }
            None => {
                let (statuses, cursor) = read_since_cursor(ctx, &key, input.limit, TIMELINE_PAGE, fetch)?;
                (statuses, cursor, None)
            }
        };
        let mentions: Vec<_> = statuses.iter().filter(|s| s.reblog.is_none()).map(|s| s.to_mention("post")).collect();
        log::info(&format!("{} #{tag} posts on {}", mentions.len(), api.base()));
        Ok(MentionList { count: mentions.len(), mentions, cursor, window })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_lose_their_hash_and_must_be_words() {
        assert_eq!(clean_tag("#RustLang").unwrap(), "RustLang");
        assert_eq!(clean_tag(" Grüße_2026 ").unwrap(), "Grüße_2026");
        for bad in ["", "#", "two words", "a/b", "x?y"] {
            assert!(matches!(clean_tag(bad), Err(StepError::InvalidInput(_))), "{bad}");
        }
    }

    #[test]
    fn limits_outside_the_range_are_invalid() {
        assert!(check_limit(1).is_ok() && check_limit(400).is_ok());
        assert!(matches!(check_limit(0), Err(StepError::InvalidInput(m)) if m.contains("`limit`")));
        assert!(check_limit(401).is_err());
    }
}
