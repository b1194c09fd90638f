//! Retry policies: reading `retry:` mappings, merging them over `defaults.retry`, and
//! computing the delay before each new attempt.

use std::time::Duration;

use marked_yaml::Node;

use super::diagnostic::Diagnostic;
use super::keys::{BACKOFF, DEFAULTS, RETRY};
use super::limits::MAX_ATTEMPTS;
use super::spec::{Text, check_keys, entry, expect_mapping};
use super::values;
use super::yaml::scalar_pos;

/// How often and how patiently a step's action is retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first; 1 means no retry.
    pub max_attempts: u32,
    pub backoff: Backoff,
    /// The delay after the first failed attempt.
    pub initial_delay: Duration,
    /// No delay is longer than this.
    pub max_delay: Duration,
    /// Randomise each delay between half and all of it.
    pub jitter: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Every delay is `initial_delay`.
    Fixed,
    /// The delay doubles after each failed attempt.
    Exponential,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 1,
            backoff: Backoff::Exponential,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
            jitter: false,
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after attempt `attempt` (1-based) failed;
    /// `random_unit` in [0, 1) is used only with jitter.
    pub fn delay(&self, attempt: u32, random_unit: f64) -> Duration {
        let base = match self.backoff {
            Backoff::Fixed => self.initial_delay,
            Backoff::Exponential => {
                let doublings = attempt.saturating_sub(1).min(31);
                self.initial_delay.saturating_mul(1u32 << doublings)
            }
        };
        let capped = base.min(self.max_delay);
        if !self.jitter {
            return capped;
        }
        let unit = if random_unit.is_finite() { random_unit.clamp(0.0, 1.0) } else { 0.0 };
        capped.div_f64(2.0).saturating_add(capped.div_f64(2.0).mul_f64(unit))
    }
}

/// The fields a `retry:` mapping sets; unset fields come from the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RetrySpec {
    pub max_attempts: Option<u32>,
    pub backoff: Option<Backoff>,
    pub initial_delay: Option<Duration>,
    pub max_delay: Option<Duration>,
    pub jitter: Option<bool>,
}

impl RetrySpec {
    /// `self` over `base`, field by field.
    pub fn over(self, base: RetrySpec) -> RetrySpec {
        RetrySpec {
            max_attempts: self.max_attempts.or(base.max_attempts),
            backoff: self.backoff.or(base.backoff),
            initial_delay: self.initial_delay.or(base.initial_delay),
            max_delay: self.max_delay.or(base.max_delay),
            jitter: self.jitter.or(base.jitter),
        }
    }

    pub fn policy(self) -> RetryPolicy {
        let d = RetryPolicy::default();
        RetryPolicy {
            max_attempts: self.max_attempts.unwrap_or(d.max_attempts),
            backoff: self.backoff.unwrap_or(d.backoff),
            initial_delay: self.initial_delay.unwrap_or(d.initial_delay),
            max_delay: self.max_delay.unwrap_or(d.max_delay),
            jitter: self.jitter.unwrap_or(d.jitter),
        }
    }
}

/// Reads a `retry:` mapping.
pub fn parse(node: &Node, diags: &mut Vec<Diagnostic>) -> RetrySpec {
    let Some(map) = expect_mapping(node, "`retry`", diags) else {
        return RetrySpec::default();
    };
    check_keys(map, &RETRY.names(), diags);
    let field = |key: &str| entry(map, key);
    let mut spec = RetrySpec {
        max_attempts: field("max_attempts").and_then(|(k, v)| values::integer_in(k, v, 1, MAX_ATTEMPTS, diags)),
        backoff: field("backoff").and_then(|(k, v)| values::choice(k, v, BACKOFF, diags)).map(|b| match b {
            "fixed" => Backoff::Fixed,
            _ => Backoff::Exponential,
        }),
        initial_delay: field("initial_delay").and_then(|(k, v)| values::duration(k, v, diags)),
        max_delay: field("max_delay").and_then(|(k, v)| values::duration(k, v, diags)),
        jitter: field("jitter").and_then(|(k, v)| values::boolean(k, v, diags)),
    };
    if let (Some(initial), Some(max), Some((key, _))) = (spec.initial_delay, spec.max_delay, field("max_delay"))
        && max < initial
    {
        let msg = "`max_delay` is shorter than `initial_delay`";
        diags.push(Diagnostic::new(scalar_pos(key), msg).with_help("make `max_delay` at least `initial_delay`"));
        spec.max_delay = None;
    }
    spec
}

/// `defaults:`: the timeout and retry of action steps that set none.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Defaults {
    pub timeout: Option<Duration>,
    pub retry: RetrySpec,
}

pub fn parse_defaults(node: Option<(&Text, &Node)>, diags: &mut Vec<Diagnostic>) -> Defaults {
    let Some(map) = node.and_then(|(_, n)| expect_mapping(n, "`defaults`", diags)) else {
        return Defaults::default();
    };
    check_keys(map, &DEFAULTS.names(), diags);
    Defaults {
        timeout: entry(map, "timeout").and_then(|(k, v)| values::positive_duration(k, v, diags)),
        retry: entry(map, "retry").map(|(_, v)| parse(v, diags)).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_delays_double_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 6,
            initial_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let delays: Vec<u64> = (1..=5).map(|a| policy.delay(a, 0.5).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 10, 10]);
        assert_eq!(policy.delay(u32::MAX, 0.0), Duration::from_secs(10));
        let fixed = RetryPolicy { backoff: Backoff::Fixed, ..policy };
        assert_eq!(fixed.delay(4, 0.0), Duration::from_secs(2));
    }

    #[test]
    fn jitter_stays_between_half_and_all() {
        let policy = RetryPolicy { jitter: true, initial_delay: Duration::from_secs(4), ..RetryPolicy::default() };
        assert_eq!(policy.delay(1, 0.0), Duration::from_secs(2));
        assert_eq!(policy.delay(1, 0.5), Duration::from_secs(3));
        assert!(policy.delay(1, 0.999) < Duration::from_secs(4));
    }

    #[test]
    fn step_fields_override_defaults_one_by_one() {
        let defaults = RetrySpec { max_attempts: Some(3), jitter: Some(true), ..RetrySpec::default() };
        let step = RetrySpec { max_attempts: Some(6), ..RetrySpec::default() };
        let policy = step.over(defaults).policy();
        assert_eq!((policy.max_attempts, policy.jitter), (6, true));
        assert_eq!(policy.backoff, Backoff::Exponential);
    }
}
