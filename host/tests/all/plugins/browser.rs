//! The Plugins page in headless Chromium: an owner installs a plugin after seeing what it
//! asks for; an editor gets no form; refused plugins are listed.

use base64::Engine as _;
use reqwest::Method;

use super::{echo_manifest, echo_wasm};
use crate::serve::browser::webdriver::Browser;
use crate::serve::browser::{ONE_AT_A_TIME, sign_in};
use crate::serve::{OPERATOR, Service};

/// Puts `manifest` and `wasm` into the form's file inputs, as a person choosing files would.
const CHOOSE_FILES: &str = "
const [manifest, wasm] = arguments;
const put = (name, file) => {
  const chosen = new DataTransfer();
  chosen.items.add(file);
  document.querySelector(`input[name=${name}]`).files = chosen.files;
};
put('manifest', new File([manifest], 'plugin.toml'));
put('component', new File([Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0))], 'plugin.wasm'));
";

#[tokio::test]
async fn an_owner_installs_a_plugin_from_the_plugins_page_after_seeing_its_permissions() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    let editor = service.workspace_token("default", "editor").await;
    let browser = Browser::start(1280, 900).await;

    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/plugins", service.url)).await;
    browser.wait_text("main", "echo").await;
    let has_form =
        browser.script("return document.querySelector('form.install-form') !== null;", serde_json::json!([])).await;
    assert_eq!(has_form, false, "an editor gets no install form");

    browser.goto(&format!("{}/", service.url)).await;
    browser.script("sessionStorage.clear();", serde_json::json!([])).await;
    sign_in(&browser, &service, OPERATOR).await;
    browser.goto(&format!("{}/#/plugins", service.url)).await;
    browser.find("form.install-form").await;
    let manifest = echo_manifest("6.0.0", "[permissions]\nhttp = [\"https://api.example\"]");
    let wasm = base64::engine::general_purpose::STANDARD.encode(echo_wasm(12));
    browser.script(CHOOSE_FILES, serde_json::json!([manifest, wasm])).await;
    browser.click("form.install-form button[type=submit]").await;
    browser.wait_text("form.install-form .confirm", "http https://api.example").await;
    browser.wait_text("form.install-form button[type=submit]", "Grant and install").await;
    let (_, seen) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/plugins", None).await;
    assert!(seen["plugins"].as_array().unwrap().iter().all(|p| p["version"] != "6.0.0"), "not before granting");

    browser.click("form.install-form button[type=submit]").await;
    browser.wait_text("#status", "Installed echo 6.0.0").await;
    browser.wait_text("main", "installed in this workspace").await;
    browser.screenshot("plugins-installed").await;
    let (_, seen) = service.call(OPERATOR, Method::GET, "/api/v1/workspaces/default/plugins", None).await;
    assert!(seen["plugins"].as_array().unwrap().iter().any(|p| p["version"] == "6.0.0"), "{seen}");
    browser.quit().await;
    service.running.shutdown().await;
}
