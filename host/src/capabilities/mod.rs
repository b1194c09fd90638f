//! The host side of each WIT import (one file each) and the state of one step's `Store`.

pub mod calls;
pub mod http;
pub mod kv;
pub mod log;
pub mod net;
pub mod redact;
pub mod secrets;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::runtime::bindings::{Plugin, types};
use crate::runtime::limits::MeteredLimits;

/// Everything one step execution owns: its sandbox context and its capabilities.
pub struct StepState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: MeteredLimits,
    pub(crate) log: log::LogCap,
    pub(crate) secrets: secrets::SecretsCap,
    /// `None` when the manifest declares no http permission.
    pub(crate) http: Option<http::HttpCap>,
    /// `None` when the manifest declares no kv permission.
    pub(crate) kv: Option<kv::KvCap>,
    pub(crate) calls: calls::HostCalls,
}

impl WasiView for StepState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for StepState {}

/// Links WASI 0.2 (deny-by-default per store) and the four `roost:plugin` imports.
pub fn add_to_linker(linker: &mut Linker<StepState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    Plugin::add_to_linker::<StepState, HasSelf<StepState>>(linker, |s| s)
}
