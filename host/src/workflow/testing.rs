//! Test support: an in-memory [`Catalog`] built from the first-party `sentiment` manifest
//! and the `echo` test plugin's manifest, resolving like the real registry, and the
//! golden-file renderer that `tests/all/ui.rs` runs over `host/tests/ui`.

use semver::{Version, VersionReq};
use serde_json::Value;

use super::{Catalog, CatalogError, ResolvedAction, load};

const SENTIMENT: &str = include_str!("../../../plugins/sentiment/plugin.toml");
const ECHO: &str = include_str!("../../tests/plugins/echo/plugin.toml");

/// One installed plugin version: its actions and their input schemas, in manifest order.
struct Installed {
    plugin: String,
    version: Version,
    actions: Vec<(String, Value)>,
}

/// A catalog held in memory.
pub struct TestCatalog {
    installed: Vec<Installed>,
}

impl TestCatalog {
    /// `sentiment` 0.2.0 with `score`, `batch` and `classify`, from its manifest.
    pub fn sentiment() -> Self {
        TestCatalog { installed: vec![manifest(SENTIMENT)] }
    }

    /// `sentiment` 0.2.0 and `echo` 1.0.0 (action `echo`, any object): what the
    /// integration tests' registry holds.
    pub fn standard() -> Self {
        TestCatalog { installed: vec![manifest(SENTIMENT), manifest(ECHO)] }
    }
}

/// Reads the parts of a `plugin.toml` a catalog needs. The manifests are part of the
/// repository, so a broken one is a bug in it: this yields an empty plugin then.
fn manifest(text: &str) -> Installed {
    let value: Value = toml::from_str(text).unwrap_or(Value::Null);
    let actions = value["actions"].as_array().cloned().unwrap_or_default();
    Installed {
        plugin: value["id"].as_str().unwrap_or_default().to_string(),
        version: value["version"].as_str().and_then(|v| Version::parse(v).ok()).unwrap_or(Version::new(0, 0, 0)),
        actions: actions
            .iter()
            .map(|a| (a["id"].as_str().unwrap_or_default().to_string(), a["input"].clone()))
            .collect(),
    }
}

impl Catalog for TestCatalog {
    fn resolve(&self, plugin: &str, action: &str, req: &VersionReq) -> Result<ResolvedAction, CatalogError> {
        let versions: Vec<&Installed> = self.installed.iter().filter(|i| i.plugin == plugin).collect();
        if versions.is_empty() {
            let mut known: Vec<String> = self.installed.iter().map(|i| i.plugin.clone()).collect();
            known.dedup();
            return Err(CatalogError::UnknownPlugin { known });
        }
        let best = versions.iter().filter(|i| req.matches(&i.version)).max_by(|a, b| a.version.cmp(&b.version));
        let Some(best) = best else {
            let available = versions.iter().map(|i| i.version.clone()).collect();
            return Err(CatalogError::NoMatchingVersion { available });
        };
        match best.actions.iter().find(|(a, _)| a == action) {
            Some((_, schema)) => {
                Ok(ResolvedAction { version: best.version.clone(), input_schema: schema.clone(), digest: None })
            }
            None => Err(CatalogError::UnknownAction { known: best.actions.iter().map(|(a, _)| a.clone()).collect() }),
        }
    }
}

/// What a golden `.err` file holds for a workflow: the diagnostics and a final newline,
/// or nothing when it loads.
pub fn golden_output(file: &str, source: &str, catalog: &dyn Catalog) -> String {
    match load(file, source, catalog) {
        Ok(_) => String::new(),
        Err(diags) => format!("{diags}\n"),
    }
}
