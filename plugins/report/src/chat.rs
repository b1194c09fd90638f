//! Short summaries for chat: Slack mrkdwn (bold, bullet lines, `<url|text>` links, no
//! tables) and a Matrix message whose HTML keeps to the tags Matrix allows.

use serde::Serialize;

use crate::compare::{self, Change};
use crate::doc::Document;
use crate::input::Checked;
use crate::render::{html_escape, linkable};
use crate::summary::Summary;
use crate::tables::{post_name, ranked_posts};

/// The top post's text is cut to this many characters in chat.
const CHAT_EXCERPT: usize = 80;
/// The most authors named in chat.
const CHAT_AUTHORS: usize = 3;

/// A Matrix `m.room.message` content with HTML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    pub body: String,
    pub format: &'static str,
    pub formatted_body: String,
}

/// One bullet: its words, and a link on them when there is a safe one.
struct Line {
    label: String,
    value: String,
    link: Option<(String, String)>,
}

struct Message {
    title: String,
    subtitle: String,
    lines: Vec<Line>,
    report: Option<(String, String)>,
}

fn with_change(value: String, changes: &[Change], metric: &str, doc: &Document) -> String {
    match compare::phrase(changes, metric, doc.lang) {
        Some(p) => format!("{value} ({p})"),
        None => value,
    }
}

fn message(input: &Checked, doc: &Document, s: &Summary, changes: &[Change]) -> Message {
    let (lang, l) = (doc.lang, doc.lang.labels());
    let pct = |part: usize| {
        if s.mentions == 0 {
            "—".to_string()
        } else {
            lang.percent(part as f64 * 100.0 / s.mentions as f64, 0, false)
        }
    };
    let line = |label: &str, value: String| Line { label: label.to_string(), value, link: None };
    let mut lines = vec![
        line(l.mentions, with_change(lang.int(s.mentions as u64), changes, "mentions", doc)),
        line(
            l.sentiment,
            format!(
                "{} {} · {} {} · {} {}",
                pct(s.positive),
                l.positive.to_lowercase(),
                pct(s.neutral),
                l.neutral.to_lowercase(),
                pct(s.negative),
                l.negative.to_lowercase()
            ),
        ),
    ];
    if !s.top_authors.is_empty() {
        let authors: Vec<String> = s
            .top_authors
            .iter()
            .take(CHAT_AUTHORS)
            .map(|a| format!("{} ({})", a.handle, lang.int(a.mentions as u64)))
            .collect();
        lines.push(line(l.top_authors, authors.join(", ")));
    }
    if let Some(p) = compare::phrase(changes, "negative_share", lang) {
        lines.push(line(l.negative_share, p));
    }
    lines.push(line(l.alerts, lang.int(s.spikes as u64)));
    lines.push(line(l.posts_published, with_change(lang.int(s.posts as u64), changes, "posts", doc)));
    lines.push(line(l.post_engagement, with_change(lang.int(s.engagement), changes, "engagement", doc)));
    if let Some((_, p)) = ranked_posts(input).first() {
        let name = post_name(p, CHAT_EXCERPT);
        let link = linkable(&p.url).then(|| (p.url.trim().to_string(), name.clone()));
        let network = if p.network.is_empty() { l.unknown } else { &p.network };
        let value = format!("{network}, {} {}", lang.int(p.engagement()), l.engagement.to_lowercase());
        lines.push(Line {
            label: l.top_post.to_string(),
            value: format!("{name} ({value})"),
            link: link.map(|k| (k.0, value)),
        });
    }
    let mut subtitle = doc.subtitle.clone();
    if let Some(name) = &doc.brand.name {
        subtitle = format!("{subtitle} · {}: {name}", l.prepared_by);
    }
    let report = input.report_url.as_ref().map(|u| (u.clone(), l.full_report.to_string()));
    Message { title: doc.title.clone(), subtitle, lines, report }
}

/// Escapes text for Slack mrkdwn: `&`, `<` and `>` as entities.
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A URL for `<url|text>`: what would end the link percent-encoded.
fn slack_url(url: &str) -> String {
    url.replace('|', "%7C").replace('<', "%3C").replace('>', "%3E").replace(' ', "%20")
}

fn slack_link(url: &str, text: &str) -> String {
    format!("<{}|{}>", slack_url(url), slack_escape(text))
}

fn slack_text(m: &Message) -> String {
    let mut out = format!("*{}*\n{}\n", slack_escape(&m.title), slack_escape(&m.subtitle));
    for line in &m.lines {
        let value = match &line.link {
            // The post's name is the link; its network and engagement follow.
            Some((url, rest)) => {
                let name = line.value.strip_suffix(&format!(" ({rest})")).unwrap_or(&line.value);
                format!("{} ({})", slack_link(url, name), slack_escape(rest))
            }
            None => slack_escape(&line.value),
        };
        out.push_str(&format!("• *{}:* {value}\n", slack_escape(&line.label)));
    }
    if let Some((url, text)) = &m.report {
        out.push_str(&slack_link(url, text));
        out.push('\n');
    }
    out
}

fn matrix_message(m: &Message) -> Matrix {
    let mut body = format!("{}\n{}\n", m.title, m.subtitle);
    let mut html = format!("<p><strong>{}</strong><br>{}</p><ul>", html_escape(&m.title), html_escape(&m.subtitle));
    for line in &m.lines {
        body.push_str(&format!("- {}: {}\n", line.label, line.value));
        let value = match &line.link {
            Some((url, rest)) => {
                let name = line.value.strip_suffix(&format!(" ({rest})")).unwrap_or(&line.value);
                format!("<a href=\"{}\">{}</a> ({})", html_escape(url), html_escape(name), html_escape(rest))
            }
            None => html_escape(&line.value),
        };
        html.push_str(&format!("<li><strong>{}:</strong> {value}</li>", html_escape(&line.label)));
    }
    html.push_str("</ul>");
    if let Some((url, text)) = &m.report {
        body.push_str(&format!("{text}: {url}\n"));
        html.push_str(&format!("<p><a href=\"{}\">{}</a></p>", html_escape(url), html_escape(text)));
    }
    Matrix { body, format: "org.matrix.custom.html", formatted_body: html }
}

/// The Slack text and the Matrix message of the digest.
pub fn summaries(input: &Checked, doc: &Document, s: &Summary, changes: &[Change]) -> (String, Matrix) {
    let m = message(input, doc, s, changes);
    (slack_text(&m), matrix_message(&m))
}
