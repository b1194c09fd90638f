//! Scores a labelled TSV file and prints how well compound scores match human ratings.
//!
//! Input lines are `id<TAB>mean_rating<TAB>text` with ratings on -4..+4, such as the
//! ICWSM-14 VADER tweet set. Prints Pearson r between compound and rating, three-way
//! accuracy (both sides classified at ±0.05, the rating divided by 4) and macro-F1.
//!
//! ```text
//! cargo run --release -p sentiment --example evaluate -- tweets_GroundTruth.txt [en|de|auto] [--dump]
//! ```

use sentiment::{Analyzer, Label, Language, LanguageChoice};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: evaluate <file.tsv> [en|de|auto] [--dump]");
        std::process::exit(2);
    };
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let choice = if has("de") {
        LanguageChoice::De
    } else if has("auto") {
        LanguageChoice::Auto
    } else {
        LanguageChoice::En
    };
    // --dump prints every text's score for error analysis.
    let dump = has("--dump");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(1);
    });
    let mut analyzer = Analyzer::new();
    let mut pairs = Vec::new();
    let mut confusion = [[0u32; 3]; 3];
    let mut german = 0;
    for line in text.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(_id), Some(rating), Some(text)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Ok(rating) = rating.trim().parse::<f64>() else { continue };
        let language = choice.resolve(text);
        german += usize::from(language == Language::De);
        let compound = analyzer.score(text, language).compound;
        if dump {
            println!("{_id}\t{rating:.3}\t{compound:.4}\t{text}");
        }
        pairs.push((compound, rating));
        confusion[class(Label::of(rating / 4.0))][class(Label::of(compound))] += 1;
    }
    let n = pairs.len();
    let correct: u32 = (0..3).map(|c| confusion[c][c]).sum();
    println!("texts:          {n} ({german} scored as German)");
    println!("pearson r:      {:.4}", pearson(&pairs));
    println!("accuracy (3):   {:.4}", f64::from(correct) / n as f64);
    println!("macro-F1 (3):   {:.4}", macro_f1(&confusion));
    println!("confusion (rows gold pos/neg/neu, cols predicted): {confusion:?}");
}

fn class(label: Label) -> usize {
    match label {
        Label::Positive => 0,
        Label::Negative => 1,
        Label::Neutral => 2,
    }
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

/// The mean over the three classes of the harmonic mean of precision and recall.
fn macro_f1(confusion: &[[u32; 3]; 3]) -> f64 {
    let f1 = |c: usize| {
        let tp = f64::from(confusion[c][c]);
        let predicted: u32 = (0..3).map(|g| confusion[g][c]).sum();
        let gold: u32 = confusion[c].iter().sum();
        if tp == 0.0 { 0.0 } else { 2.0 * tp / (f64::from(predicted) + f64::from(gold)) }
    };
    (f1(0) + f1(1) + f1(2)) / 3.0
}
