//! Emoji and emoticon valences, written for this plugin on VADER's -4..+4 scale.
//!
//! Emoji carry the same sentiment in every language, so both analyzers consult these
//! tables. Both are built at compile time (a sorted slice searched by code point, and a
//! hashed [`Table`]), so a fresh wasm instance pays nothing for them.

use crate::table::Table;

/// Emoji by code point. Emoji whose valence is about zero are left out: the tokenizer
/// still makes them neutral tokens.
#[rustfmt::skip]
static EMOJI: &[(char, f32)] = &[
    ('☀', 1.2), ('☠', -2.0), ('☹', -2.0), ('⚠', -1.0), ('⛈', -0.8), ('⛔', -1.3), ('✅', 1.3),
    ('✌', 1.5), ('✔', 1.2), ('✨', 1.5), ('❌', -1.3), ('❣', 2.5), ('❤', 3.0), ('⭐', 1.6),
    ('🆒', 1.5), ('🆘', -1.8), ('🌈', 1.6), ('🌞', 1.8), ('🌟', 1.8), ('🌧', -0.6), ('🌸', 1.5),
    ('🌹', 1.8), ('🍀', 1.5), ('🍻', 1.8), ('🍾', 2.0), ('🎁', 1.8), ('🎂', 1.8), ('🎉', 2.5),
    ('🎊', 2.3), ('🏆', 2.3), ('👊', 0.5), ('👋', 0.8), ('👌', 1.8), ('👍', 2.0), ('👎', -2.0),
    ('👏', 2.0), ('👿', -2.0), ('💀', -0.5), ('💋', 2.3), ('💏', 2.5), ('💐', 2.0), ('💑', 2.5),
    ('💓', 2.8), ('💔', -2.8), ('💕', 3.0), ('💖', 3.0), ('💗', 2.8), ('💘', 2.8), ('💙', 2.8),
    ('💚', 2.8), ('💛', 2.8), ('💜', 2.8), ('💝', 2.8), ('💞', 3.0), ('💟', 2.5), ('💢', -2.0),
    ('💩', -1.6), ('💪', 1.8), ('💯', 2.0), ('💸', -0.8), ('📈', 1.0), ('📉', -1.0), ('🔝', 1.3),
    ('🔥', 1.5), ('🖕', -3.0), ('🖤', 1.5), ('😀', 2.0), ('😁', 2.2), ('😂', 2.0), ('😃', 2.2),
    ('😄', 2.3), ('😅', 0.8), ('😆', 2.0), ('😇', 2.0), ('😈', 0.3), ('😉', 1.5), ('😊', 2.5),
    ('😋', 2.0), ('😌', 1.4), ('😍', 3.0), ('😎', 1.8), ('😏', 0.4), ('😐', -0.3), ('😑', -0.6),
    ('😒', -1.6), ('😓', -1.2), ('😔', -1.6), ('😕', -1.0), ('😖', -1.8), ('😗', 1.5), ('😘', 2.5),
    ('😙', 1.6), ('😚', 1.8), ('😛', 1.2), ('😜', 1.3), ('😝', 1.2), ('😞', -2.0), ('😟', -1.6),
    ('😠', -2.5), ('😡', -2.8), ('😢', -2.3), ('😣', -1.5), ('😤', -1.6), ('😥', -1.3), ('😦', -1.2),
    ('😧', -1.6), ('😨', -2.0), ('😩', -1.8), ('😪', -0.6), ('😫', -1.6), ('😬', -0.8), ('😭', -1.6),
    ('😮', -0.1), ('😯', -0.2), ('😰', -2.0), ('😱', -1.6), ('😲', -0.2), ('😳', -0.3), ('😴', -0.2),
    ('😵', -1.0), ('😶', -0.3), ('😷', -1.0), ('😸', 2.0), ('😹', 1.8), ('😺', 1.8), ('😻', 2.6),
    ('😼', 0.5), ('😽', 1.8), ('😾', -1.8), ('😿', -2.0), ('🙀', -1.2), ('🙁', -1.5), ('🙂', 1.2),
    ('🙃', 0.2), ('🙄', -1.3), ('🙈', 0.4), ('🙌', 2.2), ('🙏', 1.5), ('🚫', -1.4), ('🤌', 0.5),
    ('🤍', 2.5), ('🤎', 2.5), ('🤐', -0.5), ('🤑', 1.0), ('🤒', -1.6), ('🤓', 0.6), ('🤔', -0.2),
    ('🤕', -1.6), ('🤗', 2.2), ('🤘', 1.5), ('🤙', 1.5), ('🤝', 1.5), ('🤞', 1.0), ('🤟', 2.0),
    ('🤡', -1.0), ('🤢', -2.2), ('🤣', 2.2), ('🤤', 0.8), ('🤥', -1.4), ('🤦', -1.6), ('🤧', -1.0),
    ('🤨', -0.6), ('🤩', 3.0), ('🤪', 1.2), ('🤬', -3.0), ('🤭', 0.6), ('🤮', -2.6), ('🤯', -0.2),
    ('🤷', -0.3), ('🥀', -1.5), ('🥂', 2.0), ('🥇', 2.0), ('🥰', 3.0), ('🥱', -0.8), ('🥲', 0.3),
    ('🥳', 2.8), ('🥴', -0.6), ('🥵', -0.5), ('🥶', -0.6), ('🥹', 1.2), ('🥺', 0.3), ('🧡', 2.8),
    ('🫠', -0.5), ('🫡', 0.5), ('🫤', -0.8), ('🫶', 2.8),
];

/// Text emoticons, lowercase (so `:D` and `:d` are one entry), sorted by bytes.
#[rustfmt::skip]
static EMOTICONS: Table<f32, 128> = Table::new(&[
    ("(:", 1.8), ("):", -1.8), ("-.-", -1.2), ("-_-", -1.2), ("8)", 1.5), (":'(", -2.2),
    (":(", -2.0), (":((", -2.4), (":)", 2.0), (":))", 2.4), (":*", 2.0), (":,(", -2.2),
    (":-(", -2.0), (":-)", 2.0), (":-*", 2.0), (":-/", -1.1), (":-d", 2.3), (":-p", 1.2),
    (":-|", -0.6), (":/", -1.1), (":3", 1.7), (":@", -2.3), (":]", 1.8), (":c", -1.8),
    (":d", 2.3), (":p", 1.2), (":|", -0.6), (";(", -1.8), (";)", 1.6), (";-)", 1.6),
    (";d", 1.8), (";p", 1.2), ("</3", -2.6), ("<3", 2.8), ("<33", 2.9), ("=(", -1.9),
    ("=)", 1.9), (">:(", -2.6), ("^.^", 1.8), ("^^", 1.6), ("^_^", 2.0), ("d:", -1.8),
    ("t_t", -2.0), ("xd", 2.4),
]);

/// The valence of emoji `c`, if it has one.
pub(crate) fn emoji_valence(c: char) -> Option<f32> {
    EMOJI.binary_search_by(|(e, _)| e.cmp(&c)).ok().map(|i| EMOJI[i].1)
}

/// The valence of a lowercase emoticon such as `:)` or `<3`.
pub(crate) fn emoticon_valence(key: &str) -> Option<f32> {
    EMOTICONS.get(key)
}

/// Whether `c` is a pictograph the tokenizer should split off as a token of its own.
///
/// Covers the emoji blocks, not every symbol: arrows and maths stay part of words.
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3297 | 0x3299)
        && !is_modifier(c)
}

/// Variation selectors, skin tones, the zero-width joiner and the keycap mark change how
/// an emoji looks, not what it means; the tokenizer drops them.
pub(crate) fn is_modifier(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x200D | 0x20E3 | 0x1F3FB..=0x1F3FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(EMOJI.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(crate::table::sorted_unique(EMOTICONS.entries()));
        assert!(EMOTICONS.entries().iter().all(|(k, _)| k.to_lowercase() == *k));
        assert!(EMOJI.len() > 150 && EMOTICONS.entries().len() > 40);
    }

    #[test]
    fn valences_are_on_the_vader_scale() {
        let all = EMOJI.iter().map(|e| e.1).chain(EMOTICONS.entries().iter().map(|e| e.1));
        for v in all {
            assert!((-4.0..=4.0).contains(&v) && v != 0.0);
        }
    }

    #[test]
    fn looks_up_emoji_and_emoticons() {
        assert!(emoji_valence('😍').unwrap() > 2.0);
        assert!(emoji_valence('😡').unwrap() < -2.0);
        assert!(emoji_valence('❤').unwrap() > 2.0);
        assert_eq!(emoji_valence('a'), None);
        assert!(emoticon_valence(":)").unwrap() > 0.0);
        assert!(emoticon_valence(":-(").unwrap() < 0.0);
        assert!(emoticon_valence("<3").unwrap() > 0.0);
        assert_eq!(emoticon_valence("hello"), None);
    }

    #[test]
    fn classifies_emoji_and_modifiers() {
        assert!(is_emoji('😀') && is_emoji('❤') && is_emoji('👍'));
        assert!(!is_emoji('a') && !is_emoji('ä') && !is_emoji('!'));
        assert!(is_modifier('\u{FE0F}') && is_modifier('\u{1F3FD}') && is_modifier('\u{200D}'));
        assert!(!is_emoji('\u{1F3FD}'));
    }
}
