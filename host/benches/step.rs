//! The host's cost per step against bare wasmtime instantiate+call of the same component.
//!
//! Run with `cargo bench -p roost --bench step`. Every figure is a median of per-iteration
//! times; the measured paths take turns every iteration so that machine noise hits them
//! alike, and the ratios are what to read.

mod support;

use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::sync::Arc;

use roost::engine::{Engine, Progress};
use roost::runtime::StepCall;
use roost::runtime::bindings::PluginPre;
use roost::store::Store;
use roost::workflow;
use roost::workflow::{Scope, StepKind, StepView};
use serde_json::{Map, json};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

const WARMUP: usize = 200;
const ITERATIONS: usize = 5_000;
const PERSISTED_ITERATIONS: usize = 1_000;

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

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let (runtime, registry, wasm) = support::echo();
    let registry = Arc::new(registry);
    let plugin = registry.plugins()[0].clone();
    let plan = workflow::load("one-step.yaml", ONE_STEP, registry.as_ref()).unwrap();
    let StepKind::Action { with, .. } = &plan.steps[0].kind else { unreachable!("one action step") };
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
    let durable = Engine::new(runtime.clone(), registry.clone(), store);
    let bare_call = async || {
        let mut store =
            wasmtime::Store::new(engine, Bare { wasi: WasiCtx::builder().build(), table: ResourceTable::new() });
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        let instance = bare_pre.instantiate_async(&mut store).await.unwrap();
        instance.call_run(&mut store, &ctx, &input_text).await.unwrap().unwrap();
    };
    let execute = async || {
        let call = StepCall { action: "echo".into(), input: input.clone(), ..StepCall::default() };
        runtime.execute(&plugin, call).await.result.unwrap();
    };
    // A step as the engine does it, minus the database: render, execute, record the output.
    let (inputs, mut outputs) = (Map::new(), HashMap::new());
    let mut step = async || {
        let rendered = with.render(&Scope::new(&inputs, &outputs)).unwrap();
        let call = StepCall { action: "echo".into(), input: rendered, ..StepCall::default() };
        let output = runtime.execute(&plugin, call).await.result.unwrap();
        outputs.insert("echo".to_string(), StepView { output, status: "succeeded".into() });
    };
    let persisted = async || {
        let run = durable.start(&plan, "one-step.yaml", ONE_STEP, Map::new(), "bench", "bench").await.unwrap();
        assert_eq!(durable.drive(&run, Duration::from_secs(1)).await.unwrap(), Progress::Finished);
    };

    // The paths take turns iteration by iteration, so drift and noise hit them alike.
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for i in 0..WARMUP + ITERATIONS {
        let t = Instant::now();
        bare_call().await;
        let bare = t.elapsed();
        let t = Instant::now();
        execute().await;
        let exec = t.elapsed();
        let t = Instant::now();
        step().await;
        let run = t.elapsed();
        if i >= WARMUP {
            for (list, d) in samples.iter_mut().zip([bare, exec, run]) {
                list.push(d);
            }
        }
    }
    let [bare, execute_t, step_t] = samples.map(median);
    let mut persisted_samples = Vec::new();
    for i in 0..WARMUP + PERSISTED_ITERATIONS {
        let t = Instant::now();
        persisted().await;
        if i >= WARMUP {
            persisted_samples.push(t.elapsed());
        }
    }
    let persisted_t = median(persisted_samples);
    let ratio = |d: Duration| d.as_secs_f64() / bare.as_secs_f64();
    println!("step cost, medians of {ITERATIONS} interleaved iterations (echo component, {} bytes)", wasm.len());
    println!("  bare wasmtime instantiate+call       {:>9.1} µs   1.00x", micros(bare));
    println!("  Runtime::execute (checks + limits)   {:>9.1} µs   {:.2}x", micros(execute_t), ratio(execute_t));
    println!("  step: render, execute, record        {:>9.1} µs   {:.2}x", micros(step_t), ratio(step_t));
    println!("  one-step durable run, SQLite file    {:>9.1} µs   {:.2}x", micros(persisted_t), ratio(persisted_t));
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
