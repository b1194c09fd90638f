//! `roost user` and `roost token` on the local database: the first admin made on the
//! server signs in to the service, a personal token made by the CLI acts as its person, and
//! a new password ends the old one.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use reqwest::Method;
use roost::store::Store;

use super::{PASSWORD, sign_in};
use crate::serve::Service;
use crate::support;

/// Runs `roost ARGS` over the data directory `dir`, writing `stdin` to it.
fn roost(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roost"))
        .args(args)
        .env("ROOST_DATA_DIR", dir)
        .env("ROOST_CACHE_DIR", support::cache_dir())
        .env_remove("ROOST_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running roost");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_first_admin_is_made_on_the_server_and_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let short = roost(&path, &["user", "create", "admin@example.com", "--admin"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"), "{short:?}");
    let made = stdout(&roost(&path, &["user", "create", "Admin@Example.com", "--admin"], &format!("{PASSWORD}\n")));
    assert_eq!(made, "created admin@example.com, instance admin\n");
    let again = roost(&path, &["user", "create", "admin@example.com"], &format!("{PASSWORD}\n"));
    assert!(String::from_utf8_lossy(&again.stderr).contains("has an account already"), "{again:?}");
    let listed = stdout(&roost(&path, &["user", "list"], ""));
    assert_eq!(listed, "admin@example.com (admin)\t-\n");
    let token = stdout(&roost(&path, &["token", "create", "--user", "admin@example.com", "--name", "laptop"], ""));
    let token = token.trim().to_string();
    assert!(token.starts_with("roost_"), "{token}");

    let store = Store::connect(&format!("sqlite://{}", path.join("roost.db").display())).await.unwrap();
    let service = Service::start_with(store, dir, None).await;
    let (status, me, _) = sign_in(&service, "admin@example.com", PASSWORD).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["workspaces"], serde_json::json!([{ "workspace": "default", "role": "owner" }]), "an admin owns all");
    let (status, me) = service.call(&token, Method::GET, "/api/v1/auth/session", None).await;
    assert_eq!((status, me["user"]["email"].as_str()), (200, Some("admin@example.com")));
    let (status, _) =
        service.call(&token, Method::POST, "/api/v1/workspaces", Some(serde_json::json!({ "id": "acme" }))).await;
    assert_eq!(status, 201, "the admin may do what the operator may");

    let set = roost(service.dir.path(), &["user", "set-password", "admin@example.com"], "another long password\n");
    assert!(stdout(&set).contains("its sessions have ended"));
    assert_eq!(sign_in(&service, "admin@example.com", PASSWORD).await.0, 401);
    assert_eq!(sign_in(&service, "admin@example.com", "another long password").await.0, 200);
    let ci = roost(
        service.dir.path(),
        &["token", "create", "--workspace", "default", "--role", "viewer", "--name", "ci"],
        "",
    );
    let ci = stdout(&ci).trim().to_string();
    assert_eq!(service.call(&ci, Method::GET, "/api/v1/workspaces/default/runs", None).await.0, 200);
    assert_eq!(
        service.call(&ci, Method::GET, "/api/v1/workspaces/default/tokens", None).await.0,
        403,
        "a viewer token"
    );
    let listed = stdout(&roost(service.dir.path(), &["token", "list", "--user", "admin@example.com"], ""));
    let id = listed.split('\t').next().unwrap();
    let revoked = roost(service.dir.path(), &["token", "revoke", id, "--user", "admin@example.com"], "");
    assert_eq!(stdout(&revoked), format!("token {id} revoked\n"));
    assert_eq!(service.call(&token, Method::GET, "/api/v1/auth/session", None).await.0, 401);
    service.running.shutdown().await;
}
