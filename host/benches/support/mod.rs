//! What the benchmarks share: the echo test plugin, loaded into a runtime of its own.

use std::sync::Arc;

use roost::runtime::registry::Registry;
use roost::runtime::{Runtime, RuntimeConfig};

/// A runtime, a registry holding only the echo plugin, and the echo component's bytes.
pub fn echo() -> (Arc<Runtime>, Registry, Vec<u8>) {
    let wasm = std::fs::read(std::path::Path::new(env!("ROOST_WASM_PLUGIN_DIR")).join("echo.wasm")).unwrap();
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/echo/plugin.toml"),
    )
    .unwrap();
    let runtime = Arc::new(Runtime::new(RuntimeConfig::default()).unwrap());
    let mut registry = Registry::default();
    registry.add(runtime.load("echo/plugin.toml", &manifest, &wasm).unwrap()).unwrap();
    (runtime, registry, wasm)
}
