//! The host's cost per step against bare wasmtime instantiate+call of the same component.
//!
//! Run with `cargo bench -p roost --bench step`. Every figure is a median of per-iteration
//! times; the rounds alternate between the measured paths so that machine noise hits
//! them alike, and the ratios are what to read.

use std::time::{Duration, Instant};

use roost::engine::{Executor, RunOptions};
use roost::runtime::bindings::PluginPre;
use roost::runtime::registry::Registry;
use roost::runtime::{Runtime, RuntimeConfig, StepCall};
use roost::store::Store;
use roost::workflow;
use serde_json::{Map, json};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

const ROUNDS: usize = 5;
const ITERATIONS: usize = 1_000;

/// What bare wasmtime needs: a WASI context and nothing else.
struct Bare {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Bare {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

const ONE_STEP: &str = "name: one-step\nsteps:\n  - id: echo\n    uses: echo/echo@1\n    with: { text: hello, n: 3 }\n";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn time<F: AsyncFnMut()>(mut f: F) -> Duration {
    for _ in 0..50 {
        f().await;
    }
    let mut samples = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    median(samples)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let wasm_dir = std::path::PathBuf::from(env!("ROOST_WASM_PLUGIN_DIR"));
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/echo/plugin.toml");
    let wasm = std::fs::read(wasm_dir.join("echo.wasm")).unwrap();
    let manifest = std::fs::read_to_string(tests).unwrap();
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let mut registry = Registry::default();
    registry.add(runtime.load("echo/plugin.toml", &manifest, &wasm).unwrap());
    let plugin = registry.plugins()[0].clone();
    let plan = workflow::load("one-step.yaml", ONE_STEP, &registry).unwrap();
    let input = json!({ "text": "hello", "n": 3 });

    // Bare: same engine, same component, WASI only, instantiate + call.
    let engine = runtime.engine();
    let component = Component::new(engine, &wasm).unwrap();
    let mut linker = Linker::<Bare>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let bare_pre = PluginPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    let ctx = roost::runtime::bindings::types::StepContext {
        action: "echo".into(),
        workspace: "w".into(),
        workflow: "bench".into(),
        run_id: "r".into(),
        step_id: "s".into(),
        attempt: 1,
        deadline_ms: u64::MAX,
        idempotency_key: "r/s".into(),
    };
    let input_text = input.to_string();

    let db_dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", db_dir.path().join("bench.db").display())).await.unwrap();
    let (mut bare, mut execute, mut step, mut persisted) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        bare.push(
            time(async || {
                let mut store = wasmtime::Store::new(
                    engine,
                    Bare { wasi: WasiCtx::builder().build(), table: ResourceTable::new() },
                );
                store.set_epoch_deadline(1);
                store.epoch_deadline_async_yield_and_update(1);
                let instance = bare_pre.instantiate_async(&mut store).await.unwrap();
                instance.call_run(&mut store, &ctx, &input_text).await.unwrap().unwrap();
            })
            .await,
        );
        execute.push(
            time(async || {
                let call = StepCall { action: "echo".into(), input: input.clone(), ..StepCall::default() };
                runtime.execute(&plugin, call).await.result.unwrap();
            })
            .await,
        );
        let memory = Executor { runtime: &runtime, registry: &registry, store: None };
        step.push(
            time(async || {
                assert_eq!(memory.run(&plan, Map::new(), &RunOptions::default()).await.unwrap().status, "succeeded")
            })
            .await,
        );
        let durable = Executor { runtime: &runtime, registry: &registry, store: Some(&store) };
        persisted.push(
            time(async || {
                assert_eq!(durable.run(&plan, Map::new(), &RunOptions::default()).await.unwrap().status, "succeeded")
            })
            .await,
        );
    }
    let (bare, execute, step, persisted) = (median(bare), median(execute), median(step), median(persisted));
    let ratio = |d: Duration| d.as_secs_f64() / bare.as_secs_f64();
    println!("step cost, median of {ROUNDS} rounds x {ITERATIONS} iterations (echo component, {} bytes)", wasm.len());
    println!("  bare wasmtime instantiate+call       {:>9.1} µs   1.00x", micros(bare));
    println!("  Runtime::execute (checks + limits)   {:>9.1} µs   {:.2}x", micros(execute), ratio(execute));
    println!("  one-step run, nothing persisted      {:>9.1} µs   {:.2}x", micros(step), ratio(step));
    println!("  one-step run, persisted to SQLite    {:>9.1} µs   {:.2}x", micros(persisted), ratio(persisted));
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
