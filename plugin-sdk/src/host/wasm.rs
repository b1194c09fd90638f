//! The host's imports inside a component: conversions to and from the WIT bindings.

use crate::bindings::roost::plugin::{http as wit_http, kv as wit_kv, log as wit_log, secrets as wit_secrets, types};
use crate::http::{HttpError, Request, Response};
use crate::kv::KvError;
use crate::log::Level;
use crate::secrets::SecretError;
use crate::{Context, StepError};

pub(crate) fn http_fetch(req: Request) -> Result<Response, HttpError> {
    let req = wit_http::Request {
        method: req.method,
        url: req.url,
        headers: req.headers.into_iter().map(|(name, value)| wit_http::Header { name, value }).collect(),
        body: req.body,
        timeout_ms: req.timeout_ms,
    };
    match wit_http::fetch(&req) {
        Ok(r) => Ok(Response {
            status: r.status,
            headers: r.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: r.body,
        }),
        Err(wit_http::HttpError::Denied(m)) => Err(HttpError::Denied(m)),
        Err(wit_http::HttpError::InvalidRequest(m)) => Err(HttpError::InvalidRequest(m)),
        Err(wit_http::HttpError::Timeout) => Err(HttpError::Timeout),
        Err(wit_http::HttpError::TooLarge) => Err(HttpError::TooLarge),
        Err(wit_http::HttpError::Connection(m)) => Err(HttpError::Connection(m)),
    }
}

fn kv_error(e: wit_kv::KvError) -> KvError {
    match e {
        wit_kv::KvError::TooLarge => KvError::TooLarge,
        wit_kv::KvError::QuotaExceeded => KvError::QuotaExceeded,
        wit_kv::KvError::Unavailable(m) => KvError::Unavailable(m),
    }
}

pub(crate) fn kv_get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    wit_kv::get(key).map_err(kv_error)
}

pub(crate) fn kv_set(key: &str, value: &[u8], ttl: Option<u32>) -> Result<(), KvError> {
    wit_kv::set(key, value, ttl).map_err(kv_error)
}

pub(crate) fn kv_delete(key: &str) -> Result<(), KvError> {
    wit_kv::delete(key).map_err(kv_error)
}

pub(crate) fn log(level: Level, message: &str) {
    let level = match level {
        Level::Trace => wit_log::Level::Trace,
        Level::Debug => wit_log::Level::Debug,
        Level::Info => wit_log::Level::Info,
        Level::Warn => wit_log::Level::Warn,
        Level::Error => wit_log::Level::Error,
    };
    wit_log::log(level, message)
}

fn secret_error(name: &str, e: wit_secrets::SecretError) -> SecretError {
    match e {
        wit_secrets::SecretError::NotDeclared => SecretError::NotDeclared(name.to_string()),
        wit_secrets::SecretError::NotSet => SecretError::NotSet(name.to_string()),
    }
}

pub(crate) fn secret_placeholder(name: &str) -> Result<String, SecretError> {
    wit_secrets::placeholder(name).map_err(|e| secret_error(name, e))
}

pub(crate) fn secret_hmac_sha256(name: &str, message: &[u8]) -> Result<String, SecretError> {
    wit_secrets::hmac_sha256(name, message).map_err(|e| secret_error(name, e))
}

impl From<types::StepContext> for Context {
    fn from(c: types::StepContext) -> Self {
        Context {
            action: c.action,
            workspace: c.workspace,
            workflow: c.workflow,
            run_id: c.run_id,
            step_id: c.step_id,
            attempt: c.attempt,
            deadline_ms: c.deadline_ms,
            idempotency_key: c.idempotency_key,
        }
    }
}

impl From<StepError> for types::StepError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::InvalidInput(m) => types::StepError::InvalidInput(m),
            StepError::Fatal(m) => types::StepError::Fatal(m),
            StepError::Retryable { message, after_ms } => {
                types::StepError::Retryable(types::Retry { message, after_ms })
            }
        }
    }
}
