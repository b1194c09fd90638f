//! `plugin.toml` as the in-memory host reads it, and the check that it matches the
//! plugin's action table: the same ids, and the schemas the Rust types generate.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::permits::Permissions;
use crate::action::Entry;

/// Where [`check_manifest`] writes the generated schemas instead of comparing them: set
/// by `roost plugin build` to learn the schemas from the types.
pub const EXPORT_ENV: &str = "ROOST_SCHEMA_EXPORT";

/// The parts of `plugin.toml` a test host needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Manifest {
    #[serde(skip)]
    pub path: String,
    #[serde(default)]
    pub actions: Vec<ActionDecl>,
    #[serde(default)]
    pub permissions: Permissions,
}

/// One `[[actions]]` entry: its id and schemas.
#[derive(Debug, Clone, Deserialize)]
pub struct ActionDecl {
    pub id: String,
    #[serde(default = "any_schema")]
    pub input: Value,
    #[serde(default = "any_schema")]
    pub output: Value,
}

fn any_schema() -> Value {
    json!({})
}

impl Manifest {
    /// Parses `text`, read from `path` (named in errors).
    pub fn parse(path: &str, text: &str) -> Result<Self, String> {
        let mut manifest: Manifest = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        manifest.path = path.to_string();
        Ok(manifest)
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// The `plugin.toml` beside the `Cargo.toml` of the crate under test, if there is one
    /// (cargo sets `CARGO_MANIFEST_DIR` when it runs tests).
    pub fn of_crate() -> Option<Self> {
        let path = crate_manifest_path()?;
        Some(Self::read(&path).unwrap_or_else(|e| panic!("{e}")))
    }

    pub fn action(&self, id: &str) -> Option<&ActionDecl> {
        self.actions.iter().find(|a| a.id == id)
    }
}

fn crate_manifest_path() -> Option<PathBuf> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    Some(Path::new(&dir).join("plugin.toml")).filter(|p| p.is_file())
}

/// Each action of `table` with the schemas its types generate (`null`: hand-written).
pub fn generated(table: &[Entry]) -> Value {
    let actions: Vec<Value> = table
        .iter()
        .map(|e| json!({ "id": e.id, "input": (e.native.input)(), "output": (e.native.output)() }))
        .collect();
    json!({ "actions": actions })
}

/// Panics, naming each problem, when the crate's `plugin.toml` does not match `table`;
/// with [`EXPORT_ENV`] set, writes [`generated`] there instead.
pub fn check_manifest(table: &[Entry]) {
    if let Some(out) = std::env::var_os(EXPORT_ENV) {
        let text = serde_json::to_string_pretty(&generated(table)).expect("schemas serialize");
        std::fs::write(&out, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", Path::new(&out).display()));
        return;
    }
    let Some(manifest) = Manifest::of_crate() else {
        panic!("no plugin.toml next to this crate's Cargo.toml; every plugin has one (roost plugin new writes it)")
    };
    let problems = drift(&manifest, table);
    assert!(problems.is_empty(), "{}: {}", manifest.path, problems.join("; "));
}

/// What differs between `manifest` and `table`, in words.
pub fn drift(manifest: &Manifest, table: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for decl in &manifest.actions {
        if !table.iter().any(|e| e.id == decl.id) {
            problems
                .push(format!("action `{}` is declared but the plugin's `plugin!` table does not offer it", decl.id));
        }
    }
    let fix = "run `roost plugin build` to write the schemas from the types";
    for entry in table {
        let Some(decl) = manifest.action(entry.id) else {
            problems
                .push(format!("action `{}` is in the `plugin!` table but has no [[actions]] entry; {fix}", entry.id));
            continue;
        };
        for (which, declared, generated) in
            [("input", &decl.input, (entry.native.input)()), ("output", &decl.output, (entry.native.output)())]
        {
            if let Some(at) = generated.and_then(|g| first_difference(declared, &g, String::new())) {
                problems.push(format!(
                    "the {which} schema of action `{}` differs from its Rust type at `{}`; {fix}",
                    entry.id,
                    if at.is_empty() { "/" } else { &at }
                ));
            }
        }
    }
    problems
}

/// The JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, format!("{at}/{k}")),
                _ => Some(format!("{at}/{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, format!("{at}/{i}")))
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ => (a != b).then_some(at),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn the_first_difference_is_named_by_its_pointer() {
        let a = json!({ "type": "object", "properties": { "n": { "type": "integer", "minimum": 0 } } });
        let b = json!({ "type": "object", "properties": { "n": { "type": "integer", "minimum": 0.0 } } });
        assert_eq!(first_difference(&a, &b, String::new()), None);
        let c = json!({ "type": "object", "properties": { "n": { "type": "string", "minimum": 0 } } });
        assert_eq!(first_difference(&a, &c, String::new()).as_deref(), Some("/properties/n/type"));
        let d = json!({ "type": "object", "properties": {}, "required": ["n"] });
        assert_eq!(first_difference(&a, &d, String::new()).as_deref(), Some("/properties/n"));
    }
}
