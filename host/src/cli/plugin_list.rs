//! `roost plugin list`: every plugin a workspace (or the instance) sees, with its actions,
//! permissions, digest and source (JSON: an array), and every refused plugin on standard
//! error; refusals make it exit 1.

use roost::runtime::registry::Entry;
use serde_json::json;

use super::{EXIT_FAILED, Env};

fn entry_json(e: &Entry) -> serde_json::Value {
    let (p, m) = (&e.plugin, &e.plugin.manifest);
    json!({
        "id": m.id, "version": m.version.to_string(), "digest": p.digest,
        "source": e.source.to_string(), "source_kind": e.source.kind().as_str(),
        "actions": m.actions.iter().map(|a| &a.id).collect::<Vec<_>>(),
        "permissions": {
            "http": m.permissions.http.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "kv": m.permissions.kv,
            "secrets": m.permissions.secrets.keys().collect::<Vec<_>>(),
        },
    })
}

pub async fn list(env: &Env, json: bool, workspace: Option<String>) -> anyhow::Result<u8> {
    env.load_installed().await?;
    let view = env.registry.view(workspace.as_deref());
    let code = if view.refused().is_empty() { 0 } else { EXIT_FAILED };
    for r in view.refused() {
        eprintln!("error: {r}");
    }
    if json {
        let plugins: Vec<_> = view.entries().iter().map(entry_json).collect();
        out!("{}", serde_json::to_string_pretty(&plugins)?);
        return Ok(code);
    }
    for e in view.entries() {
        let m = &e.plugin.manifest;
        let actions: Vec<&str> = m.actions.iter().map(|a| a.id.as_str()).collect();
        out!("{} {}  actions: {}  sha256: {}", m.id, m.version, actions.join(", "), e.plugin.digest);
        out!("    from    {}", e.source);
        for line in roost::runtime::registry::grants::lines(&m.permissions) {
            out!("    {line}");
        }
    }
    Ok(code)
}
