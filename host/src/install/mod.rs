//! Installing plugins into the database: fetched, loaded and checked before anything is
//! written, shown with the permissions they ask for (and, over an earlier version, what
//! they add or drop), then recorded beside the versions already installed.
//!
//! The same steps serve `roost plugin install`/`upgrade`/`remove` (the instance, or a
//! workspace) and the workspace API; [`sync`] loads the rows into the registry.

mod fetch;
mod sync;

use std::sync::Arc;

pub use fetch::{Fetched, fetch, fetch_reference, require_signer, uploaded};
pub use sync::sync;

use crate::runtime::cache::sha256_hex;
use crate::runtime::registry::grants::{PermissionDiff, lines};
use crate::runtime::registry::{Conflict, Entry, MAX_COMPONENT_BYTES, Registry, Source, SourceKind};
use crate::runtime::{LoadError, Plugin, Runtime};
use crate::store::{Actor, InstalledPlugin, NewInstall, Store, StoreError, now_ms};

/// Most bytes of a `plugin.toml` an install accepts.
pub const MAX_MANIFEST_BYTES: usize = 256 << 10;

/// Why an install, upgrade or removal was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}")]
    Source(String),
    #[error("the component is {size} bytes, more than the {max} an install may hold", max = MAX_COMPONENT_BYTES)]
    TooLarge { size: usize },
    #[error("plugin.toml is {size} bytes, more than the {max} an install may hold", max = MAX_MANIFEST_BYTES)]
    ManifestTooLarge { size: usize },
    #[error("the component's sha256 is {actual}, not the {expected} it was fetched as")]
    Tampered { expected: String, actual: String },
    #[error("the plugin was refused: {0}")]
    Refused(#[from] LoadError),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error("plugin {id} {version} is already installed {scope}")]
    AlreadyInstalled { id: String, version: String, scope: String },
    #[error("plugin {id} is already installed {scope} (version {version}); use `upgrade` to add a newer version")]
    UseUpgrade { id: String, version: String, scope: String },
    #[error("{0}")]
    Upgrade(String),
    #[error("plugin {id} {version} is not installed {scope}")]
    NotInstalled { id: String, version: String, scope: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where an install goes: the instance (`None`) or one workspace.
pub fn scope_words(workspace: Option<&str>) -> String {
    workspace.map_or_else(|| "for the instance".to_string(), |ws| format!("in workspace `{ws}`"))
}

/// A checked plugin, ready to be recorded: what it asks for, and the change over the
/// version it follows.
pub struct Proposal {
    pub fetched: Fetched,
    pub plugin: Arc<Plugin>,
    pub workspace: Option<String>,
    /// Every permission it asks for, one line each.
    pub permissions: Vec<String>,
    /// The newest other version of the plugin this scope sees, and the change against it.
    pub previous: Option<(semver::Version, PermissionDiff)>,
}

impl Proposal {
    /// Whether it asks for something the version it follows did not (or, first of its
    /// id, for anything at all).
    pub fn widens(&self) -> bool {
        match &self.previous {
            Some((_, diff)) => diff.widens(),
            None => !self.permissions.is_empty(),
        }
    }
}

/// Checks `fetched` for `workspace` (or the instance): bounds, digest, the component
/// against its manifest, and no id and version another source already gives.
pub fn prepare(
    runtime: &Runtime,
    registry: &Registry,
    fetched: Fetched,
    workspace: Option<&str>,
) -> Result<Proposal, InstallError> {
    if fetched.wasm.len() as u64 > MAX_COMPONENT_BYTES {
        return Err(InstallError::TooLarge { size: fetched.wasm.len() });
    }
    if fetched.manifest_text.len() > MAX_MANIFEST_BYTES {
        return Err(InstallError::ManifestTooLarge { size: fetched.manifest_text.len() });
    }
    let actual = sha256_hex(&fetched.wasm);
    if actual != fetched.component_sha256 {
        return Err(InstallError::Tampered { expected: fetched.component_sha256.clone(), actual });
    }
    let plugin =
        Arc::new(runtime.load(&format!("{}/plugin.toml", fetched.reference), &fetched.manifest_text, &fetched.wasm)?);
    let source = Source::Installed { workspace: workspace.map(String::from), reference: fetched.reference.clone() };
    let new = Entry { plugin: plugin.clone(), source };
    let m = &plugin.manifest;
    let installed = registry.installed();
    let clashes = registry.base().iter().chain(installed.entries()).filter(|e| {
        let (id, version) = (&e.plugin.manifest.id, &e.plugin.manifest.version);
        let scopes_meet = match (&e.source, workspace) {
            (Source::Installed { workspace: Some(theirs), .. }, Some(ours)) => theirs == ours,
            _ => true,
        };
        id == &m.id && version == &m.version && scopes_meet
    });
    for existing in clashes {
        if existing.source.kind() == SourceKind::Installed && existing.source.visible_to(workspace) {
            let scope = scope_words(workspace);
            return Err(InstallError::AlreadyInstalled { id: m.id.clone(), version: m.version.to_string(), scope });
        }
        if registry.prefer().choose(existing, &new)? {
            return Err(Conflict {
                id: m.id.clone(),
                version: m.version.clone(),
                first: Box::new(existing.source.clone()),
                second: Box::new(new.source),
            }
            .into());
        }
    }
    // Only an earlier install into the same scope is what this version follows: a built-in,
    // a folder or the instance's install of that id came from someone else, so taking its
    // id at a higher version asks for every permission anew.
    let view = registry.view(workspace);
    let same_scope =
        |e: &&Entry| matches!(&e.source, Source::Installed { workspace: w, .. } if w.as_deref() == workspace);
    let previous = view
        .entries()
        .iter()
        .filter(same_scope)
        .filter(|e| e.plugin.manifest.id == m.id && e.plugin.manifest.version != m.version)
        .max_by(|a, b| a.plugin.manifest.version.cmp(&b.plugin.manifest.version))
        .map(|e| {
            let diff = PermissionDiff::between(&e.plugin.manifest.permissions, &m.permissions);
            (e.plugin.manifest.version.clone(), diff)
        });
    let permissions = lines(&m.permissions).into_iter().collect();
    Ok(Proposal { fetched, plugin, workspace: workspace.map(String::from), permissions, previous })
}

/// The install of `id` this scope holds, newest first.
pub async fn installs_of(
    store: &Store,
    workspace: Option<&str>,
    id: &str,
) -> Result<Vec<InstalledPlugin>, InstallError> {
    let mut rows: Vec<InstalledPlugin> = store
        .installed_plugins()
        .await?
        .into_iter()
        .filter(|r| r.id == id && r.workspace.as_deref() == workspace)
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(semver::Version::parse(&r.version).ok()));
    Ok(rows)
}

/// Records `proposal` (its scope holds no install of that id and version), audited.
pub async fn commit(store: &Store, proposal: &Proposal, actor: &Actor) -> Result<InstalledPlugin, InstallError> {
    let m = &proposal.plugin.manifest;
    let meta = InstalledPlugin {
        workspace: proposal.workspace.clone(),
        id: m.id.clone(),
        version: m.version.to_string(),
        sha256: proposal.plugin.digest.clone(),
        source: proposal.fetched.reference.clone(),
        signer: proposal.fetched.signer.clone(),
        installed_by: actor.to_string(),
        installed_at: now_ms(),
    };
    let install = NewInstall {
        meta: meta.clone(),
        manifest: proposal.fetched.manifest_text.clone(),
        component: proposal.fetched.wasm.clone(),
    };
    if !store.install_plugin(&install).await? {
        let scope = scope_words(proposal.workspace.as_deref());
        return Err(InstallError::AlreadyInstalled { id: meta.id, version: meta.version, scope });
    }
    let detail = format!("{} sha256:{} from {}", meta.version, meta.sha256, meta.source);
    store.audit(proposal.workspace.as_deref(), actor, "plugin.install", &meta.id, Some(&detail)).await?;
    Ok(meta)
}

/// Removes the install of `id` at `version` from its scope, audited.
pub async fn remove(
    store: &Store,
    workspace: Option<&str>,
    id: &str,
    version: &str,
    actor: &Actor,
) -> Result<(), InstallError> {
    if !store.remove_plugin(workspace, id, version).await? {
        let scope = scope_words(workspace);
        return Err(InstallError::NotInstalled { id: id.into(), version: version.into(), scope });
    }
    store.audit(workspace, actor, "plugin.remove", id, Some(version)).await?;
    Ok(())
}
