//! `roost plugin new NAME`: a plugin crate that builds, tests and runs as it is.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use roost::runtime::manifest::API_VERSION;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin id: lowercase letters, digits and `-`, starting with a letter.
    name: String,
    /// Where to create the plugin's folder (default: ./NAME).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Depend on the SDK at this path (a checkout of Roost's plugin-sdk).
    #[arg(long, conflicts_with = "sdk_version")]
    sdk_path: Option<PathBuf>,
    /// Depend on this version of roost-sdk from the registry (default: this Roost's version).
    #[arg(long)]
    sdk_version: Option<String>,
}

/// The files of a new plugin: (path in its folder, template).
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("template/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("template/lib.rs.tmpl")),
    ("plugin.toml", include_str!("template/plugin.toml.tmpl")),
    ("README.md", include_str!("template/README.md.tmpl")),
    ("workflows/example.yaml", include_str!("template/example.yaml.tmpl")),
    ("tests/fixtures/greet.json", include_str!("template/fixture-greet.json.tmpl")),
    ("tests/fixtures/blank-name.json", include_str!("template/fixture-blank.json.tmpl")),
    (".gitignore", include_str!("template/gitignore.tmpl")),
];

/// Longest plugin id `new` accepts.
const MAX_ID: usize = 64;

pub fn new(args: NewArgs) -> anyhow::Result<u8> {
    check_id(&args.name)?;
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} already exists and is not empty; pick another --dir", dir.display());
    }
    let sdk = sdk_dependency(&args)?;
    for (path, template) in FILES {
        let text = template
            .replace("{{id}}", &args.name)
            .replace("{{sdk}}", &sdk)
            .replace("{{api}}", &API_VERSION.to_string());
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
    }
    out!("created plugin `{}` in {}", args.name, dir.display());
    out!(
        "next: cd {} && cargo test && roost plugin build && roost plugin run . greet --input '{{\"name\": \"Ada\"}}'",
        dir.display()
    );
    Ok(0)
}

/// The plugin id rules of `plugin.toml`, checked before anything is written; a leading
/// letter also keeps the id a valid crate name.
fn check_id(id: &str) -> anyhow::Result<()> {
    let valid = id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if id.is_empty()
        || id.len() > MAX_ID
        || !valid
        || !id.starts_with(|c: char| c.is_ascii_lowercase())
        || id.ends_with('-')
    {
        bail!(
            "plugin name `{id}` must be 1 to {MAX_ID} lowercase letters, digits and `-`, starting with a letter and not ending with `-`"
        );
    }
    Ok(())
}

/// The `roost-sdk` dependency line: a path (made absolute) or a registry version.
fn sdk_dependency(args: &NewArgs) -> anyhow::Result<String> {
    if let Some(path) = &args.sdk_path {
        let path = absolute(path)?;
        if !path.join("Cargo.toml").is_file() {
            bail!(
                "--sdk-path {}: no Cargo.toml there; give the folder of roost-sdk (plugin-sdk in Roost's source)",
                path.display()
            );
        }
        return Ok(format!("{{ path = {} }}", toml_string(&path.display().to_string())));
    }
    let version = args.sdk_version.clone().unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string());
    semver::VersionReq::parse(&version)
        .with_context(|| format!("--sdk-version `{version}` is not a version requirement"))?;
    Ok(toml_string(&version))
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::fs::canonicalize(path).with_context(|| format!("--sdk-path {}: cannot resolve it", path.display()))
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::check_id;

    #[test]
    fn ids_follow_the_manifest_rules() {
        for ok in ["hashtags", "my-plugin2", "a"] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Hashtags", "has_underscore", "2fast", "-x", "x-", "a b", &"x".repeat(65)] {
            let err = check_id(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }
}
