//! Builds the first-party plugins (`plugins/*`) and the test plugins (`tests/plugins/*`)
//! as `wasm32-wasip2` components, so nobody builds them by hand, and embeds the first-party
//! ones into the `roost` binary.
//!
//! The nested cargo uses its own target directory next to this build's, so it never
//! waits on the outer build's lock. A plugin that fails to compile fails a release build;
//! a debug build goes on without it (with a warning), so work on one plugin is not
//! blocked by another's error, and that plugin's tests fail with "not built in".

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "plugin";

fn main() {
    let host = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = host.parent().unwrap().to_path_buf();
    for watched in ["plugins", "plugin-sdk", "wit", "host/tests/plugins", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let first_party = crates_in(&root.join("plugins"));
    let test_plugins = crates_in(&host.join("tests/plugins"));
    let target_dir = wasm_target_dir();
    let built = build(&root, &target_dir, first_party.iter().chain(&test_plugins));
    let out = target_dir.join(TARGET).join(PROFILE);
    let wasm_of = |dir: &Path| out.join(format!("{}.wasm", crate_name(dir).replace('-', "_")));
    let (first_party, unfinished): (Vec<PathBuf>, Vec<PathBuf>) =
        first_party.into_iter().partition(|dir| dir.join("plugin.toml").is_file());
    for dir in &unfinished {
        if env::var("PROFILE").as_deref() == Ok("release") {
            panic!("plugin {} has no plugin.toml", rel(&root, dir));
        }
        println!("cargo:warning=plugin {} has no plugin.toml and is left out of this debug build", rel(&root, dir));
    }
    let first_party: Vec<PathBuf> = if built {
        first_party
    } else {
        let (fresh, broken): (Vec<_>, Vec<_>) = first_party.into_iter().partition(|dir| is_fresh(dir, &wasm_of(dir)));
        if env::var("PROFILE").as_deref() == Ok("release") {
            panic!("building the plugins for {TARGET} failed (see above)");
        }
        for dir in &broken {
            println!("cargo:warning=plugin {} failed to build and is left out of this debug build", rel(&root, dir));
        }
        fresh
    };

    let mut code = String::from(
        "/// (manifest path, manifest, component) of each first-party plugin.\npub const BUILTIN: &[(&str, &str, &[u8])] = &[\n",
    );
    for dir in &first_party {
        let manifest = dir.join("plugin.toml");
        let wasm = wasm_of(dir);
        writeln!(code, "    ({:?}, include_str!({:?}), include_bytes!({:?})),", rel(&root, &manifest), manifest, wasm)
            .unwrap();
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("builtin_plugins.rs"), code).unwrap();
    println!("cargo:rustc-env=ROOST_WASM_PLUGIN_DIR={}", out.display());
}

/// The crates (folders with a Cargo.toml) directly under `dir`, sorted.
fn crates_in(dir: &Path) -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.join("Cargo.toml").is_file()).collect()
        })
        .unwrap_or_default();
    crates.sort();
    crates
}

fn crate_name(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let line = text.lines().find(|l| l.trim_start().starts_with("name")).expect("a [package] name");
    line.split('"').nth(1).expect("a quoted package name").to_string()
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// `<target>/wasm-plugins`, beside this build's profile directories.
fn wasm_target_dir() -> PathBuf {
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // OUT_DIR is <target>[/<triple>]/<profile>/build/<pkg>/out.
    let profile_dir = out_dir.ancestors().nth(3).unwrap();
    profile_dir.parent().unwrap().join("wasm-plugins")
}

/// Adds the wasm target through rustup when the toolchain lacks it, so that a plain
/// `cargo build` works on a machine that has only rustup.
fn ensure_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().ok().filter(|o| o.status.success());
    let installed = sysroot.is_some_and(|o| {
        Path::new(String::from_utf8_lossy(&o.stdout).trim()).join("lib/rustlib").join(TARGET).is_dir()
    });
    if !installed {
        let _ = Command::new("rustup").args(["target", "add", TARGET]).status();
    }
}

/// Whether `wasm` exists and is newer than every source file of the crate in `dir`.
fn is_fresh(dir: &Path, wasm: &Path) -> bool {
    let Ok(built) = std::fs::metadata(wasm).and_then(|m| m.modified()) else { return false };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&path).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()));
        } else if meta.modified().is_ok_and(|m| m > built) {
            return false;
        }
    }
    true
}

/// Builds the crates; false if any failed (the others are still built).
fn build<'a>(root: &Path, target_dir: &Path, crates: impl Iterator<Item = &'a PathBuf>) -> bool {
    ensure_target();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--keep-going", "--profile", PROFILE, "--target", TARGET, "--target-dir"])
        .arg(target_dir);
    for dir in crates {
        cmd.args(["-p", &crate_name(dir)]);
    }
    // Flags meant for the host build (coverage, clippy's wrapper) must not leak into wasm.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("running cargo to build the wasm plugins");
    if !status.success() {
        println!(
            "cargo:warning=building the plugins for {TARGET} failed; the target comes from rust-toolchain.toml, \
             or install it with `rustup target add {TARGET}`"
        );
    }
    status.success()
}
