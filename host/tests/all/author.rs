//! A plugin authored as its author does: `roost plugin new` into an empty folder, its own
//! `cargo test`, `roost plugin build`, `run` and `test` in the sandbox, and the drift check.
//!
//! The scaffolded crate builds in a target folder kept next to this test binary's, so
//! only the first run compiles its dependencies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::cli::roost;

/// The target folder the scaffolded plugin builds in, shared between runs.
fn shared_target() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // .../target/debug/deps/all-HASH: the target folder is three levels up.
    exe.ancestors().nth(3).unwrap().join("scaffolded-plugin")
}

pub(crate) fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn cargo_test(dir: &Path) -> Output {
    Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("running cargo")
}

/// `roost ARGS` with the plugin's cargo builds (roost runs cargo) in the shared target folder.
pub(crate) fn author(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_DATA_DIR", data)
        .env("ROOST_CACHE_DIR", crate::support::cache_dir())
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("running roost")
}

/// `roost plugin new NAME` into `data/NAME` against this repository's SDK, with the
/// repository's lock file so the dependencies resolve to versions already fetched.
pub(crate) fn scaffold(data: &Path, name: &str) -> PathBuf {
    let dir = data.join(name);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sdk = root.join("plugin-sdk");
    let new =
        roost(data, &["plugin", "new", name, "--dir", dir.to_str().unwrap(), "--sdk-path", sdk.to_str().unwrap()]);
    assert_eq!(new.status.code(), Some(0), "{}", text(&new));
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

#[test]
fn a_new_plugin_builds_tests_and_runs_in_the_sandbox() {
    let data = tempfile::tempdir().unwrap();
    let refused_dir = data.path().join("refused");
    let bad = roost(data.path(), &["plugin", "new", "Greeter_2", "--dir", refused_dir.to_str().unwrap()]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad).contains("plugin name `Greeter_2` must be"), "{}", text(&bad));
    assert!(!refused_dir.exists(), "nothing is written for a refused name");

    let dir = scaffold(data.path(), "greeter");
    let d = dir.to_str().unwrap();
    for file in ["Cargo.toml", "src/lib.rs", "plugin.toml", "README.md", "workflows/example.yaml", ".gitignore"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let again = roost(data.path(), &["plugin", "new", "greeter", "--dir", d]);
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    let tested = cargo_test(&dir);
    assert!(tested.status.success(), "{}", text(&tested));

    // Schemas taken out of plugin.toml come back from the types; the author's text stays.
    let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    let cut = manifest.find("[actions.input]").unwrap();
    let rest = &manifest[manifest.find("# Nothing is granted").unwrap()..];
    std::fs::write(dir.join("plugin.toml"), format!("{}{rest}", &manifest[..cut])).unwrap();
    let built = author(data.path(), &["plugin", "build", d]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built));
    assert!(text(&built).contains("wrote 2 change(s) from the Rust types"), "{}", text(&built));
    assert!(text(&built).contains("built greeter 0.1.0"), "{}", text(&built));
    let rebuilt = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    assert!(
        rebuilt.contains("# Nothing is granted unless listed here")
            && rebuilt.contains("[actions.input.properties.name]")
    );
    assert!(dir.join("greeter.wasm").is_file());

    let ran =
        author(data.path(), &["plugin", "run", d, "greet", "--input", r#"{"name": "Ada", "excited": true}"#, "--json"]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran));
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(report["output"], json!({ "greeting": "Hello, Ada!", "length": 11 }));
    assert!(report["memory_peak_bytes"].as_u64().unwrap() > 0, "{report}");
    assert!(report["component_bytes"].as_u64().unwrap() > 10_000, "{report}");
    assert!(report["instantiate_ms"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(report["logs"], json!([{ "level": "info", "message": "greeted Ada" }]));
    let calls = json!({ "http": 0, "kv": 0, "secrets": 0, "log": 1, "http_bytes_out": 0, "http_bytes_in": 0, "model_tokens": 0 });
    assert_eq!(report["host_calls"], calls);
    let refused = author(data.path(), &["plugin", "run", d, "greet", "--input", r#"{"name": "Ada", "loud": 1}"#]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).starts_with("error (invalid-input):"), "{}", text(&refused));

    // The scaffold's example workflow uses the built plugin from its parent folder.
    let example = dir.join("workflows/example.yaml");
    let args =
        ["--plugins", data.path().to_str().unwrap(), "run", example.to_str().unwrap(), "--db", "sqlite::memory:"];
    let workflow = author(data.path(), &args);
    assert_eq!(workflow.status.code(), Some(0), "{}", text(&workflow));
    assert!(text(&workflow).contains("\"greeting\": \"Hello, Ada!\""), "{}", text(&workflow));

    let fixtures = author(data.path(), &["plugin", "test", d]);
    assert_eq!(fixtures.status.code(), Some(0), "{}", text(&fixtures));
    assert!(text(&fixtures).contains("2 passed, 0 failed"), "{}", text(&fixtures));
    let wrong =
        json!({ "action": "greet", "input": { "name": "Bo" }, "output": { "greeting": "Hi, Bo.", "length": 7 } });
    std::fs::write(dir.join("tests/fixtures/wrong.json"), wrong.to_string()).unwrap();
    let failing = author(data.path(), &["plugin", "test", d]);
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing));
    assert!(text(&failing).contains("FAIL") && text(&failing).contains("2 passed, 1 failed"), "{}", text(&failing));
    assert!(
        text(&failing).contains("-   \"greeting\": \"Hi, Bo.\",\n")
            && text(&failing).contains("+   \"greeting\": \"Hello, Bo.\",")
    );
}

#[test]
fn a_type_changed_without_a_build_fails_the_drift_checks() {
    let data = tempfile::tempdir().unwrap();
    let dir = scaffold(data.path(), "drifter");
    let d = dir.to_str().unwrap();
    let lib = dir.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, code.replace("length(min = 1, max = 100)", "length(min = 1, max = 50)")).unwrap();

    let tested = cargo_test(&dir);
    assert!(!tested.status.success());
    assert!(
        text(&tested)
            .contains("the input schema of action `greet` differs from its Rust type at `/properties/name/maxLength`"),
        "{}",
        text(&tested)
    );
    let checked = author(data.path(), &["plugin", "build", "--check", d]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    assert!(text(&checked).contains("plugin.toml: the input schema of action `greet` differs from its Rust type"));
    assert!(
        std::fs::read_to_string(dir.join("plugin.toml")).unwrap().contains("maxLength = 100"),
        "--check writes nothing"
    );

    let built = author(data.path(), &["plugin", "build", d]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built));
    assert!(std::fs::read_to_string(dir.join("plugin.toml")).unwrap().contains("maxLength = 50"));
    assert!(cargo_test(&dir).status.success());
}

#[test]
fn an_installed_plugin_runs_by_id() {
    let data = tempfile::tempdir().unwrap();
    let ran =
        roost(data.path(), &["plugin", "run", "sentiment", "score", "--input", r#"{"text": "I love it"}"#, "--json"]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran));
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(report["output"]["label"], "positive", "{report}");
    assert!(report["load_ms"].is_null(), "built-in plugins load with the binary");
    let missing = roost(data.path(), &["plugin", "run", "no-such-plugin", "x"]);
    assert!(text(&missing).contains("no plugin `no-such-plugin` is installed"), "{}", text(&missing));
}
