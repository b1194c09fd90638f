//! Checks what expressions refer to (inputs, steps, contexts, functions) and collects the
//! steps each template reads, which become dependencies.

use super::diagnostic::{Diagnostic, MAX_CANDIDATES, Pos, backticked, did_you_mean};
use super::expr::{Expr, Segment};
use super::functions;
use super::inputs::InputDecl;
use super::limits::MAX_DIAGNOSTICS;
use super::template::{Located, Template};

/// Names an expression may start with.
const ROOTS: &[&str] = &["inputs", "steps", "item", "index", "run", "trigger", "vars", "secrets", "failure"];
const RUN_FIELDS: &[&str] = &["id", "started_at", "trigger"];
const TRIGGER_FIELDS: &[&str] = &["kind", "body", "headers", "delivery", "by", "cron", "timezone", "due_at"];
const FAILURE_FIELDS: &[&str] = &["step", "error"];
const STEP_FIELDS: &[&str] = &["output", "status"];

/// What templates may refer to.
pub struct RefContext<'a> {
    pub inputs: &'a [InputDecl],
    /// Every step id: the main steps in file order, then the `on_failure` steps.
    pub steps: &'a [String],
    /// `steps[..main]` are main steps.
    pub main: usize,
    /// Roots (`steps`, `inputs`) whose declaration has an error already reported, such as
    /// a misspelt key: references to them are not checked, so one typo makes one error.
    pub unchecked: &'a [&'a str],
}

/// Where a template is written.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    /// The index of its step in [`RefContext::steps`]; `None` for workflow outputs.
    pub step: Option<usize>,
    /// True inside `with` of a `for_each` step: `item` and `index` are in scope.
    pub item: bool,
}

type Problem = (String, Option<String>);

/// Checks every expression in `template` (until there are [`MAX_DIAGNOSTICS`] errors);
/// returns the indexes of the steps it depends on.
pub fn check(template: &Template, cx: &RefContext<'_>, site: Site, diags: &mut Vec<Diagnostic>) -> Vec<usize> {
    let mut deps = Vec::new();
    for located in template.expressions() {
        if diags.len() >= MAX_DIAGNOSTICS {
            break;
        }
        check_expr(located, cx, site, &mut deps, diags);
    }
    deps.sort_unstable();
    deps.dedup();
    deps
}

fn check_expr(located: &Located, cx: &RefContext<'_>, site: Site, deps: &mut Vec<usize>, diags: &mut Vec<Diagnostic>) {
    let pos = Pos::new(located.line, located.column);
    let mut report = |(msg, help): Problem| diags.push(Diagnostic::new(pos, msg).with_help_opt(help));
    located.expr.visit(&mut |expr| match expr {
        Expr::Path { root, segments } => match check_path(root, segments, cx, site) {
            Ok(Some(dep)) => deps.push(dep),
            Ok(None) => {}
            Err(problem) => report(problem),
        },
        Expr::Call { name, args } => {
            if let Err(problem) = check_call(name, args) {
                report(problem);
            }
        }
        _ => {}
    });
}

fn check_call(name: &str, args: &[Expr]) -> Result<(), Problem> {
    let Some(function) = functions::find(name) else {
        let help = did_you_mean(name, functions::names())
            .unwrap_or_else(|| format!("functions: {}", backticked(&functions::names().collect::<Vec<_>>())));
        return Err((format!("unknown function `{name}`"), Some(help)));
    };
    if args.len() < function.min || args.len() > function.max {
        let expected = match (function.min, function.max) {
            (a, b) if a == b => format!("{a}"),
            (a, b) => format!("{a} to {b}"),
        };
        let msg = format!("`{name}` takes {expected} argument(s), found {}", args.len());
        return Err((msg, Some(format!("write `{}`", function.signature))));
    }
    if name == "format_time" {
        if let Some(Expr::Literal(serde_json::Value::String(format))) = args.get(1) {
            functions::check_format(format).map_err(|e| (e, Some("see chrono's strftime syntax".into())))?;
        }
        if let Some(Expr::Literal(serde_json::Value::String(zone))) = args.get(2) {
            let hint = || Some(super::triggers::zone_hint(zone));
            zone.parse::<chrono_tz::Tz>().map_err(|_| (format!("unknown time zone `{zone}`"), hint()))?;
        }
    }
    Ok(())
}

/// `Ok(Some(i))` when the path reads step `i` and so depends on it.
fn check_path(root: &str, segments: &[Segment], cx: &RefContext<'_>, site: Site) -> Result<Option<usize>, Problem> {
    let in_on_failure = site.step.is_some_and(|i| i >= cx.main);
    match root {
        _ if cx.unchecked.contains(&root) => Ok(None),
        "inputs" => check_input(segments, cx).map(|()| None),
        "steps" => check_step(segments, cx, site),
        "item" | "index" if !site.item => {
            let help = "`item` and `index` exist only in `with` of a step that has `for_each`";
            Err((format!("`{root}` is only available in a `for_each` step"), Some(help.into())))
        }
        "item" | "index" | "vars" => Ok(None),
        "failure" if !in_on_failure => {
            let help = "move this step under `on_failure:`, where `failure.step` and `failure.error` are set";
            Err(("`failure` is only available in `on_failure` steps".to_string(), Some(help.into())))
        }
        "failure" => check_field(root, segments, FAILURE_FIELDS),
        "run" => check_field(root, segments, RUN_FIELDS),
        "trigger" => check_field(root, segments, TRIGGER_FIELDS),
        "secrets" => check_secret(segments),
        _ => Err((
            format!("unknown name `{root}` in expression"),
            did_you_mean(root, ROOTS.iter().copied())
                .or_else(|| Some(format!("expressions start with {}", backticked(ROOTS)))),
        )),
    }
}

fn check_field(root: &str, segments: &[Segment], fields: &[&str]) -> Result<Option<usize>, Problem> {
    match segments.first() {
        None => Ok(None),
        Some(Segment::Key(k)) if fields.contains(&k.as_str()) => Ok(None),
        Some(segment) => {
            let shown = segment.to_string();
            let name = shown.trim_start_matches('.');
            let help = did_you_mean(name, fields.iter().copied())
                .unwrap_or_else(|| format!("`{root}` has {}", backticked(fields)));
            Err((format!("`{root}` has no field `{name}`"), Some(help)))
        }
    }
}

fn check_secret(segments: &[Segment]) -> Result<Option<usize>, Problem> {
    match segments {
        [Segment::Key(_)] => Ok(None),
        [Segment::Key(name), ..] => {
            let help = "a secret is opaque text that only the http capability resolves";
            Err((format!("`secrets.{name}` has no fields"), Some(help.into())))
        }
        _ => Err(("`secrets` must be followed by a secret name".into(), Some("e.g. `secrets.API_TOKEN`".into()))),
    }
}

fn check_input(segments: &[Segment], cx: &RefContext<'_>) -> Result<(), Problem> {
    let names: Vec<&str> = cx.inputs.iter().map(|i| i.name.as_str()).collect();
    let Some(Segment::Key(name)) = segments.first() else {
        let help = names.first().map(|n| format!("e.g. `inputs.{n}`"));
        return Err(("`inputs` must be followed by an input name".to_string(), help));
    };
    if names.contains(&name.as_str()) {
        return Ok(());
    }
    let help = did_you_mean(name, names.iter().copied().take(MAX_CANDIDATES)).or_else(|| {
        Some(match names.as_slice() {
            [] => "declare it under `inputs:` at the top of the workflow".to_string(),
            _ => format!("declared inputs: {}", backticked(&names)),
        })
    });
    Err((format!("unknown input `{name}`"), help))
}

fn check_step(segments: &[Segment], cx: &RefContext<'_>, site: Site) -> Result<Option<usize>, Problem> {
    let Some(Segment::Key(id)) = segments.first() else {
        let help = Some("e.g. `steps.my-step.output`".to_string());
        return Err(("`steps` must be followed by a step id".to_string(), help));
    };
    let index = cx.steps.iter().position(|s| s == id).ok_or_else(|| unknown_step(id, cx))?;
    let edge = downstream(id, index, cx, site)?;
    match segments.get(1) {
        Some(Segment::Key(k)) if STEP_FIELDS.contains(&k.as_str()) => Ok(edge.then_some(index)),
        Some(Segment::Key(k)) => Err((
            format!("step `{id}` has no field `{k}`"),
            Some(format!("a step's result is `steps.{id}.output` and its status `steps.{id}.status`")),
        )),
        _ => Err((
            format!("`steps.{id}` must be followed by `.output`"),
            Some(format!("write `steps.{id}.output` or `steps.{id}.status`")),
        )),
    }
}

pub fn unknown_step(id: &str, cx: &RefContext<'_>) -> Problem {
    let ids = cx.steps.iter().map(String::as_str).take(MAX_CANDIDATES);
    let listed = (!cx.steps.is_empty()).then(|| format!("steps in this workflow: {}", backticked(cx.steps)));
    let help = did_you_mean(id, ids).or(listed);
    (format!("unknown step `{id}`"), help)
}

/// Whether a reference from `site` to step `index` is allowed, and if so whether it
/// makes a dependency (`true`) or reads a step that has already ended (`false`).
fn downstream(id: &str, index: usize, cx: &RefContext<'_>, site: Site) -> Result<bool, Problem> {
    let target_on_failure = index >= cx.main;
    match site.step {
        Some(current) if current == index => {
            let help = "a step can only use the results of other steps";
            Err((format!("step `{id}` refers to its own output"), Some(help.into())))
        }
        Some(current) if current >= cx.main => Ok(target_on_failure),
        Some(current) if target_on_failure => {
            let me = &cx.steps[current];
            let help = "`on_failure` steps run only after the run failed, so no main step is downstream of them";
            Err((
                format!("step `{me}` refers to `on_failure` step `{id}`, which is not upstream of it"),
                Some(help.into()),
            ))
        }
        None if target_on_failure => {
            let help = "workflow outputs are computed when the main steps succeed; `on_failure` steps have not run";
            Err((format!("workflow outputs refer to `on_failure` step `{id}`"), Some(help.into())))
        }
        _ => Ok(true),
    }
}
