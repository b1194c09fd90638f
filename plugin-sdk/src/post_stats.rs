//! How a published post did, in one shape for every network (`mastodon/stats`,
//! `bluesky/stats`), and its counts over time kept in the plugin's key-value namespace so
//! a campaign can be followed from run to run.

use serde::{Deserialize, Serialize};

use crate::{StepError, kv};

/// Samples kept per post; older ones are dropped first.
pub const MAX_SAMPLES: usize = 200;

/// The counts of one post at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// RFC 3339 UTC.
    pub at: String,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub quotes: u64,
    /// The step that took it: a retry of that step replaces its sample instead of adding one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub step: String,
}

impl Sample {
    /// The one engagement figure variants are compared by: every like, repost, reply and
    /// quote counts one.
    pub fn engagement(&self) -> u64 {
        self.likes + self.reposts + self.replies + self.quotes
    }
}

/// A post's counts now, with what was recorded of it before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostStats {
    pub network: String,
    pub id: String,
    pub url: String,
    /// False when the network no longer has the post (deleted, or never existed): the
    /// counts are then 0 and nothing is recorded.
    pub found: bool,
    /// Plain text, at most 280 characters.
    pub text: String,
    pub created_at: Option<String>,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub quotes: u64,
    /// likes + reposts + replies + quotes.
    pub engagement: u64,
    /// Earlier samples and this one, oldest first (empty when history is not kept).
    pub history: Vec<Sample>,
}

impl PostStats {
    /// The stats of a post the network did not return.
    pub fn missing(network: &str, id: &str, url: &str) -> Self {
        PostStats {
            network: network.into(),
            id: id.into(),
            url: url.into(),
            found: false,
            text: String::new(),
            created_at: None,
            likes: 0,
            reposts: 0,
            replies: 0,
            quotes: 0,
            engagement: 0,
            history: Vec::new(),
        }
    }

    /// The stats of a found post with the counts of `sample`.
    pub fn found(network: &str, id: &str, url: &str, text: &str, created_at: Option<String>, sample: &Sample) -> Self {
        PostStats {
            network: network.into(),
            id: id.into(),
            url: url.into(),
            found: true,
            text: text.chars().take(280).collect(),
            created_at,
            likes: sample.likes,
            reposts: sample.reposts,
            replies: sample.replies,
            quotes: sample.quotes,
            engagement: sample.engagement(),
            history: Vec::new(),
        }
    }
}

/// The kv key of a post's history.
pub fn history_key(network: &str, id: &str) -> String {
    format!("stats:{network}:{id}")
}

/// Adds `sample` to the history under `key` (replacing the sample the same step took
/// before) and returns the history, oldest first, at most [`MAX_SAMPLES`].
pub fn record(key: &str, sample: Sample) -> Result<Vec<Sample>, StepError> {
    let history = add(kv::get_json(key)?.unwrap_or_default(), sample);
    kv::set_json(key, &history, None)?;
    Ok(history)
}

/// The pure part of [`record`].
pub fn add(mut history: Vec<Sample>, sample: Sample) -> Vec<Sample> {
    if !sample.step.is_empty() && history.last().is_some_and(|last| last.step == sample.step) {
        history.pop();
    }
    history.push(sample);
    let excess = history.len().saturating_sub(MAX_SAMPLES);
    history.drain(..excess);
    history
}

/// The default of the stats actions' `history` input: readings are kept.
pub fn keep_history() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: &str, likes: u64, step: &str) -> Sample {
        Sample { at: at.into(), likes, reposts: 1, replies: 2, quotes: 0, step: step.into() }
    }

    #[test]
    fn a_retry_replaces_its_sample_and_the_history_stays_bounded() {
        let history = add(vec![sample("t1", 1, "run-a")], sample("t2", 5, "run-b"));
        assert_eq!(history.len(), 2);
        let history = add(history, sample("t3", 7, "run-b"));
        assert_eq!(history.iter().map(|s| s.likes).collect::<Vec<_>>(), [1, 7], "the retry replaced its sample");
        let long: Vec<Sample> = (0..MAX_SAMPLES).map(|i| sample(&format!("t{i}"), i as u64, "")).collect();
        let long = add(long, sample("last", 9, ""));
        assert_eq!(long.len(), MAX_SAMPLES);
        assert_eq!((long[0].likes, long.last().unwrap().at.as_str()), (1, "last"), "the oldest went first");
        assert_eq!(long[0].engagement(), 1 + 1 + 2);
    }
}
