//! `uses: plugin/action@version` (or `@sha256:<hex>`, one exact component): parsing it and
//! resolving it against the installed plugins through the [`Catalog`] trait (implemented
//! by the plugin registry).

use semver::{Version, VersionReq};

use super::diagnostic::{Diagnostic, backticked, did_you_mean};
use super::spec::Text;
use super::yaml::{Source, pos_in_scalar, scalar_pos};

/// What the workflow module needs to know about installed plugins.
pub trait Catalog {
    /// The newest installed version of `plugin` matching `req` that offers `action`.
    fn resolve(&self, plugin: &str, action: &str, req: &VersionReq) -> Result<ResolvedAction, CatalogError>;

    /// The version of `plugin` whose component's sha256 is `digest` (64 lowercase hex).
    fn resolve_pinned(&self, plugin: &str, action: &str, digest: &str) -> Result<ResolvedAction, CatalogError> {
        let _ = (plugin, action, digest);
        Err(CatalogError::UnknownDigest { available: Vec::new() })
    }
}

/// An action of an installed plugin version.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedAction {
    pub version: Version,
    /// JSON Schema for the action's `with` value.
    pub input_schema: serde_json::Value,
    /// The component's sha256, when the catalog knows it: the run uses exactly it.
    pub digest: Option<String>,
}

/// Why a `uses` did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("unknown plugin")]
    UnknownPlugin { known: Vec<String> },
    #[error("unknown action")]
    UnknownAction { known: Vec<String> },
    #[error("no installed version matches")]
    NoMatchingVersion { available: Vec<Version> },
    #[error("no installed version has that digest")]
    UnknownDigest { available: Vec<(Version, String)> },
    /// Several versions carry the pinned component, each with its own manifest (and
    /// permissions): a pin must name exactly one.
    #[error("several versions have that digest")]
    AmbiguousDigest { versions: Vec<Version> },
    /// The plugin was asked for but refused at load (each reason names its file).
    #[error("plugin refused")]
    Refused { reasons: Vec<String> },
}

/// A parsed `uses` value.
#[derive(Debug, Clone, PartialEq)]
pub struct UsesRef {
    pub plugin: String,
    pub action: String,
    pub req: VersionReq,
    /// `@sha256:<hex>`: exactly the component with this sha256 (then `req` is `*`).
    pub digest: Option<String>,
}

const USES_HELP: &str = "write `plugin/action@version`, e.g. `sentiment/score@0.2`; \
                         `@version` may be omitted to accept any version, \
                         or `@sha256:<64 hex>` pins one component";

/// Length of a component digest in hex.
const DIGEST_HEX: usize = 64;

/// Parses `plugin/action[@req]`, pointing errors into the scalar.
pub fn parse(uses: &Text, src: &Source) -> Result<UsesRef, Diagnostic> {
    let text = uses.as_str().trim();
    let (path, req) = match text.split_once('@') {
        Some((path, req)) => (path, Some(req)),
        None => (text, None),
    };
    let (plugin, action) = path.split_once('/').filter(|(p, a)| valid_name(p) && valid_name(a)).ok_or_else(|| {
        let msg = format!("invalid `uses` value `{text}`");
        Diagnostic::new(scalar_pos(uses), msg).with_help(USES_HELP)
    })?;
    if let Some(pin) = req.and_then(|r| r.trim().strip_prefix("sha256:")) {
        let valid = pin.len() == DIGEST_HEX && pin.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            let at = uses.as_str().find('@').map_or(0, |i| uses.as_str()[..=i].chars().count());
            let msg = format!("invalid digest `sha256:{pin}`: expected {DIGEST_HEX} lowercase hex digits");
            return Err(Diagnostic::new(pos_in_scalar(src, uses, at), msg)
                .with_help("copy the full digest from `roost plugin list --json` (`digest`)"));
        }
        let (plugin, action) = (plugin.to_string(), action.to_string());
        return Ok(UsesRef { plugin, action, req: VersionReq::STAR, digest: Some(pin.to_string()) });
    }
    let req = match req {
        None => VersionReq::STAR,
        Some(req) => VersionReq::parse(req.trim()).map_err(|err| {
            let at = uses.as_str().find('@').map_or(0, |i| uses.as_str()[..=i].chars().count());
            let msg = format!("invalid version requirement `{req}`: {err}");
            Diagnostic::new(pos_in_scalar(src, uses, at), msg).with_help(
                "use a semver requirement such as `0.1`, `^1`, `=1.2.3` or `>=1`, \
                 or drop `@...` to accept any version",
            )
        })?,
    };
    Ok(UsesRef { plugin: plugin.to_string(), action: action.to_string(), req, digest: None })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Resolves a parsed `uses` through the catalog, describing failures as diagnostics.
pub fn resolve(uses: &UsesRef, at: &Text, catalog: &dyn Catalog) -> Result<ResolvedAction, Diagnostic> {
    let UsesRef { plugin, action, req, digest } = uses;
    let resolved = match digest {
        Some(digest) => catalog.resolve_pinned(plugin, action, digest),
        None => catalog.resolve(plugin, action, req),
    };
    resolved.map_err(|err| {
        let (msg, help) = describe(uses, err);
        Diagnostic::new(scalar_pos(at), msg).with_help(help)
    })
}

fn describe(uses: &UsesRef, err: CatalogError) -> (String, String) {
    let UsesRef { plugin, action, req, .. } = uses;
    match err {
        CatalogError::UnknownPlugin { known } => {
            let help = did_you_mean(plugin, known.iter().map(String::as_str))
                .or_else(|| (!known.is_empty()).then(|| format!("installed plugins: {}", backticked(&known))))
                .unwrap_or_else(|| "no plugins are installed; install one first".to_string());
            (format!("unknown plugin `{plugin}`"), help)
        }
        CatalogError::UnknownAction { known } => {
            let mut help = format!("`{plugin}` offers {}", backticked(&known));
            if let Some(hint) = did_you_mean(action, known.iter().map(String::as_str)) {
                help = format!("{hint} {help}");
            }
            (format!("plugin `{plugin}` has no action `{action}`"), help)
        }
        CatalogError::NoMatchingVersion { available } => {
            let versions: Vec<String> = available.iter().map(Version::to_string).collect();
            let help = format!("installed versions of `{plugin}`: {}", versions.join(", "));
            (format!("no installed version of `{plugin}` matches `{req}`"), help)
        }
        CatalogError::UnknownDigest { available } => {
            let digest = uses.digest.as_deref().unwrap_or_default();
            let versions: Vec<String> = available.iter().map(|(v, d)| format!("{v} sha256:{d}")).collect();
            let help = match versions.is_empty() {
                true => format!("no version of `{plugin}` is installed"),
                false => format!("installed versions of `{plugin}`: {}", versions.join(", ")),
            };
            let message = format!("no installed component of `{plugin}` has the digest sha256:{digest}");
            (
                message,
                format!(
                    "{help} (a pin names the component's sha256, which `roost plugin list` shows, not an OCI manifest digest)"
                ),
            )
        }
        CatalogError::AmbiguousDigest { versions } => {
            let digest = uses.digest.as_deref().unwrap_or_default();
            let versions: Vec<String> = versions.iter().map(ToString::to_string).collect();
            let message =
                format!("the component sha256:{digest} of `{plugin}` is installed as versions {}", versions.join(", "));
            (message, "each version has its own manifest and permissions; remove all but one of them".to_string())
        }
        CatalogError::Refused { reasons } => {
            let help = "fix the plugin folder (or install) named above; `roost plugin list` shows every refusal";
            (reasons.join("; "), help.to_string())
        }
    }
}
