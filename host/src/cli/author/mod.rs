//! What a plugin author runs: `roost plugin new`, `build`, `run` and `test`.
//!
//! `new` writes a plugin that builds, tests and runs as it is; `build` writes the schemas
//! the Rust types generate into `plugin.toml`, compiles the component and checks it with
//! the host's own loader; `run` and `test` call it in the real sandbox.

mod build;
mod fixtures;
mod sandbox;
mod scaffold;
mod schemas;

use std::path::PathBuf;

use clap::Subcommand;

use super::Env;

#[derive(Debug, Subcommand)]
pub enum AuthorCommand {
    /// Write a new plugin: crate, manifest, one action with tests, fixtures, an example workflow.
    New(scaffold::NewArgs),
    /// Write the schemas from the Rust types into plugin.toml, build the component and check it.
    Build(build::BuildArgs),
    /// Run one action of a plugin in the sandbox and show its output, logs, time and memory.
    Run(sandbox::RunArgs),
    /// Replay the plugin's tests/fixtures/*.json in the sandbox.
    Test {
        /// The plugin's folder (plugin.toml and its built component).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

pub async fn author(env: &Env, cmd: AuthorCommand) -> anyhow::Result<u8> {
    match cmd {
        AuthorCommand::New(args) => scaffold::new(args),
        AuthorCommand::Build(args) => build::build(env, args),
        AuthorCommand::Run(args) => sandbox::run(env, args).await,
        AuthorCommand::Test { dir } => fixtures::test(env, &dir).await,
    }
}
