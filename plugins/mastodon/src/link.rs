//! The `Link` response header (RFC 8288) as Mastodon sends it for pagination.
//!
//! `Link: <https://m.example/api/v1/notifications?max_id=34975535>; rel="next",
//! <https://m.example/api/v1/notifications?min_id=34975861>; rel="prev"`: `next` pages to
//! older items (`max_id` = the oldest id on the page), `prev` to newer ones (`min_id` =
//! the newest id on the page). Both are absent when the page is empty.

use crate::query;

/// One link: its target and its relation types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub rels: Vec<String>,
}

/// Parses a `Link` header value; malformed entries are skipped.
pub fn parse(header: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let mut rest = header;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let Some(after) = rest.strip_prefix('<') else { break };
        let Some(end) = after.find('>') else { break };
        let url = after[..end].trim().to_string();
        let (params, tail) = split_params(&after[end + 1..]);
        rest = tail;
        let mut rels = Vec::new();
        for param in params.split(';') {
            let Some((name, value)) = param.split_once('=') else { continue };
            if name.trim().eq_ignore_ascii_case("rel") {
                let value = value.trim().trim_matches('"');
                rels.extend(value.split_whitespace().map(str::to_ascii_lowercase));
            }
        }
        links.push(Link { url, rels });
    }
    links
}

/// Splits the parameters of one link from the rest: up to the first `,` outside quotes.
fn split_params(text: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => return (&text[..i], &text[i + 1..]),
            _ => {}
        }
    }
    (text, "")
}

/// The URL of the first link with relation `rel`.
pub fn find<'a>(links: &'a [Link], rel: &str) -> Option<&'a str> {
    links.iter().find(|l| l.rels.iter().any(|r| r == rel)).map(|l| l.url.as_str())
}

/// Where the page after this one starts, read from a `Link` header: the `min_id` of the
/// `rel="prev"` link (newer items) or the `max_id` of the `rel="next"` link (older items).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    pub prev_min_id: Option<String>,
    pub next_max_id: Option<String>,
}

impl PageLinks {
    pub fn from_header(header: Option<&str>) -> Self {
        let links = header.map(parse).unwrap_or_default();
        Self {
            prev_min_id: find(&links, "prev").and_then(|u| query::param(u, "min_id")),
            next_max_id: find(&links, "next").and_then(|u| query::param(u, "max_id")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "<https://mastodon.example/api/v1/notifications?max_id=34975535>; rel=\"next\", \
                       <https://mastodon.example/api/v1/notifications?min_id=34975861>; rel=\"prev\"";

    #[test]
    fn parses_the_documented_header() {
        let links = parse(DOC);
        assert_eq!(links.len(), 2);
        assert_eq!(find(&links, "next"), Some("https://mastodon.example/api/v1/notifications?max_id=34975535"));
        assert_eq!(find(&links, "prev"), Some("https://mastodon.example/api/v1/notifications?min_id=34975861"));
        let page = PageLinks::from_header(Some(DOC));
        assert_eq!(page.prev_min_id.as_deref(), Some("34975861"));
        assert_eq!(page.next_max_id.as_deref(), Some("34975535"));
    }

    #[test]
    fn keeps_carried_parameters_and_big_ids_exact() {
        let header = "<http://loopback.test:4000/api/v1/notifications?limit=80&types%5B%5D=mention&max_id=113000000000000001>; rel=\"next\", <http://loopback.test:4000/api/v1/notifications?limit=80&types%5B%5D=mention&min_id=113000000000000080>; rel=\"prev\"";
        let page = PageLinks::from_header(Some(header));
        assert_eq!(page.prev_min_id.as_deref(), Some("113000000000000080"));
        assert_eq!(page.next_max_id.as_deref(), Some("113000000000000001"));
    }

    #[test]
    fn tolerates_unquoted_multiple_and_odd_relations() {
        let links = parse("<https://a/?min_id=5>;rel=prev , <https://a/x,y>; title=\"a, b\"; rel=\"next last\"");
        assert_eq!(find(&links, "prev"), Some("https://a/?min_id=5"));
        assert_eq!(find(&links, "next"), Some("https://a/x,y"));
        assert_eq!(find(&links, "last"), Some("https://a/x,y"));
    }

    #[test]
    fn empty_or_broken_headers_give_no_links() {
        assert!(parse("").is_empty());
        assert!(parse("garbage").is_empty());
        assert!(parse("<https://a/unterminated; rel=next").is_empty());
        assert_eq!(PageLinks::from_header(None), PageLinks::default());
    }
}
