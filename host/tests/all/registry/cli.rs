//! `roost plugin keygen|publish|sign|verify|pull` as an author and an operator run them.

use std::path::Path;
use std::process::Output;

use super::{RegistryServer, first_party};
use crate::cli::roost;

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A roost.toml trusting `keys` and requiring signatures.
fn config(dir: &Path, keys: &[&Path]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| format!("{:?}", k.display().to_string())).collect();
    let path = dir.join("roost.toml");
    std::fs::write(&path, format!("[registry]\ntrusted_keys = [{}]\nrequire_signature = true\n", keys.join(", ")))
        .unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn author_publishes_signed_and_operator_verifies_and_pulls() {
    let registry = RegistryServer::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let author = tmp.path().join("author");
    let stranger = tmp.path().join("stranger");
    for prefix in [&author, &stranger] {
        let out = ok(roost(&data, &["plugin", "keygen", "--out", prefix.to_str().unwrap()]));
        assert!(out.contains("key id"), "{out}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(author.with_extension("key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A plugin crate folder whose component is where a wasm32-wasip2 build puts it.
    let (toml, wasm) = first_party("sentiment");
    let folder = tmp.path().join("sentiment");
    std::fs::create_dir_all(folder.join("target/wasm32-wasip2/plugin")).unwrap();
    std::fs::write(folder.join("plugin.toml"), &toml).unwrap();
    std::fs::write(folder.join("Cargo.toml"), "[package]\nname = \"sentiment\"\nversion = \"0.2.0\"\n").unwrap();
    std::fs::write(folder.join("target/wasm32-wasip2/plugin/sentiment.wasm"), &wasm).unwrap();
    let repo = format!("{}/acme/sentiment", registry.addr);
    let key = author.with_extension("key");
    let out =
        ok(roost(&data, &["plugin", "publish", folder.to_str().unwrap(), &repo, "--sign", key.to_str().unwrap()]));
    let digest = out.lines().find_map(|l| l.strip_prefix("digest ")).expect(&out).to_string();
    assert!(out.contains(&format!("to {repo}:0.2.0")), "the tag defaults to the version: {out}");

    let trusted = config(tmp.path(), &[&author.with_extension("pub")]);
    let verified = ok(roost(&data, &["--config", &trusted, "plugin", "verify", &format!("{repo}:0.2.0")]));
    assert!(verified.contains(&digest) && verified.contains("signed by key"), "{verified}");
    let fetched = tmp.path().join("fetched");
    let pulled = ok(roost(
        &data,
        &["--config", &trusted, "plugin", "pull", &format!("{repo}@{digest}"), "--out", fetched.to_str().unwrap()],
    ));
    assert!(pulled.contains("signed by trusted key"), "{pulled}");
    assert!(std::fs::read(fetched.join("sentiment.wasm")).unwrap() == wasm);
    assert_eq!(std::fs::read_to_string(fetched.join("plugin.toml")).unwrap(), toml);

    let untrusted = config(tmp.path(), &[&stranger.with_extension("pub")]);
    let refused = roost(&data, &["--config", &untrusted, "plugin", "pull", &format!("{repo}:0.2.0")]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("none by a trusted key") && text(&refused).contains(&format!("{repo}:0.2.0@{digest}")),
        "{}",
        text(&refused)
    );
    // The other key signs too (`roost plugin sign`): the configuration trusting it now accepts.
    let stranger_key = stranger.with_extension("key");
    let signed =
        ok(roost(&data, &["plugin", "sign", &format!("{repo}:0.2.0"), "--key", stranger_key.to_str().unwrap()]));
    assert!(signed.contains(&digest), "{signed}");
    let verified = ok(roost(&data, &["--config", &untrusted, "plugin", "verify", &format!("{repo}:0.2.0")]));
    assert!(verified.contains("signed by key"), "{verified}");
}

#[tokio::test]
async fn publish_refuses_a_folder_a_host_would_not_load() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (toml, wasm) = first_party("sentiment");
    std::fs::write(tmp.path().join("plugin.toml"), &toml).unwrap();
    let out = roost(&data, &["plugin", "publish", tmp.path().to_str().unwrap(), "127.0.0.1:1/acme/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no component in"), "{}", text(&out));
    // A manifest for an api this host does not implement is refused before any request.
    std::fs::write(tmp.path().join("sentiment.wasm"), wasm).unwrap();
    std::fs::write(tmp.path().join("plugin.toml"), toml.replacen("api = \"0.1.0\"", "api = \"9.0.0\"", 1)).unwrap();
    let out = roost(&data, &["plugin", "publish", tmp.path().to_str().unwrap(), "127.0.0.1:1/acme/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("targets api 9.0.0"), "{}", text(&out));
}

#[tokio::test]
async fn same_files_and_source_date_epoch_publish_to_the_same_digest() {
    let registry = RegistryServer::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (toml, wasm) = first_party("sentiment");
    std::fs::write(tmp.path().join("plugin.toml"), toml).unwrap();
    std::fs::write(tmp.path().join("sentiment.wasm"), wasm).unwrap();
    let repo = format!("{}/acme/sentiment", registry.addr);
    let publish = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_roost"))
            .args(["plugin", "publish", tmp.path().to_str().unwrap(), &repo])
            .env("ROOST_DATA_DIR", tmp.path().join("data"))
            .env("ROOST_CACHE_DIR", crate::support::cache_dir())
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap();
        ok(out).lines().find_map(|l| l.strip_prefix("digest ").map(String::from)).unwrap()
    };
    let digest = publish();
    assert_eq!(publish(), digest);
    let url = format!("http://{repo_url}/manifests/{digest}", repo_url = repo.replacen('/', "/v2/", 1));
    let resp = reqwest::Client::new().get(url).header("accept", "application/vnd.oci.image.manifest.v1+json").send();
    let manifest: serde_json::Value = resp.await.unwrap().json().await.unwrap();
    assert_eq!(manifest["annotations"]["org.opencontainers.image.created"], "2026-01-01T00:00:00Z");
}
