//! The installed plugins: the first-party ones built into the binary, and plugin folders.
//!
//! A plugin folder holds `plugin.toml` and one `.wasm` component. Workflows name a plugin
//! by id and a semver requirement; the newest matching version offering the action wins.

use std::path::Path;
use std::sync::Arc;

use super::{LoadError, Plugin, Runtime};
use crate::workflow::{Catalog, CatalogError, ResolvedAction};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// The set of plugins a workflow may use.
#[derive(Debug, Default)]
pub struct Registry {
    plugins: Vec<Arc<Plugin>>,
}

impl Registry {
    /// The first-party plugins shipped inside this binary.
    pub fn with_builtins(runtime: &Runtime) -> Result<Self, LoadError> {
        let mut registry = Self::default();
        for (path, manifest, wasm) in builtin::BUILTIN {
            registry.add(runtime.load(path, manifest, wasm)?);
        }
        Ok(registry)
    }

    /// Adds `plugin`, replacing an earlier one with the same id and version.
    pub fn add(&mut self, plugin: Plugin) {
        self.plugins.retain(|p| p.manifest.id != plugin.manifest.id || p.manifest.version != plugin.manifest.version);
        self.plugins.push(Arc::new(plugin));
    }

    /// Loads every plugin folder under `dir`; returns one error per folder refused.
    pub fn load_dir(&mut self, runtime: &Runtime, dir: &Path) -> Result<Vec<LoadError>, std::io::Error> {
        let mut refused = Vec::new();
        let mut folders: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("plugin.toml").is_file())
            .collect();
        folders.sort();
        for folder in folders {
            match load_folder(runtime, &folder) {
                Ok(plugin) => self.add(plugin),
                Err(e) => refused.push(e),
            }
        }
        Ok(refused)
    }

    pub fn plugins(&self) -> &[Arc<Plugin>] {
        &self.plugins
    }

    /// The plugin `id` at exactly `version`.
    pub fn get(&self, id: &str, version: &semver::Version) -> Option<Arc<Plugin>> {
        self.plugins.iter().find(|p| p.manifest.id == id && &p.manifest.version == version).cloned()
    }
}

/// Loads one plugin folder: its `plugin.toml` and its single `.wasm` component.
pub fn load_folder(runtime: &Runtime, folder: &Path) -> Result<Plugin, LoadError> {
    let name = folder.display().to_string();
    let io = |message: String| LoadError::Other { plugin: name.clone(), message };
    let manifest_path = folder.join("plugin.toml");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|e| io(format!("cannot read plugin.toml: {e}")))?;
    let wasm_path = std::fs::read_dir(folder)
        .map_err(|e| io(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or_else(|| io("no .wasm component next to plugin.toml".into()))?;
    let wasm = std::fs::read(&wasm_path).map_err(|e| io(format!("cannot read {}: {e}", wasm_path.display())))?;
    runtime.load(&manifest_path.display().to_string(), &manifest, &wasm)
}

impl Catalog for Registry {
    fn resolve(&self, plugin: &str, action: &str, req: &semver::VersionReq) -> Result<ResolvedAction, CatalogError> {
        let versions: Vec<&Arc<Plugin>> = self.plugins.iter().filter(|p| p.manifest.id == plugin).collect();
        if versions.is_empty() {
            let mut known: Vec<String> = self.plugins.iter().map(|p| p.manifest.id.clone()).collect();
            known.dedup();
            return Err(CatalogError::UnknownPlugin { known });
        }
        let best = versions
            .iter()
            .filter(|p| req.matches(&p.manifest.version))
            .max_by(|a, b| a.manifest.version.cmp(&b.manifest.version));
        let Some(best) = best else {
            return Err(CatalogError::NoMatchingVersion {
                available: versions.iter().map(|p| p.manifest.version.clone()).collect(),
            });
        };
        match best.manifest.action(action) {
            Some(decl) => {
                Ok(ResolvedAction { version: best.manifest.version.clone(), input_schema: decl.input.clone() })
            }
            None => {
                Err(CatalogError::UnknownAction { known: best.manifest.actions.iter().map(|a| a.id.clone()).collect() })
            }
        }
    }
}
