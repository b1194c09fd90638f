//! Every visible word of the report, one table per language, and the language's way of
//! writing numbers, shares and dates.

use chrono::{DateTime, TimeZone};

/// The languages a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

/// The accepted values of `language`.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

impl Lang {
    pub fn parse(code: &str) -> Result<Lang, String> {
        match code {
            "en" => Ok(Lang::En),
            "de" => Ok(Lang::De),
            other => Err(format!("`language` is `{other}`; give one of: {}", LANGUAGES.join(", "))),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }

    /// A crisis severity (`low`, `medium`, `high`, `critical`) in this language; another
    /// word as it came.
    pub fn severity(self, word: &str) -> String {
        let german = match word {
            "none" => "keine",
            "low" => "niedrig",
            "medium" => "mittel",
            "high" => "hoch",
            "critical" => "kritisch",
            other => other,
        };
        match self {
            Lang::En => word.to_string(),
            Lang::De => german.to_string(),
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Lang::En => (',', '.'),
            Lang::De => ('.', ','),
        }
    }

    /// An integer with thousands separators: `1,234` or `1.234`.
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let (thousands, _) = self.separators();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(thousands);
            }
            out.push(c);
        }
        out
    }

    /// A number with `decimals` places and the language's separators; `sign` writes `+` for
    /// positive numbers.
    pub fn dec(self, x: f64, decimals: usize, sign: bool) -> String {
        let text = format!("{:.*}", decimals, x.abs());
        let (int_part, frac) = text.split_once('.').unwrap_or((&text, ""));
        let (_, point) = self.separators();
        let mut out = self.int(int_part.parse().unwrap_or(0));
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        let zero = text.chars().all(|c| c == '0' || c == '.');
        match (x < 0.0 && !zero, sign && x > 0.0 && !zero) {
            (true, _) => format!("-{out}"),
            (_, true) => format!("+{out}"),
            _ => out,
        }
    }

    /// A percentage: `25.0%` or `25,0 %`.
    pub fn percent(self, x: f64, decimals: usize, sign: bool) -> String {
        let n = self.dec(x, decimals, sign);
        match self {
            Lang::En => format!("{n}%"),
            Lang::De => format!("{n} %"),
        }
    }

    pub fn date<Tz: TimeZone>(self, t: &DateTime<Tz>) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        match self {
            Lang::En => t.format("%Y-%m-%d").to_string(),
            Lang::De => t.format("%d.%m.%Y").to_string(),
        }
    }

    pub fn date_time<Tz: TimeZone>(self, t: &DateTime<Tz>) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        format!("{} {}", self.date(t), t.format("%H:%M"))
    }

    /// A day without its year, for chart axes: `06-02` or `02.06.`.
    pub fn short_date(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::En => d.format("%m-%d").to_string(),
            Lang::De => d.format("%d.%m.").to_string(),
        }
    }

    pub fn naive_date(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::En => d.format("%Y-%m-%d").to_string(),
            Lang::De => d.format("%d.%m.%Y").to_string(),
        }
    }
}

/// The words of one language.
#[derive(Debug)]
pub struct Labels {
    pub default_title: &'static str,
    pub to: &'static str,
    pub prepared_by: &'static str,
    pub summary: &'static str,
    pub metric: &'static str,
    pub value: &'static str,
    pub change: &'static str,
    pub mentions: &'static str,
    pub positive: &'static str,
    pub negative: &'static str,
    pub neutral: &'static str,
    pub unscored: &'static str,
    pub negative_share: &'static str,
    pub mean_sentiment: &'static str,
    pub alerts: &'static str,
    pub posts_published: &'static str,
    pub post_engagement: &'static str,
    pub vs_previous: &'static str,
    pub points: &'static str,
    pub by_day: &'static str,
    pub by_week: &'static str,
    pub by_month: &'static str,
    pub day: &'static str,
    pub week_of: &'static str,
    pub month: &'static str,
    pub sentiment_share: &'static str,
    pub by_network: &'static str,
    pub network: &'static str,
    pub unknown: &'static str,
    pub other: &'static str,
    pub no_mentions: &'static str,
    pub top_authors: &'static str,
    pub rank: &'static str,
    pub author: &'static str,
    pub most_engaged: &'static str,
    pub none_engaged: &'static str,
    pub most_negative: &'static str,
    pub none_negative: &'static str,
    pub when: &'static str,
    pub sentiment: &'static str,
    pub engagement: &'static str,
    pub text: &'static str,
    pub no_alerts: &'static str,
    pub window_end: &'static str,
    pub key: &'static str,
    pub severity: &'static str,
    pub reason: &'static str,
    pub top_posts: &'static str,
    pub no_posts: &'static str,
    pub post: &'static str,
    pub likes: &'static str,
    pub reposts: &'static str,
    pub replies: &'static str,
    pub full_report: &'static str,
    pub top_post: &'static str,
}

pub static EN: Labels = Labels {
    default_title: "Social media report",
    to: "to",
    prepared_by: "Prepared by",
    summary: "Summary",
    metric: "Metric",
    value: "Value",
    change: "Change",
    mentions: "Mentions",
    positive: "Positive",
    negative: "Negative",
    neutral: "Neutral",
    unscored: "Without sentiment",
    negative_share: "Negative share",
    mean_sentiment: "Mean sentiment (compound, -1 to +1)",
    alerts: "Alerts",
    posts_published: "Posts published",
    post_engagement: "Engagement of posts",
    vs_previous: "vs. previous period",
    points: "pts",
    by_day: "Mentions by day",
    by_week: "Mentions by week",
    by_month: "Mentions by month",
    day: "Day",
    week_of: "Week of",
    month: "Month",
    sentiment_share: "Sentiment share",
    by_network: "By network",
    network: "Network",
    unknown: "unknown",
    other: "other",
    no_mentions: "No mentions in this period.",
    top_authors: "Top authors",
    rank: "Rank",
    author: "Author",
    most_engaged: "Most engaged mentions",
    none_engaged: "No mention was liked, reposted or replied to.",
    most_negative: "Most negative mentions",
    none_negative: "No negative mentions.",
    when: "When",
    sentiment: "Sentiment",
    engagement: "Engagement",
    text: "Text",
    no_alerts: "No alerts.",
    window_end: "Window end",
    key: "Key",
    severity: "Severity",
    reason: "Reason",
    top_posts: "Top posts by engagement",
    no_posts: "No posts were published in this period.",
    post: "Post",
    likes: "Likes",
    reposts: "Reposts",
    replies: "Replies",
    full_report: "Full report",
    top_post: "Top post",
};

pub static DE: Labels = Labels {
    default_title: "Social-Media-Bericht",
    to: "bis",
    prepared_by: "Erstellt von",
    summary: "Überblick",
    metric: "Kennzahl",
    value: "Wert",
    change: "Veränderung",
    mentions: "Erwähnungen",
    positive: "Positiv",
    negative: "Negativ",
    neutral: "Neutral",
    unscored: "Ohne Stimmung",
    negative_share: "Anteil negativ",
    mean_sentiment: "Mittlere Stimmung (compound, -1 bis +1)",
    alerts: "Warnungen",
    posts_published: "Veröffentlichte Beiträge",
    post_engagement: "Interaktionen der Beiträge",
    vs_previous: "ggü. Vorperiode",
    points: "Pkt.",
    by_day: "Erwähnungen pro Tag",
    by_week: "Erwähnungen pro Woche",
    by_month: "Erwähnungen pro Monat",
    day: "Tag",
    week_of: "Woche ab",
    month: "Monat",
    sentiment_share: "Stimmungsanteile",
    by_network: "Nach Netzwerk",
    network: "Netzwerk",
    unknown: "unbekannt",
    other: "andere",
    no_mentions: "Keine Erwähnungen in diesem Zeitraum.",
    top_authors: "Aktivste Autoren",
    rank: "Rang",
    author: "Autor",
    most_engaged: "Erwähnungen mit den meisten Interaktionen",
    none_engaged: "Keine Erwähnung wurde geliked, geteilt oder beantwortet.",
    most_negative: "Negativste Erwähnungen",
    none_negative: "Keine negativen Erwähnungen.",
    when: "Zeitpunkt",
    sentiment: "Stimmung",
    engagement: "Interaktionen",
    text: "Text",
    no_alerts: "Keine Warnungen.",
    window_end: "Fensterende",
    key: "Schlüssel",
    severity: "Schwere",
    reason: "Grund",
    top_posts: "Beiträge nach Interaktionen",
    no_posts: "In diesem Zeitraum wurden keine Beiträge veröffentlicht.",
    post: "Beitrag",
    likes: "Likes",
    reposts: "Geteilt",
    replies: "Antworten",
    full_report: "Vollständiger Bericht",
    top_post: "Bester Beitrag",
};
