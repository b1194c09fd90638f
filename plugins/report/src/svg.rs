//! Charts as small inline SVG: vertical bars, stacked share bars and horizontal bars, each
//! with a `<title>`, a `<desc>` holding every number, and all text escaped.

use std::fmt::Write as _;

use crate::labels::Lang;
use crate::render::html_escape;

pub const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 24.0;
/// The colours of positive, neutral and negative.
pub const SENTIMENT_COLOURS: [&str; 3] = ["#2e7d32", "#9e9e9e", "#c62828"];
/// Labels on the horizontal chart are cut to this many characters.
const LABEL_CHARS: usize = 24;
/// At most this many labels under a time axis.
const AXIS_LABELS: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One bar per label, in the accent colour.
    Bars { title: String, bars: Vec<(String, u64)> },
    /// One bar per label split into the shares of its three counts.
    Stacked { title: String, legend: [String; 3], bars: Vec<(String, [u64; 3])> },
    /// One horizontal bar per label, in the accent colour.
    Horizontal { title: String, bars: Vec<(String, u64)> },
}

fn cut(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        return s.to_string();
    }
    let head: String = s.chars().take(LABEL_CHARS - 1).collect();
    format!("{head}…")
}

fn open(out: &mut String, id: &str, height: u32, title: &str, desc: &str) {
    let (title, desc) = (html_escape(title), html_escape(desc));
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" style=\"max-width:{WIDTH}px\" aria-labelledby=\"{id}-t {id}-d\" aria-label=\"{title}\" \
         font-family=\"system-ui,sans-serif\" font-size=\"11\">\
         <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>"
    );
}

fn describe<T>(bars: &[(String, T)], value: impl Fn(&T) -> String) -> String {
    bars.iter().map(|(label, v)| format!("{label}: {}", value(v))).collect::<Vec<_>>().join("; ")
}

/// Every how many bars a time axis gets a label.
fn label_every(n: usize) -> usize {
    n.div_ceil(AXIS_LABELS).max(1)
}

fn axis(out: &mut String, bars: &[String], slot: f64, top_text: &str) {
    let base = f64::from(HEIGHT) - BOTTOM;
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#888\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        f64::from(WIDTH) - RIGHT,
        LEFT - 4.0,
        TOP + 4.0,
        html_escape(top_text),
        LEFT - 4.0,
    );
    let every = label_every(bars.len());
    for (i, label) in bars.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            base + 14.0,
            html_escape(label)
        );
    }
}

fn bars_chart(id: &str, title: &str, bars: &[(String, u64)], accent: &str, lang: Lang) -> String {
    let mut out = String::new();
    open(&mut out, id, HEIGHT, title, &describe(bars, |v| lang.int(*v)));
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let plot_h = f64::from(HEIGHT) - TOP - BOTTOM;
    let slot = (f64::from(WIDTH) - LEFT - RIGHT) / bars.len().max(1) as f64;
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    axis(&mut out, &labels, slot, &lang.int(max));
    for (i, (label, v)) in bars.iter().enumerate() {
        let h = plot_h * *v as f64 / max as f64;
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{accent}\">\
             <title>{}: {}</title></rect>",
            LEFT + slot * i as f64 + slot * 0.1,
            TOP + plot_h - h,
            slot * 0.8,
            html_escape(label),
            lang.int(*v),
        );
    }
    out.push_str("</svg>");
    out
}

fn stacked_chart(id: &str, title: &str, legend: &[String; 3], bars: &[(String, [u64; 3])], lang: Lang) -> String {
    let share = |part: u64, whole: u64| if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 };
    let desc = describe(bars, |counts| {
        let whole: u64 = counts.iter().sum();
        (0..3)
            .map(|k| format!("{} {}", legend[k], lang.percent(share(counts[k], whole), 0, false)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut out = String::new();
    open(&mut out, id, HEIGHT, title, &desc);
    for (k, name) in legend.iter().enumerate() {
        let x = LEFT + 110.0 * k as f64;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"13\">{}</text>",
            SENTIMENT_COLOURS[k],
            x + 14.0,
            html_escape(name)
        );
    }
    let plot_h = f64::from(HEIGHT) - TOP - BOTTOM;
    let slot = (f64::from(WIDTH) - LEFT - RIGHT) / bars.len().max(1) as f64;
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    axis(&mut out, &labels, slot, &lang.percent(100.0, 0, false));
    for (i, (label, counts)) in bars.iter().enumerate() {
        let whole: u64 = counts.iter().sum();
        let mut y = TOP + plot_h;
        for k in 0..3 {
            let h = plot_h * share(counts[k], whole) / 100.0;
            if h <= 0.0 {
                continue;
            }
            y -= h;
            let _ = write!(
                out,
                "<rect class=\"seg{k}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                 <title>{}: {} {}</title></rect>",
                LEFT + slot * i as f64 + slot * 0.1,
                slot * 0.8,
                SENTIMENT_COLOURS[k],
                html_escape(label),
                html_escape(&legend[k]),
                lang.percent(share(counts[k], whole), 0, false),
            );
        }
    }
    out.push_str("</svg>");
    out
}

fn horizontal_chart(id: &str, title: &str, bars: &[(String, u64)], accent: &str, lang: Lang) -> String {
    const ROW: f64 = 24.0;
    const LABEL_W: f64 = 170.0;
    let height = (ROW * bars.len().max(1) as f64 + 8.0) as u32;
    let mut out = String::new();
    open(&mut out, id, height, title, &describe(bars, |v| lang.int(*v)));
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let span = f64::from(WIDTH) - LABEL_W - 70.0;
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = span * *v as f64 / max as f64;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{LABEL_W}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{}\" fill=\"{accent}\">\
             <title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL_W - 6.0,
            y + 14.0,
            html_escape(&cut(label)),
            ROW - 6.0,
            html_escape(label),
            lang.int(*v),
            LABEL_W + w + 4.0,
            y + 14.0,
            lang.int(*v),
        );
    }
    out.push_str("</svg>");
    out
}

/// The chart as one `<svg>` element; `id` must be unique in the page.
pub fn render(chart: &Chart, id: &str, accent: &str, lang: Lang) -> String {
    match chart {
        Chart::Bars { title, bars } => bars_chart(id, title, bars, accent, lang),
        Chart::Stacked { title, legend, bars } => stacked_chart(id, title, legend, bars, lang),
        Chart::Horizontal { title, bars } => horizontal_chart(id, title, bars, accent, lang),
    }
}
