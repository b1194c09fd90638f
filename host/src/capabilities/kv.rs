//! `roost:plugin/kv`: the plugin's namespace in the workspace, in the database, with quotas.
//!
//! ```rust,ignore
//! let cursor = roost_sdk::kv::get("mentions:cursor")?;
//! roost_sdk::kv::set("mentions:cursor", b"1100", Some(30 * 86_400))?;
//! ```
//!
//! The namespace is chosen by the host from the step's workspace and plugin id, never by
//! the guest, so one plugin cannot read another's keys or another workspace's.

use crate::runtime::bindings::kv::{Host, KvError};
use crate::store::{KvQuota, KvRefusal, Namespace, Store};

use super::StepState;

/// Quotas of one namespace: a key of 512 bytes, a value of 1 MiB, 10,000 keys, 64 MiB.
pub const DEFAULT_QUOTA: KvQuota =
    KvQuota { max_key_bytes: 512, max_value_bytes: 1 << 20, max_keys: 10_000, max_total_bytes: 64 << 20 };

/// The kv capability of one step.
#[derive(Debug, Clone)]
pub struct KvCap {
    store: Store,
    namespace: Namespace,
    quota: KvQuota,
}

impl KvCap {
    pub fn new(store: Store, namespace: Namespace, quota: KvQuota) -> Self {
        Self { store, namespace, quota }
    }
}

fn unavailable(e: impl std::fmt::Display) -> KvError {
    tracing::warn!("kv store error: {e}");
    KvError::Unavailable("the key-value store is unavailable".into())
}

impl Host for StepState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, KvError>> {
        super::calls::HostCalls::count(&mut self.calls.kv);
        let Some(kv) = &self.kv else { return Ok(Err(not_granted())) };
        Ok(kv.store.kv_get(&kv.namespace, &key).await.map_err(unavailable))
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl: Option<u32>) -> wasmtime::Result<Result<(), KvError>> {
        super::calls::HostCalls::count(&mut self.calls.kv);
        let Some(kv) = &self.kv else { return Ok(Err(not_granted())) };
        Ok(kv.store.kv_set(&kv.namespace, &key, &value, ttl, &kv.quota).await.map_err(|e| match e {
            KvRefusal::TooLarge => KvError::TooLarge,
            KvRefusal::QuotaExceeded => KvError::QuotaExceeded,
            KvRefusal::Store(e) => unavailable(e),
        }))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), KvError>> {
        super::calls::HostCalls::count(&mut self.calls.kv);
        let Some(kv) = &self.kv else { return Ok(Err(not_granted())) };
        Ok(kv.store.kv_delete(&kv.namespace, &key).await.map_err(unavailable))
    }
}

fn not_granted() -> KvError {
    KvError::Unavailable("this plugin declares no [permissions] kv, or runs without a store".into())
}
