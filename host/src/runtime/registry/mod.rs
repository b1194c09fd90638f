//! The plugins a workflow may use: the first-party ones built into the binary, plugin
//! folders (`--plugins`), and installs kept in the database.
//!
//! A plugin folder holds `plugin.toml` and one `.wasm` component. Workflows name a plugin
//! by id and a semver requirement, or pin one component by digest (`@sha256:<hex>`).
//! Nothing is dropped quietly: a folder that cannot be loaded is kept as a [`Refusal`]
//! and named wherever its plugin is asked for, and two sources giving the same id and
//! version are a [`Conflict`] unless `[plugins] prefer` says which wins.

pub mod grants;
mod source;
mod view;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub use source::{Conflict, Entry, PluginsConfig, Refusal, Source, SourceKind, guess_id};
pub use view::{View, Widening};

use super::{LoadError, Plugin, Runtime};
use crate::workflow::{Catalog, CatalogError, ResolvedAction};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// Why plugins could not be added.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read the plugin folder {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
    #[error(transparent)]
    Conflict(#[from] Conflict),
}

/// The set of plugins workflows may use; installs are swapped in while serving.
#[derive(Debug, Default)]
pub struct Registry {
    prefer: PluginsConfig,
    base: Vec<Entry>,
    plugins: Vec<Arc<Plugin>>,
    refused: Vec<Refusal>,
    /// Database installs of every scope, replaced whole by [`Registry::set_installed`].
    installed: RwLock<Arc<View>>,
    generation: AtomicU64,
}

impl Registry {
    /// The first-party plugins shipped inside this binary.
    pub fn with_builtins(runtime: &Runtime) -> Result<Self, LoadError> {
        let mut registry = Self::default();
        for (path, manifest, wasm) in builtin::BUILTIN {
            let plugin = Arc::new(runtime.load(path, manifest, wasm)?);
            registry.base.push(Entry { plugin: plugin.clone(), source: Source::Builtin });
            registry.plugins.push(plugin);
        }
        Ok(registry)
    }

    /// Which source wins when two give one id and version (`[plugins] prefer`).
    pub fn with_prefer(mut self, prefer: PluginsConfig) -> Self {
        self.prefer = prefer;
        self
    }

    pub fn prefer(&self) -> &PluginsConfig {
        &self.prefer
    }

    /// Adds `plugin` as given by a folder, named by its id.
    pub fn add(&mut self, plugin: Plugin) -> Result<(), Conflict> {
        let source = Source::Folder(PathBuf::from(&plugin.manifest.id));
        self.insert(Entry { plugin: Arc::new(plugin), source })
    }

    /// Adds `entry`; the same id and version from another source is a conflict unless
    /// `[plugins] prefer` names one of the two.
    pub fn insert(&mut self, entry: Entry) -> Result<(), Conflict> {
        let same = |e: &Entry| {
            e.plugin.manifest.id == entry.plugin.manifest.id
                && e.plugin.manifest.version == entry.plugin.manifest.version
        };
        if let Some(at) = self.base.iter().position(same) {
            if self.prefer.choose(&self.base[at], &entry)? {
                return Ok(());
            }
            self.base.remove(at);
            self.plugins.remove(at);
        }
        self.plugins.push(entry.plugin.clone());
        self.base.push(entry);
        Ok(())
    }

    /// Loads the plugin folder `dir` itself (it holds `plugin.toml`) or every plugin
    /// folder under it; a folder that fails is kept as a refusal. Returns how many plugin
    /// folders were found, loaded or refused.
    pub fn load_dir(&mut self, runtime: &Runtime, dir: &Path) -> Result<usize, RegistryError> {
        let io = |source| RegistryError::Io { dir: dir.display().to_string(), source };
        let folders: Vec<PathBuf> = if dir.join("plugin.toml").is_file() {
            vec![dir.to_path_buf()]
        } else {
            let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("plugin.toml").is_file())
                .collect();
            found.sort();
            found
        };
        for folder in &folders {
            match load_folder(runtime, folder) {
                Ok(plugin) => {
                    let source = Source::Folder(folder.join("plugin.toml"));
                    self.insert(Entry { plugin: Arc::new(plugin), source })?;
                }
                Err(e) => self.refused.push(refusal(folder, &e)),
            }
        }
        Ok(folders.len())
    }

    /// The built-in and folder plugins (installs are in [`Registry::view`]).
    pub fn plugins(&self) -> &[Arc<Plugin>] {
        &self.plugins
    }

    /// The built-in and folder plugins with their sources.
    pub fn base(&self) -> &[Entry] {
        &self.base
    }

    /// The folders that were refused.
    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    /// Replaces the database installs (every scope) and their refusals.
    pub fn set_installed(&self, installed: View) {
        *self.installed.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(installed);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The database installs of every scope.
    pub fn installed(&self) -> Arc<View> {
        self.installed.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes each time the installs change: plans resolved before are stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// What `workspace` (or, for `None`, the instance) may use. An install that gives
    /// the id and version of another source is dropped in favour of the preferred one,
    /// or both become a refusal naming the two.
    pub fn view(&self, workspace: Option<&str>) -> View {
        let installed = self.installed();
        let mut view = View { entries: self.base.clone(), refused: self.refused.clone() };
        view.refused.extend(
            installed.refused.iter().filter(|r| r.workspace.is_none() || r.workspace.as_deref() == workspace).cloned(),
        );
        for entry in installed.entries.iter().filter(|e| e.source.visible_to(workspace)) {
            let m = &entry.plugin.manifest;
            let same = view
                .entries
                .iter()
                .position(|e| e.plugin.manifest.id == m.id && e.plugin.manifest.version == m.version);
            match same.map(|at| (at, self.prefer.choose(&view.entries[at], entry))) {
                None => view.entries.push(entry.clone()),
                Some((_, Ok(true))) => {}
                Some((at, Ok(false))) => view.entries[at] = entry.clone(),
                Some((at, Err(conflict))) => {
                    view.entries.remove(at);
                    view.refused.push(Refusal {
                        id: m.id.clone(),
                        file: format!("{} and {}", conflict.first, conflict.second),
                        reason: conflict.to_string(),
                        workspace: workspace.map(String::from),
                    });
                }
            }
        }
        view
    }

    /// The plugin `id` at exactly `version`, as the instance sees it.
    pub fn get(&self, id: &str, version: &semver::Version) -> Option<Arc<Plugin>> {
        self.view(None).find(id, version, None)
    }

    /// The plugin a step of a run in `workspace` names: by digest when it has one.
    pub fn find(
        &self,
        workspace: &str,
        id: &str,
        version: &semver::Version,
        digest: Option<&str>,
    ) -> Option<Arc<Plugin>> {
        // Every step asks: without an install of this id, the view's entries for it are
        // the base ones, so no view is built.
        if !self.installed().entries().iter().any(|e| e.plugin.manifest.id == id) {
            return view::find_in(&self.base, id, version, digest);
        }
        self.view(Some(workspace)).find(id, version, digest)
    }
}

/// A folder's refusal: its manifest path, the id it declares, why.
fn refusal(folder: &Path, error: &LoadError) -> Refusal {
    let manifest = folder.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest).ok();
    Refusal {
        id: guess_id(folder, text.as_deref()),
        file: manifest.display().to_string(),
        reason: error.to_string(),
        workspace: None,
    }
}

/// Loads one plugin folder: its `plugin.toml` and its single `.wasm` component.
pub fn load_folder(runtime: &Runtime, folder: &Path) -> Result<Plugin, LoadError> {
    let (manifest_path, manifest, wasm) = read_folder(folder)?;
    runtime.load(&manifest_path.display().to_string(), &manifest, &wasm)
}

/// Most bytes of a component read from a folder or kept in the database.
pub const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// A plugin folder's `plugin.toml` path and text and its `.wasm` bytes (bounded).
pub fn read_folder(folder: &Path) -> Result<(PathBuf, String, Vec<u8>), LoadError> {
    let name = folder.display().to_string();
    let io = |message: String| LoadError::Other { plugin: name.clone(), message };
    let manifest_path = folder.join("plugin.toml");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|e| io(format!("cannot read plugin.toml: {e}")))?;
    let mut wasms: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| io(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    wasms.sort();
    let wasm_path = match wasms.as_slice() {
        [one] => one,
        [] => return Err(io("no .wasm component next to plugin.toml".into())),
        _ => return Err(io(format!("{} .wasm files next to plugin.toml; keep exactly one", wasms.len()))),
    };
    let size = std::fs::metadata(wasm_path).map_err(|e| io(format!("cannot read {}: {e}", wasm_path.display())))?.len();
    if size > MAX_COMPONENT_BYTES {
        return Err(io(format!(
            "{} is {size} bytes, more than the {MAX_COMPONENT_BYTES} allowed",
            wasm_path.display()
        )));
    }
    let wasm = std::fs::read(wasm_path).map_err(|e| io(format!("cannot read {}: {e}", wasm_path.display())))?;
    Ok((manifest_path, manifest, wasm))
}

impl Catalog for Registry {
    fn resolve(&self, plugin: &str, action: &str, req: &semver::VersionReq) -> Result<ResolvedAction, CatalogError> {
        self.view(None).resolve(plugin, action, req)
    }

    fn resolve_pinned(&self, plugin: &str, action: &str, digest: &str) -> Result<ResolvedAction, CatalogError> {
        self.view(None).resolve_pinned(plugin, action, digest)
    }
}
