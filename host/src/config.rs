//! Configuration, read in one place: `roost.toml` and `ROOST_*` environment variables.
//!
//! ```toml
//! data_dir = "/var/lib/roost"          # ROOST_DATA_DIR
//! cache_dir = "/var/cache/roost"       # ROOST_CACHE_DIR (compiled plugins)
//! db = "sqlite:///var/lib/roost/roost.db"   # ROOST_DB
//! lease_seconds = 30                   # ROOST_LEASE_SECONDS
//!
//! [http]
//! allow_private = ["mastodon.lan"]     # ROOST_HTTP_ALLOW_PRIVATE (comma-separated)
//! resolve = { "mastodon.lan" = ["192.168.1.20"] }
//! plain_http = ["mastodon.lan:8080"]  # ROOST_HTTP_PLAIN (comma-separated): http:// to host:port
//!
//! [limits]
//! max_step_timeout_seconds = 300      # ROOST_MAX_STEP_TIMEOUT_SECONDS: no step runs longer
//! max_step_memory_mb = 256            # ROOST_MAX_STEP_MEMORY_MB: no plugin instance grows larger
//!
//! [retention]
//! days = 30                            # ROOST_RETENTION_DAYS: finished runs kept this long
//! min_schedule_interval_seconds = 60   # ROOST_MIN_SCHEDULE_INTERVAL_SECONDS
//!
//! [telemetry]
//! otlp_endpoint = "http://collector:4318"   # OTEL_EXPORTER_OTLP_ENDPOINT; off when unset
//! ```
//!
//! A `plain_http` entry names a host and a port (`host:port`) or a port range
//! (`host:low-high`); an entry without a port is refused at start. Roost's own listen
//! address is never reachable from plugins, whatever these lists say.
//!
//! Secrets for `roost run` come from `ROOST_SECRET_<NAME>`; the optional
//! `ROOST_SECRET_<NAME>_HOSTS` (comma-separated `scheme://host[:port]`) binds the secret to
//! hosts; without it the secret is sent nowhere. It goes only to hosts that both this
//! binding and the plugin's manifest allow.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::capabilities::net::{NetPolicy, PlainHttp};
use crate::capabilities::secrets::{Secret, parse_binding};
use crate::runtime::RuntimeConfig;

/// Everything configurable, after files and environment are merged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    /// Where compiled plugins are cached (default: `cache` in the data directory).
    pub cache_dir: Option<PathBuf>,
    pub db: Option<String>,
    /// Seconds a worker holds a job without renewing it; after that another may take it.
    pub lease_seconds: Option<u64>,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    /// `[registry]`: trusted signing keys and registries for plugins (see [`crate::oci`]).
    #[serde(default)]
    pub registry: crate::oci::RegistryConfig,
    /// `[plugins]`: which source wins when two offer the same plugin version.
    #[serde(default)]
    pub plugins: crate::runtime::registry::PluginsConfig,
    /// `[auth]`: sign-up and sessions (see [`crate::service::people`]).
    #[serde(default)]
    pub auth: crate::service::people::AuthConfig,
    /// `[telemetry]`: where traces of runs are exported (see [`crate::telemetry`]).
    #[serde(default)]
    pub telemetry: crate::telemetry::TelemetryConfig,
}

/// `[limits]`: the operator's ceilings for every step, whatever a manifest, workflow or
/// workspace quota asks (each itself under the host's fixed ceiling).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_step_timeout_seconds: Option<u64>,
    pub max_step_memory_mb: Option<u32>,
}

/// `[retention]`: how long history is kept, and how often a schedule may fire.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days finished runs, their records, trigger events and delivery ids are kept, unless
    /// a workspace sets its own (default 30).
    pub days: Option<u32>,
    /// The shortest time between two firings of one schedule a workflow may ask for
    /// (default 60 seconds).
    pub min_schedule_interval_seconds: Option<u64>,
}

/// `[http]`: the operator's network rules for plugins.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(default)]
    pub allow_private: Vec<String>,
    #[serde(default)]
    pub resolve: HashMap<String, Vec<IpAddr>>,
    #[serde(default)]
    pub plain_http: Vec<String>,
}

impl Config {
    /// Reads `path` (or `roost.toml` in the working directory if present), then the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let default = Path::new("roost.toml");
        let file = path.or_else(|| default.exists().then_some(default));
        let mut config = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok());
        for entry in &config.http.plain_http {
            PlainHttp::parse(entry).map_err(|e| format!("[http] plain_http (or ROOST_HTTP_PLAIN): {e}"))?;
        }
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        self.auth.apply_env(&var);
        self.telemetry.apply_env(&var);
        if let Some(dir) = var("ROOST_DATA_DIR") {
            self.data_dir = Some(dir.into());
        }
        if let Some(dir) = var("ROOST_CACHE_DIR") {
            self.cache_dir = Some(dir.into());
        }
        if let Some(db) = var("ROOST_DB") {
            self.db = Some(db);
        }
        if let Some(lease) = var("ROOST_LEASE_SECONDS").and_then(|s| s.parse().ok()) {
            self.lease_seconds = Some(lease);
        }
        if let Some(secs) = var("ROOST_MAX_STEP_TIMEOUT_SECONDS").and_then(|s| s.parse().ok()) {
            self.limits.max_step_timeout_seconds = Some(secs);
        }
        if let Some(mb) = var("ROOST_MAX_STEP_MEMORY_MB").and_then(|s| s.parse().ok()) {
            self.limits.max_step_memory_mb = Some(mb);
        }
        if let Some(hosts) = var("ROOST_HTTP_ALLOW_PRIVATE") {
            self.http.allow_private.extend(split_list(&hosts));
        }
        if let Some(hosts) = var("ROOST_HTTP_PLAIN") {
            self.http.plain_http.extend(split_list(&hosts));
        }
        if let Some(days) = var("ROOST_RETENTION_DAYS").and_then(|s| s.parse().ok()) {
            self.retention.days = Some(days);
        }
        if let Some(secs) = var("ROOST_MIN_SCHEDULE_INTERVAL_SECONDS").and_then(|s| s.parse().ok()) {
            self.retention.min_schedule_interval_seconds = Some(secs);
        }
    }

    /// `data_dir`, or the platform's data directory, or `./.roost`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .or_else(|| dirs::data_dir().map(|d| d.join("roost")))
            .unwrap_or_else(|| PathBuf::from(".roost"))
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir.clone().unwrap_or_else(|| self.data_dir().join("cache"))
    }

    /// The database URL: `db`, or a SQLite file in the data directory.
    pub fn db_url(&self) -> String {
        self.db.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir().join("roost.db").display()))
    }

    /// How long a claimed job stays leased without renewal.
    pub fn lease(&self) -> std::time::Duration {
        self.lease_seconds.map_or(crate::engine::DEFAULT_LEASE, std::time::Duration::from_secs)
    }

    /// How the plugin runtime is set up: compiled-plugin cache, network rules, ceilings.
    pub fn runtime(&self) -> RuntimeConfig {
        let defaults = RuntimeConfig::default();
        let timeout = self.limits.max_step_timeout_seconds.map(std::time::Duration::from_secs);
        RuntimeConfig {
            cache_dir: Some(self.cache_dir()),
            net: self.net_policy(),
            max_step_timeout: timeout.unwrap_or(defaults.max_step_timeout),
            max_step_memory_mb: self.limits.max_step_memory_mb.unwrap_or(defaults.max_step_memory_mb),
            ..defaults
        }
    }

    pub fn net_policy(&self) -> NetPolicy {
        NetPolicy {
            allow_private: self.http.allow_private.clone(),
            resolve: self.http.resolve.clone(),
            // `load` refused any entry that does not parse.
            plain_http: self.http.plain_http.iter().filter_map(|p| PlainHttp::parse(p).ok()).collect(),
            own: Default::default(),
        }
    }
}

fn split_list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Secrets from `ROOST_SECRET_<NAME>` (and `_HOSTS`) in `vars`.
pub fn secrets_from_env(vars: impl Iterator<Item = (String, String)>) -> Result<BTreeMap<String, Secret>, String> {
    let vars: BTreeMap<String, String> = vars.filter(|(k, _)| k.starts_with("ROOST_SECRET_")).collect();
    let mut secrets = BTreeMap::new();
    for (key, value) in &vars {
        let name = &key["ROOST_SECRET_".len()..];
        if name.ends_with("_HOSTS") && vars.contains_key(&key[..key.len() - "_HOSTS".len()]) {
            continue;
        }
        let hosts = match vars.get(&format!("{key}_HOSTS")) {
            Some(list) => parse_binding(&format!("{key}_HOSTS"), &split_list(list).collect::<Vec<_>>())?,
            None => Vec::new(),
        };
        secrets.insert(name.to_string(), Secret { value: value.clone(), hosts });
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_and_secret_bindings() {
        let mut config = Config::default();
        config.apply_env(|k| match k {
            "ROOST_DB" => Some("sqlite::memory:".into()),
            "ROOST_HTTP_ALLOW_PRIVATE" => Some("localhost, 127.0.0.1".into()),
            "ROOST_RETENTION_DAYS" => Some("7".into()),
            "ROOST_MIN_SCHEDULE_INTERVAL_SECONDS" => Some("5".into()),
            _ => None,
        });
        assert_eq!((config.retention.days, config.retention.min_schedule_interval_seconds), (Some(7), Some(5)));
        assert_eq!(config.db_url(), "sqlite::memory:");
        assert_eq!(config.http.allow_private, ["localhost", "127.0.0.1"]);
        let runtime = config.runtime();
        assert_eq!(runtime.max_step_timeout, crate::runtime::limits::MAX_TIMEOUT, "unset: the host's ceiling");
        config.apply_env(|k| (k == "ROOST_MAX_STEP_TIMEOUT_SECONDS").then(|| "90".into()));
        config.apply_env(|k| (k == "ROOST_MAX_STEP_MEMORY_MB").then(|| "128".into()));
        let runtime = config.runtime();
        assert_eq!((runtime.max_step_timeout.as_secs(), runtime.max_step_memory_mb), (90, 128));
        let vars =
            [("ROOST_SECRET_TOKEN", "abc"), ("ROOST_SECRET_TOKEN_HOSTS", "https://api.example.com"), ("HOME", "/root")];
        let secrets = secrets_from_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets["TOKEN"].value, "abc");
        assert_eq!(secrets["TOKEN"].hosts[0].to_string(), "https://api.example.com");
        let bad = [("ROOST_SECRET_X", "1"), ("ROOST_SECRET_X_HOSTS", "nohost")];
        assert!(
            secrets_from_env(bad.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .unwrap_err()
                .contains("ROOST_SECRET_X_HOSTS")
        );
    }
}
