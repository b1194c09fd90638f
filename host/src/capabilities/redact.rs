//! Scrubbing secret values, in the encodings an echo would use, out of text, bytes and JSON.
//!
//! ```rust,ignore
//! let redactor = Redactor::new([("TOKEN", "s3cr3t-value")]);
//! assert_eq!(redactor.scrub("Authorization: Bearer s3cr3t-value"), "Authorization: Bearer [redacted:TOKEN]");
//! ```
//!
//! One [`Redactor`] per step holds every secret that step may use. It is applied twice:
//! to each HTTP response before the plugin reads it (`http.rs`), and to the step's output,
//! error and log lines before the engine stores or answers them (`runtime/executor.rs`).
//!
//! Each value is searched in these forms (see [`forms`]): as is; percent-encoded (upper-
//! and lowercase hex, with `%20` or `+` for a space); JSON-escaped (also with `\/`);
//! HTML-escaped; and base64 (standard and URL-safe alphabets) at each of the three byte
//! alignments, so the value is found inside a longer encoded text such as the base64 of
//! `Bearer VALUE` or of `user:VALUE` (HTTP Basic). Not covered: other transformations
//! (compression, hashing, case changes, encryption, a value split across fields). A
//! compressed body that carries no secret is still refused by the http capability,
//! because its bytes cannot be searched.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde_json::Value;

/// Derived forms shorter than this many bytes are not searched: a short base64 core of
/// a short value would match ordinary text and mangle data. The value itself is always
/// searched, however short.
pub const MIN_DERIVED_LEN: usize = 6;

/// Replaces every form of every secret value with `[redacted:NAME]`.
#[derive(Clone, Default)]
pub struct Redactor {
    /// `None` when there is nothing to find.
    matcher: Option<AhoCorasick>,
    /// The marker of each pattern, by pattern index.
    markers: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} patterns)", self.markers.len())
    }
}

impl Redactor {
    /// A redactor for `(name, value)` pairs; empty values are ignored.
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut patterns: Vec<(Vec<u8>, String)> = Vec::new();
        for (name, value) in secrets.into_iter().filter(|(_, v)| !v.is_empty()) {
            let marker = format!("[redacted:{name}]");
            for form in forms(value) {
                if !patterns.iter().any(|(p, _)| *p == form) {
                    patterns.push((form, marker.clone()));
                }
            }
        }
        if patterns.is_empty() {
            return Self::default();
        }
        // A contiguous NFA builds in microseconds (a DFA takes far longer), once per step.
        let matcher = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns.iter().map(|(p, _)| p))
            .expect("a few hundred short literal patterns always build");
        Self { matcher: Some(matcher), markers: patterns.into_iter().map(|(_, m)| m).collect() }
    }

    /// True when there is no secret to scrub.
    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// `bytes` with every form of every secret replaced by its marker.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        match &self.matcher {
            None => bytes.to_vec(),
            Some(m) => m.replace_all_bytes(bytes, &self.markers),
        }
    }

    /// `text` with every form of every secret replaced by its marker.
    pub fn scrub(&self, text: &str) -> String {
        match &self.matcher {
            None => text.to_string(),
            Some(m) => m.replace_all(text, &self.markers),
        }
    }

    /// Scrubs every string and object key of `value` in place.
    pub fn scrub_json(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => *s = self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let fields = std::mem::take(map);
                for (key, mut v) in fields {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&key), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The forms of `value` a proxy or a hostile server might echo (see the module docs).
pub fn forms(value: &str) -> Vec<Vec<u8>> {
    let mut out = vec![value.as_bytes().to_vec()];
    let mut derived = vec![
        percent(value, false, false),
        percent(value, true, false),
        percent(value, false, true),
        percent(value, true, true),
        json_escaped(value),
        json_escaped(value).replace('/', "\\/"),
        html_escaped(value),
    ];
    for offset in 0..3 {
        derived.extend(base64_core(value.as_bytes(), offset));
    }
    for form in derived {
        if form.len() >= MIN_DERIVED_LEN && !out.iter().any(|f| f == form.as_bytes()) {
            out.push(form.into_bytes());
        }
    }
    out
}

/// Percent-encoding of every byte outside RFC 3986's unreserved set; `form`: space as `+`.
fn percent(value: &str, lower: bool, form: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' if form => out.push('+'),
            _ if lower => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string always serializes");
    quoted[1..quoted.len() - 1].to_string()
}

fn html_escaped(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The base64 characters that encode only `value`'s bits when it follows `offset` (0-2)
/// other bytes: what any base64 text containing `value` at that alignment contains.
fn base64_core(value: &[u8], offset: usize) -> Vec<String> {
    let mut padded = vec![0u8; offset];
    padded.extend_from_slice(value);
    let (first_bit, end_bit) = (offset * 8, (offset + value.len()) * 8);
    let start = first_bit.div_ceil(6);
    let end = end_bit / 6;
    if end <= start {
        return Vec::new();
    }
    [STANDARD_NO_PAD.encode(&padded), URL_SAFE_NO_PAD.encode(&padded)]
        .into_iter()
        .map(|encoded| encoded[start..end].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "tok/en+with spaces&<sym>\"q\"-1234567890";

    fn redactor() -> Redactor {
        Redactor::new([("TOKEN", VALUE), ("EMPTY", "")])
    }

    #[test]
    fn every_covered_encoding_is_scrubbed() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let url64 = |s: &str| base64::engine::general_purpose::URL_SAFE.encode(s);
        let echoes = [
            VALUE.to_string(),
            percent(VALUE, false, false),
            percent(VALUE, true, true),
            serde_json::to_string(VALUE).unwrap(),
            html_escaped(VALUE),
            b64(VALUE),
            b64(&format!("Bearer {VALUE}")),
            b64(&format!("user:{VALUE}")),
            url64(&format!("xy{VALUE}")),
        ];
        for echo in echoes {
            let page = format!("<p>upstream said: {echo} (end)</p>");
            let scrubbed = redactor().scrub(&page);
            assert!(scrubbed.contains("[redacted:TOKEN]"), "{echo} -> {scrubbed}");
            assert!(!scrubbed.contains(&echo), "{echo} survived: {scrubbed}");
        }
    }

    #[test]
    fn json_keys_values_and_bytes_are_scrubbed_and_other_text_kept() {
        let mut value = serde_json::json!({ "a": [VALUE, 3, { VALUE: "x" }], "b": "plain" });
        redactor().scrub_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({ "a": ["[redacted:TOKEN]", 3, { "[redacted:TOKEN]": "x" }], "b": "plain" })
        );
        let bytes = redactor().scrub_bytes(format!("x{VALUE}y").as_bytes());
        assert_eq!(bytes, b"x[redacted:TOKEN]y");
        assert!(Redactor::new([("E", "")]).is_empty());
        assert_eq!(Redactor::default().scrub("as is"), "as is");
    }

    #[test]
    fn short_values_are_scrubbed_as_is_only() {
        let forms = forms("abc");
        assert_eq!(forms, vec![b"abc".to_vec()], "derived forms of a short value would match ordinary text");
        assert_eq!(Redactor::new([("S", "abc")]).scrub("xabcx YWJj"), "x[redacted:S]x YWJj");
    }
}
