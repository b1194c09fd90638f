//! The checked plan: a spec with resolved plugins, compiled templates and step
//! dependencies, ready for the engine. Building it collects every error it can find.

use serde_json::{Map, Value};

use super::diagnostic::{Diagnostic, Pos};
use super::inputs::{self, InputDecl};
use super::refs::{self, RefContext};
use super::schema::{self, WithSite};
use super::spec::{StepSpec, Text, WorkflowSpec};
use super::template::{self, Template};
use super::uses::{self, Catalog};
use super::yaml::{Source, is_null, scalar_pos};

/// Longest workflow name or step id: keeps them usable in URLs, logs and database keys.
pub const MAX_NAME_LEN: usize = 64;

/// A validated workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    pub description: Option<String>,
    pub inputs: Vec<InputDecl>,
    /// In file order, which is a valid execution order: references only point backwards.
    pub steps: Vec<PlanStep>,
    pub outputs: Vec<(String, Template)>,
}

/// One step with its plugin resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub id: String,
    pub plugin: String,
    pub action: String,
    pub version: semver::Version,
    pub with: Template,
    /// Ids of the steps whose outputs `with` reads.
    pub needs: Vec<String>,
    /// Line of the step in the workflow file.
    pub line: usize,
}

impl Plan {
    /// Binds `--input NAME=VALUE` strings to typed values (integer "3" -> 3, boolean
    /// "true", object/array parsed as JSON, string as-is) and applies defaults. Fails,
    /// naming the input and the fix, on an unknown input, a missing required input, or a
    /// value that does not parse as its type (one line per problem).
    pub fn bind_inputs(&self, given: &[(String, String)]) -> Result<Map<String, Value>, String> {
        inputs::bind(&self.inputs, given)
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&PlanStep> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// Turns a spec into a plan; errors go to `diags` (the plan is only meaningful without).
pub(super) fn build(spec: &WorkflowSpec, src: &Source, catalog: &dyn Catalog, diags: &mut Vec<Diagnostic>) -> Plan {
    let inputs = inputs::check(&spec.inputs, diags);
    let specs = spec.steps.as_deref().unwrap_or_default();
    let ids = check_ids(specs, diags);
    let mut steps = Vec::new();
    for (index, step) in specs.iter().enumerate() {
        let cx = RefContext { inputs: &inputs, steps: &ids, current: Some(index) };
        steps.extend(build_step(step, &cx, src, catalog, diags));
    }
    let cx = RefContext { inputs: &inputs, steps: &ids, current: None };
    let mut outputs = Vec::new();
    for (name, node) in &spec.outputs {
        let template = template::compile(node, src, diags);
        refs::check(&template, &cx, diags);
        outputs.push((name.as_str().to_string(), template));
    }
    Plan {
        name: check_name(spec, diags),
        description: spec.description.as_ref().map(|d| d.as_str().to_string()),
        outputs,
        inputs,
        steps,
    }
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

/// Checks id syntax and uniqueness; returns every id in file order (empty when missing).
fn check_ids(steps: &[StepSpec], diags: &mut Vec<Diagnostic>) -> Vec<String> {
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
            let help = "step ids must be unique; rename one of the steps";
            diags.push(Diagnostic::new(scalar_pos(id), msg).with_help(help));
        }
        seen.push((text, scalar_pos(id)));
    }
    seen.into_iter().map(|(id, _)| id).collect()
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

fn build_step(
    step: &StepSpec,
    cx: &RefContext<'_>,
    src: &Source,
    catalog: &dyn Catalog,
    diags: &mut Vec<Diagnostic>,
) -> Option<PlanStep> {
    // An empty `with:` means no arguments, as does no `with` at all.
    let with = match &step.with {
        Some((_, node)) if !is_null(node) => template::compile(node, src, diags),
        _ => Template::literal(Value::Object(Map::new())),
    };
    let needs = refs::check(&with, cx, diags);
    let uses_text = step.uses.as_ref()?;
    let uses = uses::parse(uses_text, src).map_err(|d| diags.push(d)).ok()?;
    let action = uses::resolve(&uses, uses_text, catalog).map_err(|d| diags.push(d)).ok()?;
    let name = format!("{}/{}", uses.plugin, uses.action);
    let site = WithSite {
        action: &name,
        node: step.with.as_ref().map(|(_, node)| node),
        fallback: step.with.as_ref().map_or(step.pos, |(key, _)| scalar_pos(key)),
    };
    schema::check(&site, &with, &action.input_schema, diags);
    Some(PlanStep {
        id: step.id.as_ref().map(|id| id.as_str().to_string())?,
        plugin: uses.plugin,
        action: uses.action,
        version: action.version,
        with,
        needs,
        line: step.pos.line,
    })
}
