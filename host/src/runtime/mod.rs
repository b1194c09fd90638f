//! The wasmtime engine that runs plugins: one `Engine`, pooled instances, epoch ticks.
//!
//! A [`Runtime`] owns the engine, the linker with every capability, the shared HTTP
//! client and a semaphore of instance slots. [`Runtime::load`] checks and pre-instantiates
//! a plugin once; [`Runtime::execute`] runs one step of it in a fresh `Store`.

pub mod bindings;
pub mod cache;
mod executor;
pub mod limits;
pub mod manifest;
mod measure;
pub mod pattern;
mod plugin;
pub mod registry;
mod slots;

use std::path::PathBuf;
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

pub use executor::{StepCall, StepFailure, StepOutcome, new_nonce};
pub use plugin::{LoadError, Plugin};

use crate::capabilities::{self, StepState, http::HttpClient, net::NetPolicy};

/// How the runtime is set up; read once from configuration.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    pub net: NetPolicy,
    /// Instances alive at once; one workspace may hold three quarters of them.
    pub max_concurrent_steps: u32,
    /// The operator's ceiling of a step's wall-clock time: a manifest, a workflow or a
    /// workspace quota may ask for less, never more (at most [`limits::MAX_TIMEOUT`]).
    pub max_step_timeout: Duration,
    /// The operator's ceiling of a step's linear memory, in MiB (at most
    /// [`limits::MAX_MEMORY_MB`]).
    pub max_step_memory_mb: u32,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            cache_dir: None,
            net: NetPolicy::default(),
            max_concurrent_steps: limits::MAX_CONCURRENT_STEPS,
            max_step_timeout: limits::MAX_TIMEOUT,
            max_step_memory_mb: limits::MAX_MEMORY_MB,
        }
    }
}

/// The plugin runtime. Clone-free: share it behind an `Arc`.
pub struct Runtime {
    engine: Engine,
    linker: Linker<StepState>,
    http: HttpClient,
    slots: slots::Slots,
    config: RuntimeConfig,
    notice: Option<CompileNotice>,
    tracer: crate::telemetry::Tracer,
}

/// Told `(plugin id, version)` before a plugin missing from the cache is compiled, which
/// takes seconds for a large one: the command line says so instead of seeming to hang.
pub type CompileNotice = Box<dyn Fn(&str, &str) + Send + Sync>;

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("failed to create the wasm engine: {0:#}")]
    Engine(wasmtime::Error),
    #[error("failed to create the http client: {0}")]
    Http(#[from] reqwest::Error),
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Self, RuntimeError> {
        let engine = new_engine(config.max_concurrent_steps).map_err(RuntimeError::Engine)?;
        spawn_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        capabilities::add_to_linker(&mut linker).map_err(RuntimeError::Engine)?;
        let http = HttpClient::new(config.net.clone())?;
        let total = config.max_concurrent_steps;
        let slots = slots::Slots::new(total as usize, slots::Slots::share_of(total as usize));
        Ok(Self { engine, linker, http, slots, config, notice: None, tracer: Default::default() })
    }

    /// This runtime, calling `notice` before each plugin it compiles (see [`CompileNotice`]).
    pub fn with_compile_notice(mut self, notice: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.notice = Some(Box::new(notice));
        self
    }

    /// This runtime, tracing its steps and their requests through `tracer`.
    pub fn with_tracer(mut self, tracer: crate::telemetry::Tracer) -> Self {
        self.tracer = tracer;
        self
    }

    /// Where the spans of runs, steps and requests go; off unless telemetry is configured.
    pub fn tracer(&self) -> &crate::telemetry::Tracer {
        &self.tracer
    }

    /// The operator's ceilings of a step's time and memory, under the host's own.
    fn ceilings(&self) -> (Duration, u32) {
        let c = &self.config;
        (c.max_step_timeout.min(limits::MAX_TIMEOUT), c.max_step_memory_mb.min(limits::MAX_MEMORY_MB))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The network policy the runtime's HTTP client enforces (shared, not a copy).
    pub fn net(&self) -> &NetPolicy {
        &self.config.net
    }

    /// Checks a plugin (manifest, imports against permissions, schemas) and prepares it.
    pub fn load(&self, manifest_path: &str, manifest_text: &str, wasm: &[u8]) -> Result<Plugin, LoadError> {
        let cache_dir = self.config.cache_dir.as_deref();
        Plugin::load(&self.engine, &self.linker, manifest_path, manifest_text, wasm, cache_dir, self.notice.as_ref())
    }
}

fn engine_config(pooling: Option<PoolingAllocationConfig>) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(limits::MAX_WASM_STACK)
        .async_stack_size(limits::MAX_WASM_STACK + (1 << 20))
        .wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    if let Some(pool) = pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// A pooling engine sized for `slots` concurrent steps, or an on-demand one where the
/// machine cannot reserve the pool's address space.
fn new_engine(slots: u32) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(slots)
        .total_core_instances(slots * 8)
        .total_memories(slots * 2)
        .total_tables(slots * 4)
        .total_stacks(slots)
        .max_memory_size((limits::MAX_MEMORY_MB as usize) << 20)
        .max_core_instances_per_component(32)
        .max_memories_per_component(4)
        .max_tables_per_component(16)
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(64 << 10);
    Engine::new(&engine_config(Some(pool))).or_else(|e| {
        tracing::warn!("pooling allocator unavailable ({e:#}); allocating instances on demand");
        Engine::new(&engine_config(None))
    })
}

/// Advances the epoch every tick on a plain thread, off the tokio runtime, so a stuck
/// runtime cannot stop preemption. The thread ends when the engine is dropped.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("roost-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(limits::EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}
