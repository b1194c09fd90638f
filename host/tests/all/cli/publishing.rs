//! `roost publishing` and `roost run` under a crisis stop: a run started from the command
//! line while the workspace's publishing is stopped waits without posting to the loopback
//! Mastodon, `status` lists it held, and after `resume` the resumed run posts once.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::social::servers::mastodon::{self, Mastodon};
use crate::support;

fn roost(data: &Path, instance: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_DATA_DIR", data)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env("ROOST_CONFIG", data.join("roost.toml"))
        .env("ROOST_SECRET_MASTODON_TOKEN", mastodon::TOKEN)
        .env("ROOST_SECRET_MASTODON_TOKEN_HOSTS", instance)
        .env_remove("ROOST_DB")
        .output()
        .expect("running roost")
}

fn said(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_from_the_command_line_waits_while_publishing_is_stopped_and_posts_once_after() {
    let (masto, addr) = Mastodon::start().await;
    let instance = Mastodon::instance(addr);
    let data = tempfile::tempdir().unwrap();
    let config = "[http]\nallow_private = [\"loopback.test\"]\nresolve = { \"loopback.test\" = [\"127.0.0.1\"] }\n\
                  plain_http = [\"loopback.test:1024-65535\"]\n";
    std::fs::write(data.path().join("roost.toml"), config).unwrap();
    let workflow = data.path().join("announce.yaml");
    let yaml = format!(
        "name: announce\nsteps:\n  - id: post\n    uses: mastodon/publish@0.1\n    \
         with: {{ instance: \"{instance}\", text: \"Doors open at nine\" }}\n"
    );
    std::fs::write(&workflow, yaml).unwrap();
    let run = |args: &[&str]| roost(data.path(), &instance, args);

    assert_eq!(run(&["workspace", "create", "acme"]).status.code(), Some(0));
    let stopped = run(&["publishing", "stop", "acme", "--reason", "product recall"]);
    assert_eq!(stopped.status.code(), Some(0), "{}", said(&stopped));
    assert!(said(&stopped).contains("publishing in acme stopped"), "{}", said(&stopped));
    let bidi = run(&["publishing", "stop", "acme", "--reason", "a\u{202e}b"]);
    assert_ne!(bidi.status.code(), Some(0), "a reason with a bidirectional override is refused");

    let first = run(&["run", workflow.to_str().unwrap(), "--workspace", "acme", "--json"]);
    assert_eq!(first.status.code(), Some(3), "the run waits: {}", said(&first));
    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["status"], "waiting", "{report}");
    assert!(masto.posted().is_empty(), "nothing is posted while publishing is stopped");

    let status = run(&["publishing", "status", "acme", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((status["held"].as_bool(), status["reason"].as_str()), (Some(true), Some("product recall")));
    assert_eq!(status["held_publishes"][0]["run_id"], report["run_id"]);
    assert_eq!(status["held_publishes"][0]["step"], "post");

    let resumed = run(&["publishing", "resume", "acme"]);
    assert!(said(&resumed).contains("1 held publish is due now"), "{}", said(&resumed));
    let again = run(&["publishing", "resume", "acme"]);
    assert!(said(&again).contains("is not stopped"), "{}", said(&again));
    let run_id = report["run_id"].as_str().unwrap();
    let done = run(&["run", "--resume", run_id, "--json"]);
    assert_eq!(done.status.code(), Some(0), "{}", said(&done));
    assert_eq!(masto.posted().len(), 1, "posted once after the stop");
}
