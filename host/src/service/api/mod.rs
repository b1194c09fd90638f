//! The REST API under `/api/v1`: every workspace-scoped route checks the caller's token
//! against the workspace in its path before it reads or writes anything.

mod account;
mod approval_links;
mod calendar;
mod client;
mod installs;
mod members;
pub mod openapi;
mod paging;
mod plugins;
mod publishing;
mod retention;
mod retry;
mod run_query;
mod runs;
mod schedules;
mod settings;
mod usage;
mod workflow_facts;
mod workflows;
mod workspace_delete;
mod workspaces;

use axum::Router;

use super::AppState;
use super::auth::Role;

pub use workflows::{WorkflowSaved, save_workflow};

/// Who may call an endpoint. Each handler enforces it itself; this table says it once for
/// the documentation and the tests, which check that the handlers agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed.
    Public,
    /// Any valid token; what is answered is limited to the token's workspace.
    Token,
    /// The operator token only.
    Operator,
    /// A person: by browser session or personal token (403 for other tokens).
    Person,
    /// The operator, or a token of the workspace in the path with at least this role.
    Role(Role),
}

/// One method on one path under `/api/v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Lowercase, as in `axum::routing`: `get`, `post`, `put`, `patch`, `delete`.
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// Declares [`ENDPOINTS`] and [`routes`] from one table, so neither can miss a route.
macro_rules! endpoints {
    ($($method:ident $path:literal => $handler:path, $access:expr;)*) => {
        /// Every endpoint of the API, in the order the router registers them.
        pub const ENDPOINTS: &[Endpoint] =
            &[$(Endpoint { method: stringify!($method), path: $path, access: $access }),*];

        /// The router of [`ENDPOINTS`] (several methods on one path merge into one route).
        pub fn routes() -> Router<AppState> {
            Router::new()$(.route($path, axum::routing::$method($handler)))*
        }
    };
}

// Routes added here are checked against the OpenAPI document (`openapi.rs`) and walked
// by the tenancy tests with every role.
endpoints! {
    get "/openapi.json" => openapi::document, Access::Public;
    get "/auth/providers" => account::providers, Access::Public;
    post "/auth/signin" => account::sign_in, Access::Public;
    post "/auth/signup" => account::sign_up, Access::Public;
    post "/auth/signout" => account::sign_out, Access::Token;
    get "/auth/session" => account::current, Access::Token;
    get "/me/tokens" => account::tokens, Access::Person;
    post "/me/tokens" => account::create_token, Access::Person;
    delete "/me/tokens/{id}" => account::delete_token, Access::Person;
    get "/invitations/{token}" => members::view, Access::Public;
    post "/invitations/{token}/accept" => members::accept, Access::Public;
    get "/client/{token}" => client::view, Access::Public;
    post "/client/{token}" => client::answer, Access::Public;
    get "/workspaces" => workspaces::list, Access::Token;
    post "/workspaces" => workspaces::create, Access::Operator;
    get "/workspaces/{ws}" => workspaces::get, Access::Role(Role::Viewer);
    patch "/workspaces/{ws}" => workspaces::update, Access::Operator;
    delete "/workspaces/{ws}" => workspace_delete::delete, Access::Operator;
    get "/workspaces/{ws}/tokens" => workspaces::tokens, Access::Role(Role::Owner);
    post "/workspaces/{ws}/tokens" => workspaces::create_token, Access::Role(Role::Owner);
    delete "/workspaces/{ws}/tokens/{id}" => workspaces::delete_token, Access::Role(Role::Owner);
    get "/workspaces/{ws}/audit" => workspaces::audit, Access::Role(Role::Owner);
    get "/workspaces/{ws}/members" => members::list, Access::Role(Role::Owner);
    delete "/workspaces/{ws}/members/{user}" => members::remove, Access::Role(Role::Owner);
    get "/workspaces/{ws}/invitations" => members::invitations, Access::Role(Role::Owner);
    post "/workspaces/{ws}/invitations" => members::invite, Access::Role(Role::Owner);
    delete "/workspaces/{ws}/invitations/{id}" => members::withdraw, Access::Role(Role::Owner);
    get "/workspaces/{ws}/secrets" => settings::secrets, Access::Role(Role::Viewer);
    put "/workspaces/{ws}/secrets/{name}" => settings::put_secret, Access::Role(Role::Editor);
    delete "/workspaces/{ws}/secrets/{name}" => settings::delete_secret, Access::Role(Role::Editor);
    get "/workspaces/{ws}/variables" => settings::variables, Access::Role(Role::Viewer);
    put "/workspaces/{ws}/variables/{name}" => settings::put_variable, Access::Role(Role::Editor);
    delete "/workspaces/{ws}/variables/{name}" => settings::delete_variable, Access::Role(Role::Editor);
    get "/workspaces/{ws}/workflows" => workflows::list, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/workflows" => workflows::create, Access::Role(Role::Editor);
    get "/workspaces/{ws}/workflows/{name}" => workflows::get, Access::Role(Role::Viewer);
    delete "/workspaces/{ws}/workflows/{name}" => workflows::delete, Access::Role(Role::Editor);
    patch "/workspaces/{ws}/workflows/{name}" => workflows::update, Access::Role(Role::Editor);
    get "/workspaces/{ws}/workflows/{name}/revisions" => workflows::revisions, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/workflows/{name}/runs" => runs::start, Access::Role(Role::Editor);
    get "/workspaces/{ws}/workflows/{name}/form" => workflow_facts::form, Access::Role(Role::Viewer);
    get "/workspaces/{ws}/workflow-overview" => workflow_facts::overview, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/runs/{id}/rerun" => workflow_facts::rerun, Access::Role(Role::Editor);
    post "/workspaces/{ws}/runs/{id}/retry" => retry::retry, Access::Role(Role::Editor);
    post "/workspaces/{ws}/validate" => workflows::validate, Access::Role(Role::Viewer);
    get "/workspaces/{ws}/runs" => runs::list, Access::Role(Role::Viewer);
    get "/workspaces/{ws}/runs/{id}" => runs::get, Access::Role(Role::Viewer);
    delete "/workspaces/{ws}/runs/{id}" => retention::delete_run, Access::Role(Role::Owner);
    get "/workspaces/{ws}/runs/{id}/logs" => runs::logs, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/runs/{id}/cancel" => runs::cancel, Access::Role(Role::Editor);
    post "/workspaces/{ws}/runs/{id}/resume" => runs::resume, Access::Role(Role::Editor);
    get "/workspaces/{ws}/approvals" => runs::approvals, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/runs/{id}/approvals/{step}/approve" => runs::approve, Access::Role(Role::Approver);
    post "/workspaces/{ws}/runs/{id}/approvals/{step}/reject" => runs::reject, Access::Role(Role::Approver);
    get "/workspaces/{ws}/runs/{id}/approvals/{step}/links" => approval_links::list, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/runs/{id}/approvals/{step}/links" => approval_links::create, Access::Role(Role::Editor);
    delete "/workspaces/{ws}/runs/{id}/approvals/{step}/links/{link}" => approval_links::revoke, Access::Role(Role::Editor);
    get "/workspaces/{ws}/calendar" => calendar::list, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/calendar/{id}/{step}/move" => calendar::move_timer, Access::Role(Role::Editor);
    post "/workspaces/{ws}/calendar/{id}/cancel" => calendar::cancel, Access::Role(Role::Editor);
    get "/workspaces/{ws}/publishing" => publishing::get, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/publishing/stop" => publishing::stop, Access::Role(Role::Editor);
    post "/workspaces/{ws}/publishing/resume" => publishing::resume, Access::Role(Role::Editor);
    get "/plugins" => plugins::list, Access::Token;
    get "/plugins/{id}" => plugins::get, Access::Token;
    get "/workspaces/{ws}/plugins" => installs::list, Access::Role(Role::Viewer);
    post "/workspaces/{ws}/plugins" => installs::install, Access::Role(Role::Owner);
    delete "/workspaces/{ws}/plugins/{plugin}/{version}" => installs::remove, Access::Role(Role::Owner);
    get "/workspaces/{ws}/schedules" => schedules::list, Access::Role(Role::Viewer);
    get "/workspaces/{ws}/triggers" => schedules::events, Access::Role(Role::Viewer);
    get "/workspaces/{ws}/retention" => retention::get, Access::Role(Role::Viewer);
    put "/workspaces/{ws}/retention" => retention::set, Access::Role(Role::Owner);
    get "/workspaces/{ws}/usage" => usage::workspace_usage, Access::Role(Role::Viewer);
    get "/usage" => usage::all_usage, Access::Operator;
}
