//! The accessibility audit of a page: axe-core (from npm) injected through WebDriver, run on
//! the whole document, and every serious or critical violation reported with its elements.
//! Without axe-core the audit fails, saying how to install it.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};

use super::webdriver::Browser;

/// `axe.min.js` of the axe-core package: `ROOST_AXE_JS`, or npm's global packages.
fn axe_path() -> PathBuf {
    if let Some(path) = std::env::var_os("ROOST_AXE_JS") {
        return PathBuf::from(path);
    }
    let root = std::process::Command::new("npm").args(["root", "-g"]).output().ok();
    let root = root.filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let candidates =
        root.into_iter().chain(["/usr/lib/node_modules".to_string(), "/usr/local/lib/node_modules".into()]);
    candidates.map(|dir| PathBuf::from(dir).join("axe-core/axe.min.js")).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "axe-core is not installed: the web UI tests audit every page with it. \
             Install it with `npm install -g axe-core@4` (or set ROOST_AXE_JS to its axe.min.js)."
        )
    })
}

/// The text of axe.min.js, read once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| std::fs::read_to_string(axe_path()).expect("axe.min.js is readable"))
}

/// Runs axe on the page shown and fails on any serious or critical violation, naming `page`.
pub async fn audit(browser: &Browser, page: &str) -> usize {
    let present = browser.script("return typeof window.axe === 'object'", json!([])).await;
    if present != json!(true) {
        // Evaluated by the driver, not by a script tag: the page's CSP allows no inline code.
        browser.script(&format!("{}\n;return typeof window.axe;", axe_source()), json!([])).await;
    }
    let run = "const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ['violations'] })
          .then((r) => done({ rules: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact,
            help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })) }))
          .catch((e) => done({ error: String(e) }));";
    let result = browser.script_async(run, json!([]), 60).await;
    assert!(result["error"].is_null(), "{page}: axe failed: {}", result["error"]);
    let serious: Vec<&Value> = result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(
        serious.is_empty(),
        "{page}: serious accessibility violations: {}",
        serde_json::to_string(&serious).unwrap()
    );
    let rules = result["rules"].as_u64().unwrap_or(0);
    assert!(rules >= 10, "{page}: axe checked only {rules} rules: {result}");
    let minor = result["violations"].as_array().map_or(0, Vec::len);
    println!("axe: {page}: {rules} rules passed, {minor} moderate or minor violations");
    minor
}
