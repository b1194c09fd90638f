//! Tenancy: every API endpoint, taken from the router's own table, called by another
//! workspace's owner, by each role of the right workspace, by the operator and with no
//! token, each with a fixture the call could succeed on.

use reqwest::Method;
use roost::service::api::{Access, ENDPOINTS, Endpoint};
use roost::service::auth::Role;
use serde_json::{Value, json};

use super::{OPERATOR, Service};

const FLOW: &str = "name: review-echo
inputs:
  text: { type: string }
steps:
  - id: review
    approval: { message: \"Post ${{ inputs.text }}?\" }
  - id: echo
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ inputs.text }}\" }
";

const LATER: &str = "name: later
steps:
  - id: pause
    wait: 1h
  - id: post
    needs: [pause]
    uses: echo/echo@1
    with: { text: later }";

/// The password of `member@example.com`, who signs in at `POST /auth/signin`.
const MEMBER_PASSWORD: &str = "member password 1";
const ROLES: [Role; 4] = [Role::Viewer, Role::Approver, Role::Editor, Role::Owner];

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Who {
    Nobody,
    Stranger, // the owner of another workspace
    Member(Role),
    Operator,
    /// `member@example.com` by a personal token, a member of no workspace: only `shape`
    /// calls with it; people are walked in `people::access`.
    Person,
}

/// The statuses `who` must get from `e` in workspace `acme`: 2xx is any success.
fn expected(e: &Endpoint, who: Who) -> &'static str {
    match (e.access, who) {
        (Access::Public, _) => "2xx",
        (_, Who::Nobody) => "401",
        // No caller here is a person: people are walked in `people::access`.
        (Access::Person, Who::Person) => "2xx",
        (_, Who::Person) => unreachable!("people are walked in `people::access`"),
        (Access::Person, _) => "403",
        (_, Who::Operator) | (Access::Token, _) => "2xx",
        (Access::Operator, Who::Stranger) if e.path.contains("{ws}") => "404",
        (Access::Operator, _) => "403",
        (Access::Role(_), Who::Stranger) => "404",
        (Access::Role(needed), Who::Member(role)) if role >= needed => "2xx",
        (Access::Role(_), Who::Member(_)) => "403",
    }
}

/// A service with workspaces `acme` (a token per role) and `globex`, and fixtures for
/// every endpoint; also used by `shape`.
pub(super) struct World {
    pub(super) service: Service,
    members: Vec<(Role, String)>,
    stranger: String,
    /// A personal token of `member@example.com`.
    person: String,
    /// A run of FLOW, waiting for its approval, that the read-only endpoints look at.
    run: String,
    made: usize,
}

impl World {
    pub(super) async fn new() -> Self {
        let auth = roost::service::people::AuthConfig { signup: true, ..Default::default() };
        let service = Service::launch(super::Setup { auth, ..Default::default() }, |_| Vec::new()).await;
        let hash = roost::service::people::password::hash(MEMBER_PASSWORD).unwrap();
        service.state().store.create_user("member@example.com", Some(&hash), false).await.unwrap();
        let mut members = Vec::new();
        for role in ROLES {
            members.push((role, service.workspace_token("acme", role.as_str()).await));
        }
        let stranger = service.workspace_token("globex", "owner").await;
        service.put_workflow("acme", FLOW).await;
        service.put_workflow("acme", LATER).await;
        let mut world = Self { service, members, stranger, person: String::new(), run: String::new(), made: 0 };
        world.person = world.personal_token().await.1;
        world.run = world.waiting_run().await;
        world
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Nobody => None,
            Who::Stranger => Some(&self.stranger),
            Who::Operator => Some(OPERATOR),
            Who::Person => Some(&self.person),
            Who::Member(role) => self.members.iter().find(|(r, _)| *r == role).map(|(_, t)| t.as_str()),
        }
    }

    async fn op(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.service.call(OPERATOR, method, &format!("/api/v1{path}"), body).await;
        assert!((200..300).contains(&status), "fixture {path}: {status} {body}");
        body
    }

    /// A new personal token of `member@example.com`: its id and value.
    async fn personal_token(&mut self) -> (String, String) {
        let store = &self.service.state().store;
        let (user, _) = store.user_by_email("member@example.com").await.unwrap().unwrap();
        let value = roost::service::auth::new_token().unwrap();
        let record = roost::store::TokenRecord {
            id: uuid::Uuid::now_v7().to_string(),
            workspace: None,
            role: "person".into(),
            name: format!("pat{}", self.made),
            created_at: chrono::Utc::now().timestamp_millis(),
            last_used_at: None,
            user_id: Some(user.id),
        };
        store.create_token(&record, &roost::service::auth::token_hash(&value)).await.unwrap();
        self.made += 1;
        (record.id, value)
    }

    async fn waiting_run(&self) -> String {
        let started = self
            .op(
                Method::POST,
                "/workspaces/acme/workflows/review-echo/runs",
                Some(json!({ "inputs": { "text": "hi" } })),
            )
            .await;
        let run = started["run_id"].as_str().unwrap().to_string();
        self.service.wait_status("acme", &run, &["waiting"]).await;
        run
    }

    /// A run of LATER whose first step waits an hour on its timer.
    async fn timer_run(&self) -> String {
        let started = self.op(Method::POST, "/workspaces/acme/workflows/later/runs", None).await;
        let run = started["run_id"].as_str().unwrap().to_string();
        for _ in 0..300 {
            let run = self.op(Method::GET, &format!("/workspaces/acme/runs/{run}"), None).await;
            if run["steps"].as_array().unwrap().iter().any(|s| s["id"] == "pause" && s["status"] == "waiting") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        run
    }

    fn unique(&mut self, prefix: &str) -> String {
        self.made += 1;
        format!("{prefix}{}", self.made)
    }

    /// The concrete path and body of a call to `e` that can succeed for a caller allowed it.
    pub(super) async fn prepare(&mut self, e: &Endpoint, who: Who) -> (String, Option<Value>) {
        let mut path = e.path.replace("{ws}", "acme").replace("{step}", "review");
        let body = match (e.method, e.path) {
            ("post", "/workspaces") => Some(json!({ "id": self.unique("ws") })),
            ("patch", "/workspaces/{ws}") => Some(json!({ "quotas": {} })),
            ("post", "/auth/signin") => Some(json!({ "email": "member@example.com", "password": MEMBER_PASSWORD })),
            ("post", "/auth/signup") => {
                Some(json!({ "email": format!("{}@example.com", self.unique("new")), "password": MEMBER_PASSWORD }))
            }
            ("post", "/me/tokens") => Some(json!({ "name": "laptop" })),
            ("delete", "/me/tokens/{id}") => {
                path = path.replace("{id}", &self.personal_token().await.0);
                None
            }
            ("post", "/workspaces/{ws}/invitations") => {
                Some(json!({ "email": format!("{}@example.com", self.unique("guest")), "role": "viewer" }))
            }
            (_, "/invitations/{token}" | "/invitations/{token}/accept") => {
                let email = format!("{}@example.com", self.unique("invited"));
                let made = self
                    .op(Method::POST, "/workspaces/acme/invitations", Some(json!({ "email": email, "role": "viewer" })))
                    .await;
                path = path.replace("{token}", made["token"].as_str().unwrap());
                (e.method == "post").then(|| json!({ "password": MEMBER_PASSWORD }))
            }
            ("delete", "/workspaces/{ws}/invitations/{id}") => {
                let email = format!("{}@example.com", self.unique("withdrawn"));
                let made = self
                    .op(Method::POST, "/workspaces/acme/invitations", Some(json!({ "email": email, "role": "viewer" })))
                    .await;
                path = path.replace("{id}", made["invitation"]["id"].as_str().unwrap());
                None
            }
            ("delete", "/workspaces/{ws}/members/{user}") => {
                let email = format!("{}@example.com", self.unique("leaving"));
                let store = &self.service.state().store;
                let user = store.create_user(&email, None, false).await.unwrap().unwrap();
                store.set_membership(&user.id, "acme", "viewer").await.unwrap();
                path = path.replace("{user}", &user.id);
                None
            }
            // The operator deletes a workspace of its own; the others are refused acme.
            ("delete", "/workspaces/{ws}") if who == Who::Operator => {
                let doomed = self.unique("doomed");
                self.op(Method::POST, "/workspaces", Some(json!({ "id": doomed }))).await;
                path = format!("/workspaces/{doomed}?confirm={doomed}");
                None
            }
            ("delete", "/workspaces/{ws}") => {
                path = "/workspaces/acme?confirm=acme".into();
                None
            }
            ("post", "/workspaces/{ws}/tokens") => Some(json!({ "name": self.unique("t"), "role": "viewer" })),
            ("delete", "/workspaces/{ws}/tokens/{id}") => {
                let name = self.unique("doomed");
                let made = self
                    .op(Method::POST, "/workspaces/acme/tokens", Some(json!({ "name": name, "role": "viewer" })))
                    .await;
                path = path.replace("{id}", made["id"].as_str().unwrap());
                None
            }
            ("put", "/workspaces/{ws}/secrets/{name}") => {
                path = path.replace("{name}", &self.unique("S"));
                Some(json!({ "value": "v", "hosts": [] }))
            }
            ("delete", "/workspaces/{ws}/secrets/{name}") => {
                let name = self.unique("S");
                self.op(Method::PUT, &format!("/workspaces/acme/secrets/{name}"), Some(json!({ "value": "v" }))).await;
                path = path.replace("{name}", &name);
                None
            }
            ("put", "/workspaces/{ws}/variables/{name}") => {
                path = path.replace("{name}", &self.unique("V"));
                Some(json!({ "value": "v" }))
            }
            ("delete", "/workspaces/{ws}/variables/{name}") => {
                let name = self.unique("V");
                self.op(Method::PUT, &format!("/workspaces/acme/variables/{name}"), Some(json!({ "value": "v" })))
                    .await;
                path = path.replace("{name}", &name);
                None
            }
            ("post", "/workspaces/{ws}/workflows") => {
                let source = FLOW.replace("name: review-echo", &format!("name: {}", self.unique("made")));
                Some(json!({ "source": source }))
            }
            ("delete", "/workspaces/{ws}/workflows/{name}") => {
                let name = self.unique("doomed");
                let source = FLOW.replace("name: review-echo", &format!("name: {name}"));
                self.op(Method::POST, "/workspaces/acme/workflows", Some(json!({ "source": source }))).await;
                path = path.replace("{name}", &name);
                None
            }
            ("patch", "/workspaces/{ws}/workflows/{name}") => Some(json!({ "enabled": true })),
            ("post", "/workspaces/{ws}/workflows/{name}/runs") => Some(json!({ "inputs": { "text": "hi" } })),
            ("post", "/workspaces/{ws}/validate") => Some(json!({ "source": FLOW })),
            ("post", p) if p.starts_with("/workspaces/{ws}/calendar/{id}/") => {
                path =
                    e.path.replace("{ws}", "acme").replace("{step}", "pause").replace("{id}", &self.timer_run().await);
                let at = chrono::Utc::now() + chrono::Duration::hours(2);
                p.ends_with("/move").then(|| json!({ "at": at.to_rfc3339() }))
            }
            ("delete", "/workspaces/{ws}/runs/{id}") => {
                let run = self.timer_run().await;
                self.op(Method::POST, &format!("/workspaces/acme/runs/{run}/cancel"), None).await;
                path = path.replace("{id}", &run);
                None
            }
            ("put", "/workspaces/{ws}/retention") => Some(json!({ "days": 7 })),
            ("post", "/workspaces/{ws}/publishing/resume") => {
                self.op(Method::POST, "/workspaces/acme/publishing/stop", None).await;
                None
            }
            ("post", "/workspaces/{ws}/plugins") => Some(crate::plugins::upload(&self.unique("9.0."), "", 0)),
            ("delete", "/workspaces/{ws}/plugins/{plugin}/{version}") => {
                let version = self.unique("9.0.");
                self.op(Method::POST, "/workspaces/acme/plugins", Some(crate::plugins::upload(&version, "", 0))).await;
                path = path.replace("{plugin}", "echo").replace("{version}", &version);
                None
            }
            ("post", "/workspaces/{ws}/runs/{id}/rerun" | "/workspaces/{ws}/runs/{id}/retry") => {
                let run = self.timer_run().await;
                self.op(Method::POST, &format!("/workspaces/acme/runs/{run}/cancel"), None).await;
                path = path.replace("{id}", &run);
                None
            }
            ("post", "/workspaces/{ws}/runs/{id}/approvals/{step}/links") => {
                path = path.replace("{id}", &self.waiting_run().await);
                None
            }
            (_, "/workspaces/{ws}/runs/{id}/approvals/{step}/links/{link}" | "/client/{token}") => {
                let run = self.waiting_run().await;
                let made =
                    self.op(Method::POST, &format!("/workspaces/acme/runs/{run}/approvals/review/links"), None).await;
                let (link, token) = (made["id"].as_str().unwrap(), made["token"].as_str().unwrap());
                path = path.replace("{id}", &run).replace("{link}", link).replace("{token}", token);
                (e.method == "post").then(|| json!({ "decision": "comment", "comment": "Looks good" }))
            }
            ("post", p) if p.starts_with("/workspaces/{ws}/runs/{id}/") => {
                // Each decision or cancellation gets a run of its own, waiting.
                path = path.replace("{id}", &self.waiting_run().await);
                p.contains("/approvals/").then(|| json!({ "comment": "checked" }))
            }
            _ => None,
        };
        let path = if e.path.starts_with("/plugins/") { path.replace("{id}", "echo") } else { path };
        (path.replace("{name}", "review-echo").replace("{id}", &self.run), body)
    }

    pub(super) async fn send(&self, who: Who, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = self.service.client.request(method, format!("{}/api/v1{path}", self.service.url));
        if let Some(token) = self.token(who) {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

#[tokio::test]
async fn every_endpoint_answers_each_caller_as_its_access_says() {
    let mut world = World::new().await;
    let callers: Vec<Who> =
        [Who::Nobody, Who::Stranger, Who::Operator].into_iter().chain(ROLES.into_iter().map(Who::Member)).collect();
    let mut wrong = Vec::new();
    let mut calls = 0;
    for e in ENDPOINTS {
        for &who in &callers {
            let (path, body) = world.prepare(e, who).await;
            let (status, text) = world.send(who, e.method, &path, body).await;
            calls += 1;
            let want = expected(e, who);
            let ok = if want == "2xx" { (200..300).contains(&status) } else { status.to_string() == want };
            if !ok {
                wrong.push(format!("{} {path} as {who:?}: want {want}, got {status} {text}", e.method.to_uppercase()));
            }
            if !(200..300).contains(&status) && e.access != Access::Public {
                let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                assert!(
                    error["error"]["code"].is_string(),
                    "{} {path}: a refusal without an error body: {text}",
                    e.method
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls answered wrongly (a new endpoint may need a fixture in `prepare`):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(calls >= 7 * 32, "the table lists every endpoint: only {calls} calls");
    world.service.running.shutdown().await;
}

#[tokio::test]
async fn refused_callers_leave_no_trace_and_see_only_their_workspace() {
    let mut world = World::new().await;
    for e in ENDPOINTS.iter().filter(|e| e.method != "get") {
        for who in [Who::Stranger, Who::Member(Role::Viewer)] {
            let (path, body) = world.prepare(e, who).await;
            world.send(who, e.method, &path, body).await;
        }
    }
    let (_, audit) = world.service.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme/audit", None).await;
    let actors: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| Some((a["actor"]["kind"].as_str()?, a["actor"]["name"].as_str()?)))
        .collect();
    assert!(actors.contains(&("operator", "operator")), "the fixtures' own changes are audited: {actors:?}");
    for refused in ["globex-owner", "acme-viewer"] {
        assert!(!actors.contains(&("workspace", refused)), "{refused} changed something in acme: {audit}");
    }
    let (_, runs) = world
        .service
        .call(OPERATOR, Method::GET, "/api/v1/workspaces/acme/runs?limit=500&workflow=review-echo", None)
        .await;
    let statuses: Vec<&str> = runs.as_array().unwrap().iter().filter_map(|r| r["status"].as_str()).collect();
    assert!(statuses.len() > 4 && statuses.iter().all(|s| *s == "waiting"), "none decided or cancelled: {statuses:?}");
    let (_, approvals) = world.service.call(OPERATOR, Method::GET, "/api/v1/workspaces/acme/approvals", None).await;
    assert_eq!(approvals.as_array().unwrap().len(), statuses.len(), "every approval still waits: {approvals}");
    let (status, seen) = world.service.call(&world.stranger, Method::GET, "/api/v1/workspaces", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = seen.as_array().unwrap().iter().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(ids, ["globex"], "a workspace token lists only its own workspace");
    world.service.running.shutdown().await;
}
