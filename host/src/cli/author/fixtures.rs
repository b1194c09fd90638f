//! `roost plugin test [DIR]`: `tests/fixtures/*.json` replayed in the sandbox.
//!
//! ```json
//! { "action": "greet", "input": { "name": "Ada" }, "output": { "greeting": "Hello, Ada." } }
//! { "action": "greet", "input": { "name": "" }, "error": { "kind": "invalid-input", "message": "blank" } }
//! ```
//!
//! A fixture may also give `secrets` (`{ "NAME": "value" }`) and `"kv": true`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use roost::runtime::StepFailure;
use serde::Deserialize;
use serde_json::Value;

use super::sandbox;
use crate::cli::{EXIT_FAILED, Env};

/// Largest fixture file read.
const MAX_FIXTURE: u64 = 4 << 20;
/// Lines of each side beyond which a diff shows only the first differing line.
const MAX_DIFF_LINES: usize = 2_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    action: String,
    #[serde(default)]
    input: Value,
    #[serde(default)]
    description: String,
    /// The exact output expected.
    output: Option<Value>,
    /// The failure expected instead.
    error: Option<ExpectedError>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    kv: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    /// `invalid-input`, `retryable`, `fatal`, `timeout`, `trap` or `bad-output`.
    kind: Option<String>,
    /// A part of the message.
    message: Option<String>,
}

pub async fn test(env: &Env, dir: &Path) -> anyhow::Result<u8> {
    let files = fixture_files(&dir.join("tests/fixtures"))?;
    let loaded = sandbox::load(env, &dir.display().to_string())?;
    let mut failed = 0;
    for file in &files {
        let name = file.display();
        match replay(env, &loaded.plugin, file).await {
            Ok(()) => out!("ok    {name}"),
            Err(why) => {
                failed += 1;
                out!("FAIL  {name}\n{}", indent(&format!("{why:#}")));
            }
        }
    }
    out!("{} passed, {failed} failed", files.len() - failed);
    Ok(if failed == 0 { 0 } else { EXIT_FAILED })
}

fn fixture_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{}: no fixtures (*.json) to replay", dir.display());
    }
    Ok(files)
}

async fn replay(env: &Env, plugin: &roost::runtime::Plugin, file: &Path) -> anyhow::Result<()> {
    let len = std::fs::metadata(file)?.len();
    if len > MAX_FIXTURE {
        bail!("{len} bytes is over the limit of {} MiB for a fixture", MAX_FIXTURE >> 20);
    }
    let fixture: Fixture = serde_json::from_str(&std::fs::read_to_string(file)?).context("not a fixture")?;
    if fixture.output.is_some() && fixture.error.is_some() {
        bail!("give `output` or `error`, not both");
    }
    let secrets = sandbox::secrets(plugin, fixture.secrets.clone())?;
    let outcome = sandbox::call(env, plugin, &fixture.action, fixture.input.clone(), secrets, fixture.kv).await?;
    judge(&fixture, &outcome.result).map_err(|why| match fixture.description.is_empty() {
        true => anyhow::anyhow!(why),
        false => anyhow::anyhow!("{}: {why}", fixture.description),
    })
}

/// Whether `result` is what `fixture` expects; if not, why, with a diff for outputs.
fn judge(fixture: &Fixture, result: &Result<Value, StepFailure>) -> Result<(), String> {
    match (result, &fixture.error) {
        (Ok(got), None) => match &fixture.output {
            Some(want) if want != got => {
                Err(format!("the output differs (- expected, + actual):\n{}", diff(want, got)))
            }
            _ => Ok(()),
        },
        (Ok(got), Some(_)) => Err(format!("expected a failure, got the output {got}")),
        (Err(e), None) => Err(format!("expected an output, got a failure ({}): {e}", e.kind())),
        (Err(e), Some(want)) => {
            let message = e.to_string();
            if let Some(kind) = want.kind.as_deref().filter(|k| *k != e.kind()) {
                return Err(format!("expected a failure of kind `{kind}`, got `{}`: {message}", e.kind()));
            }
            match want.message.as_deref().filter(|m| !message.contains(m)) {
                Some(part) => Err(format!("expected a message containing {part:?}, got {message:?}")),
                None => Ok(()),
            }
        }
    }
}

/// A line diff of two values printed as pretty JSON (longest common subsequence).
fn diff(want: &Value, got: &Value) -> String {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let (a, b) = (pretty(want), pretty(got));
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        return format!(
            "first difference at line {}:\n- {}\n+ {}",
            at + 1,
            a.get(at).unwrap_or(&""),
            b.get(at).unwrap_or(&"")
        );
    }
    // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut lines) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push(format!("  {}", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            lines.push(format!("- {}", a[i]));
            i += 1;
        } else {
            lines.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    lines.join("\n")
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fixture(text: Value) -> Fixture {
        serde_json::from_value(text).unwrap()
    }

    #[test]
    fn outputs_are_compared_exactly_with_a_diff() {
        let f = fixture(json!({ "action": "a", "output": { "greeting": "Hello, Ada.", "length": 11 } }));
        assert!(judge(&f, &Ok(json!({ "greeting": "Hello, Ada.", "length": 11 }))).is_ok());
        let why = judge(&f, &Ok(json!({ "greeting": "Hello, Ada!", "length": 11 }))).unwrap_err();
        assert!(
            why.contains("-   \"greeting\": \"Hello, Ada.\",\n+   \"greeting\": \"Hello, Ada!\",\n    \"length\": 11"),
            "{why}"
        );
        let why = judge(&f, &Err(StepFailure::Fatal("boom".into()))).unwrap_err();
        assert_eq!(why, "expected an output, got a failure (fatal): boom");
    }

    #[test]
    fn failures_match_by_kind_and_message_part() {
        let f = fixture(json!({ "action": "a", "error": { "kind": "invalid-input", "message": "blank" } }));
        assert!(judge(&f, &Err(StepFailure::InvalidInput("`name` must not be blank".into()))).is_ok());
        let why = judge(&f, &Err(StepFailure::Fatal("blank".into()))).unwrap_err();
        assert!(why.starts_with("expected a failure of kind `invalid-input`, got `fatal`"), "{why}");
        let why = judge(&f, &Err(StepFailure::InvalidInput("too long".into()))).unwrap_err();
        assert!(why.contains("containing \"blank\""), "{why}");
        assert!(judge(&f, &Ok(json!({}))).unwrap_err().starts_with("expected a failure"));
    }
}
