//! `POST /api/v1/statuses` as `statuses_controller#create` and `PostStatusService` behave:
//! an `Idempotency-Key` seen within the hour returns what it created (200, same body, no
//! new status); `scheduled_at` in the past posts at once, within 5 minutes is refused with
//! 422, later gives a ScheduledStatus (25 a day, 300 in all).

use std::time::Duration as StdDuration;

use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::{DOMAIN, Seen, ServerState, error, now, ok, stamp};

/// How long Mastodon keeps an idempotency key (`setex 3600`).
const IDEMPOTENCY_TTL: StdDuration = StdDuration::from_secs(3600);
/// `PostStatusService::MIN_SCHEDULE_OFFSET`.
const MIN_SCHEDULE_OFFSET_MINUTES: i64 = 5;
/// `ScheduledStatus::TOTAL_LIMIT` and `DAILY_LIMIT`.
const TOTAL_LIMIT: usize = 300;
const DAILY_LIMIT: usize = 25;

/// A Status entity with the fields clients read; callers override what they need.
pub fn status_entity(id: &str, account: &Value, content: &str, created_at: &str) -> Value {
    let profile = account["url"].as_str().unwrap();
    json!({
        "id": id, "created_at": created_at, "edited_at": null, "in_reply_to_id": null, "in_reply_to_account_id": null,
        "sensitive": false, "spoiler_text": "", "visibility": "public", "language": "en",
        "uri": format!("{}/statuses/{id}", profile.replacen("/@", "/users/", 1)), "url": format!("{profile}/{id}"),
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "quotes_count": 0,
        "content": content, "reblog": null, "application": { "name": "Web", "website": null }, "account": account,
        "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": null, "poll": null, "quote": null,
    })
}

/// Why a status is refused: the HTTP status and Mastodon's `error` text.
type Refusal = (u16, String);

/// The request's parameters: a JSON object, or form fields as strings.
fn parameters(seen: &Seen, headers: &HeaderMap) -> Result<Map<String, Value>, Refusal> {
    let json = headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.contains("json"));
    if json {
        return match serde_json::from_str::<Value>(&seen.body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err((400, "Error occurred while parsing request parameters".into())),
        };
    }
    Ok(url::form_urlencoded::parse(seen.body.as_bytes()).map(|(k, v)| (k.into_owned(), json!(v))).collect())
}

pub fn create(s: &mut ServerState, seen: &Seen, headers: &HeaderMap) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(key) = &key
        && let Some((entity, at)) = s.idempotency.get(key)
        && at.elapsed() < IDEMPOTENCY_TTL
    {
        return ok(entity.clone());
    }
    let params = match parameters(seen, headers) {
        Ok(p) => p,
        Err((status, message)) => return error(status, &message),
    };
    let text = |name: &str| params.get(name).and_then(Value::as_str).map(str::to_string);
    let status_text = text("status").unwrap_or_default();
    if status_text.trim().is_empty() {
        return error(422, "Validation failed: Text can't be blank");
    }
    let visibility = text("visibility").unwrap_or_else(|| "public".into());
    if !["public", "unlisted", "private", "direct"].contains(&visibility.as_str()) {
        return error(422, &format!("'{visibility}' is not a valid visibility"));
    }
    let thread = match text("in_reply_to_id").filter(|id| !id.is_empty()) {
        Some(id) => match s.statuses.iter().find(|st| st["id"] == id.as_str()) {
            Some(parent) => Some(parent.clone()),
            None => return error(422, "The post you are trying to reply to does not appear to exist."),
        },
        None => None,
    };
    let scheduled_at = match text("scheduled_at").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match DateTime::parse_from_rfc3339(&t) {
            Ok(at) => Some(at.with_timezone(&Utc)).filter(|at| *at > Utc::now()),
            Err(_) => return error(422, "Record invalid"),
        },
    };
    let attachments = match super::media::attachments(s, &params) {
        Ok(found) => found,
        Err((status, message)) => return error(status, &message),
    };
    let mut entity = match scheduled_at {
        Some(at) => match schedule(s, at, &params, thread.as_ref()) {
            Ok(entity) => entity,
            Err((status, message)) => return error(status, &message),
        },
        None => post(s, &status_text, &visibility, &params, thread.as_ref()),
    };
    if !attachments.is_empty() {
        entity["media_attachments"] = json!(attachments);
        if let Some(stored) = s.statuses.iter_mut().find(|st| st["id"] == entity["id"]) {
            stored["media_attachments"] = json!(attachments);
        }
    }
    if let Some(key) = key {
        s.idempotency.insert(key, (entity.clone(), std::time::Instant::now()));
    }
    if s.fail_after_create > 0 {
        s.fail_after_create -= 1;
        return error(503, "There was a temporary problem serving your request, please try again");
    }
    ok(entity)
}

fn schedule(
    s: &mut ServerState,
    at: DateTime<Utc>,
    params: &Map<String, Value>,
    thread: Option<&Value>,
) -> Result<Value, Refusal> {
    if at <= Utc::now() + Duration::minutes(MIN_SCHEDULE_OFFSET_MINUTES) {
        return Err((422, "Validation failed: Scheduled at date must be in the future".into()));
    }
    if s.scheduled.len() >= TOTAL_LIMIT {
        return Err((422, format!("Validation failed: You have exceeded the limit of {TOTAL_LIMIT} scheduled posts")));
    }
    let day = at.date_naive();
    let same_day = s
        .scheduled
        .iter()
        .filter(|st| st["scheduled_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap().date_naive() == day);
    if same_day.count() >= DAILY_LIMIT {
        return Err((
            422,
            format!("Validation failed: You have exceeded the limit of {DAILY_LIMIT} scheduled posts for today"),
        ));
    }
    let field = |name: &str| params.get(name).cloned().unwrap_or(Value::Null);
    let id = s.take_id();
    let entity = json!({
        "id": id, "scheduled_at": stamp(at),
        "params": {
            "text": field("status"), "poll": null, "media_ids": null, "sensitive": field("sensitive"),
            "spoiler_text": field("spoiler_text"), "visibility": field("visibility"), "language": field("language"),
            "scheduled_at": null, "idempotency": null, "with_rate_limit": false,
            "in_reply_to_id": thread.map_or(Value::Null, |t| t["id"].clone()), "application_id": 596_551,
        },
        "media_attachments": [],
    });
    s.scheduled.push(entity.clone());
    Ok(entity)
}

fn post(
    s: &mut ServerState,
    text: &str,
    visibility: &str,
    params: &Map<String, Value>,
    thread: Option<&Value>,
) -> Value {
    let owner = s.account(&s.owner_id.clone()).unwrap();
    let id = s.take_id();
    let (content, tags) = render(text);
    let mut status = status_entity(&id, &owner, &content, &now());
    status["visibility"] = json!(visibility);
    status["tags"] = json!(
        tags.iter()
            .map(|t| json!({ "name": t.to_lowercase(), "url": format!("https://{DOMAIN}/tags/{}", t.to_lowercase()) }))
            .collect::<Vec<_>>()
    );
    if let Some(spoiler) = params.get("spoiler_text").and_then(Value::as_str) {
        status["spoiler_text"] = json!(spoiler);
        status["sensitive"] = json!(!spoiler.is_empty());
    }
    if let Some(language) = params.get("language").and_then(Value::as_str) {
        status["language"] = json!(language);
    }
    if let Some(parent) = thread {
        status["in_reply_to_id"] = parent["id"].clone();
        status["in_reply_to_account_id"] = parent["account"]["id"].clone();
    }
    s.statuses.push(status.clone());
    s.posted.push(id);
    status
}

/// Plain text as Mastodon renders it: escaped, paragraphs on blank lines, `<br />` for
/// line breaks, hashtags linked; and the tags found.
fn render(text: &str) -> (String, Vec<String>) {
    let mut tags = Vec::new();
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            let lines: Vec<String> = p.lines().map(|line| link_tags(line, &mut tags)).collect();
            format!("<p>{}</p>", lines.join("<br />"))
        })
        .collect();
    (paragraphs.concat(), tags)
}

fn link_tags(line: &str, tags: &mut Vec<String>) -> String {
    let escape = |w: &str| {
        w.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
    };
    line.split(' ')
        .map(|word| match word.strip_prefix('#') {
            Some(tag) if !tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                tags.push(tag.to_string());
                let lower = tag.to_lowercase();
                format!("<a href=\"https://{DOMAIN}/tags/{lower}\" class=\"mention hashtag\" rel=\"tag\">#<span>{tag}</span></a>")
            }
            _ => escape(word),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
