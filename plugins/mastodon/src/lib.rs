//! Roost plugin `mastodon`: mentions, hashtag timelines, account profiles, idempotent
//! publishing and post stats over Mastodon's client API.
//!
//! The actions are thin: [`mentions`], [`account`] and [`publish`] read their input, call
//! the instance through [`api`] and shape the answer with [`entities`]. The pure parts,
//! HTML to text ([`html`]), `Link` headers ([`link`]), id order ([`ids`]), status length
//! ([`length`]), paging ([`paging`]), the hashtag lookback window ([`lookback`]) and
//! timestamps ([`time`]), are unit-tested natively.

pub mod account;
pub mod api;
pub mod cursor;
pub mod entities;
pub mod html;
pub mod ids;
pub mod link;
pub mod lookback;
pub mod media;
pub mod mentions;
pub mod paging;
pub mod publish;
pub mod query;
pub mod stats;

#[cfg(test)]
mod tests;

roost_sdk::plugin! {
    "mentions" => mentions::Mentions,
    "publish" => publish::Publish,
    "account" => account::AccountAction,
    "hashtag" => mentions::Hashtag,
    "stats" => stats::Stats,
}
