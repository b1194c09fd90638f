//! The `Action` trait, the step context and step errors, and dispatch by action id.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What the host tells an action about the step it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The action id the step invokes.
    pub action: String,
    pub workspace: String,
    pub workflow: String,
    pub run_id: String,
    pub step_id: String,
    /// 1 on the first try, 2 and up on retries.
    pub attempt: u32,
    /// Unix epoch milliseconds after which the host stops the step.
    pub deadline_ms: u64,
    /// The same on every attempt of the same logical step: use it to act only once.
    pub idempotency_key: String,
}

/// Why an action failed; the engine's retry policy reads the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// The input cannot work; never retried.
    InvalidInput(String),
    /// A transient failure; retried per the workflow's policy, after `after_ms` if given.
    Retryable { message: String, after_ms: Option<u64> },
    /// A permanent failure.
    Fatal(String),
}

impl StepError {
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }

    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable { message: message.into(), after_ms: None }
    }

    /// A retryable error that asks to wait `after_ms` milliseconds before the next try.
    pub fn retry_after(message: impl Into<String>, after_ms: u64) -> Self {
        Self::Retryable { message: message.into(), after_ms: Some(after_ms) }
    }

    pub fn fatal(message: impl Into<String>) -> Self {
        Self::Fatal(message.into())
    }

    /// The human-readable message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidInput(m) | Self::Fatal(m) | Self::Retryable { message: m, .. } => m,
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidInput(m) => write!(f, "invalid input: {m}"),
            Self::Retryable { message, .. } => write!(f, "retryable: {message}"),
            Self::Fatal(m) => write!(f, "fatal: {m}"),
        }
    }
}

impl std::error::Error for StepError {}

/// One action of an action table, as [`plugin!`](crate::plugin) builds it.
pub struct Entry {
    pub id: &'static str,
    /// The type-erased entry point: JSON text in, JSON text out.
    pub run: fn(&Context, &str) -> Result<String, StepError>,
    /// What only native code needs: which type the action is, and its schemas.
    #[cfg(not(target_arch = "wasm32"))]
    pub native: Native,
}

/// The native half of an [`Entry`]; left out of components to keep them small.
#[cfg(not(target_arch = "wasm32"))]
pub struct Native {
    pub action: fn() -> std::any::TypeId,
    /// The input schema from the action's `Input` type, if it derives `JsonSchema`.
    pub input: fn() -> Option<serde_json::Value>,
    pub output: fn() -> Option<serde_json::Value>,
}

/// An action: typed input, typed output, and the code between them.
pub trait Action {
    /// Deserialized from the step's `with` (validated against the manifest's schema first).
    type Input: DeserializeOwned;
    /// Serialized as the step's output (validated against the manifest's schema after).
    type Output: Serialize;

    fn run(ctx: &Context, input: Self::Input) -> Result<Self::Output, StepError>;
}

/// The type-erased entry point of action `A`: JSON text in, JSON text out.
pub fn entry<A: Action>(ctx: &Context, input: &str) -> Result<String, StepError> {
    let input: A::Input = serde_json::from_str(input)
        .map_err(|e| StepError::invalid_input(format!("input does not fit the action: {e}")))?;
    let output = A::run(ctx, input)?;
    serde_json::to_string(&output).map_err(|e| StepError::fatal(format!("output could not be serialized: {e}")))
}

/// Runs the action of `table` named by `ctx.action`.
pub fn dispatch(table: &[Entry], ctx: &Context, input: &str) -> Result<String, StepError> {
    match table.iter().find(|entry| entry.id == ctx.action) {
        Some(entry) => (entry.run)(ctx, input),
        None => {
            let known: Vec<&str> = table.iter().map(|entry| entry.id).collect();
            Err(StepError::invalid_input(format!(
                "unknown action `{}`; this plugin offers: {}",
                ctx.action,
                known.join(", ")
            )))
        }
    }
}
