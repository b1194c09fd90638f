//! The checked plan: a spec with resolved plugins, compiled templates, triggers and step
//! dependencies, ready for the engine. Building it collects every error it can find.

use marked_yaml::Node;
use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, Pos};
use super::graph;
use super::inputs::{self, InputDecl};
use super::limits::{Limits, MAX_INPUTS};
use super::refs::{self, RefContext, Site};
use super::retry;
use super::spec::{StepSpec, Text, WorkflowSpec};
use super::step::{self, Env, PlanStep, StepKind};
use super::template::{self, Template};
use super::triggers::{self, Concurrency, Triggers};
use super::uses::Catalog;
use super::yaml::{Source, scalar_pos};

/// Longest workflow name or step id: keeps them usable in URLs, logs and database keys.
pub const MAX_NAME_LEN: usize = 64;

/// A validated workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    pub description: Option<String>,
    pub inputs: Vec<InputDecl>,
    /// In file order; see [`Plan::topological_order`] for an execution order.
    pub steps: Vec<PlanStep>,
    pub outputs: Vec<(String, Template)>,
    /// Run when the run fails, in their own dependency order; `failure` is in scope.
    pub on_failure: Vec<PlanStep>,
    pub triggers: Triggers,
    pub concurrency: Concurrency,
}

impl Plan {
    /// Binds `--input NAME=VALUE` strings to typed values (integer "3" -> 3, boolean
    /// "true", object/array parsed as JSON, string as-is) and applies defaults. Fails,
    /// naming the input and the fix, on an unknown input, a missing required input, or a
    /// value that does not parse as its type (one line per problem).
    pub fn bind_inputs(&self, given: &[(String, String)]) -> Result<Map<String, Value>, String> {
        inputs::bind(&self.inputs, given)
    }

    /// Binds typed JSON inputs; each error names its input.
    pub fn bind_json_inputs(&self, given: &Map<String, Value>) -> Result<Map<String, Value>, Vec<(String, String)>> {
        inputs::bind_json(&self.inputs, given)
    }

    /// The step with this id, among the main steps and then the `on_failure` steps.
    pub fn step(&self, id: &str) -> Option<&PlanStep> {
        self.steps.iter().chain(&self.on_failure).find(|s| s.id == id)
    }

    /// Whether a `respond` step (among the main or `on_failure` steps) may answer the
    /// webhook that started a run.
    pub fn responds(&self) -> bool {
        self.steps.iter().chain(&self.on_failure).any(|s| matches!(s.kind, StepKind::Respond(_)))
    }

    /// The main steps, each after everything it needs; ready steps in file order.
    pub fn topological_order(&self) -> Vec<&PlanStep> {
        graph::topological(&self.steps)
    }

    /// The `on_failure` steps in the same kind of order.
    pub fn on_failure_order(&self) -> Vec<&PlanStep> {
        graph::topological(&self.on_failure)
    }
}

/// Turns a spec into a plan; errors go to `diags` (the plan is only meaningful without).
pub(super) fn build(
    spec: &WorkflowSpec,
    src: &Source,
    catalog: &dyn Catalog,
    limits: &Limits,
    diags: &mut Vec<Diagnostic>,
) -> Plan {
    if let Some(extra) = spec.inputs.get(MAX_INPUTS) {
        let msg = format!("the workflow declares {} inputs, more than the limit of {MAX_INPUTS}", spec.inputs.len());
        diags.push(Diagnostic::new(scalar_pos(&extra.name), msg).with_help("pass related values as one object input"));
    }
    let inputs = inputs::check(&spec.inputs[..spec.inputs.len().min(MAX_INPUTS)], diags);
    let main = spec.steps.as_deref().unwrap_or_default();
    let mut all: Vec<&StepSpec> = main.iter().chain(&spec.on_failure).collect();
    if let Some(extra) = all.get(limits.steps) {
        let msg = format!("the workflow has {} steps, more than the limit of {}", all.len(), limits.steps);
        diags.push(Diagnostic::new(extra.pos, msg).with_help("split it into smaller workflows"));
        all.truncate(limits.steps);
    }
    let main = &main[..main.len().min(all.len())];
    let (ids, positions) = check_ids(&all, diags);
    let defaults = retry::parse_defaults(raw(&spec.defaults), diags);
    // `steps` missing or not a list is reported already; so is a misspelt key.
    let mut unchecked: Vec<&str> = spec.misspelt.clone();
    unchecked.extend(spec.steps.is_none().then_some("steps"));
    let refs = RefContext { inputs: &inputs, steps: &ids, main: main.len(), unchecked: &unchecked };
    let env = Env { refs, src, catalog, defaults: &defaults };
    let (built, deps): (Vec<Option<PlanStep>>, Vec<Vec<usize>>) =
        all.iter().enumerate().map(|(i, s)| step::build(s, i, &env, diags)).unzip();
    graph::check_cycles(&ids, &deps, &positions, diags);
    let (mut steps, mut on_failure) = (Vec::new(), Vec::new());
    for (i, (step, deps)) in built.into_iter().zip(&deps).enumerate() {
        let list = if i < main.len() { &mut steps } else { &mut on_failure };
        list.extend(step.map(|s| with_needs(s, deps, &ids)));
    }
    let outputs = build_outputs(spec, &env, diags);
    Plan {
        name: check_name(spec, diags),
        description: spec.description.as_ref().map(|d| d.as_str().to_string()),
        outputs,
        on_failure,
        triggers: triggers::parse_triggers(raw(&spec.on), diags),
        concurrency: triggers::parse_concurrency(raw(&spec.concurrency), diags),
        inputs,
        steps,
    }
}

fn raw(entry: &Option<(Text, Node)>) -> Option<(&Text, &Node)> {
    entry.as_ref().map(|(k, n)| (k, n))
}

fn with_needs(mut step: PlanStep, deps: &[usize], ids: &[String]) -> PlanStep {
    let mut needs: Vec<String> = deps.iter().map(|&d| ids[d].clone()).collect();
    needs.sort();
    needs.dedup();
    step.needs = needs;
    step
}

fn build_outputs(spec: &WorkflowSpec, env: &Env<'_>, diags: &mut Vec<Diagnostic>) -> Vec<(String, Template)> {
    let site = Site { step: None, item: false };
    let mut outputs = Vec::new();
    for (name, node) in &spec.outputs {
        let template = template::compile(node, env.src, diags);
        refs::check(&template, &env.refs, site, diags);
        super::credentials::forbid("outputs", &template, diags);
        outputs.push((name.as_str().to_string(), template));
    }
    outputs
}

fn check_name(spec: &WorkflowSpec, diags: &mut Vec<Diagnostic>) -> String {
    let Some(name) = &spec.name else {
        return String::new();
    };
    let text = name.as_str();
    let valid = text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid || text.is_empty() || text.len() > MAX_NAME_LEN {
        let mut help = format!("use 1-{MAX_NAME_LEN} lowercase letters, digits and `-`");
        let slug = slug(text, '-');
        if !slug.is_empty() {
            help.push_str(&format!(", e.g. `{slug}`"));
        }
        let msg = format!("invalid workflow name `{text}`");
        diags.push(Diagnostic::new(scalar_pos(name), msg).with_help(help));
    }
    text.to_string()
}

/// Checks id syntax and uniqueness; returns every id in order (empty when missing) and
/// where each step's id (or the step) is.
fn check_ids(steps: &[&StepSpec], diags: &mut Vec<Diagnostic>) -> (Vec<String>, Vec<Pos>) {
    let mut seen: Vec<(String, Pos)> = Vec::new();
    for step in steps {
        let Some(id) = &step.id else {
            seen.push((String::new(), step.pos));
            continue;
        };
        let text = id.as_str().to_string();
        if !valid_step_id(&text) {
            diags.push(bad_step_id(id));
        } else if let Some((_, first)) = seen.iter().find(|(s, _)| *s == text) {
            let msg = format!("duplicate step id `{text}` (first used on line {})", first.line);
            let help = "step ids must be unique, `on_failure` steps included; rename one of the steps";
            diags.push(Diagnostic::new(scalar_pos(id), msg).with_help(help));
        }
        seen.push((text, scalar_pos(id)));
    }
    seen.into_iter().unzip()
}

fn valid_step_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    id.len() <= MAX_NAME_LEN
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn bad_step_id(id: &Text) -> Diagnostic {
    let mut help = format!(
        "step ids start with a lowercase letter and use lowercase letters, digits, `_` and `-` \
         (at most {MAX_NAME_LEN})"
    );
    let slug = slug(id.as_str(), '_');
    if valid_step_id(&slug) {
        help.push_str(&format!(", e.g. `{slug}`"));
    }
    Diagnostic::new(scalar_pos(id), format!("invalid step id `{}`", id.as_str())).with_help(help)
}

/// A lowercase version of `text` with runs of other characters replaced by `sep`.
fn slug(text: &str, sep: char) -> String {
    let mut out = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' {
            out.push(c);
        } else if !out.ends_with(sep) {
            out.push(sep);
        }
    }
    out.trim_matches(sep).chars().take(MAX_NAME_LEN).collect()
}
