//! The minimum-evidence rule: whether an account may appear in a shortlist at all.

use crate::factors::WINDOW_DAYS;
use crate::input::Account;

/// Why `account` cannot be shortlisted, given `posts` posts in the window; empty when it
/// can. Under the workflow's minimum reach (or over its maximum), too few recent posts to
/// judge, or flagged as a bot.
pub fn reasons(account: &Account, posts: usize) -> Vec<String> {
    let mut out = Vec::new();
    let range = account.reach;
    if account.followers < range.min {
        out.push(format!("{} followers, under the minimum reach of {}", account.followers, range.min));
    }
    if let Some(max) = range.max
        && account.followers > max
    {
        out.push(format!("{} followers, over the maximum reach of {max}", account.followers));
    }
    if posts < account.min_posts {
        out.push(format!(
            "{posts} post(s) in the last {WINDOW_DAYS} days; at least {} are needed to judge the account",
            account.min_posts
        ));
    }
    if account.bot {
        out.push("the profile says it is a bot".into());
    }
    out
}
