//! Loading the database's installs into the registry: components already loaded are
//! kept, new rows are loaded and checked, and a row that fails becomes a refusal.

use std::sync::Arc;

use crate::runtime::Runtime;
use crate::runtime::cache::sha256_hex;
use crate::runtime::registry::{Entry, Refusal, Registry, Source, View};
use crate::store::{InstalledPlugin, Store, StoreError};

fn source_of(row: &InstalledPlugin) -> Source {
    Source::Installed { workspace: row.workspace.clone(), reference: row.source.clone() }
}

/// What names an install in refusals: `install ID VERSION (SCOPE) from SOURCE`.
fn label(row: &InstalledPlugin) -> String {
    format!("install {} {} {} from {}", row.id, row.version, super::scope_words(row.workspace.as_deref()), row.source)
}

/// Makes the registry's installs those of the database; `true` if they changed.
pub async fn sync(registry: &Registry, runtime: &Arc<Runtime>, store: &Store) -> Result<bool, StoreError> {
    let rows = store.installed_plugins().await?;
    let current = registry.installed();
    let same = |e: &Entry, row: &InstalledPlugin| {
        e.source == source_of(row)
            && e.plugin.manifest.id == row.id
            && e.plugin.manifest.version.to_string() == row.version
            && e.plugin.digest == row.sha256
    };
    let refused_before = |row: &InstalledPlugin| current.refused().iter().find(|r| r.file == label(row)).cloned();
    let unchanged = rows.len() == current.entries().len() + current.refused().len()
        && rows.iter().all(|row| current.entries().iter().any(|e| same(e, row)) || refused_before(row).is_some());
    if unchanged {
        return Ok(false);
    }
    let (mut entries, mut refused) = (Vec::new(), Vec::new());
    for row in &rows {
        if let Some(entry) = current.entries().iter().find(|e| same(e, row)) {
            entries.push(entry.clone());
            continue;
        }
        match load(runtime, store, row).await? {
            Ok(plugin) => entries.push(Entry { plugin: Arc::new(plugin), source: source_of(row) }),
            Err(reason) => {
                tracing::error!("plugin {} was refused: {reason} ({})", row.id, label(row));
                refused.push(Refusal {
                    id: row.id.clone(),
                    file: label(row),
                    reason,
                    workspace: row.workspace.clone(),
                });
            }
        }
    }
    registry.set_installed(View::new(entries, refused));
    Ok(true)
}

/// Loads one row's component, checked against its recorded sha256; `Err` says why not.
async fn load(
    runtime: &Arc<Runtime>,
    store: &Store,
    row: &InstalledPlugin,
) -> Result<Result<crate::runtime::Plugin, String>, StoreError> {
    let Some((manifest, wasm)) = store.installed_component(row.workspace.as_deref(), &row.id, &row.version).await?
    else {
        return Ok(Err("the install was removed while loading".into()));
    };
    let actual = sha256_hex(&wasm);
    if actual != row.sha256 {
        return Ok(Err(format!("the stored component's sha256 is {actual}, not the {} recorded", row.sha256)));
    }
    let (runtime, name) = (runtime.clone(), format!("{}/plugin.toml", row.source));
    let loaded = tokio::task::spawn_blocking(move || runtime.load(&name, &manifest, &wasm)).await;
    Ok(match loaded {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(e) => Err(format!("loading stopped: {e}")),
    })
}
