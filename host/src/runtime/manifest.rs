//! `plugin.toml`: what a plugin is, what its actions take and give, what it may touch.
//!
//! ```toml
//! id = "mastodon"
//! version = "0.1.0"
//! api = "0.1.0"
//! description = "Mentions and publishing on Mastodon"
//!
//! [[actions]]
//! id = "publish"
//! description = "Publish a status"
//! side_effects = true
//! publishes = true           # held while the workspace's publishing is stopped
//! [actions.input]            # JSON Schema of the step's `with`
//! type = "object"
//! [actions.output]           # JSON Schema of the step's output
//! type = "object"
//!
//! [permissions]
//! http = ["https://*"]                           # scheme://host[:port] patterns
//! kv = true
//! secrets = { MASTODON_TOKEN = ["https://*"] }    # where each secret may be sent
//!
//! [limits]                                        # requests; the host clamps them
//! memory_mb = 64
//! timeout_ms = 10000
//! output_kb = 1024
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::pattern::HostPattern;

/// The `roost:plugin` WIT version this host implements.
pub const API_VERSION: semver::Version = semver::Version::new(0, 1, 0);

/// A parsed and checked `plugin.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    pub version: semver::Version,
    pub api: semver::Version,
    #[serde(default)]
    pub description: String,
    pub actions: Vec<ActionDecl>,
    #[serde(default)]
    pub permissions: Permissions,
    #[serde(default)]
    pub limits: Limits,
}

/// One `[[actions]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDecl {
    pub id: String,
    #[serde(default)]
    pub description: String,
    /// Whether running it changes something outside Roost (posting, sending).
    #[serde(default)]
    pub side_effects: bool,
    /// Whether it publishes in the workspace's name (a post, a reply): such steps wait
    /// while the workspace's crisis stop holds. Implies `side_effects`.
    #[serde(default)]
    pub publishes: bool,
    #[serde(default = "any_schema")]
    pub input: Value,
    #[serde(default = "any_schema")]
    pub output: Value,
}

fn any_schema() -> Value {
    Value::Object(Default::default())
}

/// `[permissions]`: the capabilities the plugin asks for. Nothing is granted by default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    #[serde(default)]
    pub http: Vec<HostPattern>,
    #[serde(default)]
    pub kv: bool,
    /// Secret name -> the hosts its value may be sent to.
    #[serde(default)]
    pub secrets: BTreeMap<String, Vec<HostPattern>>,
}

/// `[limits]`: what the plugin asks for; the host clamps each to its own ceiling.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "Limits::default_memory_mb")]
    pub memory_mb: u32,
    #[serde(default = "Limits::default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "Limits::default_output_kb")]
    pub output_kb: u32,
}

impl Limits {
    fn default_memory_mb() -> u32 {
        64
    }
    fn default_timeout_ms() -> u64 {
        30_000
    }
    fn default_output_kb() -> u32 {
        1024
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mb: Self::default_memory_mb(),
            timeout_ms: Self::default_timeout_ms(),
            output_kb: Self::default_output_kb(),
        }
    }
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {message}")]
    Toml { path: String, message: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The longest plugin id: ids appear in every `uses:`, log line and run record.
pub const MAX_ID_CHARS: usize = 64;

impl Manifest {
    /// Parses `text` (read from `path`, named in errors) and checks what TOML cannot.
    pub fn parse(path: &str, text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| ManifestError::Toml { path: path.to_string(), message: e.to_string() })?;
        manifest.check().map_err(|message| ManifestError::Invalid { path: path.to_string(), message })?;
        Ok(manifest)
    }

    fn check(&self) -> Result<(), String> {
        let valid_id = |s: &str| {
            !s.is_empty()
                && s.len() <= MAX_ID_CHARS
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !valid_id(&self.id) {
            let shown: String = self.id.chars().take(MAX_ID_CHARS).collect();
            return Err(format!("plugin id `{shown}` must be 1 to {MAX_ID_CHARS} lowercase letters, digits and `-`"));
        }
        if self.api.major != API_VERSION.major || self.api > API_VERSION {
            return Err(format!(
                "plugin `{}` targets api {}, this Roost implements api {API_VERSION}",
                self.id, self.api
            ));
        }
        if self.actions.is_empty() {
            return Err(format!("plugin `{}` declares no [[actions]]", self.id));
        }
        let mut seen = std::collections::HashSet::new();
        for action in &self.actions {
            if !valid_id(&action.id) {
                return Err(format!("action id `{}` must be lowercase letters, digits and `-`", action.id));
            }
            if !seen.insert(&action.id) {
                return Err(format!("action `{}` is declared twice", action.id));
            }
            if action.publishes && !action.side_effects {
                return Err(format!("action `{}`: `publishes = true` needs `side_effects = true`", action.id));
            }
            for (which, schema) in [("input", &action.input), ("output", &action.output)] {
                jsonschema::meta::validate(schema).map_err(|e| {
                    format!("action `{}`: the {which} schema is not a valid JSON Schema: {e}", action.id)
                })?;
            }
        }
        Ok(())
    }

    pub fn action(&self, id: &str) -> Option<&ActionDecl> {
        self.actions.iter().find(|a| a.id == id)
    }
}
