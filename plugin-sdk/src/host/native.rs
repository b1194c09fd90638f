//! The host's imports natively: served by the `FakeHost` installed on this thread.

use crate::http::{HttpError, Request, Response};
use crate::kv::KvError;
use crate::log::Level;
use crate::secrets::SecretError;
use crate::testing::with_current;

pub(crate) fn http_fetch(req: Request) -> Result<Response, HttpError> {
    with_current(|host| host.fetch(req))
}

pub(crate) fn kv_get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    with_current(|host| Ok(host.kv.get(key).cloned()))
}

pub(crate) fn kv_set(key: &str, value: &[u8], _ttl: Option<u32>) -> Result<(), KvError> {
    with_current(|host| {
        host.kv.insert(key.to_string(), value.to_vec());
        Ok(())
    })
}

pub(crate) fn kv_delete(key: &str) -> Result<(), KvError> {
    with_current(|host| {
        host.kv.remove(key);
        Ok(())
    })
}

pub(crate) fn log(level: Level, message: &str) {
    with_current(|host| host.logs.push((level, message.to_string())))
}

pub(crate) fn secret_placeholder(name: &str) -> Result<String, SecretError> {
    with_current(|host| match host.secrets.contains_key(name) {
        true => Ok(format!("{{{{secret:{name}}}}}")),
        false => Err(SecretError::NotSet(name.to_string())),
    })
}

pub(crate) fn secret_hmac_sha256(name: &str, message: &[u8]) -> Result<String, SecretError> {
    use hmac::{Hmac, Mac};
    with_current(|host| {
        let key = host.secrets.get(name).ok_or_else(|| SecretError::NotSet(name.to_string()))?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(message);
        Ok(hex::encode(mac.finalize().into_bytes()))
    })
}
