//! CSV exports per RFC 4180: CRLF line ends, a header row, and fields quoted (with inner
//! quotes doubled) when they hold a comma, a quote, CR or LF.
//!
//! Text fields that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
//! `@`, tab or CR) get a leading apostrophe; numbers are written as they are.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::input::{Item, PostIn};

/// One field, quoted when RFC 4180 requires it.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A text field, defused against formula injection, then quoted as needed.
pub fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { field(&format!("'{s}")) } else { field(s) }
}

fn line(out: &mut String, fields: &[String]) {
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub const MENTION_HEADER: &str = "network,id,created_at,kind,author_handle,author_name,sentiment_label,\
sentiment_compound,likes,reposts,replies,url,text";

pub fn mentions(items: &[Item]) -> String {
    let mut out = String::new();
    out.push_str(MENTION_HEADER);
    out.push_str("\r\n");
    for item in items {
        let m = &item.mention;
        let (label, compound) = match (&m.sentiment, item.label) {
            (Some(s), Some(l)) => (l.name().to_string(), s.compound.to_string()),
            _ => (String::new(), String::new()),
        };
        line(
            &mut out,
            &[
                text(&m.network),
                text(&m.id),
                time(item.at),
                text(&m.kind),
                text(&m.author.handle),
                text(&m.author.display_name),
                label,
                compound,
                m.likes.to_string(),
                m.reposts.to_string(),
                m.replies.to_string(),
                text(&m.url),
                text(&m.text),
            ],
        );
    }
    out
}

pub const POST_HEADER: &str = "network,id,created_at,scheduled_at,url,likes,reposts,replies";

pub fn posts(posts: &[(DateTime<Utc>, PostIn)]) -> String {
    let mut out = String::new();
    out.push_str(POST_HEADER);
    out.push_str("\r\n");
    for (at, p) in posts {
        line(
            &mut out,
            &[
                text(&p.network),
                text(&p.id),
                time(*at),
                text(p.scheduled_at.as_deref().unwrap_or("")),
                text(&p.url),
                p.likes.to_string(),
                p.reposts.to_string(),
                p.replies.to_string(),
            ],
        );
    }
    out
}
