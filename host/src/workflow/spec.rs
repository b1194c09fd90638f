//! The raw workflow spec: what the user wrote, with source positions, read from YAML nodes.
//!
//! This stage checks only shape (known keys, required keys, value kinds); meaning is
//! checked when the spec becomes a [`Plan`](super::Plan). A new key is one entry in a
//! table in [`keys`](super::keys) and one field read where its value is used.

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use super::diagnostic::{Diagnostic, Pos, backticked, nearest};
use super::keys::{INPUT, STEP, WORKFLOW};
use super::yaml::{self, is_null, kind_name, node_pos, scalar_pos};

/// A scalar as written (text plus position).
pub type Text = MarkedScalarNode;

/// A whole workflow file.
#[derive(Debug, Clone)]
pub struct WorkflowSpec {
    pub name: Option<Text>,
    pub description: Option<Text>,
    pub inputs: Vec<InputSpec>,
    /// `None` when `steps` is missing or not a list (already reported).
    pub steps: Option<Vec<StepSpec>>,
    pub on_failure: Vec<StepSpec>,
    pub outputs: Vec<(Text, Node)>,
    /// `on`, `concurrency` and `defaults`, read by their own modules.
    pub on: Option<(Text, Node)>,
    pub concurrency: Option<(Text, Node)>,
    pub defaults: Option<(Text, Node)>,
    /// Missing keys an unknown key was suggested as (`setps` for `steps`): already
    /// reported, so what refers to them is not reported again.
    pub misspelt: Vec<&'static str>,
}

impl WorkflowSpec {
    fn empty() -> Self {
        WorkflowSpec {
            name: None,
            description: None,
            inputs: Vec::new(),
            steps: None,
            on_failure: Vec::new(),
            outputs: Vec::new(),
            on: None,
            concurrency: None,
            defaults: None,
            misspelt: Vec::new(),
        }
    }
}

/// One entry of `inputs`.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub name: Text,
    pub ty: Option<Text>,
    pub default: Option<Node>,
    pub description: Option<Text>,
}

/// One entry of `steps` or `on_failure`: its id and `uses` (read here) and the mapping
/// for the other keys, which [`step`](super::step) reads.
#[derive(Debug, Clone)]
pub struct StepSpec {
    pub pos: Pos,
    pub id: Option<Text>,
    pub uses: Option<Text>,
    pub fields: MarkedMappingNode,
}

impl StepSpec {
    /// A key (for positions) and its value, if present and not empty.
    pub fn get(&self, key: &str) -> Option<(&Text, &Node)> {
        entry(&self.fields, key).filter(|(_, n)| !is_null(n))
    }

    /// The key itself, present or not empty.
    pub fn key(&self, key: &str) -> Option<&Text> {
        entry(&self.fields, key).map(|(k, _)| k)
    }
}

/// Reads the top-level node; shape errors go to `diags`.
pub fn parse(root: &Node, diags: &mut Vec<Diagnostic>) -> WorkflowSpec {
    // An empty document's mapping is marked at its end; report at the top instead.
    let empty = root.as_mapping().is_some_and(|m| m.is_empty());
    let pos = if empty { Pos::START } else { node_pos(root) };
    let Some(map) = expect_mapping(root, "a workflow", diags) else {
        return WorkflowSpec::empty();
    };
    let typos = check_keys(map, &WORKFLOW.names(), diags);
    let steps = entry(map, "steps").and_then(|(k, n)| parse_steps(k, n, true, diags));
    let on_failure = entry(map, "on_failure").filter(|(_, n)| !is_null(n));
    let on_failure = on_failure.and_then(|(k, n)| parse_steps(k, n, false, diags)).unwrap_or_default();
    require(map, pos, &WORKFLOW.required(), &typos, diags);
    let raw = |key: &str| entry(map, key).filter(|(_, n)| !is_null(n)).map(|(k, n)| (k.clone(), n.clone()));
    WorkflowSpec {
        name: text_field(map, "name", diags),
        description: text_field(map, "description", diags),
        inputs: parse_inputs(map, diags),
        steps,
        on_failure,
        outputs: entries(map, "outputs", diags),
        on: raw("on"),
        concurrency: raw("concurrency"),
        defaults: raw("defaults"),
        misspelt: typos.into_iter().filter(|k| map.get_node(k).is_none()).collect(),
    }
}

fn parse_inputs(map: &MarkedMappingNode, diags: &mut Vec<Diagnostic>) -> Vec<InputSpec> {
    let mut inputs = Vec::new();
    for (name, node) in entries(map, "inputs", diags) {
        let what = format!("input `{}`", name.as_str());
        let Some(fields) = expect_mapping(&node, &what, diags) else {
            continue;
        };
        check_keys(fields, &INPUT.names(), diags);
        inputs.push(InputSpec {
            ty: text_field(fields, "type", diags),
            default: fields.get_node("default").cloned(),
            description: text_field(fields, "description", diags),
            name,
        });
    }
    inputs
}

fn parse_steps(key: &Text, node: &Node, need_one: bool, diags: &mut Vec<Diagnostic>) -> Option<Vec<StepSpec>> {
    let name = key.as_str();
    let Node::Sequence(seq) = node else {
        let msg = format!("`{name}` must be a list of steps, found {}", kind_name(node));
        let help = format!("write each step as `- id: my-step` on its own line below `{name}:`");
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(help));
        return None;
    };
    if seq.is_empty() && need_one {
        let msg = format!("`{name}` must list at least one step");
        diags.push(Diagnostic::new(value_pos(key, node), msg));
    }
    Some(seq.iter().filter_map(|n| parse_step(n, diags)).collect())
}

fn parse_step(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<StepSpec> {
    let map = expect_mapping(node, "a step", diags)?;
    let pos = node_pos(node);
    let typos = check_keys(map, &STEP.names(), diags);
    require(map, pos, &STEP.required(), &typos, diags);
    check_one_of(map, pos, &typos, diags);
    Some(StepSpec { pos, id: text_field(map, "id", diags), uses: text_field(map, "uses", diags), fields: map.clone() })
}

/// Exactly one of `uses`, `approval`, `wait` and `respond`.
fn check_one_of(map: &MarkedMappingNode, pos: Pos, typos: &[&str], diags: &mut Vec<Diagnostic>) {
    let present: Vec<&Text> = map.keys().filter(|k| STEP.one_of.contains(&k.as_str())).collect();
    match present.as_slice() {
        [] if !typos.iter().any(|t| STEP.one_of.contains(t)) => {
            let help = "add `uses: plugin/action@version`, or `approval:`, `wait:` or `respond:`";
            diags.push(Diagnostic::new(pos, "missing required key `uses`").with_help(help));
        }
        [first, rest @ ..] => {
            for other in rest {
                let msg = format!("`{}` cannot be combined with `{}`", other.as_str(), first.as_str());
                let help = "a step runs an action (`uses`), asks for an approval (`approval`), waits (`wait`) \
                            or answers the webhook (`respond`); split it into two steps and order them with `needs`";
                diags.push(Diagnostic::new(scalar_pos(other), msg).with_help(help));
            }
        }
        [] => {}
    }
}

pub fn entry<'a>(map: &'a MarkedMappingNode, key: &str) -> Option<(&'a Text, &'a Node)> {
    map.iter().find(|(k, _)| k.as_str() == key)
}

/// Where to report a value: empty values have no position of their own, so use the key.
pub fn value_pos(key: &Text, node: &Node) -> Pos {
    if is_null(node) { scalar_pos(key) } else { node_pos(node) }
}

/// Reports keys not in `known`, suggesting the nearest known key; returns the suggestions.
pub fn check_keys(map: &MarkedMappingNode, known: &[&'static str], diags: &mut Vec<Diagnostic>) -> Vec<&'static str> {
    let mut suggested = Vec::new();
    for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
        let nearest = nearest(key.as_str(), known.iter().copied());
        suggested.extend(nearest);
        let help = nearest
            .map_or_else(|| format!("expected one of {}", backticked(known)), |k| format!("did you mean `{k}`?"));
        let msg = format!("unknown key `{}`", key.as_str());
        diags.push(Diagnostic::new(scalar_pos(key), msg).with_help(help));
    }
    suggested
}

/// Reports missing required keys, except those an unknown key was already suggested as.
pub fn require(
    map: &MarkedMappingNode,
    at: Pos,
    required: &[(&str, &str)],
    typos: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    for (key, help) in required {
        if map.get_node(key).is_none() && !typos.contains(key) {
            let msg = format!("missing required key `{key}`");
            diags.push(Diagnostic::new(at, msg).with_help(*help));
        }
    }
}

/// The value of a key that must be a non-empty scalar, if present and well-formed.
pub fn text_field(map: &MarkedMappingNode, key: &str, diags: &mut Vec<Diagnostic>) -> Option<Text> {
    let (k, node) = entry(map, key)?;
    match node {
        _ if is_null(node) => {
            let msg = format!("missing value for `{key}`");
            diags.push(Diagnostic::new(scalar_pos(k), msg));
            None
        }
        Node::Scalar(s) => Some(s.clone()),
        _ => {
            let msg = format!("`{key}` must be a string, found {}", kind_name(node));
            diags.push(Diagnostic::new(node_pos(node), msg));
            None
        }
    }
}

/// The entries of an optional `name: value` mapping under `key`.
fn entries(map: &MarkedMappingNode, key: &str, diags: &mut Vec<Diagnostic>) -> Vec<(Text, Node)> {
    let Some((k, node)) = entry(map, key).filter(|(_, n)| !is_null(n)) else {
        return Vec::new();
    };
    match node {
        Node::Mapping(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => {
            let msg = format!("`{key}` must be a mapping of names, found {}", kind_name(node));
            let help = format!("write `{key}:` followed by indented `name: ...` entries");
            diags.push(Diagnostic::new(value_pos(k, node), msg).with_help(help));
            Vec::new()
        }
    }
}

pub fn expect_mapping<'a>(node: &'a Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'a MarkedMappingNode> {
    match node {
        Node::Mapping(m) => Some(m),
        _ => {
            let msg = format!("{what} must be a mapping, found {}", kind_name(node));
            diags.push(Diagnostic::new(node_pos(node), msg).with_help(mapping_help(what)));
            None
        }
    }
}

fn mapping_help(what: &str) -> &'static str {
    match what {
        "a step" => "write a step as `- id: my-step` with `uses: plugin/action@version` below",
        "a workflow" => "start the file with `name: my-workflow` and `steps:`",
        "a schedule" => "write it as `- cron: \"0 9 * * *\"` with an optional `timezone:`",
        "`retry`" => "write it as `{ max_attempts: 3, backoff: exponential, initial_delay: 1s }`",
        "`approval`" => "write it as `{ message: \"Publish?\", approvers: [editor] }`",
        "`on`" => "write it as `{ manual: true }` or with `schedule:` and `webhook:` below",
        "`concurrency`" => "write it as `{ limit: 1, on_busy: queue }`",
        "`defaults`" => "write it as `{ timeout: 30s, retry: { max_attempts: 3 } }`",
        "`webhook`" => "write it as `{ secret: WEBHOOK_KEY }`",
        "`respond`" => "write it as `{ status: 201, body: \"${{ steps.score.output }}\" }`",
        _ => "write it as `{ type: string, description: ... }`",
    }
}

/// The JSON value of a node, for places that take plain values (such as defaults).
pub fn value(node: &Node) -> serde_json::Value {
    yaml::to_json(node)
}
