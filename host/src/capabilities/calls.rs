//! How often a step called each `roost:plugin` capability: what `roost plugin run` shows
//! an author beside time and memory.

use serde::Serialize;

/// Calls of one step into the host's capabilities (WASI calls are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HostCalls {
    pub http: u32,
    pub kv: u32,
    pub secrets: u32,
    pub log: u32,
}

impl HostCalls {
    /// Counts one call on `counter`.
    pub(crate) fn count(counter: &mut u32) {
        *counter = counter.saturating_add(1);
    }
}
