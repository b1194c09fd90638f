//! The query of the runs list, checked value by value: an unknown status, a limit out of
//! range, a cursor that is not a run id or a time that does not parse is a 400 naming it.

use serde::Deserialize;

use crate::service::error::ApiError;
use crate::service::names;
use crate::store::RunFilter;

use super::paging;

/// Statuses a run can have.
pub const STATUSES: [&str; 8] =
    ["queued", "running", "waiting", "succeeded", "failed", "rejected", "cancelled", "skipped"];
/// Runs in one page when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 50;
/// The longest search text: it becomes a pattern matched against every listed run.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Filters and paging of `GET /workspaces/{ws}/runs`, as written in the query.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// One of queued, running, waiting, succeeded, failed, rejected, cancelled, skipped.
    pub status: Option<String>,
    /// A workflow's name.
    pub workflow: Option<String>,
    /// A run id (the last of the previous page): list runs older than it.
    pub before: Option<String>,
    /// Runs created at or after this time: RFC 3339 or epoch milliseconds.
    pub since: Option<String>,
    /// Runs created before this time: RFC 3339 or epoch milliseconds.
    pub until: Option<String>,
    /// Text found in the run's workflow, id or error, in any case (at most 200 characters).
    pub q: Option<String>,
    /// Runs in the page, 1 to 500 (default 50).
    pub limit: Option<String>,
}

impl RunQuery {
    /// The store's filter for workspace `ws`, or a 400 naming the first bad value.
    pub fn filter(self, ws: String) -> Result<RunFilter, ApiError> {
        let given = |v: Option<String>| v.filter(|v| !v.is_empty());
        let status = given(self.status);
        if let Some(status) = status.as_deref().filter(|s| !STATUSES.contains(s)) {
            return Err(ApiError::invalid(format!("status `{status}` is not one of {}", STATUSES.join(", "))));
        }
        let workflow = given(self.workflow);
        if let Some(w) = &workflow {
            names::check_text("workflow", w, crate::workflow::MAX_NAME_LEN)?;
        }
        let before = paging::run_cursor(given(self.before).as_deref())?;
        let search = given(self.q);
        if let Some(q) = &search {
            names::check_text("q", q, MAX_SEARCH_CHARS)?;
        }
        let (since, until) = (time("since", given(self.since))?, time("until", given(self.until))?);
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(ApiError::invalid("since must be before until"));
        }
        Ok(RunFilter { workspace: ws, status, workflow, before, since, until, search, limit: limit(self.limit)? })
    }
}

/// `limit` as written: a whole number that `paging::limit` checks.
fn limit(value: Option<String>) -> Result<i64, ApiError> {
    let given = match value.filter(|v| !v.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::invalid(format!("limit: `{}` is not a whole number from 1 to {}", clip(&text), paging::MAX_LIMIT))
        })?),
    };
    paging::limit(given, DEFAULT_LIMIT, paging::MAX_LIMIT)
}

/// An RFC 3339 time or epoch milliseconds, as milliseconds.
fn time(field: &str, value: Option<String>) -> Result<Option<i64>, ApiError> {
    let Some(text) = value else { return Ok(None) };
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(Some(ms));
    }
    chrono::DateTime::parse_from_rfc3339(&text).map(|t| Some(t.timestamp_millis())).map_err(|_| {
        ApiError::invalid(format!(
            "{field} `{}` is not a time: write RFC 3339 (2026-01-31T09:00:00Z) or epoch milliseconds",
            clip(&text)
        ))
    })
}

/// At most 40 characters of a value quoted back in an error.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}
