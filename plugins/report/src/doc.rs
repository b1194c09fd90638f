//! The report's layout, once for every format: a title, a subtitle, the brand, and titled
//! tables, some with charts; every word comes from the language's labels.

use crate::compare::{self, Change};
use crate::input::Checked;
use crate::labels::Lang;
use crate::series::{self, Step};
use crate::settings::Brand;
use crate::summary::Summary;
use crate::svg::Chart;
use crate::tables;

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
    /// Charts of the table's numbers, shown above it in HTML.
    pub charts: Vec<Chart>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub lang: Lang,
    pub brand: Brand,
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

pub fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub fn num(s: impl Into<String>) -> Cell {
    Cell::Number(s.into())
}

pub fn section(title: &str, empty: &str, headers: Vec<&'static str>, rows: Vec<Vec<Cell>>) -> Section {
    Section { title: title.into(), empty: empty.into(), headers, rows, charts: Vec::new() }
}

fn share(part: usize, whole: usize, lang: Lang) -> Cell {
    if whole == 0 {
        num(lang.int(part as u64))
    } else {
        num(format!("{} ({})", lang.int(part as u64), lang.percent(part as f64 * 100.0 / whole as f64, 1, false)))
    }
}

fn summary_section(s: &Summary, changes: &[Change], lang: Lang) -> Section {
    let l = lang.labels();
    let change = |metric: &str| text(compare::phrase(changes, metric, lang).unwrap_or_else(|| "—".into()));
    let none = || text("");
    let share_text = s.negative_share.map_or("—".to_string(), |x| lang.percent(x * 100.0, 1, false));
    let mut rows = vec![
        vec![text(l.mentions), num(lang.int(s.mentions as u64)), change("mentions")],
        vec![text(l.positive), share(s.positive, s.mentions, lang), none()],
        vec![text(l.negative), share(s.negative, s.mentions, lang), none()],
        vec![text(l.neutral), share(s.neutral, s.mentions, lang), none()],
    ];
    if s.unscored > 0 {
        rows.push(vec![text(l.unscored), share(s.unscored, s.mentions, lang), none()]);
    }
    rows.push(vec![text(l.negative_share), num(share_text), change("negative_share")]);
    let mean = s.mean_compound.map_or("—".to_string(), |m| lang.dec(m, 3, true));
    rows.push(vec![text(l.mean_sentiment), num(mean), none()]);
    rows.push(vec![text(l.alerts), num(lang.int(s.spikes as u64)), none()]);
    rows.push(vec![text(l.posts_published), num(lang.int(s.posts as u64)), change("posts")]);
    rows.push(vec![text(l.post_engagement), num(lang.int(s.engagement)), change("engagement")]);
    if changes.is_empty() {
        rows.iter_mut().for_each(|r| r.truncate(2));
        return section(l.summary, "", vec![l.metric, l.value], rows);
    }
    section(l.summary, "", vec![l.metric, l.value, l.change], rows)
}

fn over_time(input: &Checked) -> Section {
    let (lang, l) = (input.lang, input.lang.labels());
    let first = input.from.with_timezone(&input.tz).date_naive();
    let last = input.to.with_timezone(&input.tz).date_naive();
    let series = series::over_time(&input.mentions, first, last, input.tz);
    let (title, column) = match series.step {
        Step::Day => (l.by_day, l.day),
        Step::Week => (l.by_week, l.week_of),
        Step::Month => (l.by_month, l.month),
    };
    let axis = |d: chrono::NaiveDate| match series.step {
        Step::Month => d.format(if lang == Lang::De { "%m.%Y" } else { "%Y-%m" }).to_string(),
        _ => lang.short_date(d),
    };
    let rows = series
        .buckets
        .iter()
        .map(|b| {
            let ints = [b.total, b.positive, b.neutral, b.negative].map(|n| num(lang.int(n)));
            let mut row = vec![text(lang.naive_date(b.start))];
            row.extend(ints);
            row
        })
        .collect();
    let title = format!("{title} ({})", input.tz.name());
    let headers = vec![column, l.mentions, l.positive, l.neutral, l.negative];
    let mut s = section(&title, l.no_mentions, headers, if input.mentions.is_empty() { Vec::new() } else { rows });
    if !input.mentions.is_empty() {
        let bars = series.buckets.iter().map(|b| (axis(b.start), b.total)).collect();
        let stacked = series.buckets.iter().map(|b| (axis(b.start), [b.positive, b.neutral, b.negative])).collect();
        let legend = [l.positive, l.neutral, l.negative].map(String::from);
        s.charts.push(Chart::Bars { title: title.clone(), bars });
        s.charts.push(Chart::Stacked {
            title: format!("{} ({})", l.sentiment_share, input.tz.name()),
            legend,
            bars: stacked,
        });
    }
    s
}

fn by_network(input: &Checked) -> Section {
    let (lang, l) = (input.lang, input.lang.labels());
    let nets = series::by_network(&input.mentions, l.unknown, l.other);
    let whole = input.mentions.len();
    let rows = nets.iter().map(|(n, c)| vec![text(n), share(*c as usize, whole, lang)]).collect();
    let mut s = section(l.by_network, l.no_mentions, vec![l.network, l.mentions], rows);
    if !nets.is_empty() {
        s.charts.push(Chart::Horizontal { title: l.by_network.to_string(), bars: nets });
    }
    s
}

pub fn build(input: &Checked, summary: &Summary, changes: &[Change]) -> Document {
    let lang = input.lang;
    let (from, to) = (input.from.with_timezone(&input.tz), input.to.with_timezone(&input.tz));
    let subtitle =
        format!("{} {} {} ({})", lang.date_time(&from), lang.labels().to, lang.date_time(&to), input.tz.name());
    Document {
        lang,
        brand: input.brand.clone(),
        title: input.title.clone(),
        subtitle,
        sections: vec![
            summary_section(summary, changes, lang),
            over_time(input),
            by_network(input),
            tables::top_authors(summary, lang),
            tables::most_engaged(input),
            tables::most_negative(input),
            tables::alerts(input),
            tables::top_posts(input),
        ],
    }
}
