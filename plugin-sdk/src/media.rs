//! Images attached to a post, as publishing actions take them: `{url, alt}` checked
//! (count, alt text), fetched through the http capability with a size cap, their type told
//! by their first bytes (not by what the server claims) and their size in pixels read
//! from their header.

use serde::{Deserialize, Serialize};

use crate::StepError;
use crate::http::Request;

/// Images one post carries, on Mastodon and Bluesky alike.
pub const MAX_IMAGES: usize = 4;
/// The longest alt text, in characters (Mastodon's limit for a description).
pub const MAX_ALT_CHARS: usize = 1500;

/// One image of a post's `media` input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaIn {
    /// Where to fetch it: http(s), reachable under the plugin's http permission.
    pub url: String,
    /// What it shows, for people who cannot see it.
    #[serde(default)]
    pub alt: Option<String>,
}

/// An image as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub bytes: Vec<u8>,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    /// A file name for uploads: `image-<n>.<ext>`.
    pub name: String,
}

/// Checks the images of a post: at most [`MAX_IMAGES`], each with alt text of at most
/// [`MAX_ALT_CHARS`] characters unless `alt_optional`.
pub fn check(media: &[MediaIn], alt_optional: bool) -> Result<(), StepError> {
    if media.len() > MAX_IMAGES {
        return Err(StepError::invalid_input(format!(
            "`media` holds {} images; a post carries at most {MAX_IMAGES}",
            media.len()
        )));
    }
    for (i, m) in media.iter().enumerate() {
        if !(m.url.starts_with("https://") || m.url.starts_with("http://")) {
            return Err(StepError::invalid_input(format!("`media[{i}].url` `{}` is not an http(s) URL", m.url)));
        }
        let alt = m.alt.as_deref().unwrap_or_default().trim();
        if alt.is_empty() && !alt_optional {
            return Err(StepError::invalid_input(format!(
                "`media[{i}].alt` is missing: describe the image for people who cannot see it, or set \
                 `alt_optional: true` to publish without"
            )));
        }
        let chars = alt.chars().count();
        if chars > MAX_ALT_CHARS {
            return Err(StepError::invalid_input(format!(
                "`media[{i}].alt` is {chars} characters, over the {MAX_ALT_CHARS} allowed"
            )));
        }
    }
    Ok(())
}

/// Fetches image `index` of the input from `url`; at most `max_bytes`.
pub fn fetch(index: usize, url: &str, max_bytes: usize) -> Result<Image, StepError> {
    let resp = Request::get(url).header("Accept", "image/*").send()?;
    if !(200..300).contains(&resp.status) {
        let message = format!("`media[{index}].url`: fetching {url} answered HTTP {}", resp.status);
        return Err(if resp.status >= 500 || resp.status == 429 {
            StepError::retryable(message)
        } else {
            StepError::invalid_input(message)
        });
    }
    let bytes = resp.body;
    if bytes.len() > max_bytes {
        return Err(StepError::invalid_input(format!(
            "`media[{index}]`: the image is {} bytes, over the {max_bytes} this network takes",
            bytes.len()
        )));
    }
    let (mime, ext) = sniff(&bytes).ok_or_else(|| {
        StepError::invalid_input(format!("`media[{index}]`: {url} is not a PNG, JPEG, GIF or WebP image"))
    })?;
    let (width, height) = dimensions(&bytes, mime).ok_or_else(|| {
        StepError::invalid_input(format!("`media[{index}]`: the {mime} image at {url} has no readable size"))
    })?;
    Ok(Image { bytes, mime, width, height, name: format!("image-{}.{ext}", index + 1) })
}

/// The type of an image by its magic bytes, and its usual extension.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(("image/png", "png")),
        [0xff, 0xd8, 0xff, ..] => Some(("image/jpeg", "jpg")),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(("image/gif", "gif")),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(("image/webp", "webp")),
        _ => None,
    }
}

/// Width and height in pixels from the image's header.
pub fn dimensions(bytes: &[u8], mime: &str) -> Option<(u32, u32)> {
    let be32 = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let le16 = |at: usize| bytes.get(at..at + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])));
    let le24 = |at: usize| bytes.get(at..at + 3).map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]));
    let size = match mime {
        "image/png" if bytes.get(12..16) == Some(b"IHDR") => (be32(16)?, be32(20)?),
        "image/gif" => (le16(6)?, le16(8)?),
        "image/jpeg" => jpeg_size(bytes)?,
        "image/webp" => match bytes.get(12..16)? {
            b"VP8 " => (le16(26)? & 0x3fff, le16(28)? & 0x3fff),
            b"VP8L" => {
                let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
                ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
            }
            b"VP8X" => (le24(24)? + 1, le24(27)? + 1),
            _ => return None,
        },
        _ => return None,
    };
    (size.0 > 0 && size.1 > 0).then_some(size)
}

/// A JPEG's size from its first start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    while at + 9 < bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xff {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if frame {
            let height = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let width = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG header of `w` x `h` pixels (enough for the sniffer and the size).
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn types_and_sizes_come_from_the_bytes() {
        let p = png(1200, 675);
        assert_eq!(sniff(&p), Some(("image/png", "png")));
        assert_eq!(dimensions(&p, "image/png"), Some((1200, 675)));
        let gif = [b"GIF89a".as_slice(), &[0x40, 0x01, 0xf0, 0x00]].concat();
        assert_eq!((sniff(&gif).unwrap().0, dimensions(&gif, "image/gif")), ("image/gif", Some((320, 240))));
        // SOI, an APP0 segment of 16 bytes, then SOF0 with height 480 and width 640.
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
        jpeg.extend_from_slice(&[0; 14]);
        jpeg.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03]);
        assert_eq!(dimensions(&jpeg, "image/jpeg"), Some((640, 480)));
        assert_eq!(sniff(b"<html>not an image</html>"), None);
        assert_eq!(dimensions(&p[..18], "image/png"), None, "a cut header has no size");
    }

    #[test]
    fn alt_text_is_required_unless_opted_out_and_bounded() {
        let with =
            |alt: Option<&str>| vec![MediaIn { url: "https://cdn.example/a.png".into(), alt: alt.map(Into::into) }];
        assert!(check(&with(Some("A cat on a keyboard")), false).is_ok());
        let missing = check(&with(Some("  ")), false).unwrap_err().to_string();
        assert!(missing.contains("`media[0].alt` is missing"), "{missing}");
        assert!(check(&with(None), true).is_ok(), "opted out");
        let long = "x".repeat(MAX_ALT_CHARS + 1);
        assert!(check(&with(Some(&long)), false).unwrap_err().to_string().contains("1501 characters"));
        let five: Vec<MediaIn> = (0..5).flat_map(|_| with(Some("a"))).collect();
        assert!(check(&five, false).unwrap_err().to_string().contains("at most 4"));
        let ftp = vec![MediaIn { url: "ftp://x/a.png".into(), alt: Some("a".into()) }];
        assert!(check(&ftp, false).unwrap_err().to_string().contains("not an http(s) URL"));
    }
}
