//! Words that tell nothing about a topic, as hashtags or as words to match tags by:
//! generic tags (#news, #today, #update, #neu, #heute), number words and weekdays, on top
//! of the English and German stopwords. Lowercase and sorted, so lookups are a binary search.

use crate::stopwords::is_stopword;

const GENERIC: &[&str] = &[
    "aktuell",
    "ankündigung",
    "announcement",
    "blog",
    "breaking",
    "day",
    "follow",
    "followme",
    "fun",
    "fyi",
    "gestern",
    "happy",
    "heute",
    "hour",
    "important",
    "info",
    "infos",
    "instagood",
    "jetzt",
    "last",
    "letzte",
    "letzten",
    "letzter",
    "letztes",
    "like",
    "likes",
    "link",
    "live",
    "love",
    "morgen",
    "morning",
    "mustread",
    "neu",
    "neue",
    "neues",
    "neuigkeiten",
    "new",
    "news",
    "next",
    "now",
    "nächste",
    "nächsten",
    "photo",
    "post",
    "stunde",
    "tag",
    "tbt",
    "thread",
    "today",
    "tomorrow",
    "tonight",
    "trending",
    "update",
    "updates",
    "video",
    "viral",
    "week",
    "weekend",
    "wichtig",
    "woche",
    "wochenende",
    "yesterday",
];

const NUMBERS_AND_DAYS: &[&str] = &[
    "acht",
    "dienstag",
    "donnerstag",
    "drei",
    "eight",
    "eins",
    "eleven",
    "elf",
    "five",
    "four",
    "freitag",
    "friday",
    "fünf",
    "hundert",
    "hundred",
    "mittwoch",
    "monday",
    "montag",
    "neun",
    "nine",
    "one",
    "samstag",
    "saturday",
    "sechs",
    "seven",
    "sieben",
    "six",
    "sonntag",
    "sunday",
    "tausend",
    "ten",
    "thousand",
    "three",
    "thursday",
    "tuesday",
    "twelve",
    "two",
    "vier",
    "wednesday",
    "zehn",
    "zwei",
    "zwölf",
];

/// Whether a lowercase word (or tag body) says nothing about a topic.
pub fn is_generic(lower: &str) -> bool {
    GENERIC.binary_search(&lower).is_ok()
        || NUMBERS_AND_DAYS.binary_search(&lower).is_ok()
        || is_stopword(lower, None)
        || lower.chars().all(|c| !c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_lowercase_and_unique() {
        for list in [GENERIC, NUMBERS_AND_DAYS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "not sorted or not unique: {list:?}");
            assert!(list.iter().all(|w| *w == w.to_lowercase()));
        }
    }

    #[test]
    fn generic_words() {
        for word in ["news", "heute", "tag", "five", "letzten", "2026", "samstag"] {
            assert!(is_generic(word), "{word}");
        }
        for word in ["rustlang", "sommerfest", "köln"] {
            assert!(!is_generic(word), "{word}");
        }
    }
}
