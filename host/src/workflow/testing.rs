//! Test support: an in-memory [`Catalog`] with the `sentiment` plugin, and the
//! golden-file renderer that `tests/all/ui.rs` runs over `host/tests/ui` with the real plugins.

use semver::{Version, VersionReq};
use serde_json::{Value, json};

use super::{Catalog, CatalogError, ResolvedAction, load};

/// One installed plugin version: its actions and their input schemas.
struct Installed {
    plugin: &'static str,
    version: Version,
    actions: Vec<(&'static str, Value)>,
}

/// A catalog held in memory.
pub struct TestCatalog {
    installed: Vec<Installed>,
}

impl TestCatalog {
    /// `sentiment` 0.1.0 with `score` and `batch`, as the first-party plugin offers them.
    pub fn sentiment() -> Self {
        let score = json!({
            "type": "object",
            "required": ["text"],
            "properties": {
                "text": { "type": "string" },
                "language": { "type": "string", "enum": ["en", "de", "auto"] }
            },
            "additionalProperties": false
        });
        let batch = json!({
            "type": "object",
            "required": ["texts"],
            "properties": {
                "texts": { "type": "array", "items": { "type": "string" } }
            }
        });
        TestCatalog {
            installed: vec![Installed {
                plugin: "sentiment",
                version: Version::new(0, 1, 0),
                actions: vec![("score", score), ("batch", batch)],
            }],
        }
    }
}

impl Catalog for TestCatalog {
    fn resolve(&self, plugin: &str, action: &str, req: &VersionReq) -> Result<ResolvedAction, CatalogError> {
        let versions: Vec<&Installed> = self.installed.iter().filter(|i| i.plugin == plugin).collect();
        if versions.is_empty() {
            let mut known: Vec<String> = self.installed.iter().map(|i| i.plugin.to_string()).collect();
            known.dedup();
            return Err(CatalogError::UnknownPlugin { known });
        }
        let offering: Vec<&&Installed> =
            versions.iter().filter(|i| i.actions.iter().any(|(a, _)| *a == action)).collect();
        if offering.is_empty() {
            let mut known: Vec<String> =
                versions.iter().flat_map(|i| i.actions.iter().map(|(a, _)| a.to_string())).collect();
            known.sort();
            known.dedup();
            return Err(CatalogError::UnknownAction { known });
        }
        let best = offering.iter().filter(|i| req.matches(&i.version)).max_by(|a, b| a.version.cmp(&b.version));
        let Some(best) = best else {
            let available = offering.iter().map(|i| i.version.clone()).collect();
            return Err(CatalogError::NoMatchingVersion { available });
        };
        let schema = best.actions.iter().find(|(a, _)| *a == action).map(|(_, s)| s.clone());
        Ok(ResolvedAction { version: best.version.clone(), input_schema: schema.unwrap_or(Value::Null) })
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
