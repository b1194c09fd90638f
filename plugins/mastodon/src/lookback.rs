//! Hashtag lookback: the posts of the last `since_days` days, read backwards from the
//! newest with `max_id` until the window's start, within a page budget.

use roost_sdk::StepError;
use serde::Serialize;

use crate::entities::Status;
use crate::paging::{self, Page, Query};
use roost_sdk::time;

/// The longest window one run looks back over.
pub const MAX_SINCE_DAYS: u32 = 30;
/// The most timeline pages one lookback requests (with 40 a page, 400 posts: the limit).
pub const MAX_PAGES: usize = 10;

/// The window a lookback covered: from `since`, and whether every post of it was read
/// (false when the limit or the page budget cut it short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub since: String,
    pub complete: bool,
}

/// Checks `since_days`.
pub fn check_days(days: u32) -> Result<(), StepError> {
    if !(1..=MAX_SINCE_DAYS).contains(&days) {
        return Err(StepError::invalid_input(format!(
            "`since_days` is {days}; it must be between 1 and {MAX_SINCE_DAYS}"
        )));
    }
    Ok(())
}

/// The posts of the `days` days before `now_ms`, oldest first, at most `limit`.
pub fn read(
    days: u32,
    now_ms: i64,
    limit: usize,
    page_size: usize,
    fetch: impl FnMut(&Query) -> Result<Page<Status>, StepError>,
) -> Result<(Vec<Status>, Window), StepError> {
    let start_ms = now_ms - i64::from(days) * 86_400_000;
    // A post whose time does not parse is kept rather than ending the window early.
    let within = |s: &Status| time::parse_rfc3339_ms(&s.created_at).is_none_or(|t| t >= start_ms);
    let (mut statuses, complete) = paging::newest_while(limit, page_size, MAX_PAGES, within, fetch)?;
    statuses.reverse();
    Ok((statuses, Window { since: time::format_rfc3339_ms(start_ms), complete }))
}
