//! `approval:` steps: a person approves or rejects, through the CLI or the API, while the
//! run waits as a database row.

use std::time::Duration;

use marked_yaml::Node;

use super::approval_fields::{self, ApprovalField};
use super::diagnostic::Diagnostic;
use super::keys::{APPROVAL, ON_TIMEOUT, ROLES};
use super::refs::{self, RefContext, Site};
use super::spec::{Text, check_keys, entry, expect_mapping, require, value_pos};
use super::template::{self, Template};
use super::values;
use super::yaml::{Source, is_null, kind_name, scalar_pos};

/// Roles that may decide when `approvers` is not given, and the only roles `approvers` may
/// name: the workspace roles whose tokens the service lets decide an approval. A role that
/// cannot decide (`viewer`) would leave the run waiting for the operator alone.
pub const DEFAULT_APPROVERS: [&str; 3] = ["owner", "editor", "approver"];

/// The most people an approval may wait for.
pub const MAX_QUORUM: u32 = 10;

/// A role that exists but may not decide, with why.
const READ_ONLY_ROLE: &str = "viewer";

/// A request for a decision. Its output is `{approved, by, at, comment, fields, changes}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    /// What the approver is asked (rendered when the step starts).
    pub message: Template,
    /// A value shown with the request.
    pub preview: Option<Template>,
    /// Workspace roles that may decide.
    pub approvers: Vec<String>,
    /// How long to wait; `None` waits until someone decides.
    pub timeout: Option<Duration>,
    pub on_timeout: OnTimeout,
    /// Values the approver may edit.
    pub fields: Vec<ApprovalField>,
    /// How many different people must approve; one rejection rejects.
    pub quorum: u32,
}

/// What happens when nobody decides in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTimeout {
    Reject,
    Approve,
    Fail,
}

/// Reads an `approval:` mapping; returns it and the steps its templates read.
pub fn parse(
    key: &Text,
    node: &Node,
    cx: &RefContext<'_>,
    site: Site,
    src: &Source,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Approval, Vec<usize>)> {
    let map = expect_mapping(node, "`approval`", diags)?;
    let typos = check_keys(map, &APPROVAL.names(), diags);
    require(map, scalar_pos(key), &APPROVAL.required(), &typos, diags);
    let mut deps = Vec::new();
    let mut compile = |name: &str, diags: &mut Vec<Diagnostic>| {
        let (_, node) = entry(map, name).filter(|(_, n)| !is_null(n))?;
        let template = template::compile(node, src, diags);
        deps.extend(refs::check(&template, cx, site, diags));
        super::credentials::forbid(&format!("approval.{name}"), &template, diags);
        Some(template)
    };
    let message = compile("message", diags);
    let preview = compile("preview", diags);
    let approvers = entry(map, "approvers")
        .map_or_else(|| DEFAULT_APPROVERS.iter().map(|r| r.to_string()).collect(), |(k, v)| approvers(k, v, diags));
    let timeout = entry(map, "timeout").and_then(|(k, v)| values::positive_duration(k, v, diags));
    let on_timeout = match entry(map, "on_timeout") {
        Some((k, v)) => on_timeout(k, v, timeout.is_some(), diags),
        None => OnTimeout::Reject,
    };
    let fields = match entry(map, "fields").filter(|(_, n)| !is_null(n)) {
        Some((k, v)) => {
            let (fields, reads) = approval_fields::parse(k, v, cx, site, src, diags);
            deps.extend(reads);
            fields
        }
        None => Vec::new(),
    };
    let quorum = entry(map, "quorum").and_then(|(k, v)| values::integer_in(k, v, 1, MAX_QUORUM, diags)).unwrap_or(1);
    Some((Approval { message: message?, preview, approvers, timeout, on_timeout, fields, quorum }, deps))
}

fn approvers(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let Node::Sequence(seq) = node else {
        let msg = format!("`approvers` must be a list of roles, found {}", kind_name(node));
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help("write e.g. `approvers: [approver, editor]`"));
        return Vec::new();
    };
    if seq.is_empty() {
        let msg = "`approvers` must name at least one role";
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help("write e.g. `approvers: [approver, editor]`"));
    }
    let mut roles: Vec<String> = seq.iter().filter_map(|n| role(key, n, diags)).map(str::to_string).collect();
    roles.dedup();
    roles
}

/// One role of `approvers`: one that can decide.
fn role(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<&'static str> {
    if matches!(node, Node::Scalar(s) if s.as_str() == READ_ONLY_ROLE) {
        let msg = format!("`{READ_ONLY_ROLE}` cannot decide approvals, so it cannot be one of the `approvers`");
        let help = "a viewer's token only reads; name `approver`, `editor` or `owner` (an approver token can decide and do nothing else)";
        diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(help));
        return None;
    }
    values::choice(key, node, ROLES, diags)
}

fn on_timeout(key: &Text, node: &Node, has_timeout: bool, diags: &mut Vec<Diagnostic>) -> OnTimeout {
    if !has_timeout {
        let msg = "`on_timeout` needs `timeout`";
        diags.push(Diagnostic::new(scalar_pos(key), msg).with_help("add e.g. `timeout: 48h` to the approval"));
    }
    match values::choice(key, node, ON_TIMEOUT, diags) {
        Some("approve") => OnTimeout::Approve,
        Some("fail") => OnTimeout::Fail,
        _ => OnTimeout::Reject,
    }
}
