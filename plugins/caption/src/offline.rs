//! Captions without a model: an opener, a keyword sentence (when there are keywords) and
//! a closer, from the workspace's templates or the built-in ones, filled with the topic.
//! The same input always gives the same captions.
//!
//! Variant `i` takes opener `r + i`, keyword sentence `r + 2i` and closer `r + 3i`, each
//! modulo its list's length, where `r` is a stable hash of the topic: the variants of one
//! topic differ in every part, and different topics start at different templates.
//! Filling handles punctuation: a topic that ends a sentence itself ("We are down.",
//! "Was ist neu?", a trailing URL) swallows the template's own "." or "?" after it.
//! The voice's emoji wish applies to the templates (built-in and workspace alike), not to
//! the topic and keywords the user wrote: with "no emoji" the templates add none, with
//! "one emoji" at most one, and none when the topic already has one.

use crate::custom::Custom;
use crate::emoji;
use crate::templates::{Part, builtin};
use crate::voice::{Tone, Voice};
use crate::{Kind, Language};

/// The sentences one caption is made from, each part from the workspace or built in.
pub struct Lists<'a> {
    parts: [(Vec<&'a str>, bool); 3],
    and: &'static str,
}

impl<'a> Lists<'a> {
    /// The lists for `kind` in `language` and `tone`: the workspace's where it gave them.
    pub fn resolve(language: Language, tone: Tone, kind: Kind, custom: Option<&'a Custom>) -> Self {
        let built = builtin(language, tone);
        let parts = Part::ALL.map(|part| match custom.and_then(|c| c.list(language, tone, part.key(kind))) {
            Some(list) => (list.iter().map(String::as_str).collect(), true),
            None => (built.set(kind).part(part).to_vec(), false),
        });
        Self { parts, and: built.and }
    }

    fn part(&self, part: Part) -> &[&'a str] {
        &self.parts[part as usize].0
    }

    /// Whether `part` comes from the workspace's templates.
    pub fn is_workspace(&self, part: Part) -> bool {
        self.parts[part as usize].1
    }
}

/// One variant's text (without hashtags) and the 0-based template of each part used.
pub struct Made {
    pub text: String,
    pub picks: [Option<usize>; 3],
}

/// The untrimmed text of variant `index` (0-based) of `topic` with `keywords`, with the
/// templates' emoji as `voice` allows.
pub fn caption(lists: &Lists, topic: &str, keywords: &[String], index: usize, voice: Voice) -> Made {
    let topic = tidy(topic);
    let keywords: Vec<String> = keywords.iter().map(|k| tidy(k)).filter(|k| !k.is_empty()).collect();
    let own = emoji::count(&topic) + keywords.iter().map(|k| emoji::count(k)).sum::<usize>();
    let mut budget = voice.emoji_budget(own);
    let mut template = |part: Part, i: usize| emoji::limit(lists.part(part)[i].trim(), &mut budget);
    let r = rotation(&topic);
    let pick = |part: Part, step: usize| (r + step * index) % lists.part(part).len().max(1);
    let opener = pick(Part::Opener, 1);
    let mut sentences = vec![fill(&template(Part::Opener, opener), &topic)];
    let mut picks = [Some(opener), None, None];
    if !keywords.is_empty() {
        let k = pick(Part::Keywords, 2);
        let list: Vec<&str> = keywords.iter().map(String::as_str).collect();
        sentences.push(fill(&template(Part::Keywords, k), &join_list(&list, lists.and)));
        picks[1] = Some(k);
    }
    let closer = pick(Part::Closer, 3);
    sentences.push(template(Part::Closer, closer));
    picks[2] = Some(closer);
    Made { text: sentences.join(" "), picks }
}

/// `template` with `{topic}`, `{Topic}` and `{kw}` replaced by `value` (`{Topic}` with a
/// capital first letter); a value that ends a sentence drops the template's punctuation
/// right after it.
pub fn fill(template: &str, value: &str) -> String {
    let ends_sentence = ends_sentence(value);
    let mut out = String::with_capacity(template.len() + value.len());
    let mut rest = template.trim();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else { break };
        match &rest[start + 1..start + len] {
            "Topic" => out.push_str(&capitalise_first(value)),
            _ => out.push_str(value),
        }
        rest = &rest[start + len + 1..];
        if ends_sentence {
            rest = rest.strip_prefix(['.', '!', '?', ':', ';', ',']).unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out
}

/// Whether `text` ends a sentence on its own: final `.`, `!`, `?`, `…`, or a URL that a
/// period would only clutter.
fn ends_sentence(text: &str) -> bool {
    text.ends_with(['.', '!', '?', '…']) || text.rsplit(' ').next().is_some_and(|last| last.contains("://"))
}

/// One line, single spaces, without a trailing comma, colon, semicolon or dash.
fn tidy(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.trim_end_matches([',', ';', ':', '-', '–', '—', ' ']).to_string()
}

/// `a`, `a and b`, `a, b and c`.
fn join_list(items: &[&str], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

/// The first letter in upper case, unless the first word is written like `iPhone`.
fn capitalise_first(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return text.to_string();
    }
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// FNV-1a of the lowercase topic: stable across runs, builds and platforms.
fn rotation(topic: &str) -> usize {
    let hash = topic
        .trim()
        .to_lowercase()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    (hash % 5) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(language: Language, tone: Tone, kind: Kind) -> Lists<'static> {
        Lists::resolve(language, tone, kind, None)
    }

    fn caption(lists: &Lists, topic: &str, keywords: &[String], index: usize) -> Made {
        super::caption(lists, topic, keywords, index, Voice::of(None))
    }

    #[test]
    fn the_voice_limits_the_templates_emoji() {
        let l = lists(Language::De, Tone::Casual, Kind::Announcement);
        let count = |voice: &str, topic: &str| {
            (0..5).map(|i| emoji::count(&super::caption(&l, topic, &[], i, Voice::of(Some(voice))).text)).max()
        };
        assert_eq!(count("locker, du", "unser Sommerfest"), Some(2), "the built-in casual ones carry two");
        assert_eq!(count("locker, wir duzen, ein Emoji pro Post", "unser Sommerfest"), Some(1));
        assert_eq!(count("locker, keine Emojis", "unser Sommerfest"), Some(0));
        assert_eq!(count("locker, ein Emoji pro Post", "unser Sommerfest 🎪"), Some(1), "the topic's own");
        let none = super::caption(&l, "unser Sommerfest", &[], 0, Voice::of(Some("keine Emojis, locker")));
        assert!(!none.text.contains("  ") && !none.text.contains(" ."), "{}", none.text);
    }

    #[test]
    fn fills_the_topic_with_its_punctuation() {
        assert_eq!(fill("New from us: {topic}.", "our shop"), "New from us: our shop.");
        assert_eq!(fill("New from us: {topic}.", "We opened a shop."), "New from us: We opened a shop.");
        assert_eq!(fill("{Topic}.", "is it down?"), "Is it down?");
        assert_eq!(fill("Guess what? {Topic} 🙌", "iPhone app!"), "Guess what? iPhone app! 🙌");
        assert_eq!(fill("Read: {topic}.", "Post: https://ex.test/a"), "Read: Post: https://ex.test/a");
        assert_eq!(tidy("  Sommerfest,\n in Köln:  "), "Sommerfest, in Köln");
    }

    #[test]
    fn keywords_and_german_lists() {
        let keywords = vec!["Kaffee".to_string(), "Kuchen".to_string(), "Musik".to_string()];
        let made = caption(&lists(Language::De, Tone::Casual, Kind::Announcement), "unser Sommerfest", &keywords, 1);
        assert!(made.text.contains("Kaffee, Kuchen und Musik"), "{}", made.text);
        assert!(made.text.contains("unser Sommerfest"), "{}", made.text);
        assert!(made.picks.iter().all(Option::is_some));
        let none = caption(&lists(Language::En, Tone::Neutral, Kind::Announcement), "a topic", &[], 0);
        assert_eq!(none.picks[1], None, "no keywords, no keyword sentence");
    }

    #[test]
    fn variants_differ_and_repeat_exactly() {
        let l = lists(Language::En, Tone::Casual, Kind::Announcement);
        let all: Vec<String> = (0..5).map(|i| caption(&l, "the spring release", &[], i).text).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|other| other != a), "variant {i} repeats");
            assert_eq!(*a, caption(&l, "the spring release", &[], i).text);
        }
    }

    #[test]
    fn incidents_are_sober() {
        let made = caption(&lists(Language::De, Tone::Casual, Kind::Incident), "Störung im Shop", &[], 0);
        assert!(made.text.contains("Störung im Shop") && !made.text.contains('?'), "{}", made.text);
        let du = ["du", "dich", "dir", "deine"];
        assert!(made.text.split(|c: char| !c.is_alphabetic()).any(|w| du.contains(&w)), "says du: {}", made.text);
    }

    #[test]
    fn lists_and_rotation() {
        assert_eq!(join_list(&["a"], "and"), "a");
        assert_eq!(join_list(&["a", "b"], "und"), "a und b");
        assert_eq!(join_list(&["a", "b", "c"], "and"), "a, b and c");
        assert_eq!(rotation("Topic"), rotation(" topic "));
        assert!(rotation("x") < 5);
    }
}
