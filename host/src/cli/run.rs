//! `roost run FILE` and `roost run --resume RUN`: a run worked until it ends or waits.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use roost::engine::{Engine, Progress, report};
use roost::workflow;

use super::{EXIT_FAILED, EXIT_USAGE, EXIT_WAITING, Env};

/// Timers due within this long are waited for in the process; later ones end it with code 3.
const PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workflow file.
    #[arg(required_unless_present = "resume")]
    file: Option<PathBuf>,
    /// Continue run RUN where it stopped (after a crash, a timer or an approval).
    #[arg(long, value_name = "RUN", conflicts_with = "file")]
    resume: Option<String>,
    /// An input value, NAME=VALUE (repeatable).
    #[arg(long = "input", short = 'i', value_name = "NAME=VALUE", value_parser = parse_pair)]
    inputs: Vec<(String, String)>,
    #[command(flatten)]
    pub common: super::RunOutput,
    /// The workspace the run belongs to.
    #[arg(long, default_value = "default")]
    workspace: String,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

pub async fn run(env: &Env, args: RunArgs) -> anyhow::Result<u8> {
    let engine = env.engine().await?;
    let run_id = match (&args.resume, &args.file) {
        (Some(run_id), _) => run_id.clone(),
        (None, Some(file)) => match start(env, &engine, file, &args).await? {
            Ok(run_id) => run_id,
            Err(code) => return Ok(code),
        },
        (None, None) => unreachable!("clap requires FILE or --resume"),
    };
    finish(&engine, &run_id, args.common.json).await
}

/// Loads, checks and starts the workflow in `file`; `Err(code)` after printing why not.
async fn start(env: &Env, engine: &Engine, file: &PathBuf, args: &RunArgs) -> anyhow::Result<Result<String, u8>> {
    let name = file.display().to_string();
    let source = std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
    let plan = match workflow::load(&name, &source, &env.registry.view(Some(&args.workspace))) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(Err(EXIT_USAGE));
        }
    };
    let inputs = match plan.bind_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            return Ok(Err(EXIT_USAGE));
        }
    };
    let run_id = engine.start(&plan, &name, &source, inputs, &args.workspace, "cli").await?;
    Ok(Ok(run_id))
}

/// Drives `run_id` until it ends or waits, prints it, and returns the exit code.
pub async fn finish(engine: &Engine, run_id: &str, json: bool) -> anyhow::Result<u8> {
    let progress = engine.drive(run_id, PATIENCE).await?;
    let report = report(engine.store(), run_id).await?;
    engine.store().close().await;
    engine.tracer().flush().await;
    if json {
        let mut value = serde_json::to_value(&report)?;
        if let Progress::Waiting { approvals, until } = &progress {
            value["waiting"] = serde_json::json!({ "approvals": approvals, "until": until.and_then(chrono::DateTime::from_timestamp_millis) });
        }
        out!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        super::print_report(&report, &progress);
    }
    Ok(match (&progress, report.status.as_str()) {
        (Progress::Waiting { .. } | Progress::Queued, _) => EXIT_WAITING,
        (_, "succeeded") => 0,
        _ => EXIT_FAILED,
    })
}
