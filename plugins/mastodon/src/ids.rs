//! Mastodon ids: strings that are usually decimal integers, often beyond 2^53.
//!
//! They are never parsed into numbers (an `f64` would round `113000000000000001` to
//! `113000000000000000`); two ids compare by length, then character by character, which
//! orders decimal integers of any size correctly.

use std::cmp::Ordering;

use serde::{Deserialize, Deserializer};

/// Orders two ids as the integers they spell: the longer is larger, equal lengths compare
/// lexically. Leading zeros of all-digit ids are ignored.
pub fn cmp_ids(a: &str, b: &str) -> Ordering {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn strip_zeros(id: &str) -> &str {
    if id.len() > 1 && id.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = id.trim_start_matches('0');
        if trimmed.is_empty() { "0" } else { trimmed }
    } else {
        id
    }
}

/// Deserializes an id given as a JSON string, or (by a non-conforming server) as an
/// integer, which serde_json reads exactly as `u64`/`i64`, never through `f64`.
pub fn de_id<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }
    Ok(match Raw::deserialize(de)? {
        Raw::Text(s) => s,
        Raw::Unsigned(n) => n.to_string(),
        Raw::Signed(n) => n.to_string(),
    })
}

/// Like [`de_id`], for ids that may be `null` or missing.
pub fn de_opt_id<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "de_id")] String);
    Ok(Option::<Wrap>::deserialize(de)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_ids_are_larger_whatever_their_digits() {
        assert_eq!(cmp_ids("99999999999999999", "113000000000000001"), Ordering::Less);
        assert_eq!(cmp_ids("113000000000000002", "113000000000000001"), Ordering::Greater);
        assert_eq!(cmp_ids("9", "10"), Ordering::Less);
        assert_eq!(cmp_ids("0010", "9"), Ordering::Greater);
        assert_eq!(cmp_ids("34975861", "34975861"), Ordering::Equal);
    }

    #[test]
    fn ids_one_apart_beyond_two_to_the_53_stay_distinct() {
        // As f64 both would be 113000000000000000.
        assert_ne!(cmp_ids("113000000000000001", "113000000000000002"), Ordering::Equal);
        let mut ids = vec!["113000000000000002", "99999999999999999", "113000000000000001", "113000000000000010"];
        ids.sort_by(|a, b| cmp_ids(a, b));
        assert_eq!(ids, ["99999999999999999", "113000000000000001", "113000000000000002", "113000000000000010"]);
    }

    #[test]
    fn ids_deserialize_from_strings_and_exact_integers() {
        #[derive(Deserialize)]
        struct T {
            #[serde(deserialize_with = "de_id")]
            id: String,
            #[serde(default, deserialize_with = "de_opt_id")]
            other: Option<String>,
        }
        let t: T = serde_json::from_str(r#"{"id": 113000000000000001, "other": null}"#).unwrap();
        assert_eq!(t.id, "113000000000000001");
        assert_eq!(t.other, None);
        let t: T = serde_json::from_str(r#"{"id": "103186126728896492", "other": "7"}"#).unwrap();
        assert_eq!(t.id, "103186126728896492");
        assert_eq!(t.other.as_deref(), Some("7"));
        let t: T = serde_json::from_str(r#"{"id": "x"}"#).unwrap();
        assert_eq!(t.other, None);
    }
}
