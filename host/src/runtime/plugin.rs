//! A loaded plugin: its manifest, digest, checked imports, schemas and pre-instantiated component.

use std::collections::HashMap;
use std::path::Path;

use jsonschema::Validator;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::CompileNotice;
use super::bindings::PluginPre;
use super::cache::{self, CacheOutcome};
use super::manifest::{Manifest, ManifestError};
use crate::capabilities::StepState;

/// WASI interfaces a plugin may import; everything else (files, sockets, ...) is never granted.
const GRANTED_WASI: &[&str] = &[
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-",
];

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("plugin `{plugin}`: the component is not valid: {message}")]
    Component { plugin: String, message: String },
    #[error("plugin `{plugin}` imports `{import}`, {reason}")]
    Import { plugin: String, import: String, reason: String },
    #[error("plugin `{plugin}`: {message}")]
    Other { plugin: String, message: String },
}

/// Each action's input and output validators.
type Schemas = HashMap<String, (Validator, Validator)>;

/// An installed plugin, ready to instantiate.
pub struct Plugin {
    pub manifest: Manifest,
    /// The sha256 of the component, recorded with every step it runs.
    pub digest: String,
    pub cache: CacheOutcome,
    pub(crate) pre: PluginPre<StepState>,
    schemas: Schemas,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.manifest.id)
            .field("version", &self.manifest.version)
            .field("digest", &self.digest)
            .finish()
    }
}

impl Plugin {
    /// Checks and prepares a plugin from its manifest text and component bytes.
    pub(crate) fn load(
        engine: &Engine,
        linker: &Linker<StepState>,
        manifest_path: &str,
        manifest_text: &str,
        wasm: &[u8],
        cache_dir: Option<&Path>,
        notice: Option<&CompileNotice>,
    ) -> Result<Self, LoadError> {
        let manifest = Manifest::parse(manifest_path, manifest_text)?;
        let plugin = manifest.id.clone();
        let digest = cache::sha256_hex(wasm);
        let compiling = || notice.into_iter().for_each(|n| n(&plugin, &manifest.version.to_string()));
        let (component, cache) = cache::load(engine, wasm, &digest, cache_dir, compiling)
            .map_err(|e| LoadError::Component { plugin: plugin.clone(), message: format!("{e:#}") })?;
        let checked = check(engine, linker, &component, &manifest);
        if checked.is_err() && cache == CacheOutcome::Compiled {
            // A refused component keeps no artifact: refused uploads cannot fill the disk.
            cache::forget(engine, &digest, cache_dir);
        }
        let (pre, schemas) = checked?;
        Ok(Self { manifest, digest, cache, pre, schemas })
    }

    /// The input and output validators of `action`.
    pub fn schemas(&self, action: &str) -> Option<&(Validator, Validator)> {
        self.schemas.get(action)
    }

    pub fn id(&self) -> &str {
        &self.manifest.id
    }
}

fn compile_schemas(manifest: &Manifest) -> Result<Schemas, LoadError> {
    let compile = |schema| {
        jsonschema::validator_for(schema)
            .map_err(|e| LoadError::Other { plugin: manifest.id.clone(), message: format!("bad schema: {e}") })
    };
    manifest.actions.iter().map(|a| Ok((a.id.clone(), (compile(&a.input)?, compile(&a.output)?)))).collect()
}

/// The checks after compiling: imports against the manifest, the `run` export, schemas.
fn check(
    engine: &Engine,
    linker: &Linker<StepState>,
    component: &Component,
    manifest: &Manifest,
) -> Result<(PluginPre<StepState>, Schemas), LoadError> {
    let plugin = &manifest.id;
    check_imports(engine, component, manifest)?;
    let instance_pre = linker
        .instantiate_pre(component)
        .map_err(|e| LoadError::Component { plugin: plugin.clone(), message: format!("{e:#}") })?;
    let pre = PluginPre::new(instance_pre).map_err(|e| LoadError::Component {
        plugin: plugin.clone(),
        message: format!("it does not export the roost:plugin world's `run`: {e:#}"),
    })?;
    Ok((pre, compile_schemas(manifest)?))
}

/// Refuses a component that imports what its manifest does not declare.
fn check_imports(engine: &Engine, component: &Component, manifest: &Manifest) -> Result<(), LoadError> {
    let perms = &manifest.permissions;
    for (name, _) in component.component_type().imports(engine) {
        let interface = name.split('@').next().unwrap_or(name);
        let refusal = match interface {
            "roost:plugin/log" | "roost:plugin/types" => None,
            "roost:plugin/http" if perms.http.is_empty() => {
                Some("but its manifest declares no `[permissions] http` hosts; list the hosts it calls")
            }
            "roost:plugin/kv" if !perms.kv => Some("but its manifest does not declare `[permissions] kv = true`"),
            "roost:plugin/secrets" if perms.secrets.is_empty() => Some(
                "but its manifest declares no `[permissions] secrets`; list each secret with the hosts it may go to",
            ),
            "roost:plugin/http" | "roost:plugin/kv" | "roost:plugin/secrets" => None,
            wasi if GRANTED_WASI.iter().any(|p| wasi.starts_with(p)) => None,
            _ => Some("which Roost never grants to plugins (no files, sockets or other host interfaces)"),
        };
        if let Some(reason) = refusal {
            return Err(LoadError::Import {
                plugin: manifest.id.clone(),
                import: name.to_string(),
                reason: reason.to_string(),
            });
        }
    }
    Ok(())
}
