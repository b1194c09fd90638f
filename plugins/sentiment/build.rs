//! Generates the English valence table from the `vader_sentiment` crate's MIT lexicon.
//!
//! A fresh wasm instance runs per workflow step, so the lexicon must cost nothing at
//! instantiation: instead of the crate's lazily built HashMap (2-3 ms natively), the
//! plugin gets a static slice sorted by lowercase key, which `src/table.rs` hashes at
//! compile time. The list itself never enters the repository.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut table: BTreeMap<String, f64> = BTreeMap::new();
    for (word, valence) in vader_sentiment::LEXICON.iter() {
        let key = word.to_lowercase();
        // Multi-word entries ("fed up") can never match a single token; skip them.
        if key.contains(char::is_whitespace) {
            continue;
        }
        table.insert(key, *valence);
    }
    let mut out = String::with_capacity(table.len() * 24);
    out.push_str("/// VADER's English valences, by lowercase token, sorted.\n");
    out.push_str("pub(crate) static WORDS: &[(&str, f32)] = &[\n");
    for (key, valence) in &table {
        writeln!(out, "    ({key:?}, {valence:?}),").expect("writing to a String");
    }
    out.push_str("];\n");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(dir.join("lexicon_en.rs"), out).expect("OUT_DIR is writable");
}
