//! Plain text from the HTML of feed summaries, and the named character references that
//! feeds use (XML's five and HTML's common ones).

/// How much of a summary is kept, in characters.
pub const SUMMARY_CHARS: usize = 2000;

/// The text of an HTML fragment: scripts, styles and tags dropped, references decoded,
/// whitespace collapsed, cut to [`SUMMARY_CHARS`] with an ellipsis.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open + 1..];
        let Some(close) = tag.find('>') else {
            // A lone `<` is text ("a < b").
            out.push('<');
            rest = tag;
            continue;
        };
        let name: String =
            tag[..close].trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let name = name.to_ascii_lowercase();
        rest = &tag[close + 1..];
        if name.is_empty() && !tag.starts_with(['!', '/', '?']) {
            out.push('<');
            rest = tag;
            continue;
        }
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let end = format!("</{name}");
            rest = rest.to_ascii_lowercase().find(&end).map_or("", |i| &rest[i..]);
        }
        // Block elements and line breaks separate words; inline ones do not.
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "td" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote"
        ) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    shorten(&collapse(&decode_references(&out)))
}

/// `text` with whitespace runs made single spaces and trimmed.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain `text` (its references already decoded by the XML reader) collapsed and cut
/// like a summary.
pub fn plain(text: &str) -> String {
    shorten(&collapse(text))
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((i, _)) => format!("{}…", text[..i].trim_end()),
        None => text.to_string(),
    }
}

/// `text` with `&name;`, `&#nn;` and `&#xhh;` decoded (the whole HTML table); unknown ones
/// are left as written.
pub fn decode_references(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

/// The character of one reference, without `&` and `;`, if it names exactly one.
pub fn reference(name: &str) -> Option<char> {
    let written = format!("&{name};");
    let decoded = html_escape::decode_html_entities(&written);
    let mut chars = decoded.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if decoded != written => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_scripts_and_decodes() {
        let html =
            "<p>Hello&nbsp;<b>world</b> &amp; friends</p><script>alert('x<y')</script><p>Bye&#8230; &#x1F600;</p>";
        assert_eq!(html_to_text(html), "Hello world & friends Bye… 😀", "a no-break space is collapsed too");
        assert_eq!(html_to_text("line<br/>break<li>item</li>"), "line break item");
        assert_eq!(html_to_text("a < b and c<d"), "a < b and c<d");
        assert_eq!(html_to_text("<!-- note --><div>x</div>"), "x");
        assert_eq!(html_to_text("Caf&eacute; &unknown; &amp"), "Café &unknown; &amp");
    }

    #[test]
    fn shortens_long_summaries() {
        let long = "word ".repeat(1000);
        let text = html_to_text(&long);
        assert_eq!(text.chars().count(), SUMMARY_CHARS);
        assert!(text.ends_with(" word…"), "{text}");
    }

    #[test]
    fn references() {
        assert_eq!(reference("#38"), Some('&'));
        assert_eq!(reference("#x26"), Some('&'));
        assert_eq!(reference("#0"), None);
        assert_eq!(reference("bogus"), None);
        assert_eq!(decode_references("&lt;tag&gt; &#228;"), "<tag> ä");
    }
}
