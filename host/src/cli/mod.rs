//! Command-line arguments and the set-up every command shares.

/// `println!` for command output: a reader that went away (`roost run ... | head`) ends
/// the command quietly, as a closed pipe ends other command-line tools, instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::say(format_args!($($arg)*))
    };
}

mod approvals;
mod author;
mod install;
mod plugin;
mod plugin_list;
mod publishing;
mod registry;
mod run;
mod runs;
mod runs_show;
mod secret;
mod serve;
mod token;
mod user;
mod validate;
mod workspace;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use roost::config::{Config, secrets_from_env};
use roost::engine::{Engine, Progress, RunReport};
use roost::runtime::Runtime;
use roost::runtime::registry::Registry;
use roost::store::Store;

/// Exit code of a run that failed or was rejected.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of a usage, configuration or workflow error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a run that waits for an approval or a timer.
pub const EXIT_WAITING: u8 = 3;

/// Roost runs social-media workflows whose steps are sandboxed WebAssembly plugins.
#[derive(Debug, Parser)]
#[command(name = "roost", version, about)]
pub struct Cli {
    /// Configuration file (default: ./roost.toml if present).
    #[arg(long, global = true, env = "ROOST_CONFIG")]
    config: Option<PathBuf>,
    /// Extra plugins: a plugin folder (plugin.toml and a .wasm component), or a folder of them.
    #[arg(long = "plugins", global = true, value_name = "DIR")]
    plugin_dirs: Vec<PathBuf>,
    /// Log filter, e.g. `info` or `roost=debug` (also RUST_LOG).
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    /// Log lines as `text` or `json` (one object per line).
    #[arg(long, global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Data directory: database, master key, operator token, compiled-plugin cache
    /// (default: `roost` in the user's data directory, e.g. ~/.local/share/roost).
    #[arg(long, global = true, env = "ROOST_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH, sqlite::memory: or postgres://... (default: roost.db in the data directory).
    #[arg(long, global = true, env = "ROOST_DB", value_name = "URL")]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI and REST API, fire schedules and webhooks, and work runs.
    Serve(serve::ServeArgs),
    /// Drive runs only (`serve --role worker`), beside API processes on one PostgreSQL.
    Worker(serve::WorkerArgs),
    /// Run a workflow (or resume a run) until it ends or waits; the run is recorded.
    Run(run::RunArgs),
    /// Check workflow files and report every problem with its line and column.
    Validate(validate::ValidateArgs),
    /// List approvals waiting for a decision.
    #[command(subcommand)]
    Approvals(approvals::ApprovalsCommand),
    /// Approve (or `--reject`) a waiting approval and continue its run.
    Approve(approvals::ApproveArgs),
    /// List, install, upgrade or remove plugins; create, build, run and test one; publish,
    /// pull, sign and verify them in OCI registries.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Set, list or delete a workspace's secrets, each bound to the hosts it may be sent to.
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Show a recorded run, delete a finished one, or prune history past its retention.
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Accounts: create, list, set a password, make an admin.
    #[command(subcommand)]
    User(user::UserCommand),
    /// API tokens of a workspace or a person: create, list, revoke.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Workspaces of the local database: list, create, delete with everything they hold.
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
    /// A workspace's crisis stop: stop every publish at once, see what it holds, resume.
    #[command(subcommand)]
    Publishing(publishing::PublishingCommand),
}

/// How runs are printed.
#[derive(Debug, Args)]
pub struct RunOutput {
    /// Print JSON: for a run, {"run_id", "status", "steps", "outputs"}.
    #[arg(long)]
    pub json: bool,
}

pub fn init_tracing(cli: &Cli) {
    // `roost serve` tells what it does at `info`; the one-shot commands stay quiet.
    let default = match (&cli.command, cli.log.as_str()) {
        (Command::Serve(_) | Command::Worker(_), "warn") => "info",
        (_, level) => level,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only for a person at a terminal, never into a file or a pipe.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if cli.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    let mut config = Config::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
    // The command line overrides the configuration file, for every command alike.
    if let Some(dir) = &cli.data_dir {
        config.data_dir = Some(dir.clone());
    }
    if let Some(db) = &cli.db {
        config.db = Some(db.clone());
    }
    // `plugin list` reports refusals as errors itself.
    let warn_refused = !matches!(cli.command, Command::Plugin(plugin::PluginCommand::List { .. }));
    let env = Env::new(config, &cli.plugin_dirs, warn_refused)?;
    match cli.command {
        Command::Serve(args) => serve::serve(&env, args).await,
        Command::Worker(args) => serve::serve(&env, args.into()).await,
        Command::Run(args) => run::run(&env, args).await,
        Command::Validate(args) => validate::validate(&env, args).await,
        Command::Approvals(cmd) => approvals::list(&env, cmd).await,
        Command::Approve(args) => approvals::approve(&env, args).await,
        Command::Plugin(cmd) => plugin::plugin(&env, cmd).await,
        Command::Secret(cmd) => secret::secret(&env, cmd).await,
        Command::Runs(cmd) => runs::runs(&env, cmd).await,
        Command::User(cmd) => user::user(&env, cmd).await,
        Command::Token(cmd) => token::token(&env, cmd).await,
        Command::Workspace(cmd) => workspace::workspace(&env, cmd).await,
        Command::Publishing(cmd) => publishing::publishing(&env, cmd).await,
    }
}

/// What the commands share: configuration, the wasm runtime and the installed plugins.
pub struct Env {
    pub config: Config,
    pub runtime: Arc<Runtime>,
    pub registry: Arc<Registry>,
}

impl Env {
    fn new(config: Config, plugin_dirs: &[PathBuf], warn_refused: bool) -> anyhow::Result<Self> {
        let tracer = roost::telemetry::Tracer::start(&config.telemetry).map_err(anyhow::Error::msg)?;
        let runtime = Runtime::new(config.runtime())?.with_tracer(tracer).with_compile_notice(|plugin, version| {
            eprintln!("compiling plugin {plugin} {version} (first run, cached afterwards)");
        });
        let mut registry = Registry::with_builtins(&runtime)
            .context("failed to load the first-party plugins")?
            .with_prefer(config.plugins.clone());
        for dir in plugin_dirs {
            if registry.load_dir(&runtime, dir)? == 0 {
                eprintln!(
                    "warning: --plugins {} holds no plugin: give a folder holding plugin.toml and its .wasm, \
                     or a folder of such folders",
                    dir.display()
                );
            }
        }
        let installed = config.data_dir().join("plugins");
        if installed.is_dir() {
            registry.load_dir(&runtime, &installed)?;
        }
        for refusal in registry.refused().iter().filter(|_| warn_refused) {
            eprintln!("warning: {refusal}");
        }
        for w in registry.view(None).widenings() {
            let m = &w.entry.plugin.manifest;
            eprintln!(
                "warning: {} {} ({}) asks for more than {} {}: {}; `uses: {}/...` without `@{}` keeps {}",
                m.id,
                m.version,
                w.entry.source,
                m.id,
                w.below,
                w.diff.added.join(", "),
                m.id,
                m.version,
                w.below
            );
        }
        Ok(Self { config, runtime: Arc::new(runtime), registry: Arc::new(registry) })
    }

    /// The configured database (`--db`, or `roost.db` in the data directory).
    pub async fn database(&self) -> anyhow::Result<Store> {
        let url = self.config.db_url();
        Store::connect(&url).await.with_context(|| format!("cannot open the database {url}"))
    }

    /// The configured database, its installs loaded into the registry.
    pub async fn store(&self) -> anyhow::Result<Store> {
        let store = self.database().await?;
        roost::install::sync(&self.registry, &self.runtime, &store)
            .await
            .context("cannot read the installed plugins")?;
        Ok(store)
    }

    /// Loads the installs of the configured database when there is one already (commands
    /// that only read, such as `validate`, do not create it).
    pub async fn load_installed(&self) -> anyhow::Result<()> {
        let url = self.config.db_url();
        let missing_file = url.strip_prefix("sqlite://").is_some_and(|path| !std::path::Path::new(path).exists())
            || url.contains(":memory:");
        if !missing_file {
            self.store().await?;
        }
        Ok(())
    }

    /// The engine over the configured database.
    pub async fn engine(&self) -> anyhow::Result<Engine> {
        let store = self.store().await?;
        let secrets = secrets_from_env(std::env::vars()).map_err(anyhow::Error::msg)?;
        let engine = Engine::new(self.runtime.clone(), self.registry.clone(), store.clone())
            .with_secrets(secrets)
            .with_lease(self.config.lease())
            .with_limits(std::sync::Arc::new(roost::engine::StopOnly(store)));
        Ok(engine)
    }
}

/// A run in words: its status, each step, and what it waits for.
pub fn print_report(report: &RunReport, progress: &Progress) {
    out!("run {} {}", report.run_id, report.status);
    for (id, step) in &report.steps {
        match &step.error {
            Some(e) => out!("  {id}: {}: {e}", step.status),
            None => out!("  {id}: {}", step.status),
        }
    }
    if *progress == Progress::Queued {
        out!("queued behind other runs of the workflow (its concurrency limit): roost run --resume {}", report.run_id);
    }
    if let Progress::Waiting { approvals, until } = progress {
        for step in approvals {
            out!("waiting for approval of `{step}`: roost approve {} {step} [--reject]", report.run_id);
        }
        if let Some(at) = until.and_then(chrono::DateTime::from_timestamp_millis) {
            out!("waiting until {}: roost run --resume {}", at.to_rfc3339(), report.run_id);
        }
    }
    if report.status == "succeeded" {
        out!("outputs: {}", serde_json::to_string_pretty(&report.outputs).unwrap_or_default());
    }
}

/// Writes `line` to standard output; see [`out!`].
pub fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // 128 + SIGPIPE: what a shell reports for a tool stopped by a closed pipe.
            std::process::exit(141);
        }
        eprintln!("error: cannot write to standard output: {e}");
    }
}

/// The person at the machine, as the audit log's actor: `system:cli:USER`.
fn cli_actor() -> roost::store::Actor {
    roost::store::Actor::system(&format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())))
}
