//! The `rank` action: scored candidates into a shortlist of the eligible ones, best first,
//! and the excluded ones with their reasons.

use roost_sdk::{Action, Context, StepError};
use serde::{Deserialize, Serialize};

/// Most candidates one step takes.
pub const MAX_CANDIDATES: usize = 500;
/// Most excluded candidates listed (the rest are only counted), to bound the output.
pub const MAX_EXCLUDED_LISTED: usize = 50;

/// `{ candidates: [profile with its score under `score`], limit? }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankInput {
    pub candidates: Vec<Candidate>,
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    20
}

/// A profile (other fields are ignored) with the `score` step's output attached.
#[derive(Debug, Deserialize)]
pub struct Candidate {
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub followers: Option<u64>,
    pub score: ScoreSummary,
}

/// The parts of a score output the shortlist needs.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ScoreSummary {
    pub total: f64,
    pub tier: String,
    pub confidence: f64,
    pub confidence_label: String,
    pub eligible: bool,
    #[serde(default)]
    pub ineligible_reasons: Vec<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub factors: Vec<FactorSummary>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FactorSummary {
    pub name: String,
    pub score: Option<f64>,
    pub points: f64,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Listed {
    pub rank: usize,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub url: Option<String>,
    pub followers: Option<u64>,
    pub total: f64,
    pub tier: String,
    pub confidence_label: String,
    pub flags: Vec<String>,
    pub factors: Vec<FactorSummary>,
}

#[derive(Debug, Serialize)]
pub struct Excluded {
    pub handle: Option<String>,
    pub total: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RankOutput {
    pub shortlist: Vec<Listed>,
    pub count: usize,
    pub excluded: Vec<Excluded>,
    pub excluded_count: usize,
}

/// The eligible candidates by total (ties: higher confidence, then more followers),
/// at most `limit`; the others listed as excluded.
pub fn rank(input: RankInput) -> RankOutput {
    let (mut eligible, excluded): (Vec<Candidate>, Vec<Candidate>) =
        input.candidates.into_iter().partition(|c| c.score.eligible);
    eligible.sort_by(|a, b| {
        b.score
            .total
            .total_cmp(&a.score.total)
            .then(b.score.confidence.total_cmp(&a.score.confidence))
            .then(b.followers.cmp(&a.followers))
    });
    eligible.truncate(input.limit);
    let shortlist: Vec<Listed> = eligible
        .into_iter()
        .enumerate()
        .map(|(i, c)| Listed {
            rank: i + 1,
            handle: c.handle,
            display_name: c.display_name,
            url: c.url,
            followers: c.followers,
            total: c.score.total,
            tier: c.score.tier,
            confidence_label: c.score.confidence_label,
            flags: c.score.flags,
            factors: c.score.factors,
        })
        .collect();
    let excluded_count = excluded.len();
    let excluded = excluded
        .into_iter()
        .take(MAX_EXCLUDED_LISTED)
        .map(|c| Excluded { handle: c.handle, total: c.score.total, reasons: c.score.ineligible_reasons })
        .collect();
    RankOutput { count: shortlist.len(), shortlist, excluded, excluded_count }
}

pub struct Rank;

impl Action for Rank {
    type Input = RankInput;
    type Output = RankOutput;

    fn run(_ctx: &Context, input: RankInput) -> Result<RankOutput, StepError> {
        if input.candidates.len() > MAX_CANDIDATES {
            return Err(StepError::invalid_input(format!(
                "`candidates` has {} items; at most {MAX_CANDIDATES} are ranked in one step",
                input.candidates.len()
            )));
        }
        if !(1..=MAX_CANDIDATES).contains(&input.limit) {
            return Err(StepError::invalid_input(format!(
                "`limit` is {}; it must be between 1 and {MAX_CANDIDATES}",
                input.limit
            )));
        }
        Ok(rank(input))
    }
}
