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
//! Each value is searched in these forms (see [`text_forms`] and [`base64_forms`]): as is;
//! percent-encoded (with `%20` or `+` for a space); JSON-escaped (also with `\/`);
//! HTML-escaped; and base64 (standard and URL-safe alphabets) at each of the three byte
//! alignments, so the value is found inside a longer encoded text such as the base64 of
//! `Bearer VALUE` or of `user:VALUE` (HTTP Basic). The value and its text forms are matched
//! ignoring ASCII case (an upstream that echoes `BEARER VALUE` upper-cased, or percent-
//! encoding with lowercase hex), except a value shorter than [`MIN_DERIVED_LEN`], which is
//! matched exactly so it does not mangle ordinary words; base64 is matched exactly, since
//! its case carries the bits. Not covered: other transformations (case changes inside
//! base64 or of non-ASCII letters, reversed text, base32, hex, compression, hashing,
//! encryption, a value split across fields). A compressed body that carries no secret is
//! still refused by the http capability, because its bytes cannot be searched.

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
    /// The value and its text forms, ignoring ASCII case; `None` when there is none.
    folded: Option<Matcher>,
    /// Base64 forms and short values, exactly.
    exact: Option<Matcher>,
}

/// One automaton and the marker of each of its patterns, by pattern index.
#[derive(Clone)]
struct Matcher {
    automaton: AhoCorasick,
    markers: Vec<String>,
}

impl Matcher {
    /// A matcher of `patterns` (each with its marker), `None` without any. A contiguous NFA
    /// builds in microseconds (a DFA takes far longer), once per step; its size is linear in
    /// the patterns' total length, which the secret length limit bounds.
    fn build(patterns: Vec<(Vec<u8>, String)>, ignore_case: bool) -> Option<Self> {
        if patterns.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(ignore_case)
            .build(patterns.iter().map(|(p, _)| p))
            .expect("literal patterns of bounded length always build");
        Some(Self { automaton, markers: patterns.into_iter().map(|(_, m)| m).collect() })
    }
}

/// Adds `form` with `marker` unless an equal pattern (ignoring ASCII case if `ignore_case`) is held.
fn add(patterns: &mut Vec<(Vec<u8>, String)>, form: Vec<u8>, marker: &str, ignore_case: bool) {
    let same = |p: &[u8]| if ignore_case { p.eq_ignore_ascii_case(&form) } else { *p == form };
    if !patterns.iter().any(|(p, _)| same(p)) {
        patterns.push((form, marker.to_string()));
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |m: &Option<Matcher>| m.as_ref().map_or(0, |m| m.markers.len());
        write!(f, "Redactor({} patterns)", count(&self.folded) + count(&self.exact))
    }
}

impl Redactor {
    /// A redactor for `(name, value)` pairs; empty values are ignored.
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let (mut folded, mut exact) = (Vec::new(), Vec::new());
        for (name, value) in secrets.into_iter().filter(|(_, v)| !v.is_empty()) {
            let marker = format!("[redacted:{name}]");
            if value.len() < MIN_DERIVED_LEN {
                add(&mut exact, value.as_bytes().to_vec(), &marker, false);
            }
            for form in text_forms(value) {
                add(&mut folded, form.into_bytes(), &marker, true);
            }
            for form in base64_forms(value) {
                add(&mut exact, form.into_bytes(), &marker, false);
            }
        }
        Self { folded: Matcher::build(folded, true), exact: Matcher::build(exact, false) }
    }

    /// True when there is no secret to scrub.
    pub fn is_empty(&self) -> bool {
        self.folded.is_none() && self.exact.is_none()
    }

    fn matchers(&self) -> impl Iterator<Item = &Matcher> {
        self.folded.iter().chain(&self.exact)
    }

    /// `bytes` with every form of every secret replaced by its marker.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.matchers().fold(bytes.to_vec(), |b, m| m.automaton.replace_all_bytes(&b, &m.markers))
    }

    /// `text` with every form of every secret replaced by its marker.
    pub fn scrub(&self, text: &str) -> String {
        self.matchers().fold(text.to_string(), |t, m| m.automaton.replace_all(&t, &m.markers))
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

/// The text forms of `value` a proxy or a hostile server might echo, matched ignoring ASCII
/// case: the value itself (when at least [`MIN_DERIVED_LEN`] bytes), percent-, JSON- and
/// HTML-escaped (see the module docs).
pub fn text_forms(value: &str) -> Vec<String> {
    let forms = [
        value.to_string(),
        percent(value, false),
        percent(value, true),
        json_escaped(value),
        json_escaped(value).replace('/', "\\/"),
        html_escaped(value),
    ];
    forms.into_iter().filter(|f| f.len() >= MIN_DERIVED_LEN).collect()
}

/// The base64 cores of `value` at each alignment, in both alphabets, matched exactly.
pub fn base64_forms(value: &str) -> Vec<String> {
    (0..3).flat_map(|offset| base64_core(value.as_bytes(), offset)).filter(|f| f.len() >= MIN_DERIVED_LEN).collect()
}

/// Percent-encoding of every byte outside RFC 3986's unreserved set; `form`: space as `+`.
/// The hex digits' case is left to the case-insensitive match.
fn percent(value: &str, form: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' if form => out.push('+'),
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
            percent(VALUE, false),
            percent(VALUE, true).to_lowercase(),
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
        assert!(text_forms("abc").is_empty() && base64_forms("abc").is_empty());
        assert_eq!(Redactor::new([("S", "abc")]).scrub("xabcx YWJj ABC"), "x[redacted:S]x YWJj ABC");
    }

    #[test]
    fn text_forms_are_scrubbed_whatever_their_ascii_case_and_base64_only_exactly() {
        let redactor = Redactor::new([("TOKEN", "SuperSecretTok3n-xyz")]);
        let echoes =
            ["BEARER SUPERSECRETTOK3N-XYZ", "bearer supersecrettok3n-xyz", "{\"auth\":\"SUPERsecretTOK3N-XYZ\"}"];
        for echo in echoes {
            let scrubbed = redactor.scrub(echo);
            assert!(scrubbed.contains("[redacted:TOKEN]"), "{echo} -> {scrubbed}");
            assert!(!scrubbed.to_ascii_lowercase().contains("supersecret"), "{echo} -> {scrubbed}");
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode("SuperSecretTok3n-xyz");
        assert!(redactor.scrub(&b64).starts_with("[redacted:TOKEN]"), "the base64 of the value, exactly");
        let swapped: String = b64
            .chars()
            .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
            .collect();
        assert_eq!(redactor.scrub(&swapped), swapped, "another case is other bytes in base64: not the secret");
    }

    #[test]
    fn the_largest_secret_builds_quickly() {
        let value: String =
            (0..crate::service::vault::MAX_SECRET_BYTES).map(|i| char::from(b'!' + (i % 90) as u8)).collect();
        let started = std::time::Instant::now();
        let redactor = Redactor::new([("BIG", value.as_str())]);
        assert_eq!(redactor.scrub(&format!("x{}y", value.to_uppercase())), "x[redacted:BIG]y");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    }
}
