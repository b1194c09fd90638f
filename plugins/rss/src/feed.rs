//! RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents to entries, read with quick-xml.
//!
//! The reader keeps the path of open elements. Inside an `item` or `entry`, text is
//! gathered per child element (`title`, `description`, `content:encoded`, ...) and per
//! nested path (`author/name`), so one pass serves all three formats.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::{date, text};

/// One item of a feed, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub guid: Option<String>,
    pub link: Option<String>,
    pub title: String,
    /// Plain text.
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
}

impl Entry {
    /// What identifies the entry across fetches: its guid or id, else its link, else a
    /// hash of its title and date.
    pub fn id(&self) -> String {
        if let Some(id) = self.guid.as_ref().or(self.link.as_ref()) {
            return id.clone();
        }
        let key = format!("{}|{:?}", self.title, self.published);
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        format!("hash:{hash:016x}")
    }
}

/// Why a document gave no entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedError {
    /// Not well-formed XML; line and column are 1-based, the column in characters.
    Malformed { line: usize, column: usize, message: String },
    /// Well-formed, but its root is not `rss`, `feed` or `rdf:RDF`.
    NotAFeed { root: String },
}

impl std::fmt::Display for FeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed { line, column, message } => {
                write!(f, "not well-formed XML at line {line}, column {column}: {message}")
            }
            Self::NotAFeed { root } => write!(f, "not an RSS or Atom feed: the document's root element is <{root}>"),
        }
    }
}

/// What one `item` or `entry` holds while it is read.
#[derive(Default)]
struct Gathered {
    /// Text by child element (`title`) and by nested path (`author/name`).
    text: HashMap<String, String>,
    /// The `type` attribute of Atom text constructs, by child element.
    kind: HashMap<String, String>,
    link_alternate: Option<String>,
    link_other: Option<String>,
    guid_is_permalink: bool,
}

/// The entries of `xml`, in document order.
pub fn parse(xml: &str) -> Result<Vec<Entry>, FeedError> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut item_depth: Option<usize> = None;
    let mut item = Gathered::default();
    let mut feed_author = String::new();
    let mut entries = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| malformed(xml, reader.error_position(), &e.to_string()))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = normalize(e.name().into_inner());
            if path.is_empty() && !matches!(name.as_str(), "rss" | "feed" | "rdf:RDF") {
                return Err(FeedError::NotAFeed { root: e.name().into_inner().to_string() });
            }
            path.push(name);
            match item_depth {
                None if matches!(path.last().map(String::as_str), Some("item" | "entry")) => {
                    item_depth = Some(path.len());
                    item = Gathered { guid_is_permalink: true, ..Gathered::default() };
                }
                Some(depth) if path.len() == depth + 1 => item.open(&path[depth], e),
                _ => {}
            }
        }
        let end = empty || matches!(event, Event::End(_));
        let text = match event {
            Event::Text(t) => Some(t.xml10_content().into_owned()),
            Event::CData(c) => Some(c.into_inner().into_owned()),
            Event::GeneralRef(r) => Some(match text::reference(&r) {
                Some(c) => c.to_string(),
                None => format!("&{};", &*r),
            }),
            Event::Eof => break,
            _ => None,
        };
        if let Some(text) = text {
            match item_depth {
                Some(depth) if path.len() > depth => item.append(&path[depth..], &text),
                None if path.iter().map(String::as_str).eq(["feed", "author", "name"]) => feed_author.push_str(&text),
                _ => {}
            }
        }
        if end {
            if item_depth == Some(path.len()) {
                entries.push(std::mem::take(&mut item).finish());
                item_depth = None;
            }
            path.pop();
        }
    }
    if let Some(open) = path.last() {
        let message = format!("the document ends inside <{open}>");
        return Err(malformed(xml, xml.len() as u64, &message));
    }
    let feed_author = text::collapse(&feed_author);
    if !feed_author.is_empty() {
        for entry in entries.iter_mut().filter(|e| e.author.is_none()) {
            entry.author = Some(feed_author.clone());
        }
    }
    Ok(entries)
}

impl Gathered {
    /// Notes the attributes of a child element of the entry.
    fn open(&mut self, child: &str, e: &BytesStart) {
        let attr = |name: &str| {
            e.attributes().flatten().find(|a| a.key.into_inner() == name).map(|a| {
                match a.normalized_value(XmlVersion::Implicit1_0) {
                    Ok(v) => v.into_owned(),
                    Err(_) => a.value.to_string(),
                }
            })
        };
        if let Some(kind) = attr("type") {
            self.kind.insert(child.to_string(), kind);
        }
        match child {
            "link" => {
                if let Some(href) = attr("href").filter(|h| !h.trim().is_empty()) {
                    let slot = match attr("rel").as_deref() {
                        None | Some("alternate") => &mut self.link_alternate,
                        _ => &mut self.link_other,
                    };
                    slot.get_or_insert(href.trim().to_string());
                }
            }
            "guid" => self.guid_is_permalink = attr("isPermaLink").is_none_or(|v| v != "false"),
            _ => {}
        }
    }

    /// Adds text met at `path` (relative to the entry) to its child and to its full path.
    fn append(&mut self, path: &[String], text: &str) {
        self.text.entry(path[0].clone()).or_default().push_str(text);
        if path.len() > 1 {
            self.text.entry(path.join("/")).or_default().push_str(text);
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.text.get(key).map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Plain text of the first present key, as its `type` says (RSS fields are HTML).
    fn plain(&self, keys: &[&str]) -> String {
        let Some((key, raw)) = keys.iter().find_map(|k| self.get(k).map(|t| (*k, t))) else { return String::new() };
        let html = match self.kind.get(key).map(String::as_str) {
            Some(kind) => kind == "html" || kind == "text/html",
            None => !matches!(key, "title" | "summary" | "content"),
        };
        if html { text::html_to_text(&raw) } else { text::plain(&raw) }
    }

    fn finish(self) -> Entry {
        let guid = self.get("guid").or_else(|| self.get("id"));
        let permalink = guid.clone().filter(|g| self.guid_is_permalink && g.starts_with("http"));
        let link = self.get("link").or(self.link_alternate.clone()).or(self.link_other.clone()).or(permalink);
        let published = ["pubDate", "published", "dc:date", "updated"]
            .iter()
            .find_map(|k| self.get(k).and_then(|t| date::parse(&t)));
        let author = self.get("author/name").or_else(|| self.get("dc:creator")).or_else(|| self.get("author"));
        Entry {
            title: self.plain(&["title"]),
            summary: self.plain(&["description", "summary", "content:encoded", "content"]),
            author: author.map(|a| rss_author(&a)),
            guid,
            link,
            published,
        }
    }
}

/// RSS writes authors as `jane@example.com (Jane Doe)`: keep the name.
fn rss_author(author: &str) -> String {
    let author = text::collapse(author);
    match author.split_once(" (") {
        Some((email, name)) if email.contains('@') && name.ends_with(')') => name.trim_end_matches(')').to_string(),
        _ => author,
    }
}

/// `atom:entry` is `entry`; other prefixes stay (`content:encoded`, `dc:creator`).
fn normalize(qname: &str) -> String {
    match qname.split_once(':') {
        Some(("atom", local)) => local.to_string(),
        _ => qname.to_string(),
    }
}

/// A malformed-XML error at byte `offset` of `xml`, as line and column.
fn malformed(xml: &str, offset: u64, message: &str) -> FeedError {
    let mut offset = (offset as usize).min(xml.len());
    while !xml.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &xml[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    FeedError::Malformed { line, column, message: message.to_string() }
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
