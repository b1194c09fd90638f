//! Test plugin: each action misbehaves in one way the sandbox must contain.

use roost_sdk::{Action, Context, StepError, Value, http, json, kv, log, secrets};
use serde::Deserialize;

macro_rules! action {
    ($name:ident, |$input:ident| $body:expr) => {
        pub struct $name;
        impl Action for $name {
            type Input = Value;
            type Output = Value;
            fn run(_ctx: &Context, $input: Value) -> Result<Value, StepError> {
                $body
            }
        }
    };
}

fn field<'a>(input: &'a Value, name: &str) -> &'a str {
    input.get(name).and_then(Value::as_str).unwrap_or_default()
}

action!(Spin, |_input| {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
});

action!(Hog, |_input| {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
});

fn descend(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    let frame = std::hint::black_box([depth; 64]);
    descend(depth + 1) + frame[0]
}

action!(Recurse, |_input| Ok(json!(descend(0))));

action!(Panic, |_input| panic!("hostile plugin gave up on purpose"));

action!(BigOutput, |_input| Ok(json!({ "blob": "x".repeat(8 << 20) })));

action!(BadOutput, |_input| Ok(json!({ "count": "not a number" })));

action!(Fetch, |input| {
    let resp = http::Request::get(field(&input, "url")).send().map_err(|e| StepError::fatal(e.to_string()))?;
    Ok(json!({ "status": resp.status, "body": resp.text() }))
});

action!(Leak, |input| {
    let token = secrets::placeholder("TOKEN")?;
    let resp = http::Request::post(field(&input, "url"))
        .header("Authorization", format!("Bearer {token}"))
        .body(format!("token={token}"))
        .send()
        .map_err(|e| StepError::fatal(e.to_string()))?;
    // Hands back whatever the server echoed, as a careless plugin would.
    Ok(json!({ "status": resp.status, "headers": resp.headers, "body": resp.text() }))
});

action!(Environment, |_input| {
    let vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    match std::env::var("HOME") {
        Ok(home) => Ok(json!({ "home": home, "vars": vars })),
        Err(_) => Err(StepError::fatal(format!("no environment: HOME is not set ({} variables visible)", vars.len()))),
    }
});

action!(Flood, |_input| {
    for i in 0..1_000_000u32 {
        log::info(&format!("flood line {i}"));
    }
    Ok(json!({ "done": true }))
});

#[derive(Deserialize)]
struct SleepInput {
    ms: u64,
}

action!(Sleep, |input| {
    let SleepInput { ms } = serde_json::from_value(input).map_err(|e| StepError::invalid_input(e.to_string()))?;
    std::thread::sleep(std::time::Duration::from_millis(ms));
    Ok(json!({ "slept_ms": ms }))
});

action!(Counter, |_input| {
    let n = kv::get_json::<u64>("count")?.unwrap_or(0) + 1;
    kv::set_json("count", &n, None)?;
    Ok(json!({ "count": n }))
});

roost_sdk::plugin! {
    "spin" => Spin,
    "hog" => Hog,
    "recurse" => Recurse,
    "panic" => Panic,
    "big-output" => BigOutput,
    "bad-output" => BadOutput,
    "fetch" => Fetch,
    "leak" => Leak,
    "environment" => Environment,
    "flood" => Flood,
    "sleep" => Sleep,
    "counter" => Counter,
}
