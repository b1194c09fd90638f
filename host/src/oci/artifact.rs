//! The artifact's layout: OCI image manifest, Wasm config, layers, annotations.
//!
//! ```text
//! manifest  application/vnd.oci.image.manifest.v1+json
//!   config  application/vnd.wasm.config.v0+json            {created, author, architecture: "wasm",
//!                                                            os: "wasip2", layerDigests, component}
//!   layer 0 application/wasm                                the component
//!   layer 1 application/vnd.roost.plugin.manifest.v1+toml   plugin.toml
//!   annotations org.opencontainers.image.{title,version,description,source,created}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::OciError;

pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
pub const PLUGIN_TOML_MEDIA_TYPE: &str = "application/vnd.roost.plugin.manifest.v1+toml";
/// Most layers a manifest may list: a plugin has two, a signature manifest one a signer.
const MAX_LAYERS: usize = 64;

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self {
            media_type: media_type.into(),
            digest: super::sha256_digest(bytes),
            size: bytes.len() as u64,
            annotations: BTreeMap::new(),
        }
    }

    fn titled(mut self, title: &str) -> Self {
        self.annotations.insert("org.opencontainers.image.title".into(), title.into());
        self
    }
}

/// An OCI image manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ImageManifest {
    pub fn new(config: Descriptor, layers: Vec<Descriptor>, annotations: BTreeMap<String, String>) -> Self {
        Self { schema_version: 2, media_type: Some(MANIFEST_MEDIA_TYPE.into()), config, layers, annotations }
    }

    /// Parses a manifest the registry served as `content_type`, checking it is an OCI image manifest.
    pub fn parse(bytes: &[u8], content_type: Option<&str>, reference: &str) -> Result<Self, OciError> {
        let not = |reason: String| OciError::NotAPlugin { reference: reference.to_string(), reason };
        let served = content_type.map(|c| c.split(';').next().unwrap_or_default().trim());
        if served.is_some_and(|c| c != MANIFEST_MEDIA_TYPE) {
            return Err(not(format!(
                "the registry served a `{}`, not an OCI image manifest",
                served.unwrap_or_default()
            )));
        }
        let manifest: Self =
            serde_json::from_slice(bytes).map_err(|e| not(format!("the manifest is not valid JSON: {e}")))?;
        if manifest.schema_version != 2 || manifest.media_type.as_deref().is_some_and(|m| m != MANIFEST_MEDIA_TYPE) {
            return Err(not("the manifest is not schema version 2 of an OCI image manifest".into()));
        }
        if manifest.layers.len() > MAX_LAYERS {
            return Err(not(format!("the manifest lists more than {MAX_LAYERS} layers")));
        }
        for d in manifest.layers.iter().chain([&manifest.config]) {
            super::reference::check_digest(&d.digest).map_err(|r| not(format!("descriptor {}: {r}", d.digest)))?;
        }
        Ok(manifest)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The one layer of `media_type`, refusing none or several.
    pub fn layer(&self, media_type: &str, reference: &str) -> Result<&Descriptor, OciError> {
        let mut found = self.layers.iter().filter(|l| l.media_type == media_type);
        match (found.next(), found.next()) {
            (Some(layer), None) => Ok(layer),
            (None, _) => {
                Err(OciError::NotAPlugin { reference: reference.into(), reason: format!("no `{media_type}` layer") })
            }
            (Some(_), Some(_)) => Err(OciError::NotAPlugin {
                reference: reference.into(),
                reason: format!("more than one `{media_type}` layer"),
            }),
        }
    }
}

/// The Wasm config (`application/vnd.wasm.config.v0+json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub architecture: String,
    pub os: String,
    pub layer_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentInfo>,
}

/// The component's top-level imports and exports, by interface name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
}

/// What a plugin's publication says about it.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub id: String,
    pub version: String,
    pub description: String,
    /// Where its source lives (`org.opencontainers.image.source`), if the author says.
    pub source: Option<String>,
    pub author: Option<String>,
    /// RFC 3339.
    pub created: String,
}

/// The blobs and manifest of a plugin artifact, ready to push.
pub struct Artifact {
    pub config: Vec<u8>,
    pub manifest: ImageManifest,
}

/// Lays out `wasm` and `plugin_toml` as the Wasm artifact described in the module doc.
pub fn build(wasm: &[u8], plugin_toml: &str, meta: &Metadata) -> Artifact {
    let wasm_layer = Descriptor::of(WASM_LAYER_MEDIA_TYPE, wasm).titled(&format!("{}.wasm", meta.id));
    let toml_layer = Descriptor::of(PLUGIN_TOML_MEDIA_TYPE, plugin_toml.as_bytes()).titled("plugin.toml");
    let config = WasmConfig {
        created: meta.created.clone(),
        author: meta.author.clone(),
        architecture: "wasm".into(),
        os: "wasip2".into(),
        layer_digests: vec![wasm_layer.digest.clone(), toml_layer.digest.clone()],
        component: component_info(wasm),
    };
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let mut annotations = BTreeMap::new();
    let mut annotate = |key: &str, value: &str| {
        annotations.insert(format!("org.opencontainers.image.{key}"), value.to_string());
    };
    annotate("title", &meta.id);
    annotate("version", &meta.version);
    annotate("description", &meta.description);
    annotate("created", &meta.created);
    if let Some(source) = &meta.source {
        annotate("source", source);
    }
    let manifest =
        ImageManifest::new(Descriptor::of(WASM_CONFIG_MEDIA_TYPE, &config), vec![wasm_layer, toml_layer], annotations);
    Artifact { config, manifest }
}

/// The names of the component's top-level imports and exports, if it parses as one.
fn component_info(wasm: &[u8]) -> Option<ComponentInfo> {
    use wasmparser::{Parser, Payload};
    let mut info = ComponentInfo::default();
    // Nested modules and components come in the same stream; only depth 0 is the plugin's.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ComponentImportSection(imports) if depth == 0 => {
                info.imports.extend(imports.into_iter().filter_map(|i| Some(i.ok()?.name.name.to_string())));
            }
            Payload::ComponentExportSection(exports) if depth == 0 => {
                info.exports.extend(exports.into_iter().filter_map(|e| Some(e.ok()?.name.name.to_string())));
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Some(info)
}
