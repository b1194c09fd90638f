//! What a host of the engine plugs in per step: the workspace's limits and quota check
//! ([`LimitSource`]), and an observer of every plugin execution ([`StepObserver`]).

use std::time::Duration;

use futures::future::BoxFuture;

use crate::capabilities::calls::HostCalls;
use crate::runtime::StepFailure;

/// A workspace's ceilings for its steps, applied below the host's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepLimits {
    /// Linear memory a plugin instance may grow to, in MiB.
    pub memory_mb: Option<u32>,
    /// Wall-clock time a step may take.
    pub timeout: Option<Duration>,
}

impl StepLimits {
    /// The timeout a step runs with: the workflow's (`step`), else the manifest's, under
    /// this ceiling. `None` leaves the choice to the runtime as before.
    pub fn timeout(&self, step: Option<Duration>, manifest: Duration) -> Option<Duration> {
        match self.timeout {
            None => step,
            Some(ceiling) => Some(step.unwrap_or(manifest).min(ceiling)),
        }
    }
}

/// Decides, when a step is about to run, whether its workspace may run it and under which
/// limits.
pub trait LimitSource: Send + Sync {
    /// The limits for one step of `workspace`; `Err` refuses the step with that failure
    /// (a `Fatal` one is not retried, a `Retryable` one is).
    fn admit<'a>(&'a self, workspace: &'a str) -> BoxFuture<'a, Result<StepLimits, StepFailure>>;

    /// Whether `workspace`'s publishing is stopped, asked before each step of an action
    /// that publishes. Nothing is stopped unless a source says so.
    fn publishing_held<'a>(&'a self, _workspace: &'a str) -> BoxFuture<'a, Result<bool, StepFailure>> {
        Box::pin(async { Ok(false) })
    }
}

/// No workspace limits: only the host's ceilings apply (`roost run`).
pub struct Unlimited;

impl LimitSource for Unlimited {
    fn admit<'a>(&'a self, _workspace: &'a str) -> BoxFuture<'a, Result<StepLimits, StepFailure>> {
        Box::pin(async { Ok(StepLimits::default()) })
    }
}

/// One plugin execution as an observer sees it.
#[derive(Debug, Clone, Copy)]
pub struct StepEvent<'a> {
    pub workspace: &'a str,
    pub plugin: &'a str,
    pub action: &'a str,
}

/// Told of every plugin execution the engine makes, e.g. to keep metrics.
pub trait StepObserver: Send + Sync {
    fn started(&self, step: StepEvent<'_>);
    /// `outcome` is `succeeded` or the failure's kind (`retryable`, `timeout`, `trap`...);
    /// `memory_peak` is the most linear memory the plugin held, in bytes; `calls` what it
    /// asked of the host.
    fn finished(&self, step: StepEvent<'_>, outcome: &str, duration: Duration, memory_peak: usize, calls: &HostCalls);
}

/// Observes nothing.
pub struct Unobserved;

impl StepObserver for Unobserved {
    fn started(&self, _step: StepEvent<'_>) {}
    fn finished(&self, _: StepEvent<'_>, _: &str, _: Duration, _: usize, _: &HostCalls) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_ceiling_caps_the_workflow_or_manifest_timeout() {
        let (s, ms) = (Duration::from_secs, Duration::from_millis);
        let none = StepLimits::default();
        assert_eq!(none.timeout(None, s(30)), None, "without a ceiling the runtime decides as before");
        assert_eq!(none.timeout(Some(s(5)), s(30)), Some(s(5)));
        let capped = StepLimits { timeout: Some(ms(200)), ..StepLimits::default() };
        assert_eq!(capped.timeout(None, s(30)), Some(ms(200)), "the manifest's 30 s is capped");
        assert_eq!(capped.timeout(Some(s(5)), s(30)), Some(ms(200)), "the workflow's 5 s is capped");
        assert_eq!(capped.timeout(Some(ms(50)), s(30)), Some(ms(50)), "a shorter timeout stays");
    }
}
