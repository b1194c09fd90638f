//! The document as Markdown (GitHub tables) and as a standalone HTML page, with every
//! piece of input text escaped for the format and links only to http(s) URLs.

use std::fmt::Write as _;

use crate::doc::{Cell, Document, Section};
use crate::settings::text_on;
use crate::svg;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}\
table{border-collapse:collapse;margin:0 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;\
vertical-align:top;text-align:left}td.num{text-align:right;white-space:nowrap}th{background:#f3f3f3}\
header{padding:1rem 1.5rem;margin:0 0 1.5rem}header h1{margin:0}header p{margin:.3rem 0 0}\
figure{margin:0 0 1rem}";

/// Escapes text for HTML element content and quoted attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown inline content inside a table cell or heading: the
/// characters of emphasis, code, links (`!` is harmless once `[` is escaped), HTML,
/// entities, cell borders and closing heading marks get a backslash, and line breaks
/// become spaces.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Whether a link may point at `url`: only absolute http(s) URLs (no `javascript:`).
pub fn linkable(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(char::is_control)
}

/// Percent-encodes what would end or break a Markdown link destination.
fn md_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '"' | '`' | '\\' | '|' | '[' | ']' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn md_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) | Cell::Number(t) => md_escape(t),
        Cell::Link { text, url } if linkable(url) => format!("[{}]({})", md_escape(text), md_url(url)),
        Cell::Link { text, .. } => md_escape(text),
    }
}

fn numeric_columns(section: &Section) -> Vec<bool> {
    (0..section.headers.len())
        .map(|i| !section.rows.is_empty() && section.rows.iter().all(|r| matches!(r.get(i), Some(Cell::Number(_)))))
        .collect()
}

pub fn markdown(doc: &Document) -> String {
    let mut out = format!("# {}\n\n{}\n", md_escape(&doc.title), md_escape(&doc.subtitle));
    if let Some(name) = &doc.brand.name {
        let _ = writeln!(out, "\n{}: {}", md_escape(doc.lang.labels().prepared_by), md_escape(name));
    }
    for section in &doc.sections {
        let _ = write!(out, "\n## {}\n\n", md_escape(&section.title));
        if section.rows.is_empty() {
            let _ = writeln!(out, "_{}_", md_escape(&section.empty));
            continue;
        }
        let headers: Vec<String> = section.headers.iter().map(|h| md_escape(h)).collect();
        let _ = writeln!(out, "| {} |", headers.join(" | "));
        let rule: Vec<&str> = numeric_columns(section).iter().map(|n| if *n { "---:" } else { "---" }).collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &section.rows {
            let cells: Vec<String> = row.iter().map(md_cell).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out
}

fn html_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => format!("<td>{}</td>", html_escape(t)),
        Cell::Number(t) => format!("<td class=\"num\">{}</td>", html_escape(t)),
        Cell::Link { text, url } if linkable(url) => {
            format!(
                "<td><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></td>",
                html_escape(url.trim()),
                html_escape(text)
            )
        }
        Cell::Link { text, .. } => format!("<td>{}</td>", html_escape(text)),
    }
}

pub fn html(doc: &Document) -> String {
    let title = html_escape(&doc.title);
    let (lang, colour) = (doc.lang.code(), &doc.brand.colour);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n\
         <header style=\"background:{colour};color:{}\">\n<h1>{title}</h1>\n<p>{}</p>\n",
        text_on(colour),
        html_escape(&doc.subtitle)
    );
    if let Some(name) = &doc.brand.name {
        let _ = writeln!(
            out,
            "<p class=\"brand\">{}: {}</p>",
            html_escape(doc.lang.labels().prepared_by),
            html_escape(name)
        );
    }
    out.push_str("</header>\n");
    let mut chart_id = 0;
    for section in &doc.sections {
        let _ = writeln!(out, "<h2>{}</h2>", html_escape(&section.title));
        for chart in &section.charts {
            chart_id += 1;
            let _ =
                writeln!(out, "<figure>{}</figure>", svg::render(chart, &format!("chart{chart_id}"), colour, doc.lang));
        }
        if section.rows.is_empty() {
            let _ = writeln!(out, "<p><em>{}</em></p>", html_escape(&section.empty));
            continue;
        }
        out.push_str("<table>\n<thead><tr>");
        for h in &section.headers {
            let _ = write!(out, "<th>{}</th>", html_escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &section.rows {
            let cells: String = row.iter().map(html_cell).collect();
            let _ = writeln!(out, "<tr>{cells}</tr>");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
