//! Times: stored as milliseconds since the epoch, shown to clients as RFC 3339 in UTC.
//!
//! Every time the API answers goes through [`rfc3339`], so lists and details agree:
//! records use `#[serde(serialize_with = "timestamp::ms")]` (or [`opt_ms`]), hand-built
//! JSON uses [`value`].

use serde::Serializer;
use serde_json::Value;

/// `ms` as RFC 3339, e.g. `2026-12-07T05:06:11.123+00:00`; `None` outside chrono's range.
pub fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339())
}

/// An optional time as a JSON string, or `null`.
pub fn value(ms: Option<i64>) -> Value {
    ms.and_then(rfc3339).map_or(Value::Null, Value::String)
}

/// Serializes a time in milliseconds as RFC 3339.
pub fn ms<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    match rfc3339(*ms) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// Serializes an optional time in milliseconds as RFC 3339 or `null`.
pub fn opt_ms<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms.and_then(rfc3339) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_back_as_the_same_instant() {
        let ms = 1_796_620_771_123;
        let text = rfc3339(ms).unwrap();
        assert_eq!(text, "2026-12-07T05:19:31.123+00:00");
        assert_eq!(chrono::DateTime::parse_from_rfc3339(&text).unwrap().timestamp_millis(), ms);
        assert_eq!(value(None), Value::Null);
        assert_eq!(value(Some(i64::MAX)), Value::Null, "out of range is absent, not a panic");
    }
}
