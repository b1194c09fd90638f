//! Loading from folders on the command line: conflicts, refusals, `--plugins` at a plugin
//! folder, digest pins and the digests a run records.

use serde_json::Value;

use super::{both, echo_manifest, echo_wasm, folder, roost, sha256};
use crate::support;

#[test]
fn a_folder_plugin_with_the_id_and_version_of_a_builtin_is_an_error_naming_both() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("mine");
    let manifest =
        std::fs::read_to_string(support::test_plugins_dir().join("../../../plugins/sentiment/plugin.toml")).unwrap();
    let sentiment = folder(&dir, "sentiment", &manifest, &echo_wasm(0));
    let plugins = dir.to_str().unwrap();

    let out = roost(data.path(), &["--plugins", plugins, "plugin", "list"], "");
    let text = both(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("plugin sentiment 0.2.0 is given by both the built-in plugin and the folder plugin"),
        "{text}"
    );
    assert!(text.contains(&sentiment.join("plugin.toml").display().to_string()), "{text}");
    assert!(text.contains("[plugins] prefer = { sentiment = \"builtin\" }"), "{text}");

    std::fs::write(data.path().join("roost.toml"), "[plugins]\nprefer = { sentiment = \"folder\" }\n").unwrap();
    let out = roost(data.path(), &["--plugins", plugins, "plugin", "list", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&Value> = list.as_array().unwrap().iter().filter(|p| p["id"] == "sentiment").collect();
    assert_eq!(found.len(), 1, "{list}");
    assert_eq!(found[0]["source_kind"], "folder");
    assert_eq!(found[0]["digest"], sha256(&echo_wasm(0)));
}

#[test]
fn a_refused_plugin_fails_plugin_list_and_validate_names_the_refusal() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("mine");
    // The hostile component imports kv, http and secrets; this manifest grants none.
    let manifest = support::hostile_manifest("hashtags", "");
    let hostile = std::fs::read(support::wasm_dir().join("hostile.wasm")).unwrap();
    let hashtags = folder(&dir, "hashtags", &manifest, &hostile);
    let plugins = dir.to_str().unwrap();

    let out = roost(data.path(), &["--plugins", plugins, "plugin", "list"], "");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("plugin hashtags was refused: plugin `hashtags` imports"), "{text}");

    let file = data.path().join("tags.yaml");
    std::fs::write(&file, "name: tags\nsteps:\n  - id: t\n    uses: hashtags/spin\n").unwrap();
    let out = roost(data.path(), &["--plugins", plugins, "validate", file.to_str().unwrap()], "");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("plugin hashtags was refused: "), "{text}");
    assert!(text.contains(&format!("({})", hashtags.join("plugin.toml").display())), "{text}");
    assert!(!text.contains("unknown plugin"), "{text}");
}

#[test]
fn plugins_at_a_plugin_folder_loads_it_and_a_folder_without_plugins_warns() {
    let data = tempfile::tempdir().unwrap();
    let echo = folder(&data.path().join("work"), "echo", &echo_manifest("1.0.0", ""), &echo_wasm(0));
    let out = roost(data.path(), &["--plugins", echo.to_str().unwrap(), "plugin", "list", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.as_array().unwrap().iter().any(|p| p["id"] == "echo" && p["version"] == "1.0.0"), "{list}");

    let empty = data.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = roost(data.path(), &["--plugins", empty.to_str().unwrap(), "plugin", "list"], "");
    let text = both(&out);
    assert!(text.contains(&format!("warning: --plugins {} holds no plugin", empty.display())), "{text}");
}

#[test]
fn a_digest_pin_runs_exactly_that_component_and_the_run_records_it() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("mine");
    let (old, new) = (echo_wasm(0), echo_wasm(1));
    folder(&dir, "echo-1.0", &echo_manifest("1.0.0", ""), &old);
    folder(&dir, "echo-1.1", &echo_manifest("1.1.0", ""), &new);
    let plugins = dir.to_str().unwrap();
    let db = format!("sqlite://{}", data.path().join("runs.db").display());
    let flow = |uses: &str| {
        let file = data.path().join("pinned.yaml");
        std::fs::write(&file, format!("name: pinned\nsteps:\n  - id: a\n    uses: {uses}\n    with: {{ text: hi }}\n  - id: b\n    uses: echo/echo\n    with: {{ text: hi }}\n")).unwrap();
        file.to_str().unwrap().to_string()
    };

    let file = flow(&format!("echo/echo@sha256:{}", sha256(&old)));
    let out = roost(data.path(), &["--plugins", plugins, "run", &file, "--db", &db, "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = report["run_id"].as_str().unwrap();
    let out = roost(data.path(), &["runs", "show", run, "--db", &db, "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    let step = |id: &str| shown["steps"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap().clone();
    assert_eq!(
        (&step("a")["plugin_version"], &step("a")["digest"]),
        (&Value::from("1.0.0"), &Value::from(sha256(&old)))
    );
    assert_eq!(
        (&step("b")["plugin_version"], &step("b")["digest"]),
        (&Value::from("1.1.0"), &Value::from(sha256(&new)))
    );
    let out = roost(data.path(), &["runs", "show", run, "--db", &db], "");
    assert!(both(&out).contains(&format!("echo 1.0.0  sha256:{}", sha256(&old))), "{}", both(&out));

    let missing = "0".repeat(64);
    let out =
        roost(data.path(), &["--plugins", plugins, "validate", &flow(&format!("echo/echo@sha256:{missing}"))], "");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("no installed component of `echo` has the digest sha256:{missing}")), "{text}");
    assert!(text.contains(&format!("1.0.0 sha256:{}", sha256(&old))), "the help lists what is there: {text}");
    let out = roost(data.path(), &["--plugins", plugins, "validate", &flow("echo/echo@sha256:abc")], "");
    assert!(both(&out).contains("invalid digest `sha256:abc`: expected 64 lowercase hex digits"), "{}", both(&out));
}

#[test]
fn a_folder_version_that_widens_permissions_is_not_taken_without_asking_for_it() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("mine");
    folder(&dir, "echo-1.0", &echo_manifest("1.0.0", ""), &echo_wasm(0));
    let wide = "[permissions]\nhttp = [\"https://*\"]\nsecrets = { TOKEN = [\"https://*\"] }";
    folder(&dir, "echo-2.0", &echo_manifest("2.0.0", wide), &echo_wasm(2));
    let plugins = dir.to_str().unwrap();
    let db = format!("sqlite://{}", data.path().join("runs.db").display());
    let file = data.path().join("w.yaml");
    std::fs::write(&file, "name: w\nsteps:\n  - id: a\n    uses: echo/echo\n    with: { text: hi }\n").unwrap();

    let out = roost(data.path(), &["--plugins", plugins, "run", file.to_str().unwrap(), "--db", &db, "--json"], "");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("warning: echo 2.0.0 (the folder plugin"), "{text}");
    assert!(text.contains("asks for more than echo 1.0.0: http https://*, secret TOKEN -> https://*"), "{text}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = roost(data.path(), &["runs", "show", report["run_id"].as_str().unwrap(), "--db", &db, "--json"], "");
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["steps"][0]["plugin_version"], "1.0.0", "{shown}");
}
