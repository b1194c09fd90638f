//! The sandbox's ceilings, each a named constant that says which threat it stops.

use std::time::Duration;

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
