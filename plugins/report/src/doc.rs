//! The report's layout, once for every format: a title, a subtitle and titled tables.

use std::collections::BTreeMap;

use crate::input::{Checked, Item, Label};
use crate::summary::Summary;

/// Mention texts in tables are cut to this many characters.
pub const EXCERPT_CHARS: usize = 140;

/// One table cell; the renderers escape every string in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number, right-aligned.
    Number(String),
    /// A link; renderers show only the text unless the URL is http(s).
    Link {
        text: String,
        url: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    /// A sentence shown instead of the table when there are no rows.
    pub empty: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn num(n: impl ToString) -> Cell {
    Cell::Number(n.to_string())
}

fn share(part: usize, whole: usize) -> Cell {
    if whole == 0 { num(part) } else { num(format!("{part} ({:.1}%)", part as f64 * 100.0 / whole as f64)) }
}

fn label_text(m: &Item) -> String {
    match (m.label, &m.mention.sentiment) {
        (Some(l), Some(s)) => format!("{} {:+.2}", l.name(), s.compound),
        _ => "—".into(),
    }
}

/// The first `EXCERPT_CHARS` characters, on one line.
pub fn excerpt(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn section(title: &str, empty: &str, headers: Vec<&'static str>, rows: Vec<Vec<Cell>>) -> Section {
    Section { title: title.into(), empty: empty.into(), headers, rows }
}

fn summary_section(s: &Summary) -> Section {
    let mut rows = vec![
        vec![text("Mentions"), num(s.mentions)],
        vec![text("Positive"), share(s.positive, s.mentions)],
        vec![text("Negative"), share(s.negative, s.mentions)],
        vec![text("Neutral"), share(s.neutral, s.mentions)],
    ];
    if s.unscored > 0 {
        rows.push(vec![text("Without sentiment"), share(s.unscored, s.mentions)]);
    }
    let mean = s.mean_compound.map_or("—".to_string(), |m| format!("{m:+.3}"));
    rows.push(vec![text("Mean sentiment (compound, -1 to +1)"), num(mean)]);
    rows.push(vec![text("Alerts"), num(s.spikes)]);
    rows.push(vec![text("Posts published"), num(s.posts)]);
    section("Summary", "", vec!["Metric", "Value"], rows)
}

fn by_day(items: &[Item]) -> Section {
    let mut days: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for m in items {
        let day = days.entry(m.at.format("%Y-%m-%d").to_string()).or_default();
        day[0] += 1;
        day[1] += usize::from(m.label == Some(Label::Positive));
        day[2] += usize::from(m.label == Some(Label::Negative));
    }
    let rows = days.into_iter().map(|(d, [n, p, neg])| vec![text(d), num(n), num(p), num(neg)]).collect();
    section(
        "Mentions by day (UTC)",
        "No mentions in this period.",
        vec!["Day", "Mentions", "Positive", "Negative"],
        rows,
    )
}

fn by_network(items: &[Item]) -> Section {
    let mut nets: BTreeMap<&str, usize> = BTreeMap::new();
    for m in items {
        *nets.entry(if m.mention.network.is_empty() { "unknown" } else { &m.mention.network }).or_default() += 1;
    }
    let rows = nets.into_iter().map(|(n, c)| vec![text(n), share(c, items.len())]).collect();
    section("By network", "No mentions in this period.", vec!["Network", "Mentions"], rows)
}

fn mention_row(m: &Item) -> Vec<Cell> {
    let date = m.at.format("%Y-%m-%d %H:%M").to_string();
    vec![
        Cell::Link { text: date, url: m.mention.url.clone() },
        text(&m.mention.author.handle),
        text(label_text(m)),
        num(m.engagement()),
        text(excerpt(&m.mention.text)),
    ]
}

const MENTION_HEADERS: [&str; 5] = ["When (UTC)", "Author", "Sentiment", "Engagement", "Text"];

fn most_engaged(items: &[Item], top: usize) -> Section {
    let mut sorted: Vec<&Item> = items.iter().filter(|m| m.engagement() > 0).collect();
    sorted.sort_by(|a, b| b.engagement().cmp(&a.engagement()).then(b.at.cmp(&a.at)));
    let rows = sorted.into_iter().take(top).map(mention_row).collect();
    section("Most engaged mentions", "No mention was liked, reposted or replied to.", MENTION_HEADERS.to_vec(), rows)
}

fn most_negative(items: &[Item], top: usize) -> Section {
    let mut sorted: Vec<&Item> = items.iter().filter(|m| m.label == Some(Label::Negative)).collect();
    let compound = |m: &Item| m.mention.sentiment.as_ref().map_or(0.0, |s| s.compound);
    sorted.sort_by(|a, b| compound(a).total_cmp(&compound(b)).then(b.at.cmp(&a.at)));
    let rows = sorted.into_iter().take(top).map(mention_row).collect();
    section("Most negative mentions", "No negative mentions.", MENTION_HEADERS.to_vec(), rows)
}

fn alerts(input: &Checked) -> Section {
    let rows = input
        .spikes
        .iter()
        .filter(|s| s.severity != "none")
        .map(|s| {
            let neg = format!("{:.0}%", s.negative_share * 100.0);
            vec![text(&s.at), text(&s.key), text(&s.severity), num(s.count), num(neg), text(&s.reason)]
        })
        .collect();
    let headers = vec!["Window end", "Key", "Severity", "Mentions", "Negative", "Reason"];
    section("Alerts", "No alerts.", headers, rows)
}

fn posts(input: &Checked) -> Section {
    let rows = input
        .posts
        .iter()
        .map(|(at, p)| {
            let engagement = p.likes + p.reposts + p.replies;
            let date = at.format("%Y-%m-%d %H:%M").to_string();
            let link =
                Cell::Link { text: if p.id.is_empty() { "post".into() } else { p.id.clone() }, url: p.url.clone() };
            vec![text(date), text(&p.network), link, num(p.likes), num(p.reposts), num(p.replies), num(engagement)]
        })
        .collect();
    let headers = vec!["When (UTC)", "Network", "Post", "Likes", "Reposts", "Replies", "Engagement"];
    section("Published posts", "No posts were published in this period.", headers, rows)
}

pub fn build(input: &Checked, summary: &Summary) -> Document {
    let authors =
        summary.top_authors.iter().enumerate().map(|(i, a)| vec![num(i + 1), text(&a.handle), num(a.mentions)]);
    let subtitle = format!("{} to {} (UTC)", input.from.format("%Y-%m-%d %H:%M"), input.to.format("%Y-%m-%d %H:%M"));
    Document {
        title: input.title.clone(),
        subtitle,
        sections: vec![
            summary_section(summary),
            by_day(&input.mentions),
            by_network(&input.mentions),
            section(
                "Top authors",
                "No mentions in this period.",
                vec!["Rank", "Author", "Mentions"],
                authors.collect(),
            ),
            most_engaged(&input.mentions, input.top),
            most_negative(&input.mentions, input.top),
            alerts(input),
            posts(input),
        ],
    }
}
