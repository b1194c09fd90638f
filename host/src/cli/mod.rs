//! Command-line arguments and the set-up every command shares.

mod plugin;
mod run;
mod validate;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use roost::config::Config;
use roost::runtime::registry::Registry;
use roost::runtime::{Runtime, RuntimeConfig};

/// Exit code of a run that failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of a usage, configuration or workflow error.
pub const EXIT_USAGE: u8 = 2;

/// Roost runs social-media workflows whose steps are sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "roost", version, about)]
pub struct Cli {
    /// Configuration file (default: ./roost.toml if present).
    #[arg(long, global = true, env = "ROOST_CONFIG")]
    config: Option<PathBuf>,
    /// Extra plugin folders (each subfolder holds plugin.toml and a .wasm component).
    #[arg(long = "plugins", global = true, value_name = "DIR")]
    plugin_dirs: Vec<PathBuf>,
    /// Log filter, e.g. `info` or `roost=debug` (also RUST_LOG).
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a workflow once and record it in the database.
    Run(run::RunArgs),
    /// Check workflow files and report every problem with its line and column.
    Validate(validate::ValidateArgs),
    /// Inspect installed plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
}

pub fn init_tracing(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

pub async fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
    let env = Env::new(config, &cli.plugin_dirs)?;
    match cli.command {
        Command::Run(args) => run::run(&env, args).await,
        Command::Validate(args) => validate::validate(&env, args),
        Command::Plugin(cmd) => plugin::plugin(&env, cmd),
    }
}

/// What the commands share: configuration, the wasm runtime and the installed plugins.
pub struct Env {
    pub config: Config,
    pub runtime: Runtime,
    pub registry: Registry,
}

impl Env {
    fn new(config: Config, plugin_dirs: &[PathBuf]) -> anyhow::Result<Self> {
        let data_dir = config.data_dir();
        let runtime = Runtime::new(RuntimeConfig {
            cache_dir: Some(data_dir.join("cache")),
            net: config.net_policy(),
            ..RuntimeConfig::default()
        })?;
        let mut registry = Registry::with_builtins(&runtime).context("failed to load the first-party plugins")?;
        let installed = data_dir.join("plugins");
        let dirs = plugin_dirs.iter().cloned().chain(installed.is_dir().then_some(installed));
        for dir in dirs {
            let refused = registry
                .load_dir(&runtime, &dir)
                .with_context(|| format!("failed to read plugin folder {}", dir.display()))?;
            for e in refused {
                eprintln!("warning: plugin refused: {e}");
            }
        }
        Ok(Self { config, runtime, registry })
    }
}
