//! An in-memory host for unit-testing actions natively with `cargo test`.
//!
//! [`FakeHost`] keeps a key-value map, secrets, the log lines and every HTTP request, and
//! answers requests with a closure. Secret placeholders are substituted before the
//! closure sees a request, as the real host does for the hosts a secret is bound to.
//!
//! It reads the crate's `plugin.toml` as Roost does: a capability the manifest does not
//! declare fails the call (a test panics where Roost would refuse to load the plugin), an
//! input outside the action's schema is refused as invalid input, and an output outside
//! it fails the test.

mod manifest;
mod permits;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

pub use self::manifest::{ActionDecl, EXPORT_ENV, Manifest, check_manifest, drift, generated};
pub use self::permits::{Permissions, allows};
use crate::action::{Entry, dispatch, entry};
use crate::http::{HttpError, Request, Response};
use crate::log::Level;
use crate::{Action, Context, StepError};

type Handler = Box<dyn Fn(&Request) -> Result<Response, HttpError>>;

/// The state behind a [`FakeHost`].
#[derive(Default)]
pub(crate) struct State {
    pub(crate) kv: HashMap<String, Vec<u8>>,
    pub(crate) secrets: HashMap<String, String>,
    pub(crate) logs: Vec<(Level, String)>,
    requests: Vec<Request>,
    handler: Option<Handler>,
    /// The manifest whose permissions are enforced; `None` grants everything.
    manifest: Option<Manifest>,
}

impl State {
    /// The manifest's permissions and its path, unless the test opted out.
    pub(crate) fn permits(&self) -> Option<(&str, &Permissions)> {
        self.manifest.as_ref().map(|m| (m.path.as_str(), &m.permissions))
    }

    pub(crate) fn fetch(&mut self, mut req: Request) -> Result<Response, HttpError> {
        if let Some((path, permits)) = self.permits() {
            permits.check_request(path, &req)?;
        }
        for (_, value) in &mut req.headers {
            *value = substitute(value, &self.secrets);
        }
        if let Some(body) = &req.body {
            let text = String::from_utf8_lossy(body);
            req.body = Some(substitute(&text, &self.secrets).into_bytes());
        }
        self.requests.push(req.clone());
        match &self.handler {
            Some(handler) => handler(&req),
            None => Err(HttpError::Connection("the FakeHost has no HTTP handler".into())),
        }
    }
}

fn substitute(text: &str, secrets: &HashMap<String, String>) -> String {
    secrets.iter().fold(text.to_string(), |acc, (name, value)| acc.replace(&format!("{{{{secret:{name}}}}}"), value))
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RefCell<State>>>> = const { RefCell::new(None) };
}

/// Runs `f` on the state of the `FakeHost` that is running an action on this thread.
pub(crate) fn with_current<T>(f: impl FnOnce(&mut State) -> T) -> T {
    let state = CURRENT.with(|c| c.borrow().clone()).expect(
        "roost-sdk host functions were called natively outside FakeHost::run; \
         run the action through roost_sdk::testing::FakeHost",
    );
    f(&mut state.borrow_mut())
}

/// Helpers to build the responses a [`FakeHost`] handler returns.
pub struct Reply;

impl Reply {
    pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, HttpError> {
        Ok(Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(body).expect("a test body serializes"),
        })
    }

    pub fn text(status: u16, body: &str) -> Result<Response, HttpError> {
        Ok(Response { status, headers: Vec::new(), body: body.as_bytes().to_vec() })
    }
}

/// An in-memory stand-in for the Roost host.
#[derive(Clone, Default)]
pub struct FakeHost {
    state: Rc<RefCell<State>>,
    ctx: Context,
    /// Tells which action id `run::<A>` runs, for its schemas.
    table: &'static [Entry],
}

impl FakeHost {
    /// A host with no secrets, an empty key-value store and no HTTP handler, enforcing
    /// the crate's `plugin.toml` (found through `CARGO_MANIFEST_DIR`) if it has one.
    pub fn new() -> Self {
        let ctx = Context {
            workspace: "test".into(),
            workflow: "test".into(),
            run_id: "run-1".into(),
            step_id: "step-1".into(),
            attempt: 1,
            deadline_ms: u64::MAX,
            idempotency_key: "run-1/step-1".into(),
            ..Context::default()
        };
        let host = Self { state: Rc::default(), ctx, table: &[] };
        host.state.borrow_mut().manifest = Manifest::of_crate();
        host
    }

    /// Enforces the manifest `text` instead of the crate's `plugin.toml`.
    pub fn manifest(self, text: &str) -> Self {
        let manifest = Manifest::parse("plugin.toml", text).unwrap_or_else(|e| panic!("{e}"));
        self.state.borrow_mut().manifest = Some(manifest);
        self
    }

    /// Grants every capability and checks no schema: only for tests that predate the
    /// manifest checks and cannot follow them.
    pub fn without_manifest(self) -> Self {
        self.state.borrow_mut().manifest = None;
        self
    }

    /// The plugin's `ACTIONS`, so [`FakeHost::run`] knows the id, and so the schemas, of
    /// an action given by type (not needed when the manifest declares one action).
    pub fn actions(mut self, table: &'static [Entry]) -> Self {
        self.table = table;
        self
    }

    pub fn secret(self, name: &str, value: &str) -> Self {
        self.state.borrow_mut().secrets.insert(name.into(), value.into());
        self
    }

    /// Answers every HTTP request with `handler`.
    pub fn on_http(self, handler: impl Fn(&Request) -> Result<Response, HttpError> + 'static) -> Self {
        self.state.borrow_mut().handler = Some(Box::new(handler));
        self
    }

    /// Changes the context the next runs see (attempt, idempotency key, ...).
    pub fn context(mut self, f: impl FnOnce(&mut Context)) -> Self {
        f(&mut self.ctx);
        self
    }

    /// Runs action `A` on `input` as the host would, JSON in and out.
    pub fn run<A: Action + 'static>(&self, input: Value) -> Result<Value, StepError> {
        let id = self.table.iter().find(|e| (e.native.action)() == std::any::TypeId::of::<A>()).map(|e| e.id);
        self.call(|ctx, text| entry::<A>(ctx, text), id.unwrap_or_default(), input)
    }

    /// Runs the action `id` of a plugin's `ACTIONS` table, as the host dispatches it.
    pub fn run_action(&self, table: &[Entry], id: &str, input: Value) -> Result<Value, StepError> {
        self.call(|ctx, text| dispatch(table, ctx, text), id, input)
    }

    fn call(
        &self,
        run: impl FnOnce(&Context, &str) -> Result<String, StepError>,
        action: &str,
        input: Value,
    ) -> Result<Value, StepError> {
        let mut ctx = self.ctx.clone();
        if !action.is_empty() {
            ctx.action = action.to_string();
        }
        let decl = self.declared(action)?;
        if let Some(decl) = &decl {
            check_schema(&decl.input, &input).map_err(StepError::invalid_input)?;
        }
        let previous = CURRENT.with(|c| c.replace(Some(self.state.clone())));
        let out = run(&ctx, &input.to_string());
        CURRENT.with(|c| c.replace(previous));
        let out = out.map(|text| serde_json::from_str(&text).expect("an action's output is JSON"))?;
        if let Some(decl) = &decl
            && let Err(e) = check_schema(&decl.output, &out)
        {
            panic!("the output of action `{}` does not match its output schema in plugin.toml: {e}", decl.id);
        }
        Ok(out)
    }

    /// The manifest's entry for `action`: by id, or the only one; an id the manifest
    /// does not declare is refused as Roost refuses it.
    fn declared(&self, action: &str) -> Result<Option<ActionDecl>, StepError> {
        let state = self.state.borrow();
        let Some(manifest) = &state.manifest else { return Ok(None) };
        if action.is_empty() {
            return Ok(match manifest.actions.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            });
        }
        match manifest.action(action) {
            Some(decl) => Ok(Some(decl.clone())),
            None => Err(StepError::invalid_input(format!("{} declares no action `{action}`", manifest.path))),
        }
    }

    /// Every request sent so far, with secrets substituted.
    pub fn requests(&self) -> Vec<Request> {
        self.state.borrow().requests.clone()
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<(Level, String)> {
        self.state.borrow().logs.clone()
    }

    pub fn kv_get(&self, key: &str) -> Option<Vec<u8>> {
        self.state.borrow().kv.get(key).cloned()
    }

    pub fn kv_set(&self, key: &str, value: &[u8]) {
        self.state.borrow_mut().kv.insert(key.into(), value.into());
    }
}

/// Validates `value` against `schema` as the host does, naming the first error and where.
fn check_schema(schema: &Value, value: &Value) -> Result<(), String> {
    let validator = jsonschema::validator_for(schema).map_err(|e| format!("the schema is not valid: {e}"))?;
    match validator.iter_errors(value).next() {
        None => Ok(()),
        Some(e) => {
            let at = e.instance_path().as_str().to_string();
            // Long values are left out of the message, as the host does.
            let text = e.to_string();
            let text = if text.chars().count() <= 200 { text } else { e.masked().to_string() };
            Err(format!("{text} (at `{}`)", if at.is_empty() { "/" } else { &at }))
        }
    }
}
