//! The labelled development set (`data/devset.tsv`): its rows, how the analyzer labels
//! them, and the listening targets measured on them.

use std::fmt::{self, Write as _};

use crate::evaluation::{Confusion, ratio};
use crate::{Analyzer, Label, Language, LanguageChoice};

/// The header line the file starts with.
pub const HEADER: &str = "id\tlanguage\tcategory\tlabel\tsplit\ttext";
/// More rows than this is not a development set; the parser refuses it.
pub const MAX_ROWS: usize = 100_000;
/// The categories a post may have.
pub const CATEGORIES: [&str; 7] = ["complaint", "sarcasm", "compound", "question", "praise", "mixed", "neutral"];
/// Posts that say plainly what they mean: praise, information questions, news.
pub const EXPLICIT: [&str; 3] = ["praise", "question", "neutral"];
pub const SPLITS: [&str; 2] = ["dev", "test"];

/// The listening targets: shares of complaints and sarcastic posts labelled negative,
/// and three-way accuracy on explicit posts, each per language.
pub const COMPLAINTS_NEGATIVE: f64 = 0.85;
pub const SARCASM_NEGATIVE: f64 = 0.60;
pub const EXPLICIT_ACCURACY: f64 = 0.90;

/// One labelled post.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Post<'a> {
    pub id: &'a str,
    pub language: Language,
    pub category: &'a str,
    pub label: Label,
    pub split: &'a str,
    pub text: &'a str,
}

/// A line of the file that is not a valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub problem: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "devset line {}: {}", self.line, self.problem)
    }
}

impl std::error::Error for ParseError {}

/// Parses the whole file, header first.
pub fn parse(tsv: &str) -> Result<Vec<Post<'_>>, ParseError> {
    let mut lines = tsv.lines().enumerate();
    let header = lines.next().map(|(_, l)| l);
    if header != Some(HEADER) {
        return Err(ParseError { line: 1, problem: format!("header is {header:?}, expected {HEADER:?}") });
    }
    let mut posts = Vec::new();
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        if posts.len() == MAX_ROWS {
            return Err(ParseError { line: i + 1, problem: format!("more than {MAX_ROWS} rows") });
        }
        posts.push(parse_row(line).map_err(|problem| ParseError { line: i + 1, problem })?);
    }
    Ok(posts)
}

fn parse_row(line: &str) -> Result<Post<'_>, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [id, language, category, label, split, text] = fields[..] else {
        return Err(format!("{} fields, expected 6", fields.len()));
    };
    let language = match language {
        "en" => Language::En,
        "de" => Language::De,
        other => return Err(format!("language {other:?} is not en or de")),
    };
    let label = match label {
        "negative" => Label::Negative,
        "neutral" => Label::Neutral,
        "positive" => Label::Positive,
        other => return Err(format!("label {other:?} is not negative, neutral or positive")),
    };
    if !CATEGORIES.contains(&category) {
        return Err(format!("category {category:?} is not one of {CATEGORIES:?}"));
    }
    if !SPLITS.contains(&split) {
        return Err(format!("split {split:?} is not dev or test"));
    }
    Ok(Post { id, language, category, label, split, text })
}

/// A post with the label the analyzer gave it and the language it detected.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    pub post: Post<'a>,
    pub predicted: Label,
    pub detected: Language,
}

/// Scores every post as the actions do by default: language detected per text.
pub fn score<'a>(posts: &[Post<'a>]) -> Vec<Outcome<'a>> {
    let mut analyzer = Analyzer::new();
    posts
        .iter()
        .map(|&post| {
            let detected = LanguageChoice::Auto.resolve(post.text);
            Outcome { post, predicted: analyzer.score(post.text, detected).label(), detected }
        })
        .collect()
}

/// The listening targets measured on some outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Targets {
    /// Complaints labelled negative, of all complaints.
    pub complaints: (u32, u32),
    /// Sarcastic posts labelled negative, of all sarcastic posts.
    pub sarcasm: (u32, u32),
    /// Explicit posts labelled with the opposite polarity.
    pub flips: u32,
    pub explicit: Confusion,
}

impl Targets {
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome<'a>>) -> Self {
        let mut t = Self::default();
        for o in outcomes {
            let negative = u32::from(o.predicted == Label::Negative);
            match o.post.category {
                "complaint" => t.complaints = (t.complaints.0 + negative, t.complaints.1 + 1),
                "sarcasm" => t.sarcasm = (t.sarcasm.0 + negative, t.sarcasm.1 + 1),
                c if EXPLICIT.contains(&c) => {
                    t.explicit.add(o.post.label, o.predicted);
                    t.flips += u32::from(is_flip(o.post.label, o.predicted));
                }
                _ => {}
            }
        }
        t
    }

    pub fn complaints_negative(&self) -> f64 {
        ratio(self.complaints.0, self.complaints.1)
    }

    pub fn sarcasm_negative(&self) -> f64 {
        ratio(self.sarcasm.0, self.sarcasm.1)
    }

    /// Which targets are missed, by name; empty when all are met.
    pub fn missed(&self) -> Vec<&'static str> {
        let mut missed = Vec::new();
        if self.complaints_negative() < COMPLAINTS_NEGATIVE {
            missed.push("complaints negative");
        }
        if self.sarcasm_negative() < SARCASM_NEGATIVE {
            missed.push("sarcasm negative");
        }
        if self.flips > 0 {
            missed.push("no polarity flips on explicit posts");
        }
        if self.explicit.accuracy() < EXPLICIT_ACCURACY {
            missed.push("explicit-post accuracy");
        }
        missed
    }

    pub fn render(&self) -> String {
        format!(
            "complaints negative {:>5.1}% ({}/{}, target >= {:.0}%) | sarcasm negative {:>5.1}% ({}/{}, >= {:.0}%) | \
             explicit flips {} (0) | explicit accuracy {:.3} (n {}, >= {:.2})",
            100.0 * self.complaints_negative(),
            self.complaints.0,
            self.complaints.1,
            100.0 * COMPLAINTS_NEGATIVE,
            100.0 * self.sarcasm_negative(),
            self.sarcasm.0,
            self.sarcasm.1,
            100.0 * SARCASM_NEGATIVE,
            self.flips,
            self.explicit.accuracy(),
            self.explicit.total(),
            EXPLICIT_ACCURACY,
        )
    }
}

/// Positive read as negative or the other way round.
pub fn is_flip(gold: Label, predicted: Label) -> bool {
    matches!((gold, predicted), (Label::Positive, Label::Negative) | (Label::Negative, Label::Positive))
}

fn lang_name(l: Language) -> &'static str {
    match l {
        Language::En => "en",
        Language::De => "de",
    }
}

/// The tables for one split (`None`: the whole set): per language, per category and
/// language, then the targets per language.
pub fn report(outcomes: &[Outcome<'_>], split: Option<&str>) -> String {
    let chosen: Vec<&Outcome<'_>> = outcomes.iter().filter(|o| split.is_none_or(|s| o.post.split == s)).collect();
    let mut out = String::new();
    let _ = writeln!(out, "== split: {} ({} posts) ==", split.unwrap_or("all"), chosen.len());
    let _ = writeln!(
        out,
        "{:<20} {:>4} {:>6} {:>8}  confusion: gold rows, predicted neg neu pos",
        "group", "n", "acc", "macroF1"
    );
    let mut row = |name: &str, keep: &dyn Fn(&Outcome<'_>) -> bool| {
        let mut c = Confusion::default();
        chosen.iter().filter(|o| keep(o)).for_each(|o| c.add(o.post.label, o.predicted));
        if c.total() > 0 {
            let _ = writeln!(
                out,
                "{name:<20} {:>4} {:>6.3} {:>8.3}  {}",
                c.total(),
                c.accuracy(),
                c.macro_f1(),
                c.render()
            );
        }
    };
    row("all", &|_| true);
    for lang in [Language::En, Language::De] {
        row(lang_name(lang), &|o| o.post.language == lang);
    }
    for category in CATEGORIES {
        for lang in [Language::En, Language::De] {
            let name = format!("{}/{category}", lang_name(lang));
            row(&name, &|o| o.post.language == lang && o.post.category == category);
        }
    }
    for lang in [Language::En, Language::De] {
        let mine = chosen.iter().copied().filter(|o| o.post.language == lang);
        let wrong_language = mine.clone().filter(|o| o.detected != lang).count();
        let _ = writeln!(out, "targets {}: {}", lang_name(lang), Targets::of(mine).render());
        let _ = writeln!(out, "language detected wrongly ({}): {wrong_language}", lang_name(lang));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_and_rejects_bad_ones() {
        let good = format!("{HEADER}\nen-1\ten\tpraise\tpositive\tdev\tlove it\n\n");
        let posts = parse(&good).unwrap();
        assert_eq!(posts.len(), 1);
        assert_eq!((posts[0].label, posts[0].language, posts[0].text), (Label::Positive, Language::En, "love it"));
        assert_eq!(parse("id\ttext\n").unwrap_err().line, 1);
        for bad in [
            "x\tfr\tpraise\tpositive\tdev\tt",
            "x\ten\tpraise\tgood\tdev\tt",
            "x\ten\trant\tpositive\tdev\tt",
            "x\ten\tpraise\tpositive\ttrain\tt",
            "x\ten\tpraise",
        ] {
            let err = parse(&format!("{HEADER}\n{bad}\n")).unwrap_err();
            assert_eq!(err.line, 2, "{bad}: {err}");
        }
    }

    #[test]
    fn targets_count_complaints_sarcasm_and_flips() {
        let post = |category, label| Post { id: "x", language: Language::En, category, label, split: "dev", text: "" };
        let outcome = |p, predicted| Outcome { post: p, predicted, detected: Language::En };
        let outcomes = [
            outcome(post("complaint", Label::Negative), Label::Negative),
            outcome(post("complaint", Label::Negative), Label::Positive),
            outcome(post("sarcasm", Label::Negative), Label::Negative),
            outcome(post("praise", Label::Positive), Label::Negative),
            outcome(post("neutral", Label::Neutral), Label::Neutral),
        ];
        let t = Targets::of(&outcomes);
        assert_eq!((t.complaints, t.sarcasm, t.flips), ((1, 2), (1, 1), 1));
        assert!((t.explicit.accuracy() - 0.5).abs() < 1e-12);
        assert_eq!(
            t.missed(),
            ["complaints negative", "no polarity flips on explicit posts", "explicit-post accuracy"]
        );
    }
}
