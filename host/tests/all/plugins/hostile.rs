//! A hostile workspace owner against installs: a built-in's id taken at a higher version,
//! one component under two manifests, refused uploads filling the disk, floods of
//! installs, and refusals that would quote megabytes.

use reqwest::Method;
use serde_json::{Value, json};

use super::{echo_manifest, echo_wasm, sha256, upload};
use crate::serve::Service;
use crate::support;

const PLUGINS: &str = "/api/v1/workspaces/acme/plugins";

fn body(manifest: String, wasm: &[u8]) -> Value {
    use base64::Engine as _;
    json!({ "manifest": manifest, "component": base64::engine::general_purpose::STANDARD.encode(wasm) })
}

#[tokio::test]
async fn a_builtins_id_at_a_higher_version_asks_for_every_permission() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    let perms = "[permissions]\nhttp = [\"https://*\"]\nkv = true\nsecrets = { MASTODON_TOKEN = [\"https://*\"] }";
    let manifest = echo_manifest("9.0.0", perms).replacen("id = \"echo\"", "id = \"mastodon\"", 1);
    let (status, asked) = service.call(&owner, Method::POST, PLUGINS, Some(body(manifest, &echo_wasm(0)))).await;
    assert_eq!((status, &asked["error"]["code"]), (409, &json!("confirmation_required")), "{asked}");
    let details = &asked["error"]["details"];
    assert_eq!(details["previous"], Value::Null, "the built-in is not what this follows: {details}");
    assert_eq!(details["permissions"].as_array().unwrap().len(), 3, "{details}");
}

#[tokio::test]
async fn a_pin_to_a_component_under_two_manifests_is_refused() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    let (status, _) = service.call(&owner, Method::POST, PLUGINS, Some(upload("4.0.0", "", 0))).await;
    assert_eq!(status, 201);
    let mut wide = upload("4.1.0", "[permissions]\nhttp = [\"https://*\"]", 0);
    wide["confirm"] = json!(true);
    let (status, body) = service.call(&owner, Method::POST, PLUGINS, Some(wide)).await;
    assert_eq!(status, 201, "{body}");
    let digest = sha256(&echo_wasm(0));
    let flow =
        format!("name: pinned\nsteps:\n  - id: a\n    uses: echo/echo@sha256:{digest}\n    with: {{ text: hi }}\n");
    let workflows = "/api/v1/workspaces/acme/workflows";
    let (status, refused) = service.call(&owner, Method::POST, workflows, Some(json!({ "source": flow }))).await;
    assert_eq!(status, 422, "{refused}");
    let text = refused.to_string();
    assert!(text.contains("is installed as versions") && text.contains("4.0.0") && text.contains("4.1.0"), "{text}");
}

#[tokio::test]
async fn a_refused_upload_leaves_no_compiled_artifact() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    // The mastodon component imports http and kv; a manifest granting nothing is refused.
    let mut wasm = std::fs::read(support::wasm_dir().join("mastodon.wasm")).unwrap();
    let marker: [u8; 8] = rand_bytes();
    wasm.extend_from_slice(&[0, 1 + 4 + 8, 4]);
    wasm.extend_from_slice(b"seed");
    wasm.extend_from_slice(&marker);
    let digest = sha256(&wasm);
    let (status, refused) =
        service.call(&owner, Method::POST, PLUGINS, Some(body(echo_manifest("5.0.0", ""), &wasm))).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("imports"), "{refused}");
    let left: Vec<String> = std::fs::read_dir(support::cache_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(&digest))
        .collect();
    assert!(left.is_empty(), "artifacts of a refused component: {left:?}");
}

fn rand_bytes() -> [u8; 8] {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    (nanos as u64 ^ u64::from(std::process::id())).to_le_bytes()
}

#[tokio::test]
async fn a_workspace_holds_a_bounded_number_of_installs_and_refusals_stay_short() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    for n in 0..32u8 {
        let (status, body) =
            service.call(&owner, Method::POST, PLUGINS, Some(upload(&format!("6.{n}.0"), "", n + 1))).await;
        assert_eq!(status, 201, "install {n}: {body}");
    }
    let (status, full) = service.call(&owner, Method::POST, PLUGINS, Some(upload("7.0.0", "", 99))).await;
    assert_eq!((status, &full["error"]["code"]), (429, &json!("quota_exceeded")), "{full}");

    // A manifest whose one line nests 100,000 arrays: the TOML error quotes that line.
    let deep = format!("{}\nx = {}{}\n", echo_manifest("8.0.0", ""), "[".repeat(100_000), "]".repeat(100_000));
    let other = Service::start().await;
    let owner = other.workspace_token("acme", "owner").await;
    let (status, refused) = other.call(&owner, Method::POST, PLUGINS, Some(body(deep, &echo_wasm(0)))).await;
    assert_eq!(status, 422, "{}", &refused.to_string()[..200]);
    assert!(refused.to_string().len() < 3_000, "{} bytes", refused.to_string().len());
}
