//! An authenticated XRPC client: one session per service and identifier, kept in kv,
//! refreshed on `ExpiredToken`, re-created only when the refresh fails.
//!
//! `createSession` is limited to 30 per 5 minutes and 300 per day per account, so a
//! session is created once and reused by every later step. Tokens are never logged.

use roost_sdk::http::{Request, Response};
use roost_sdk::{StepError, kv, log, secrets};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::xrpc::{self, XrpcError};

/// The secret holding the account's app password.
pub const SECRET: &str = "BLUESKY_APP_PASSWORD";

/// How long a stored session is kept: the refresh token lives 90 days.
const SESSION_TTL_SECONDS: u32 = 89 * 24 * 3600;

/// The part of `createSession`/`refreshSession` output the plugin keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub access_jwt: String,
    pub refresh_jwt: String,
    pub did: String,
    pub handle: String,
}

/// The kv key of the session of `identifier` at `base`.
pub fn session_key(base: &str, identifier: &str) -> String {
    format!("session|{base}|{}", identifier.trim().to_ascii_lowercase())
}

/// A signed-in account on one PDS.
pub struct Client {
    pub base: String,
    identifier: String,
    pub session: Session,
}

enum Auth {
    Access,
    Refresh,
}

impl Client {
    /// The stored session of `identifier`, or a new one.
    pub fn connect(service: &str, identifier: &str) -> Result<Self, StepError> {
        let base = xrpc::service_base(service)?;
        let identifier = identifier.trim().trim_start_matches('@').to_string();
        if identifier.is_empty() {
            return Err(StepError::invalid_input(
                "`identifier` must be the account's handle (\"name.bsky.social\") or DID (\"did:plc:...\")",
            ));
        }
        let session = match kv::get_json::<Session>(&session_key(&base, &identifier))? {
            Some(session) => session,
            None => create_session(&base, &identifier)?,
        };
        Ok(Self { base, identifier, session })
    }

    /// A query (GET) with auth; XRPC errors other than a renewable token come back as `Err`.
    pub fn query(&mut self, nsid: &str, params: &[(&str, String)]) -> Result<Result<Value, XrpcError>, StepError> {
        self.call("GET", nsid, params, Body::None)
    }

    /// A procedure (POST with a JSON body) with auth.
    pub fn procedure(&mut self, nsid: &str, body: &Value) -> Result<Result<Value, XrpcError>, StepError> {
        self.call("POST", nsid, &[], Body::Json(body))
    }

    /// `com.atproto.repo.uploadBlob` of `bytes` (of type `mime`): the blob to embed.
    pub fn upload_blob(&mut self, bytes: &[u8], mime: &str) -> Result<Value, StepError> {
        let nsid = "com.atproto.repo.uploadBlob";
        let answer = self.call("POST", nsid, &[], Body::Raw(bytes, mime))?;
        let out = answer.map_err(|e| e.into_step_error(xrpc::now_ms()))?;
        out.get("blob").cloned().ok_or_else(|| StepError::fatal(format!("{nsid} answered without a `blob`")))
    }

    /// A query whose every XRPC error is a step error.
    pub fn get(&mut self, nsid: &str, params: &[(&str, String)]) -> Result<Value, StepError> {
        self.query(nsid, params)?.map_err(|e| e.into_step_error(xrpc::now_ms()))
    }

    fn call(
        &mut self,
        method: &str,
        nsid: &str,
        params: &[(&str, String)],
        body: Body,
    ) -> Result<Result<Value, XrpcError>, StepError> {
        let url = xrpc::url(&self.base, nsid, params);
        match send(method, &url, nsid, body, &self.session, Auth::Access)? {
            Err(e) if e.is_token_problem() => {
                log::info(&format!(
                    "the access token of {} was refused ({}); renewing the session",
                    self.identifier, e.name
                ));
                self.renew()?;
                send(method, &url, nsid, body, &self.session, Auth::Access)
            }
            other => Ok(other),
        }
    }

    /// `refreshSession` with the refresh token; a new session when that fails for auth.
    fn renew(&mut self) -> Result<(), StepError> {
        let url = xrpc::url(&self.base, "com.atproto.server.refreshSession", &[]);
        match send("POST", &url, "com.atproto.server.refreshSession", Body::None, &self.session, Auth::Refresh)? {
            Ok(value) => {
                self.session = parse_session(value)?;
                store(&self.base, &self.identifier, &self.session)?;
            }
            Err(e) if e.is_token_problem() || matches!(e.status, 400 | 401) => {
                log::info(&format!("refreshing the session failed ({}); signing in again", e.name));
                self.session = create_session(&self.base, &self.identifier)?;
            }
            Err(e) => return Err(e.into_step_error(xrpc::now_ms())),
        }
        Ok(())
    }
}

/// What a request carries: nothing, JSON, or raw bytes of a content type (a blob).
#[derive(Clone, Copy)]
enum Body<'a> {
    None,
    Json(&'a Value),
    Raw(&'a [u8], &'a str),
}

/// Sends one XRPC request with the access or refresh token as Bearer.
fn send(
    method: &str,
    url: &str,
    nsid: &str,
    body: Body,
    session: &Session,
    auth: Auth,
) -> Result<Result<Value, XrpcError>, StepError> {
    let token = match auth {
        Auth::Access => &session.access_jwt,
        Auth::Refresh => &session.refresh_jwt,
    };
    let mut req = Request::new(method, url).header("Authorization", format!("Bearer {token}"));
    match body {
        Body::None => {}
        Body::Json(value) => req = req.json(value)?,
        Body::Raw(bytes, mime) => req = req.header("Content-Type", mime.to_string()).body(bytes.to_vec()),
    }
    Ok(read(nsid, &req.send()?))
}

/// The JSON body of a successful response, or the XRPC error.
fn read(nsid: &str, resp: &Response) -> Result<Value, XrpcError> {
    let rate = xrpc::RateLimit::from_headers(|name| resp.header(name).map(str::to_string));
    if rate.remaining == Some(0) && resp.status < 400 {
        log::warn(&format!("{nsid}: the rate limit is used up until epoch {}", rate.reset.unwrap_or_default()));
    }
    if resp.status >= 400 {
        return Err(XrpcError::from_response(nsid, resp));
    }
    if resp.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&resp.body).map_err(|e| XrpcError {
        nsid: nsid.to_string(),
        status: resp.status,
        name: "InvalidResponse".into(),
        message: format!("the body is not JSON: {e}"),
        rate: Box::new(rate),
    })
}

/// `createSession` with the app password placeholder; the session is stored in kv.
fn create_session(base: &str, identifier: &str) -> Result<Session, StepError> {
    let password = secrets::placeholder(SECRET).map_err(|e| {
        StepError::invalid_input(format!("{e}; store the account's app password as the secret {SECRET}"))
    })?;
    let nsid = "com.atproto.server.createSession";
    let body = json!({ "identifier": identifier, "password": password });
    let resp = Request::post(&xrpc::url(base, nsid, &[])).json(&body)?.send()?;
    let session = parse_session(read(nsid, &resp).map_err(|e| e.into_step_error(xrpc::now_ms()))?)?;
    log::info(&format!("signed in to {base} as {} ({})", session.handle, session.did));
    store(base, identifier, &session)?;
    Ok(session)
}

fn parse_session(value: Value) -> Result<Session, StepError> {
    serde_json::from_value(value)
        .map_err(|e| StepError::fatal(format!("the session answer lacks accessJwt, refreshJwt, did or handle: {e}")))
}

fn store(base: &str, identifier: &str, session: &Session) -> Result<(), StepError> {
    kv::set_json(&session_key(base, identifier), session, Some(SESSION_TTL_SECONDS))?;
    Ok(())
}
