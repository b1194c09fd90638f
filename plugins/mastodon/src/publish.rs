//! `publish`: posts a status, with up to four images, once per logical step, or schedules it.
//!
//! The step's idempotency key goes out as `Idempotency-Key`, so Mastodon answers a retry
//! within the hour with the status the first attempt created instead of posting twice;
//! the outcome is also kept in kv so a later retry returns it without asking again.

use roost_sdk::media::{self, MediaIn};
use roost_sdk::{Action, Context, StepError, Value, json, kv, log};
use serde::Deserialize;

use crate::api::{Api, Auth};
use crate::entities::{NETWORK, Published, ScheduledStatus, Status};
use roost_sdk::length::{DEFAULT_MAX_CHARS, URL_CHARS, status_length};
use roost_sdk::time;

/// How long a published post is remembered for retries of its step.
const RECORD_TTL_SECONDS: u32 = 7 * 86_400;
/// A status created this long before the request was sent existed before it (clocks of
/// client and server may differ by less).
const REPLAY_MARGIN_MS: i64 = 2_000;

pub struct Publish;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    instance: String,
    text: String,
    #[serde(default = "default_visibility")]
    visibility: String,
    in_reply_to: Option<String>,
    scheduled_at: Option<String>,
    spoiler_text: Option<String>,
    language: Option<String>,
    #[serde(default = "default_max_characters")]
    max_characters: usize,
    #[serde(default)]
    media: Vec<MediaIn>,
    #[serde(default)]
    alt_optional: bool,
}

fn default_visibility() -> String {
    "public".into()
}

fn default_max_characters() -> usize {
    DEFAULT_MAX_CHARS
}

impl Action for Publish {
    type Input = Input;
    type Output = Published;

    fn run(ctx: &Context, input: Input) -> Result<Published, StepError> {
        let mut body = request_body(&input)?;
        let record_key = format!("publish:{}", ctx.idempotency_key);
        if !ctx.idempotency_key.is_empty()
            && let Some(mut done) = kv::get_json::<Published>(&record_key)?
        {
            log::info(&format!("status {} was already published by an earlier attempt of this step", done.id));
            done.replayed = true;
            return Ok(done);
        }
        let api = Api::new(&input.instance, Auth::Required, "write:statuses")?;
        let media_ids = crate::media::attach(&api, &ctx.idempotency_key, &input.media)?;
        if !media_ids.is_empty() {
            body["media_ids"] = json!(media_ids);
        }
        let mut headers = Vec::new();
        if !ctx.idempotency_key.is_empty() {
            headers.push(("Idempotency-Key", ctx.idempotency_key.clone()));
        }
        let sent_ms = time::now_ms();
        let resp = api.post_json("/api/v1/statuses", &body, &headers, "publishing the status")?;
        let value: Value = resp.json()?;
        let published = if value.get("params").is_some() && value.get("content").is_none() {
            let scheduled: ScheduledStatus = serde_json::from_value(value).map_err(bad_answer)?;
            Published {
                network: NETWORK.into(),
                url: format!("{}/api/v1/scheduled_statuses/{}", api.base(), scheduled.id),
                id: scheduled.id,
                created_at: scheduled.scheduled_at.clone(),
                scheduled_at: Some(scheduled.scheduled_at),
                replayed: false,
            }
        } else {
            let status: Status = serde_json::from_value(value).map_err(bad_answer)?;
            if let Some(at) = &input.scheduled_at {
                log::warn(&format!("`scheduled_at` {at} has passed; Mastodon published the status at once"));
            }
            let created = time::parse_rfc3339_ms(&status.created_at);
            Published {
                network: NETWORK.into(),
                id: status.id.clone(),
                url: status.link(),
                created_at: status.created_at.clone(),
                scheduled_at: None,
                replayed: created.is_some_and(|c| c < sent_ms - REPLAY_MARGIN_MS),
            }
        };
        if published.replayed {
            log::info(&format!("Mastodon returned status {} created before this attempt", published.id));
        }
        if !ctx.idempotency_key.is_empty()
            && let Err(e) = kv::set_json(&record_key, &published, Some(RECORD_TTL_SECONDS))
        {
            log::warn(&format!("published status {}, but could not remember it for retries: {e}", published.id));
        }
        Ok(published)
    }
}

fn bad_answer(e: serde_json::Error) -> StepError {
    StepError::fatal(format!("Mastodon's answer to the new status is not a Status or ScheduledStatus: {e}"))
}

/// Checks the input and builds the JSON body of `POST /api/v1/statuses`.
fn request_body(input: &Input) -> Result<Value, StepError> {
    if input.text.trim().is_empty() {
        return Err(StepError::invalid_input("`text` is empty; give the status text to publish"));
    }
    media::check(&input.media, input.alt_optional)?;
    if !matches!(input.visibility.as_str(), "public" | "unlisted" | "private" | "direct") {
        return Err(StepError::invalid_input(format!(
            "`visibility` `{}` is not one of public, unlisted, private, direct",
            input.visibility
        )));
    }
    let spoiler = input.spoiler_text.as_deref().unwrap_or_default();
    let length = status_length(&input.text, spoiler);
    if length > input.max_characters {
        return Err(StepError::invalid_input(format!(
            "`text` is {length} characters as Mastodon counts them (each URL as {URL_CHARS}, `spoiler_text` \
             included), over the limit of {}: shorten it by {}",
            input.max_characters,
            length - input.max_characters
        )));
    }
    let mut body = json!({ "status": input.text, "visibility": input.visibility });
    if let Some(id) = &input.in_reply_to {
        if id.trim().is_empty() || id.contains(char::is_whitespace) {
            return Err(StepError::invalid_input(format!("`in_reply_to` `{id}` is not a status id")));
        }
        body["in_reply_to_id"] = json!(id);
    }
    if let Some(at) = &input.scheduled_at {
        if time::parse_rfc3339_ms(at).is_none() {
            return Err(StepError::invalid_input(format!(
                "`scheduled_at` `{at}` is not an RFC 3339 time; write it like 2026-05-01T09:30:00Z or \
                 2026-05-01T11:30:00+02:00, at least 5 minutes ahead"
            )));
        }
        body["scheduled_at"] = json!(at);
    }
    if !spoiler.is_empty() {
        body["spoiler_text"] = json!(spoiler);
    }
    if let Some(language) = &input.language {
        body["language"] = json!(language);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> Input {
        serde_json::from_value(json!({ "instance": "https://m.example", "text": text })).unwrap()
    }

    #[test]
    fn the_body_carries_only_what_was_given() {
        let body = request_body(&input("Hello")).unwrap();
        assert_eq!(body, json!({ "status": "Hello", "visibility": "public" }));
        let full: Input = serde_json::from_value(json!({
            "instance": "https://m.example", "text": "Hi", "visibility": "unlisted", "in_reply_to": "113000000000000001",
            "scheduled_at": "2030-01-01T09:00:00Z", "spoiler_text": "cw", "language": "de"
        }))
        .unwrap();
        let body = request_body(&full).unwrap();
        assert_eq!(body["in_reply_to_id"], "113000000000000001");
        assert_eq!(body["scheduled_at"], "2030-01-01T09:00:00Z");
        assert_eq!(body["spoiler_text"], "cw");
        assert_eq!(body["language"], "de");
    }

    #[test]
    fn text_over_the_limit_is_invalid_but_long_urls_are_not() {
        let err = request_body(&input(&"ä".repeat(501))).unwrap_err();
        assert!(
            matches!(&err, StepError::InvalidInput(m) if m.contains("501 characters") && m.contains("shorten it by 1")),
            "{err}"
        );
        let with_url = format!("{} https://example.com/{}", "a".repeat(400), "x".repeat(300));
        assert!(request_body(&input(&with_url)).is_ok());
        assert!(request_body(&input("")).is_err());
        assert!(request_body(&input("   ")).is_err());
    }

    #[test]
    fn bad_times_and_visibilities_are_invalid() {
        let mut i = input("x");
        i.scheduled_at = Some("tomorrow 9am".into());
        assert!(matches!(request_body(&i), Err(StepError::InvalidInput(m)) if m.contains("`scheduled_at`")));
        let mut i = input("x");
        i.visibility = "friends".into();
        assert!(matches!(request_body(&i), Err(StepError::InvalidInput(m)) if m.contains("`visibility`")));
    }
}
