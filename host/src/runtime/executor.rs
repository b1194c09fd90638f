//! One step in a fresh `Store`: input checked, instance from the pool, call under limits.
//!
//! This is the one boundary every value of a step's secrets crosses, so it is where they
//! are walled in: the step's [`Redactor`] scrubs its log lines as they are written (they
//! reach tracing at once) and its output and error on the way out, before the engine
//! stores them as step, item and attempt records or folds them into a run's error. What
//! a plugin writes cannot carry a value the host did not give it, and the host gives
//! values only here.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wasmtime::{Store, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::bindings::types::{StepContext, StepError};
use super::limits::{HOSTCALL_FUEL, MAX_OUTPUT_KB, MAX_RANDOM_BYTES, MeteredLimits, STDIO_CAPTURE};
use super::{Plugin, Runtime};
use crate::capabilities::StepState;
use crate::capabilities::calls::HostCalls;
use crate::capabilities::http::HttpCap;
use crate::capabilities::kv::{DEFAULT_QUOTA, KvCap};
use crate::capabilities::log::LogCap;
use crate::capabilities::redact::Redactor;
use crate::capabilities::secrets::{Secret, SecretsCap};
use crate::store::{LogRecord, Namespace, Store as Db};
use crate::workflow::credentials;

/// What a step execution needs besides the plugin.
#[derive(Debug, Clone, Default)]
pub struct StepCall {
    pub action: String,
    pub workspace: String,
    pub workflow: String,
    pub run_id: String,
    pub step_id: String,
    pub attempt: u32,
    pub idempotency_key: String,
    pub input: Value,
    /// The workspace's secrets, each bound by its owner; only those the manifest declares
    /// reach the step, and each only to hosts both its binding and the manifest allow.
    pub secrets: BTreeMap<String, Secret>,
    /// The database behind the kv capability; `None` refuses kv.
    pub db: Option<Db>,
    /// The workflow's timeout for this step; clamped by the host's ceiling like the manifest's.
    pub timeout: Option<Duration>,
    /// The nonce the step's `secrets.NAME` placeholders were rendered with; empty: a fresh one.
    pub secret_nonce: String,
    /// A ceiling on the manifest's memory request in MiB (a workspace quota), below the host's.
    pub max_memory_mb: Option<u32>,
    /// The ids of this attempt's spans; `None` when tracing is off.
    pub trace: Option<crate::telemetry::context::AttemptIds>,
}

/// How a step ended, with its log and timing.
#[derive(Debug)]
pub struct StepOutcome {
    pub result: Result<Value, StepFailure>,
    pub logs: Vec<LogRecord>,
    pub duration: Duration,
    /// The most linear memory the plugin held at once, in bytes.
    pub memory_peak: usize,
    pub host_calls: HostCalls,
}

impl StepOutcome {
    /// `succeeded`, or the failure's kind (`retryable`, `timeout`, `trap`...).
    pub fn kind(&self) -> &'static str {
        self.result.as_ref().map_or_else(StepFailure::kind, |_| "succeeded")
    }
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepFailure {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("{message}")]
    Retryable { message: String, after_ms: Option<u64> },
    #[error("{0}")]
    Fatal(String),
    #[error("step timed out after {0:?}")]
    Timeout(Duration),
    #[error("plugin trapped: {0}")]
    Trap(String),
    #[error("output rejected: {0}")]
    BadOutput(String),
}

impl StepFailure {
    /// The same failure with its text scrubbed by `redactor`.
    fn redacted(self, redactor: &Redactor) -> Self {
        match self {
            Self::InvalidInput(m) => Self::InvalidInput(redactor.scrub(&m)),
            Self::Retryable { message, after_ms } => Self::Retryable { message: redactor.scrub(&message), after_ms },
            Self::Fatal(m) => Self::Fatal(redactor.scrub(&m)),
            Self::Trap(m) => Self::Trap(redactor.scrub(&m)),
            Self::BadOutput(m) => Self::BadOutput(redactor.scrub(&m)),
            Self::Timeout(d) => Self::Timeout(d),
        }
    }

    /// A stable name of the kind, stored with the step.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid-input",
            Self::Retryable { .. } => "retryable",
            Self::Fatal(_) => "fatal",
            Self::Timeout(_) => "timeout",
            Self::Trap(_) => "trap",
            Self::BadOutput(_) => "bad-output",
        }
    }
}

/// The limits of one step: the manifest's requests clamped to the host's ceilings.
struct StepLimits {
    memory: usize,
    timeout: Duration,
    output: usize,
}

fn step_limits(plugin: &Plugin, call: &StepCall, (max_timeout, max_memory_mb): (Duration, u32)) -> StepLimits {
    let asked = plugin.manifest.limits;
    let memory_mb = asked.memory_mb.min(max_memory_mb).min(call.max_memory_mb.unwrap_or(max_memory_mb));
    StepLimits {
        memory: (memory_mb as usize) << 20,
        timeout: call.timeout.unwrap_or(Duration::from_millis(asked.timeout_ms)).min(max_timeout),
        output: (asked.output_kb.min(MAX_OUTPUT_KB) as usize) << 10,
    }
}

impl Runtime {
    /// Runs `call` on `plugin`; never panics or returns early on a plugin's misbehaviour.
    pub async fn execute(&self, plugin: &Plugin, call: StepCall) -> StepOutcome {
        let started = Instant::now();
        let limits = step_limits(plugin, &call, self.ceilings());
        let secrets = secrets_of(plugin, &call);
        let redactor = secrets.redactor().clone();
        let mut stdio = None;
        let (result, log, memory_peak, host_calls) = match self.prepare(plugin, &call, &limits, secrets) {
            Err(failure) => (Err(failure), LogCap::default(), 0, HostCalls::default()),
            Ok((state, out, err)) => {
                stdio = Some((out, err));
                self.call(plugin, &call, state, &limits).await
            }
        };
        let mut log = log;
        if let Some((out, err)) = stdio {
            log.push_stdio("info", &out.contents());
            log.push_stdio("warn", &err.contents());
        }
        let result = result.and_then(|text| check_output(plugin, &call.action, &text, limits.output));
        let result = match result {
            Ok(mut value) => {
                redactor.scrub_json(&mut value);
                Ok(value)
            }
            Err(failure) => Err(failure.redacted(&redactor)),
        };
        let outcome = StepOutcome { result, logs: log.finish(), duration: started.elapsed(), memory_peak, host_calls };
        if let Some(ids) = call.trace {
            self.tracer.attempt(ids, attempt(plugin, &call, &outcome));
        }
        outcome
    }

    /// Validates the input and builds the step's sandbox state.
    fn prepare(
        &self,
        plugin: &Plugin,
        call: &StepCall,
        limits: &StepLimits,
        secrets: SecretsCap,
    ) -> Result<(StepState, MemoryOutputPipe, MemoryOutputPipe), StepFailure> {
        let (input_schema, _) = plugin.schemas(&call.action).ok_or_else(|| {
            StepFailure::InvalidInput(format!("plugin `{}` has no action `{}`", plugin.id(), call.action))
        })?;
        // `is_valid` short-circuits without building errors; the error is built only on failure.
        if !input_schema.is_valid(&call.input)
            && let Some(first) = input_schema.iter_errors(&call.input).next()
        {
            return Err(StepFailure::InvalidInput(schema_error(&first)));
        }
        let schema = plugin.manifest.action(&call.action).map(|a| &a.input);
        if let Some(at) = schema.and_then(|s| credentials::misplaced(s, &call.input, &secrets.placeholder_suffix())) {
            return Err(StepFailure::InvalidInput(format!(
                "a secret reached `{at}`, which the `{}` input schema does not mark as a credential \
                 (`\"{}\": true`); it is not sent",
                call.action,
                credentials::CREDENTIAL_KEYWORD
            )));
        }
        let perms = &plugin.manifest.permissions;
        let (out, err) = (MemoryOutputPipe::new(STDIO_CAPTURE), MemoryOutputPipe::new(STDIO_CAPTURE));
        let wasi = WasiCtx::builder().stdout(out.clone()).stderr(err.clone()).max_random_size(MAX_RANDOM_BYTES).build();
        let deadline = Instant::now() + limits.timeout;
        let state = StepState {
            wasi,
            table: Default::default(),
            limits: MeteredLimits::new(
                StoreLimitsBuilder::new().memory_size(limits.memory).trap_on_grow_failure(true).build(),
            ),
            log: LogCap::new(plugin.id(), secrets.redactor().clone()),
            http: (!perms.http.is_empty()).then(|| {
                HttpCap::new(self.http.clone(), perms.http.clone(), deadline).traced(self.tracer.http(call.trace))
            }),
            kv: call.db.clone().filter(|_| perms.kv).map(|db| {
                let ns = Namespace { workspace: call.workspace.clone(), plugin: plugin.id().to_string() };
                KvCap::new(db, ns, DEFAULT_QUOTA)
            }),
            secrets,
            calls: HostCalls::default(),
        };
        Ok((state, out, err))
    }

    /// Instantiates and calls the component under the step's limits.
    async fn call(
        &self,
        plugin: &Plugin,
        call: &StepCall,
        state: StepState,
        limits: &StepLimits,
    ) -> (Result<String, StepFailure>, LogCap, usize, HostCalls) {
        let _slot = self.slots.acquire(&call.workspace).await;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_hostcall_fuel(HOSTCALL_FUEL);
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        let ctx = context(call, limits.timeout);
        let input = call.input.to_string();
        let run = async {
            let instance = plugin.pre.instantiate_async(&mut store).await?;
            instance.call_run(&mut store, &ctx, &input).await
        };
        let result = match tokio::time::timeout(limits.timeout, run).await {
            Err(_) => Err(StepFailure::Timeout(limits.timeout)),
            Ok(Err(trap)) => Err(StepFailure::Trap(describe_trap(&trap, limits.memory))),
            Ok(Ok(Err(e))) => Err(from_plugin_error(e)),
            Ok(Ok(Ok(output))) => Ok(output),
        };
        let (peak, calls) = (store.data().limits.peak(), store.data().calls);
        (result, std::mem::take(&mut store.data_mut().log), peak, calls)
    }
}

/// The step's secrets: those of `call` that the manifest declares, with its nonce.
fn secrets_of(plugin: &Plugin, call: &StepCall) -> SecretsCap {
    let nonce = if call.secret_nonce.is_empty() { new_nonce() } else { call.secret_nonce.clone() };
    SecretsCap::new(plugin.manifest.permissions.secrets.clone(), call.secrets.clone(), nonce)
}

fn context(call: &StepCall, timeout: Duration) -> StepContext {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    StepContext {
        action: call.action.clone(),
        workspace: call.workspace.clone(),
        workflow: call.workflow.clone(),
        run_id: call.run_id.clone(),
        step_id: call.step_id.clone(),
        attempt: call.attempt,
        deadline_ms: (now + timeout).as_millis() as u64,
        idempotency_key: call.idempotency_key.clone(),
    }
}

/// An ended attempt as its span tells it.
fn attempt<'a>(plugin: &'a Plugin, call: &'a StepCall, outcome: &StepOutcome) -> crate::telemetry::Attempt<'a> {
    crate::telemetry::Attempt {
        run_id: &call.run_id,
        step_id: &call.step_id,
        plugin: plugin.id(),
        action: &call.action,
        attempt: call.attempt,
        outcome: outcome.kind(),
        duration: outcome.duration,
        memory_peak: outcome.memory_peak,
    }
}

fn from_plugin_error(e: StepError) -> StepFailure {
    match e {
        StepError::InvalidInput(m) => StepFailure::InvalidInput(m),
        StepError::Retryable(r) => StepFailure::Retryable { message: r.message, after_ms: r.after_ms },
        StepError::Fatal(m) => StepFailure::Fatal(m),
    }
}

/// A trap in words a workflow author can act on.
fn describe_trap(trap: &wasmtime::Error, memory: usize) -> String {
    let text = format!("{trap:#}");
    if text.contains("forcing trap when growing memory") {
        return format!("the plugin exceeded its memory limit of {} MiB", memory >> 20);
    }
    if text.contains("fuel allocated for hostcalls") {
        return format!("the plugin passed more than {} MiB to the host in one call", HOSTCALL_FUEL >> 20);
    }
    if let Some(code) = trap.downcast_ref::<wasmtime::Trap>() {
        return match code {
            wasmtime::Trap::StackOverflow => "the plugin overflowed its stack (runaway recursion?)".into(),
            // Rust keeps its data stack in linear memory: runaway recursion runs off its start.
            wasmtime::Trap::MemoryOutOfBounds => {
                "the plugin accessed memory out of bounds (a stack overflow from runaway recursion does this)".into()
            }
            wasmtime::Trap::UnreachableCodeReached => {
                "the plugin panicked or aborted; its last log lines say why".into()
            }
            other => other.to_string(),
        };
    }
    text
}

/// Checks the output's size, JSON and schema.
fn check_output(plugin: &Plugin, action: &str, text: &str, cap: usize) -> Result<Value, StepFailure> {
    if text.len() > cap {
        return Err(StepFailure::BadOutput(format!(
            "output of {} bytes is over the limit of {} KiB",
            text.len(),
            cap >> 10
        )));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| StepFailure::BadOutput(format!("output is not JSON: {e}")))?;
    if let Some((_, output_schema)) = plugin.schemas(action)
        && !output_schema.is_valid(&value)
        && let Some(first) = output_schema.iter_errors(&value).next()
    {
        return Err(StepFailure::BadOutput(format!(
            "output does not match the `{action}` output schema of plugin `{}`: {}",
            plugin.id(),
            schema_error(&first)
        )));
    }
    Ok(value)
}

/// The most characters of a schema error that quote the offending value; past them the
/// value is left out, so a 10,000-item array does not become a megabyte of error text.
const SCHEMA_ERROR_CHARS: usize = 200;

/// A schema error and where it is, the value quoted only when it is short.
fn schema_error(error: &jsonschema::ValidationError<'_>) -> String {
    let pointer = error.instance_path().as_str();
    let at = if pointer.is_empty() { "/" } else { pointer };
    let text = error.to_string();
    if text.chars().count() <= SCHEMA_ERROR_CHARS {
        format!("{text} (at `{at}`)")
    } else {
        format!("{} (at `{at}`)", error.masked())
    }
}

/// A fresh secret nonce: 16 random bytes, hex.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness a nonce from the clock and the process still differs per step.
    if getrandom::fill(&mut bytes).is_err() {
        let seed = format!("{:?}{}", Instant::now(), std::process::id());
        bytes.copy_from_slice(&sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(seed))[..16]);
    }
    hex::encode(bytes)
}
