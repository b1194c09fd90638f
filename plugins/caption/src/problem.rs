//! Tags never suggested for the brand's own posts: tags that mix scripts (`#AcmeOutаge`
//! with a Cyrillic "а" passes for Latin) and tags with a problem word, matched after
//! folding case, lookalike letters (Cyrillic, Greek, fullwidth and mathematical letters,
//! digits written for letters) and German umlauts, in English and German.

use crate::suggest::tag_words;

/// Problem words found anywhere in a tag (folded: lowercase, "ü" as "ue", "ß" as "ss").
const PROBLEM_STEMS: &[&str] = &[
    "abgesagt",
    "absage",
    "abzocke",
    "ausfall",
    "betrug",
    "boycott",
    "boykott",
    "breach",
    "broken",
    "cancel",
    "contamina",
    "crash",
    "datenleck",
    "datenpanne",
    "death",
    "error",
    "evacuat",
    "evakuier",
    "explosion",
    "fehler",
    "fraud",
    "gehackt",
    "gestorben",
    "hacker",
    "injur",
    "kaputt",
    "klage",
    "kontamin",
    "lawsuit",
    "malware",
    "outage",
    "outrage",
    "panne",
    "phishing",
    "poison",
    "ransomware",
    "recall",
    "refund",
    "rueckruf",
    "ruckruf",
    "scandal",
    "shame",
    "sicherheitsluecke",
    "skandal",
    "sorry",
    "stoerung",
    "storung",
    "streik",
    "strike",
    "sucks",
    "todesfall",
    "toedlich",
    "trauer",
    "unfall",
    "vergift",
    "verletz",
    "verspaet",
    "verspat",
    "verstorben",
    "vulnerab",
    "warning",
    "warnung",
    "wartung",
];

/// Short problem words, matched at the start or end of a tag's word ("AcmeLies",
/// "acmedown"), or only as a whole word where `true` (so "Today" is not "tod").
const PROBLEM_WORDS: &[(&str, bool)] = &[
    ("bug", false),
    ("dead", false),
    ("down", false),
    ("fail", false),
    ("fake", false),
    ("hack", false),
    ("hate", false),
    ("leak", false),
    ("liar", false),
    ("lies", false),
    ("luege", false),
    ("luegen", false),
    ("luegner", false),
    ("scam", false),
    ("fails", true),
    ("kill", true),
    ("lie", true),
    ("lying", true),
    ("sue", true),
    ("sued", true),
    ("tod", true),
    ("tot", true),
];

/// Everyday words that contain a problem word but mean none; taken out before matching.
const HARMLESS: &[&str] = &[
    "allies",
    "applies",
    "bugatti",
    "countdown",
    "dailies",
    "deadline",
    "download",
    "downhill",
    "downtown",
    "families",
    "flies",
    "goodies",
    "hackathon",
    "hackday",
    "hackerspace",
    "hackspace",
    "hacknight",
    "klagenfurt",
    "ladybug",
    "lifehack",
    "lilies",
    "markdown",
    "replies",
    "scampi",
    "showdown",
    "sundown",
    "supplies",
    "touchdown",
];

/// Whether the tag body (without `#`) mixes scripts or contains a problem word.
pub fn is_refused_tag(body: &str) -> bool {
    mixes_scripts(body) || is_problem_tag(body)
}

/// Whether the tag body (without `#`, any case or lookalike letters) contains a problem word.
pub fn is_problem_tag(body: &str) -> bool {
    ['i', 'l'].iter().any(|one| {
        let folded = fold(body, *one);
        let mut lower = folded.to_lowercase();
        for word in HARMLESS {
            lower = lower.replace(word, " ");
        }
        PROBLEM_STEMS.iter().any(|stem| lower.contains(stem))
            || tag_words(&folded).iter().flat_map(|w| harmless_pieces(w)).any(|piece| short_problem(&piece))
    })
}

/// The parts of a lowercase tag word left after taking out its harmless words.
fn harmless_pieces(word: &str) -> Vec<String> {
    let mut word = word.to_string();
    for harmless in HARMLESS {
        word = word.replace(harmless, " ");
    }
    word.split(' ').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

fn short_problem(piece: &str) -> bool {
    PROBLEM_WORDS.iter().any(|(w, whole)| piece == *w || (!whole && (piece.starts_with(w) || piece.ends_with(w))))
}

/// The writing system of a letter, for the scripts that have lookalikes of each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Cherokee,
    Fullwidth,
    Mathematical,
}

fn script(c: char) -> Option<Script> {
    Some(match u32::from(c) {
        _ if c.is_ascii_alphabetic() => Script::Latin,
        0x00C0..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0530..=0x058F => Script::Armenian,
        0x13A0..=0x13FF | 0xAB70..=0xABBF => Script::Cherokee,
        0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Fullwidth,
        0x1D400..=0x1D7FF => Script::Mathematical,
        _ => return None,
    })
}

/// Whether the letters of `body` come from more than one of the scripts that look alike
/// (Latin with Cyrillic or Greek, ...). A tag wholly in one script is fine, and scripts
/// without Latin lookalikes (Japanese, Arabic, ...) may stand next to Latin.
pub fn mixes_scripts(body: &str) -> bool {
    let mut first = None;
    body.chars().filter(|c| c.is_alphabetic()).filter_map(script).any(|s| *first.get_or_insert(s) != s)
}

/// `body` with lookalike letters as the Latin letters they pass for, case kept; umlauts
/// as "ae", "oe", "ue", "ß" as "ss", other accents dropped; digits written for letters
/// as those letters, "1" as `one`.
fn fold(body: &str, one: char) -> String {
    let mut out = String::with_capacity(body.len());
    for c in body.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'Ä' => out.push_str("Ae"),
            'Ö' => out.push_str("Oe"),
            'Ü' => out.push_str("Ue"),
            'ß' => out.push_str("ss"),
            '1' => out.push(one),
            _ => out.push(lookalike(c)),
        }
    }
    out
}

/// The Latin letter `c` passes for, or `c`.
fn lookalike(c: char) -> char {
    const PAIRS: &[(&str, &str)] = &[
        ("АВЕЅІЈКМНОРСТХУԚԜаеѕіјкорсхуԁԛԝӏӀвмнт", "ABESIJKMHOPCTXYQWaesijkopcxydqwllbmht"),
        ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχωη", "ABEZHIKMNOPTYXabeikvoptuxwn"),
        ("àáâãåèéêëìíîïòóôõøùúûñçýÿ", "aaaaaeeeeiiiiooooouuuncyy"),
        ("ÀÁÂÃÅÈÉÊËÌÍÎÏÒÓÔÕØÙÚÛÑÇÝ", "AAAAAEEEEIIIIOOOOOUUUNCY"),
        ("03457", "oeast"),
    ];
    for (from, to) in PAIRS {
        if let Some(i) = from.chars().position(|f| f == c) {
            return to.chars().nth(i).unwrap_or(c);
        }
    }
    match u32::from(c) {
        // Fullwidth Latin letters are their ASCII letters 0xFEE0 higher.
        n @ (0xFF21..=0xFF3A | 0xFF41..=0xFF5A) => char::from_u32(n - 0xFEE0).unwrap_or(c),
        // Mathematical bold, italic, script, ... letters come in runs of A-Z then a-z.
        n @ 0x1D400..=0x1D6A3 => {
            let i = (n - 0x1D400) % 52;
            char::from_u32(if i < 26 { u32::from('A') + i } else { u32::from('a') + i - 26 }).unwrap_or(c)
        }
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_tags() {
        for tag in [
            "AcmeOutage",
            "acmedown",
            "AcmeFail",
            "Störung",
            "Stoerung",
            "BoycottAcme",
            "ScamAlert",
            "DataLeak",
            "AcmeLies",
            "acmelies",
            "AcmeLiar",
            "AcmeFraud",
            "Rückruf",
            "Recall",
            "Datenleck",
            "AcmeHacked",
            "AcmeBetrug",
            "AcmeLüge",
            "Evacuation",
            "AcmeStreik",
            "Cancelled",
            "Abgesagt",
            "KlageGegenAcme",
            "AcmeTod",
            "AcmeDead",
            "PoisonAcme",
            "AcmeInjury",
        ] {
            assert!(is_problem_tag(tag), "{tag}");
        }
        for tag in [
            "Countdown",
            "Hackathon",
            "RustLang",
            "Sommerfest",
            "Download",
            "OpenSource",
            "Today",
            "Flügel",
            "Liebe",
            "Believe",
            "Families",
            "SummerSale",
            "Acme",
            "Deadline",
            "Lieferung",
            "Koeln",
            "a11y",
        ] {
            assert!(!is_problem_tag(tag), "{tag}");
        }
    }

    #[test]
    fn lookalikes_are_folded_before_matching() {
        for tag in
            ["AcmeOutаge", "АcmeLies", "ΑcmeFail", "Ａｃｍｅｄｏｗｎ", "𝐀𝐜𝐦𝐞𝐋𝐢𝐞𝐬", "AcmeL1es", "Sc4m", "AcmeFa1l"]
        {
            assert!(is_problem_tag(tag), "{tag}");
        }
    }

    #[test]
    fn mixed_scripts() {
        assert!(mixes_scripts("AcmeOutаge"), "Latin with a Cyrillic а");
        assert!(mixes_scripts("Αcme"), "Greek Alpha with Latin");
        assert!(mixes_scripts("Ａcme"), "fullwidth with ASCII");
        for tag in ["Acme", "Köln", "Привет", "Αθήνα", "東京2026", "Tokyo東京", "rust_lang"] {
            assert!(!mixes_scripts(tag), "{tag}");
        }
        assert!(is_refused_tag("SummerSаle") && !is_refused_tag("SummerSale"));
    }
}
