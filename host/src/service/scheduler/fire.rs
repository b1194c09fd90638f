//! One occurrence of a schedule, fired or recorded as not run, exactly once across
//! processes and crashes. A fired occurrence is claimed in the transaction that creates
//! its run ([`launch::start_claiming`]): a process killed before that commit leaves the
//! time unclaimed for the next pass, and a second process's attempt creates nothing. A
//! missed or refused occurrence is claimed without a run. Its trigger event is recorded
//! under an id derived from the claim, by whichever attempt gets there first, so an
//! attempt that finds the time claimed records what the claim holder may have died
//! before recording, and nothing is recorded twice.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, json};
use sha2::{Digest, Sha256};

use super::decide::{LATE_AFTER, human, local};
use super::{Key, admission, event};
use crate::service::{AppState, launch};
use crate::store::{StoreError, TriggerEvent, WorkflowRecord};
use crate::workflow::Schedule;

/// The key occurrence `what` of a schedule is claimed under. The store's delivery claims
/// serve schedules too; webhook deliveries are kept under another prefix.
fn claim_key(key: &Key, what: &str) -> String {
    format!("schedule:{}@{what}", key.2)
}

/// The id of the trigger event of the occurrence claimed under `claim`: the same in
/// every process, so the event is stored once.
fn event_id(key: &Key, claim: &str) -> String {
    let digest = Sha256::new().chain_update(&key.0).chain_update([0]).chain_update(&key.1).chain_update([0]);
    let digest = digest.chain_update(claim).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

/// Claims occurrence `what` of a schedule for this process, without a run.
pub(super) async fn claim(s: &AppState, key: &Key, what: &str) -> Result<bool, StoreError> {
    s.store.claim_delivery(&key.0, &key.1, &claim_key(key, what)).await
}

/// One occurrence being handled: its schedule and workflow, when it was due.
struct Due<'a> {
    s: &'a AppState,
    w: &'a WorkflowRecord,
    sched: &'a Schedule,
    key: &'a Key,
    at: DateTime<Utc>,
    claim: String,
}

impl<'a> Due<'a> {
    fn new(s: &'a AppState, w: &'a WorkflowRecord, sched: &'a Schedule, key: &'a Key, at: DateTime<Utc>) -> Self {
        Self { s, w, sched, key, at, claim: claim_key(key, &at.timestamp_millis().to_string()) }
    }

    /// Stores `e` as this occurrence's one event; a failure is logged, as the time is
    /// claimed and not tried again.
    async fn record(&self, e: TriggerEvent) {
        let e = TriggerEvent { id: event_id(self.key, &self.claim), due_at: Some(self.at.timestamp_millis()), ..e };
        if let Err(err) = self.s.store.record_trigger(&e).await {
            self.report(&err);
        }
    }

    fn report(&self, err: &StoreError) {
        let (w, due) = (self.w, local(self.at, self.sched.timezone));
        tracing::error!(workspace = %w.workspace, workflow = %w.name, due = %due, "schedule `{}`: {err}", self.sched.cron);
    }

    /// Records the start of `run`, `late` after the time, as `started`, `queued`,
    /// `skipped` (by the workflow's concurrency) or `late`.
    async fn record_run(&self, run: String, late: Duration, catch_up: Option<&'static str>) {
        let (mut outcome, mut reason) = match admission(self.s, &run).await {
            Ok(admitted) => admitted,
            Err(err) => return self.report(&err),
        };
        if matches!(outcome, "started" | "queued") && (catch_up.is_some() || late > LATE_AFTER) {
            let mut why = format!("fired {} after it was due", human(late));
            if let Some(policy) = catch_up {
                why.push_str(&format!(", made up for after Roost was not running (catch_up: {policy})"));
            }
            if let Some(queued) = reason {
                why.push_str(&format!("; {queued}"));
            }
            (outcome, reason) = ("late", Some(why));
        }
        self.record(TriggerEvent { run_id: Some(run), reason, ..event(self.s, self.w, "schedule", outcome) }).await;
    }

    /// Records what the claim another attempt holds decided: the run it started, or, when
    /// it started none, `decided` (this attempt's own decision, if it has one).
    async fn found_claimed(
        &self,
        catch_up: Option<&'static str>,
        decided: Option<(&str, String)>,
    ) -> Result<(), StoreError> {
        let run = self.s.store.delivery_run(&self.w.workspace, &self.w.name, &self.claim).await?;
        match (run, decided) {
            (Some(run), _) => self.record_run(run, self.s.scheduling.clock.now() - self.at, catch_up).await,
            (None, Some((outcome, reason))) => {
                self.record(TriggerEvent { reason: Some(reason), ..event(self.s, self.w, "schedule", outcome) }).await
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Claims the occurrence without a run and records it as `outcome` (`missed`,
    /// `skipped`), why.
    async fn not_run(&self, (outcome, reason): (&str, String)) -> Result<(), StoreError> {
        if !self.s.store.claim_delivery(&self.w.workspace, &self.w.name, &self.claim).await? {
            return self.found_claimed(None, Some((outcome, reason))).await;
        }
        self.record(TriggerEvent { reason: Some(reason), ..event(self.s, self.w, "schedule", outcome) }).await;
        Ok(())
    }
}

/// Claims occurrence `at` without a run and records it as `outcome`, why. An error means
/// it may not be claimed: the caller leaves the time to a later pass.
pub(super) async fn not_run(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    at: DateTime<Utc>,
    decided: (&str, String),
) -> Result<(), StoreError> {
    Due::new(s, w, sched, key, at).not_run(decided).await
}

/// Fires occurrence `at`: its run is created in the transaction that claims it. A run
/// refused (the workspace's quota, a workflow that no longer loads) leaves the time
/// claimed and recorded as skipped. An error means it may not be claimed.
pub(super) async fn fire(
    s: &AppState,
    w: &WorkflowRecord,
    sched: &Schedule,
    key: &Key,
    at: DateTime<Utc>,
    catch_up: Option<&'static str>,
) -> Result<(), StoreError> {
    let due = Due::new(s, w, sched, key, at);
    let tz = sched.timezone;
    let trigger = json!({
        "kind": "schedule", "cron": sched.cron, "due_at": local(at, tz), "timezone": tz.name(),
        "body": null, "headers": null,
    });
    match launch::start_claiming(s, w, &Map::new(), trigger, Some(due.claim.clone())).await {
        Ok(Some(run)) => {
            let late = s.scheduling.clock.now() - at;
            if catch_up.is_none() {
                s.scheduling.lateness.observe(late.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6);
            }
            due.record_run(run, late, catch_up).await;
            Ok(())
        }
        // Fired by another process, or by this one before it was stopped.
        Ok(None) => due.found_claimed(catch_up, None).await,
        Err(e) => due.not_run(("skipped", format!("the run was not started: {}", e.message))).await,
    }
}
