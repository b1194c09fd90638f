//! Emoji and invisible characters: which characters are pictographs, taking them out of
//! template sentences (for a voice that wants none, or at most one), and which characters
//! no template may carry because a reader cannot see them.

use unicode_segmentation::UnicodeSegmentation;

/// Pictographs, close to Unicode's Extended_Pictographic: emoji and flags (U+1F000–U+1FAFF),
/// misc technical (⌚ ⏰ ⌛ ⏳), misc symbols and dingbats, arrows and stars (U+2B00–U+2BFF),
/// the arrows with an emoji form (↔ ↩), ‼ ⁉ ™ ℹ Ⓜ 〰 〽 ㊗ ㊙, geometric shapes (▪ ▶ ◀ ◻),
/// the keycap and variation selectors that make a character an emoji, and flag tags.
/// Plain arrows such as → and © ® stay text: brands write them in sober sentences.
pub fn is_emoji(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1F000..=0x1FAFF
            | 0x2300..=0x23FF
            | 0x2600..=0x27BF
            | 0x2B00..=0x2BFF
            | 0x2194..=0x2199
            | 0x21A9..=0x21AA
            | 0x25AA..=0x25FE
            | 0x2934..=0x2935
            | 0x203C
            | 0x2049
            | 0x2122
            | 0x2139
            | 0x24C2
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
            | 0x20E3
            | 0xFE0F
            | 0xE0020..=0xE007F
    )
}

/// How many emoji (grapheme clusters with a pictograph) `text` holds.
pub fn count(text: &str) -> usize {
    text.graphemes(true).filter(|g| g.chars().any(is_emoji)).count()
}

/// `sentence` keeping at most `keep` of its emoji (the first ones); `keep` is lowered by
/// those kept. Spaces left behind are tidied, and a sentence whose emoji stood after a
/// placeholder or a word gets the period the emoji stood in for ("Big news: {topic} 🎉"
/// becomes "Big news: {topic}.").
pub fn limit(sentence: &str, keep: &mut usize) -> String {
    if count(sentence) == 0 {
        return sentence.to_string();
    }
    let mut out = String::with_capacity(sentence.len());
    for g in sentence.graphemes(true) {
        if g.chars().any(is_emoji) {
            if *keep == 0 {
                continue;
            }
            *keep -= 1;
        }
        out.push_str(g);
    }
    let mut out = out.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    for punctuation in [" .", " !", " ?", " ,", " :"] {
        out = out.replace(punctuation, &punctuation[1..]);
    }
    if out.ends_with(|c: char| c.is_alphanumeric() || c == '}') {
        out.push('.');
    }
    out
}

/// What an invisible character is, when `c` is one no template may carry: control
/// characters (NUL, line breaks, tabs), bidi overrides, embeddings, isolates and marks
/// (they reorder what readers see), and zero-width characters. A zero-width joiner
/// between two pictographs (👨‍👩‍👧) is part of an emoji and allowed.
pub fn invisible(c: char, before: Option<char>, after: Option<char>) -> Option<&'static str> {
    let joins_emoji = before.is_some_and(is_emoji_part) && after.is_some_and(is_emoji_part);
    match u32::from(c) {
        _ if c.is_control() => Some("a control character"),
        0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C => Some("a bidi control"),
        0x200D if joins_emoji => None,
        0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x180E | 0x00AD | 0x034F | 0x115F | 0x1160 | 0x3164 => {
            Some("a zero-width or invisible character")
        }
        _ => None,
    }
}

/// Pictographs, skin tones and the variation selector: what a zero-width joiner may join.
fn is_emoji_part(c: char) -> bool {
    is_emoji(c) || matches!(u32::from(c), 0x2640 | 0x2642 | 0x2695 | 0x2708 | 0x2764)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictographs_beyond_the_emoji_blocks() {
        for c in ['⏰', '⌛', '⏳', '‼', '™', '〽', 'Ⓜ', '⌚', '⁉', 'ℹ', '〰', '▶', '↩', '🎉', '⭐', '✨']
        {
            assert!(is_emoji(c), "{c} U+{:04X}", u32::from(c));
        }
        for c in ['a', 'ä', '→', '©', '€', '…', '–', '"'] {
            assert!(!is_emoji(c), "{c}");
        }
        assert_eq!(count("Hi 👨‍👩‍👧‍👦 and 👍🏽 and 1️⃣"), 3);
    }

    #[test]
    fn takes_emoji_out_of_sentences() {
        let none = |s: &str| limit(s, &mut 0);
        assert_eq!(none("Big news: {topic} 🎉"), "Big news: {topic}.");
        assert_eq!(none("Guess what? {Topic} 🙌"), "Guess what? {Topic}.");
        assert_eq!(none("What do you think? 💬"), "What do you think?");
        assert_eq!(none("Heads up 👇: {topic}"), "Heads up: {topic}.");
        assert_eq!(none("Plain sentence."), "Plain sentence.");
        let mut one = 1;
        assert_eq!(limit("It's here: {topic} 🚀", &mut one), "It's here: {topic} 🚀");
        assert_eq!(limit("More soon! 🚀", &mut one), "More soon!");
        assert_eq!(one, 0);
    }

    #[test]
    fn invisible_characters() {
        assert_eq!(invisible('\0', None, None), Some("a control character"));
        assert_eq!(invisible('\n', None, None), Some("a control character"));
        assert_eq!(invisible('\u{202E}', None, None), Some("a bidi control"));
        assert_eq!(invisible('\u{2067}', None, None), Some("a bidi control"));
        assert_eq!(invisible('\u{200B}', None, None), Some("a zero-width or invisible character"));
        assert_eq!(invisible('\u{200D}', Some('a'), Some('b')), Some("a zero-width or invisible character"));
        assert_eq!(invisible('\u{200D}', Some('👨'), Some('👩')), None);
        assert_eq!(invisible('a', None, None), None);
    }
}
