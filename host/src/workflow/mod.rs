//! Workflows: YAML with source positions -> a validated [`Plan`], with `${{ }}`
//! expressions and compiler-style [`Diagnostics`]. This module does no I/O.
//!
//! Loading has two stages: `spec` reads what the user wrote (shape only, with
//! positions), then `plan` resolves plugins through a [`Catalog`], compiles templates,
//! checks references and schemas, and collects every error it finds.
//!
//! ```yaml
//! name: triage-one
//! inputs:
//!   text: { type: string, description: What to score }
//! steps:
//!   - id: score
//!     uses: sentiment/score@0.1
//!     with:
//!       text: "${{ inputs.text }}"
//! outputs:
//!   label: ${{ steps.score.output.label }}
//! ```

mod diagnostic;
mod expr;
mod inputs;
mod plan;
mod refs;
mod schema;
mod spec;
mod template;
#[doc(hidden)]
pub mod testing;
mod uses;
mod yaml;

pub use diagnostic::{Diagnostic, Diagnostics, Pos};
pub use expr::{Expr, ExprError, Segment};
pub use inputs::{InputDecl, InputType};
pub use plan::{MAX_NAME_LEN, Plan, PlanStep};
pub use template::{Located, RenderError, RenderFailure, Scope, Template};
pub use uses::{Catalog, CatalogError, ResolvedAction, UsesRef};

/// Parses and checks a workflow. `file` is only used to prefix error lines.
pub fn load(file: &str, source: &str, catalog: &dyn Catalog) -> Result<Plan, Diagnostics> {
    let root = yaml::parse(source).map_err(|d| Diagnostics::new(file, vec![d]))?;
    let mut diags = Vec::new();
    let spec = spec::parse(&root, &mut diags);
    let plan = plan::build(&spec, &yaml::Source::new(source), catalog, &mut diags);
    if diags.is_empty() { Ok(plan) } else { Err(Diagnostics::new(file, diags)) }
}

#[cfg(test)]
mod tests;
