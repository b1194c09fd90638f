//! The `publish` action: an `app.bsky.feed.post` record with facets (and images), written under a record
//! key derived from the step's idempotency key and looked up before every create, so a
//! post never appears twice however often the step is retried.

use roost_sdk::media::MediaIn;
use roost_sdk::{StepError, log};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::richtext::{self, Feature, MAX_BYTES, MAX_GRAPHEMES};
use crate::rkey::{AtUri, derive_tid, post_url};
use crate::session::Client;
use crate::shapes::{now_rfc3339, rfc3339};
use crate::xrpc::{self, XrpcError};

const POST: &str = "app.bsky.feed.post";

/// The published-post shape shared with Mastodon, plus the record's `cid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub network: &'static str,
    /// The post's AT-URI (what `reply_to` takes).
    pub id: String,
    pub url: String,
    pub created_at: String,
    /// Bluesky has no scheduled posts: always null.
    pub scheduled_at: Option<String>,
    /// The post already existed from an earlier attempt of this step.
    pub replayed: bool,
    pub cid: String,
}

/// What `publish` checks before any request: the text's limits, `langs`, `reply_to`.
pub fn check(text: &str, langs: &[String], reply_to: Option<&str>) -> Result<Option<AtUri>, StepError> {
    if text.trim().is_empty() {
        return Err(StepError::invalid_input("`text` is empty; a post needs some text"));
    }
    let graphemes = richtext::grapheme_count(text);
    if graphemes > MAX_GRAPHEMES {
        return Err(StepError::invalid_input(format!(
            "`text` has {graphemes} graphemes; a Bluesky post takes at most {MAX_GRAPHEMES}: shorten it or split it \
             into a thread (reply_to)"
        )));
    }
    if text.len() > MAX_BYTES {
        return Err(StepError::invalid_input(format!(
            "`text` has {} UTF-8 bytes; a Bluesky post takes at most {MAX_BYTES}: shorten it",
            text.len()
        )));
    }
    if langs.len() > 3 {
        return Err(StepError::invalid_input(format!("`langs` has {} entries; a post takes at most 3", langs.len())));
    }
    if let Some(bad) = langs.iter().find(|l| !is_language_tag(l)) {
        return Err(StepError::invalid_input(format!(
            "`langs` entry {bad:?} is not a BCP-47 language tag such as \"de\" or \"en-US\""
        )));
    }
    let Some(uri) = reply_to else { return Ok(None) };
    let parsed = AtUri::parse(uri).map_err(|e| StepError::invalid_input(format!("`reply_to` {uri:?}: {e}")))?;
    if parsed.collection != POST {
        return Err(StepError::invalid_input(format!(
            "`reply_to` {uri:?} is not a post ({POST}) but a {}",
            parsed.collection
        )));
    }
    Ok(Some(parsed))
}

fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=8).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Publishes `text` as the signed-in account, once per `idempotency_key`.
pub fn publish(
    client: &mut Client,
    idempotency_key: &str,
    text: &str,
    reply_to: Option<AtUri>,
    langs: &[String],
    media: &[MediaIn],
) -> Result<Published, StepError> {
    let rkey = derive_tid(idempotency_key);
    let did = client.session.did.clone();
    let uri = AtUri { repo: did.clone(), collection: POST.into(), rkey: rkey.clone() };
    let shaped = |client: &Client, created: &str, cid: String, replayed: bool| Published {
        network: "bluesky",
        id: uri.to_uri(),
        url: post_url(&client.session.handle, &rkey),
        created_at: created.to_string(),
        scheduled_at: None,
        replayed,
        cid,
    };
    let params = [("repo", did.clone()), ("collection", POST.to_string()), ("rkey", rkey.clone())];
    match client.query("com.atproto.repo.getRecord", &params)? {
        Ok(found) => {
            log::info(&format!("post {} exists from an earlier attempt; not posting again", uri.to_uri()));
            let created = found.pointer("/value/createdAt").and_then(Value::as_str).unwrap_or_default();
            let cid = found.get("cid").and_then(Value::as_str).unwrap_or_default().to_string();
            return Ok(shaped(client, &rfc3339(created, created), cid, true));
        }
        Err(e) if e.is("RecordNotFound") => {}
        Err(e) => return Err(e.into_step_error(xrpc::now_ms())),
    }

    let created = now_rfc3339();
    let mut record = Map::new();
    record.insert("$type".into(), json!(POST));
    record.insert("text".into(), json!(text));
    record.insert("createdAt".into(), json!(created));
    let facets = facets(client, text)?;
    if !facets.is_empty() {
        record.insert("facets".into(), Value::Array(facets));
    }
    if !langs.is_empty() {
        record.insert("langs".into(), json!(langs));
    }
    if let Some(parent) = reply_to {
        record.insert("reply".into(), reply_refs(client, &parent)?);
    }
    if let Some(embed) = crate::images::embed(client, media)? {
        record.insert("embed".into(), embed);
    }
    let body = json!({ "repo": did, "collection": POST, "rkey": rkey, "record": record });
    match client.procedure("com.atproto.repo.createRecord", &body)? {
        Ok(out) => {
            let cid = out.get("cid").and_then(Value::as_str).unwrap_or_default().to_string();
            log::info(&format!("published {}", uri.to_uri()));
            Ok(shaped(client, &created, cid, false))
        }
        Err(e) if e.status >= 500 => Err(unknown_outcome(e, &rkey)),
        Err(e) => Err(e.into_step_error(xrpc::now_ms())),
    }
}

/// A 5xx of `createRecord` may come after the record was stored: a retry looks first.
fn unknown_outcome(e: XrpcError, rkey: &str) -> StepError {
    StepError::retryable(format!(
        "{} answered HTTP {} {}; the post may or may not exist: a retry of this step looks up record key {rkey} \
         first and does not post twice",
        e.nsid, e.status, e.name
    ))
}

/// The facets of `text`; a mention whose handle does not resolve is left as plain text.
fn facets(client: &mut Client, text: &str) -> Result<Vec<Value>, StepError> {
    let mut out = Vec::new();
    let mut resolved: Vec<(String, Option<String>)> = Vec::new();
    for span in richtext::detect(text) {
        let feature = match span.feature {
            Feature::Mention(handle) => {
                let did = match resolved.iter().find(|(h, _)| *h == handle) {
                    Some((_, did)) => did.clone(),
                    None => {
                        let did = resolve_handle(client, &handle)?;
                        resolved.push((handle.clone(), did.clone()));
                        did
                    }
                };
                let Some(did) = did else { continue };
                json!({ "$type": "app.bsky.richtext.facet#mention", "did": did })
            }
            Feature::Link(uri) => json!({ "$type": "app.bsky.richtext.facet#link", "uri": uri }),
            Feature::Tag(tag) => json!({ "$type": "app.bsky.richtext.facet#tag", "tag": tag }),
        };
        out.push(json!({ "index": { "byteStart": span.start, "byteEnd": span.end }, "features": [feature] }));
    }
    Ok(out)
}

fn resolve_handle(client: &mut Client, handle: &str) -> Result<Option<String>, StepError> {
    match client.query("com.atproto.identity.resolveHandle", &[("handle", handle.to_string())])? {
        Ok(out) => Ok(out.get("did").and_then(Value::as_str).map(str::to_string)),
        Err(e) if e.is("HandleNotFound") || (e.status == 400 && e.is("InvalidRequest")) => {
            log::warn(&format!("@{handle} does not resolve to an account ({}); it stays plain text", e.name));
            Ok(None)
        }
        Err(e) => Err(e.into_step_error(xrpc::now_ms())),
    }
}

/// `reply.root` and `reply.parent` for a reply to `parent`: the parent's strong ref, and
/// its own root when it is itself a reply.
fn reply_refs(client: &mut Client, parent: &AtUri) -> Result<Value, StepError> {
    let uri = parent.to_uri();
    let page = client.get("app.bsky.feed.getPosts", &[("uris", uri.clone())])?;
    let post = page.get("posts").and_then(Value::as_array).and_then(|p| p.first()).ok_or_else(|| {
        StepError::invalid_input(format!("`reply_to` {uri:?}: no such post (deleted, or not visible to this account)"))
    })?;
    let parent_ref = json!({ "uri": post["uri"], "cid": post["cid"] });
    let root =
        post.pointer("/record/reply/root").filter(|r| r.get("cid").is_some()).cloned().unwrap_or(parent_ref.clone());
    Ok(json!({ "root": root, "parent": parent_ref }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_before_any_request() {
        let ok = "Grüße an @alice.test 🎉 #Rust https://example.com/ü";
        assert_eq!(check(ok, &["de".into()], None).unwrap(), None);
        let long = "ä".repeat(301);
        assert!(matches!(check(&long, &[], None), Err(StepError::InvalidInput(m)) if m.contains("301 graphemes")));
        assert!(check(&"ä".repeat(300), &[], None).is_ok(), "exactly 300 is fine");
        assert!(check("👨‍👩‍👧‍👦".repeat(100).as_str(), &[], None).is_ok(), "100 families: 100 graphemes, 2500 bytes");
        let heavy = "👨‍👩‍👧‍👦".repeat(200);
        assert!(matches!(check(&heavy, &[], None), Err(StepError::InvalidInput(m)) if m.contains("bytes")));
        assert!(check("  ", &[], None).is_err());
        assert!(check("hi", &["de".into(), "en".into(), "fr".into(), "it".into()], None).is_err());
        assert!(check("hi", &["deutsch!".into()], None).is_err());
        assert!(check("hi", &["en-US".into(), "zh-Hant".into()], None).is_ok());
    }

    #[test]
    fn reply_to_must_be_a_post_uri() {
        let parent = check("hi", &[], Some("at://did:plc:bob/app.bsky.feed.post/3kabc")).unwrap().unwrap();
        assert_eq!(parent.rkey, "3kabc");
        let like = check("hi", &[], Some("at://did:plc:bob/app.bsky.feed.like/3kabc"));
        assert!(matches!(like, Err(StepError::InvalidInput(m)) if m.contains("`reply_to`")));
        assert!(check("hi", &[], Some("https://bsky.app/profile/bob/post/3kabc")).is_err());
    }
}
