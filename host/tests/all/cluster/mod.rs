//! Several `roost` processes of different roles on one PostgreSQL database: what each role
//! serves and does, wake-ups between processes, and a chaos loop that kills them at random.

mod chaos;
mod roles;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tempfile::TempDir;

use crate::support;

pub const OPERATOR: &str = "roost_operator-cluster-token";
const MASTER_KEY: &str = "6c6f6f6b2061742074686520636c75737465722c206e6f7420746865206b6579";
/// How long a process may take to answer `/healthz` after it was started.
const READY_WITHIN: Duration = Duration::from_secs(300);
/// The webhook secret every workflow of these tests is signed with.
pub const HOOK_KEY: &str = "cluster-hook-key";

/// A data folder and a fresh PostgreSQL schema that the processes of one cluster share.
pub struct Cluster {
    pub data: TempDir,
    pub db: String,
}

impl Cluster {
    /// `workflows` (name, YAML) in the folder the API process loads, `config` as `roost.toml`,
    /// and the echo test plugin installed.
    pub async fn new(workflows: &[(&str, String)], config: &str) -> Self {
        let data = tempfile::tempdir().unwrap();
        let manifest = std::fs::read_to_string(support::test_plugins_dir().join("echo/plugin.toml")).unwrap();
        support::plugin_folder(&data.path().join("plugins"), "echo", &manifest, "echo.wasm");
        std::fs::create_dir_all(data.path().join("workflows")).unwrap();
        for (name, yaml) in workflows {
            std::fs::write(data.path().join(format!("workflows/{name}.yaml")), yaml).unwrap();
        }
        std::fs::write(data.path().join("roost.toml"), config).unwrap();
        Self { data, db: support::pg_url().await }
    }

    /// A process of this cluster with `args` after `roost`, e.g. `["worker", "--scheduler"]`,
    /// on a free port or, restarting `previous`, on its port.
    pub fn spawn(&self, name: &'static str, args: &[&str], previous: Option<&Node>) -> Node {
        let port = match previous {
            Some(node) => node.port,
            None => std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(),
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data.path().join(format!("{name}.log")))
            .unwrap();
        let child = self.command(args, port).stdout(Stdio::null()).stderr(log).spawn().unwrap();
        Node { name, child, port, url: format!("http://127.0.0.1:{port}") }
    }

    /// The command line of a process of this cluster on `port`.
    pub fn command(&self, args: &[&str], port: u16) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
        cmd.args(args).args(["--addr", &format!("127.0.0.1:{port}"), "--grace-seconds", "1"]);
        if args[0] == "serve" {
            cmd.arg("--workflows").arg(self.data.path().join("workflows"));
        }
        cmd.env("ROOST_DB", &self.db)
            .env("ROOST_DATA_DIR", self.data.path())
            .env("ROOST_CACHE_DIR", support::cache_dir())
            .env("ROOST_CONFIG", self.data.path().join("roost.toml"))
            .env("ROOST_OPERATOR_TOKEN", OPERATOR)
            .env("ROOST_MASTER_KEY", MASTER_KEY)
            .env("ROOST_LEASE_SECONDS", "2")
            .env("RUST_LOG", "info");
        cmd
    }

    /// The last lines `name` logged, for failure messages.
    pub fn log_tail(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.data.path().join(format!("{name}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// A pool on the cluster's schema, to check what the processes stored.
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db).await.unwrap()
    }
}

/// One `roost` process.
pub struct Node {
    pub name: &'static str,
    child: Child,
    port: u16,
    pub url: String,
}

impl Node {
    /// Waits until the process answers `/healthz`. A first start on a cold compile cache
    /// compiles every plugin (a debug build, on cores other tests share) before it answers,
    /// which can take minutes; restarts find the compiled plugins in the cache.
    pub async fn ready(&mut self, client: &reqwest::Client, cluster: &Cluster) {
        let deadline = Instant::now() + READY_WITHIN;
        while !client.get(format!("{}/healthz", self.url)).send().await.is_ok_and(|r| r.status().is_success()) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{} ended on its own ({status}):\n{}", self.name, cluster.log_tail(self.name));
            }
            assert!(Instant::now() < deadline, "{} did not answer /healthz within {READY_WITHIN:?}", self.name);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and waits for the process to stop on its own.
    pub fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `X-Roost-Signature` of `body`.
pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_KEY.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Stores the webhook secret in workspace `default` through the API at `url`.
pub async fn set_hook_key(client: &reqwest::Client, url: &str) {
    let put = client
        .put(format!("{url}/api/v1/workspaces/default/secrets/HOOK_KEY"))
        .bearer_auth(OPERATOR)
        .json(&serde_json::json!({ "value": HOOK_KEY }));
    let status = put.send().await.unwrap().status();
    assert!(status.is_success(), "setting HOOK_KEY: {status}");
}

/// Sends `body` to workflow `workflow`'s webhook at `url` as delivery `id`, once; the run
/// a 2xx names.
pub async fn deliver(client: &reqwest::Client, url: &str, workflow: &str, id: &str, body: &Value) -> Option<String> {
    let body = body.to_string();
    let sent = client
        .post(format!("{url}/hooks/default/{workflow}"))
        .header("x-roost-signature", sign(body.as_bytes()))
        .header("x-roost-delivery", id)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => {
            resp.json::<Value>().await.ok().and_then(|v| v["run_id"].as_str().map(String::from))
        }
        _ => None,
    }
}

/// The status of run `id` through the API at `url`, if it answers.
pub async fn status(client: &reqwest::Client, url: &str, id: &str) -> Option<String> {
    let resp = client.get(format!("{url}/api/v1/workspaces/default/runs/{id}")).bearer_auth(OPERATOR).send().await;
    let run: Value = resp.ok()?.json().await.ok()?;
    run["status"].as_str().map(String::from)
}
