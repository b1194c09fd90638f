//! Paging of list endpoints, the same everywhere: `limit` says how many items (newest
//! first), `before` is the cursor: the id of the last item of the previous page. Both are
//! checked, so `limit=0` or a `before` that is no id is a 400, never a silent default.

use crate::service::error::{ApiError, ApiResult};

/// The most items one page holds.
pub const MAX_LIMIT: i64 = 500;

/// The most of a refused cursor an error repeats.
const SHOWN_CHARS: usize = 64;

/// `given` if it is between 1 and `max`, `default` if absent; otherwise a 400 naming it.
pub fn limit(given: Option<i64>, default: i64, max: i64) -> ApiResult<i64> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(format!("limit: `{n}` is not between 1 and {max}"))),
    }
}

/// A cursor that must be a run id (a UUID), in the form run ids are stored in.
pub fn run_cursor(before: Option<&str>) -> ApiResult<Option<String>> {
    let Some(text) = before else { return Ok(None) };
    match uuid::Uuid::try_parse(text) {
        Ok(id) => Ok(Some(id.hyphenated().to_string())),
        Err(_) => {
            let shown: String = text.chars().take(SHOWN_CHARS).collect();
            Err(ApiError::invalid(format!(
                "before: `{shown}` is not a run id; pass the `id` of the last run of the previous page"
            )))
        }
    }
}

/// A cursor that must be a revision number (1 or more).
pub fn revision_cursor(before: Option<i64>) -> ApiResult<Option<i64>> {
    match before {
        Some(n) if n < 1 => Err(ApiError::invalid(format!(
            "before: `{n}` is not a revision; pass the `revision` of the last item of the previous page"
        ))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_outside_their_range_are_refused_by_name() {
        assert_eq!(limit(None, 50, 500).unwrap(), 50);
        assert_eq!(limit(Some(500), 50, 500).unwrap(), 500);
        for bad in [0, -1, 501] {
            let e = limit(Some(bad), 50, 500).unwrap_err();
            assert_eq!((e.status.as_u16(), e.code), (400, "invalid_request"));
            assert!(e.message.starts_with(&format!("limit: `{bad}`")), "{}", e.message);
        }
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(run_cursor(Some(id)).unwrap().as_deref(), Some(id));
        assert_eq!(run_cursor(Some(&id.to_uppercase())).unwrap().as_deref(), Some(id), "stored form");
        let e = run_cursor(Some(&"garbage".repeat(100))).unwrap_err();
        assert!(e.message.starts_with("before: `garbagegarbage") && e.message.len() < 200, "{}", e.message);
        assert!(revision_cursor(Some(0)).is_err());
        assert_eq!(revision_cursor(Some(3)).unwrap(), Some(3));
    }
}
