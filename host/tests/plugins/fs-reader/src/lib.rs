//! Test plugin: `read` tries to read a host file, which the sandbox never grants.

use roost_sdk::{Action, Context, StepError, Value, json};

pub struct Read;

impl Action for Read {
    type Input = Value;
    type Output = Value;

    fn run(_ctx: &Context, _input: Value) -> Result<Value, StepError> {
        let text = std::fs::read_to_string("/etc/passwd").map_err(|e| StepError::fatal(e.to_string()))?;
        Ok(json!({ "text": text }))
    }
}

roost_sdk::plugin! { "read" => Read }
