//! The workspace's settings for a report: language, time zone, the agency's brand, the
//! previous period's figures and the address of the full report; each checked with the
//! field named in its error.

use chrono_tz::Tz;
use serde::Deserialize;

use crate::labels::Lang;
use crate::render::linkable;

/// The accent colour when the brand names none.
pub const DEFAULT_COLOUR: &str = "#1f6feb";
/// The longest brand name, in characters.
pub const MAX_BRAND_NAME: usize = 100;
/// The longest `report_url`, in bytes.
pub const MAX_URL: usize = 2000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandIn {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub colour: Option<String>,
}

/// The agency: its name (if any) and accent colour `#rrggbb`, lower case.
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    pub name: Option<String>,
    pub colour: String,
}

/// The headline figures of the period before, each optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    #[serde(default)]
    pub mentions: Option<u64>,
    /// Negative mentions over all mentions, 0 to 1.
    #[serde(default)]
    pub negative_share: Option<f64>,
    #[serde(default)]
    pub posts: Option<u64>,
    /// Likes, reposts and replies of the posts, summed.
    #[serde(default)]
    pub engagement: Option<u64>,
}

pub fn language(code: Option<&str>) -> Result<Lang, String> {
    Lang::parse(code.unwrap_or("en"))
}

pub fn timezone(name: Option<&str>) -> Result<Tz, String> {
    let name = name.unwrap_or("UTC");
    name.parse::<Tz>().map_err(|_| {
        format!(
            "`timezone` is `{name}`, not an IANA time zone name; give one like Europe/Berlin, America/New_York or UTC"
        )
    })
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

pub fn brand(input: Option<BrandIn>) -> Result<Brand, String> {
    let input = input.unwrap_or_default();
    let colour = match input.colour {
        None => DEFAULT_COLOUR.to_string(),
        Some(c) if is_colour(&c) => c.to_ascii_lowercase(),
        Some(c) => return Err(format!("`brand.colour` is `{c}`; give a colour as #rrggbb, e.g. #1f6feb")),
    };
    let name = input.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = &name {
        let chars = n.chars().count();
        if chars > MAX_BRAND_NAME {
            return Err(format!("`brand.name` is {chars} characters; give at most {MAX_BRAND_NAME}"));
        }
    }
    Ok(Brand { name, colour })
}

pub fn previous(input: Option<Previous>) -> Result<Option<Previous>, String> {
    if let Some(share) = input.as_ref().and_then(|p| p.negative_share)
        && !(0.0..=1.0).contains(&share)
    {
        return Err(format!("`previous.negative_share` is {share}; give a share from 0 to 1"));
    }
    Ok(input)
}

pub fn report_url(url: Option<String>) -> Result<Option<String>, String> {
    match url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) {
        None => Ok(None),
        Some(u) if u.len() > MAX_URL => Err(format!("`report_url` is {} bytes; give at most {MAX_URL}", u.len())),
        Some(u) if linkable(&u) && !u.contains(char::is_whitespace) => Ok(Some(u)),
        Some(u) => Err(format!("`report_url` is `{u}`; give an absolute http(s) URL without spaces")),
    }
}

/// Black or white, whichever reads better on `colour` (`#rrggbb`).
pub fn text_on(colour: &str) -> &'static str {
    let channel = |i: usize| u8::from_str_radix(&colour[i..i + 2], 16).map_or(0.0, f64::from);
    let luma = 0.299 * channel(1) + 0.587 * channel(3) + 0.114 * channel(5);
    if luma > 150.0 { "#000000" } else { "#ffffff" }
}
