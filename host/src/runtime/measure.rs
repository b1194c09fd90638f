//! What it costs to start a plugin: instantiations in fresh stores, timed, with no call.

use std::time::{Duration, Instant};

use wasmtime::{Store, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;

use super::limits::{MAX_MEMORY_MB, MeteredLimits};
use super::{Plugin, Runtime};
use crate::capabilities::StepState;
use crate::capabilities::log::LogCap;
use crate::capabilities::secrets::SecretsCap;

impl Runtime {
    /// The mean time of `times` instantiations of `plugin`, each in a fresh store with no
    /// capability granted, as every step starts.
    pub async fn instantiate_cost(&self, plugin: &Plugin, times: u32) -> wasmtime::Result<Duration> {
        let mut total = Duration::ZERO;
        for _ in 0..times.max(1) {
            let _slot = self.slots.acquire("").await;
            let secrets = SecretsCap::new(Default::default(), Default::default(), super::new_nonce());
            let state = StepState {
                wasi: WasiCtx::builder().build(),
                table: Default::default(),
                limits: MeteredLimits::new(
                    StoreLimitsBuilder::new().memory_size((MAX_MEMORY_MB as usize) << 20).build(),
                ),
                log: LogCap::new(plugin.id(), secrets.redactor().clone()),
                secrets,
                http: None,
                kv: None,
                calls: Default::default(),
            };
            let mut store = Store::new(&self.engine, state);
            store.limiter(|s| &mut s.limits);
            store.set_epoch_deadline(1);
            store.epoch_deadline_async_yield_and_update(1);
            let started = Instant::now();
            plugin.pre.instantiate_async(&mut store).await?;
            total += started.elapsed();
        }
        Ok(total / times.max(1))
    }
}
