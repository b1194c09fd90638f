//! `roost runs show RUN`: a recorded run's steps with the plugin version and component
//! digest each used.

use serde_json::json;

use super::{Env, RunOutput};

pub async fn show(env: &Env, run: &str, common: &RunOutput) -> anyhow::Result<u8> {
    let store = env.database().await?;
    let run = store.get_run(run).await?;
    if common.json {
        let steps: Vec<_> = run
            .steps
            .iter()
            .map(|s| {
                json!({ "id": s.step_id, "status": s.outcome(), "plugin": s.plugin, "plugin_version": s.plugin_version,
                    "digest": (!s.digest.is_empty()).then_some(&s.digest), "error": s.error })
            })
            .collect();
        let head = json!({ "run_id": run.id, "workspace": run.workspace, "workflow": run.workflow, "status": run.status, "steps": steps });
        out!("{}", serde_json::to_string_pretty(&head)?);
        return Ok(0);
    }
    out!("run {} {} ({} in workspace {})", run.id, run.status, run.workflow, run.workspace);
    for s in &run.steps {
        let component = match s.digest.as_str() {
            "" => String::new(),
            digest => format!("  sha256:{digest}"),
        };
        out!("  {}: {}  {} {}{component}", s.step_id, s.outcome(), s.plugin, s.plugin_version);
    }
    Ok(0)
}
