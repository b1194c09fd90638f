//! Roost plugin SDK: typed actions, the host's capabilities, and native testing.
//!
//! A Roost plugin is a WebAssembly component that offers one or more *actions*. Each
//! action is a type that implements [`Action`] with serde-typed input and output; the
//! [`plugin!`] macro registers the actions and exports the component's `run` function.
//! The same code compiles natively, where the host's capabilities are served by an
//! in-memory [`testing::FakeHost`], so actions are unit-tested with plain `cargo test`.
//!
//! ```
//! use roost_sdk::{Action, Context, JsonSchema, StepError, http, kv, log};
//! use serde::{Deserialize, Serialize};
//!
//! /// Posts a greeting to a webhook, once per logical step.
//! pub struct Greet;
//!
//! #[derive(Deserialize, JsonSchema)]
//! pub struct Input { name: String, webhook: String }
//!
//! #[derive(Serialize, JsonSchema)]
//! pub struct Output { sent: bool, greeting: String }
//!
//! impl Action for Greet {
//!     type Input = Input;
//!     type Output = Output;
//!
//!     fn run(ctx: &Context, input: Input) -> Result<Output, StepError> {
//!         if input.name.is_empty() {
//!             return Err(StepError::invalid_input("`name` must not be empty"));
//!         }
//!         let greeting = format!("Hello, {}!", input.name);
//!         let key = format!("sent:{}", ctx.idempotency_key);
//!         if kv::get(&key)?.is_some() {
//!             return Ok(Output { sent: false, greeting });
//!         }
//!         let token = roost_sdk::secrets::placeholder("HOOK_TOKEN")?;
//!         let response = http::Request::post(&input.webhook)
//!             .header("Authorization", format!("Bearer {token}"))
//!             .json(&serde_json::json!({ "text": greeting }))?
//!             .send()?;
//!         response.error_for_status()?;
//!         kv::set(&key, b"1", Some(86_400))?;
//!         log::info(&format!("greeted {}", input.name));
//!         Ok(Output { sent: true, greeting })
//!     }
//! }
//!
//! roost_sdk::plugin! { "greet" => Greet }
//!
//! // Natively, the same action runs against an in-memory host that enforces the manifest
//! // (by default the crate's own `plugin.toml`):
//! use roost_sdk::testing::{FakeHost, Reply};
//! let host = FakeHost::new()
//!     .manifest(r#"
//!         id = "greet"
//!         version = "0.1.0"
//!         api = "0.1.0"
//!         [[actions]]
//!         id = "greet"
//!         [permissions]
//!         http = ["https://hooks.example"]
//!         kv = true
//!         secrets = { HOOK_TOKEN = ["https://hooks.example"] }
//!     "#)
//!     .secret("HOOK_TOKEN", "t0ken")
//!     .on_http(|req| {
//!         assert_eq!(req.header_value("authorization"), Some("Bearer t0ken"));
//!         Reply::json(200, &serde_json::json!({ "ok": true }))
//!     });
//! let out = host.run::<Greet>(serde_json::json!({ "name": "Ada", "webhook": "https://hooks.example/x" }));
//! assert_eq!(out.unwrap()["sent"], true);
//! // A retry with the same idempotency key does not post again.
//! let again = host.run::<Greet>(serde_json::json!({ "name": "Ada", "webhook": "https://hooks.example/x" }));
//! assert_eq!(again.unwrap()["sent"], false);
//! assert_eq!(host.requests().len(), 1);
//! ```
//!
//! The manifest `plugin.toml` beside the crate declares each action's JSON Schemas and the
//! permissions (`http` hosts, `secrets`, `kv`) the plugin needs; the host refuses a
//! component that imports a capability its manifest does not declare. Types that derive
//! [`JsonSchema`] give their schemas to `roost plugin build`, which writes them into the
//! manifest; a test the macro generates fails when the two drift apart.

mod action;
mod host;
pub mod http;
pub mod kv;
pub mod length;
pub mod log;
pub mod media;
pub mod openai;
pub mod post_stats;
pub mod schema;
pub mod secrets;
pub mod social;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod time;

pub use action::{Action, Context, StepError};
pub use schemars::{self, JsonSchema};
pub use serde_json::{Value, json};

/// The generated bindings of the `roost:plugin` world (used by [`plugin!`]).
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        pub_export_macro: true,
        export_macro_name: "__export_plugin",
        default_bindings_module: "roost_sdk::bindings",
    });
}

#[doc(hidden)]
pub mod __private {
    #[cfg(not(target_arch = "wasm32"))]
    pub use crate::action::Native;
    pub use crate::action::{Entry, dispatch, entry};
    pub use crate::schema::{Derived, NotDerived, Probe};
}

/// Registers a plugin's actions by id and exports the component's `run` function.
///
/// ```ignore
/// roost_sdk::plugin! { "score" => Score, "batch" => Batch }
/// ```
///
/// The ids are those of the manifest's `[[actions]]`. Natively the macro defines
/// `ACTIONS`, the same table, so tests can dispatch by id as the host does.
#[macro_export]
macro_rules! plugin {
    ($($id:literal => $action:ty),+ $(,)?) => {
        /// This plugin's actions by id, as the host dispatches them.
        pub const ACTIONS: &[$crate::__private::Entry] = &[
            $($crate::__private::Entry {
                id: $id,
                run: $crate::__private::entry::<$action>,
                #[cfg(not(target_arch = "wasm32"))]
                native: $crate::__private::Native {
                    action: ::std::any::TypeId::of::<$action>,
                    input: || $crate::__schema_of!(<$action as $crate::Action>::Input),
                    output: || $crate::__schema_of!(<$action as $crate::Action>::Output),
                },
            }),+
        ];

        /// Fails when `plugin.toml` no longer matches this table: its action ids, or the
        /// schemas of the types that derive `JsonSchema` (`roost plugin build` rewrites them).
        #[cfg(test)]
        #[test]
        fn roost_manifest_matches_actions() {
            $crate::testing::check_manifest(ACTIONS);
        }

        #[cfg(target_arch = "wasm32")]
        struct __RoostPlugin;

        #[cfg(target_arch = "wasm32")]
        impl $crate::bindings::Guest for __RoostPlugin {
            fn run(
                ctx: $crate::bindings::roost::plugin::types::StepContext,
                input: ::std::string::String,
            ) -> ::std::result::Result<
                ::std::string::String,
                $crate::bindings::roost::plugin::types::StepError,
            > {
                $crate::__private::dispatch(ACTIONS, &ctx.into(), &input).map_err(Into::into)
            }
        }

        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_plugin!(__RoostPlugin with_types_in $crate::bindings);
    };
}
