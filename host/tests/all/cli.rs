//! The `roost` binary as a user runs it: examples, exit codes, error locations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use roost::store::Store;
use serde_json::Value;

use crate::support;

mod options;
mod publishing;

pub fn roost(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_DATA_DIR", data_dir)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB")
        .output()
        .expect("running roost")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

/// The examples that need no network; the others run against loopback servers in
/// `social::workflows`.
const OFFLINE: [&str; 2] = ["score-mentions.yaml", "triage-replies.yaml"];
const SOCIAL: [&str; 6] = [
    "caption-ab-test.yaml",
    "caption-approve-publish.yaml",
    "influencer-shortlist.yaml",
    "mention-triage.yaml",
    "rss-to-post.yaml",
    "weekly-report.yaml",
];

#[tokio::test]
async fn every_example_workflow_validates_and_runs_offline_to_success() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("runs.db");
    let db_url = format!("sqlite://{}", db.display());
    for file in examples() {
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        let file = file.to_str().unwrap();
        let out = roost(data.path(), &["validate", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), format!("ok {file}"));
        if !OFFLINE.contains(&name.as_str()) {
            assert!(SOCIAL.contains(&name.as_str()), "{name} is run by no test: add it to OFFLINE or SOCIAL");
            continue;
        }

        let out = roost(data.path(), &["run", file, "--json", "--db", &db_url]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", text(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["status"], "succeeded", "{report}");
        let steps = report["steps"].as_object().unwrap();
        assert!(steps.values().all(|s| s["status"] == "succeeded" && s["error"].is_null()), "{report}");
        let store = Store::connect(&db_url).await.unwrap();
        let record = store.get_run(report["run_id"].as_str().unwrap()).await.unwrap();
        assert_eq!(record.status, "succeeded");
        assert_eq!(record.steps.len(), steps.len());
        assert_eq!(record.outputs.as_ref(), Some(&report["outputs"]));
    }
}

#[test]
fn the_score_mentions_example_labels_what_it_scores() {
    let data = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/score-mentions.yaml");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--json",
        "--db",
        "sqlite::memory:",
        "--input",
        "post=This is terrible, I hate it.",
    ];
    let out = roost(data.path(), &args);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outputs"]["post_label"], "negative", "{report}");
    assert!(report["outputs"]["post_score"].as_f64().unwrap() < -0.5);
    assert_eq!(report["outputs"]["negative_replies"], 2, "{report}");
}

#[test]
fn validate_points_at_the_line_and_column_of_each_problem() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("broken.yaml");
    std::fs::write(&file, "name: broken\nsteps:\n  - id: score\n    usse: sentiment/score@0.2\n  - id: score\n    uses: sentiment/nope@0.2\n").unwrap();
    let out = roost(data.path(), &["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let f = file.display();
    assert!(stdout.contains(&format!("{f}:4:5: error: unknown key `usse`")), "{stdout}");
    assert!(stdout.contains("help: did you mean `uses`?"), "{stdout}");
    assert!(stdout.contains(&format!("{f}:5:9: error: duplicate step id `score`")), "{stdout}");
    assert!(stdout.contains(&format!("{f}:6:11: error:")) && stdout.contains("`nope`"), "{stdout}");
}

#[test]
fn exit_codes_tell_success_failure_and_usage_apart() {
    let data = tempfile::tempdir().unwrap();
    let perms = support::permissions(&["https://api.example.com".into()], &["https://api.example.com".into()]);
    let plugins = data.path().join("plugins");
    support::plugin_folder(&plugins, "hostile", &support::hostile_manifest("hostile", &perms), "hostile.wasm");
    let failing = data.path().join("failing.yaml");
    std::fs::write(&failing, "name: failing\nsteps:\n  - id: boom\n    uses: hostile/panic@1\n").unwrap();
    let out = roost(data.path(), &["run", failing.to_str().unwrap(), "--json", "--db", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "failed");
    assert!(report["steps"]["boom"]["error"].as_str().unwrap().contains("panicked"), "{report}");

    let invalid = data.path().join("invalid.yaml");
    std::fs::write(&invalid, "name: Invalid Name\nsteps: []\n").unwrap();
    let out = roost(data.path(), &["run", invalid.to_str().unwrap(), "--db", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("{}:1:7: error:", invalid.display())), "{}", text(&out.stderr));

    let needs_input = data.path().join("needs-input.yaml");
    std::fs::write(&needs_input, "name: needs-input\ninputs:\n  text: { type: string }\nsteps:\n  - id: s\n    uses: sentiment/score@0.2\n    with: { text: \"${{ inputs.text }}\" }\n").unwrap();
    let out = roost(data.path(), &["run", needs_input.to_str().unwrap(), "--db", "sqlite::memory:"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("text"), "{}", text(&out.stderr));

    let out = roost(data.path(), &["run"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_without_db_records_into_the_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/score-mentions.yaml");
    let out = roost(data.path(), &["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("succeeded"));
    assert!(data.path().join("roost.db").exists());
}
