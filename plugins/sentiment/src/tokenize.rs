//! Splits text into the tokens the scorer reads: words, emoticons and emoji.
//!
//! Keys are written into one reused buffer, so tokenizing allocates nothing per token
//! once a [`Tokens`] has warmed up (the analyzer keeps one for a whole batch).

use crate::emoji;
use crate::lang::Language;
use crate::lexicon;

/// One token: where its key is in [`Tokens`], and the shape it had in the text.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Token {
    start: u32,
    end: u32,
    /// Written in capitals (two or more letters, none lowercase), as in "GREAT".
    pub caps: bool,
    /// Clause punctuation (`, . ; : ! ?`) follows: modifiers do not reach across it.
    pub clause_end: bool,
    /// A question mark follows: the sentence up to here is a question.
    pub question_end: bool,
    /// Sentence punctuation (`. ! ? …`) follows.
    pub sentence_end: bool,
    /// The valence of an emoji or emoticon; words are looked up by the scorer.
    pub symbol: Option<f32>,
    /// Inside quotation marks that enclose at most [`SCARE_QUOTE_WORDS`] words, as in
    /// "'great' service": scare quotes.
    pub quoted: bool,
    /// Where the token stands in the text, in bytes, for explanations.
    pub src_start: u32,
    pub src_end: u32,
}

/// Quotation marks around this many words or fewer are scare quotes; more is a quotation.
const SCARE_QUOTE_WORDS: usize = 3;

/// The tokens of one text, with their lowercase (German: folded) keys.
#[derive(Default)]
pub(crate) struct Tokens {
    keys: String,
    list: Vec<Token>,
    scratch: String,
    /// The address of the text being split: tokens note their place relative to it.
    base: usize,
    /// The first token after an opening quotation mark that is not closed yet.
    open_quote: Option<usize>,
}

impl Tokens {
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn get(&self, i: usize) -> &Token {
        &self.list[i]
    }

    pub(crate) fn key(&self, i: usize) -> &str {
        let t = &self.list[i];
        &self.keys[t.start as usize..t.end as usize]
    }

    /// Whether some words are in capitals and others are not: only then do capitals
    /// signal emphasis (a text all in capitals is just shouting throughout).
    pub(crate) fn mixed_caps(&self) -> bool {
        let words = self.list.iter().filter(|t| t.symbol.is_none());
        let (mut caps, mut lower) = (false, false);
        for t in words {
            caps |= t.caps;
            lower |= !t.caps;
        }
        caps && lower
    }

    /// Replaces the tokens with those of `text`, keyed for `lang`'s lexicon. Mentions
    /// (`@brand`) and links are left out: a handle such as `@acme_help` is a name.
    pub(crate) fn tokenize(&mut self, text: &str, lang: Language) {
        self.keys.clear();
        self.list.clear();
        self.open_quote = None;
        self.base = text.as_ptr() as usize;
        for piece in text.split_whitespace() {
            let opens = piece.starts_with(is_double_quote);
            if opens {
                self.open_quote = Some(self.list.len());
            }
            let piece = skip_name(piece);
            let first = self.list.len();
            if !self.whole_emoticon(piece, lang) {
                self.split_piece(piece, lang);
            }
            if piece.len() > 2 && piece.starts_with('\'') && piece.trim_end_matches(is_clause_mark).ends_with('\'') {
                self.list[first..].iter_mut().for_each(|t| t.quoted = true);
            }
            let closes = piece.trim_end_matches(is_clause_mark).ends_with(is_double_quote);
            if closes && (!opens || piece.chars().filter(|&c| is_double_quote(c)).count() >= 2) {
                self.close_quote();
            }
        }
    }

    /// Marks the tokens since the opening quotation mark, if they are few.
    fn close_quote(&mut self) {
        if let Some(start) = self.open_quote.take()
            && self.list.len() - start <= SCARE_QUOTE_WORDS
        {
            self.list[start..].iter_mut().for_each(|t| t.quoted = true);
        }
    }

    /// Takes a whitespace-separated piece such as `:-)` or `<3` as one token when it is a
    /// known emoticon, before punctuation stripping would erase it.
    fn whole_emoticon(&mut self, piece: &str, lang: Language) -> bool {
        if piece.len() > 8 || !piece.bytes().any(|b| b.is_ascii_punctuation()) {
            return false;
        }
        self.scratch.clear();
        self.scratch.extend(piece.chars().flat_map(char::to_lowercase));
        let symbol = emoji::emoticon_valence(&self.scratch);
        // VADER's English lexicon lists many emoticons of its own; the scorer finds them.
        let in_lexicon = lang == Language::En && lexicon::valence(lang, &self.scratch).is_some();
        if symbol.is_none() && !in_lexicon {
            return false;
        }
        let start = self.keys.len();
        self.keys.push_str(&self.scratch);
        self.push(start, piece, Token { symbol, ..Token::default() });
        true
    }

    /// Splits a piece into words, emoji and emoticons, noting clause punctuation.
    fn split_piece(&mut self, piece: &str, lang: Language) {
        let mut word: Option<usize> = None;
        let mut punct: Option<usize> = None;
        for (i, c) in piece.char_indices() {
            // Hyphens and apostrophes join words ("kind-of", "don't") but do not start
            // them, so ":-)" stays one punctuation run.
            if c.is_alphanumeric() || (word.is_some() && is_joiner(c)) {
                if let Some(p) = punct.take() {
                    self.punctuation(&piece[p..i]);
                }
                word.get_or_insert(i);
                continue;
            }
            if let Some(w) = word.take() {
                self.word(&piece[w..i], lang);
            }
            if emoji::is_modifier(c) {
                continue;
            }
            if emoji::is_emoji(c) {
                if let Some(p) = punct.take() {
                    self.punctuation(&piece[p..i]);
                }
                self.emoji(c, &piece[i..i + c.len_utf8()]);
            } else {
                punct.get_or_insert(i);
            }
        }
        if let Some(w) = word {
            self.word(&piece[w..], lang);
        }
        if let Some(p) = punct {
            self.punctuation(&piece[p..]);
        }
    }

    /// A run of punctuation inside or at the edge of a piece: an emoticon ("nice:)"), or
    /// the end of a clause for the token before it.
    fn punctuation(&mut self, run: &str) {
        if let Some(v) = emoji::emoticon_valence(run) {
            let start = self.keys.len();
            self.keys.push_str(run);
            self.push(start, run, Token { symbol: Some(v), ..Token::default() });
        } else if run.contains([',', '.', ';', ':', '!', '?', '…'])
            && let Some(last) = self.list.last_mut()
        {
            last.clause_end = true;
            last.question_end |= run.contains('?');
            last.sentence_end |= run.contains(['.', '!', '?', '…']);
        }
    }

    fn emoji(&mut self, c: char, raw: &str) {
        let start = self.keys.len();
        self.keys.push(c);
        let symbol = Some(emoji::emoji_valence(c).unwrap_or(0.0));
        self.push(start, raw, Token { symbol, ..Token::default() });
    }

    /// A word: trimmed of edge apostrophes and hyphens, lowercased (German: folded), and
    /// squeezed when elongated ("goooood") into a form the lexicon knows.
    fn word(&mut self, raw: &str, lang: Language) {
        let raw = raw.trim_matches(|c| matches!(c, '\'' | '’' | '-'));
        // Single letters ("a", "I", "s" of "U.S.") carry no sentiment and would only
        // push real modifiers out of the three-word window.
        if raw.chars().nth(1).is_none() {
            return;
        }
        let start = self.keys.len();
        let (mut letters, mut lower) = (0, false);
        for c in raw.chars() {
            if c.is_alphabetic() {
                letters += 1;
                lower |= !c.is_uppercase();
            }
            push_key_char(&mut self.keys, c, lang);
        }
        self.squeeze_elongation(start, lang);
        self.push(start, raw, Token { caps: letters >= 2 && !lower, ..Token::default() });
    }

    /// Replaces an unknown key that repeats a letter three or more times with the first
    /// of its squeezed forms (runs cut to two letters, then to one) that is known.
    fn squeeze_elongation(&mut self, start: usize, lang: Language) {
        let key = &self.keys[start..];
        if !has_long_run(key) || lexicon::is_known(lang, key) {
            return;
        }
        for keep in [2, 1] {
            squeeze(&self.keys[start..], keep, &mut self.scratch);
            if lexicon::is_known(lang, &self.scratch) {
                self.keys.truncate(start);
                self.keys.push_str(&self.scratch);
                return;
            }
        }
    }

    /// Adds the token whose key starts at `start` in `keys`; `raw` is its text, a slice of
    /// the text being tokenized.
    fn push(&mut self, start: usize, raw: &str, mut token: Token) {
        token.start = start as u32;
        token.end = self.keys.len() as u32;
        token.src_start = (raw.as_ptr() as usize).saturating_sub(self.base) as u32;
        token.src_end = token.src_start + raw.len() as u32;
        self.list.push(token);
    }
}

/// What is left of a piece after a leading mention or link: `@acme_help's` gives `'s`,
/// `https://x.y/z` gives nothing.
fn skip_name(piece: &str) -> &str {
    if piece.contains("://") || piece.starts_with("www.") {
        return "";
    }
    let Some(rest) = piece.strip_prefix('@') else { return piece };
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
    // A trailing full stop ends the sentence, not the handle.
    let end = rest[..end].trim_end_matches('.').len();
    &rest[end..]
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

fn is_clause_mark(c: char) -> bool {
    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '…')
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-')
}

/// Appends the lookup form of `c`: lowercase, typographic apostrophe made plain, and for
/// German the umlauts and ß folded to ae/oe/ue/ss so "schön" and "schoen" meet.
fn push_key_char(keys: &mut String, c: char, lang: Language) {
    if c.is_ascii() {
        keys.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        match (lang, l) {
            (_, '’') => keys.push('\''),
            (Language::De, 'ä') => keys.push_str("ae"),
            (Language::De, 'ö') => keys.push_str("oe"),
            (Language::De, 'ü') => keys.push_str("ue"),
            (Language::De, 'ß') => keys.push_str("ss"),
            _ => keys.push(l),
        }
    }
}

fn has_long_run(key: &str) -> bool {
    let b = key.as_bytes();
    b.windows(3).any(|w| w[0] == w[1] && w[1] == w[2])
}

/// Writes `key` into `out` with every run of one character cut to `keep` characters.
fn squeeze(key: &str, keep: usize, out: &mut String) {
    out.clear();
    let (mut prev, mut run) = (None, 0);
    for c in key.chars() {
        run = if Some(c) == prev { run + 1 } else { 1 };
        prev = Some(c);
        if run <= keep {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, lang: Language) -> Vec<String> {
        let mut t = Tokens::default();
        t.tokenize(text, lang);
        (0..t.len()).map(|i| t.key(i).to_string()).collect()
    }

    #[test]
    fn strips_punctuation_and_lowercases() {
        assert_eq!(keys("Good!!! #fail, @bob's day.", Language::En), ["good", "fail", "day"]);
        assert_eq!(keys("I don’t know", Language::En), ["don't", "know"]);
    }

    #[test]
    fn keeps_emoticons_and_splits_emoji() {
        assert_eq!(keys("nice :) <3", Language::En), ["nice", ":)", "<3"]);
        assert_eq!(keys("toll:-)", Language::De), ["toll", ":-)"]);
        assert_eq!(keys("love😍😍!", Language::En), ["love", "😍", "😍"]);
        // Skin tones and variation selectors do not make tokens of their own.
        assert_eq!(keys("👍🏽 ❤️", Language::En), ["👍", "❤"]);
    }

    #[test]
    fn folds_german_umlauts_and_sharp_s() {
        assert_eq!(keys("Schön! SCHEIẞE Grüße", Language::De), ["schoen", "scheisse", "gruesse"]);
        assert_eq!(keys("Schön", Language::En), ["schön"]);
    }

    #[test]
    fn marks_caps_and_clause_ends() {
        let mut t = Tokens::default();
        t.tokenize("This is GREAT, really", Language::En);
        assert!(t.get(2).caps && !t.get(0).caps);
        assert!(t.get(2).clause_end && !t.get(1).clause_end);
        assert!(t.mixed_caps());
        t.tokenize("ALL CAPS HERE", Language::En);
        assert!(!t.mixed_caps());
    }

    #[test]
    fn squeezes_elongated_words_into_known_ones() {
        assert_eq!(keys("goooood sooooo", Language::En), ["good", "soo"]);
        assert_eq!(keys("geiiiil", Language::De), ["geil"]);
        assert_eq!(keys("zzzz", Language::En), ["zzzz"]);
    }

    #[test]
    fn mentions_and_links_are_no_words() {
        assert_eq!(keys("@acme_help please see https://x.io/a?b=1 now", Language::En), ["please", "see", "now"]);
        assert_eq!(keys("@Acme.Support: down", Language::En), ["down"]);
        let mut t = Tokens::default();
        t.tokenize("ok @acme. Bad", Language::En);
        assert!(t.get(0).clause_end, "the full stop after a handle still ends the clause");
    }

    #[test]
    fn scare_quotes_mark_few_words() {
        let quoted = |text: &str| {
            let mut t = Tokens::default();
            t.tokenize(text, Language::En);
            (0..t.len()).map(|i| t.get(i).quoted).collect::<Vec<_>>()
        };
        assert_eq!(quoted("'great' service"), [true, false]);
        assert_eq!(quoted("so \"helpful\", thanks"), [false, true, false]);
        assert_eq!(quoted("„toll“ gemacht"), [true, false]);
        assert_eq!(quoted("the \"next day delivery\" is late"), [false, true, true, true, false, false]);
        assert_eq!(quoted("he said \"this is a long quotation here\" ok"), [false; 8]);
        assert_eq!(quoted("don't 'quote"), [false, false]);
    }

    #[test]
    fn tokens_know_where_they_stand_in_the_text() {
        let text = "@x Schöne 😍 Grüße!";
        let mut t = Tokens::default();
        t.tokenize(text, Language::De);
        let spans: Vec<&str> =
            (0..t.len()).map(|i| &text[t.get(i).src_start as usize..t.get(i).src_end as usize]).collect();
        assert_eq!(spans, ["Schöne", "😍", "Grüße"]);
    }

    #[test]
    fn empty_and_punctuation_only_text_has_no_tokens() {
        assert!(keys("", Language::En).is_empty());
        assert!(keys("  ... !!! ", Language::En).is_empty());
    }
}
