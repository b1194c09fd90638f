//! Metering for billing: what a workspace used per UTC day (`GET .../usage`), and every
//! workspace's use over a range of days for the operator (`GET /usage`).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::service::AppState;
use crate::service::auth::{Caller, Role};
use crate::service::error::{ApiError, ApiResult};
use crate::store::{DayUsage, Usage};

use super::openapi::Denied;
use super::workspaces::workspace;

/// The longest range one request may cover, in days.
pub const MAX_DAYS: i64 = 366;
/// The range covered when none is given: the last 30 days, today included.
const DEFAULT_DAYS: u64 = 30;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last UTC day, `YYYY-MM-DD`, included (default: today).
    pub to: Option<String>,
}

/// One workspace's use over a range of days.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkspaceUsage {
    pub workspace: String,
    pub from: String,
    pub to: String,
    /// The sums over the range (the memory peak is the largest of the days).
    pub total: Usage,
    /// The days with any use, oldest first.
    pub days: Vec<DayUsage>,
}

/// Every workspace's use over a range of days.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AllUsage {
    pub from: String,
    pub to: String,
    /// The workspaces with any use in the range, by id.
    pub workspaces: Vec<WorkspaceUsage>,
}

/// The range `q` names, checked: two days in order, at most [`MAX_DAYS`] apart.
fn range(q: &UsageQuery) -> ApiResult<(String, String)> {
    let day = |name: &str, text: &str| {
        let four_digit_year = text.len() == 10 && text.as_bytes()[..4].iter().all(u8::is_ascii_digit);
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| four_digit_year && d.format("%Y-%m-%d").to_string() == text)
            .ok_or_else(|| ApiError::invalid(format!("`{name}` must be a day as YYYY-MM-DD, got `{}`", clip(text))))
    };
    let to = match &q.to {
        Some(text) => day("to", text)?,
        None => chrono::Utc::now().date_naive(),
    };
    let from = match &q.from {
        Some(text) => day("from", text)?,
        None => to.checked_sub_days(chrono::Days::new(DEFAULT_DAYS - 1)).unwrap_or(NaiveDate::MIN),
    };
    if from > to {
        return Err(ApiError::invalid(format!("`from` ({from}) is after `to` ({to})")));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(format!("the range covers more than {MAX_DAYS} days; ask for less")));
    }
    Ok((from.to_string(), to.to_string()))
}

/// At most 40 characters of `text`, for an error message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Groups `days` (ordered by workspace) per workspace, with their totals.
fn per_workspace(days: Vec<DayUsage>, from: &str, to: &str) -> Vec<WorkspaceUsage> {
    let mut out: Vec<WorkspaceUsage> = Vec::new();
    for day in days {
        if out.last().is_none_or(|w| w.workspace != day.workspace) {
            out.push(WorkspaceUsage {
                workspace: day.workspace.clone(),
                from: from.into(),
                to: to.into(),
                total: Usage::default(),
                days: Vec::new(),
            });
        }
        let last = out.last_mut().expect("pushed above");
        last.total.add(&day.usage);
        last.days.push(day);
    }
    out
}

#[utoipa::path(get, operation_id = "workspaceUsage", path = "/api/v1/workspaces/{ws}/usage", tag = "usage", security(("bearer" = [])),
    params(("ws" = String, Path, description = "Workspace id"), UsageQuery),
    responses((status = 200, description = "The workspace's use per UTC day, stored every 10 s by each process", body = WorkspaceUsage), Denied))]
pub async fn workspace_usage(
    State(s): State<AppState>,
    caller: Caller,
    Path(ws): Path<String>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<WorkspaceUsage>> {
    caller.require(&ws, Role::Viewer)?;
    workspace(&s, &ws).await?;
    let (from, to) = range(&q)?;
    let days = s.store.usage(Some(&ws), &from, &to).await?;
    let found = per_workspace(days, &from, &to).pop();
    let none = || WorkspaceUsage {
        workspace: ws.clone(),
        from: from.clone(),
        to: to.clone(),
        total: Usage::default(),
        days: Vec::new(),
    };
    Ok(Json(found.unwrap_or_else(none)))
}

#[utoipa::path(get, operation_id = "allUsage", path = "/api/v1/usage", tag = "usage", security(("bearer" = [])),
    params(UsageQuery),
    responses((status = 200, description = "Every workspace's use per UTC day (operator only)", body = AllUsage), Denied))]
pub async fn all_usage(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<AllUsage>> {
    caller.require_operator()?;
    let (from, to) = range(&q)?;
    let days = s.store.usage(None, &from, &to).await?;
    Ok(Json(AllUsage { workspaces: per_workspace(days, &from, &to), from, to }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: Option<&str>, to: Option<&str>) -> UsageQuery {
        UsageQuery { from: from.map(String::from), to: to.map(String::from) }
    }

    #[test]
    fn ranges_are_days_in_order_and_bounded() {
        assert_eq!(
            range(&q(Some("2026-12-01"), Some("2026-12-07"))).unwrap(),
            ("2026-12-01".into(), "2026-12-07".into())
        );
        let (from, to) = range(&q(None, Some("2026-12-30"))).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("2026-12-01", "2026-12-30"), "30 days by default");
        for bad in [
            "2026-13-01",
            "2026-2-1",
            "yesterday",
            "2026-12-01; DROP TABLE usage",
            "",
            "-262143-01-01",
            "+262142-12-31",
        ] {
            let e = range(&q(Some(bad), Some("2026-12-07"))).unwrap_err();
            assert!(e.message.contains("`from` must be a day"), "{bad}: {}", e.message);
        }
        assert!(range(&q(Some("2026-12-08"), Some("2026-12-07"))).unwrap_err().message.contains("after"));
        assert!(range(&q(Some("2025-01-01"), Some("2026-12-07"))).unwrap_err().message.contains("366"));
        assert!(range(&q(Some("2025-12-08"), Some("2026-12-07"))).is_ok(), "a whole year is one range");
        assert!(range(&q(None, Some("0000-01-05"))).is_ok(), "the earliest days still make a default range");
        assert!(range(&q(None, Some("-262143-01-01"))).unwrap_err().message.contains("`to` must be a day"));
        let long = "9".repeat(10_000);
        assert!(range(&q(None, Some(&long))).unwrap_err().message.len() < 100, "the echo is clipped");
    }
}
