//! The installs table on SQLite and PostgreSQL: rows with their bytes, scopes apart.

use roost::store::{InstalledPlugin, NewInstall, Store};

use super::{echo_manifest, echo_wasm, sha256};
use crate::support;

fn install(workspace: Option<&str>, version: &str, variant: u8) -> NewInstall {
    let component = echo_wasm(variant);
    NewInstall {
        meta: InstalledPlugin {
            workspace: workspace.map(String::from),
            id: "echo".into(),
            version: version.into(),
            sha256: sha256(&component),
            source: "/src/echo".into(),
            signer: Some("key-1".into()),
            installed_by: "system:test".into(),
            installed_at: 1_700_000_000_000,
        },
        manifest: echo_manifest(version, ""),
        component,
    }
}

async fn round_trip(store: &Store) {
    assert!(store.install_plugin(&install(None, "1.0.0", 1)).await.unwrap());
    assert!(store.install_plugin(&install(Some("acme"), "1.0.0", 2)).await.unwrap(), "another scope, same version");
    assert!(store.install_plugin(&install(None, "1.1.0", 3)).await.unwrap());
    assert!(!store.install_plugin(&install(None, "1.0.0", 4)).await.unwrap(), "one scope holds one 1.0.0");

    let rows = store.installed_plugins().await.unwrap();
    let listed: Vec<(Option<&str>, &str)> = rows.iter().map(|r| (r.workspace.as_deref(), r.version.as_str())).collect();
    assert_eq!(listed, [(None, "1.0.0"), (None, "1.1.0"), (Some("acme"), "1.0.0")]);
    assert_eq!(rows[0], install(None, "1.0.0", 1).meta);

    let (manifest, wasm) = store.installed_component(Some("acme"), "echo", "1.0.0").await.unwrap().unwrap();
    assert_eq!((manifest, sha256(&wasm)), (echo_manifest("1.0.0", ""), sha256(&echo_wasm(2))));
    assert!(store.installed_component(Some("globex"), "echo", "1.0.0").await.unwrap().is_none());

    assert!(store.remove_plugin(None, "echo", "1.0.0").await.unwrap());
    assert!(!store.remove_plugin(None, "echo", "1.0.0").await.unwrap());
    assert_eq!(store.installed_plugins().await.unwrap().len(), 2);
}

#[tokio::test]
async fn installs_keep_their_bytes_and_scopes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("roost.db").display())).await.unwrap();
    round_trip(&store).await;
}

#[tokio::test]
async fn installs_keep_their_bytes_and_scopes_on_postgres() {
    let store = Store::connect(&support::pg_url().await).await.unwrap();
    round_trip(&store).await;
}
