//! What every command shares: `--data-dir` and `--db`, output that ends its lines, one
//! error per typo, a word while plugins compile, logs fit for a file.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::{roost, text};
use crate::support;

/// Every command that reads or writes the database.
const DATABASE_COMMANDS: [&[&str]; 25] = [
    &["serve"],
    &["run"],
    &["validate"],
    &["approvals", "list"],
    &["approve"],
    &["plugin", "list"],
    &["plugin", "install"],
    &["plugin", "upgrade"],
    &["plugin", "remove"],
    &["secret", "set"],
    &["secret", "list"],
    &["secret", "delete"],
    &["runs", "show"],
    &["runs", "delete"],
    &["runs", "prune"],
    &["workspace", "list"],
    &["workspace", "create"],
    &["workspace", "delete"],
    &["user", "create"],
    &["user", "list"],
    &["user", "set-password"],
    &["user", "admin"],
    &["token", "create"],
    &["token", "list"],
    &["token", "revoke"],
];

const SCORE: &str = "name: score\nsteps:\n  - id: mood\n    uses: sentiment/score@0.2\n    with: { text: I love it }\n";

/// `roost ARGS` with no data directory or database in the environment: only the flags say.
fn bare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env("HOME", "/nonexistent")
        .env_remove("ROOST_DATA_DIR")
        .env_remove("ROOST_DB")
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("running roost")
}

#[test]
fn every_database_command_takes_data_dir_and_db() {
    for command in DATABASE_COMMANDS {
        let out = bare(&[command, &["--help"]].concat());
        let help = text(&out.stdout);
        assert!(help.contains("--data-dir <DIR>") && help.contains("--db <URL>"), "roost {command:?} --help:\n{help}");
    }
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = a.path().join("score.yaml");
    std::fs::write(&file, SCORE).unwrap();
    let (dir_a, file) = (a.path().to_str().unwrap(), file.to_str().unwrap());
    let out = bare(&["run", file, "--json", "--data-dir", dir_a]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = serde_json::from_slice::<Value>(&out.stdout).unwrap()["run_id"].as_str().unwrap().to_string();
    assert!(a.path().join("roost.db").is_file(), "the run is recorded in --data-dir");
    let db_a = format!("sqlite://{}", a.path().join("roost.db").display());
    let dir_b = b.path().to_str().unwrap();
    for (flag, value, found) in
        [("--data-dir", dir_a, true), ("--db", db_a.as_str(), true), ("--data-dir", dir_b, false)]
    {
        let out = bare(&["runs", "show", &run, flag, value]);
        assert_eq!(out.status.success(), found, "runs show {flag} {value}: {}", text(&out.stderr));
        let out = bare(&["approvals", "list", "--json", flag, value]);
        assert_eq!(out.status.code(), Some(0), "approvals list {flag} {value}: {}", text(&out.stderr));
    }
    let out = bare(&["runs", "prune", "--data-dir", dir_b]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(b.path().join("roost.db").is_file() && !Path::new("/nonexistent").exists());
}

#[test]
fn validate_ends_its_output_with_a_newline_and_reports_a_misspelt_key_once() {
    let data = tempfile::tempdir().unwrap();
    let good = data.path().join("good.yaml");
    std::fs::write(&good, SCORE).unwrap();
    let typo = data.path().join("typo.yaml");
    let source = SCORE.replace("steps:", "step:") + "outputs:\n  label: ${{ steps.mood.output.label }}\n";
    std::fs::write(&typo, source).unwrap();
    for (file, code) in [(&good, 0), (&typo, 1)] {
        let out = roost(data.path(), &["validate", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(code));
        assert!(out.stdout.ends_with(b"\n"), "validate {}: {:?}", file.display(), text(&out.stdout));
    }
    let out = text(&roost(data.path(), &["validate", typo.to_str().unwrap()]).stdout);
    let f = typo.display();
    assert_eq!(out, format!("{f}:2:1: error: unknown key `step`\n  help: did you mean `steps`?\n"));
}

/// The cached artifacts of `dir` that belong to the component with sha256 `digest`.
fn artifacts_of(dir: &Path, digest: &str) -> Vec<std::path::PathBuf> {
    let files = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path());
    files.filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(digest)).collect()
}

#[test]
fn a_plugin_compiled_on_first_run_is_announced_once() {
    let data = tempfile::tempdir().unwrap();
    let out = roost(data.path(), &["plugin", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plugins: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sentiment = plugins.as_array().unwrap().iter().find(|p| p["id"] == "sentiment").unwrap();
    let (digest, version) = (sentiment["digest"].as_str().unwrap(), sentiment["version"].as_str().unwrap());
    // A cache holding every other plugin: only sentiment is compiled.
    let cache = data.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    for entry in std::fs::read_dir(support::cache_dir()).unwrap().flatten() {
        std::fs::copy(entry.path(), cache.join(entry.file_name())).unwrap();
    }
    for stale in artifacts_of(&cache, digest) {
        std::fs::remove_file(stale).unwrap();
    }
    let list = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
        cmd.args(["plugin", "list", "--data-dir"]).arg(data.path()).env("ROOST_CACHE_DIR", &cache);
        text(&cmd.env_remove("ROOST_DB").output().unwrap().stderr)
    };
    let first = list();
    let lines: Vec<&str> = first.lines().filter(|l| l.starts_with("compiling plugin")).collect();
    assert_eq!(lines, [format!("compiling plugin sentiment {version} (first run, cached afterwards)")], "{first}");
    assert_eq!(artifacts_of(&cache, digest).len(), 1, "compiled into the cache");
    let second = list();
    assert!(!second.contains("compiling"), "the second run loads the cache: {second}");
}

/// `roost serve` over `dir`, its standard error collected in the background.
struct Served {
    child: std::process::Child,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    fn start(dir: &Path, workflows: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roost"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .arg("--workflows")
            .arg(workflows)
            .env("ROOST_CACHE_DIR", support::cache_dir())
            .env("ROOST_OPERATOR_TOKEN", "roost_cli-test-operator")
            .env_remove("ROOST_DB")
            .env_remove("RUST_LOG")
            .env_remove("NO_COLOR")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (sink, pipe) = (stderr.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Self { child, stderr }
    }

    /// Waits (up to 60 s) until standard error holds a line with `needle`; returns that line.
    async fn line_with(&self, needle: &str) -> String {
        for _ in 0..600 {
            if let Some(line) = self.stderr.lock().unwrap().lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no line with `{needle}` in:\n{}", self.stderr.lock().unwrap());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serve_logs_how_each_run_ended_and_writes_no_colour_into_a_pipe() {
    let data = tempfile::tempdir().unwrap();
    let workflows = data.path().join("workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(workflows.join("score.yaml"), SCORE).unwrap();
    let served = Served::start(&data.path().join("data"), &workflows);
    let line = served.line_with("roost serve: http://").await;
    let addr = line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/workspaces/default/workflows/score/runs"))
        .bearer_auth("roost_cli-test-operator")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let run: Value = resp.json().await.unwrap();
    let finished = served.line_with("run finished").await;
    assert!(finished.contains("run finished: succeeded"), "{finished}");
    assert!(finished.contains(run["run_id"].as_str().unwrap()) && finished.contains("status"), "{finished}");
    assert!(data.path().join("data/roost.db").is_file(), "serve uses --data-dir");
    let log = served.stderr.lock().unwrap().clone();
    assert!(log.contains("INFO") && !log.contains('\u{1b}'), "no colour codes in a pipe:\n{log}");
}
