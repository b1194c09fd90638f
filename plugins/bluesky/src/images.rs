//! The images of a post: each fetched, uploaded as a blob and embedded as
//! `app.bsky.embed.images` with its alt text and aspect ratio.
//!
//! Blobs are addressed by their content, so a retried step that uploads an image again
//! gets the same reference; the post itself is written once (see `publish`).

use roost_sdk::media::{self, MediaIn};
use roost_sdk::{StepError, log};
use serde_json::{Value, json};

use crate::session::Client;

/// The largest image the `app.bsky.embed.images` lexicon takes.
pub const MAX_IMAGE_BYTES: usize = 1_000_000;

/// The `embed` of a post carrying `media`, or `None` without images.
pub fn embed(client: &mut Client, media: &[MediaIn]) -> Result<Option<Value>, StepError> {
    if media.is_empty() {
        return Ok(None);
    }
    let mut images = Vec::with_capacity(media.len());
    for (i, m) in media.iter().enumerate() {
        let image = media::fetch(i, &m.url, MAX_IMAGE_BYTES)?;
        let blob = client.upload_blob(&image.bytes, image.mime)?;
        log::info(&format!("uploaded {} ({} bytes, {}x{})", image.name, image.bytes.len(), image.width, image.height));
        images.push(json!({
            "alt": m.alt.as_deref().unwrap_or_default().trim(),
            "image": blob,
            "aspectRatio": { "width": image.width, "height": image.height },
        }));
    }
    Ok(Some(json!({ "$type": "app.bsky.embed.images", "images": images })))
}
