//! Blobs on the loopback PDS: `com.atproto.repo.uploadBlob` takes raw bytes with their
//! `Content-Type` and answers the blob reference; a post's `app.bsky.embed.images` must
//! name uploaded blobs, at most 4, each with `alt` and, if given, a positive aspect ratio.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Bluesky, ServerState, cid_of, error, ok};

/// The largest blob this PDS takes (Bluesky's image embed allows 1,000,000 bytes).
const MAX_BLOB: usize = 1_000_000;

impl Bluesky {
    /// The bytes and type of uploaded blob `cid`.
    pub fn blob(&self, cid: &str) -> Option<(String, Vec<u8>)> {
        self.lock().blobs.iter().find(|(c, ..)| c == cid).map(|(_, mime, bytes)| (mime.clone(), bytes.clone()))
    }
}

pub(super) fn upload(s: &mut ServerState, headers: &HeaderMap, body: &[u8]) -> Response {
    let Some(mime) = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string) else {
        return error(400, "InvalidRequest", "Content-Type is required");
    };
    if body.is_empty() || body.len() > MAX_BLOB {
        return error(400, "BlobTooLarge", &format!("blob of {} bytes, not 1 to {MAX_BLOB}", body.len()));
    }
    let cid = cid_of(&format!("{mime}{}", body.iter().map(|b| format!("{b:02x}")).collect::<String>()));
    if !s.blobs.iter().any(|(c, ..)| *c == cid) {
        s.blobs.push((cid.clone(), mime.clone(), body.to_vec()));
    }
    ok(json!({ "blob": { "$type": "blob", "ref": { "$link": cid }, "mimeType": mime, "size": body.len() } }))
}

/// Checks a post's `embed`, if any.
pub(super) fn check_embed(s: &ServerState, record: &Value) -> Result<(), String> {
    let Some(embed) = record.get("embed") else { return Ok(()) };
    if embed["$type"] != "app.bsky.embed.images" {
        return Err(format!("this server takes app.bsky.embed.images embeds only, got {}", embed["$type"]));
    }
    let images = embed["images"].as_array().ok_or("embed.images must be an array")?;
    if images.is_empty() || images.len() > 4 {
        return Err(format!("embed.images must hold 1 to 4 images, got {}", images.len()));
    }
    for (i, image) in images.iter().enumerate() {
        if !image["alt"].is_string() {
            return Err(format!("embed.images[{i}].alt must be a string (it may be empty)"));
        }
        let cid = image.pointer("/image/ref/$link").and_then(Value::as_str).unwrap_or_default();
        let known = s.blobs.iter().find(|(c, ..)| c == cid);
        let Some((_, mime, _)) = known else { return Err(format!("embed.images[{i}].image is not an uploaded blob")) };
        if image["image"]["mimeType"] != mime.as_str() || image["image"]["$type"] != "blob" {
            return Err(format!("embed.images[{i}].image must be the blob reference uploadBlob returned"));
        }
        if let Some(ratio) = image.get("aspectRatio") {
            let positive = |k: &str| ratio[k].as_u64().is_some_and(|n| n > 0);
            if !positive("width") || !positive("height") {
                return Err(format!("embed.images[{i}].aspectRatio needs positive width and height"));
            }
        }
    }
    Ok(())
}
