//! The host side of the `roost:plugin` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "plugin",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use self::roost::plugin::{http, kv, log, secrets, types};
