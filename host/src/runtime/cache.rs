//! Compiled components on disk, keyed by the wasm's sha256 and the engine's settings.
//!
//! Compiling a component takes tens of milliseconds; loading the precompiled artifact
//! with `mmap` takes tens of microseconds, so a second start compiles nothing. The key
//! includes `Engine::precompile_compatibility_hash`, so a wasmtime upgrade or a change of
//! engine settings misses the cache instead of loading incompatible code.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Whether a component came from the cache or was compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
    /// No cache directory was configured.
    Uncached,
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn artifact_path(engine: &Engine, dir: &Path, digest: &str) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("{digest}-{:016x}.cwasm", hasher.finish()))
}

/// The component for `wasm` (whose sha256 is `digest`), from the cache in `dir` if there;
/// `compiling` is called first when it is not, so a caller can say why this start is slow.
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    digest: &str,
    dir: Option<&Path>,
    compiling: impl FnOnce(),
) -> wasmtime::Result<(Component, CacheOutcome)> {
    let Some(dir) = dir else {
        return Ok((Component::new(engine, wasm)?, CacheOutcome::Uncached));
    };
    let path = artifact_path(engine, dir, digest);
    if path.exists() {
        match deserialize(engine, &path) {
            Ok(component) => return Ok((component, CacheOutcome::Hit)),
            Err(e) => tracing::warn!("recompiling {}: cached artifact unusable: {e}", path.display()),
        }
    }
    compiling();
    let compiled = engine.precompile_component(wasm)?;
    std::fs::create_dir_all(dir)?;
    // Write then rename, so a concurrent start never maps a half-written file.
    let tmp = temporary(&path);
    std::fs::write(&tmp, &compiled)?;
    std::fs::rename(&tmp, &path)?;
    Ok((deserialize(engine, &path)?, CacheOutcome::Compiled))
}

/// A temporary name beside `path` that is this call's own: threads of one process may
/// compile the same plugin at once, and one must not truncate or move the other's file.
fn temporary(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let nth = WRITES.fetch_add(1, Ordering::Relaxed);
    path.with_extension(format!("tmp{}-{nth}", std::process::id()))
}

/// Removes the artifact of `digest`, if any (best effort).
pub fn forget(engine: &Engine, digest: &str, dir: Option<&Path>) {
    if let Some(dir) = dir {
        let _ = std::fs::remove_file(artifact_path(engine, dir, digest));
    }
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the cache directory holds only artifacts this host wrote with
    // `precompile_component` under a name keyed by the engine's compatibility hash; it
    // never holds files supplied by plugin authors.
    unsafe { Component::deserialize_file(engine, path) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_writes_of_one_artifact_in_one_process_use_two_temporary_files() {
        let path = Path::new("/cache/abc-0123.cwasm");
        let (first, second) = (temporary(path), temporary(path));
        assert_ne!(first, second);
        assert_eq!(first.parent(), path.parent(), "beside the artifact, so the rename stays on one file system");
    }
}
