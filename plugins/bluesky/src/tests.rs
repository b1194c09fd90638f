//! The actions against `FakeHost`: sessions and their renewal, the publish requests, and
//! how XRPC failures become step errors.

use std::cell::RefCell;
use std::rc::Rc;

use roost_sdk::http::{HttpError, Request, Response};
use roost_sdk::testing::{FakeHost, Reply};
use roost_sdk::{StepError, Value, json};

use crate::{ACTIONS, Mentions, Publish};

const SERVICE: &str = "https://pds.example";

/// Requests by XRPC method, and the tokens the fake PDS currently accepts.
#[derive(Default)]
struct Pds {
    calls: Vec<String>,
    access: String,
    refresh: String,
    issued: u32,
    refresh_works: bool,
    records: Vec<Value>,
}

fn nsid(req: &Request) -> String {
    let path = req.url.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

fn bearer(req: &Request) -> &str {
    req.header_value("authorization").and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default()
}

fn error(status: u16, name: &str, message: &str) -> Result<Response, HttpError> {
    Reply::json(status, &json!({ "error": name, "message": message }))
}

impl Pds {
    fn issue(&mut self) -> Value {
        self.issued += 1;
        self.access = format!("access-{}", self.issued);
        self.refresh = format!("refresh-{}", self.issued);
        json!({ "accessJwt": self.access, "refreshJwt": self.refresh, "did": "did:plc:me", "handle": "me.test" })
    }

    fn answer(&mut self, req: &Request) -> Result<Response, HttpError> {
        let method = nsid(req);
        self.calls.push(method.clone());
        match method.as_str() {
            "com.atproto.server.createSession" => {
                let body: Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
                if body["password"] != "app-pass-word" {
                    return error(401, "AuthenticationRequired", "Invalid identifier or password");
                }
                Reply::json(200, &self.issue())
            }
            "com.atproto.server.refreshSession" if self.refresh_works && bearer(req) == self.refresh => {
                Reply::json(200, &self.issue())
            }
            "com.atproto.server.refreshSession" => error(400, "ExpiredToken", "Token has expired"),
            _ if bearer(req) != self.access => error(400, "ExpiredToken", "Token has expired"),
            "app.bsky.notification.listNotifications" | "app.bsky.feed.getPosts" => {
                Reply::json(200, &json!({ "notifications": [], "posts": [] }))
            }
            "com.atproto.identity.resolveHandle" => Reply::json(200, &json!({ "did": "did:plc:alice" })),
            "com.atproto.repo.getRecord" => match self.records.last() {
                Some(record) => Reply::json(200, &json!({ "uri": "at://x", "cid": "bafyold", "value": record })),
                None => error(400, "RecordNotFound", "Could not locate record"),
            },
            "com.atproto.repo.createRecord" => {
                let body: Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
                self.records.push(body["record"].clone());
                Reply::json(200, &json!({ "uri": "at://did:plc:me/app.bsky.feed.post/x", "cid": "bafynew" }))
            }
            other => panic!("unexpected {other}"),
        }
    }
}

fn host(pds: &Rc<RefCell<Pds>>) -> FakeHost {
    let pds = pds.clone();
    FakeHost::new().secret("BLUESKY_APP_PASSWORD", "app-pass-word").on_http(move |req| pds.borrow_mut().answer(req))
}

fn count(pds: &Rc<RefCell<Pds>>, method: &str) -> usize {
    pds.borrow().calls.iter().filter(|c| c.ends_with(method)).count()
}

#[test]
fn a_session_is_created_once_then_refreshed_when_it_expires() {
    let pds = Rc::new(RefCell::new(Pds { refresh_works: true, ..Pds::default() }));
    let host = host(&pds);
    let input = json!({ "service": SERVICE, "identifier": "me.test" });
    host.run::<Mentions>(input.clone()).unwrap();
    host.run::<Mentions>(input.clone()).unwrap();
    assert_eq!(count(&pds, "createSession"), 1);
    pds.borrow_mut().access = "rotated-away".into();
    host.run::<Mentions>(input.clone()).unwrap();
    assert_eq!((count(&pds, "createSession"), count(&pds, "refreshSession")), (1, 1));
    let stored: Value = serde_json::from_slice(&host.kv_get("session|https://pds.example|me.test").unwrap()).unwrap();
    assert_eq!(stored["accessJwt"], "access-2", "the renewed pair is stored");
    for (_, line) in host.logs() {
        assert!(!line.contains("access-") && !line.contains("refresh-"), "a token was logged: {line}");
    }
}

#[test]
fn a_failed_refresh_signs_in_again() {
    let pds = Rc::new(RefCell::new(Pds::default()));
    let host = host(&pds);
    let input = json!({ "service": SERVICE, "identifier": "me.test" });
    host.run::<Mentions>(input.clone()).unwrap();
    pds.borrow_mut().access = "gone".into();
    host.run::<Mentions>(input).unwrap();
    assert_eq!((count(&pds, "createSession"), count(&pds, "refreshSession")), (2, 1));
}

#[test]
fn a_wrong_password_is_fatal_with_a_hint() {
    let pds = Rc::new(RefCell::new(Pds::default()));
    let host = FakeHost::new().secret("BLUESKY_APP_PASSWORD", "wrong").on_http({
        let pds = pds.clone();
        move |req| pds.borrow_mut().answer(req)
    });
    let err = host.run::<Mentions>(json!({ "service": SERVICE, "identifier": "me.test" })).unwrap_err();
    assert!(matches!(&err, StepError::Fatal(m) if m.contains("AuthenticationRequired") && m.contains("app password")));
    let unset = FakeHost::new().run::<Mentions>(json!({ "service": SERVICE, "identifier": "me.test" })).unwrap_err();
    assert!(matches!(&unset, StepError::InvalidInput(m) if m.contains("BLUESKY_APP_PASSWORD")), "{unset:?}");
}

#[test]
fn publish_sends_facets_and_a_derived_rkey_and_replays() {
    let pds = Rc::new(RefCell::new(Pds::default()));
    let host = host(&pds).context(|ctx| ctx.idempotency_key = "run-9/post".into());
    let text = "Grüße an @alice.test 🎉 #Rust https://example.com/ü";
    let input = json!({ "service": SERVICE, "identifier": "me.test", "text": text, "langs": ["de"] });
    let first = host.run_action(ACTIONS, "publish", input.clone()).unwrap();
    let rkey = crate::rkey::derive_tid("run-9/post");
    assert_eq!(first["id"], format!("at://did:plc:me/app.bsky.feed.post/{rkey}"));
    assert_eq!(first["url"], format!("https://bsky.app/profile/me.test/post/{rkey}"));
    assert_eq!((first["replayed"].clone(), first["scheduled_at"].clone()), (json!(false), Value::Null));
    let create = host.requests().into_iter().find(|r| r.url.ends_with("createRecord")).unwrap();
    let body: Value = serde_json::from_slice(create.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["rkey"], rkey.as_str());
    assert_eq!(body["record"]["$type"], "app.bsky.feed.post");
    assert_eq!(body["record"]["langs"], json!(["de"]));
    let ranges: Vec<(u64, u64)> = body["record"]["facets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["index"]["byteStart"].as_u64().unwrap(), f["index"]["byteEnd"].as_u64().unwrap()))
        .collect();
    assert_eq!(ranges, [(11, 22), (28, 33), (34, 56)]);
    assert_eq!(body["record"]["facets"][0]["features"][0]["did"], "did:plc:alice");

    let again = host.run::<Publish>(input).unwrap();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["created_at"], first["created_at"]);
    assert_eq!(pds.borrow().records.len(), 1);
}

#[test]
fn rate_limits_and_server_errors_are_retryable() {
    let reset = crate::xrpc::now_ms() / 1000 + 40;
    let host = FakeHost::new().secret("BLUESKY_APP_PASSWORD", "p").on_http(move |req| {
        if req.url.contains("createSession") {
            return Reply::json(
                200,
                &json!({ "accessJwt": "a", "refreshJwt": "r", "did": "did:plc:me", "handle": "me.test" }),
            );
        }
        let mut resp = error(429, "RateLimitExceeded", "Rate Limit Exceeded")?;
        resp.headers.push(("RateLimit-Reset".into(), reset.to_string()));
        resp.headers.push(("RateLimit-Policy".into(), "3000;w=300".into()));
        Ok(resp)
    });
    let err = host.run::<Mentions>(json!({ "service": SERVICE, "identifier": "me.test" })).unwrap_err();
    match err {
        StepError::Retryable { after_ms: Some(ms), .. } => assert!((38_000..=40_000).contains(&ms), "{ms}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_inputs_fail_before_any_request() {
    let host = FakeHost::new().secret("BLUESKY_APP_PASSWORD", "p");
    // Where the manifest's schema refuses an input first, the message names its pointer.
    let cases = [
        ("mentions", json!({ "identifier": "me.test", "limit": 0 }), "`/limit`"),
        ("mentions", json!({ "identifier": " " }), "`identifier`"),
        ("mentions", json!({ "service": "bsky.social", "identifier": "me" }), "`service`"),
        ("publish", json!({ "identifier": "me.test", "text": "x".repeat(301) }), "301 graphemes"),
        ("publish", json!({ "identifier": "me.test", "text": "hi", "reply_to": "nope" }), "`/reply_to`"),
        ("profile", json!({ "identifier": "me.test", "actor": "", "posts": 5 }), "`/actor`"),
        ("search", json!({ "identifier": "me.test", "q": "rust", "limit": 501 }), "`/limit`"),
    ];
    for (action, input, says) in cases {
        match host.run_action(ACTIONS, action, input) {
            Err(StepError::InvalidInput(m)) => assert!(m.contains(says), "{action}: {m}"),
            other => panic!("{action}: {other:?}"),
        }
    }
    assert!(host.requests().is_empty());
}
