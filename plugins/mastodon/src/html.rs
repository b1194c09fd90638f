//! Mastodon's HTML `content` and `note` as plain text.
//!
//! Paragraphs become blank-line separated, `<br>` a line break, list items lines; tags are
//! dropped and their text kept, so a link keeps its visible text (Mastodon splits long
//! URLs into `invisible`/`ellipsis` spans, which join back into the whole URL) and a
//! mention `<a class="u-url mention">@<span>user</span></a>` reads `@user`. Entities are
//! decoded; runs of white space collapse as a browser would, except inside `<pre>`.

/// Converts an HTML fragment to plain text.
pub fn to_text(html: &str) -> String {
    let mut out = Text::default();
    let mut rest = html;
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let Some(end) = rest.find('>') else {
                    out.push_text(rest);
                    break;
                };
                let tag = Tag::parse(&rest[1..end]);
                rest = &rest[end + 1..];
                if matches!(tag.name.as_str(), "script" | "style") && !tag.closing {
                    let close = format!("</{}", tag.name);
                    rest = match rest.to_ascii_lowercase().find(&close) {
                        Some(at) => rest[at..].find('>').map_or("", |gt| &rest[at + gt + 1..]),
                        None => "",
                    };
                    continue;
                }
                out.tag(&tag);
            }
            Some(at) => {
                out.push_text(&rest[..at]);
                rest = &rest[at..];
            }
            None => {
                out.push_text(rest);
                break;
            }
        }
    }
    out.finish()
}

struct Tag {
    name: String,
    closing: bool,
}

impl Tag {
    fn parse(inner: &str) -> Self {
        let inner = inner.trim();
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inner),
        };
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        Self { name, closing }
    }
}

#[derive(Default)]
struct Text {
    out: String,
    /// Line breaks owed before the next text: 1 for a line, 2 for a paragraph.
    pending_breaks: usize,
    /// A space owed before the next text (collapsed white space).
    pending_space: bool,
    pre: usize,
}

impl Text {
    fn tag(&mut self, tag: &Tag) {
        match tag.name.as_str() {
            "br" => self.line_break(1, true),
            "p" | "div" | "blockquote" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.line_break(2, false)
            }
            "pre" => {
                self.line_break(2, false);
                if tag.closing {
                    self.pre = self.pre.saturating_sub(1);
                } else {
                    self.pre += 1;
                }
            }
            "li" => self.line_break(1, false),
            _ => {}
        }
    }

    /// Owes `n` line breaks; `hard` ones (from `<br>`) add up, block boundaries do not.
    fn line_break(&mut self, n: usize, hard: bool) {
        self.pending_space = false;
        if hard {
            self.pending_breaks += n;
        } else {
            self.pending_breaks = self.pending_breaks.max(n);
        }
    }

    fn push_text(&mut self, raw: &str) {
        let text = decode_entities(raw);
        for c in text.chars() {
            if self.pre == 0 && c.is_whitespace() && c != '\u{a0}' {
                self.pending_space = true;
                continue;
            }
            self.flush_pending();
            self.out.push(if c == '\u{a0}' { ' ' } else { c });
        }
    }

    fn flush_pending(&mut self) {
        if self.out.is_empty() {
            self.pending_breaks = 0;
            self.pending_space = false;
            return;
        }
        if self.pending_breaks > 0 {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            self.out.extend(std::iter::repeat_n('\n', self.pending_breaks));
        } else if self.pending_space && !self.out.ends_with(['\n', ' ']) {
            self.out.push(' ');
        }
        self.pending_breaks = 0;
        self.pending_space = false;
    }

    fn finish(self) -> String {
        self.out.trim_end().to_string()
    }
}

/// Decodes `&name;`, `&#NNN;` and `&#xHH;` (the whole HTML table); unknown or broken
/// entities stay as written.
pub fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_mention_reads_as_at_user() {
        let html = "<p><span class=\"h-card\"><a href=\"https://mastodon.social/@trwnh\" class=\"u-url mention\">@<span>trwnh</span></a></span> sup!</p>";
        assert_eq!(to_text(html), "@trwnh sup!");
    }

    #[test]
    fn paragraphs_and_breaks_become_newlines() {
        let html = "<p>Line one<br />line two<br>line three</p><p>Second paragraph</p>";
        assert_eq!(to_text(html), "Line one\nline two\nline three\n\nSecond paragraph");
        assert_eq!(to_text("<p>a<br><br>b</p>"), "a\n\nb");
    }

    #[test]
    fn links_keep_their_full_text_and_hashtags_their_hash() {
        let html = "<p>Read <a href=\"https://example.com/a/very/long/path\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a/very/lo</span><span class=\"invisible\">ng/path</span></a> <a href=\"https://m.example/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a></p>";
        assert_eq!(to_text(html), "Read https://example.com/a/very/long/path #Rust");
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            to_text("<p>Tom &amp; Jerry &lt;3 &quot;x&quot; &#39;y&#39; &#x1F418; caf&eacute;</p>"),
            "Tom & Jerry <3 \"x\" 'y' 🐘 café"
        );
        assert_eq!(to_text("&amp;lt;"), "&lt;");
        assert_eq!(to_text("AT&T &bogus; & done"), "AT&T &bogus; & done");
        assert_eq!(to_text("a&nbsp;b"), "a b");
    }

    #[test]
    fn white_space_collapses_outside_pre() {
        assert_eq!(to_text("<p>  spaced \n  out  </p>\n<p>x</p>"), "spaced out\n\nx");
        assert_eq!(to_text("<pre>keep\n  this</pre>"), "keep\n  this");
    }

    #[test]
    fn lists_quotes_and_unknown_markup() {
        let html = "<p>Items:</p><ul><li>one</li><li><b>two</b></li></ul><blockquote><p>quoted</p></blockquote><script>alert(1)</script>end";
        assert_eq!(to_text(html), "Items:\n\none\ntwo\n\nquoted\n\nend");
        assert_eq!(to_text("plain text, no tags"), "plain text, no tags");
        assert_eq!(to_text("broken <a href"), "broken <a href");
        assert_eq!(to_text(""), "");
    }

    #[test]
    fn german_and_emoji_survive() {
        assert_eq!(to_text("<p>Schöne Grüße 👋🏽 an @<span>anna</span></p>"), "Schöne Grüße 👋🏽 an @anna");
    }
}
