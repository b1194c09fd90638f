//! Reading a `respond:` mapping at load time: its templates compiled, and what is
//! already known (a literal status, the header names, literal header values) checked
//! with the same rules the step applies when it renders (see [`respond`](super::respond)).

use marked_yaml::Node;

use super::diagnostic::Diagnostic;
use super::keys::RESPOND;
use super::refs::{self, RefContext, Site};
use super::respond::{self, MAX_RESPOND_HEADERS, Respond};
use super::spec::{Text, check_keys, entry, expect_mapping, value_pos};
use super::template::{self, Template};
use super::yaml::{Source, is_null, kind_name, node_pos, scalar_pos};

const STATUS_HELP: &str = "write a number such as `201`, or a `${{ }}` expression that gives one";
const HEADER_HELP: &str = "a header name is letters, digits and `-`; Roost sets the headers that frame the \
                           message, the connection's own and `set-cookie`";

/// Reads `respond:` (empty: a 200 without a body); returns it and the steps its
/// templates read.
pub fn parse(
    node: &Node,
    cx: &RefContext<'_>,
    site: Site,
    src: &Source,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Respond, Vec<usize>)> {
    if is_null(node) {
        return Some((Respond::default(), Vec::new()));
    }
    let map = expect_mapping(node, "`respond`", diags)?;
    check_keys(map, &RESPOND.names(), diags);
    let mut deps = Vec::new();
    let mut compile = |name: &str, node: &Node, diags: &mut Vec<Diagnostic>| {
        let template = template::compile(node, src, diags);
        deps.extend(refs::check(&template, cx, site, diags));
        super::credentials::forbid(&format!("respond.{name}"), &template, diags);
        template
    };
    let mut answer = Respond::default();
    if let Some((k, v)) = entry(map, "status").filter(|(_, n)| !is_null(n)) {
        answer.status = compile("status", v, diags);
        let problem = answer.status.as_literal().and_then(|s| respond::status_code(s).err());
        if let Some(problem) = problem {
            let msg = format!("`respond.status` {problem}");
            diags.push(Diagnostic::new(value_pos(k, v), msg).with_help(STATUS_HELP));
        }
    }
    if let Some((k, v)) = entry(map, "headers").filter(|(_, n)| !is_null(n)) {
        answer.headers = headers(k, v, diags)
            .into_iter()
            .map(|(name, node)| {
                let field = format!("headers.{name}");
                let template = compile(&field, node, diags);
                check_value(&field, &template, node, diags);
                (name, template)
            })
            .collect();
    }
    if let Some((_, v)) = entry(map, "body").filter(|(_, n)| !is_null(n)) {
        let body = compile("body", v, diags);
        let literal = answer.status.as_literal().and_then(|s| respond::status_code(s).ok()).zip(body.as_literal());
        if let Some(Err(problem)) = literal.map(|(status, body)| respond::body_fits(status, body)) {
            diags.push(Diagnostic::new(node_pos(v), format!("`respond.body` {problem}")));
        }
        answer.body = Some(body);
    }
    Some((answer, deps))
}

/// The headers' names (in lowercase, each checked) with their values' nodes.
fn headers<'a>(key: &Text, node: &'a Node, diags: &mut Vec<Diagnostic>) -> Vec<(String, &'a Node)> {
    let Node::Mapping(map) = node else {
        let msg = format!("`respond.headers` must be a mapping of header names to values, found {}", kind_name(node));
        let help = "write e.g. `headers: { x-request-id: \"${{ trigger.body.id }}\" }`";
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(help));
        return Vec::new();
    };
    if map.len() > MAX_RESPOND_HEADERS {
        let msg = format!("`respond.headers` sets {} headers, more than the limit of {MAX_RESPOND_HEADERS}", map.len());
        diags.push(Diagnostic::new(scalar_pos(key), msg));
        return Vec::new();
    }
    let mut out: Vec<(String, &Node)> = Vec::new();
    for (name, value) in map.iter() {
        match respond::header_name(name.as_str()) {
            Err(problem) => diags.push(Diagnostic::new(scalar_pos(name), problem).with_help(HEADER_HELP)),
            Ok(lower) if out.iter().any(|(n, _)| *n == lower) => {
                let msg = format!("header `{lower}` is set twice (header names ignore case)");
                diags.push(Diagnostic::new(scalar_pos(name), msg).with_help("keep one of them"));
            }
            Ok(lower) => out.push((lower, value)),
        }
    }
    out
}

/// Checks a header's value now when it holds no expression.
fn check_value(field: &str, template: &Template, node: &Node, diags: &mut Vec<Diagnostic>) {
    if let Some(Err(problem)) = template.as_literal().map(respond::header_value) {
        diags.push(Diagnostic::new(node_pos(node), format!("`respond.{field}` {problem}")));
    }
}
