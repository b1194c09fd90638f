//! Where plugins come from: refusals named, no silent replacement, digest pins, installs
//! kept in the database (CLI, API, both databases).

mod api;
mod browser;
mod cli;
mod hostile;
mod installs;
mod shared;
mod store;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support;

/// The echo test plugin's manifest at `version`, with `extra` TOML appended.
pub fn echo_manifest(version: &str, extra: &str) -> String {
    let base = std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap();
    format!("{}\n{extra}\n", base.replacen("version = \"1.0.0\"", &format!("version = \"{version}\""), 1))
}

/// The echo component; `variant` > 0 appends a custom section, so the same code has
/// another sha256 (a custom section is valid anywhere in a component).
pub fn echo_wasm(variant: u8) -> Vec<u8> {
    let mut wasm = std::fs::read(support::wasm_dir().join("echo.wasm")).unwrap();
    if variant > 0 {
        let name = b"note";
        wasm.extend_from_slice(&[0, (1 + name.len() + 1) as u8, name.len() as u8]);
        wasm.extend_from_slice(name);
        wasm.push(variant);
    }
    wasm
}

/// An API install body: the echo component (`variant`) under echo's manifest at `version`.
pub fn upload(version: &str, extra: &str, variant: u8) -> serde_json::Value {
    use base64::Engine as _;
    let component = base64::engine::general_purpose::STANDARD.encode(echo_wasm(variant));
    serde_json::json!({ "manifest": echo_manifest(version, extra), "component": component })
}

/// A plugin folder `dir/name` holding `manifest` and `wasm` as `plugin.wasm`.
pub fn folder(dir: &Path, name: &str, manifest: &str, wasm: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("plugin.toml"), manifest).unwrap();
    std::fs::write(path.join("plugin.wasm"), wasm).unwrap();
    path
}

/// The sha256 of `bytes`, hex.
pub fn sha256(bytes: &[u8]) -> String {
    roost::runtime::cache::sha256_hex(bytes)
}

/// `roost ARGS` with its data directory in `data`, `stdin` as its input.
pub fn roost(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_DATA_DIR", data)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB")
        .env_remove("ROOST_CONFIG")
        .current_dir(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running roost");
    // A command that does not read its input may end first: the write may then fail.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Standard output and error of `out`, for messages.
pub fn both(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
