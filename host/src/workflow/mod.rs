//! Workflows: YAML with source positions -> a validated [`Plan`], with `${{ }}`
//! expressions and compiler-style [`Diagnostics`]. This module does no I/O.
//!
//! Loading has two stages: `spec` reads what the user wrote (shape only, with
//! positions), then `plan` resolves plugins through a [`Catalog`], compiles templates,
//! checks references, schemas, triggers and the step graph, and collects every error it
//! finds. The format is described in `docs/workflow-format.md`.
//!
//! ```yaml
//! name: triage-one
//! inputs:
//!   text: { type: string, description: What to score }
//! steps:
//!   - id: score
//!     uses: sentiment/score@0.2
//!     with:
//!       text: "${{ inputs.text }}"
//! outputs:
//!   label: ${{ steps.score.output.label }}
//! ```

mod approval;
pub mod approval_fields;
pub mod credentials;
mod diagnostic;
mod editor_schema;
mod eval;
mod expr;
mod functions;
mod graph;
mod inputs;
mod keys;
mod lex;
mod limits;
mod plan;
pub mod post_length;
mod refs;
mod render_error;
mod respond;
mod respond_load;
mod retry;
mod schema;
mod spec;
mod step;
mod template;
#[doc(hidden)]
pub mod testing;
mod triggers;
mod uses;
mod values;
mod yaml;

pub use approval::{Approval, DEFAULT_APPROVERS, OnTimeout};
pub use diagnostic::{Diagnostic, Diagnostics, Pos};
#[doc(hidden)]
pub use editor_schema::json_schema;
pub use eval::{secret_placeholder, truthy};
pub use expr::{BinOp, Expr, ExprError, Segment};
pub use inputs::{InputDecl, InputType};
pub use limits::{
    Limits, MAX_DIAGNOSTICS, MAX_EXPR_BYTES, MAX_EXPR_DEPTH, MAX_EXPRESSIONS, MAX_INPUTS, MAX_RENDERED_BYTES,
    MAX_RESULT_BYTES, MAX_SOURCE_BYTES, MAX_STEPS, MAX_YAML_DEPTH, quoted_json,
};
pub use plan::{MAX_NAME_LEN, Plan};
pub use respond::{
    JSON_TYPE, MAX_HEADER_VALUE, MAX_RESPOND_BODY, MAX_RESPOND_HEADERS, RESERVED_HEADERS, RESERVED_PREFIX, Respond,
    TEXT_TYPE,
};
pub use retry::{Backoff, RetryPolicy};
pub use step::{PlanStep, StepKind};
pub use template::{Located, RenderError, RenderFailure, Scope, StepView, Template};
pub use triggers::{CatchUp, Concurrency, OnBusy, Schedule, Triggers, WebhookTrigger};
pub use uses::{Catalog, CatalogError, ResolvedAction, UsesRef};
pub use values::parse_duration;

/// Parses and checks a workflow under the default [`Limits`]. `file` is only used to
/// prefix error lines.
pub fn load(file: &str, source: &str, catalog: &dyn Catalog) -> Result<Plan, Diagnostics> {
    load_with(file, source, catalog, &Limits::default())
}

/// [`load`] under the given limits. Its time is linear in the size of `source`.
pub fn load_with(file: &str, source: &str, catalog: &dyn Catalog, limits: &Limits) -> Result<Plan, Diagnostics> {
    let root = yaml::parse(source, limits).map_err(|d| Diagnostics::new(file, vec![d]))?;
    let mut diags = Vec::new();
    let spec = spec::parse(&root, &mut diags);
    let plan = plan::build(&spec, &yaml::Source::new(source, limits), catalog, limits, &mut diags);
    if diags.is_empty() { Ok(plan) } else { Err(Diagnostics::new(file, at_most(diags))) }
}

/// At most [`MAX_DIAGNOSTICS`] errors in file order; when checking stopped there, a last
/// one says so.
fn at_most(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diags.len() < MAX_DIAGNOSTICS {
        return diags;
    }
    diags.sort_by_key(Diagnostic::pos);
    let pos = diags[MAX_DIAGNOSTICS - 1].pos();
    diags.truncate(MAX_DIAGNOSTICS);
    let msg = format!("checking stopped after {MAX_DIAGNOSTICS} errors");
    diags.push(Diagnostic::new(pos, msg).with_help("fix the errors above and validate again"));
    diags
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bounds;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_respond;
#[cfg(test)]
mod tests_v1;
