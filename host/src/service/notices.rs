//! Telling a team that an approval waits: when a workspace has the secret
//! `APPROVALS_WEBHOOK` (a Slack-compatible incoming webhook: Slack, Mattermost,
//! Rocket.Chat), each approval that starts waiting is posted there once, after the run's
//! state is committed and off the run's path. The webhook is reached under the same network
//! policy as plugins (no private addresses unless exempt, https unless exempt, no
//! redirects, 10 s at most); a notice that cannot be delivered is audit-logged with why,
//! never with the address.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::capabilities::net::{GuardedResolver, NetPolicy};
use crate::store::{Actor, ApprovalRecord, now_ms};

use super::AppState;

/// The workspace secret holding the webhook's address.
pub const WEBHOOK_SECRET: &str = "APPROVALS_WEBHOOK";

/// How long one notice may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Posts approval notices.
pub struct Notices {
    client: reqwest::Client,
    policy: Arc<NetPolicy>,
}

impl Notices {
    pub fn new(policy: NetPolicy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(policy.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .user_agent(concat!("roost/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    /// Posts a notice for each of `steps` of `run` (in `workspace`) that started waiting at
    /// or after `since` (Unix ms): a run driven again later is not announced twice.
    pub async fn waiting(&self, s: &AppState, workspace: &str, run: &str, steps: &[String], since: i64) {
        // Most workspaces set no webhook: one read of their secrets, and nothing more.
        let Some(url) = self.address(s, workspace).await else { return };
        let mut fresh = Vec::new();
        for step in steps {
            if let Ok(Some(a)) = s.store.approval(run, step).await
                && a.requested_at >= since
                && a.status == "waiting"
            {
                fresh.push(a);
            }
        }
        if fresh.is_empty() {
            return;
        }
        let name = s.store.workspace(workspace).await.ok().flatten().map_or_else(|| workspace.to_string(), |w| w.name);
        let workflow = s.store.get_run(run).await.map(|r| r.workflow).unwrap_or_default();
        for approval in fresh {
            let body = notice(&name, &workflow, &approval);
            if let Err(why) = self.post(&url, &body).await {
                let target = format!("{run}/{}", approval.step_id);
                let actor = Actor::system("notices");
                let _ = s.store.audit(Some(workspace), &actor, "approval.notice.failed", &target, Some(&why)).await;
                tracing::warn!(workspace, run, step = %approval.step_id, "approval notice not delivered: {why}");
            }
        }
    }

    /// The webhook of `workspace`, if it set one.
    async fn address(&self, s: &AppState, workspace: &str) -> Option<url::Url> {
        let sealed = s.store.secrets(workspace).await.ok()?.into_iter().find(|x| x.name == WEBHOOK_SECRET)?;
        let value = s.vault.open(workspace, &sealed).ok()?;
        url::Url::parse(value.trim()).ok()
    }

    /// Posts `body` to `url`; why not, without the address (it is a secret).
    async fn post(&self, url: &url::Url, body: &Value) -> Result<(), String> {
        let plain_allowed = self.policy.judged_as(url).len() > 1;
        if url.scheme() != "https" && !(url.scheme() == "http" && plain_allowed) {
            return Err(format!("the webhook must use https, not `{}`", url.scheme()));
        }
        self.policy.refuse_own(url).await.map_err(|e| e.to_string())?;
        let sent = self.client.post(url.clone()).json(body).send().await;
        let response = sent.map_err(|e| {
            // The innermost cause says why (a refused address, a timeout); never the URL.
            let e = e.without_url();
            let mut cause: &dyn std::error::Error = &e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            format!("the webhook at {} could not be reached: {cause}", url.host_str().unwrap_or("?"))
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the webhook at {} answered {status}", url.host_str().unwrap_or("?")));
        }
        Ok(())
    }
}

/// A notice as Slack-compatible webhooks show it (`text`), with the facts for other receivers.
fn notice(workspace: &str, workflow: &str, a: &ApprovalRecord) -> Value {
    let waits = format!("{workspace}: `{workflow}` waits for approval at `{}`", a.step_id);
    let text = format!("{waits}: {}\nApprove or reject it in Roost, under Approvals.", a.message);
    let expires = a.expires_at.map(|t| crate::store::timestamp::value(Some(t)));
    json!({
        "text": text,
        "roost": {
            "event": "approval.waiting", "workspace": a.workspace, "workflow": workflow, "run_id": a.run_id,
            "step_id": a.step_id, "message": a.message, "approvers": a.approvers, "quorum": a.quorum.max(1),
            "expires_at": expires, "sent_at": crate::store::timestamp::value(Some(now_ms())),
        },
    })
}
