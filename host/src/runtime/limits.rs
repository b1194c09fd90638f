//! The sandbox's ceilings, each a named constant that says which threat it stops, and the
//! limiter that enforces a step's memory ceiling while recording the most memory it held.

use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits};

/// How often the epoch advances. A guest in a loop yields to tokio at every tick, so one
/// runaway plugin cannot starve the other steps sharing a worker thread.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Bytes a guest may pass to the host in one call (an output counts too): stops a plugin
/// from making the host copy gigabytes (GHSA-852m-cvvp-9p4w). Room for the largest output.
pub const HOSTCALL_FUEL: usize = ((MAX_OUTPUT_KB as usize) << 10) + (1 << 20);

/// Component instances alive at once; beyond it steps wait for a slot instead of failing.
pub const MAX_CONCURRENT_STEPS: u32 = 256;

/// Ceiling of a step's linear memory, whatever the manifest asks: stops memory bombs.
pub const MAX_MEMORY_MB: u32 = 512;

/// Ceiling of a step's wall-clock time, whatever the manifest asks.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Ceiling of a step's output: stops a plugin from filling the database.
pub const MAX_OUTPUT_KB: u32 = 16 << 10;

/// Log lines a step may write; the rest are counted, not kept: stops log floods.
pub const LOG_MAX_LINES: usize = 1_000;

/// Log bytes a step may write in all.
pub const LOG_MAX_BYTES: usize = 256 << 10;

/// A single log line is cut to this length.
pub const LOG_LINE_MAX: usize = 4 << 10;

/// What a step's stdout and stderr may hold (a panic message lands there).
pub const STDIO_CAPTURE: usize = 64 << 10;

/// Bytes WASI's random interface gives in one call.
pub const MAX_RANDOM_BYTES: u64 = 1 << 20;

/// Largest HTTP response body a plugin may receive.
pub const HTTP_MAX_RESPONSE: usize = 16 << 20;

/// Redirects followed, each re-checked against the allow-list and private networks.
pub const HTTP_MAX_REDIRECTS: usize = 5;

/// An HTTP request's time when neither the plugin nor the step's deadline is shorter.
pub const HTTP_DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Stack a guest may use: stops runaway recursion with a trap instead of a host crash.
pub const MAX_WASM_STACK: usize = 1 << 20;

/// A step's store limits (wasmtime's `StoreLimits`) that also record the most linear
/// memory, summed over the store's memories, that the step was granted at once.
pub struct MeteredLimits {
    inner: StoreLimits,
    held: usize,
    peak: usize,
}

impl MeteredLimits {
    pub fn new(inner: StoreLimits) -> Self {
        Self { inner, held: 0, peak: 0 }
    }

    /// The most linear memory, in bytes, the step held at once.
    pub fn peak(&self) -> usize {
        self.peak
    }
}

impl ResourceLimiter for MeteredLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum)?;
        if allowed {
            self.held = self.held.saturating_add(desired.saturating_sub(current));
            self.peak = self.peak.max(self.held);
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.memory_grow_failed(error)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metered_limits_record_the_peak_of_granted_memory() {
        let mut limits = MeteredLimits::new(wasmtime::StoreLimitsBuilder::new().memory_size(4 << 20).build());
        assert!(limits.memory_growing(0, 1 << 20, None).unwrap());
        assert!(limits.memory_growing(0, 64 << 10, None).unwrap(), "a second memory adds to the first");
        assert!(limits.memory_growing(1 << 20, 3 << 20, None).unwrap());
        assert!(!limits.memory_growing(3 << 20, 5 << 20, None).unwrap(), "over the ceiling is refused");
        assert_eq!(limits.peak(), (3 << 20) + (64 << 10));
    }
}
