//! Images of a status: each fetched, uploaded with `POST /api/v2/media` (multipart, with
//! its alt text as `description`) and awaited until Mastodon has processed it.
//!
//! An upload's id is kept in kv under the step's idempotency key, so a retry of the step
//! uploads nothing twice. Mastodon answers `202` while it processes an image; then the
//! step asks to be retried shortly (`GET /api/v1/media/:id` answers `206` until it is
//! ready) instead of polling inside one attempt.

use roost_sdk::media::{self, Image, MediaIn};
use roost_sdk::{StepError, Value, kv, log};

use crate::api::Api;

/// Mastodon's limit for an image upload.
pub const MAX_IMAGE_BYTES: usize = 16 << 20;
/// How long an upload's id is kept for retries of its step.
const UPLOAD_TTL_SECONDS: u32 = 86_400;
/// When a retry asks again whether processing finished.
const PROCESSING_RETRY_MS: u64 = 2_000;

/// The media ids of `media`, uploaded once per step and processed.
pub fn attach(api: &Api, idempotency_key: &str, media: &[MediaIn]) -> Result<Vec<String>, StepError> {
    let mut ids = Vec::with_capacity(media.len());
    let mut processing = Vec::new();
    for (i, m) in media.iter().enumerate() {
        let key = format!("media:{idempotency_key}:{i}");
        let known = if idempotency_key.is_empty() { None } else { kv::get(&key)? };
        let uploaded_before = known.is_some();
        let id = match known {
            Some(id) => String::from_utf8_lossy(&id).into_owned(),
            None => {
                let image = media::fetch(i, &m.url, MAX_IMAGE_BYTES)?;
                let (id, ready) = upload(api, &image, m.alt.as_deref().unwrap_or_default().trim())?;
                if !idempotency_key.is_empty() {
                    kv::set(&key, id.as_bytes(), Some(UPLOAD_TTL_SECONDS))?;
                }
                // Small images are often processed by the time the upload is answered.
                if !ready && !self::ready(api, &id)? {
                    processing.push(id.clone());
                }
                id
            }
        };
        if uploaded_before && !self::ready(api, &id)? {
            processing.push(id.clone());
        }
        ids.push(id);
    }
    if !processing.is_empty() {
        return Err(StepError::retry_after(
            format!("Mastodon is still processing media {}; the step asks again shortly", processing.join(", ")),
            PROCESSING_RETRY_MS,
        ));
    }
    Ok(ids)
}

/// Uploads `image` with its description: its id, and whether it is processed already.
fn upload(api: &Api, image: &Image, alt: &str) -> Result<(String, bool), StepError> {
    let boundary = format!("roost-{:016x}", fnv(&image.bytes));
    let mut body = Vec::with_capacity(image.bytes.len() + 512);
    let part = |body: &mut Vec<u8>, head: String| {
        body.extend_from_slice(format!("--{boundary}\r\n{head}\r\n\r\n").as_bytes());
    };
    part(
        &mut body,
        format!(
            "Content-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}",
            image.name, image.mime
        ),
    );
    body.extend_from_slice(&image.bytes);
    body.extend_from_slice(b"\r\n");
    if !alt.is_empty() {
        part(&mut body, "Content-Disposition: form-data; name=\"description\"".to_string());
        body.extend_from_slice(alt.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let resp = api.post_body("/api/v2/media", body, &content_type, &format!("uploading {}", image.name))?;
    let ready = resp.status == 200;
    let value: Value = resp.json()?;
    let id = value.get("id").and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string())));
    let id = id.ok_or_else(|| StepError::fatal("Mastodon's answer to a media upload has no `id`"))?;
    log::info(&format!(
        "uploaded {} ({} bytes, {}x{}) as media {id}",
        image.name,
        image.bytes.len(),
        image.width,
        image.height
    ));
    Ok((id, ready))
}

/// Whether media `id` is processed: `GET /api/v1/media/:id` answers 200 (206 while not).
fn ready(api: &Api, id: &str) -> Result<bool, StepError> {
    let resp = api.get(&format!("/api/v1/media/{}", crate::query::encode(id)), &format!("checking media {id}"))?;
    Ok(resp.status == 200)
}

/// A short hash of the bytes, for a boundary that does not occur in them by chance.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
}
