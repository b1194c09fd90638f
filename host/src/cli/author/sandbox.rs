//! `roost plugin run DIR|ID ACTION`: one action in the real sandbox, with what it cost.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use roost::capabilities::secrets::Secret;
use roost::runtime::registry::load_folder;
use roost::runtime::{Plugin, StepCall, StepOutcome};
use roost::store::Store;
use serde_json::{Value, json};

use crate::cli::{EXIT_FAILED, Env};

/// Largest `--input @FILE` read.
const MAX_INPUT: u64 = 16 << 20;
/// Instantiations averaged for the start-up cost.
const STARTS: u32 = 10;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A plugin folder (plugin.toml and its built .wasm) or the id of an installed plugin.
    plugin: String,
    /// The action to run.
    action: String,
    /// The action's input: JSON text, or @FILE to read it from a file.
    #[arg(long, default_value = "{}")]
    input: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// A secret for the step as NAME=VALUE; it goes only to the hosts plugin.toml declares for it.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    secrets: Vec<String>,
    /// Give the step an empty in-memory key-value store (the manifest must declare kv).
    #[arg(long)]
    kv: bool,
}

/// A plugin ready to run, and what loading it cost when this command loaded it.
pub struct Loaded {
    pub plugin: Arc<Plugin>,
    pub load: Option<Duration>,
    pub bytes: Option<usize>,
}

/// Loads the plugin folder `target`, or finds the installed plugin of that id.
pub fn load(env: &Env, target: &str) -> anyhow::Result<Loaded> {
    let folder = Path::new(target);
    if folder.join("plugin.toml").is_file() {
        let bytes = component_size(folder);
        let started = Instant::now();
        let plugin = load_folder(&env.runtime, folder).map_err(|e| anyhow!("{target}: {e}"))?;
        return Ok(Loaded { plugin: Arc::new(plugin), load: Some(started.elapsed()), bytes });
    }
    if folder.exists() || target.contains(['/', '\\', '.']) {
        bail!(
            "{target}: no plugin.toml there; give a plugin folder (`roost plugin build` makes one) or an installed plugin's id"
        );
    }
    let newest = env
        .registry
        .plugins()
        .iter()
        .filter(|p| p.id() == target)
        .max_by(|a, b| a.manifest.version.cmp(&b.manifest.version));
    let plugin = newest
        .cloned()
        .ok_or_else(|| anyhow!("no plugin `{target}` is installed and there is no folder of that name"))?;
    Ok(Loaded { plugin, load: None, bytes: None })
}

fn component_size(folder: &Path) -> Option<usize> {
    let entries = std::fs::read_dir(folder).ok()?;
    let wasm = entries.filter_map(Result::ok).find(|e| e.path().extension().is_some_and(|x| x == "wasm"))?;
    Some(wasm.metadata().ok()?.len() as usize)
}

/// Secrets as `NAME=VALUE`, each bound to the hosts the manifest declares for it.
pub fn secrets(
    plugin: &Plugin,
    pairs: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<BTreeMap<String, Secret>> {
    let declared = &plugin.manifest.permissions.secrets;
    pairs
        .into_iter()
        .map(|(name, value)| {
            let hosts = declared.get(&name).ok_or_else(|| {
                anyhow!("secret `{name}` is not declared in plugin `{}`'s [permissions] secrets", plugin.id())
            })?;
            Ok((name, Secret { value, hosts: hosts.clone() }))
        })
        .collect()
}

/// Runs `action` once on `input` in a fresh sandbox.
pub async fn call(
    env: &Env,
    plugin: &Plugin,
    action: &str,
    input: Value,
    secrets: BTreeMap<String, Secret>,
    kv: bool,
) -> anyhow::Result<StepOutcome> {
    let db = match kv {
        true => Some(Store::connect("sqlite::memory:").await.context("cannot open an in-memory key-value store")?),
        false => None,
    };
    let call = StepCall {
        action: action.to_string(),
        workspace: "local".into(),
        workflow: "plugin-run".into(),
        run_id: "local".into(),
        step_id: action.to_string(),
        attempt: 1,
        idempotency_key: format!("local/{action}"),
        input,
        secrets,
        db,
        ..StepCall::default()
    };
    Ok(env.runtime.execute(plugin, call).await)
}

pub async fn run(env: &Env, args: RunArgs) -> anyhow::Result<u8> {
    let loaded = load(env, &args.plugin)?;
    let input = read_input(&args.input)?;
    let pairs = args.secrets.iter().map(|s| {
        s.split_once('=')
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .ok_or_else(|| anyhow!("--secret `{}`: write NAME=VALUE", s.split('=').next().unwrap_or_default()))
    });
    let secrets = secrets(&loaded.plugin, pairs.collect::<anyhow::Result<Vec<_>>>()?)?;
    let start = env
        .runtime
        .instantiate_cost(&loaded.plugin, STARTS)
        .await
        .map_err(|e| anyhow!("{}: cannot instantiate: {e:#}", args.plugin))?;
    let outcome = call(env, &loaded.plugin, &args.action, input, secrets, args.kv).await?;
    let report = report(&loaded, &outcome, start);
    if args.json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(if outcome.result.is_ok() { 0 } else { EXIT_FAILED })
}

/// The action's input from `--input`: JSON text or `@FILE`.
fn read_input(arg: &str) -> anyhow::Result<Value> {
    let text = match arg.strip_prefix('@') {
        Some(file) => {
            let len = std::fs::metadata(file).with_context(|| format!("--input @{file}: cannot read it"))?.len();
            if len > MAX_INPUT {
                bail!("--input @{file}: {len} bytes is over the limit of {} MiB", MAX_INPUT >> 20);
            }
            std::fs::read_to_string(file).with_context(|| format!("--input @{file}: cannot read it"))?
        }
        None => arg.to_string(),
    };
    serde_json::from_str(&text)
        .with_context(|| format!("--input is not JSON: {}", text.chars().take(80).collect::<String>()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What one run gave and cost, as `--json` prints it.
pub fn report(loaded: &Loaded, outcome: &StepOutcome, start: Duration) -> Value {
    let plugin = &loaded.plugin;
    let (output, error) = match &outcome.result {
        Ok(v) => (v.clone(), Value::Null),
        Err(e) => (Value::Null, json!({ "kind": e.kind(), "message": e.to_string() })),
    };
    json!({
        "plugin": plugin.id(), "version": plugin.manifest.version.to_string(), "digest": plugin.digest,
        "ok": outcome.result.is_ok(), "output": output, "error": error,
        "logs": outcome.logs.iter().map(|l| json!({ "level": l.level, "message": l.message })).collect::<Vec<_>>(),
        "load_ms": loaded.load.map(ms), "cache": format!("{:?}", plugin.cache).to_lowercase(),
        "instantiate_ms": ms(start), "run_ms": ms(outcome.duration),
        "memory_peak_bytes": outcome.memory_peak, "host_calls": outcome.host_calls, "memory_limit_mb": plugin.manifest.limits.memory_mb,
        "component_bytes": loaded.bytes,
    })
}

fn print_text(r: &Value) {
    match r["ok"].as_bool() {
        Some(true) => out!("output:\n{}", serde_json::to_string_pretty(&r["output"]).unwrap_or_default()),
        _ => out!(
            "error ({}): {}",
            r["error"]["kind"].as_str().unwrap_or_default(),
            r["error"]["message"].as_str().unwrap_or_default()
        ),
    }
    let logs = r["logs"].as_array().map(Vec::as_slice).unwrap_or_default();
    if !logs.is_empty() {
        out!("logs:");
        for l in logs {
            out!("  {:<5} {}", l["level"].as_str().unwrap_or_default(), l["message"].as_str().unwrap_or_default());
        }
    }
    let load = match r["load_ms"].as_f64() {
        Some(ms) => format!("load {ms:.1} ms (component cache: {}), ", r["cache"].as_str().unwrap_or_default()),
        None => String::new(),
    };
    out!(
        "time: {load}instantiate {:.2} ms, run {:.2} ms (instantiate included)",
        r["instantiate_ms"].as_f64().unwrap_or_default(),
        r["run_ms"].as_f64().unwrap_or_default()
    );
    let peak = r["memory_peak_bytes"].as_u64().unwrap_or_default() as f64 / 1048576.0;
    out!("memory: peak {peak:.2} MiB of {} MiB", r["memory_limit_mb"]);
    let calls = &r["host_calls"];
    out!("host calls: http {}, kv {}, secrets {}, log {}", calls["http"], calls["kv"], calls["secrets"], calls["log"]);
    if let Some(bytes) = r["component_bytes"].as_u64() {
        out!("component: {:.1} KiB, sha256 {}", bytes as f64 / 1024.0, r["digest"].as_str().unwrap_or_default());
    }
}
