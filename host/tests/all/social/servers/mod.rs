//! Loopback servers that speak each social service's wire format, reusable by plugin and workflow tests.

pub mod bluesky;
pub mod feeds;
pub mod mastodon;
pub mod openai;
pub mod receiver;
