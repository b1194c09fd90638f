//! The CLI around approvals (`roost run` stops at one, `roost approvals list` and `roost approve`
//! decide) and around workspaces (`roost workspace list|create|delete`).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support;

fn roost(data_dir: &Path, args: &[&str]) -> Output {
    roost_command(data_dir, args).output().expect("running roost")
}

fn roost_command(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roost"));
    command
        .args(args)
        .env("ROOST_DATA_DIR", data_dir)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CLI_REVIEW: &str = r#"
name: cli-review
steps:
  - id: draft
    uses: echo/echo@1
    with: { text: hello }
  - id: review
    approval: { message: "Publish '${{ steps.draft.output.text }}'?" }
  - id: publish
    needs: [review]
    uses: echo/echo@1
    with: { text: "${{ steps.draft.output.text }}" }
"#;

/// `roost run` of CLI_REVIEW: exits 3 and tells how to approve; returns the run id.
fn run_until_approval(data: &Path, file: &str, db: &str) -> String {
    let out = roost(data, &["run", file, "--db", db]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}{}", text(&out.stderr));
    let first = stdout.lines().next().unwrap();
    let run_id = first.split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(first, format!("run {run_id} waiting"));
    assert!(stdout.contains(&format!("roost approve {run_id} review")), "{stdout}");
    run_id
}

#[test]
fn approvals_are_listed_and_decided_through_the_cli() {
    let data = tempfile::tempdir().unwrap();
    support::plugin_folder(
        &data.path().join("plugins"),
        "echo",
        &std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap(),
        "echo.wasm",
    );
    let file = data.path().join("review.yaml");
    std::fs::write(&file, CLI_REVIEW).unwrap();
    let (file, db) = (file.to_str().unwrap(), format!("sqlite://{}", data.path().join("runs.db").display()));

    let approved = run_until_approval(data.path(), file, &db);
    let out = roost(data.path(), &["approvals", "list", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!((&list[0]["run_id"], &list[0]["step"]), (&json!(approved), &json!("review")));
    assert_eq!(list[0]["message"], "Publish 'hello'?");

    let out = roost(data.path(), &["approve", &approved, "review", "--comment", "x", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(
        (&report["steps"]["review"]["output"]["approved"], &report["steps"]["review"]["output"]["comment"]),
        (&json!(true), &json!("x"))
    );
    assert_eq!(report["steps"]["publish"]["output"], json!({ "text": "hello" }));

    let rejected = run_until_approval(data.path(), file, &db);
    let out = roost(data.path(), &["approve", &rejected, "review", "--reject", "--json", "--db", &db]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "rejected", "{report}");
    assert_eq!(report["steps"]["publish"]["status"], "skipped");
    assert_eq!(report["steps"]["review"]["status"], "rejected", "a rejected approval never reads succeeded");
    let out = roost(data.path(), &["runs", "show", &rejected, "--db", &db]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!("run {rejected} rejected")) && shown.contains("  review: rejected  approval"),
        "{shown}"
    );
    let out = roost(data.path(), &["runs", "show", &rejected, "--json", "--db", &db]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["steps"].as_array().unwrap().iter().find(|s| s["id"] == "review").unwrap()["status"], "rejected");

    let out = roost(data.path(), &["approvals", "list", "--json", "--db", &db]);
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), json!([]));
}

#[test]
fn a_reader_that_hangs_up_ends_the_command_quietly() {
    let data = tempfile::tempdir().unwrap();
    let mut child = roost_command(data.path(), &["plugin", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running roost");
    // The reading end closes before roost writes its first line, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

#[test]
fn workspaces_are_listed_created_and_deleted_through_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", data.path().join("ws.db").display());
    let create = ["workspace", "create", "acme", "--name", "Acme Ltd", "--quotas", r#"{"concurrent_runs": 2}"#, "--db"];
    let out = roost(data.path(), &[&create[..], &[db.as_str()]].concat());
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(0), "workspace acme created\n".into()),
        "{}",
        text(&out.stderr)
    );
    let again = roost(data.path(), &[&create[..], &[db.as_str()]].concat());
    assert!(text(&again.stderr).contains("workspace `acme` exists already"), "{}", text(&again.stderr));
    let bad = roost(data.path(), &["workspace", "create", "b", "--quotas", r#"{"cpus": 1}"#, "--db", &db]);
    assert!(!bad.status.success() && text(&bad.stderr).contains("concurrent_runs"), "{}", text(&bad.stderr));
    let out = roost(data.path(), &["workspace", "list", "--json", "--db", &db]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&list[0]["id"], &list[0]["name"], &list[0]["quotas"]),
        (&json!("acme"), &json!("Acme Ltd"), &json!({ "concurrent_runs": 2 }))
    );
    let wrong = roost(data.path(), &["workspace", "delete", "acme", "--confirm", "acm", "--db", &db]);
    assert!(
        !wrong.status.success() && text(&wrong.stderr).contains("--confirm `acm` is not `acme`"),
        "{}",
        text(&wrong.stderr)
    );
    let out = roost(data.path(), &["workspace", "delete", "acme", "--confirm", "acme", "--db", &db]);
    assert_eq!(text(&out.stdout), "workspace acme deleted with its 0 runs\n", "{}", text(&out.stderr));
    let out = roost(data.path(), &["workspace", "list", "--db", &db]);
    assert_eq!(text(&out.stdout), "no workspace yet; `roost workspace create ID` makes one\n");
    let gone = roost(data.path(), &["workspace", "delete", "acme", "--confirm", "acme", "--db", &db]);
    assert!(text(&gone.stderr).contains("workspace `acme` does not exist"), "{}", text(&gone.stderr));
}
