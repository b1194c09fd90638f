//! Test plugin: `echo` returns its input, the smallest possible step.

use roost_sdk::{Action, Context, StepError, Value};

pub struct Echo;

impl Action for Echo {
    type Input = Value;
    type Output = Value;

    fn run(_ctx: &Context, input: Value) -> Result<Value, StepError> {
        Ok(input)
    }
}

roost_sdk::plugin! { "echo" => Echo }
