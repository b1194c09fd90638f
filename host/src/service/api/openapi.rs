//! The OpenAPI 3 document of the service, generated from the handlers' `#[utoipa::path]`
//! annotations and served at `GET /api/v1/openapi.json` without a token.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::service::error::ErrorBody;

use super::{
    account, approval_links, calendar, client, installs, members, plugins, publishing, retention, retry, runs,
    schedules, settings, usage, workflow_facts, workflows, workspace_delete, workspaces,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roost",
        description = "Workspaces, workflows, runs, approvals, secrets and plugins of `roost serve`. \
            Every call but this document, `/healthz`, (on loopback) `/metrics`, signing in, \
            invitations and client links (whose secret is in the path) needs \
            `Authorization: Bearer TOKEN`: the operator's, or a workspace token with a role \
            (viewer < approver < editor < owner). Another workspace's data answers 404. \
            Every error, including a body that does not parse (400) or fit its schema (422), \
            one too large (413) or of the wrong content type (415), an unknown route (404) \
            and a method a route does not take (405), is `{\"error\": {\"code\", \"message\"}}`. \
            Every time is an RFC 3339 string in UTC. Lists that page take `limit` and `before`, \
            the id of the last item of the previous page; a value out of range or an unknown \
            parameter is a 400 `invalid_request`."
    ),
    paths(
        document,
        account::providers,
        account::sign_in,
        account::sign_up,
        account::sign_out,
        account::current,
        account::tokens,
        account::create_token,
        account::delete_token,
        members::view,
        members::accept,
        client::view,
        client::answer,
        members::list,
        members::remove,
        members::invitations,
        members::invite,
        members::withdraw,
        workspaces::list,
        workspaces::create,
        workspaces::get,
        workspaces::update,
        workspace_delete::delete,
        workspaces::tokens,
        workspaces::create_token,
        workspaces::delete_token,
        workspaces::audit,
        settings::secrets,
        settings::put_secret,
        settings::delete_secret,
        settings::variables,
        settings::put_variable,
        settings::delete_variable,
        workflows::list,
        workflows::create,
        workflows::get,
        workflows::update,
        workflows::delete,
        workflows::revisions,
        workflows::validate,
        runs::start,
        workflow_facts::form,
        workflow_facts::overview,
        workflow_facts::rerun,
        retry::retry,
        runs::list,
        runs::get,
        retention::delete_run,
        runs::logs,
        runs::cancel,
        runs::resume,
        runs::approvals,
        runs::approve,
        runs::reject,
        approval_links::list,
        approval_links::create,
        approval_links::revoke,
        plugins::list,
        plugins::get,
        installs::list,
        installs::install,
        installs::remove,
        calendar::list,
        calendar::move_timer,
        calendar::cancel,
        publishing::get,
        publishing::stop,
        publishing::resume,
        schedules::list,
        schedules::events,
        retention::get,
        retention::set,
        usage::workspace_usage,
        usage::all_usage,
        crate::service::healthz,
        crate::service::metrics::scrape,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth, &UniqueOperationIds, &BodyRejections),
    tags(
        (name = "workspaces", description = "Workspaces (created by the operator), their tokens and audit log"),
        (name = "settings", description = "A workspace's secrets (write-only) and variables"),
        (name = "workflows", description = "Stored workflows: YAML in, revisions kept"),
        (name = "runs", description = "Starting, reading, cancelling and resuming runs"),
        (name = "approvals", description = "Steps waiting for a person's decision"),
        (name = "calendar", description = "Scheduled publishes: runs waiting for a time before they post, and the crisis stop that holds them"),
        (name = "plugins", description = "Installed plugins, their actions and permissions"),
        (name = "triggers", description = "Schedules with their next fire times, and what schedules and webhooks did"),
        (name = "usage", description = "What each workspace used per day, for billing"),
        (name = "service", description = "This document, health and metrics"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme every `security(("bearer" = []))` refers to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token: `roost_` and 64 hex digits"))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Prefixes an operation id that more than one handler has (`list`) with the operation's
/// tag (`calendar_list`), as OpenAPI requires each to be unique.
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let operations = || openapi.paths.paths.values().flat_map(operations_of);
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for op in operations() {
            *seen.entry(op.operation_id.clone().unwrap_or_default()).or_default() += 1;
        }
        for item in openapi.paths.paths.values_mut() {
            for op in operations_of_mut(item) {
                let id = op.operation_id.clone().unwrap_or_default();
                if seen.get(&id).copied().unwrap_or(0) > 1 {
                    let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                    op.operation_id = Some(format!("{tag}_{id}"));
                }
            }
        }
    }
}

/// Documents the rejections of a request body on every operation that takes one, as the
/// service answers them (in the envelope, see `error::envelope`).
struct BodyRejections;

impl Modify for BodyRejections {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let rejections = [
            ("400", "The body is not valid JSON (or YAML where accepted)"),
            ("413", "The body is larger than the service accepts"),
            ("415", "The body's content type is not one the operation accepts"),
            ("422", "The JSON body does not fit the operation's schema: a field missing or of the wrong type"),
        ];
        for item in openapi.paths.paths.values_mut() {
            for op in operations_of_mut(item).filter(|op| op.request_body.is_some()) {
                for (status, description) in rejections {
                    let error = utoipa::openapi::ResponseBuilder::new().description(description).content(
                        "application/json",
                        utoipa::openapi::Content::new(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))),
                    );
                    op.responses.responses.entry(status.into()).or_insert_with(|| error.build().into());
                }
            }
        }
    }
}

fn operations_of(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.options, &item.head, &item.patch, &item.trace]
        .into_iter()
        .flatten()
}

fn operations_of_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// The refusals of an endpoint that needs any valid token.
#[derive(IntoResponses)]
#[response(status = 401, description = "No token, or one that is revoked or mistyped")]
pub struct Unauthorized(pub ErrorBody);

/// The refusals of an operator-only endpoint.
#[derive(IntoResponses)]
pub enum OperatorOnly {
    #[response(status = 401, description = "No token, or one that is revoked or mistyped")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "Not the operator token")]
    Forbidden(ErrorBody),
}

/// The refusals of a workspace-scoped endpoint.
#[derive(IntoResponses)]
pub enum Denied {
    #[response(status = 401, description = "No token, or one that is revoked or mistyped")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "The token's role is too small for this")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "Not found; also another workspace's data, whether it exists or not")]
    NotFound(ErrorBody),
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_json().expect("the OpenAPI document serializes"))
}

#[utoipa::path(get, operation_id = "get_openapi", path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "This OpenAPI 3 document", body = Object)))]
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::{Access, ENDPOINTS};
    use super::*;

    fn doc() -> Value {
        serde_json::from_str(json()).expect("the document is JSON")
    }

    #[test]
    fn the_document_is_openapi_3_with_a_bearer_scheme() {
        let doc = doc();
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object(), "the error body is described");
        assert!(doc["components"]["schemas"]["Actor"].is_object(), "audit actors are described");
        let create = &doc["paths"]["/api/v1/workspaces"]["post"]["responses"];
        assert!(["400", "413", "415", "422"].iter().all(|s| create[s].is_object()), "body rejections: {create}");
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values().filter_map(|op| op["operationId"].as_str()))
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "operation ids are unique: {ids:?}");
        assert!(ids.contains(&"list_runs") && ids.contains(&"get_metrics"), "{ids:?}");
    }

    #[test]
    fn every_routed_endpoint_is_documented_with_its_access() {
        let doc = doc();
        let mut missing = Vec::new();
        for e in ENDPOINTS {
            let path = format!("/api/v1{}", e.path);
            let op = &doc["paths"][&path][e.method];
            if !op.is_object() {
                missing.push(format!("{} {path}", e.method.to_uppercase()));
                continue;
            }
            let statuses: Vec<&str> = op["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            let bearer = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let expected: &[&str] = match e.access {
                Access::Public => &[],
                Access::Token => &["401"],
                Access::Operator | Access::Person => &["401", "403"],
                Access::Role(_) => &["401", "403", "404"],
            };
            assert_eq!(bearer, e.access != Access::Public, "{path} {}: bearer security", e.method);
            for status in expected {
                assert!(statuses.contains(status), "{path} {}: no {status} response in {statuses:?}", e.method);
            }
            assert!(statuses.iter().any(|s| s.starts_with('2')), "{path} {}: no success response", e.method);
        }
        assert!(missing.is_empty(), "routed but not in the OpenAPI document: {missing:?}");
    }

    #[test]
    fn every_documented_api_operation_is_routed() {
        let doc = doc();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let Some(route) = path.strip_prefix("/api/v1") else { continue };
            for method in item.as_object().unwrap().keys() {
                assert!(
                    ENDPOINTS.iter().any(|e| e.path == route && e.method == method),
                    "{method} {path} is documented but not routed"
                );
            }
        }
    }

    #[test]
    fn every_endpoint_is_listed_in_the_service_guide() {
        let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/serve.md")).unwrap();
        let missing: Vec<String> = ENDPOINTS
            .iter()
            .map(|e| format!("`{} {}`", e.method.to_uppercase(), e.path))
            .filter(|row| !guide.contains(row.as_str()))
            .collect();
        assert!(missing.is_empty(), "docs/serve.md's API table lacks {missing:?}");
    }
}
