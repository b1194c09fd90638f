//! Test plugin: fails a set number of times, publishes once per idempotency key, or sleeps.

use roost_sdk::{Action, Context, StepError, Value, http, json, kv};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct FailInput {
    times: u32,
    kind: String,
    retry_after_ms: Option<u64>,
}

/// Counts its attempts in kv under the idempotency key; fails the first `times` of them.
pub struct FailTimes;

impl Action for FailTimes {
    type Input = FailInput;
    type Output = Value;

    fn run(ctx: &Context, input: FailInput) -> Result<Value, StepError> {
        let counter = format!("attempts:{}", ctx.idempotency_key);
        let n = kv::get_json::<u32>(&counter)?.unwrap_or(0) + 1;
        kv::set_json(&counter, &n, None)?;
        if n <= input.times {
            let message = format!("attempt {n} of {} fails on purpose", input.times);
            return Err(match (input.kind.as_str(), input.retry_after_ms) {
                ("retryable", Some(ms)) => StepError::retry_after(message, ms),
                ("retryable", None) => StepError::retryable(message),
                ("invalid", _) => StepError::invalid_input(message),
                _ => StepError::fatal(message),
            });
        }
        Ok(json!({ "attempts": n, "attempt": ctx.attempt, "key": ctx.idempotency_key }))
    }
}

#[derive(Deserialize)]
pub struct PublishInput {
    url: String,
    text: String,
}

/// POSTs `{text}` to `url` with the header `Idempotency-Key`.
pub struct Publish;

impl Action for Publish {
    type Input = PublishInput;
    type Output = Value;

    fn run(ctx: &Context, input: PublishInput) -> Result<Value, StepError> {
        let response = http::Request::post(&input.url)
            .header("Idempotency-Key", ctx.idempotency_key.clone())
            .json(&json!({ "text": input.text }))?
            .send()?
            .error_for_status()?;
        Ok(json!({ "status": response.status }))
    }
}

#[derive(Deserialize)]
pub struct SlowInput {
    ms: u64,
}

/// Sleeps `ms` milliseconds; reports when it started and ended (Unix ms).
pub struct Slow;

impl Action for Slow {
    type Input = SlowInput;
    type Output = Value;

    fn run(_ctx: &Context, input: SlowInput) -> Result<Value, StepError> {
        let started = unix_ms();
        std::thread::sleep(std::time::Duration::from_millis(input.ms));
        Ok(json!({ "ms": input.ms, "started": started, "ended": unix_ms() }))
    }
}

fn unix_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

roost_sdk::plugin! {
    "fail-times" => FailTimes,
    "publish" => Publish,
    "slow" => Slow,
}
