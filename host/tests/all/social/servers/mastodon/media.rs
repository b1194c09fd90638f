//! Mastodon's media API on the loopback server: `POST /api/v2/media` takes a multipart
//! upload (`file`, `description`) and processes it asynchronously (202 with `url: null`;
//! `GET /api/v1/media/:id` answers 206 once, then 200 with the url), and a status takes
//! processed attachments by `media_ids`.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{DOMAIN, Mastodon, Seen, ServerState, error, ok};

/// Uploaded attachments by id: the entity, the polls left before it is processed, the bytes.
#[derive(Default)]
pub struct Uploads(HashMap<String, (Value, u32, Vec<u8>)>);

impl Mastodon {
    /// The bytes uploaded as media `id`, and how many uploads there were.
    pub fn media(&self, id: &str) -> (Option<Vec<u8>>, usize) {
        let s = self.lock();
        (s.media.0.get(id).map(|(_, _, b)| b.clone()), s.media.0.len())
    }
}

pub fn upload(s: &mut ServerState, seen: &Seen) -> Response {
    let Some(parts) = multipart(seen) else { return error(422, "Validation failed: File can't be blank") };
    let Some((_, Some(name), Some(mime), bytes)) = parts.iter().find(|(n, ..)| n == "file") else {
        return error(422, "Validation failed: File can't be blank");
    };
    if !mime.starts_with("image/") {
        return error(422, &format!("Validation failed: File content type is invalid ({mime})"));
    }
    let description =
        parts.iter().find(|(n, ..)| n == "description").map(|(.., b)| String::from_utf8_lossy(b).into_owned());
    if description.as_ref().is_some_and(|d| d.chars().count() > 1500) {
        return error(422, "Validation failed: Description is too long (maximum is 1500 characters)");
    }
    let id = s.take_id();
    let entity = json!({
        "id": id, "type": "image", "url": null, "preview_url": format!("https://{DOMAIN}/media/small/{id}"),
        "remote_url": null, "description": description, "blurhash": null, "meta": { "original": { "file_name": name } },
    });
    s.media.0.insert(id, (entity.clone(), 1, bytes.clone()));
    (StatusCode::ACCEPTED, axum::Json(entity)).into_response()
}

pub fn get(s: &mut ServerState, id: &str) -> Response {
    let Some((entity, polls, _)) = s.media.0.get_mut(id) else { return error(404, "Record not found") };
    if *polls > 0 {
        *polls -= 1;
        return (StatusCode::PARTIAL_CONTENT, axum::Json(entity.clone())).into_response();
    }
    entity["url"] = json!(format!("https://{DOMAIN}/media/original/{id}"));
    ok(entity.clone())
}

/// The attachments `media_ids` names: at most 4, each uploaded and processed.
pub fn attachments(s: &ServerState, params: &Map<String, Value>) -> Result<Vec<Value>, (u16, String)> {
    let ids: Vec<String> = match params.get("media_ids") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(ids)) => ids.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect(),
        Some(_) => return Err((422, "media_ids must be an array".into())),
    };
    if ids.len() > 4 {
        return Err((422, "Validation failed: You can attach up to 4 images".into()));
    }
    ids.iter()
        .map(|id| match s.media.0.get(id) {
            None => Err((422, format!("Validation failed: media {id} does not exist"))),
            Some((entity, _, _)) if entity["url"].is_null() => {
                Err((422, "Cannot attach files that have not finished processing. Try again in a moment!".into()))
            }
            Some((entity, _, _)) => Ok(entity.clone()),
        })
        .collect()
}

/// The parts of a `multipart/form-data` body: (name, filename, content type, bytes).
type Part = (String, Option<String>, Option<String>, Vec<u8>);

fn multipart(seen: &Seen) -> Option<Vec<Part>> {
    let content_type = seen.header("content-type")?;
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=")?;
    let delimiter = format!("--{boundary}");
    let body = &seen.raw;
    let mut parts = Vec::new();
    let mut rest = body.get(find(body, delimiter.as_bytes())? + delimiter.len()..)?;
    while rest.starts_with(b"\r\n") {
        let end = find(rest, delimiter.as_bytes())?;
        let part = &rest[2..end.checked_sub(2)?];
        let split = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let field =
            |key: &str| head.split(&format!("{key}=\"")).nth(1).and_then(|v| v.split('"').next()).map(str::to_string);
        let mime = head.lines().find_map(|l| l.strip_prefix("Content-Type: ")).map(str::to_string);
        parts.push((field("name")?, field("filename"), mime, part[split + 4..].to_vec()));
        rest = &rest[end + delimiter.len()..];
    }
    rest.starts_with(b"--").then_some(parts)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
