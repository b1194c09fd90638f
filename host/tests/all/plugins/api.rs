//! Installing into one workspace through the API: owners only, audited, invisible to other
//! workspaces, confirmed when it asks for permissions, used by runs without a restart.

use reqwest::Method;
use serde_json::{Value, json};

use super::{echo_wasm, sha256, upload};
use crate::serve::{OPERATOR, Service};

const FLOW: &str = "name: uses-three\nsteps:\n  - id: a\n    uses: echo/echo@3\n    with: { text: hi }\n";

#[tokio::test]
async fn an_owner_installs_into_a_workspace_that_alone_sees_and_uses_it() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    let editor = service.workspace_token("acme", "editor").await;
    let stranger = service.workspace_token("globex", "owner").await;
    let acme = |path: &str| format!("/api/v1/workspaces/acme{path}");

    let (status, body) = service.call(&editor, Method::POST, &acme("/plugins"), Some(upload("3.0.0", "", 5))).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = service.call(&stranger, Method::POST, &acme("/plugins"), Some(upload("3.0.0", "", 5))).await;
    assert_eq!(status, 404, "another workspace's owner: {body}");
    let (status, installed) = service.call(&owner, Method::POST, &acme("/plugins"), Some(upload("3.0.0", "", 5))).await;
    assert_eq!(status, 201, "{installed}");
    assert_eq!(installed["sha256"], sha256(&echo_wasm(5)));
    let (status, again) = service.call(&owner, Method::POST, &acme("/plugins"), Some(upload("3.0.0", "", 6))).await;
    assert_eq!(status, 409, "the same id and version twice: {again}");

    let (_, seen) = service.call(&editor, Method::GET, &acme("/plugins"), None).await;
    let mine: Vec<&Value> = seen["plugins"].as_array().unwrap().iter().filter(|p| p["version"] == "3.0.0").collect();
    assert_eq!((mine.len(), &mine[0]["scope"]), (1, &json!("workspace")), "{seen}");
    let (_, theirs) = service.call(&stranger, Method::GET, "/api/v1/workspaces/globex/plugins", None).await;
    assert!(theirs["plugins"].as_array().unwrap().iter().all(|p| p["version"] != "3.0.0"), "{theirs}");

    let (status, saved) =
        service.call(&editor, Method::POST, &acme("/workflows"), Some(json!({ "source": FLOW }))).await;
    assert_eq!(status, 201, "used at once, without a restart: {saved}");
    let (status, refused) = service
        .call(&stranger, Method::POST, "/api/v1/workspaces/globex/workflows", Some(json!({ "source": FLOW })))
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("no installed version of `echo` matches `^3`"), "{refused}");

    let (status, started) =
        service.call(&editor, Method::POST, &acme("/workflows/uses-three/runs"), Some(json!({}))).await;
    assert_eq!(status, 202, "{started}");
    let run = service.wait_status("acme", started["run_id"].as_str().unwrap(), &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (&run["steps"][0]["plugin_version"], &run["steps"][0]["digest"]),
        (&json!("3.0.0"), &json!(sha256(&echo_wasm(5))))
    );

    let (_, audit) = service.call(OPERATOR, Method::GET, &acme("/audit"), None).await;
    let entry = audit.as_array().unwrap().iter().find(|a| a["action"] == "plugin.install").expect("audited").clone();
    assert_eq!((&entry["target"], &entry["actor"]["name"]), (&json!("echo"), &json!("acme-owner")), "{entry}");
}

#[tokio::test]
async fn permissions_need_confirming_and_a_removal_is_owners_only() {
    let service = Service::start().await;
    let owner = service.workspace_token("acme", "owner").await;
    let editor = service.workspace_token("acme", "editor").await;
    let acme = |path: &str| format!("/api/v1/workspaces/acme{path}");
    let (status, _) = service.call(&owner, Method::POST, &acme("/plugins"), Some(upload("3.0.0", "", 7))).await;
    assert_eq!(status, 201);

    let wide = upload("3.1.0", "[permissions]\nhttp = [\"https://*\"]", 8);
    let (status, asked) = service.call(&owner, Method::POST, &acme("/plugins"), Some(wide.clone())).await;
    assert_eq!((status, &asked["error"]["code"]), (409, &json!("confirmation_required")), "{asked}");
    let details = &asked["error"]["details"];
    assert_eq!((&details["previous"], &details["added"]), (&json!("3.0.0"), &json!(["http https://*"])), "{details}");
    let (_, seen) = service.call(&owner, Method::GET, &acme("/plugins"), None).await;
    assert!(seen["plugins"].as_array().unwrap().iter().all(|p| p["version"] != "3.1.0"), "nothing written: {seen}");

    let mut confirmed = wide;
    confirmed["confirm"] = json!(true);
    let (status, body) = service.call(&owner, Method::POST, &acme("/plugins"), Some(confirmed)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = service.call(&editor, Method::DELETE, &acme("/plugins/echo/3.1.0"), None).await;
    assert_eq!(status, 403);
    let (status, _) = service.call(&owner, Method::DELETE, &acme("/plugins/echo/3.1.0"), None).await;
    assert_eq!(status, 204);
    let (status, _) = service.call(&owner, Method::DELETE, &acme("/plugins/echo/3.1.0"), None).await;
    assert_eq!(status, 404);
    let (_, seen) = service.call(&owner, Method::GET, &acme("/plugins"), None).await;
    let versions: Vec<&str> = seen["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == "echo")
        .filter_map(|p| p["version"].as_str())
        .collect();
    assert_eq!(versions, ["1.0.0", "3.0.0"], "{seen}");
}
