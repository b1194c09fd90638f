//! The host's imports natively: served by the `FakeHost` installed on this thread.

use crate::http::{HttpError, Request, Response};
use crate::kv::KvError;
use crate::log::Level;
use crate::secrets::SecretError;
use crate::testing::{State, with_current};

pub(crate) fn http_fetch(req: Request) -> Result<Response, HttpError> {
    with_current(|host| host.fetch(req))
}

/// Runs `f` on the host's state once the manifest is checked to grant kv.
fn with_kv<T>(f: impl FnOnce(&mut State) -> T) -> T {
    with_current(|host| {
        if let Some((path, permits)) = host.permits() {
            permits.check_kv(path);
        }
        f(host)
    })
}

pub(crate) fn kv_get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    with_kv(|host| Ok(host.kv.get(key).cloned()))
}

pub(crate) fn kv_set(key: &str, value: &[u8], _ttl: Option<u32>) -> Result<(), KvError> {
    with_kv(|host| {
        host.kv.insert(key.to_string(), value.to_vec());
        Ok(())
    })
}

pub(crate) fn kv_delete(key: &str) -> Result<(), KvError> {
    with_kv(|host| {
        host.kv.remove(key);
        Ok(())
    })
}

/// Runs `f` on the host's state once the manifest is checked to declare secret `name`.
fn with_secret<T>(name: &str, f: impl FnOnce(&mut State) -> Result<T, SecretError>) -> Result<T, SecretError> {
    with_current(|host| {
        if let Some((path, permits)) = host.permits() {
            permits.check_secret(path, name)?;
        }
        f(host)
    })
}

pub(crate) fn log(level: Level, message: &str) {
    with_current(|host| host.logs.push((level, message.to_string())))
}

pub(crate) fn secret_placeholder(name: &str) -> Result<String, SecretError> {
    with_secret(name, |host| match host.secrets.contains_key(name) {
        true => Ok(format!("{{{{secret:{name}}}}}")),
        false => Err(SecretError::NotSet(name.to_string())),
    })
}

pub(crate) fn secret_hmac_sha256(name: &str, message: &[u8]) -> Result<String, SecretError> {
    use hmac::{Hmac, Mac};
    with_secret(name, |host| {
        let key = host.secrets.get(name).ok_or_else(|| SecretError::NotSet(name.to_string()))?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(message);
        Ok(hex::encode(mac.finalize().into_bytes()))
    })
}
