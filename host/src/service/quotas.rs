//! Per-workspace quotas: concurrent runs, steps per day, plugin memory and time ceilings.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;

/// A workspace's limits; `None` is unlimited (up to the host's own ceilings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Runs running or waiting at once; more are refused (API) or recorded as skipped (triggers).
    pub concurrent_runs: Option<u32>,
    /// Steps started per UTC day; beyond it steps fail with `quota exceeded`.
    pub steps_per_day: Option<u64>,
    /// Linear memory a plugin instance may grow to, in MiB.
    pub plugin_memory_mb: Option<u32>,
    /// Wall-clock time a step may take, in milliseconds.
    pub plugin_timeout_ms: Option<u64>,
}

impl Quotas {
    /// Parses the stored or submitted JSON, naming the field at fault.
    pub fn parse(value: &Value) -> Result<Self, ApiError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            ApiError::invalid(format!(
                "quotas: {e}; the fields are concurrent_runs, steps_per_day, plugin_memory_mb, plugin_timeout_ms (non-negative integers)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_and_name_bad_fields() {
        let q = Quotas::parse(&serde_json::json!({ "concurrent_runs": 2 })).unwrap();
        assert_eq!(q.concurrent_runs, Some(2));
        assert_eq!(q.steps_per_day, None);
        let err = Quotas::parse(&serde_json::json!({ "concurrent": 2 })).unwrap_err();
        assert!(err.message.contains("unknown field `concurrent`"), "{}", err.message);
        assert!(Quotas::parse(&serde_json::json!({ "steps_per_day": -1 })).is_err());
    }
}
