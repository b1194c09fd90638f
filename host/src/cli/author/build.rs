//! `roost plugin build [DIR]`: the schemas of the Rust types into `plugin.toml`, the
//! component for wasm32-wasip2, and the host's own load checks on the two together.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use serde_json::Value;
use toml_edit::DocumentMut;

use super::schemas::{self, Generated};
use crate::cli::{EXIT_FAILED, Env};

const TARGET: &str = "wasm32-wasip2";
/// The cargo profile components are built with (`roost plugin new` writes it).
const PROFILE: &str = "plugin";

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The plugin's crate folder, holding Cargo.toml and plugin.toml.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write nothing; fail when plugin.toml's schemas or actions differ from the types.
    #[arg(long)]
    check: bool,
}

pub fn build(env: &Env, args: BuildArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let path = args.dir.join("plugin.toml");
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {shown}"))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| anyhow!("{shown}: {e}"))?;
    let generated = schemas::generate(&args.dir)?;
    let changes = schemas::apply(&mut doc, &generated).map_err(|e| anyhow!("{shown}: {e:#}"))?;
    if args.check && !changes.is_empty() {
        for change in &changes {
            eprintln!("{shown}: {change}");
        }
        eprintln!("run `roost plugin build` to write the schemas from the types");
        return Ok(EXIT_FAILED);
    }
    if !args.check && !changes.is_empty() {
        std::fs::write(&path, doc.to_string()).with_context(|| format!("cannot write {shown}"))?;
        out!("{shown}: wrote {} change(s) from the Rust types", changes.len());
    }
    let wasm_path = compile(&args.dir)?;
    let wasm = std::fs::read(&wasm_path).with_context(|| format!("cannot read {}", wasm_path.display()))?;
    let plugin = env
        .runtime
        .load(&shown, &doc.to_string(), &wasm)
        .map_err(|e| anyhow!("{} refused with {shown}: {e}", wasm_path.display()))?;
    let placed = if args.check { wasm_path } else { place(&args.dir, &plugin.manifest.id, &wasm)? };
    let m = &plugin.manifest;
    out!(
        "built {} {}: {} ({:.1} KiB, sha256 {}) in {:.1} s",
        m.id,
        m.version,
        placed.display(),
        wasm.len() as f64 / 1024.0,
        &plugin.digest[..16],
        started.elapsed().as_secs_f64()
    );
    out!("checked: imports within [permissions]; actions {}", describe(&generated));
    Ok(0)
}

/// Each action with where its schemas come from.
fn describe(generated: &[Generated]) -> String {
    let source = |s: &Option<Value>| if s.is_some() { "types" } else { "hand-written" };
    let parts: Vec<String> = generated
        .iter()
        .map(|g| format!("{} (input: {}, output: {})", g.id, source(&g.input), source(&g.output)))
        .collect();
    parts.join(", ")
}

/// Builds the crate's component and returns its path, as cargo reports it.
fn compile(dir: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new(schemas::cargo())
        .args(["build", "--lib", "--target", TARGET, "--profile", PROFILE, "--message-format=json-render-diagnostics"])
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo; is Rust installed?")?;
    if !output.status.success() {
        bail!(
            "building {} for {TARGET} failed (see above); the target is added with `rustup target add {TARGET}`, \
             and Cargo.toml needs a [profile.{PROFILE}] (`roost plugin new` writes one)",
            dir.display()
        );
    }
    let artifacts = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .rfind(|p| p.extension().is_some_and(|x| x == "wasm"));
    artifacts.ok_or_else(|| {
        anyhow!("{}: cargo built no .wasm; the crate needs `crate-type = [\"cdylib\"]` under [lib]", dir.display())
    })
}

/// Copies the component next to `plugin.toml` as `ID.wasm`, so the folder is a plugin
/// folder that `run`, `test`, `--plugins` and installs read.
fn place(dir: &Path, id: &str, wasm: &[u8]) -> anyhow::Result<PathBuf> {
    let target = dir.join(format!("{id}.wasm"));
    let others: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm") && *p != target)
        .map(|p| p.display().to_string())
        .collect();
    if !others.is_empty() {
        bail!(
            "{}: a plugin folder holds one component, but it also has {}; remove them",
            dir.display(),
            others.join(", ")
        );
    }
    std::fs::write(&target, wasm).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}
