//! `roost plugin install`, `upgrade` and `remove` over a SQLite file: shown, confirmed,
//! versions side by side, pins kept across an upgrade.

use serde_json::Value;

use super::{both, echo_manifest, echo_wasm, folder, roost, sha256};

fn versions(data: &std::path::Path, db: &str) -> Vec<(String, String)> {
    let out = roost(data, &["plugin", "list", "--json", "--db", db], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == "echo")
        .map(|p| (p["version"].as_str().unwrap().to_string(), p["source_kind"].as_str().unwrap().to_string()))
        .collect()
}

/// Runs a one-step workflow using `uses`; the plugin version the run recorded.
fn ran_version(data: &std::path::Path, db: &str, uses: &str) -> String {
    let file = data.join("w.yaml");
    std::fs::write(&file, format!("name: w\nsteps:\n  - id: a\n    uses: {uses}\n    with: {{ text: hi }}\n")).unwrap();
    let out = roost(data, &["run", file.to_str().unwrap(), "--db", db, "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = roost(data, &["runs", "show", run["run_id"].as_str().unwrap(), "--db", db, "--json"], "");
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    shown["steps"][0]["plugin_version"].as_str().unwrap().to_string()
}

#[test]
fn an_upgrade_that_widens_needs_confirming_and_pinned_workflows_keep_their_version() {
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", data.path().join("roost.db").display());
    let src = data.path().join("src");
    let v2 = folder(&src, "echo-2.0", &echo_manifest("2.0.0", ""), &echo_wasm(3));
    let wide = "[permissions]\nhttp = [\"https://*\"]\nsecrets = { TOKEN = [\"https://*\"] }";
    let v21 = folder(&src, "echo-2.1", &echo_manifest("2.1.0", wide), &echo_wasm(4));
    let (v2, v21) = (v2.to_str().unwrap(), v21.to_str().unwrap());

    let out = roost(data.path(), &["plugin", "install", v2, "--db", &db], "n\n");
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(versions(data.path(), &db).is_empty(), "a no writes nothing");
    let out = roost(data.path(), &["plugin", "install", v2, "--db", &db], "y\n");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("echo 2.0.0 for the instance") && text.contains("asks for no permissions"), "{text}");
    assert!(text.contains(&format!("installed echo 2.0.0 (sha256:{})", sha256(&echo_wasm(3)))), "{text}");
    let out = roost(data.path(), &["plugin", "install", v21, "--db", &db, "--yes"], "");
    assert!(both(&out).contains("use `upgrade`"), "{}", both(&out));

    let out = roost(data.path(), &["plugin", "upgrade", "echo", v21, "--db", &db], "");
    let text = both(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("against echo 2.0.0:"), "{text}");
    assert!(text.contains("+ http https://*") && text.contains("+ secret TOKEN -> https://*"), "{text}");
    assert!(text.contains("not upgraded"), "{text}");
    assert_eq!(versions(data.path(), &db), [("2.0.0".to_string(), "installed".to_string())]);

    let out = roost(data.path(), &["plugin", "upgrade", "echo", v21, "--db", &db, "--yes"], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let installed =
        vec![("2.0.0".to_string(), "installed".to_string()), ("2.1.0".to_string(), "installed".to_string())];
    assert_eq!(versions(data.path(), &db), installed);
    assert_eq!(ran_version(data.path(), &db, "echo/echo"), "2.1.0", "a confirmed upgrade is taken");
    assert_eq!(ran_version(data.path(), &db, "echo/echo@=2.0.0"), "2.0.0");
    assert_eq!(ran_version(data.path(), &db, &format!("echo/echo@sha256:{}", sha256(&echo_wasm(3)))), "2.0.0");

    let out = roost(data.path(), &["plugin", "remove", "echo@2.1.0", "--db", &db], "");
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(versions(data.path(), &db), [("2.0.0".to_string(), "installed".to_string())]);
    let out = roost(data.path(), &["plugin", "remove", "echo@2.1.0", "--db", &db], "");
    assert!(both(&out).contains("plugin echo 2.1.0 is not installed for the instance"), "{}", both(&out));
}

#[test]
fn an_install_with_the_id_and_version_of_a_folder_plugin_names_both() {
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", data.path().join("roost.db").display());
    let there = folder(&data.path().join("there"), "echo", &echo_manifest("4.0.0", ""), &echo_wasm(0));
    let other = folder(&data.path().join("other"), "echo", &echo_manifest("4.0.0", ""), &echo_wasm(9));
    let out = roost(
        data.path(),
        &["--plugins", there.to_str().unwrap(), "plugin", "install", other.to_str().unwrap(), "--db", &db, "--yes"],
        "",
    );
    let text = both(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("plugin echo 4.0.0 is given by both the folder plugin"), "{text}");
    assert!(text.contains("and the instance install of"), "{text}");
    assert!(versions(data.path(), &db).is_empty());
}
