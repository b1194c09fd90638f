//! Deliberately hostile plugins, each contained with a clear error while the host serves on.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use roost::capabilities::secrets::Secret;
use roost::runtime::pattern::HostPattern;
use roost::runtime::{Plugin, Runtime, StepCall, StepFailure, StepOutcome};
use serde_json::{Value, json};

use crate::support::{self, Recorder};

pub(crate) async fn exec(runtime: &Runtime, plugin: &Plugin, action: &str, input: Value) -> StepOutcome {
    let call = StepCall {
        action: action.into(),
        workspace: "w".into(),
        run_id: "r".into(),
        step_id: action.into(),
        attempt: 1,
        input,
        ..StepCall::default()
    };
    runtime.execute(plugin, call).await
}

/// The hostile plugin allowed to call `http_hosts`, with `limits` TOML.
fn hostile_to(runtime: &Runtime, http_hosts: &[String], limits: &str) -> Plugin {
    let extra = format!("{}{limits}", support::permissions(http_hosts, &["https://api.example.com".into()]));
    support::load_hostile(runtime, &support::hostile_manifest("hostile", &extra)).unwrap()
}

fn hostile(runtime: &Runtime, limits: &str) -> Plugin {
    hostile_to(runtime, &["https://api.example.com".into()], limits)
}

/// The host still runs a well-behaved step after (or while) a hostile one misbehaved.
async fn assert_host_serves(runtime: &Runtime) {
    let echo = support::load_echo(runtime);
    let out = exec(runtime, &echo, "echo", json!({ "still": "alive" })).await;
    assert_eq!(out.result.unwrap(), json!({ "still": "alive" }));
}

#[tokio::test]
async fn an_infinite_loop_stops_at_the_timeout_while_other_steps_run() {
    let runtime = support::runtime();
    let plugin = hostile(&runtime, "[limits]\ntimeout_ms = 400");
    let echo = support::load_echo(&runtime);
    let spin = exec(&runtime, &plugin, "spin", json!({}));
    let other = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let out = exec(&runtime, &echo, "echo", json!({ "x": 1 })).await;
        (out, Instant::now())
    };
    let ((spun, spin_end), (echoed, echo_end)) = tokio::join!(async { (spin.await, Instant::now()) }, other);
    assert_eq!(spun.result.unwrap_err(), StepFailure::Timeout(Duration::from_millis(400)));
    assert!(echoed.result.is_ok());
    assert!(echo_end < spin_end, "the echo step waited for the spinning step");
}

#[tokio::test]
async fn unbounded_memory_growth_traps_at_the_memory_limit() {
    let runtime = support::runtime();
    let plugin = hostile(&runtime, "[limits]\nmemory_mb = 32");
    let out = exec(&runtime, &plugin, "hog", json!({})).await;
    let err = out.result.unwrap_err();
    assert_eq!(err.kind(), "trap");
    assert!(err.to_string().contains("memory limit of 32 MiB"), "{err}");
    assert_host_serves(&runtime).await;
}

#[tokio::test]
async fn deep_recursion_traps_with_a_stack_overflow() {
    let runtime = support::runtime();
    let out = exec(&runtime, &hostile(&runtime, ""), "recurse", json!({})).await;
    let err = out.result.unwrap_err();
    assert_eq!(err.kind(), "trap");
    let text = err.to_string();
    assert!(text.contains("stack overflow") || text.contains("overflowed its stack"), "{text}");
    assert_host_serves(&runtime).await;
}

#[tokio::test]
async fn a_panic_fails_the_step_and_its_message_reaches_the_log() {
    let runtime = support::runtime();
    let out = exec(&runtime, &hostile(&runtime, ""), "panic", json!({})).await;
    let err = out.result.unwrap_err();
    assert!(err.to_string().contains("panicked"), "{err}");
    assert!(out.logs.iter().any(|l| l.message.contains("hostile plugin gave up on purpose")), "{:?}", out.logs);
    assert_host_serves(&runtime).await;
}

#[tokio::test]
async fn output_over_the_size_cap_is_refused() {
    let runtime = support::runtime();
    let out =
        exec(&runtime, &hostile(&runtime, "[limits]\noutput_kb = 1024\nmemory_mb = 128"), "big-output", json!({}))
            .await;
    let err = out.result.unwrap_err();
    assert_eq!(err.kind(), "bad-output", "{err}");
    assert!(err.to_string().contains("over the limit of 1024 KiB"), "{err}");
}

#[tokio::test]
async fn output_that_breaks_its_schema_is_refused() {
    let runtime = support::runtime();
    let out = exec(&runtime, &hostile(&runtime, ""), "bad-output", json!({})).await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("does not match the `bad-output` output schema"), "{err}");
    assert!(err.contains("/count"), "{err}");
}

#[tokio::test]
async fn input_that_breaks_its_schema_never_reaches_the_plugin() {
    let runtime = support::runtime();
    let out = exec(&runtime, &hostile(&runtime, ""), "sleep", json!({ "ms": "soon" })).await;
    let err = out.result.unwrap_err();
    assert_eq!(err.kind(), "invalid-input");
    assert!(err.to_string().contains("/ms"), "{err}");
}

#[tokio::test]
async fn http_to_a_host_not_allow_listed_is_denied_before_sending() {
    let runtime = support::runtime();
    let (server, addr) = Recorder::start().await;
    let plugin = hostile(&runtime, "");
    let url = format!("http://loopback.test:{}/x", addr.port());
    let err = exec(&runtime, &plugin, "fetch", json!({ "url": url })).await.result.unwrap_err().to_string();
    assert!(err.contains("not in the plugin's [permissions] http allow-list"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn allow_listed_names_that_resolve_to_internal_addresses_are_denied() {
    let runtime = support::runtime();
    let (server, addr) = Recorder::start().await;
    let port = addr.port();
    let hosts = [
        "sneaky.test",
        "intranet.test",
        "metadata.test",
        "six.test",
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "[::1]",
    ];
    let allow: Vec<String> = hosts.iter().map(|h| format!("http://{h}:{port}")).collect();
    let plugin = hostile_to(&runtime, &allow, "");
    for host in hosts {
        let out = exec(&runtime, &plugin, "fetch", json!({ "url": format!("http://{host}:{port}/secret") })).await;
        let err = out.result.unwrap_err().to_string();
        assert!(err.contains("private, loopback or link-local"), "{host}: {err}");
    }
    assert!(server.requests().is_empty(), "a request got through: {:?}", server.requests());
    // The same server is reachable through the name the operator exempted.
    let plugin = hostile_to(&runtime, &[format!("http://loopback.test:{port}")], "");
    let out = exec(&runtime, &plugin, "fetch", json!({ "url": format!("http://loopback.test:{port}/ok") })).await;
    assert_eq!(out.result.unwrap()["status"], 200);
}

#[tokio::test]
async fn redirects_are_checked_again() {
    let runtime = support::runtime();
    let (server, addr) = Recorder::start().await;
    let port = addr.port();
    let plugin =
        hostile_to(&runtime, &[format!("http://loopback.test:{port}"), format!("http://sneaky.test:{port}")], "");
    let to = format!("http://sneaky.test:{port}/internal");
    let url = format!("http://loopback.test:{port}/redirect?to={to}");
    let err = exec(&runtime, &plugin, "fetch", json!({ "url": url })).await.result.unwrap_err().to_string();
    assert!(err.contains("sneaky.test resolves to 127.0.0.1"), "{err}");
    let seen: Vec<(String, String)> = server.requests().iter().map(|s| (s.method.clone(), s.path.clone())).collect();
    assert_eq!(seen, [("GET".to_string(), "/redirect".to_string())]);
}

fn token_bound_to(port: u16) -> BTreeMap<String, Secret> {
    let hosts = vec![HostPattern::parse(&format!("http://loopback.test:{port}")).unwrap()];
    BTreeMap::from([("TOKEN".to_string(), Secret { value: "s3cret-value".into(), hosts })])
}

#[tokio::test]
async fn a_secret_never_leaves_for_a_host_it_is_not_bound_to() {
    let runtime = support::runtime();
    let (bound, bound_addr) = Recorder::start().await;
    let (other, other_addr) = Recorder::start().await;
    let (p1, p2) = (bound_addr.port(), other_addr.port());
    let both = [format!("http://loopback.test:{p1}"), format!("http://loopback.test:{p2}")];
    let extra = support::permissions(&both, &both);
    let plugin = support::load_hostile(&runtime, &support::hostile_manifest("hostile", &extra)).unwrap();
    let leak = |port: u16| StepCall {
        action: "leak".into(),
        input: json!({ "url": format!("http://loopback.test:{port}/hook") }),
        secrets: token_bound_to(p1),
        ..StepCall::default()
    };
    let out = runtime.execute(&plugin, leak(p2)).await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("secret `TOKEN` is not bound to http://loopback.test"), "{err}");
    assert!(other.requests().is_empty());
    assert!(!err.contains("s3cret-value") && !format!("{:?}", out.logs).contains("s3cret-value"));
    // To the bound host the value is filled in, in headers and body alike.
    let out = runtime.execute(&plugin, leak(p1)).await;
    assert_eq!(out.result.unwrap()["status"], 200);
    let seen = bound.requests();
    assert_eq!(seen[0].headers["authorization"], "Bearer s3cret-value");
    assert_eq!(seen[0].body, "token=s3cret-value");
    assert!(!format!("{:?}", out.logs).contains("s3cret-value"));
}

#[tokio::test]
async fn reading_host_files_is_refused_at_load() {
    let runtime = support::runtime();
    let wasm = std::fs::read(support::wasm_dir().join("fs_reader.wasm")).unwrap();
    let manifest = std::fs::read_to_string(support::test_plugins_dir().join("fs-reader/plugin.toml")).unwrap();
    let err = runtime.load("fs-reader/plugin.toml", &manifest, &wasm).unwrap_err().to_string();
    assert!(err.starts_with("plugin `fs-reader` imports `wasi:filesystem/"), "{err}");
    assert!(err.contains("never grants"), "{err}");
}

#[tokio::test]
async fn environment_variables_are_not_visible() {
    let runtime = support::runtime();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let out = exec(&runtime, &hostile(&runtime, ""), "environment", json!({})).await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("HOME is not set (0 variables visible)"), "{err}");
    assert!(!format!("{err}{:?}", out.logs).contains(&home));
}

#[tokio::test]
async fn a_log_flood_is_capped_and_counted() {
    let runtime = support::runtime();
    let out = exec(&runtime, &hostile(&runtime, "[limits]\ntimeout_ms = 60000"), "flood", json!({})).await;
    assert_eq!(out.result.unwrap(), json!({ "done": true }));
    assert_eq!(out.logs.len(), roost::runtime::limits::LOG_MAX_LINES + 1);
    let last = &out.logs.last().unwrap().message;
    assert!(last.starts_with("999000 more log lines dropped"), "{last}");
}

#[tokio::test]
async fn a_capability_missing_from_the_manifest_refuses_the_plugin() {
    let runtime = support::runtime();
    let only_kv = "[permissions]\nkv = true\nsecrets = { TOKEN = [\"https://api.example.com\"] }";
    let err =
        support::load_hostile(&runtime, &support::hostile_manifest("undeclared", only_kv)).unwrap_err().to_string();
    assert!(err.contains("roost:plugin/http"), "{err}");
    assert!(err.starts_with("plugin `undeclared` imports `roost:plugin/"), "{err}");
    assert!(err.contains("manifest"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_slow_steps_run_together_without_stalling_tokio() {
    let runtime = std::sync::Arc::new(support::runtime_with(256));
    let plugin = std::sync::Arc::new(hostile(&runtime, ""));
    let started = Instant::now();
    let steps: Vec<_> = (0..200)
        .map(|_| {
            let (runtime, plugin) = (runtime.clone(), plugin.clone());
            tokio::spawn(async move { exec(&runtime, &plugin, "sleep", json!({ "ms": 500 })).await })
        })
        .collect();
    // While they sleep, a timer on the same runtime keeps firing on time.
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        tokio::time::sleep(Duration::from_millis(10)).await;
        worst = worst.max(t.elapsed());
    }
    for step in steps {
        assert_eq!(step.await.unwrap().result.unwrap(), json!({ "slept_ms": 500 }));
    }
    // A step blocking a worker thread would hold the timer for its whole 500 ms sleep, and
    // 200 of them on two threads for many seconds; scheduling noise on a loaded machine
    // stays well under that.
    assert!(worst < Duration::from_millis(1500), "a 10 ms timer took {worst:?}");
    // 200 x 500 ms one after another would take 100 s.
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}
