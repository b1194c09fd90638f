//! `roost run FILE`: one run of a workflow, recorded, with an exit code that means something.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use roost::config::secrets_from_env;
use roost::engine::{Executor, RunOptions, RunReport};
use roost::store::Store;
use roost::workflow;

use super::{EXIT_FAILED, EXIT_USAGE, Env};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workflow file.
    file: PathBuf,
    /// An input value, NAME=VALUE (repeatable).
    #[arg(long = "input", short = 'i', value_name = "NAME=VALUE", value_parser = parse_pair)]
    inputs: Vec<(String, String)>,
    /// Database URL: sqlite://PATH, sqlite::memory: or postgres://... (default: a SQLite file in the data directory).
    #[arg(long)]
    db: Option<String>,
    /// The workspace the run belongs to.
    #[arg(long, default_value = "default")]
    workspace: String,
    /// Print one JSON object: {"run_id", "status", "steps", "outputs"}.
    #[arg(long)]
    json: bool,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

pub async fn run(env: &Env, args: RunArgs) -> anyhow::Result<u8> {
    let name = args.file.display().to_string();
    let source = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {name}"))?;
    let plan = match workflow::load(&name, &source, &env.registry) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return Ok(EXIT_USAGE);
        }
    };
    let inputs = match plan.bind_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            return Ok(EXIT_USAGE);
        }
    };
    let url = args.db.clone().unwrap_or_else(|| env.config.db_url());
    let store = Store::connect(&url).await.with_context(|| format!("cannot open the database {url}"))?;
    let secrets = secrets_from_env(std::env::vars()).map_err(anyhow::Error::msg)?;
    let options = RunOptions { workspace: args.workspace.clone(), secrets };
    let executor = Executor { runtime: &env.runtime, registry: &env.registry, store: Some(&store) };
    let report = executor.run(&plan, inputs, &options).await.context("failed to record the run")?;
    store.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(if report.status == "succeeded" { 0 } else { EXIT_FAILED })
}

fn print_human(report: &RunReport) {
    println!("run {} {}", report.run_id, report.status);
    for (id, step) in &report.steps {
        match &step.error {
            Some(e) => println!("  {id}: {}: {e}", step.status),
            None => println!("  {id}: {}", step.status),
        }
    }
    if report.status == "succeeded" {
        println!("outputs: {}", serde_json::to_string_pretty(&report.outputs).unwrap_or_default());
    }
}
