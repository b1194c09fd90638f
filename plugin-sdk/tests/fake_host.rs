//! The in-memory host enforces the manifest as Roost does: undeclared capabilities and
//! inputs or outputs outside the action's schemas fail.

use roost_sdk::testing::{FakeHost, Reply};
use roost_sdk::{Action, Context, JsonSchema, StepError, http, json, kv, secrets};
use serde::{Deserialize, Serialize};

/// Does what its input says, to reach each capability.
struct Probe;

#[derive(Deserialize, JsonSchema)]
struct Input {
    /// `kv`, `http URL`, `secret NAME URL` or `echo N`.
    op: String,
}

#[derive(Serialize)]
struct Output {
    n: i64,
}

impl Action for Probe {
    type Input = Input;
    type Output = Output;

    fn run(_ctx: &Context, input: Input) -> Result<Output, StepError> {
        let words: Vec<&str> = input.op.split(' ').collect();
        match words.as_slice() {
            ["kv"] => kv::set("k", b"v", None)?,
            ["http", url] => drop(http::Request::get(url).send()?),
            ["secret", name, url] => {
                let token = secrets::placeholder(name)?;
                drop(http::Request::get(url).header("Authorization", token).send()?);
            }
            ["echo", n] => return Ok(Output { n: n.parse().unwrap_or_default() }),
            _ => return Err(StepError::invalid_input("unknown op")),
        }
        Ok(Output { n: 0 })
    }
}

fn manifest(permissions: &str) -> String {
    format!(
        r#"id = "probe"
version = "0.1.0"
api = "0.1.0"
[[actions]]
id = "probe"
input = {{ type = "object", required = ["op"], properties = {{ op = {{ type = "string", minLength = 2 }} }} }}
output = {{ type = "object", properties = {{ n = {{ type = "integer", minimum = 0 }} }} }}
[permissions]
{permissions}
"#
    )
}

fn host(permissions: &str) -> FakeHost {
    FakeHost::new().manifest(&manifest(permissions)).on_http(|_| Reply::text(200, "ok"))
}

fn run(host: &FakeHost, op: &str) -> Result<roost_sdk::Value, StepError> {
    host.run::<Probe>(json!({ "op": op }))
}

#[test]
#[should_panic(expected = "add `kv = true` under [permissions]")]
fn kv_without_the_permission_fails_as_a_refused_plugin() {
    let _ = run(&host(r#"http = ["https://api.example"]"#), "kv");
}

#[test]
fn kv_with_the_permission_works() {
    let host = host("kv = true");
    run(&host, "kv").unwrap();
    assert_eq!(host.kv_get("k").as_deref(), Some(&b"v"[..]));
}

#[test]
fn http_goes_only_to_the_declared_hosts() {
    let host = host(r#"http = ["https://api.example"]"#);
    run(&host, "http https://api.example/x").unwrap();
    let err = run(&host, "http https://other.example/x").unwrap_err();
    assert_eq!(
        err,
        StepError::fatal("request denied: https://other.example is not in the plugin's [permissions] http allow-list")
    );
    assert_eq!(host.requests().len(), 1, "the denied request never left");
}

#[test]
#[should_panic(expected = "list the hosts it calls under [permissions] http")]
fn http_without_any_host_fails_as_a_refused_plugin() {
    let _ = run(&host("kv = true"), "http https://api.example/x");
}

#[test]
fn secrets_must_be_declared_and_go_only_to_their_hosts() {
    let perms = r#"http = ["https://*"]
secrets = { TOKEN = ["https://api.example"] }"#;
    let host = host(perms).secret("TOKEN", "t0k").secret("OTHER", "x");
    run(&host, "secret TOKEN https://api.example/x").unwrap();
    assert_eq!(host.requests()[0].header_value("authorization"), Some("t0k"));
    let undeclared = run(&host, "secret OTHER https://api.example/x").unwrap_err();
    assert!(undeclared.message().contains("`OTHER` is not declared"), "{undeclared:?}");
    let elsewhere = run(&host, "secret TOKEN https://evil.example/x").unwrap_err();
    assert!(elsewhere.message().contains("secret `TOKEN` may not be sent to https://evil.example"), "{elsewhere:?}");
    assert_eq!(host.requests().len(), 1);
}

#[test]
fn an_input_outside_the_schema_is_refused_before_the_action_runs() {
    let err = host("").run::<Probe>(json!({ "op": "x" })).unwrap_err();
    assert!(matches!(&err, StepError::InvalidInput(m) if m.contains("(at `/op`)")), "{err:?}");
}

#[test]
#[should_panic(expected = "does not match its output schema in plugin.toml")]
fn an_output_outside_the_schema_fails_the_test() {
    let _ = run(&host(""), "echo -1");
}

#[test]
fn opting_out_grants_everything() {
    let host = FakeHost::new().without_manifest();
    run(&host, "kv").unwrap();
    assert_eq!(run(&host, "echo -1").unwrap(), json!({ "n": -1 }));
}
