//! OpenID sign-in in the browser against a real provider: the `oidc-provider` package from
//! npm, run by Node on loopback (`host/tests/oidc/provider.mjs`). Without Node or the
//! package installed (`npm ci --prefix host/tests/oidc`) this test fails, saying so.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use roost::service::people::AuthConfig;
use roost::service::people::oidc::{GroupRole, OidcConfig};

use crate::serve::browser::ONE_AT_A_TIME;
use crate::serve::browser::webdriver::Browser;
use crate::serve::{OPERATOR, Service, Setup};

/// The provider's process, stopped when dropped.
struct Provider(Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Starts the provider on `port`, sending people back to `redirect`; waits until it answers.
async fn provider(port: u16, redirect: &str) -> Provider {
    let dir = provider_dir();
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "the OpenID provider for this test is not installed: run `npm ci --prefix host/tests/oidc` (needs Node 20 and npm)"
    );
    let child = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .arg(port.to_string())
        .arg(redirect)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js 20 or later for the OpenID test"));
    let provider = Provider(child);
    let started = Instant::now();
    let url = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
    while reqwest::get(&url).await.map(|r| !r.status().is_success()).unwrap_or(true) {
        assert!(started.elapsed() < Duration::from_secs(20), "the OpenID provider did not start on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    provider
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn signing_in_through_the_openid_provider_maps_groups_to_roles() {
    let _one = ONE_AT_A_TIME.lock().await;
    let port = free_port();
    let oidc = OidcConfig {
        name: "Test ID".into(),
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: "roost".into(),
        client_secret: Some("roost-test-secret".into()),
        scopes: vec!["groups".into()],
        groups_claim: None,
        roles: vec![GroupRole { group: "social".into(), workspace: "default".into(), role: "approver".into() }],
    };
    let auth = AuthConfig { oidc: Some(oidc), ..AuthConfig::default() };
    let service = Service::launch(Setup { auth, ..Setup::default() }, |_| Vec::new()).await;
    let _provider = provider(port, &format!("{}/auth/oidc/callback", service.url)).await;
    let browser = Browser::start(1280, 900).await;

    browser.goto(&format!("{}/", service.url)).await;
    browser.wait_text("#oidc-signin", "Sign in with Test ID").await;
    browser.click("#oidc-signin").await;
    // The provider's own sign-in and consent screens.
    browser.type_into("input[name=login]", "dana+social").await;
    browser.type_into("input[name=password]", "anything").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("button[type=submit]", "Continue").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("main h1", "Runs").await;
    browser.screenshot("signed-in-through-openid").await;

    let store = &service.state().store;
    let (user, _) = store.user_by_email("dana@example.com").await.unwrap().expect("the account was made");
    assert_eq!(store.memberships(&user.id).await.unwrap(), vec![("default".to_string(), "approver".to_string())]);
    assert!(!user.has_password, "an OpenID account has no password");
    let (_, members) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/members", None).await;
    assert_eq!(members[0]["email"], "dana@example.com");

    // A replayed callback (its state was used) is refused.
    let replay = format!("{}/auth/oidc/callback?code=x&state=used", service.url);
    let answer = reqwest::get(&replay).await.unwrap();
    assert_eq!(answer.status(), 403);
    browser.quit().await;
    service.running.shutdown().await;
}
