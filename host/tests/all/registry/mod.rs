//! Plugins in a real OCI registry: Debian's `docker-registry` started on loopback per test.

mod cli;
mod hostile;
mod publish;
mod signatures;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use roost::oci::artifact::Metadata;
use roost::oci::{PrivateKey, Reference, TrustPolicy};

use crate::support;

/// A `docker-registry` serving a temporary folder on a free loopback port, killed on drop.
pub struct RegistryServer {
    child: Child,
    pub addr: String,
    pub storage: tempfile::TempDir,
}

impl RegistryServer {
    pub async fn start() -> Self {
        // The tests' own requests use reqwest too, which needs a rustls provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let binary =
            ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry"].into_iter().find(|p| Path::new(p).is_file());
        let binary =
            binary.expect("docker-registry is not installed: .ci/run installs it (apt-get install docker-registry)");
        let storage = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: test-only-upload-secret\n",
            storage.path().join("data").display()
        );
        let config_path = storage.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self { child, addr, storage };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let url = format!("http://{}/v2/", self.addr);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("docker-registry did not answer on {url} within 20s");
    }

    /// `addr/roost/<name>:<tag>`.
    pub fn reference(&self, name: &str, tag: &str) -> String {
        format!("{}/roost/{name}:{tag}", self.addr)
    }

    /// The file holding the blob `digest` in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage.path().join("data/docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data")
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A first-party plugin as built: its `plugin.toml` text and component.
pub fn first_party(name: &str) -> (String, Vec<u8>) {
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins").join(name).join("plugin.toml");
    let wasm = support::wasm_dir().join(format!("{name}.wasm"));
    let wasm = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{} was not built: {e}", wasm.display()));
    (std::fs::read_to_string(toml).unwrap(), wasm)
}

/// Pushes the first-party plugin `name` to `reference`; its manifest digest.
pub async fn publish(name: &str, reference: &str) -> String {
    let (toml, wasm) = first_party(name);
    let meta = Metadata {
        id: name.into(),
        version: "0.1.0".into(),
        description: format!("the {name} plugin"),
        source: Some("https://example.org/roost".into()),
        author: None,
        created: "2026-01-01T00:00:00Z".into(),
    };
    roost::oci::push::push(&Reference::parse(reference).unwrap(), &wasm, &toml, &meta, &TrustPolicy::default())
        .await
        .unwrap()
}

/// A policy trusting the public halves of `keys`.
pub fn trusting(keys: &[&PrivateKey], require_signature: bool) -> TrustPolicy {
    TrustPolicy { trusted_keys: keys.iter().map(|k| k.public()).collect(), require_signature, ..TrustPolicy::default() }
}
