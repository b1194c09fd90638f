//! Checks what expressions refer to: declared inputs, and steps that run earlier.

use super::diagnostic::{Diagnostic, Pos, backticked, did_you_mean};
use super::expr::Segment;
use super::inputs::InputDecl;
use super::template::{Located, Template};

/// Roots an expression may start with in this version.
const ROOTS: [&str; 2] = ["inputs", "steps"];

/// What a template may refer to.
pub struct RefContext<'a> {
    pub inputs: &'a [InputDecl],
    /// Every step id in file order.
    pub steps: &'a [String],
    /// The index of the step whose template this is; `None` for workflow outputs,
    /// which run after every step.
    pub current: Option<usize>,
}

/// Checks every expression in `template`; returns the ids of steps it reads, in file order.
pub fn check(template: &Template, cx: &RefContext<'_>, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut needs = Vec::new();
    for located in template.expressions() {
        located.expr.visit_paths(&mut |root, segments| match check_path(root, segments, cx) {
            Ok(Some(index)) => needs.push(index),
            Ok(None) => {}
            Err((msg, help)) => diags.push(at(located).message(msg, help)),
        });
    }
    needs.sort_unstable();
    needs.dedup();
    needs.into_iter().map(|i| cx.steps[i].clone()).collect()
}

struct At(Pos);

impl At {
    fn message(self, msg: String, help: Option<String>) -> Diagnostic {
        Diagnostic::new(self.0, msg).with_help_opt(help)
    }
}

fn at(located: &Located) -> At {
    At(Pos::new(located.line, located.column))
}

type Problem = (String, Option<String>);

/// `Ok(Some(i))` when the path reads step `i`.
fn check_path(root: &str, segments: &[Segment], cx: &RefContext<'_>) -> Result<Option<usize>, Problem> {
    match root {
        "inputs" => check_input(segments, cx).map(|()| None),
        "steps" => check_step(segments, cx).map(Some),
        _ => Err((
            format!("unknown name `{root}` in expression"),
            did_you_mean(root, ROOTS).or_else(|| Some("expressions start with `inputs` or `steps`".to_string())),
        )),
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
    let help = did_you_mean(name, names.iter().copied()).or_else(|| {
        Some(match names.as_slice() {
            [] => "declare it under `inputs:` at the top of the workflow".to_string(),
            _ => format!("declared inputs: {}", backticked(&names)),
        })
    });
    Err((format!("unknown input `{name}`"), help))
}

fn check_step(segments: &[Segment], cx: &RefContext<'_>) -> Result<usize, Problem> {
    let Some(Segment::Key(id)) = segments.first() else {
        let help = Some("e.g. `steps.my-step.output`".to_string());
        return Err(("`steps` must be followed by a step id".to_string(), help));
    };
    let index = cx.steps.iter().position(|s| s == id).ok_or_else(|| unknown_step(id, cx))?;
    check_order(id, index, cx)?;
    match segments.get(1) {
        Some(Segment::Key(k)) if k == "output" => Ok(index),
        Some(Segment::Key(k)) => {
            Err((format!("step `{id}` has no field `{k}`"), Some(format!("a step's result is `steps.{id}.output`"))))
        }
        _ => Err((format!("`steps.{id}` must be followed by `.output`"), Some(format!("write `steps.{id}.output`")))),
    }
}

fn unknown_step(id: &str, cx: &RefContext<'_>) -> Problem {
    let ids = cx.steps.iter().map(String::as_str);
    let help = did_you_mean(id, ids).or_else(|| Some(format!("steps in this workflow: {}", backticked(cx.steps))));
    (format!("unknown step `{id}`"), help)
}

fn check_order(id: &str, index: usize, cx: &RefContext<'_>) -> Result<(), Problem> {
    let Some(current) = cx.current else {
        return Ok(());
    };
    let me = &cx.steps[current];
    if index == current {
        let help = "a step can only use the outputs of steps before it";
        return Err((format!("step `{id}` refers to its own output"), Some(help.into())));
    }
    if index > current {
        let help = format!("steps run in file order; move `{id}` before `{me}`");
        return Err((format!("step `{me}` refers to step `{id}`, which runs later"), Some(help)));
    }
    Ok(())
}
