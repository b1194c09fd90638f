//! Generates the plugin's static tables at build time.
//!
//! - The English valence table from the `vader_sentiment` crate's MIT lexicon. A fresh
//!   wasm instance runs per workflow step, so the lexicon must cost nothing at
//!   instantiation: instead of the crate's lazily built HashMap (2-3 ms natively), the
//!   plugin gets a static slice sorted by lowercase key, which `src/table.rs` hashes at
//!   compile time. The list itself never enters the repository.
//! - The cue phrases (`cues/en.txt`, `cues/de.txt`), grouped by their first word, and the
//!   German compound parts (`cues/de_heads.txt`, `cues/de_modifiers.txt`): plain lists a
//!   reader can edit, checked here and turned into compile-time hash tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

const KINDS: [(&str, &str); 7] = [
    ("idiom", "Idiom"),
    ("complaint", "Complaint"),
    ("sarcasm", "Sarcasm"),
    ("resolution", "Resolution"),
    ("repeat", "Repeat"),
    ("marker", "Marker"),
    ("neutral", "Neutral"),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=cues");
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(dir.join("lexicon_en.rs"), english_lexicon()).expect("OUT_DIR is writable");
    for lang in ["en", "de"] {
        let list = read(&format!("cues/{lang}.txt"));
        std::fs::write(dir.join(format!("cues_{lang}.rs")), cues(&list, lang == "de")).expect("OUT_DIR is writable");
    }
    let heads = parts(&read("cues/de_heads.txt"), "HEADS", false);
    let modifiers = parts(&read("cues/de_modifiers.txt"), "MODIFIERS", true);
    std::fs::write(dir.join("compound_de.rs"), heads + &modifiers).expect("OUT_DIR is writable");
}

fn english_lexicon() -> String {
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
    out
}

fn read(path: &str) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The key form of a listed word: lowercase, plain apostrophe, German letters folded.
fn fold(word: &str, german: bool) -> String {
    let mut out = String::new();
    for c in word.chars().flat_map(char::to_lowercase) {
        match (german, c) {
            (_, '’') => out.push('\''),
            (true, 'ä') => out.push_str("ae"),
            (true, 'ö') => out.push_str("oe"),
            (true, 'ü') => out.push_str("ue"),
            (true, 'ß') => out.push_str("ss"),
            _ => out.push(c),
        }
    }
    out
}

fn valence(text: &str, line: usize) -> f32 {
    let v: f32 = text.parse().unwrap_or_else(|_| panic!("line {line}: valence {text:?} is not a number"));
    assert!((-4.0..=4.0).contains(&v), "line {line}: valence {v} is off the -4..4 scale");
    v
}

/// Every spelling of a phrase: a word with an apostrophe also without it.
fn spellings(words: &[String]) -> Vec<Vec<String>> {
    let mut all = vec![Vec::new()];
    for w in words {
        let mut forms = vec![w.clone()];
        if w.contains('\'') {
            forms.push(w.replace('\'', ""));
        }
        all = all.iter().flat_map(|p| forms.iter().map(move |f| [p.clone(), vec![f.clone()]].concat())).collect();
    }
    all
}

/// The cues that start with one word: the other words, the valence and the kind.
type Group = Vec<(Vec<String>, f32, &'static str)>;

fn cues(list: &[(usize, String)], german: bool) -> String {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (line, text) in list {
        let mut fields = text.split_whitespace();
        let kind = fields.next().unwrap_or_default();
        let variant =
            KINDS.iter().find(|k| k.0 == kind).unwrap_or_else(|| panic!("line {line}: unknown kind {kind:?}")).1;
        let v = valence(fields.next().unwrap_or_else(|| panic!("line {line}: no valence")), *line);
        let signed = matches!(kind, "complaint" | "sarcasm" | "resolution");
        assert!(!signed || v != 0.0, "line {line}: a {kind} cue needs a valence");
        assert!(!matches!(kind, "neutral" | "marker") || v == 0.0, "line {line}: a {kind} cue has valence 0");
        let words: Vec<String> = fields.map(|w| fold(w, german)).collect();
        assert!(!words.is_empty(), "line {line}: no words");
        assert!(!matches!(words[0].as_str(), "*" | "~"), "line {line}: a cue starts with a word");
        for spelling in spellings(&words) {
            groups.entry(spelling[0].clone()).or_default().push((spelling[1..].to_vec(), v, variant));
        }
    }
    let mut out = String::from("/// Cues by their first word; in each group the longest phrase first.\n");
    let n = (groups.len() * 2).next_power_of_two().max(2);
    writeln!(out, "pub(crate) static CUES: Table<&[Cue], {n}> = Table::new(&[").expect("writing to a String");
    for (first, mut cues) in groups {
        cues.sort_by_key(|c| std::cmp::Reverse(c.0.len()));
        write!(out, "    ({first:?}, &[").expect("writing to a String");
        for (rest, v, kind) in cues {
            write!(out, "Cue {{ rest: &{rest:?}, valence: {v:?}, kind: Kind::{kind} }}, ")
                .expect("writing to a String");
        }
        out.push_str("]),\n");
    }
    out.push_str("]);\n");
    out
}

/// A table of compound parts: word to valence; a modifier may be `boost` (valence 0).
fn parts(list: &[(usize, String)], name: &str, boost_allowed: bool) -> String {
    let mut table = BTreeMap::new();
    for (line, text) in list {
        let (v, word) = text.split_once(' ').unwrap_or_else(|| panic!("line {line}: expected `valence word`"));
        let v = if boost_allowed && v == "boost" { 0.0 } else { valence(v, *line) };
        let prior = table.insert(fold(word.trim(), true), v);
        assert!(prior.is_none(), "{name} line {line}: {word} listed twice");
    }
    let n = (table.len() * 2).next_power_of_two().max(2);
    let mut out = format!("pub(crate) static {name}: Table<f32, {n}> = Table::new(&[\n");
    for (word, v) in table {
        writeln!(out, "    ({word:?}, {v:?}),").expect("writing to a String");
    }
    out.push_str("]);\n");
    out
}
