//! `roost validate FILE...`: every problem with its line and column, or `ok FILE`.

use std::path::PathBuf;

use clap::Args;
use roost::workflow;

use super::{EXIT_FAILED, Env};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Workflow files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Check against the plugins this workspace sees (the instance's and its own installs).
    #[arg(long, default_value = "default")]
    workspace: String,
}

pub async fn validate(env: &Env, args: ValidateArgs) -> anyhow::Result<u8> {
    env.load_installed().await?;
    let catalog = env.registry.view(Some(&args.workspace));
    let mut code = 0;
    for file in &args.files {
        let name = file.display().to_string();
        let source = match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: error: cannot read the file: {e}");
                code = EXIT_FAILED;
                continue;
            }
        };
        match workflow::load(&name, &source, &catalog) {
            Ok(_) => out!("ok {name}"),
            Err(diagnostics) => {
                out!("{diagnostics}");
                code = EXIT_FAILED;
            }
        }
    }
    Ok(code)
}
