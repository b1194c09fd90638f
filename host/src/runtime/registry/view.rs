//! What one workspace sees of the registry: built-in and folder plugins, the instance's
//! installs and its own, and every refusal among them; it resolves `uses:` values.
//!
//! An unpinned `uses:` (a version requirement, or none) takes the newest matching
//! version, except a folder version that asks for more permissions than the next lower
//! version present: folders are never confirmed by anyone, so such a version is only
//! taken when the requirement matches nothing else (`@0.2`) or by digest. Installed
//! versions were confirmed with their permission diff and are taken as usual.

use std::sync::Arc;

use super::grants::PermissionDiff;
use super::source::{Entry, Refusal, SourceKind};
use crate::runtime::Plugin;
use crate::workflow::{Catalog, CatalogError, ResolvedAction};

/// A consistent snapshot of the plugins one workspace (or the instance) may use.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub(super) entries: Vec<Entry>,
    pub(super) refused: Vec<Refusal>,
}

/// A folder version that asks for more than the version below it.
#[derive(Debug, Clone)]
pub struct Widening {
    pub entry: Entry,
    pub below: semver::Version,
    pub diff: PermissionDiff,
}

impl View {
    pub fn new(entries: Vec<Entry>, refused: Vec<Refusal>) -> Self {
        Self { entries, refused }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    /// The plugin a planned step names: its version, and its component when the plan pins
    /// one (a version removed since, or the same component under another version's
    /// manifest, is not taken in its place).
    pub fn find(&self, plugin: &str, version: &semver::Version, digest: Option<&str>) -> Option<Arc<Plugin>> {
        find_in(&self.entries, plugin, version, digest)
    }

    /// The next lower version of `entry`'s plugin, if `entry` asks for more than it.
    fn widening(&self, entry: &Entry) -> Option<Widening> {
        let m = &entry.plugin.manifest;
        let below = self
            .entries
            .iter()
            .filter(|e| e.plugin.manifest.id == m.id && e.plugin.manifest.version < m.version)
            .max_by(|a, b| a.plugin.manifest.version.cmp(&b.plugin.manifest.version))?;
        let diff = PermissionDiff::between(&below.plugin.manifest.permissions, &m.permissions);
        diff.widens().then(|| Widening { entry: entry.clone(), below: below.plugin.manifest.version.clone(), diff })
    }

    /// Every folder version an unpinned `uses:` passes over because it widens permissions.
    pub fn widenings(&self) -> Vec<Widening> {
        self.entries.iter().filter(|e| e.source.kind() == SourceKind::Folder).filter_map(|e| self.widening(e)).collect()
    }

    fn refusals_of(&self, plugin: &str) -> Option<CatalogError> {
        let reasons: Vec<String> = self.refused.iter().filter(|r| r.id == plugin).map(ToString::to_string).collect();
        (!reasons.is_empty()).then_some(CatalogError::Refused { reasons })
    }

    fn resolved(&self, plugin: &Plugin, action: &str) -> Result<ResolvedAction, CatalogError> {
        let m = &plugin.manifest;
        match m.action(action) {
            Some(decl) => Ok(ResolvedAction {
                version: m.version.clone(),
                input_schema: decl.input.clone(),
                digest: Some(plugin.digest.clone()),
            }),
            None => Err(CatalogError::UnknownAction { known: m.actions.iter().map(|a| a.id.clone()).collect() }),
        }
    }
}

impl Catalog for View {
    fn resolve(&self, plugin: &str, action: &str, req: &semver::VersionReq) -> Result<ResolvedAction, CatalogError> {
        let mut versions: Vec<&Entry> = self.entries.iter().filter(|e| e.plugin.manifest.id == plugin).collect();
        if versions.is_empty() {
            return Err(self.refusals_of(plugin).unwrap_or_else(|| {
                let mut known: Vec<String> = self.entries.iter().map(|e| e.plugin.manifest.id.clone()).collect();
                known.sort();
                known.dedup();
                CatalogError::UnknownPlugin { known }
            }));
        }
        versions.sort_by(|a, b| b.plugin.manifest.version.cmp(&a.plugin.manifest.version));
        let matching: Vec<&Entry> =
            versions.iter().copied().filter(|e| req.matches(&e.plugin.manifest.version)).collect();
        let confirmed = matching.iter().find(|e| e.source.kind() != SourceKind::Folder || self.widening(e).is_none());
        let Some(best) = confirmed.or(matching.first()) else {
            return Err(self.refusals_of(plugin).unwrap_or_else(|| CatalogError::NoMatchingVersion {
                available: versions.iter().map(|e| e.plugin.manifest.version.clone()).collect(),
            }));
        };
        self.resolved(&best.plugin, action)
    }

    fn resolve_pinned(&self, plugin: &str, action: &str, digest: &str) -> Result<ResolvedAction, CatalogError> {
        let versions: Vec<&Entry> = self.entries.iter().filter(|e| e.plugin.manifest.id == plugin).collect();
        let pinned: Vec<&&Entry> = versions.iter().filter(|e| e.plugin.digest == digest).collect();
        if pinned.len() > 1 {
            let versions = pinned.iter().map(|e| e.plugin.manifest.version.clone()).collect();
            return Err(CatalogError::AmbiguousDigest { versions });
        }
        match pinned.first() {
            Some(e) => self.resolved(&e.plugin, action),
            None if versions.is_empty() => {
                Err(self.refusals_of(plugin).unwrap_or(CatalogError::UnknownDigest { available: Vec::new() }))
            }
            None => Err(CatalogError::UnknownDigest {
                available: versions
                    .iter()
                    .map(|e| (e.plugin.manifest.version.clone(), e.plugin.digest.clone()))
                    .collect(),
            }),
        }
    }
}

/// The plugin `plugin` at `version` among `entries` (and with `digest`, when given).
pub(super) fn find_in(
    entries: &[Entry],
    plugin: &str,
    version: &semver::Version,
    digest: Option<&str>,
) -> Option<Arc<Plugin>> {
    entries
        .iter()
        .map(|e| &e.plugin)
        .find(|p| p.manifest.id == plugin && &p.manifest.version == version && digest.is_none_or(|d| p.digest == d))
        .cloned()
}
