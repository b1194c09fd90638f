//! `roost plugin publish|pull|sign|verify|keygen`: plugins in OCI registries, and their keys.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use roost::oci::artifact::Metadata;
use roost::oci::{PrivateKey, PublicKey, Reference, TrustPolicy};
use roost::runtime::manifest::Manifest;

use super::{EXIT_FAILED, Env};

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Push a plugin folder to an OCI registry and print the manifest digest.
    ///
    /// DIR holds plugin.toml and its .wasm, or is a plugin crate built for wasm32-wasip2
    /// (target/wasm32-wasip2/plugin or release). The tag defaults to the plugin's version.
    Publish {
        /// The plugin folder or plugin crate.
        dir: PathBuf,
        /// `registry[:port]/repository[:tag]`.
        reference: String,
        /// Sign what was pushed with this private key (from `roost plugin keygen`).
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Where the plugin's source lives (the `org.opencontainers.image.source` annotation).
        #[arg(long, value_name = "URL")]
        source: Option<String>,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Fetch a plugin, check its digests and signature, and show it (or write it to --out).
    Pull {
        reference: String,
        /// Write plugin.toml and the component into this folder (a loadable plugin folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Sign the plugin at REF with a private key; the signature is stored in the registry.
    Sign {
        reference: String,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Check that a trusted key signed the plugin at REF; exits 1 if none did.
    Verify {
        reference: String,
        /// A public key to trust besides [registry] trusted_keys (repeatable).
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<String>,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Write a new ECDSA P-256 key pair: PREFIX.key (mode 0600, unencrypted) and PREFIX.pub.
    Keygen {
        #[arg(long, value_name = "PREFIX", default_value = "roost-plugin")]
        out: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct NetArgs {
    /// Reach this registry over plain http even though it is not on loopback.
    #[arg(long)]
    insecure: bool,
}

pub async fn registry(env: &Env, cmd: RegistryCommand) -> anyhow::Result<u8> {
    match cmd {
        RegistryCommand::Publish { dir, reference, sign, source, net } => {
            publish(env, &dir, &reference, sign.as_deref(), source, net).await
        }
        RegistryCommand::Pull { reference, out, net } => pull(env, &reference, out.as_deref(), net).await,
        RegistryCommand::Sign { reference, key, net } => {
            let key = PrivateKey::load(&key)?;
            let policy = policy(env, &reference, net, &[])?;
            let digest = roost::oci::signature::sign(&reference, &key, &policy).await?;
            out!("signed {reference} ({digest}) with key {}", key.public().id());
            Ok(0)
        }
        RegistryCommand::Verify { reference, keys, net } => {
            let mut policy = policy(env, &reference, net, &keys)?;
            policy.require_signature = true;
            match roost::oci::pull(&reference, &policy).await {
                Ok(pulled) => {
                    out!("verified {}: signed by key {}", pulled.reference, pulled.signer.unwrap_or_default());
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(EXIT_FAILED)
                }
            }
        }
        RegistryCommand::Keygen { out } => {
            let key = PrivateKey::generate()?;
            key.write_pair(&out)?;
            let (private, public) = (out.with_extension("key"), out.with_extension("pub"));
            out!("wrote {} (private, keep it secret) and {} (public)", private.display(), public.display());
            out!("key id {}", key.public().id());
            Ok(0)
        }
    }
}

/// The configured trust policy, plus `extra_keys` and, with `--insecure`, the registry of `reference`.
fn policy(env: &Env, reference: &str, net: NetArgs, extra_keys: &[String]) -> anyhow::Result<TrustPolicy> {
    let mut policy = env.config.registry.policy()?;
    for key in extra_keys {
        policy.trusted_keys.push(PublicKey::load(key)?);
    }
    if net.insecure {
        policy.insecure_registries.push(Reference::parse(reference)?.registry);
    }
    Ok(policy)
}

async fn publish(
    env: &Env,
    dir: &Path,
    reference: &str,
    sign: Option<&Path>,
    source: Option<String>,
    net: NetArgs,
) -> anyhow::Result<u8> {
    let key = sign.map(PrivateKey::load).transpose()?;
    let manifest_path = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {} (publish wants a plugin folder)", manifest_path.display()))?;
    let wasm_path = find_component(dir)?;
    let wasm = std::fs::read(&wasm_path).with_context(|| format!("cannot read {}", wasm_path.display()))?;
    // What a host would refuse to load is not published.
    let plugin = env.runtime.load(&manifest_path.display().to_string(), &text, &wasm)?;
    let Manifest { id, version, description, .. } = &plugin.manifest;
    let mut target = Reference::parse(reference)?;
    if !reference.ends_with(":latest") && target.digest.is_none() && target.tag.as_deref() == Some("latest") {
        target.tag = Some(version.to_string());
    }
    let meta = Metadata {
        id: id.clone(),
        version: version.to_string(),
        description: description.clone(),
        source,
        author: None,
        created: created().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let policy = policy(env, reference, net, &[])?;
    let digest = roost::oci::push::push(&target, &wasm, &text, &meta, &policy).await?;
    out!("published {id} {version} ({}) to {target}", wasm_path.display());
    out!("digest {digest}");
    out!(
        "component sha256 {} (what a workflow pins: `uses: {id}/ACTION@sha256:...`)",
        roost::runtime::cache::sha256_hex(&wasm)
    );
    if let Some(key) = key {
        roost::oci::signature::sign(&target.pinned(&digest).to_string(), &key, &policy).await?;
        out!("signed with key {}", key.public().id());
    }
    Ok(0)
}

/// The publication time: `SOURCE_DATE_EPOCH` if set (the same bytes then publish to the
/// same digest), else now.
fn created() -> chrono::DateTime<chrono::Utc> {
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok());
    epoch.and_then(|secs| chrono::DateTime::from_timestamp(secs, 0)).unwrap_or_else(chrono::Utc::now)
}

/// The component of a plugin folder: the one `.wasm` next to `plugin.toml`, or the crate's
/// build output under `target/wasm32-wasip2/{plugin,release}`, the newest if both exist.
fn find_component(dir: &Path) -> anyhow::Result<PathBuf> {
    let wasm_in = |d: &Path| -> Vec<PathBuf> {
        let entries = std::fs::read_dir(d).into_iter().flatten().filter_map(Result::ok);
        entries.map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wasm") && p.is_file()).collect()
    };
    let beside = wasm_in(dir);
    match beside.as_slice() {
        [one] => return Ok(one.clone()),
        [] => {}
        _ => anyhow::bail!("{} holds several .wasm files; keep one next to plugin.toml", dir.display()),
    }
    let crate_name = crate_name(dir).map(|n| format!("{}.wasm", n.replace('-', "_")));
    let built =
        ["plugin", "release"].iter().flat_map(|profile| wasm_in(&dir.join("target/wasm32-wasip2").join(profile)));
    let candidates: Vec<PathBuf> =
        built.filter(|p| crate_name.as_deref().is_none_or(|n| p.file_name().is_some_and(|f| f == n))).collect();
    let newest = candidates.into_iter().max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    newest.with_context(|| {
        format!(
            "no component in {}: put the .wasm next to plugin.toml, or build the crate for wasm32-wasip2 \
             (target/wasm32-wasip2/plugin or release)",
            dir.display()
        )
    })
}

/// The `[package] name` of the crate in `dir`, if it is one.
fn crate_name(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    value.get("package")?.get("name")?.as_str().map(String::from)
}

async fn pull(env: &Env, reference: &str, out: Option<&Path>, net: NetArgs) -> anyhow::Result<u8> {
    let policy = policy(env, reference, net, &[])?;
    let pulled = match roost::oci::pull(reference, &policy).await {
        Ok(pulled) => pulled,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_FAILED);
        }
    };
    let manifest = Manifest::parse(&pulled.reference, &pulled.manifest_text)?;
    out!("{} {}  {}", manifest.id, manifest.version, pulled.reference);
    out!("digest {}", pulled.digest);
    out!("component sha256 {} ({} bytes)", pulled.component_sha256, pulled.wasm.len());
    match &pulled.signer {
        Some(id) => out!("signed by trusted key {id}"),
        None if policy.trusted_keys.is_empty() => out!("signature not checked (no [registry] trusted_keys)"),
        None => out!("not signed by any trusted key"),
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(dir.join("plugin.toml"), &pulled.manifest_text)?;
        let wasm = dir.join(format!("{}.wasm", manifest.id));
        std::fs::write(&wasm, &pulled.wasm).with_context(|| format!("cannot write {}", wasm.display()))?;
        out!("wrote {}", dir.display());
    }
    Ok(0)
}
