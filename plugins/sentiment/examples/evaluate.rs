//! Scores a labelled TSV file and prints how well the labels match.
//!
//! Two kinds of file:
//! - the project's development set (`data/devset.tsv`, recognised by its header): prints
//!   accuracy, macro-F1 and the confusion matrix per language and category for the `dev`
//!   split, the held-out `test` split and both, with the listening targets per language;
//! - `id<TAB>mean_rating<TAB>text` with ratings on -4..+4, such as the ICWSM-14 VADER
//!   tweet set: prints Pearson r between compound and rating, three-way accuracy (both
//!   sides classified at ±0.05, the rating divided by 4) and macro-F1.
//!
//! ```text
//! cargo run --release -p sentiment --example evaluate -- plugins/sentiment/data/devset.tsv [--dump]
//! cargo run --release -p sentiment --example evaluate -- tweets_GroundTruth.txt [en|de|auto] [--dump]
//! ```

use sentiment::devset;
use sentiment::evaluation::Confusion;
use sentiment::{Analyzer, Label, Language, LanguageChoice};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: evaluate <file.tsv> [en|de|auto] [--dump]");
        std::process::exit(2);
    };
    let has = |flag: &str| args.iter().any(|a| a == flag);
    // --dump prints every text's score for error analysis.
    let dump = has("--dump");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(1);
    });
    if text.starts_with(devset::HEADER) {
        evaluate_devset(&text, dump);
        return;
    }
    let choice = if has("de") {
        LanguageChoice::De
    } else if has("auto") {
        LanguageChoice::Auto
    } else {
        LanguageChoice::En
    };
    evaluate_ratings(&text, choice, dump);
}

fn evaluate_devset(text: &str, dump: bool) {
    let posts = devset::parse(text).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let outcomes = devset::score(&posts);
    if dump {
        let mut analyzer = Analyzer::new();
        for o in outcomes.iter().filter(|o| o.predicted != o.post.label) {
            let (scores, reasons) = analyzer.explain(o.post.text, o.detected);
            println!(
                "{}\t{}\t{:?}->{:?}\t{:.3}\t{}\t{}",
                o.post.id,
                o.post.category,
                o.post.label,
                o.predicted,
                scores.compound,
                o.post.text,
                reasons.join(" ")
            );
        }
    }
    for split in [Some("dev"), Some("test"), None] {
        println!("{}", devset::report(&outcomes, split));
    }
}

fn evaluate_ratings(text: &str, choice: LanguageChoice, dump: bool) {
    let mut analyzer = Analyzer::new();
    let mut pairs = Vec::new();
    let mut confusion = Confusion::default();
    let mut german = 0;
    for line in text.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(id), Some(rating), Some(text)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Ok(rating) = rating.trim().parse::<f64>() else { continue };
        let language = choice.resolve(text);
        german += usize::from(language == Language::De);
        let compound = analyzer.score(text, language).compound;
        if dump {
            println!("{id}\t{rating:.3}\t{compound:.4}\t{text}");
        }
        pairs.push((compound, rating));
        confusion.add(Label::of(rating / 4.0), Label::of(compound));
    }
    println!("texts:          {} ({german} scored as German)", pairs.len());
    println!("pearson r:      {:.4}", pearson(&pairs));
    println!("accuracy (3):   {:.4}", confusion.accuracy());
    println!("macro-F1 (3):   {:.4}", confusion.macro_f1());
    println!("confusion (gold rows, predicted neg neu pos): {}", confusion.render());
}

fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (mx, my) = pairs.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}
