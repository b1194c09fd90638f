//! A server under test as a child process: started on a free port, timed until healthy,
//! its memory read from `/proc`, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer its health check.
const START_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Server {
    pub base: String,
    child: Child,
    log: PathBuf,
    /// From spawning the process to its first healthy answer.
    pub start_to_healthy: Duration,
    /// Resident memory once healthy and idle, in KiB.
    pub idle_rss_kb: u64,
}

/// What the benchmark keeps between runs (Node-RED's install, Roost's compiled plugins):
/// `ROOST_BENCH_CACHE`, else `roost-bench` in the user's cache folder.
pub fn cache_root() -> PathBuf {
    std::env::var_os("ROOST_BENCH_CACHE")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("roost-bench")))
        .unwrap_or_else(|| std::env::temp_dir().join("roost-bench"))
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
    listener.local_addr().expect("a bound listener has an address").port()
}

impl Server {
    /// Spawns `command` (output to `log`), then polls `GET {base}{health}` until it answers 200.
    pub async fn start(name: &'static str, mut command: Command, port: u16, health: &str, log: &Path) -> Server {
        let out = std::fs::File::create(log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().expect("a log file handle clones");
        let began = Instant::now();
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let mut server =
            Server { base, child, log: log.to_path_buf(), start_to_healthy: Duration::ZERO, idle_rss_kb: 0 };
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{name} exited ({status}) before it was healthy; its output:\n{}", server.output());
            }
            let answer = client.get(format!("{}{health}", server.base)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                began.elapsed() < START_TIMEOUT,
                "{name} was not healthy after {START_TIMEOUT:?}:\n{}",
                server.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.start_to_healthy = began.elapsed();
        tokio::time::sleep(Duration::from_secs(1)).await;
        server.idle_rss_kb = server.memory_kb("VmRSS");
        server
    }

    /// A `/proc/PID/status` field in KiB (`VmRSS` now, `VmHWM` the peak so far).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'));
        line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
    }

    /// The last lines the server wrote.
    pub fn output(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
