//! Where a plugin came from, what was refused, and which source wins when two give the
//! same plugin id and version (`[plugins] prefer` in `roost.toml`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::runtime::Plugin;

/// The kind of a plugin's source, as `[plugins] prefer` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Built into this binary.
    Builtin,
    /// A `--plugins` folder (or the data directory's `plugins` folder).
    Folder,
    /// Installed into the database (`roost plugin install`, the API).
    Installed,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Builtin => "builtin",
            SourceKind::Folder => "folder",
            SourceKind::Installed => "installed",
        }
    }
}

/// Where one loaded plugin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Builtin,
    /// The folder's `plugin.toml`.
    Folder(PathBuf),
    /// A database install: for the whole instance (`workspace: None`) or one workspace.
    Installed {
        workspace: Option<String>,
        reference: String,
    },
}

impl Source {
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Builtin => SourceKind::Builtin,
            Source::Folder(_) => SourceKind::Folder,
            Source::Installed { .. } => SourceKind::Installed,
        }
    }

    /// Whether a run or workflow of `workspace` may use a plugin from this source.
    pub fn visible_to(&self, workspace: Option<&str>) -> bool {
        match self {
            Source::Installed { workspace: Some(owner), .. } => Some(owner.as_str()) == workspace,
            _ => true,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => write!(f, "the built-in plugin"),
            Source::Folder(path) => write!(f, "the folder plugin {}", path.display()),
            Source::Installed { workspace: None, reference } => write!(f, "the instance install of {reference}"),
            Source::Installed { workspace: Some(ws), reference } => {
                write!(f, "the install of {reference} in workspace `{ws}`")
            }
        }
    }
}

/// A plugin and where it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    pub plugin: Arc<Plugin>,
    pub source: Source,
}

/// A plugin that was asked for but not loaded: the file (or install) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The plugin id its manifest gives, or the folder's name when it cannot be read.
    pub id: String,
    /// The `plugin.toml` (or the install) it came from.
    pub file: String,
    pub reason: String,
    /// Who may see it: `None` everyone, `Some(ws)` one workspace's install.
    pub workspace: Option<String>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugin {} was refused: {} ({})", self.id, self.reason, self.file)
    }
}

/// The id a refused folder's manifest declares, or the folder's name.
pub fn guess_id(folder: &Path, manifest_text: Option<&str>) -> String {
    manifest_text
        .and_then(|text| toml::from_str::<toml::Table>(text).ok())
        .and_then(|table| table.get("id").and_then(|v| v.as_str()).map(String::from))
        .unwrap_or_else(|| {
            folder.file_name().map_or_else(|| folder.display().to_string(), |n| n.to_string_lossy().into())
        })
}

/// `[plugins]` in `roost.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsConfig {
    /// Plugin id -> the source that wins when two sources give one id at one version,
    /// e.g. `prefer = { sentiment = "folder" }`. Without it such a pair is an error.
    #[serde(default)]
    pub prefer: BTreeMap<String, SourceKind>,
}

/// Two sources giving the same plugin id and version with no `prefer` between them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin {id} {version} is given by both {first} and {second}; keep one, or say which wins in roost.toml: \
     [plugins] prefer = {{ {id} = \"{}\" }} (or \"{}\")",
    .first.kind().as_str(),
    .second.kind().as_str()
)]
pub struct Conflict {
    pub id: String,
    pub version: semver::Version,
    pub first: Box<Source>,
    pub second: Box<Source>,
}

impl PluginsConfig {
    /// Which of `a` and `b` (same id and version) is kept: `Ok(true)` keeps `a`.
    pub fn choose(&self, a: &Entry, b: &Entry) -> Result<bool, Conflict> {
        let m = &a.plugin.manifest;
        let conflict = || Conflict {
            id: m.id.clone(),
            version: m.version.clone(),
            first: Box::new(a.source.clone()),
            second: Box::new(b.source.clone()),
        };
        let Some(&winner) = self.prefer.get(&m.id) else { return Err(conflict()) };
        match (a.source.kind() == winner, b.source.kind() == winner) {
            (true, false) => Ok(true),
            (false, true) => Ok(false),
            _ => Err(conflict()),
        }
    }
}
