//! Building one [`PlanStep`] from its spec: its kind (action, approval, wait or respond), its
//! control keys (`needs`, `if`, `for_each`, `wait_until`, ...) and its dependencies.

use std::time::Duration;

use marked_yaml::Node;
use serde_json::{Map, Value};

use super::approval::{self, Approval};
use super::credentials;
use super::diagnostic::Diagnostic;
use super::limits::MAX_DIAGNOSTICS;
use super::refs::{self, RefContext, Site};
use super::respond::Respond;
use super::retry::{self, Defaults, RetryPolicy};
use super::schema::{self, WithSite};
use super::spec::{StepSpec, entry, value_pos};
use super::template::{self, Template};
use super::uses::{self, Catalog};
use super::values;
use super::yaml::{Source, kind_name, scalar_pos};

/// One checked step.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub id: String,
    /// Line of the step in the workflow file.
    pub line: usize,
    pub kind: StepKind,
    /// Every step this one waits for (from its expressions and `needs`), sorted.
    pub needs: Vec<String>,
    /// `if`: the step runs only when this renders truthy (see [`truthy`](super::truthy)).
    pub condition: Option<Template>,
    /// `for_each`: renders to the list whose elements the action runs on.
    pub for_each: Option<Template>,
    /// Elements of `for_each` run at once (default 1).
    pub concurrency: u32,
    /// `wait_until`: an RFC 3339 time before which the step does not start.
    pub wait_until: Option<Template>,
    /// Time limit of each action attempt (from the step or `defaults`).
    pub timeout: Option<Duration>,
    /// From the step's `retry` over `defaults.retry`; no retry for approvals and waits.
    pub retry: RetryPolicy,
    pub continue_on_error: bool,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    Action {
        plugin: String,
        action: String,
        version: semver::Version,
        /// The component's sha256 the plan was resolved to (always, for a `@sha256:` pin).
        digest: Option<String>,
        with: Template,
    },
    Approval(Approval),
    /// A durable timer.
    Wait(Duration),
    /// An answer to the webhook that started the run.
    Respond(Respond),
}

/// What building a step needs besides the step.
pub struct Env<'a> {
    pub refs: RefContext<'a>,
    pub src: &'a Source,
    pub catalog: &'a dyn Catalog,
    pub defaults: &'a Defaults,
}

const FOR_EACH_HELP: &str = "add `for_each:` to fan out over a list, or remove `concurrency`";

/// Keys that only make sense on a `uses` step.
const ACTION_ONLY: &[&str] = &["with", "for_each", "concurrency", "timeout", "retry"];

/// Builds step `index`; returns it (when it is well-formed) and the steps it depends on.
pub fn build(
    spec: &StepSpec,
    index: usize,
    env: &Env<'_>,
    diags: &mut Vec<Diagnostic>,
) -> (Option<PlanStep>, Vec<usize>) {
    let step = Site { step: Some(index), item: false };
    let mut deps = needs(spec, index, &env.refs, diags);
    let mut compile = |key: &str, site: Site, diags: &mut Vec<Diagnostic>| {
        let (_, node) = spec.get(key)?;
        let template = template::compile(node, env.src, diags);
        deps.extend(refs::check(&template, &env.refs, site, diags));
        if key != "with" {
            credentials::forbid(key, &template, diags);
        }
        Some(template)
    };
    let for_each = compile("for_each", step, diags);
    let condition = compile("if", step, diags);
    let wait_until = compile("wait_until", step, diags);
    let item = Site { item: for_each.is_some(), ..step };
    let with = compile("with", item, diags);
    let kind = match (spec.uses.is_some(), spec.get("approval"), spec.get("wait")) {
        (true, ..) => action(spec, with, env, diags),
        (false, Some((key, node)), _) => approval::parse(key, node, &env.refs, step, env.src, diags).map(|(a, d)| {
            deps.extend(d);
            StepKind::Approval(a)
        }),
        (false, None, Some((key, node))) => values::duration(key, node, diags).map(StepKind::Wait),
        (false, None, None) => entry(&spec.fields, "respond").and_then(|(_, node)| {
            super::respond_load::parse(node, &env.refs, step, env.src, diags).map(|(r, d)| {
                deps.extend(d);
                StepKind::Respond(r)
            })
        }),
    };
    check_literals(spec, for_each.as_ref(), condition.as_ref(), wait_until.as_ref(), diags);
    let is_action = matches!(kind, Some(StepKind::Action { .. }));
    if !is_action && kind.is_some() {
        action_only(spec, diags);
    }
    let concurrency = concurrency(spec, for_each.is_some(), diags);
    let timeout = spec.get("timeout").and_then(|(k, v)| values::positive_duration(k, v, diags));
    let own_retry = spec.get("retry").map(|(_, v)| retry::parse(v, diags)).unwrap_or_default();
    let continue_on_error = spec.get("continue_on_error").and_then(|(k, v)| values::boolean(k, v, diags));
    deps.sort_unstable();
    deps.dedup();
    let (Some(id), Some(kind)) = (&spec.id, kind) else {
        return (None, deps);
    };
    let plan_step = PlanStep {
        id: id.as_str().to_string(),
        line: spec.pos.line,
        kind,
        needs: Vec::new(),
        condition,
        for_each,
        concurrency: concurrency.unwrap_or(1),
        wait_until,
        timeout: if is_action { timeout.or(env.defaults.timeout) } else { None },
        retry: if is_action { own_retry.over(env.defaults.retry).policy() } else { RetryPolicy::default() },
        continue_on_error: continue_on_error.unwrap_or(false),
    };
    (Some(plan_step), deps)
}

fn action(spec: &StepSpec, with: Option<Template>, env: &Env<'_>, diags: &mut Vec<Diagnostic>) -> Option<StepKind> {
    // An empty `with:` means no arguments, as does no `with` at all.
    let with = with.unwrap_or_else(|| Template::literal(Value::Object(Map::new())));
    let uses_text = spec.uses.as_ref()?;
    let uses = uses::parse(uses_text, env.src).map_err(|d| diags.push(d)).ok()?;
    let action = uses::resolve(&uses, uses_text, env.catalog).map_err(|d| diags.push(d)).ok()?;
    let name = format!("{}/{}", uses.plugin, uses.action);
    let with_entry = spec.key("with").and_then(|k| spec.get("with").map(|(_, node)| (k, node)));
    let site = WithSite {
        action: &name,
        node: with_entry.map(|(_, node)| node),
        fallback: spec.key("with").map_or(spec.pos, scalar_pos),
    };
    schema::check(&site, &with, &action.input_schema, diags);
    credentials::check_with(&name, &with, &action.input_schema, diags);
    let (plugin, action_id, digest) = (uses.plugin, uses.action, action.digest);
    Some(StepKind::Action { plugin, action: action_id, version: action.version, digest, with })
}

/// `needs:`: step ids that must end first.
fn needs(spec: &StepSpec, index: usize, cx: &RefContext<'_>, diags: &mut Vec<Diagnostic>) -> Vec<usize> {
    let Some((key, node)) = spec.get("needs") else {
        return Vec::new();
    };
    let Node::Sequence(seq) = node else {
        let msg = format!("`needs` must be a list of step ids, found {}", kind_name(node));
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help("write e.g. `needs: [review]`"));
        return Vec::new();
    };
    let mut deps = Vec::new();
    for node in seq.iter() {
        if diags.len() >= MAX_DIAGNOSTICS {
            break;
        }
        deps.extend(need(node, index, cx, diags));
    }
    deps
}

fn need(node: &Node, index: usize, cx: &RefContext<'_>, diags: &mut Vec<Diagnostic>) -> Option<usize> {
    let Node::Scalar(id) = node else {
        let msg = format!("`needs` entries must be step ids, found {}", kind_name(node));
        diags.push(Diagnostic::new(super::yaml::node_pos(node), msg));
        return None;
    };
    let name = id.as_str();
    let Some(target) = cx.steps.iter().position(|s| s == name) else {
        let (msg, help) = refs::unknown_step(name, cx);
        diags.push(Diagnostic::new(scalar_pos(id), msg).with_help_opt(help));
        return None;
    };
    if target == index {
        let msg = format!("step `{name}` needs itself");
        diags.push(Diagnostic::new(scalar_pos(id), msg).with_help(format!("remove `{name}` from its own `needs`")));
        return None;
    }
    let problem = match (index >= cx.main, target >= cx.main) {
        (false, true) => {
            Some(format!("step `{}` needs `on_failure` step `{name}`, which is not upstream of it", cx.steps[index]))
        }
        (true, false) => Some(format!("`on_failure` step `{}` needs main step `{name}`", cx.steps[index])),
        _ => None,
    };
    match problem {
        Some(msg) => {
            let help = "`on_failure` steps run after every main step has ended; `needs` orders steps within one list";
            diags.push(Diagnostic::new(scalar_pos(id), msg).with_help(help));
            None
        }
        None => Some(target),
    }
}

/// Checks literal `for_each`, `if` and `wait_until` values, which are known now.
fn check_literals(
    spec: &StepSpec,
    for_each: Option<&Template>,
    condition: Option<&Template>,
    wait_until: Option<&Template>,
    diags: &mut Vec<Diagnostic>,
) {
    let at = |key: &str| spec.get(key).map_or(spec.pos, |(k, n)| value_pos(k, n));
    if let Some(v) = for_each.and_then(Template::as_literal).filter(|v| !v.is_array()) {
        let msg = format!("`for_each` must be a list or a `${{{{ }}}}` expression, found {}", template::json_kind(v));
        diags.push(Diagnostic::new(at("for_each"), msg).with_help("e.g. `for_each: ${{ steps.fetch.output.items }}`"));
    }
    if let Some(v) = condition.and_then(Template::as_literal).filter(|v| !v.is_boolean()) {
        let msg =
            format!("`if` must be `true`, `false` or a `${{{{ }}}}` expression, found {}", template::json_kind(v));
        diags.push(Diagnostic::new(at("if"), msg).with_help("wrap the condition in `${{ }}`"));
    }
    if let Some(v) = wait_until.and_then(Template::as_literal) {
        let ok = v.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
        if !ok {
            let msg = format!(
                "`wait_until` must be an RFC 3339 time or a `${{{{ }}}}` expression, found `{}`",
                value_text(v)
            );
            diags.push(Diagnostic::new(at("wait_until"), msg).with_help("e.g. `2030-01-01T09:00:00+01:00`"));
        }
    }
}

fn value_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

fn action_only(spec: &StepSpec, diags: &mut Vec<Diagnostic>) {
    let kind = ["approval", "wait", "respond"].into_iter().find(|k| spec.key(k).is_some()).unwrap_or("wait");
    for key in ACTION_ONLY.iter().filter_map(|k| spec.key(k)) {
        let msg = format!("`{}` only applies to steps with `uses`, not to `{kind}` steps", key.as_str());
        let help = match (key.as_str(), kind) {
            ("timeout", "approval") => "set `timeout:` inside `approval:`".to_string(),
            _ => format!("remove `{}`", key.as_str()),
        };
        diags.push(Diagnostic::new(scalar_pos(key), msg).with_help(help));
    }
}

fn concurrency(spec: &StepSpec, fans_out: bool, diags: &mut Vec<Diagnostic>) -> Option<u32> {
    let (key, node) = spec.get("concurrency")?;
    if !fans_out && spec.uses.is_some() {
        let msg = "`concurrency` only applies with `for_each`";
        diags.push(Diagnostic::new(scalar_pos(key), msg).with_help(FOR_EACH_HELP));
        return None;
    }
    values::integer(key, node, 1, diags)
}
