//! Why a text got its label: the cue behind each token's sentiment, and the short
//! reasons (`complaint:"not working"`, `compound:"Totalversagen"`) the actions output.

use crate::summary::Label;
use crate::tokenize::Tokens;

/// The reason given for a neutral information question.
pub(crate) const QUESTION_NEUTRAL: &str = "question:neutral";
/// At most this many reasons per text: the strongest cues.
pub(crate) const MAX_REASONS: usize = 5;
/// A quoted cue longer than this, in characters, is cut; with its kind a reason stays
/// within the 80 characters plugin.toml allows.
const MAX_QUOTE: usize = 60;

/// Where a token's sentiment came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Because {
    /// A lexicon word, emoji or emoticon.
    Word,
    Negation,
    Compound,
    Idiom,
    Complaint,
    Sarcasm,
    Resolution,
}

impl Because {
    fn name(self) -> &'static str {
        match self {
            Self::Word => "word",
            Self::Negation => "negation",
            Self::Compound => "compound",
            Self::Idiom => "idiom",
            Self::Complaint => "complaint",
            Self::Sarcasm => "sarcasm",
            Self::Resolution => "resolution",
        }
    }
}

/// The cue behind one token's sentiment and the tokens it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cause {
    pub kind: Because,
    pub start: u32,
    pub end: u32,
}

impl Cause {
    pub(crate) fn span(kind: Because, start: usize, end: usize) -> Self {
        Self { kind, start: start.min(end) as u32, end: start.max(end) as u32 }
    }
}

/// The cues that carry `label`: tokens whose sentiment has the label's sign, strongest
/// first, each as `kind:"text"`, at most [`MAX_REASONS`], each cue once. `order` is a
/// buffer the caller keeps between texts.
pub(crate) fn reasons(
    tokens: &Tokens,
    text: &str,
    sentiments: &[f64],
    causes: &[Cause],
    label: Label,
    order: &mut Vec<usize>,
) -> Vec<String> {
    let sign = match label {
        Label::Positive => 1.0,
        Label::Negative => -1.0,
        Label::Neutral => return Vec::new(),
    };
    order.clear();
    order.extend((0..sentiments.len()).filter(|&i| sentiments[i] * sign > 0.0));
    order.sort_by(|&a, &b| sentiments[b].abs().total_cmp(&sentiments[a].abs()).then(a.cmp(&b)));
    let mut out: Vec<String> = Vec::with_capacity(order.len().min(MAX_REASONS));
    for &i in order.iter() {
        let cause = causes[i];
        let (start, end) = (tokens.get(cause.start as usize), tokens.get(cause.end as usize));
        let quote = text.get(start.src_start as usize..end.src_end as usize).unwrap_or_default();
        let kind =
            if cause.kind == Because::Word && tokens.get(i).symbol.is_some() { "emoji" } else { cause.kind.name() };
        let reason = render(kind, quote);
        if !out.contains(&reason) {
            out.push(reason);
        }
        if out.len() == MAX_REASONS {
            break;
        }
    }
    out
}

/// `kind:"quote"`, the quote cut to [`MAX_QUOTE`] characters; the text's own double
/// quotes and line breaks would need escapes, so they get plain stand-ins.
fn render(kind: &str, quote: &str) -> String {
    let mut r = String::with_capacity(kind.len() + quote.len().min(4 * MAX_QUOTE) + 3);
    r.push_str(kind);
    r.push_str(":\"");
    r.extend(quote.chars().take(MAX_QUOTE).map(|c| match c {
        '"' => '\'',
        c if c.is_control() => ' ',
        c => c,
    }));
    r.push('"');
    r
}
