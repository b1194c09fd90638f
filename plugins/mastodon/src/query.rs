//! Percent-encoding of query values and path segments, and reading a URL's query.

/// Encodes `text` for a query value or a path segment: everything but RFC 3986's
/// unreserved characters becomes `%XX` of its UTF-8 bytes.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space in query strings); bad escapes stay as they are.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The first value of query parameter `name` in `url`, decoded.
pub fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode("user@example.social"), "user%40example.social");
        assert_eq!(encode("types[]"), "types%5B%5D");
        assert_eq!(encode("Grüße"), "Gr%C3%BC%C3%9Fe");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(decode("Gr%C3%BC%C3%9Fe"), "Grüße");
        assert_eq!(decode("a+b%2"), "a b%2");
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn reads_a_parameter_from_a_url() {
        let url = "https://m.example/api/v1/notifications?limit=80&types%5B%5D=mention&min_id=113000000000000005";
        assert_eq!(param(url, "min_id").as_deref(), Some("113000000000000005"));
        assert_eq!(param(url, "types[]").as_deref(), Some("mention"));
        assert_eq!(param(url, "max_id"), None);
        assert_eq!(param("https://m.example/x", "min_id"), None);
    }
}
