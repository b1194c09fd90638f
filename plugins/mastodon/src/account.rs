//! `account`: an account's profile and its recent posts, as the shared profile shape.

use roost_sdk::{Action, Context, StepError};
use serde::Deserialize;

use crate::api::{Api, Auth};
use crate::entities::{Account, Profile, Status};
use crate::paging::{self, Query};
use crate::query;

/// Most recent posts one run returns.
pub const MAX_STATUSES: usize = 80;
/// `GET /api/v1/accounts/:id/statuses` returns at most 40 per page.
const STATUSES_PAGE: usize = 40;

pub struct AccountAction;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    instance: String,
    acct: String,
    #[serde(default = "default_statuses")]
    statuses: usize,
}

fn default_statuses() -> usize {
    40
}

impl Action for AccountAction {
    type Input = Input;
    type Output = Profile;

    fn run(_ctx: &Context, input: Input) -> Result<Profile, StepError> {
        if input.statuses > MAX_STATUSES {
            return Err(StepError::invalid_input(format!(
                "`statuses` is {}; it must be between 0 and {MAX_STATUSES}",
                input.statuses
            )));
        }
        let acct = input.acct.trim().trim_start_matches('@');
        if acct.is_empty() || acct.contains(char::is_whitespace) {
            return Err(StepError::invalid_input(format!(
                "`acct` `{}` is not an account: give `user`, `user@domain` or an account id",
                input.acct
            )));
        }
        let api = Api::new(&input.instance, Auth::IfSet, "read:accounts")?;
        let account = find(&api, acct)?.ok_or_else(|| {
            StepError::invalid_input(format!(
                "`acct`: {} has no account `{acct}`; check the handle (`user` or `user@domain`) or the account id",
                api.base()
            ))
        })?;
        let recent = if input.statuses == 0 {
            Vec::new()
        } else {
            let what = format!("reading the statuses of {}", account.acct);
            let fetch = |q: &Query| {
                let path = format!(
                    "/api/v1/accounts/{}/statuses?exclude_reblogs=true&{}",
                    query::encode(&account.id),
                    q.to_query()
                );
                paging::get_page::<Status>(&api, &path, &what)
            };
            paging::newest(input.statuses, STATUSES_PAGE, fetch)?
        };
        let posts = recent.iter().filter(|s| s.reblog.is_none()).map(Status::to_recent_post).collect();
        Ok(account.to_profile(posts))
    }
}

/// Looks `acct` up by id when it is all digits (falling back to a handle of digits),
/// else by handle.
fn find(api: &Api, acct: &str) -> Result<Option<Account>, StepError> {
    let what = format!("looking up the account {acct}");
    if acct.bytes().all(|b| b.is_ascii_digit()) {
        let path = format!("/api/v1/accounts/{acct}");
        if let Some(resp) = api.get_found(&path, &what)? {
            return resp.json().map(Some);
        }
    }
    let path = format!("/api/v1/accounts/lookup?acct={}", query::encode(acct));
    match api.get_found(&path, &what)? {
        Some(resp) => resp.json().map(Some),
        None => Ok(None),
    }
}
