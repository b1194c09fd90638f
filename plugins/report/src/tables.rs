//! The report's list tables: top authors, most engaged and most negative mentions, alerts
//! and the top posts by engagement, with times in the workspace's time zone.

use chrono::{DateTime, Utc};

use crate::doc::{Cell, Section, num, section, text};
use crate::input::{Checked, Item, Label};
use crate::labels::Lang;
use crate::summary::Summary;

/// Mention and post texts in tables are cut to this many characters.
pub const EXCERPT_CHARS: usize = 140;

/// The first `chars` characters, on one line.
pub fn excerpt_of(s: &str, chars: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        return flat;
    }
    let cut: String = flat.chars().take(chars - 1).collect();
    format!("{}…", cut.trim_end())
}

pub fn excerpt(s: &str) -> String {
    excerpt_of(s, EXCERPT_CHARS)
}

fn when(input: &Checked, at: DateTime<Utc>) -> String {
    input.lang.date_time(&at.with_timezone(&input.tz))
}

fn label_text(m: &Item, lang: Lang) -> String {
    let l = lang.labels();
    let name = |label| match label {
        Label::Positive => l.positive,
        Label::Negative => l.negative,
        Label::Neutral => l.neutral,
    };
    match (m.label, &m.mention.sentiment) {
        (Some(label), Some(s)) => format!("{} {}", name(label).to_lowercase(), lang.dec(s.compound, 2, true)),
        _ => "—".into(),
    }
}

fn mention_row(input: &Checked, m: &Item) -> Vec<Cell> {
    let lang = input.lang;
    vec![
        Cell::Link { text: when(input, m.at), url: m.mention.url.clone() },
        text(&m.mention.author.handle),
        text(label_text(m, lang)),
        num(lang.int(m.engagement())),
        text(excerpt(&m.mention.text)),
    ]
}

fn mention_headers(lang: Lang) -> Vec<&'static str> {
    let l = lang.labels();
    vec![l.when, l.author, l.sentiment, l.engagement, l.text]
}

pub fn top_authors(summary: &Summary, lang: Lang) -> Section {
    let l = lang.labels();
    let rows = summary
        .top_authors
        .iter()
        .enumerate()
        .map(|(i, a)| vec![num(lang.int(i as u64 + 1)), text(&a.handle), num(lang.int(a.mentions as u64))])
        .collect();
    section(l.top_authors, l.no_mentions, vec![l.rank, l.author, l.mentions], rows)
}

pub fn most_engaged(input: &Checked) -> Section {
    let l = input.lang.labels();
    let mut sorted: Vec<&Item> = input.mentions.iter().filter(|m| m.engagement() > 0).collect();
    sorted.sort_by(|a, b| b.engagement().cmp(&a.engagement()).then(b.at.cmp(&a.at)));
    let rows = sorted.into_iter().take(input.top).map(|m| mention_row(input, m)).collect();
    section(l.most_engaged, l.none_engaged, mention_headers(input.lang), rows)
}

pub fn most_negative(input: &Checked) -> Section {
    let l = input.lang.labels();
    let mut sorted: Vec<&Item> = input.mentions.iter().filter(|m| m.label == Some(Label::Negative)).collect();
    let compound = |m: &Item| m.mention.sentiment.as_ref().map_or(0.0, |s| s.compound);
    sorted.sort_by(|a, b| compound(a).total_cmp(&compound(b)).then(b.at.cmp(&a.at)));
    let rows = sorted.into_iter().take(input.top).map(|m| mention_row(input, m)).collect();
    section(l.most_negative, l.none_negative, mention_headers(input.lang), rows)
}

pub fn alerts(input: &Checked) -> Section {
    let (lang, l) = (input.lang, input.lang.labels());
    let rows = input
        .spikes
        .iter()
        .filter(|s| s.severity != "none")
        .map(|s| {
            let at = DateTime::parse_from_rfc3339(&s.at).map_or(s.at.clone(), |t| when(input, t.with_timezone(&Utc)));
            let neg = lang.percent(s.negative_share * 100.0, 0, false);
            vec![
                text(at),
                text(&s.key),
                text(lang.severity(&s.severity)),
                num(lang.int(s.count)),
                num(neg),
                text(&s.reason),
            ]
        })
        .collect();
    let headers = vec![l.window_end, l.key, l.severity, l.mentions, l.negative, l.reason];
    section(l.alerts, l.no_alerts, headers, rows)
}

/// The posts with most engagement first (ties: newer first), each with its text.
pub fn ranked_posts(input: &Checked) -> Vec<&(DateTime<Utc>, crate::input::PostIn)> {
    let mut sorted: Vec<_> = input.posts.iter().collect();
    sorted.sort_by(|a, b| b.1.engagement().cmp(&a.1.engagement()).then(b.0.cmp(&a.0)));
    sorted
}

/// What names a post: its text, else its id, else its URL.
pub fn post_name(p: &crate::input::PostIn, chars: usize) -> String {
    let name = excerpt_of(&p.text, chars);
    if !name.is_empty() {
        name
    } else if !p.id.is_empty() {
        excerpt_of(&p.id, chars)
    } else {
        excerpt_of(&p.url, chars)
    }
}

pub fn top_posts(input: &Checked) -> Section {
    let (lang, l) = (input.lang, input.lang.labels());
    let rows = ranked_posts(input)
        .into_iter()
        .take(input.top)
        .map(|(at, p)| {
            let link = Cell::Link { text: post_name(p, EXCERPT_CHARS), url: p.url.clone() };
            let n = |x: u64| num(lang.int(x));
            vec![
                link,
                text(&p.network),
                text(when(input, *at)),
                n(p.likes),
                n(p.reposts),
                n(p.replies),
                n(p.engagement()),
            ]
        })
        .collect();
    let headers = vec![l.post, l.network, l.when, l.likes, l.reposts, l.replies, l.engagement];
    section(l.top_posts, l.no_posts, headers, rows)
}
